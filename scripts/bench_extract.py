#!/usr/bin/env python3
"""Extraction speed: CPU ms per page for the family path, the generic path and trafilatura alone.

    python scripts/bench_extract.py [--corpus-root ../shared/corpus] [--sets korean,fundus,zyte]
                                    [--pages N] [--rounds 3]

* family path: demo pages of the 다다미디어 outlet through their family page object and cleaning;
* generic path against trafilatura alone (``bare_extraction`` with metadata, what a bare spider
  would call), on the same pages, each parsed from bytes as a crawl would: every corpus set that
  exists, and synthetic body-heavy pages (20 KB - 1 MB, generated here from a seed: no corpus text).

Before measuring it prints which page sets it found (or one line saying the corpus is missing: then
only the demo and synthetic sets are measured). Each round times every page once per path, the two
paths interleaved page by page (their order alternating between rounds); a figure is the median over
rounds of the mean CPU ms per page (process time, so other processes on the machine count less).
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from scrapy.http import HtmlResponse  # noqa: E402

from newscrawl.catalog import Outlet, load_catalog  # noqa: E402
from newscrawl.extract import NotAnArticle, extract  # noqa: E402

Page = tuple[str, bytes]
#: Sizes of the synthetic body-heavy pages (bytes of HTML, roughly).
BODY_HEAVY_SIZES = (20_000, 50_000, 100_000, 200_000, 500_000, 1_000_000)


def demo_pages(n: int) -> list[Page]:
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


def corpus_pages(corpus: Path, n: int | None) -> list[Page]:
    rows = [line.split("\t") for line in (corpus / "manifest.tsv").read_text("utf-8").splitlines() if "\t" in line]
    return [(url.strip(), (corpus / path).read_bytes()) for path, url in rows[:n]]


_KO = ("시의회는 지역 주민 예산안 본회의 의결 개발 계획 발표 교육청 학교 도로 공사 시장 군수 도의원 조례 "
       "위원회 지원 사업 추진 현장 점검 결과 관계자 설명 올해 내년 확대 방안 마련 예정 강조했다").split()
_EN = ("the council said on monday that its budget plans would be reviewed by residents after a long "
       "debate over roads schools and housing in the region officials expect more funding next year").split()


def body_heavy_page(size: int, seed: int) -> Page:
    """An article page of about ``size`` bytes, nearly all of it body: site chrome, a headline, meta
    tags and JSON-LD like a real outlet's, then paragraphs of generated Korean or English prose."""
    rnd = random.Random(seed)
    words = _KO if seed % 2 == 0 else _EN
    lang = "ko" if words is _KO else "en"
    title = " ".join(rnd.choice(words) for _ in range(8))
    head = (f'<!DOCTYPE html><html lang="{lang}"><head><meta charset="utf-8"><title>{title} | 합성일보</title>'
            f'<meta property="og:title" content="{title}"><meta property="og:site_name" content="합성일보">'
            '<meta property="article:published_time" content="2026-03-05T14:02:00+09:00">'
            '<script type="application/ld+json">{"@type": "NewsArticle", "headline": "' + title + '", '
            '"datePublished": "2026-03-05T14:02:00+09:00", "author": {"@type": "Person", "name": "홍길동"}}</script>'
            '</head><body><header><div class="logo"><a href="/">합성일보</a></div><nav><ul>'
            + "".join(f'<li><a href="/section/{i}">섹션 {i}</a></li>' for i in range(12))
            + f'</ul></nav></header><main><article><h1>{title}</h1>'
            '<div class="byline">홍길동 기자 | 입력 2026.03.05 14:02</div><div class="article-body">')
    tail = ('</div></article><aside><h3>많이 본 뉴스</h3><ul>'
            + "".join(f'<li><a href="/news/{i}">{" ".join(rnd.choice(words) for _ in range(6))}</a></li>'
                      for i in range(10))
            + '</ul></aside></main><footer>Copyright © 합성일보. All rights reserved.</footer></body></html>')
    paragraphs: list[str] = []
    length = len(head.encode()) + len(tail.encode())
    while length < size:
        text = " ".join(rnd.choice(words) for _ in range(rnd.randint(12, 90))) + "."
        paragraphs.append(f"<p>{text}</p>")
        length += len(paragraphs[-1].encode())
    return f"https://synthetic.example/news/{seed}", (head + "".join(paragraphs) + tail).encode("utf-8")


def family_path(site: Outlet) -> Callable[[str, bytes], object]:
    def run(url: str, body: bytes) -> object:
        return extract(HtmlResponse(url=url, body=body, encoding="utf-8"), site)

    return run


_GENERIC = Outlet(slug="bench", name="bench", family="generic", base_url="http://bench")


def generic_path(url: str, body: bytes) -> object:
    try:
        return extract(HtmlResponse(url=url, body=body), _GENERIC)
    except NotAnArticle:  # a page the generic path rejects still cost what it cost
        return None


def trafilatura_alone(url: str, body: bytes) -> object:
    import trafilatura

    return trafilatura.bare_extraction(body, url=url, with_metadata=True)


def timed_pair(pages: list[Page], first: Callable[[str, bytes], object], second: Callable[[str, bytes], object],
               rounds: int) -> tuple[float, float]:
    """Median over rounds of the mean CPU ms per page of each path, interleaved page by page."""
    totals: tuple[list[float], list[float]] = ([], [])
    for r in range(rounds):
        spent = [0.0, 0.0]
        order = ((0, first), (1, second)) if r % 2 == 0 else ((1, second), (0, first))
        for url, body in pages:
            for slot, fn in order:
                start = time.process_time()
                fn(url, body)
                spent[slot] += time.process_time() - start
        for slot in (0, 1):
            totals[slot].append(spent[slot] * 1000 / len(pages))
    return statistics.median(totals[0]), statistics.median(totals[1])


def timed(pages: list[Page], fn: Callable[[str, bytes], object], rounds: int) -> float:
    results = []
    for _ in range(rounds):
        start = time.process_time()
        for url, body in pages:
            fn(url, body)
        results.append((time.process_time() - start) * 1000 / len(pages))
    return statistics.median(results)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus-root", type=Path, default=ROOT.parent / "shared" / "corpus")
    parser.add_argument("--sets", default="korean,fundus,zyte", help="corpus sets to measure (comma-separated)")
    parser.add_argument("--pages", type=int, default=None, help="at most N pages per corpus set (default: all)")
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()

    sets: list[tuple[str, list[Page]]] = []
    missing = [name for name in args.sets.split(",") if not (args.corpus_root / name / "manifest.tsv").exists()]
    if len(missing) == len(args.sets.split(",")):
        print(f"corpus missing: no {args.corpus_root}/{{{args.sets}}}/manifest.tsv; "
              "measuring the demo and synthetic pages only")
    elif missing:
        print(f"corpus sets missing (not measured): {', '.join(missing)} under {args.corpus_root}")
    for name in args.sets.split(","):
        if name not in missing:
            sets.append((f"corpus {name}", corpus_pages(args.corpus_root / name, args.pages)))
    heavy = [body_heavy_page(size, seed) for seed, size in enumerate(BODY_HEAVY_SIZES)]
    sets.append(("body-heavy", heavy))
    demo = demo_pages(60)
    dada = load_catalog()["news21tongsin"].with_base_url("http://127.0.0.1:8021")

    print("pages measured:")
    print(f"  family path: {len(demo)} demo pages of 다다미디어 (demo/, generated)")
    for label, pages in sets:
        kb = [len(body) // 1024 for _url, body in pages]
        where = (f"{args.corpus_root / label.split()[1]}" if label.startswith("corpus")
                 else "synthetic, generated by this script")
        print(f"  {label}: {len(pages)} pages, {min(kb)}-{max(kb)} KB, median {int(statistics.median(kb))} KB ({where})")
    print(f"CPU ms per page, median of {args.rounds} rounds; generic and trafilatura interleaved page by page")

    for url, body in demo[:3] + [p for _label, pages in sets for p in pages[:2]]:  # warm imports and caches
        generic_path(url, body)
        trafilatura_alone(url, body)
    family = timed(demo, family_path(dada), args.rounds)
    print(f"{'family path (dada demo pages)':32s} {family:8.2f} ms/page   target < 2 ms")
    print(f"{'set':14s} {'pages':>5s} {'generic':>10s} {'trafilatura':>12s} {'generic/trafilatura':>20s}")
    for label, pages in sets:
        generic, alone = timed_pair(pages, generic_path, trafilatura_alone, args.rounds)
        print(f"{label:14s} {len(pages):5d} {generic:10.2f} {alone:12.2f} {generic / alone:20.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
