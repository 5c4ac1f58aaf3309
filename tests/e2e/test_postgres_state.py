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


def lines_without_crawl_time(path: Path) -> dict[str, dict[str, object]]:
    out = {}
    for line in path.read_text("utf-8").splitlines():
        if line.strip():
            item = json.loads(line)
            # When each crawl fetched it, and through which section's link (an article listed in two sections
            # is reached first through either): what two crawls of the same site may differ in.
            for field in ("crawled_at", "url"):
                item.pop(field, None)
            out[str(item["article_id"])] = item
    return out


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
    assert lines_without_crawl_time(first.out / "articles.jsonl") == \
        lines_without_crawl_time(full_crawl.out / "articles.jsonl")

    again = run_crawl(demo.base_url, tmp_path / "again", "-s", f"NEWSCRAWL_STATE_URI={pg_uri}", incremental=True)
    assert again.returncode == 0, again.log[-3000:]
    assert again.items == []  # everything was known: nothing new exported

    pg_out, sqlite_out = tmp_path / "pg.jsonl", tmp_path / "sqlite.jsonl"
    proc = scrapy("export", "--uri", pg_uri, "-O", str(pg_out))
    assert proc.returncode == 0, proc.stderr
    assert scrapy("export", "--uri", f"sqlite:///{full_crawl.out / 'state.sqlite'}", "-O",
                  str(sqlite_out)).returncode == 0
    assert lines_without_crawl_time(pg_out) == lines_without_crawl_time(sqlite_out)
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
