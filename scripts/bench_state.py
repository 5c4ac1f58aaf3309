#!/usr/bin/env python3
"""Scale of the state store: N articles into SQLite and the near-duplicate index, then lookups.

    python scripts/bench_state.py [--n 1000000] [--path /tmp/newscrawl-bench/state.sqlite] [--workers 2]
    python scripts/bench_state.py --sizes 10000,100000,1000000 [--no-items]     # the cost curve

``--sizes``: the cost curve on ONE growing store. At each size the store is measured (per-call
cost of ``get()``, ``near_duplicates()``, then ``record()`` and ``put_item()`` over the next
``--window`` new articles (default: one merge period of the fresh indexes, so the merge's cost is
spread over the articles it serves, as in a crawl), committed every ``--batch`` articles as a crawl commits them, default
50 = ``NEWSCRAWL_STATE_COMMIT_EVERY``; a commit's cost is counted in ``record()``: it writes the
pages ``record()`` dirtied), then filled up to the next size. Bytes per article are ``state``
(every table and index but the dataset: ids, hashes, near-duplicate index, sites, meta) and
``items`` (the ``item`` table and its key, the dataset, issue 10) apart. Last line: the cost at
the largest size over the cost at the smallest (issue 13: record() and near_duplicates() <= 1.5x).

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
from newscrawl.state.store import FRESH_LIMIT, SQLiteSeenStore, pack_item  # noqa: E402

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


_TEMPLATES: list[dict[str, Any]] = []


def quick_item(i: int, article_id: str, url: str, digest: str, text: str) -> dict[str, Any]:
    """:func:`item` at a fraction of its cost (the curve inserts a million): one of 64 full items made once
    per process, with this article's id, URL, hash and body in front of the template's body."""
    if not _TEMPLATES:
        _TEMPLATES.extend(item(j, *article(j)[:4], EPOCH + j * 60) for j in range(64))
    out = dict(_TEMPLATES[i % 64])
    out.update(url=url + "&mcode=m101", canonical_url=url, article_id=article_id, site=article_id.split(":")[0],
               content_hash=digest, cluster_id=article_id, body=text + out["body"][out["body"].index("\n\n"):])
    return out


def make_curve_chunk(bounds: tuple[int, int], items: bool = True,
                     packed: bool = False) -> list[tuple[str, str, str, bytes, int, Any]]:
    """Worker: :func:`make_chunk` with :func:`quick_item` items (``packed``: as :func:`pack_item` stores them)."""
    out: list[tuple[str, str, str, bytes, int, Any]] = []
    for i in range(*bounds):
        article_id, url, digest, text = article(i)
        record = quick_item(i, article_id, url, digest, text) if items else None
        out.append((article_id, url, digest, signature(text), EPOCH + i * 60,
                    pack_item(record) if packed and record is not None else record))
    return out


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
    parser.add_argument("--batch", type=int, default=None,
                        help="articles per transaction (default 1000; --sizes: 50, a crawl's NEWSCRAWL_STATE_COMMIT_EVERY)")
    parser.add_argument("--workers", type=int, default=2, help="processes making bodies and signatures")
    parser.add_argument("--lookups", type=int, default=100_000, help="random lookups per kind")
    parser.add_argument("--near-queries", type=int, default=5_000)
    parser.add_argument("--keep", action="store_true", help="keep the database file")
    parser.add_argument("--no-items", dest="items", action="store_false",
                        help="do not keep the exported items (the state as before the store held the dataset)")
    parser.add_argument("--sizes", help="comma-separated store sizes: print the cost curve on one growing store")
    parser.add_argument("--window", type=int, default=None,
                        help="--sizes: new articles whose record()/put_item() cost is measured at each size (default: "
                             "one merge period, FRESH_LIMIT rounded up to --batch, so each window holds exactly one merge)")
    parser.add_argument("--cache-mb", type=int, default=None, help="the store's page cache (default: the store's)")
    args = parser.parse_args()
    if args.sizes:
        args.batch = args.batch or 50
        args.window = args.window or -(-FRESH_LIMIT // args.batch) * args.batch
        curve(args)
        return
    args.batch = args.batch or 1000

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


class Timer:
    """Seconds spent in record(), put_item() and the commits, and the articles written."""

    def __init__(self) -> None:
        self.record = self.put_item = self.commit = 0.0
        self.n = 0
        self.cpu = 0.0  # CPU seconds of this process in record() and the commits


def write_timed(store: SQLiteSeenStore, rows: list[tuple[str, str, str, bytes, int, Any]], seen: datetime,
                timer: Timer, batch: int) -> None:
    """record() and put_item() of ``rows``, committed every ``batch``; an item already packed (the fill
    between sizes) is inserted as the very row put_item() writes, without packing it in this process."""
    clock, cpu = time.perf_counter, time.process_time
    stored_at = int(seen.timestamp())
    for lo in range(0, len(rows), batch):
        with store.batch():
            for article_id, url, digest, sig, published, record in rows[lo:lo + batch]:
                c0, t0 = cpu(), clock()
                stored, _ = store.record(article_id, url=url, content_hash=digest, signature=sig,
                                         published_at=datetime.fromtimestamp(published, UTC), seen_at=seen)
                timer.cpu += cpu() - c0
                t1 = clock()
                if isinstance(record, bytes):
                    store.conn.execute("INSERT INTO item (key, revision, stored_at, payload) VALUES (?, 1, ?, ?)",
                                       (stored.key, stored_at, record))
                elif record is not None:
                    store.put_item(article_id, record, revision=1, stored_at=seen)
                timer.record += t1 - t0
                timer.put_item += clock() - t1
                timer.n += 1
            c2, t2 = cpu(), clock()
        timer.commit += clock() - t2
        timer.cpu += cpu() - c2


def grow(store: SQLiteSeenStore, pool: Any, lo: int, hi: int, args: argparse.Namespace, seen: datetime,
         timer: Timer, packed: bool = False) -> None:
    """Insert articles ``range(lo, hi)`` (made by the workers, a bounded window in flight)."""
    chunk = max(args.batch, 1000)
    pending: deque = deque()
    for start in range(lo, hi, chunk):
        pending.append(pool.apply_async(make_curve_chunk, ((start, min(start + chunk, hi)), args.items, packed)))
        if len(pending) >= 4 * args.workers:
            write_timed(store, pending.popleft().get(), seen, timer, args.batch)
    while pending:
        write_timed(store, pending.popleft().get(), seen, timer, args.batch)


def table_bytes(store: SQLiteSeenStore) -> tuple[int, int]:
    """(bytes of the state, bytes of the dataset: the ``item`` table and its key) from ``dbstat``."""
    state = items = 0
    for name, total in store.conn.execute("SELECT name, sum(pgsize) FROM dbstat GROUP BY name"):
        if name in ("item", "sqlite_autoindex_item_1"):
            items += total
        else:
            state += total
    return state, items


def curve(args: argparse.Namespace) -> None:
    sizes = sorted(int(x.replace("_", "")) for x in args.sizes.split(","))
    if args.path.parent.exists():
        for old in args.path.parent.glob(args.path.name + "*"):
            old.unlink()
    options = {} if args.cache_mb is None else {"cache_mb": args.cache_mb}
    store = SQLiteSeenStore(args.path, **options)
    seen = datetime.now(UTC)
    rng = Random(1)
    lookups, queries = min(args.lookups, 20_000), min(args.near_queries, 2_000)
    print(f"cost curve on one growing store {args.path}: sizes {', '.join(f'{n:,}' for n in sizes)}; "
          f"items {'on' if args.items else 'off'}; commit every {args.batch}; record()/put_item() over "
          f"{args.window:,} new articles, get() {lookups:,} x 3 kinds, near_duplicates() {queries:,} at each size")
    print("per call, microseconds: wall clock (CPU time of this process); record() includes its share of the commits")
    print(f"{'articles':>10} {'get()':>13} {'record()':>13} {'commit':>7} {'put_item()':>11} "
          f"{'near_duplicates()':>18} {'found':>6} {'state B/art':>12} {'items B/art':>12} {'files MB':>9}  fill s")
    rows: list[tuple[float, ...]] = []
    done = 0
    started = time.perf_counter()
    with multiprocessing.get_context("fork").Pool(args.workers) as pool:
        for size in sizes:
            t_fill = time.perf_counter()
            grow(store, pool, done, size, args, seen, Timer(), packed=True)
            fill = time.perf_counter() - t_fill
            done = size
            sample = [article(rng.randrange(done))[:3] for _ in range(lookups)]
            t0, c0 = time.perf_counter(), time.process_time()
            found = 0
            for article_id, url, digest in sample:
                found += store.get(article_id=article_id) is not None
                found += store.get(url=url) is not None
                found += store.get(content_hash=digest) is not None
            get_us = (time.perf_counter() - t0) / (3 * lookups) * 1e6
            get_cpu = (time.process_time() - c0) / (3 * lookups) * 1e6
            assert found == 3 * lookups, found
            near = [(i, signature(edited(article(i)[3], rng))) for i in (rng.randrange(done) for _ in range(queries))]
            t0, c0 = time.perf_counter(), time.process_time()
            results = [store.near_duplicates(sig) for _, sig in near]
            near_us = (time.perf_counter() - t0) / queries * 1e6
            near_cpu = (time.process_time() - c0) / queries * 1e6
            hits = sum(any(rec.key == i + 1 for rec, _ in res) for (i, _), res in zip(near, results, strict=True))
            timer = Timer()
            grow(store, pool, done, done + args.window, args, seen, timer)
            done += args.window
            record_us = (timer.record + timer.commit) / timer.n * 1e6
            record_cpu = timer.cpu / timer.n * 1e6
            commit_us = timer.commit / timer.n * 1e6
            item_us = timer.put_item / timer.n * 1e6
            state, items = table_bytes(store)
            print(f"{size:>10,} {get_us:>6.0f} ({get_cpu:>4.0f}) {record_us:>6.0f} ({record_cpu:>4.0f}) {commit_us:>7.0f} "
                  f"{item_us:>11.0f} {near_us:>11.0f} ({near_cpu:>4.0f}) {hits / queries:>6.1%} {state / done:>12.0f} "
                  f"{items / done:>12.0f} {db_size(args.path) / 1e6:>9.0f}  {fill:.0f}", flush=True)
            rows.append((size, get_us, record_us, near_us, item_us, get_cpu, record_cpu, near_cpu))
    first, last = rows[0], rows[-1]
    print(f"{last[0]:,} vs {first[0]:,} articles, wall clock (CPU): get() {last[1] / first[1]:.2f}x "
          f"({last[5] / first[5]:.2f}x), record() {last[2] / first[2]:.2f}x ({last[6] / first[6]:.2f}x), "
          f"near_duplicates() {last[3] / first[3]:.2f}x ({last[7] / first[7]:.2f}x), put_item() {last[4] / first[4]:.2f}x "
          f"(issue 13 target: record() and near_duplicates() <= 1.5x); {time.perf_counter() - started:.0f}s in all")
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak RSS {rss:.0f} MB (this process)")
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
