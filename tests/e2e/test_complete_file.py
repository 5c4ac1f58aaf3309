"""`-O` means a complete file; `-o` and the default partitions stay incremental (issue 10).

Real `scrapy crawl` subprocesses against the demo outlet on 127.0.0.1, one state per test.
"""

from __future__ import annotations

import json
import os
import re
import sqlite3
import subprocess
import sys
import urllib.request
from pathlib import Path

import pandas as pd

from demo.run import PROJECT_ROOT, read_jsonl
from tests.e2e.conftest import Demo


def reset(demo: Demo) -> None:
    with urllib.request.urlopen(f"{demo.base_url}/__demo/stats?reset=1", timeout=10):
        pass


def crawl(demo: Demo, state: Path, *feeds: str, extra: tuple[str, ...] = (),
          ok: bool = True) -> subprocess.CompletedProcess[str]:
    """`scrapy crawl news21tongsin` with the given feed options (e.g. ``-O``, ``out.jsonl``)."""
    reset(demo)
    cmd = [sys.executable, "-m", "scrapy", "crawl", "news21tongsin", "-a", f"base_url={demo.base_url}", *feeds,
           "-s", f"NEWSCRAWL_STATE_URI=sqlite:///{state}", "-s", f"NEWSCRAWL_REJECTS_URI={state.parent / 'rej.jsonl'}",
           "-s", f"NEWSCRAWL_REPORT_URI={state.parent / 'runs' / '%(time)s.json'}",
           "-s", "DOWNLOAD_DELAY=0", "-s", "AUTOTHROTTLE_ENABLED=false", *extra]
    proc = subprocess.run(cmd, cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=300,
                          env={**os.environ, "PYTHONPATH": str(PROJECT_ROOT)})
    assert proc.returncode == 0 or not ok, proc.stderr[-3000:]
    return proc


def not_article_pages(proc: subprocess.CompletedProcess[str]) -> int:
    """Article links that are not articles (deleted: the demo keeps one): fetched by every run, nothing to store."""
    m = re.search(r"'newscrawl/pages/not_article': (\d+)", proc.stderr)
    return int(m.group(1)) if m else 0


def article_ids(path: Path) -> list[str]:
    return [r["article_id"] for r in read_jsonl(path)]


def test_O_twice_gives_identical_files_and_fetches_only_lists(demo: Demo, tmp_path: Path) -> None:
    state = tmp_path / "state.sqlite"
    jsonl, csv = tmp_path / "keep.jsonl", tmp_path / "keep.csv"
    crawl(demo, state, "-O", str(jsonl), "-O", str(csv))
    first_jsonl, first_csv = jsonl.read_bytes(), csv.read_bytes()
    wanted = {r["article_id"] for r in demo.truth() if r["expect"] == "item"}
    assert len(wanted - set(article_ids(jsonl))) <= 1  # a re-post may stand in for its original
    second = crawl(demo, state, "-O", str(jsonl), "-O", str(csv))
    fetched = demo.stats()
    assert jsonl.read_bytes() == first_jsonl
    assert csv.read_bytes() == first_csv
    assert fetched.get("view", 0) == not_article_pages(second) and fetched.get("list", 0) > 0  # list pages only
    assert "from_store=" in second.stderr
    table = pd.read_csv(csv, dtype=str, keep_default_na=False)
    assert list(table["article_id"]) == article_ids(jsonl)


def test_the_readme_order_jsonl_then_csv_gives_a_full_csv(demo: Demo, tmp_path: Path) -> None:
    """The README's order (-O articles.jsonl, then -O articles.csv) used to give a 0-byte CSV."""
    state = tmp_path / "state.sqlite"
    crawl(demo, state, "-O", str(tmp_path / "articles.jsonl"))
    again = crawl(demo, state, "-O", str(tmp_path / "articles.csv"))
    table = pd.read_csv(tmp_path / "articles.csv", dtype=str, keep_default_na=False)
    assert sorted(table["article_id"]) == sorted(article_ids(tmp_path / "articles.jsonl"))
    assert demo.stats().get("view", 0) == not_article_pages(again)


def test_o_and_partitions_stay_incremental(demo: Demo, tmp_path: Path) -> None:
    """An appended feed beside a complete one (Scrapy refuses -o with -O, so both through FEEDS)."""
    state = tmp_path / "state.sqlite"
    out = tmp_path / "out"
    feeds = json.dumps({str(out / "new.jsonl"): {"format": "jsonlines"},
                        str(out / "all.jsonl"): {"format": "jsonlines", "overwrite": True}})
    crawl(demo, state, "-s", f"FEEDS={feeds}")
    n = len(read_jsonl(out / "new.jsonl"))
    assert n and n == len(read_jsonl(out / "all.jsonl"))
    crawl(demo, state, "-s", f"FEEDS={feeds}")
    assert len(read_jsonl(out / "new.jsonl")) == n  # nothing new appended
    assert len(read_jsonl(out / "all.jsonl")) == n  # the complete file is complete again
    crawl(demo, state, "-o", str(out / "new.jsonl"))  # -o alone: incremental
    assert len(read_jsonl(out / "new.jsonl")) == n
    # Default partitions (no -o/-O): incremental too.
    crawl(demo, state, extra=("-s", f"NEWSCRAWL_OUTPUT_DIR={tmp_path / 'parts'}"))
    parts = [p for p in (tmp_path / "parts").rglob("*.jsonl") if not p.name.endswith("rejects.jsonl")]
    assert sum(len(read_jsonl(p)) for p in parts) == 0


def test_complete_file_keeps_the_crawl_scope(demo: Demo, tmp_path: Path) -> None:
    state = tmp_path / "state.sqlite"
    crawl(demo, state, "-O", str(tmp_path / "all.jsonl"))
    since = sorted(r["published_at"] for r in read_jsonl(tmp_path / "all.jsonl"))[len(article_ids(tmp_path / "all.jsonl")) // 2][:10]
    recent_run = crawl(demo, state, "-O", str(tmp_path / "recent.jsonl"), extra=("-a", f"since={since}"))
    recent = read_jsonl(tmp_path / "recent.jsonl")
    assert recent and all(r["published_at"][:10] >= since for r in recent)
    assert {r["article_id"] for r in recent} == {r["article_id"] for r in read_jsonl(tmp_path / "all.jsonl")
                                                 if r["published_at"][:10] >= since}
    assert demo.stats().get("view", 0) == not_article_pages(recent_run)


def test_a_state_from_before_the_dataset_is_backfilled_once(demo: Demo, tmp_path: Path) -> None:
    """Articles exported before the store kept items are fetched once by a complete -O run, then come from the store."""
    state = tmp_path / "state.sqlite"
    crawl(demo, state, "-O", str(tmp_path / "first.jsonl"))
    conn = sqlite3.connect(state)
    conn.execute("DELETE FROM item WHERE revision > 0")  # as a schema-1 state migrated: no items
    conn.execute("UPDATE meta SET value = ? WHERE key = 'items-since'", (str(2**40),))
    conn.commit()
    conn.close()
    crawl(demo, state, "-O", str(tmp_path / "second.jsonl"))
    assert demo.stats().get("view", 0) > 0
    first = {r["article_id"]: r for r in read_jsonl(tmp_path / "first.jsonl")}
    second = {r["article_id"]: r for r in read_jsonl(tmp_path / "second.jsonl")}
    assert set(second) == set(first)
    for key, record in second.items():
        same = {k: v for k, v in record.items() if k not in ("crawled_at", "url")}  # url: as linked (menu code)
        assert same == {k: v for k, v in first[key].items() if k not in ("crawled_at", "url")}
    third = crawl(demo, state, "-O", str(tmp_path / "third.jsonl"))
    assert demo.stats().get("view", 0) == not_article_pages(third)
    assert (tmp_path / "third.jsonl").read_bytes() == (tmp_path / "second.jsonl").read_bytes()


def test_run_report_counts_items_from_the_store(demo: Demo, tmp_path: Path) -> None:
    state = tmp_path / "state.sqlite"
    crawl(demo, state, "-O", str(tmp_path / "a.jsonl"))
    crawl(demo, state, "-O", str(tmp_path / "a.jsonl"))
    reports = sorted((tmp_path / "runs").glob("*.json"))
    counts = json.loads(reports[-1].read_text("utf-8"))["counts"]
    assert counts["exported"] == 0 and counts["from_store"] == len(read_jsonl(tmp_path / "a.jsonl"))


def test_a_stopped_crawl_leaves_the_previous_complete_file(demo: Demo, tmp_path: Path) -> None:
    """-O is written beside its target and renamed only when whole: a crawl stopped early changes nothing."""
    state = tmp_path / "state.sqlite"
    keep = tmp_path / "keep.jsonl"
    crawl(demo, state, "-O", str(keep))
    before = keep.read_bytes()
    assert before
    stopped = crawl(demo, tmp_path / "other.sqlite", "-O", str(keep), extra=("-s", "CLOSESPIDER_PAGECOUNT=3"),
                    ok=False)
    assert "left as it was: the crawl stopped before it wrote the file whole" in stopped.stderr
    assert keep.read_bytes() == before
    assert not [p for p in tmp_path.iterdir() if ".partial-" in p.name]
