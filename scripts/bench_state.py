#!/usr/bin/env python3
"""Scale of the state store: N articles into SQLite and the near-duplicate index, then lookups.

    python scripts/bench_state.py [--n 1000000] [--path /tmp/newscrawl-bench/state.sqlite] [--workers 2]

Article ``i`` is a pure function of ``i``: id ``benchS:i`` on one of 40 outlets, a
canonical URL, a published time, and a short body (25-45 words drawn from the words of
``demo/texts.py``, with numbers); every 10th article is an edited copy of an
earlier one (first sentence dropped, a word replaced, a reporter line added), so
near-duplicate clusters exist. Bodies and their signatures (the real
:func:`~newscrawl.state.near.signature`) are made by ``--workers`` processes; the main
process writes every article through the real API, ``store.record(...)`` inside
``with store.batch():`` of ``--batch`` articles.

With ``--items`` (default on) every article's exported item is kept too, as a crawl keeps it
(``store.put_item``, the dataset ``scrapy export`` reads): a full item of the real schema
(``export_dict(Article(...))``) whose body is a realistic length (12-24 sentences, about
1,500-2,500 characters, the range of the Korean corpus pages) plus title, byline, image and
provenance; the item table's bytes per article and the JSON-to-stored ratio are printed.

Prints: inserts/s (wall clock, and the main process's record() time alone), peak RSS
(``ru_maxrss`` of this process and of the largest worker), size on disk of all SQLite
files after a WAL checkpoint (and bytes per article per table), random lookups/s by
article_id, canonical URL and content hash, and near-duplicate queries/s (edited copies
of stored articles, with how many found their original). Targets (issue 4): <= 200 MB
on disk for the state itself (everything but the ``item`` table) and RSS <= 300 MB at one million,
>= 20,000 lookups/s; the dataset adds what the ``item`` line says (issue 10, README).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import multiprocessing
import os
import re
import resource
import shutil
import sys
import time
from collections import deque
from datetime import UTC, datetime
from pathlib import Path
from random import Random
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from demo import texts  # noqa: E402
from demo.content import fill  # noqa: E402
from newscrawl.items import Article  # noqa: E402
from newscrawl.output.exporters import export_dict  # noqa: E402
from newscrawl.state.near import signature  # noqa: E402
from newscrawl.state.store import SQLiteSeenStore, pack_item  # noqa: E402

SITES = 40
COPY_EVERY = 10
EPOCH = int(datetime(2020, 1, 1, tzinfo=UTC).timestamp())


def _vocabulary() -> list[str]:
    words: set[str] = set()
    for topic in texts.TOPICS.values():
        for name, head, mayor in texts.CITIES:
            ctx = {"city": name, "stem": name[:-1], "gov": name[-1], "head": head, "mayor": mayor,
                   "dept": topic["dept"], "day": 1, "next_year": 2026, "budget": "1억 원", "budget_big": "1조 원",
                   "count": 10, "n_small": 2, "pct": 5}
            for template in (topic["sentences"] + topic["leads"] + topic["quotes"] + topic["titles"]
                             + list(texts.GENERIC_SENTENCES)):
                words.update(re.sub(r"[\d\"“”.,]", "", w) for w in fill(template, ctx).split())
    return sorted(w for w in words if len(w) >= 2)


WORDS = _vocabulary()


def body(i: int) -> str:
    """The body of article ``i`` (an edited copy of an earlier article when ``i % COPY_EVERY == 9``)."""
    if i % COPY_EVERY == COPY_EVERY - 1 and i > COPY_EVERY:
        rng = Random(i)
        original = body(rng.randrange(0, i - 1) // COPY_EVERY * COPY_EVERY)  # never itself a copy
        sentences = original.split(". ")
        words = ". ".join(sentences[1:]).split()
        words[rng.randrange(len(words))] = rng.choice(WORDS)
        return " ".join(words) + f"\n\n{rng.choice(texts.REPORTERS)[0]} 기자"
    rng = Random(i)
    out = []
    for _ in range(rng.randint(4, 6)):
        sentence = rng.choices(WORDS, k=rng.randint(6, 9))
        sentence.insert(rng.randrange(len(sentence)), f"{rng.randint(2, 999)}{rng.choice(('곳', '명', '억 원', '%'))}")
        out.append(" ".join(sentence))
    return ". ".join(out) + "."


def article(i: int) -> tuple[str, str, str, str]:
    """(article_id, canonical URL, content hash, body) of article ``i``."""
    site = i % SITES
    text = body(i)
    return (f"bench{site}:{i + 100000}", f"https://site{site}.example/news/articleView.html?idxno={i + 100000}",
            hashlib.sha256(text.encode("utf-8")).hexdigest(), text)


def item(i: int, article_id: str, url: str, digest: str, text: str, published: int) -> dict[str, Any]:
    """The exported item of article ``i``: the real schema, a body of realistic length."""
    rng = Random(-i - 1)
    more = [body(rng.randrange(0, 10**9)) for _ in range(8)]  # about 40-50 sentences, ~1,800 characters
    when = datetime.fromtimestamp(published, UTC)
    reporter = rng.choice(texts.REPORTERS)[0]
    site = article_id.split(":")[0]
    return export_dict(Article(
        url=url + "&mcode=m101", canonical_url=url, article_id=article_id, site=site, site_name=f"{site} 신문",
        section="사회", title=" ".join(rng.choices(WORDS, k=rng.randint(5, 9))), subtitles=[],
        authors=[reporter], bylines=[{"name": reporter, "desk": None, "email": f"reporter{i % 97}@{site}.example"}],
        published_at=when, published_at_raw=f"입력 {when:%Y-%m-%d %H:%M}", body="\n\n".join([text, *more]),
        images=[{"url": f"https://{site}.example/photos/{i}_1.jpg", "caption": rng.choice(WORDS)}], language="ko",
        crawled_at=when, content_hash=digest, revision=1, cluster_id=article_id,
        extractor={"title": "ndsoft", "published_at": "ndsoft", "authors": "byline", "body": "ndsoft"}))


def make_chunk(bounds: tuple[int, int], items: bool = True) -> list[tuple[str, str, str, bytes, int, dict | None]]:
    """Worker: the articles of ``range(*bounds)`` with their signatures (and their items)."""
    out = []
    for i in range(*bounds):
        article_id, url, digest, text = article(i)
        published = EPOCH + i * 60
        record = item(i, article_id, url, digest, text, published) if items else None
        out.append((article_id, url, digest, signature(text), published, record))
    return out


def edited(text: str, rng: Random) -> str:
    sentences = text.split(". ")
    words = ". ".join(sentences[1:]).split()
    words[rng.randrange(len(words))] = rng.choice(WORDS)
    return "[한빛일보=김하늘 기자] " + " ".join(words)


def db_size(path: Path) -> int:
    return sum(p.stat().st_size for p in path.parent.glob(path.name + "*") if p.is_file())


def rate(n: int, seconds: float) -> str:
    return f"{n / seconds:,.0f}/s"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--n", type=int, default=1_000_000, help="articles to insert")
    parser.add_argument("--path", type=Path, default=Path("/tmp/newscrawl-bench/state.sqlite"))
    parser.add_argument("--batch", type=int, default=1000, help="articles per transaction")
    parser.add_argument("--workers", type=int, default=2, help="processes making bodies and signatures")
    parser.add_argument("--lookups", type=int, default=100_000, help="random lookups per kind")
    parser.add_argument("--near-queries", type=int, default=5_000)
    parser.add_argument("--keep", action="store_true", help="keep the database file")
    parser.add_argument("--no-items", dest="items", action="store_false",
                        help="do not keep the exported items (the state as before the store held the dataset)")
    args = parser.parse_args()

    if args.path.parent.exists():
        for old in args.path.parent.glob(args.path.name + "*"):
            old.unlink()
    print(f"{args.n:,} articles -> {args.path} (vocabulary {len(WORDS)} words, {args.workers} workers)")
    store = SQLiteSeenStore(args.path)
    seen = datetime.now(UTC)

    start = time.perf_counter()
    record_time = 0.0
    chunks = [(lo, min(lo + args.batch, args.n)) for lo in range(0, args.n, args.batch)]
    with multiprocessing.get_context("fork").Pool(args.workers) as pool:
        pending: deque = deque()
        todo = iter(chunks)
        for bounds in todo:  # a bounded window of chunks in flight keeps memory flat
            pending.append(pool.apply_async(make_chunk, (bounds, args.items)))
            if len(pending) < 4 * args.workers:
                continue
            record_time += write(store, pending.popleft().get(), seen)
        while pending:
            record_time += write(store, pending.popleft().get(), seen)
    elapsed = time.perf_counter() - start
    print(f"inserted {len(store):,} in {elapsed:.1f}s: {rate(args.n, elapsed)} overall; "
          f"record() alone {rate(args.n, record_time)} ({record_time:.1f}s)")

    store.checkpoint()
    size = db_size(args.path)
    print(f"on disk after checkpoint: {size / 1e6:.1f} MB ({size / args.n:.0f} bytes/article)")
    if args.items:
        sample_items = [make_chunk((i, i + 1))[0][5] for i in range(0, args.n, max(1, args.n // 500))]
        raw = sum(len(json.dumps(x, ensure_ascii=False).encode("utf-8")) for x in sample_items) / len(sample_items)
        packed = sum(len(pack_item(x)) for x in sample_items if x) / len(sample_items)
        body_chars = sum(len(x["body"]) for x in sample_items if x) / len(sample_items)
        print(f"items: {raw:.0f} bytes of JSON per item on average (body {body_chars:.0f} characters), "
              f"{packed:.0f} bytes stored ({raw / packed:.1f}x smaller)")
    try:
        parts = store.conn.execute("SELECT name, sum(pgsize) FROM dbstat GROUP BY name ORDER BY 2 DESC").fetchall()
        print("  " + ", ".join(f"{name} {total / args.n:.0f}" for name, total in parts if total > 1e5)
              + " (bytes/article)")
    except Exception as exc:  # dbstat is a compile-time option of SQLite
        print(f"  (no per-table sizes: {exc})")

    rng = Random(1)
    sample = [article(rng.randrange(args.n))[:3] for _ in range(args.lookups)]
    for kind in ("article_id", "url", "content_hash"):
        column = {"article_id": 0, "url": 1, "content_hash": 2}[kind]
        values = [a[column] for a in sample]
        t0 = time.perf_counter()
        found = sum(store.get(**{kind: v}) is not None for v in values)
        dt = time.perf_counter() - t0
        print(f"lookup by {kind}: {rate(len(values), dt)} ({found:,}/{len(values):,} found)")

    queries = []
    for _ in range(args.near_queries):
        i = rng.randrange(args.n)
        queries.append((i, signature(edited(article(i)[3], rng))))
    t0 = time.perf_counter()
    results = [store.near_duplicates(sig) for _, sig in queries]
    dt = time.perf_counter() - t0
    # keys are given in insertion order from 1, so article i has key i + 1
    hits = sum(any(rec.key == i + 1 for rec, _ in res) for (i, _), res in zip(queries, results, strict=True))
    print(f"near-duplicate queries: {rate(len(queries), dt)} ({hits:,}/{len(queries):,} found their original, "
          f"{sum(map(len, results)) / len(results):.2f} matches per query)")

    rss_self = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    rss_children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    print(f"peak RSS: {rss_self:.0f} MB (this process), {rss_children:.0f} MB (largest worker)")
    store.close()
    if not args.keep:
        shutil.rmtree(args.path.parent) if args.path.parent.name == "newscrawl-bench" else os.remove(args.path)


def write(store: SQLiteSeenStore, rows: list[tuple[str, str, str, bytes, int, dict | None]], seen: datetime) -> float:
    t0 = time.perf_counter()
    with store.batch():
        for article_id, url, digest, sig, published, record in rows:
            store.record(article_id, url=url, content_hash=digest, signature=sig,
                         published_at=datetime.fromtimestamp(published, UTC), seen_at=seen)
            if record is not None:
                store.put_item(article_id, record, revision=1, stored_at=seen)
    return time.perf_counter() - t0


if __name__ == "__main__":
    main()
