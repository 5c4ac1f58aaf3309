#!/usr/bin/env python3
"""Scaling out (issue 14): what a shared state costs, and (later) what more workers give.

    python scripts/bench_scale.py store [--n 100000] [--uri postgresql://...] [--batch 50]

``store``: the cost per article of the PostgreSQL state store against SQLite, the same N articles
written through the real API into each (``record(...)`` with the near-duplicate signature, then
``put_item(...)`` of a full item, ``--batch`` articles per ``with store.batch():``, the dedupe
pipeline's default commit size), then random lookups. Article ``i`` is a pure function of ``i``: id
``benchp<site>:i`` on one of 40 outlets, a body of 12-24 sentences of words drawn (seeded) from 20,000
random Hangul words (about 1,500-2,500 characters, the Korean corpus' range), every 10th one an edited copy of an earlier one
(so the near-duplicate index has clusters); bodies and signatures are made by ``--workers``
processes before the clock starts. Without ``--uri`` a throwaway durable server is started
(``tests/pgserver.py``: Debian's binaries, fsync on, default ``synchronous_commit``), on this machine,
over loopback TCP.

Prints per store: bytes per article on disk (SQLite: the file after a checkpoint; PostgreSQL: every
table with its indexes and TOAST after a CHECKPOINT; the state without the ``item`` table on its
own line), record/s (record + put_item + commit, wall clock), ``get(article_id=)``/s and
``get(url=)``/s over random known articles, and near-duplicate queries/s.

The 1-vs-2-worker throughput (items/s over 6+ demo outlets) comes with the outlet jobs (issue 14
item 3) as the ``workers`` subcommand.
"""

from __future__ import annotations

import argparse
import multiprocessing
import shutil
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from pathlib import Path
from random import Random
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from newscrawl.parsing.text import content_hash  # noqa: E402
from newscrawl.state.near import signature  # noqa: E402
from newscrawl.state.store import SeenStore, open_store  # noqa: E402

SITES = 40
COPY_EVERY = 10
EPOCH = int(datetime(2024, 1, 1, tzinfo=UTC).timestamp())


def _vocabulary() -> list[str]:
    rng = Random(14)
    return ["".join(chr(0xAC00 + rng.randrange(11172)) for _ in range(rng.randint(2, 4))) for _ in range(20_000)]


VOCABULARY = _vocabulary()


def _words(rng: Random, n: int) -> str:
    return " ".join(rng.choices(VOCABULARY, k=n))


def body(i: int) -> str:
    if i % COPY_EVERY == COPY_EVERY - 1 and i > COPY_EVERY:  # an outlet's copy of an earlier release
        original = body(Random(i).randrange(i - COPY_EVERY))
        return "[가온일보=이수민 기자] " + original.split(". ", 1)[-1].rsplit(". ", 1)[0] + "."
    rng = Random(i * 7919 + 1)
    return ". ".join(_words(rng, rng.randint(20, 28)) for _ in range(rng.randint(12, 24))) + "."


def article(i: int) -> dict[str, Any]:
    site = f"benchp{i % SITES}"
    text = body(i)
    url = f"https://{site}.example.kr/news/articleView.html?idxno={i}"
    published = datetime.fromtimestamp(EPOCH + i * 60, UTC)
    return {"article_id": f"{site}:{i}", "url": url, "canonical_url": url, "site": site,
            "site_name": f"벤치 {i % SITES}", "title": _words(Random(i), 6), "subtitles": [],
            "authors": ["홍길동"], "bylines": [{"name": "홍길동", "desk": None, "email": f"reporter{i % 97}@example.kr"}],
            "section": "사회", "published_at": published.isoformat(), "published_at_raw": published.isoformat(),
            "modified_at": None, "modified_at_raw": None, "body": text, "images": [], "language": "ko",
            "crawled_at": published.isoformat(), "content_hash": content_hash(text), "revision": 1,
            "previous_content_hash": None, "cluster_id": f"{site}:{i}", "duplicate_of": None}


def make(bounds: tuple[int, int]) -> list[tuple[dict[str, Any], bytes]]:
    return [(item, signature(item["body"])) for item in map(article, range(*bounds))]


def rate(n: int, seconds: float) -> str:
    return f"{n / seconds:,.0f}/s" if seconds > 0 else "-"


def write(store: SeenStore, rows: Sequence[tuple[dict[str, Any], bytes]], batch: int) -> float:
    started = time.perf_counter()
    for start in range(0, len(rows), batch):
        with store.batch():
            for item, sig in rows[start:start + batch]:
                published = datetime.fromisoformat(item["published_at"])
                matches = store.near_duplicates(sig, limit=1)
                cluster = matches[0][0].cluster_id if matches else None
                store.record(item["article_id"], url=item["canonical_url"], content_hash=item["content_hash"],
                             signature=sig, cluster_id=cluster, published_at=published, seen_at=published)
                store.put_item(item["article_id"], item, revision=1, stored_at=published)
    return time.perf_counter() - started


def lookups(store: SeenStore, n: int, count: int) -> dict[str, float]:
    rng = Random(5)
    picks = [rng.randrange(n) for _ in range(count)]
    ids = [f"benchp{i % SITES}:{i}" for i in picks]
    urls = [f"https://benchp{i % SITES}.example.kr/news/articleView.html?idxno={i}" for i in picks]
    out = {}
    for name, call in (("get(article_id=)", lambda k: store.get(article_id=k)),
                       ("get(url=)", lambda u: store.get(url=u))):
        keys = ids if name.startswith("get(a") else urls
        started = time.perf_counter()
        found = sum(call(k) is not None for k in keys)  # type: ignore[no-untyped-call]
        out[name] = time.perf_counter() - started
        assert found == count, f"{name}: {found} of {count} found"
    return out


def near_queries(store: SeenStore, rows: Sequence[tuple[dict[str, Any], bytes]], count: int) -> tuple[float, int]:
    rng = Random(9)
    sigs = [signature(_edit(rows[rng.randrange(len(rows))][0]["body"])) for _ in range(count)]
    started = time.perf_counter()
    hits = sum(bool(store.near_duplicates(s, limit=1)) for s in sigs)
    return time.perf_counter() - started, hits


def _edit(text: str) -> str:
    return "[다른일보] " + text.split(". ", 1)[-1]


def sqlite_bytes(path: Path) -> tuple[int, int]:
    import sqlite3

    conn = sqlite3.connect(path)
    try:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        try:
            item = sum(r[0] for r in conn.execute("SELECT pgsize FROM dbstat WHERE name = 'item' OR name LIKE "
                                                  "'sqlite_autoindex_item%'"))
        except sqlite3.OperationalError:  # no dbstat in this SQLite build
            item = -1
    finally:
        conn.close()
    return sum(p.stat().st_size for p in path.parent.glob(path.name + "*")), item


def postgres_bytes(uri: str) -> tuple[int, int]:
    import psycopg

    with psycopg.connect(uri, autocommit=True) as conn:
        conn.execute("CHECKPOINT") if _superuser(conn) else None
        sizes = dict(conn.execute("SELECT relname, pg_total_relation_size(c.oid) FROM pg_class c JOIN pg_namespace n "
                                  "ON n.oid = c.relnamespace WHERE n.nspname = current_schema() AND c.relkind = 'r'"
                                  ).fetchall())
    return sum(sizes.values()), sizes.get("item", 0)


def _superuser(conn: Any) -> bool:
    row = conn.execute("SELECT rolsuper FROM pg_roles WHERE rolname = current_user").fetchone()
    return bool(row and row[0])


def bench_store(name: str, open_it: Callable[[], SeenStore], size: Callable[[], tuple[int, int]],
                rows: Sequence[tuple[dict[str, Any], bytes]], args: argparse.Namespace) -> None:
    n = len(rows)
    store = open_it()
    try:
        seconds = write(store, rows, args.batch)
        found = lookups(store, n, args.lookups)
        near_s, hits = near_queries(store, rows, args.near_queries)
    finally:
        store.close()
    total, item = size()
    print(f"{name}:")
    print(f"  {total / n:,.0f} bytes per article on disk in all ({total / 1e6:,.1f} MB)"
          + (f"; the state without the item table {(total - item) / n:,.0f}" if item >= 0 else ""))
    print(f"  record/s {rate(n, seconds)} (record + near-duplicate query + put_item, {args.batch} per commit)")
    for what, secs in found.items():
        print(f"  {what} {rate(args.lookups, secs)} ({args.lookups:,} random known articles)")
    print(f"  near_duplicates() {rate(args.near_queries, near_s)} ({hits} of {args.near_queries} edited copies "
          "found their original)")


def cmd_store(args: argparse.Namespace) -> None:
    n = args.n
    chunks = [(s, min(n, s + 2000)) for s in range(0, n, 2000)]
    started = time.perf_counter()
    with multiprocessing.Pool(args.workers) as pool:
        rows = [row for chunk in pool.map(make, chunks) for row in chunk]
    print(f"{n:,} articles, {sum(len(r[0]['body']) for r in rows) / n:,.0f} body characters each on average "
          f"(made in {time.perf_counter() - started:.0f}s by {args.workers} processes)")

    tmp = Path(tempfile.mkdtemp(prefix="newscrawl-bench-scale-"))
    server = None
    try:
        path = tmp / "state.sqlite"
        bench_store("SQLite", lambda: open_store(f"sqlite:///{path}"), lambda: sqlite_bytes(path), rows, args)
        uri = args.uri
        if uri is None:
            from tests.pgserver import PostgresServer, find_bindir

            bindir, why = find_bindir()
            if bindir is None:
                print(f"PostgreSQL: skipped ({why})")
                return
            server = PostgresServer(bindir, durable=True).start()
            uri = server.new_database()
        bench_store("PostgreSQL" + (" (throwaway local server, fsync on)" if server else ""), lambda: open_store(uri),
                    lambda: postgres_bytes(uri), rows, args)
    finally:
        if server is not None:
            server.stop()
        shutil.rmtree(tmp, ignore_errors=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    store = sub.add_parser("store", help="cost per article: PostgreSQL state vs SQLite")
    store.add_argument("--n", type=int, default=100_000, help="articles written into each store")
    store.add_argument("--uri", help="a PostgreSQL database to use (default: a throwaway local server)")
    store.add_argument("--batch", type=int, default=50, help="articles per transaction (NEWSCRAWL_STATE_COMMIT_EVERY)")
    store.add_argument("--workers", type=int, default=2, help="processes making bodies and signatures")
    store.add_argument("--lookups", type=int, default=20_000, help="random lookups per kind")
    store.add_argument("--near-queries", type=int, default=2_000)
    store.set_defaults(run=cmd_store)
    # `workers` (items/s with 1 and 2 outlet-job workers over 6+ demo outlets) joins here with issue 14 item 3.
    args = parser.parse_args()
    args.run(args)


if __name__ == "__main__":
    main()
