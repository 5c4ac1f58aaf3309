#!/usr/bin/env python3
"""Extraction speed: ms per page for the family path, the generic path and trafilatura alone.

    python scripts/bench_extract.py [--pages N] [--corpus ../shared/corpus/zyte]

Family path: demo pages of the 다다미디어 outlet through their family page object and
cleaning. Generic path and trafilatura alone: the same saved pages (a corpus when one
is given and exists, else the demo pages), each parsed from bytes, as a crawl would.
Prints one line per path; figures are wall-clock medians of 3 rounds on this machine.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from scrapy.http import HtmlResponse  # noqa: E402

from newscrawl.catalog import Outlet, load_catalog  # noqa: E402
from newscrawl.extract import extract  # noqa: E402


def demo_pages(n: int) -> list[tuple[str, bytes]]:
    from demo.content import FIRST_IDX, SPECIAL_IDS, DemoSite
    from demo.render import render_article

    base = "http://127.0.0.1:8021"
    site = DemoSite(size=max(n + 10, 80))
    pages = []
    for idx in range(FIRST_IDX, FIRST_IDX + n + len(SPECIAL_IDS)):
        article = site.article(idx)
        if article is None or idx in SPECIAL_IDS.values():
            continue
        pages.append((f"{base}/news/view.php?idx={idx}", render_article(site, article, base).encode("utf-8")))
    return pages[:n]


def corpus_pages(corpus: Path, n: int) -> list[tuple[str, bytes]]:
    rows = [line.split("\t") for line in (corpus / "manifest.tsv").read_text("utf-8").splitlines() if "\t" in line]
    return [(url.strip(), (corpus / path).read_bytes()) for path, url in rows[:n]]


def timed(pages: list[tuple[str, bytes]], fn: Callable[[str, bytes], object], rounds: int = 3) -> float:
    """Median over rounds of the mean ms per page."""
    results = []
    for _ in range(rounds):
        start = time.perf_counter()
        for url, body in pages:
            fn(url, body)
        results.append((time.perf_counter() - start) * 1000 / len(pages))
    return statistics.median(results)


def family_path(site: Outlet) -> Callable[[str, bytes], object]:
    def run(url: str, body: bytes) -> object:
        return extract(HtmlResponse(url=url, body=body, encoding="utf-8"), site)

    return run


def generic_path(url: str, body: bytes) -> object:

    site = Outlet(slug="bench", name="bench", family="generic", base_url="http://bench")
    return extract(HtmlResponse(url=url, body=body), site)


def trafilatura_alone(url: str, body: bytes) -> object:
    import trafilatura

    return trafilatura.bare_extraction(body, url=url, with_metadata=True)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", type=int, default=60)
    parser.add_argument("--corpus", type=Path, default=ROOT.parent / "shared" / "corpus" / "zyte")
    args = parser.parse_args()

    demo = demo_pages(args.pages)
    dada = load_catalog()["news21tongsin"].with_base_url("http://127.0.0.1:8021")
    same = corpus_pages(args.corpus, args.pages) if (args.corpus / "manifest.tsv").exists() else demo
    label = f"{len(same)} pages of {args.corpus}" if same is not demo else f"{len(same)} demo pages"
    for _url, _body in same[:3]:  # warm imports and caches
        generic_path(_url, _body)
        trafilatura_alone(_url, _body)
    family = timed(demo, family_path(dada))
    generic = timed(same, generic_path)
    alone = timed(same, trafilatura_alone)
    print(f"family path (dada, {len(demo)} demo pages)      {family:7.2f} ms/page   target < 2 ms")
    print(f"generic path ({label})  {generic:7.2f} ms/page")
    print(f"trafilatura alone (same pages)          {alone:7.2f} ms/page   generic/trafilatura = {generic / alone:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
