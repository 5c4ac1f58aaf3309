#!/usr/bin/env python3
"""Scaling out (issue 14): what a shared state costs, and what more workers give.

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

    python scripts/bench_scale.py workers [--outlets 6] [--size 500] [--reps 2] [--quick] [--json FILE]

``workers``: items/s of outlet jobs (:mod:`newscrawl.dist`) on 1 and on 2 Celery workers. ``--outlets``
demo outlets on the 다다미디어 markup, alternately 뉴스21 통신's and 누리신문's masthead with seeds 21, 22 ...
(each its own slug ``bench-<masthead>-<seed>``, crawled by the family spider ``dada`` with ``base_url``,
``slug`` and ``name``), ``--size`` articles each, are walked into static snapshots
(``bench_crawl.build_snapshot``) and served by one nginx each (``bench_crawl.serving``). Each run gets a
fresh database on one throwaway durable PostgreSQL server (``tests/pgserver.py``) and a fresh
``redis-server`` broker on a free port (``tests/redisserver.py``), starts N workers (``celery -A newscrawl.dist worker``, separate
processes, configured by ``NEWSCRAWL_*`` environment variables only, ``NEWSCRAWL_JOBS`` listing the
outlets with bench-crawl's settings: no delay, no AutoThrottle, 8 concurrent requests), waits until
they are ready, enqueues one job per outlet (``newscrawl.dist.app.enqueue``) and waits until every job
record in the store has ended. Wall time: from the enqueue to the last job's ``finished_at``; items/s =
exported items (the sum of the run reports' ``counts.exported``, checked against the feed lines
written) / wall time. Runs are interleaved (1, 2, 1, 2 ...), ``--reps`` of each.

Prints each run, then a Markdown table: medians, the 2-worker/1-worker ratio of items/s (median, min,
max over the repetitions), CPU seconds per run of the workers with their crawls, the PostgreSQL server,
nginx and Redis (``/proc``), each job's overhead (its record's duration minus its crawl's
own, Scrapy's start-up and the worker's bookkeeping), the share of PostgreSQL samples (every 0.2 s) in
which a crawl waited for the near-duplicate lock, and the machine load before and after. Exit 1 when a
job did not end ``ok``, a job's report disagrees with the feeds, or the runs did not export the same
number of items. ``--quick``: 6 outlets of 60 articles, one repetition.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import multiprocessing
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from random import Random
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "scripts"))  # bench_crawl

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
            server = PostgresServer(bindir, durable=not args.no_fsync).start()
            uri = server.new_database()
        bench_store("PostgreSQL" + (" (throwaway local server, fsync on)" if server else ""), lambda: open_store(uri),
                    lambda: postgres_bytes(uri), rows, args)
    finally:
        if server is not None:
            server.stop()
        shutil.rmtree(tmp, ignore_errors=True)


# --- workers -----------------------------------------------------------------------------------

#: Demo mastheads on the 다다미디어 markup (what bench_crawl's walk follows), taken in turn.
MASTHEADS = ("dada", "nurinews")
FIRST_SEED = 21
WORKER_COUNTS = (1, 2)
POLL_S = 0.2
JOB_TIMEOUT_S = 1800.0
CLK_TCK = os.sysconf("SC_CLK_TCK")


@dataclass(frozen=True)
class BenchOutlet:
    slug: str
    masthead: str  #: demo outlet key (demo.outlets.OUTLETS)
    seed: int
    name: str


def bench_outlets(count: int) -> list[BenchOutlet]:
    from demo.outlets import OUTLETS

    chosen = []
    for i in range(count):
        key, seed = MASTHEADS[i % len(MASTHEADS)], FIRST_SEED + i // len(MASTHEADS)
        chosen.append(BenchOutlet(f"bench-{key}-{seed}", key, seed, f"{OUTLETS[key].name} {seed}"))
    return chosen


def jobs_config(outlets: Sequence[BenchOutlet], urls: dict[str, str]) -> str:
    from bench_crawl import BENCH_SETTINGS

    settings = {k: v for k, v in BENCH_SETTINGS.items()}
    return json.dumps({o.slug: {"spider": "dada", "args": {"base_url": urls[o.slug], "slug": o.slug, "name": o.name},
                                "settings": settings} for o in outlets}, ensure_ascii=False)


def cpu_seconds(pids: Sequence[int], children_of: Sequence[int] = ()) -> float:
    """user+sys of ``pids`` and of the processes whose parent is in ``children_of``, reaped children included."""
    wanted = set(pids)
    if children_of:
        parents = set(children_of)
        for stat in Path("/proc").glob("[0-9]*/stat"):
            try:
                fields = stat.read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) in parents:
                wanted.add(int(stat.parent.name))
    total = 0
    for pid in wanted:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += sum(int(f) for f in fields[11:15])  # utime stime cutime cstime
    return total / CLK_TCK


def stop_process(proc: subprocess.Popen[Any], timeout: float = 30) -> None:
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def postmaster_pid(server: Any) -> int:
    return int((server.data / "postmaster.pid").read_text().split()[0])


@dataclass
class WorkerRun:
    workers: int
    rep: int
    jobs: int = 0
    wall_s: float = 0.0
    items: int = 0
    feed_lines: int = 0
    pages: int = 0  #: requests nginx counted
    cpu_crawls_s: float = 0.0  #: the workers and their crawl children
    cpu_postgres_s: float = 0.0
    cpu_nginx_s: float = 0.0
    cpu_redis_s: float = 0.0
    overhead_s: list[float] = field(default_factory=list)  #: per job: record duration - crawl duration
    crawl_s: list[float] = field(default_factory=list)  #: per job: the run report's duration
    near_wait_share: float = 0.0  #: samples with a backend waiting on an advisory lock / samples with one active
    outcomes: dict[str, int] = field(default_factory=dict)
    per_worker: dict[str, int] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)

    @property
    def items_per_s(self) -> float:
        return self.items / self.wall_s if self.wall_s else 0.0


def _when(text: str) -> datetime:
    return datetime.fromisoformat(text)


def count_feed_lines(output: Path) -> int:
    """Lines of the exported JSON Lines partitions (``<output>/<site>/*.jsonl``; not runs/ or rejects)."""
    total = 0
    for path in output.glob("*/*.jsonl"):
        if path.parent.name == "runs" or "reject" in path.name:
            continue
        with path.open("rb") as fh:
            total += sum(1 for line in fh if line.strip())
    return total


def start_workers(count: int, env: dict[str, str], logs: Path) -> list[subprocess.Popen[bytes]]:
    procs = []
    for n in range(1, count + 1):
        log = logs / f"worker{n}.log"
        with log.open("wb") as fh:
            procs.append(subprocess.Popen([sys.executable, "-m", "celery", "-A", "newscrawl.dist", "worker", "-n",
                                           f"bench{n}@%h", "--loglevel", "INFO"], cwd=ROOT, env=env, stdout=fh,
                                          stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL))
    deadline = time.monotonic() + 120
    for n, proc in enumerate(procs, 1):
        log = logs / f"worker{n}.log"
        while "newscrawl worker ready" not in log.read_text("utf-8", "replace"):
            if proc.poll() is not None or time.monotonic() > deadline:
                tail = log.read_text("utf-8", "replace")[-1500:]
                for p in procs:
                    stop_process(p)
                raise RuntimeError(f"worker {n} did not become ready (exit {proc.poll()}): {tail}")
            time.sleep(0.1)
    return procs


def one_run(count: int, rep: int, outlets: Sequence[BenchOutlet], urls: dict[str, str], nginxes: Sequence[Any],
            pg: Any, out: Path, crawl_urls: int, extra: dict[str, str], redis_bin: Path) -> WorkerRun:
    import psycopg

    from newscrawl.dist.app import enqueue, make_app
    from tests.redisserver import RedisServer

    run = WorkerRun(count, rep)
    out.mkdir(parents=True)
    uri = pg.new_database()
    redis = RedisServer(redis_bin).start()
    assert redis.proc is not None
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SCRAPY_", "NEWSCRAWL_"))}
    env.update(PYTHONPATH=str(ROOT), NEWSCRAWL_BROKER_URL=redis.url(), NEWSCRAWL_STATE_URI=uri,
               NEWSCRAWL_OUTPUT_DIR=str(out / "output"), NEWSCRAWL_JOBS=jobs_config(outlets, urls), **extra)
    procs: list[subprocess.Popen[bytes]] = []
    try:
        procs = start_workers(count, env, out)
        postmaster = postmaster_pid(pg)
        nginx_pids = [n.proc.pid for n in nginxes]
        cpu0 = (cpu_seconds([postmaster], [postmaster]), cpu_seconds(nginx_pids, nginx_pids),
                cpu_seconds([redis.proc.pid]), cpu_seconds([p.pid for p in procs]))
        pages0 = sum(n.requests() for n in nginxes)
        app = make_app(env)
        started = datetime.now(UTC)
        # In the bench's order (mastheads alternate): the two outlets crawled at once are mostly of two mastheads.
        ids = set(enqueue(app, [o.slug for o in outlets]).values())
        run.jobs = len(ids)
        waits = active = 0
        records: list[dict[str, Any]] = []
        deadline = time.monotonic() + JOB_TIMEOUT_S
        with open_store(uri, check=False) as store, psycopg.connect(uri, autocommit=True) as conn:
            while time.monotonic() < deadline:
                records = [r for r in store.jobs(limit=1000) if r["job_id"] in ids]
                if len(records) == len(ids) and all(r["outcome"] != "running" for r in records):
                    break
                row = conn.execute("SELECT count(*) FILTER (WHERE wait_event = 'advisory'), count(*) FILTER "
                                   "(WHERE state = 'active') FROM pg_stat_activity WHERE datname = current_database() "
                                   "AND pid <> pg_backend_pid()").fetchone()
                if row and row[1]:
                    active += 1
                    waits += bool(row[0])
                for n, proc in enumerate(procs, 1):
                    if proc.poll() is not None:
                        raise RuntimeError(f"worker {n} exited {proc.returncode} mid-run (see {out}/worker{n}.log)")
                time.sleep(POLL_S)
            else:
                run.problems.append(f"jobs not finished after {JOB_TIMEOUT_S:.0f} s")
        app.close()
        run.pages = sum(n.requests() for n in nginxes) - pages0
        run.cpu_postgres_s = cpu_seconds([postmaster], [postmaster]) - cpu0[0]
        run.cpu_nginx_s = cpu_seconds(nginx_pids, nginx_pids) - cpu0[1]
        run.cpu_redis_s = cpu_seconds([redis.proc.pid]) - cpu0[2]
        run.cpu_crawls_s = cpu_seconds([p.pid for p in procs]) - cpu0[3]
        run.near_wait_share = waits / active if active else 0.0
        finished = [_when(r["finished_at"]) for r in records if r["finished_at"]]
        run.wall_s = ((max(finished) - started).total_seconds()) if finished else 0.0
        for r in records:
            run.outcomes[r["outcome"]] = run.outcomes.get(r["outcome"], 0) + 1
            run.per_worker[r["worker"]] = run.per_worker.get(r["worker"], 0) + 1
            report = r.get("report") or {}
            run.items += int((report.get("counts") or {}).get("exported", 0))
            if report.get("duration_seconds") is not None and r.get("duration_seconds") is not None:
                run.crawl_s.append(float(report["duration_seconds"]))
                run.overhead_s.append(float(r["duration_seconds"]) - float(report["duration_seconds"]))
            if r["outcome"] != "ok":
                run.problems.append(f"job of {r['outlet']} ended {r['outcome']} (log {r['log']})")
        run.feed_lines = count_feed_lines(out / "output")
        if run.feed_lines != run.items:
            run.problems.append(f"the run reports say {run.items} items exported, the feeds hold {run.feed_lines} "
                                "lines")
        if run.pages != crawl_urls:
            run.problems.append(f"the crawls made {run.pages} requests, the snapshots' crawl sets are {crawl_urls}")
        if len(records) != len(outlets):
            run.problems.append(f"{len(records)} job records for {len(outlets)} outlets")
    finally:
        for proc in procs:
            stop_process(proc)
        redis.stop()
    return run


def _med(values: Sequence[float]) -> float:
    import statistics

    return statistics.median(values) if values else 0.0


def workers_table(runs: Sequence[WorkerRun], outlets: int, size: int, load_before: tuple[float, ...],
                  load_after: tuple[float, ...]) -> str:
    by = {n: [r for r in runs if r.workers == n] for n in WORKER_COUNTS}
    reps = sorted({r.rep for r in runs})
    ratios = []
    for rep in reps:
        one = next((r for r in by[1] if r.rep == rep), None)
        two = next((r for r in by[2] if r.rep == rep), None)
        if one and two and one.items_per_s:
            ratios.append(two.items_per_s / one.items_per_s)
    items = "/".join(str(i) for i in sorted({r.items for r in runs}))

    def med(n: int, get: Callable[[WorkerRun], float]) -> float:
        return _med([get(r) for r in by[n]])

    def row(label: str, get: Callable[[WorkerRun], float], fmt: str = "{:.1f}", ratio: str = "") -> str:
        return f"| {label} | {fmt.format(med(1, get))} | {fmt.format(med(2, get))} | {ratio} |"

    def load(values: tuple[float, ...]) -> str:
        return " / ".join(f"{x:.2f}" for x in values)

    ratio = f"{_med(ratios):.2f} (min {min(ratios):.2f}, max {max(ratios):.2f})" if ratios else "n/a"
    wall_ratio = med(1, lambda r: r.wall_s) / (med(2, lambda r: r.wall_s) or 1)
    return "\n".join([
        f"| {len(reps)} interleaved repetitions, {outlets} outlets × {size} articles, {items} items per run "
        "| 1 worker | 2 workers | 2 workers / 1 |",
        "|---|---:|---:|---:|",
        row("items/s (median)", lambda r: r.items_per_s, ratio=ratio),
        row("wall s, enqueue to last job's end (median)", lambda r: r.wall_s, ratio=f"{wall_ratio:.2f} faster"),
        row("pages/s (median; nginx's count)", lambda r: r.pages / r.wall_s if r.wall_s else 0.0),
        row("CPU s per run: workers and their crawls", lambda r: r.cpu_crawls_s),
        row("CPU s per run: PostgreSQL server", lambda r: r.cpu_postgres_s),
        row("CPU s per run: nginx / Redis", lambda r: r.cpu_nginx_s + r.cpu_redis_s),
        row("crawl s per job (median; its run report)", lambda r: _med(r.crawl_s)),
        row("job overhead s (median; job record minus its crawl)", lambda r: _med(r.overhead_s), "{:.2f}"),
        row("samples with a crawl waiting on the near-duplicate lock", lambda r: 100 * r.near_wait_share, "{:.0f}%"),
        f"| machine load 1/5/15 min ({os.cpu_count()} cores) | before {load(load_before)} | after {load(load_after)} | |",
    ])


def cmd_workers(args: argparse.Namespace) -> int:
    from bench_crawl import SnapshotError, build_snapshot, find_nginx, free_port, serving

    began = time.monotonic()
    nginx_bin = find_nginx()
    if nginx_bin is None:
        print("bench_scale workers needs nginx: apt-get install nginx (as root), then run again", file=sys.stderr)
        return 2
    from tests.pgserver import PostgresServer, find_bindir
    from tests.redisserver import find_redis

    redis_bin, why = find_redis()
    if redis_bin is None:
        print(f"bench_scale workers needs a Redis broker: {why}", file=sys.stderr)
        return 2

    bindir, why = find_bindir()
    if bindir is None:
        print(f"bench_scale workers needs PostgreSQL: {why}", file=sys.stderr)
        return 2
    outlets = bench_outlets(args.outlets)
    tmp = Path(tempfile.mkdtemp(prefix="newscrawl-bench-workers-"))
    keep = args.keep.resolve() if args.keep else tmp / "runs"
    runs: list[WorkerRun] = []
    problems: list[str] = []
    server = None
    try:
        snaps = []
        for o in outlets:
            started = time.monotonic()
            try:
                snap = build_snapshot(tmp / "snap" / o.slug, args.size, free_port(), outlet=o.masthead, seed=o.seed)
            except (SnapshotError, RuntimeError) as exc:
                print(f"snapshot of {o.slug}: {exc}", file=sys.stderr)
                return 1
            snaps.append(snap)
            print(f"snapshot {o.slug} ({o.name}, {o.masthead} seed {o.seed}): {snap.crawl_urls} URLs per crawl, "
                  f"{snap.articles} article ids, built in {time.monotonic() - started:.1f} s", flush=True)
        server = PostgresServer(bindir, durable=not args.no_fsync).start()
        with contextlib.ExitStack() as stack:
            nginxes = [stack.enter_context(serving(nginx_bin, snap, tmp / "nginx" / o.slug))
                       for o, snap in zip(outlets, snaps, strict=True)]
            for o, nginx in zip(outlets, nginxes, strict=True):
                mismatch = nginx.check()
                if mismatch:
                    print(f"nginx of {o.slug} does not serve what the demo answered: {mismatch[0]}", file=sys.stderr)
                    return 1
            urls = {o.slug: n.base_url for o, n in zip(outlets, nginxes, strict=True)}
            print(f"{len(outlets)} nginx servers (one worker each), PostgreSQL from {server.bindir} "
                  f"(throwaway, fsync {'off' if args.no_fsync else 'on'}), a fresh database and redis-server per run"
                  + "".join(f"; {k}={v}" for k, v in args.set.items()), flush=True)
            load_before = os.getloadavg()
            print(f"machine load before: {' / '.join(f'{x:.2f}' for x in load_before)} ({os.cpu_count()} cores)",
                  flush=True)
            for rep in range(1, args.reps + 1):
                for count in WORKER_COUNTS:
                    out = keep / f"{rep}-{count}w"
                    if out.exists():
                        shutil.rmtree(out)
                    run = one_run(count, rep, outlets, urls, nginxes, server, out, sum(s.crawl_urls for s in snaps),
                                  args.set, redis_bin)
                    runs.append(run)
                    print(f"rep {rep}, {count} worker{'s' if count > 1 else ''}: {run.jobs} jobs "
                          f"({', '.join(f'{k} {v}' for k, v in sorted(run.outcomes.items()))}; per worker "
                          f"{sorted(run.per_worker.values())}), {run.items} items, {run.pages} pages in "
                          f"{run.wall_s:.1f} s = {run.items_per_s:.1f} items/s; CPU s: crawls {run.cpu_crawls_s:.1f}, "
                          f"PostgreSQL {run.cpu_postgres_s:.1f}, nginx {run.cpu_nginx_s:.1f}, redis "
                          f"{run.cpu_redis_s:.1f}; job overhead {_med(run.overhead_s):.2f} s; near-lock waits "
                          f"{100 * run.near_wait_share:.0f}% of samples", flush=True)
                    for p in run.problems:
                        print(f"  PROBLEM: {p}", flush=True)
                    problems += run.problems
            load_after = os.getloadavg()
    finally:
        if server is not None:
            server.stop()
        shutil.rmtree(tmp, ignore_errors=True)
    counts = sorted({r.items for r in runs})
    print()
    if len(counts) != 1:
        problems.append(f"the runs exported different numbers of items: {counts}")
        print(f"PROBLEM: the runs exported different numbers of items: {counts}")
    else:
        print(f"every run exported {counts[0]} items")
    print()
    print(workers_table(runs, len(outlets), args.size, load_before, load_after))
    if args.json:
        args.json.write_text(json.dumps({"outlets": [asdict(o) for o in outlets], "size": args.size,
                                         "load_before": load_before, "load_after": load_after,
                                         "runs": [asdict(r) for r in runs]}, indent=1, ensure_ascii=False))
    print(f"\nbench_scale workers took {(time.monotonic() - began) / 60:.1f} min")
    if problems:
        print(f"{len(problems)} problem(s): the figures above are not comparable")
        return 1
    return 0


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
    workers = sub.add_parser("workers", help="items/s of outlet jobs on 1 and 2 Celery workers")
    workers.add_argument("--outlets", type=int, help="demo outlets (at least 2; default 6)")
    workers.add_argument("--size", type=int, help="articles per outlet (default 500; 60 with --quick)")
    workers.add_argument("--reps", type=int, help="repetitions of each worker count, interleaved (default 2; "
                         "1 with --quick)")
    workers.add_argument("--quick", action="store_true", help="smoke run: 6 outlets of 60 articles, one repetition")
    workers.add_argument("--set", action="append", default=[], metavar="NEWSCRAWL_NAME=VALUE",
                         help="an extra setting of every worker (and so of every crawl), for profiling: e.g. "
                         "NEWSCRAWL_NEAR_DUPLICATES=off (repeatable)")
    workers.add_argument("--no-fsync", action="store_true", help="PostgreSQL with fsync off (not durable; what the "
                         "tests use), for profiling")
    workers.add_argument("--keep", type=Path, help="keep every run's output folder and worker logs here")
    workers.add_argument("--json", type=Path, help="also write every run's figures as JSON here")
    workers.set_defaults(run=cmd_workers)
    args = parser.parse_args()
    if args.command == "workers":
        args.outlets = args.outlets or 6
        args.size = args.size or (60 if args.quick else 500)
        args.reps = args.reps or (1 if args.quick else 2)
        if args.outlets < 2 or args.size < 60 or args.reps < 1:
            parser.error("--outlets must be at least 2, --size at least 60 (the demo's minimum), --reps at least 1")
        bad = [pair for pair in args.set if not pair.startswith("NEWSCRAWL_") or "=" not in pair]
        if bad:
            parser.error(f"--set takes NEWSCRAWL_NAME=VALUE, not {bad[0]!r}")
        args.set = dict(pair.split("=", 1) for pair in args.set)
    sys.exit(args.run(args))


if __name__ == "__main__":
    main()
