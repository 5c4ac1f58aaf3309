"""`scrapy export` after a real crawl of the demo outlet: the store's dataset is the crawl's feeds.

The crawl (``full_crawl``: ``-O articles.jsonl -O articles.csv``, its own state file) and
``scrapy export`` run as subprocesses, as a user runs them.
"""

from __future__ import annotations

import csv
import json
import os
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pyarrow.parquet as pq

from demo.run import PROJECT_ROOT
from tests.e2e.conftest import CrawlResult


def export(state: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "scrapy", "export", "--uri", f"sqlite:///{state}", *args],
                          cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=300,
                          env={**os.environ, "PYTHONPATH": str(PROJECT_ROOT)})


def by_id(lines: list[str]) -> dict[str, str]:
    return {json.loads(line)["article_id"]: line for line in lines if line.strip()}


def test_export_after_a_crawl_gives_the_crawls_feed_lines(full_crawl: CrawlResult, tmp_path: Path) -> None:
    state = full_crawl.out / "state.sqlite"
    crawled = by_id((full_crawl.out / "articles.jsonl").read_text("utf-8").splitlines())
    assert len(crawled) == len(full_crawl.items) > 40

    out = tmp_path / "all.jsonl"
    proc = export(state, "-O", str(out))
    assert proc.returncode == 0, proc.stderr
    exported = by_id(out.read_text("utf-8").splitlines())
    assert len(out.read_text("utf-8").splitlines()) == len(crawled)  # rows == articles crawled, each once
    assert exported == crawled  # the same lines, byte for byte: the same item schema as a crawl
    assert f"export: {len(crawled)} articles ({len(crawled)} revisions), 0 rejects to {out}" in proc.stderr

    # CSV: the crawl's columns and cells; Parquet: one row per article.
    csv_out, parquet_out = tmp_path / "all.csv", tmp_path / "all.parquet"
    assert export(state, "-O", str(csv_out)).returncode == 0
    with (full_crawl.out / "articles.csv").open(encoding="utf-8", newline="") as fh:
        crawl_rows = {row["article_id"]: row for row in csv.DictReader(fh)}
    export_rows = {row["article_id"]: row for row in
                   pd.read_csv(csv_out, dtype=str, keep_default_na=False).to_dict("records")}
    assert export_rows == crawl_rows
    assert export(state, "-O", str(parquet_out)).returncode == 0
    table = pq.read_table(parquet_out)
    assert table.num_rows == len(crawled)
    assert sorted(table.column("article_id").to_pylist()) == sorted(crawled)


def test_export_with_rejects_gives_the_rejects_file_lines(full_crawl: CrawlResult, tmp_path: Path) -> None:
    state = full_crawl.out / "state.sqlite"
    rejects = [line for line in (full_crawl.out / "rejects.jsonl").read_text("utf-8").splitlines() if line]
    assert rejects, "the demo serves pages that are rejected"
    proc = export(state, "-O", "-", "--include-rejects")
    assert proc.returncode == 0, proc.stderr
    records = [json.loads(line) for line in proc.stdout.splitlines()]
    got = {r["article_id"]: line for r, line in zip(records, proc.stdout.splitlines(), strict=True)
           if "reject_reason" in r}
    expected = {json.loads(line)["article_id"]: line for line in rejects if json.loads(line).get("article_id")}
    assert expected and got == expected
