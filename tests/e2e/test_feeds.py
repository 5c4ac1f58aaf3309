"""Feeds as users get them: default day partitions, CSV appends, Excel mode, read back with csv and pandas."""

from __future__ import annotations

import csv
import json
import os
import subprocess
import sys
from pathlib import Path

import pandas as pd

from demo.run import PROJECT_ROOT
from newscrawl.output.feeds import crawl_date
from tests.e2e.conftest import Demo

FAST = ["-s", "DOWNLOAD_DELAY=0", "-s", "AUTOTHROTTLE_ENABLED=false", "-s", "CONCURRENT_REQUESTS_PER_DOMAIN=8"]


def crawl(demo: Demo, out: Path, *extra: str, state: str = "state") -> subprocess.CompletedProcess[str]:
    cmd = [sys.executable, "-m", "scrapy", "crawl", "news21tongsin", "-a", f"base_url={demo.base_url}",
           "-a", "sections=m102ec7b", "-s", f"NEWSCRAWL_OUTPUT_DIR={out}",
           "-s", f"NEWSCRAWL_STATE_URI=sqlite:///{out.resolve()}/{state}.sqlite",
           "-s", f"NEWSCRAWL_REJECTS_URI={out}/%(site)s/%(date)s.rejects.jsonl", *FAST, *extra]
    proc = subprocess.run(cmd, cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=300,
                          env={**os.environ, "PYTHONPATH": str(PROJECT_ROOT)})
    assert proc.returncode == 0, proc.stderr[-3000:]
    return proc


def test_default_feeds_are_partitioned_by_site_and_day(demo: Demo, tmp_path: Path) -> None:
    crawl(demo, tmp_path, "-s", "NEWSCRAWL_CSV=true")
    day = crawl_date()
    site_dir = tmp_path / "news21tongsin"
    assert sorted(p.name for p in site_dir.iterdir()) == sorted([f"{day}.jsonl", f"{day}.csv",
                                                                 f"{day}.rejects.jsonl"])
    items = [json.loads(line) for line in (site_dir / f"{day}.jsonl").read_text("utf-8").splitlines()]
    assert items and all(i["site"] == "news21tongsin" for i in items)

    # A second run with the same state exports nothing new: the partition is unchanged.
    crawl(demo, tmp_path, "-s", "NEWSCRAWL_CSV=true")
    assert len((site_dir / f"{day}.jsonl").read_text("utf-8").splitlines()) == len(items)

    # Even a fresh state learns from the partition what was exported already (crash recovery) ...
    crawl(demo, tmp_path, "-s", "NEWSCRAWL_CSV=true", state="fresh")
    assert len((site_dir / f"{day}.jsonl").read_text("utf-8").splitlines()) == len(items)

    # ... and a full re-crawl exports everything again and appends: one header row, rows of both runs.
    crawl(demo, tmp_path, "-s", "NEWSCRAWL_CSV=true", "-a", "full=true")
    text = (site_dir / f"{day}.csv").read_text("utf-8")
    assert text.count("url,canonical_url,article_id") == 1
    with (site_dir / f"{day}.csv").open(encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert len(rows) == 2 * len(items)
    assert len((site_dir / f"{day}.jsonl").read_text("utf-8").splitlines()) == 2 * len(items)


def test_command_line_feeds_replace_the_defaults(demo: Demo, tmp_path: Path) -> None:
    crawl(demo, tmp_path / "defaults", "-O", str(tmp_path / "mine.jsonl"))
    assert (tmp_path / "mine.jsonl").stat().st_size > 0
    assert not list((tmp_path / "defaults").glob("*/*.jsonl")) or all(
        p.name.endswith(".rejects.jsonl") for p in (tmp_path / "defaults").glob("*/*.jsonl"))


def test_excel_csv_has_bom_and_reads_back_with_pandas(demo: Demo, tmp_path: Path) -> None:
    out = tmp_path / "excel.csv"
    crawl(demo, tmp_path, "-O", str(out), "-s", "NEWSCRAWL_CSV_EXCEL=true")
    raw = out.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    assert raw.count(b"\xef\xbb\xbf") == 1
    frame = pd.read_csv(out, encoding="utf-8-sig", dtype=str, keep_default_na=False)
    assert list(frame.columns)[:3] == ["url", "canonical_url", "article_id"]
    assert frame["article_id"].is_unique
    published = pd.to_datetime(frame["published_at"], format="ISO8601", utc=True)
    assert published.notna().all()
    assert frame["body"].str.contains("\n\n").any()  # paragraphs survive inside quoted cells
    for cell in frame["bylines"]:
        assert isinstance(json.loads(cell), list)
    assert not frame["title"].str.match(r"^[=+\-@]").any()
