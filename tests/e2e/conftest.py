"""Fixtures for end-to-end tests: a demo server on a free loopback port, and `scrapy crawl` runs."""

from __future__ import annotations

import json
import os
import subprocess
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from demo.outlets import OUTLETS, DemoOutlet
from demo.run import PROJECT_ROOT, crawl_command, read_jsonl, start_server

DEMO_SIZE = 80


class Demo:
    """A running demo server of one outlet (``dada``: 뉴스21 통신, ``ndsoft``: 한빛일보, ``nurinews``: 누리신문)."""

    def __init__(self, base_url: str, size: int, outlet: str = "dada") -> None:
        self.base_url = base_url
        self.size = size
        self.outlet: DemoOutlet = OUTLETS[outlet]

    def stats(self) -> dict[str, int]:
        with urllib.request.urlopen(f"{self.base_url}/__demo/stats", timeout=10) as resp:
            return json.load(resp)

    def truth(self) -> list[dict]:
        return list(self.outlet.make_site(self.size).truth(self.base_url))

    def crawl(self, out: Path, *extra: str) -> CrawlResult:
        """`scrapy crawl` of this outlet with its own spider and spider arguments."""
        return run_crawl(self.base_url, out, *self.outlet.spider_args, *extra, spider=self.outlet.spider)


class CrawlResult:
    def __init__(self, out: Path, returncode: int, log: str) -> None:
        self.out = out
        self.returncode = returncode
        self.log = log
        self.items = read_jsonl(out / "articles.jsonl")
        self.rejects = read_jsonl(out / "rejects.jsonl")
        line = next((x for x in log.splitlines() if "newscrawl summary" in x), "")
        self.summary_line = line

    def stat(self, name: str) -> int:
        """A stat from Scrapy's final stats dump in the log (0 when absent)."""
        import re

        m = re.search(rf"'{re.escape(name)}': (\d+)", self.log)
        return int(m.group(1)) if m else 0


def run_crawl(base_url: str | None, out: Path, *extra: str, spider: str = "news21tongsin",
              incremental: bool = False) -> CrawlResult:
    """`scrapy crawl` into ``out``: complete ``-O`` files, or with ``incremental`` ``-o`` files emptied
    first, so ``items`` are what this run exported new."""
    out.mkdir(parents=True, exist_ok=True)
    if incremental:
        for name in ("articles.jsonl", "articles.csv"):
            (out / name).unlink(missing_ok=True)
    proc = subprocess.run(crawl_command(base_url, out, list(extra), spider=spider, incremental=incremental),
                          cwd=PROJECT_ROOT,
                          capture_output=True, text=True, timeout=300,
                          env={**os.environ, "PYTHONPATH": str(PROJECT_ROOT)})
    return CrawlResult(out, proc.returncode, proc.stdout + proc.stderr)


@pytest.fixture(scope="session")
def demo() -> Iterator[Demo]:
    server, base_url = start_server(DEMO_SIZE)
    try:
        yield Demo(base_url, DEMO_SIZE)
    finally:
        server.terminate()
        server.wait(timeout=10)


@pytest.fixture(scope="session")
def ndsoft_demo() -> Iterator[Demo]:
    """The NDSoft demo outlet (EUC-KR pages, one mislabelled), crawled by the `ndsoft` family spider."""
    server, base_url = start_server(DEMO_SIZE, outlet="ndsoft")
    try:
        yield Demo(base_url, DEMO_SIZE, outlet="ndsoft")
    finally:
        server.terminate()
        server.wait(timeout=10)


@pytest.fixture(scope="session")
def ndsoft_crawl(ndsoft_demo: Demo, tmp_path_factory: pytest.TempPathFactory) -> CrawlResult:
    """One full crawl of the NDSoft demo, shared by the tests that only read its feeds."""
    result = ndsoft_demo.crawl(tmp_path_factory.mktemp("ndsoft_full"))
    assert result.returncode == 0, result.log[-3000:]
    return result


@pytest.fixture(scope="session")
def nurinews_demo() -> Iterator[Demo]:
    """The 누리신문 demo outlet (다다미디어 CMS, not in the catalog), crawled by the `dada` family spider."""
    server, base_url = start_server(DEMO_SIZE, outlet="nurinews")
    try:
        yield Demo(base_url, DEMO_SIZE, outlet="nurinews")
    finally:
        server.terminate()
        server.wait(timeout=10)


@pytest.fixture(scope="session")
def nurinews_crawl(nurinews_demo: Demo, tmp_path_factory: pytest.TempPathFactory) -> CrawlResult:
    """One full crawl of the 누리신문 demo (`scrapy crawl dada -a slug=nurinews ...`), shared by readers of its feeds."""
    result = nurinews_demo.crawl(tmp_path_factory.mktemp("nurinews_full"))
    assert result.returncode == 0, result.log[-3000:]
    return result


@pytest.fixture(scope="session")
def full_crawl(demo: Demo, tmp_path_factory: pytest.TempPathFactory) -> CrawlResult:
    """One full crawl of the demo, shared by the tests that only read its feeds."""
    result = run_crawl(demo.base_url, tmp_path_factory.mktemp("full"))
    assert result.returncode == 0, result.log[-3000:]
    return result
