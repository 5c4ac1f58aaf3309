"""`scrapy crawl` of the demo outlet into a PostgreSQL state (a throwaway server, tests/pgserver.py):
the same feeds as with SQLite, an incremental re-run that exports nothing new, and `scrapy export`,
`scrapy state check` and `scrapy report` reading the shared store."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from demo.run import PROJECT_ROOT
from tests.e2e.conftest import CrawlResult, Demo, run_crawl
from tests.e2e.durability import Partitions, command, exactly_once_problems, pipelines_with, truth
from tests.e2e.test_durability import SIZE, commits, crawl, site

__all__ = ["site"]  # the 300-article demo server of the durability tests (a module fixture)

pytestmark = pytest.mark.slow


def scrapy(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "scrapy", *args], cwd=PROJECT_ROOT, capture_output=True, text=True,
                          timeout=300, env={**os.environ, "PYTHONPATH": str(PROJECT_ROOT)})


VARIES = ("crawled_at", "url", "cluster_id", "duplicate_of")


def read(path: Path) -> dict[str, dict[str, object]]:
    return {str(item["article_id"]): item for item in map(json.loads, path.read_text("utf-8").splitlines())}


def same_dataset(a: Path, b: Path) -> list[str]:
    """What differs between two crawls' (or exports') articles; empty: the same.

    Two crawls of one site may differ in when each fetched an article (``crawled_at``), through which
    section's link (``url``), and which of two copies with the same body arrived first (the other is
    dropped as a re-post, so the kept ``article_id``, and a cluster's first article, may differ). The
    bodies exported, every other field, and which bodies cluster together may not differ.
    """
    items_a, items_b = read(a), read(b)
    problems = []
    for key in items_a.keys() & items_b.keys():
        problems += [f"{key} {f}: {items_a[key].get(f)!r} != {items_b[key].get(f)!r}"
                     for f in items_a[key].keys() | items_b[key].keys()
                     if f not in VARIES and items_a[key].get(f) != items_b[key].get(f)]
    swapped_a = {items_a[k]["content_hash"] for k in items_a.keys() - items_b.keys()}
    swapped_b = {items_b[k]["content_hash"] for k in items_b.keys() - items_a.keys()}
    if swapped_a != swapped_b:
        problems.append(f"articles differ beyond re-posts: {sorted(items_a.keys() ^ items_b.keys())}")

    def clusters(items: dict[str, dict[str, object]]) -> set[frozenset[object]]:
        groups: dict[object, set[object]] = {}
        for item in items.values():
            groups.setdefault(item["cluster_id"], set()).add(item["content_hash"])
        return {frozenset(group) for group in groups.values()}

    if clusters(items_a) != clusters(items_b):
        problems.append("near-duplicate clusters differ")
    return problems


def test_a_demo_crawl_into_postgresql_then_an_incremental_run_and_export(
        demo: Demo, full_crawl: CrawlResult, pg_uri: str, tmp_path: Path) -> None:
    first = run_crawl(demo.base_url, tmp_path / "first", "-s", f"NEWSCRAWL_STATE_URI={pg_uri}")
    assert first.returncode == 0, first.log[-3000:]
    assert not (tmp_path / "first" / "state.sqlite").exists()  # the URI given last is the one used
    assert "state lock outlet news21tongsin on 127.0.0.1:" in first.log
    assert len(first.items) == len(full_crawl.items) > 40
    assert "newscrawl-test" not in first.log  # the password is never logged (public_uri)
    reports = list((tmp_path / "first").rglob("runs/**/*.json"))
    assert reports and all("newscrawl-test" not in p.read_text("utf-8") for p in reports)
    assert "postgresql://postgres:***@127.0.0.1:" in reports[0].read_text("utf-8")
    # The same articles, clusters and revisions as the SQLite crawl of the same demo.
    assert same_dataset(first.out / "articles.jsonl", full_crawl.out / "articles.jsonl") == []

    again = run_crawl(demo.base_url, tmp_path / "again", "-s", f"NEWSCRAWL_STATE_URI={pg_uri}", incremental=True)
    assert again.returncode == 0, again.log[-3000:]
    assert again.items == []  # everything was known: nothing new exported

    pg_out, sqlite_out = tmp_path / "pg.jsonl", tmp_path / "sqlite.jsonl"
    proc = scrapy("export", "--uri", pg_uri, "-O", str(pg_out))
    assert proc.returncode == 0, proc.stderr
    assert scrapy("export", "--uri", f"sqlite:///{full_crawl.out / 'state.sqlite'}", "-O",
                  str(sqlite_out)).returncode == 0
    assert same_dataset(pg_out, sqlite_out) == []
    # Byte for byte the PostgreSQL crawl's own feed lines (in the store's order: site, date, article).
    assert sorted(pg_out.read_text("utf-8").splitlines()) == \
        sorted((first.out / "articles.jsonl").read_text("utf-8").splitlines())
    assert scrapy("export", "--uri", pg_uri, "--site", "nowhere", "-O", str(tmp_path / "x.jsonl")).returncode != 0

    check = scrapy("state", "check", "--uri", pg_uri)
    assert check.returncode == 0, check.stderr
    sqlite_check = scrapy("state", "check", "--uri", f"sqlite:///{full_crawl.out / 'state.sqlite'}")
    known = next(line for line in sqlite_check.stdout.splitlines() if line.startswith("  news21tongsin: "))
    assert known in check.stdout.splitlines()  # the same articles known (exported, rejects, re-posts)
    assert f"{len(first.items) + len(first.rejects):,} stored items" in check.stdout
    assert "newscrawl-test" not in check.stdout + check.stderr  # the password is never printed

    report = scrapy("report", "--uri", pg_uri, "-O", str(tmp_path / "report.html"), "--runs", str(tmp_path / "none"))
    assert report.returncode == 0, report.stderr
    assert "news21tongsin" in (tmp_path / "report.html").read_text("utf-8")


def test_every_postgresql_commit_holds_only_what_the_files_on_disk_hold(site: str, pg_uri: str,
                                                                       tmp_path: Path) -> None:
    """The durability invariant of test_durability.py with the state on PostgreSQL: the early commits the
    near-duplicate lock asks for still come only after the feeds and the rejects file were fsynced."""
    out, log = tmp_path / "out", tmp_path / "commits.jsonl"
    run = crawl(command(site, out, "-s", pipelines_with("tests.e2e.durability.CheckedDedupePipeline"),
                        "-s", "NEWSCRAWL_STATE_COMMIT_EVERY=5", "-s", f"NEWSCRAWL_STATE_URI={pg_uri}"),
                NEWSCRAWL_TEST_COMMIT_LOG=str(log))
    assert run.returncode == 0, run.stderr[-3000:]
    assert not (out / "state.sqlite").exists()
    checked = commits(log)
    assert len(checked) >= 20, "too few commits to check the ordering"
    bad = [c for c in checked if any(c["missing"].values())]
    assert bad == [], f"{len(bad)} of {len(checked)} commits claimed lines the files lacked: {bad[:3]}"
    parts = Partitions(out)
    assert exactly_once_problems(parts.jsonl_ids(), truth(SIZE, site)) == []
    assert parts.csv_ids() == parts.jsonl_ids()
