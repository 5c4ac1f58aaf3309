"""The PostgreSQL state store and crawl lock (newscrawl/state/postgres.py) against a real server.

The SeenStore contract itself runs on both stores in test_state.py (its ``store`` fixture); here the
dataset tests of test_store_items.py run again on PostgreSQL, then what only a shared server has:
the versioned schema, one-line connection errors, the per-outlet lock, and two writers racing on
near duplicates.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

import tests.unit.test_store_items as items_contract
from newscrawl.state.lock import EXIT_LOCKED, LockBusy
from newscrawl.state.near import signature
from newscrawl.state.store import SeenStore, StateError, open_store
from tests.pgserver import PostgresServer

ROOT = Path(__file__).resolve().parents[2]

# The dataset contract of test_store_items.py, collected again here with its store made on PostgreSQL.
from tests.unit.test_store_items import (  # noqa: E402
    test_a_reject_later_exported_is_not_a_reject_any_more,
    test_all_revisions_rejects_sites_and_dates,
    test_items_latest_revision_ordered_by_site_then_date,
    test_items_roll_back_with_their_batch,
    test_latest_item_and_replacing_a_revision,
    test_put_item_needs_a_recorded_article_and_sane_revision,
)

__all__ = ["test_a_reject_later_exported_is_not_a_reject_any_more", "test_all_revisions_rejects_sites_and_dates",
           "test_items_latest_revision_ordered_by_site_then_date", "test_items_roll_back_with_their_batch",
           "test_latest_item_and_replacing_a_revision", "test_put_item_needs_a_recorded_article_and_sane_revision"]


@pytest.fixture(autouse=True)
def _items_on_postgres(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """test_store_items builds ``SQLiteSeenStore(":memory:")``: here that is a fresh PostgreSQL database."""
    if not request.node.name.startswith(tuple(__all__)):
        yield
        return
    uri = request.getfixturevalue("pg_uri")
    opened: list[SeenStore] = []

    def make(path: str, **options: object) -> SeenStore:
        assert path == ":memory:"
        store = open_store(uri)
        opened.append(store)
        return store

    monkeypatch.setattr(items_contract, "SQLiteSeenStore", make)
    yield
    for store in opened:
        store.close()


BODY = ("누리군은 출퇴근 시간 마을버스 배차 간격을 평균 5분 줄인다고 3일 밝혔다. 군은 교통량 조사 결과를 토대로 노선 "
        "6개의 운행 시간표를 조정했다. 버스 정류장 420곳에는 실시간 도착 안내 단말기가 새로 설치된다. 교통 약자를 "
        "위한 저상버스 도입도 단계적으로 확대할 방침이다. 이정환 군수는 대중교통이 자가용보다 편리한 도시를 "
        "만들겠다고 말했다.")


def test_state_uri_kinds_and_psycopg_only_when_used() -> None:
    from newscrawl.state.store import state_location

    assert state_location("postgresql://u@h:5/db").kind == "postgresql"
    assert state_location("postgres://h/db").path is None
    code = ("import sys\nfrom newscrawl.state.store import open_store\nimport newscrawl.state.lock, "
            "newscrawl.state.postgres, newscrawl.pipelines.dedupe, newscrawl.commands.crawl\n"
            "open_store('memory://').close()\nprint('psycopg' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False", out.stderr


def test_public_uri_hides_only_a_password() -> None:
    from newscrawl.state.store import public_uri

    assert public_uri("postgresql://crawler:s3cret@db.example:5433/news?sslmode=require") == \
        "postgresql://crawler:***@db.example:5433/news?sslmode=require"
    assert public_uri("postgres://crawler@db/news") == "postgres://crawler@db/news"
    assert public_uri("sqlite:///.newscrawl/state.sqlite") == "sqlite:///.newscrawl/state.sqlite"


def test_schema_is_versioned_and_a_newer_one_refused(pg_uri: str) -> None:
    import psycopg

    from newscrawl.state.postgres import MIGRATIONS, SCHEMA_VERSION

    assert SCHEMA_VERSION == len(MIGRATIONS) >= 1
    open_store(pg_uri).close()
    with psycopg.connect(pg_uri, autocommit=True) as conn:
        assert conn.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone() == (str(SCHEMA_VERSION),)
        assert conn.execute("SELECT count(*) FROM meta WHERE key = 'items-since'").fetchone() == (1,)
    open_store(pg_uri).close()  # a second open migrates nothing and keeps the data
    with psycopg.connect(pg_uri, autocommit=True) as conn:
        conn.execute("UPDATE meta SET value = %s WHERE key = 'schema_version'", (str(SCHEMA_VERSION + 1),))
    with pytest.raises(StateError, match=rf"schema {SCHEMA_VERSION + 1}, newer than this newscrawl's") as err:
        open_store(pg_uri)
    assert "\n" not in str(err.value)


def test_a_schema_1_database_is_migrated_with_its_data_and_gets_job_records(pg_uri: str) -> None:
    """A database of v0.3.x (schema 1, no job table) opened by this version: migration 2 adds the job table."""
    import psycopg

    from newscrawl.state.postgres import MIGRATIONS

    with open_store(pg_uri) as store:
        store.record("news21tongsin:1", url="https://a.example/1")
    with psycopg.connect(pg_uri, autocommit=True) as conn:  # back to schema 1, as v0.3.x left it
        conn.execute("DROP TABLE job")
        conn.execute("UPDATE meta SET value = '1' WHERE key = 'schema_version'")
    with open_store(pg_uri) as store:
        assert store.get(article_id="news21tongsin:1") is not None
        store.put_job({"job_id": "j", "outlet": "news21tongsin", "started_at": "2026-12-01T00:00:00+00:00"})
        assert [j["job_id"] for j in store.jobs()] == ["j"]
    with psycopg.connect(pg_uri, autocommit=True) as conn:
        assert conn.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone() == (str(len(MIGRATIONS)),)


def test_a_database_of_something_else_is_refused(pg_uri: str) -> None:
    import psycopg

    with psycopg.connect(pg_uri, autocommit=True) as conn:
        conn.execute("CREATE TABLE article (id int)")
    with pytest.raises(StateError, match="other tables than a newscrawl state"):
        open_store(pg_uri)


def test_read_only_open_needs_the_schema_and_writes_nothing(pg_uri: str) -> None:
    with pytest.raises(StateError, match="only read here"):
        open_store(pg_uri, readonly=True)
    with open_store(pg_uri) as store:
        store.record("a:1")
    with open_store(pg_uri, readonly=True) as reader:
        assert reader.get(article_id="a:1") is not None
        with pytest.raises(Exception, match="read-only"):
            reader.record("a:2")


def test_unreachable_server_and_refused_login_are_one_line(pg_server: PostgresServer) -> None:
    from tests.pgserver import free_port

    cases = {f"postgresql://postgres@127.0.0.1:{free_port()}/x": "cannot be reached",
             pg_server.uri("postgres", password="wrong"): "password authentication failed",
             "postgresql://127.0.0.1:notaport/x": "127.0.0.1"}
    for uri, reason in cases.items():
        with pytest.raises(StateError) as err:
            open_store(uri)
        message = str(err.value)
        assert reason in message and "\n" not in message and "wrong" not in message.split("(")[0]
        assert message.startswith("PostgreSQL state 127.0.0.1:")


def test_scrapy_crawl_with_an_unreachable_server_exits_65_with_one_line(tmp_path: Path) -> None:
    from tests.pgserver import free_port

    port = free_port()
    proc = subprocess.run([sys.executable, "-m", "scrapy", "crawl", "news21tongsin", "-a", "base_url=http://127.0.0.1:9",
                           "-s", f"NEWSCRAWL_STATE_URI=postgresql://postgres@127.0.0.1:{port}/nc",
                           "-s", f"NEWSCRAWL_OUTPUT_DIR={tmp_path}"],
                          cwd=ROOT, capture_output=True, text=True, timeout=120,
                          env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert proc.returncode == 65, proc.stderr[-2000:]
    errors = [line for line in proc.stderr.splitlines() if "ERROR" in line]
    assert len(errors) == 1 and f"127.0.0.1:{port}/nc cannot be reached" in errors[0]
    assert "Traceback" not in proc.stderr


# -- the crawl lock ---------------------------------------------------------------------------

def _lock(uri: str, outlet: str = "news21tongsin", wait: float = 0.0) -> object:
    from newscrawl.state.postgres import PostgresCrawlLock

    return PostgresCrawlLock(uri, outlet, wait=wait, command="test")


def test_crawl_lock_is_per_outlet_and_names_its_holder(pg_uri: str) -> None:
    from newscrawl.state.postgres import PostgresCrawlLock

    first = PostgresCrawlLock(pg_uri, "news21tongsin", command="scrapy crawl news21tongsin").acquire()
    other = PostgresCrawlLock(pg_uri, "kado").acquire()  # another outlet: not excluded
    started = time.monotonic()
    with pytest.raises(LockBusy) as busy:
        PostgresCrawlLock(pg_uri, "news21tongsin", wait=1.0, poll=0.1).acquire()
    assert time.monotonic() - started >= 1.0  # NEWSCRAWL_LOCK_WAIT is honoured
    message = str(busy.value)
    assert f"pid {os.getpid()} on" in message and "scrapy crawl news21tongsin" in message
    assert "outlet news21tongsin on 127.0.0.1:" in message
    first.release()
    again = PostgresCrawlLock(pg_uri, "news21tongsin").acquire()
    again.release()
    other.release()


def test_a_waiting_crawl_gets_the_lock_when_it_is_released(pg_uri: str) -> None:
    from newscrawl.state.postgres import PostgresCrawlLock

    holder = PostgresCrawlLock(pg_uri, "kado").acquire()
    threading.Timer(0.5, holder.release).start()
    waiter = PostgresCrawlLock(pg_uri, "kado", wait=10.0, poll=0.1).acquire()
    assert waiter.locked
    waiter.release()


HOLD = """
import sys, time
from newscrawl.state.postgres import PostgresCrawlLock
lock = PostgresCrawlLock(sys.argv[1], "news21tongsin", command="holder").acquire()
print("locked", flush=True)
time.sleep(600)
"""


def test_a_holder_killed_with_kill_9_frees_the_lock(pg_uri: str) -> None:
    from newscrawl.state.postgres import PostgresCrawlLock

    proc = subprocess.Popen([sys.executable, "-c", HOLD, pg_uri], cwd=ROOT, stdout=subprocess.PIPE, text=True,
                            env={**os.environ, "PYTHONPATH": str(ROOT)})
    try:
        assert proc.stdout is not None and proc.stdout.readline().strip() == "locked"
        with pytest.raises(LockBusy, match="holder"):
            PostgresCrawlLock(pg_uri, "news21tongsin").acquire()
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=10)
    lock = PostgresCrawlLock(pg_uri, "news21tongsin", wait=10.0, poll=0.1).acquire()  # the server saw the socket close
    assert lock.holder is not None and lock.holder["pid"] == os.getpid()
    lock.release()


def test_scrapy_crawl_exits_75_while_the_outlet_is_locked(pg_uri: str, tmp_path: Path) -> None:
    from newscrawl.state.postgres import PostgresCrawlLock

    lock = PostgresCrawlLock(pg_uri, "news21tongsin", command="the other crawl").acquire()
    try:
        proc = subprocess.run([sys.executable, "-m", "scrapy", "crawl", "news21tongsin", "-a",
                               "base_url=http://127.0.0.1:9", "-s", f"NEWSCRAWL_STATE_URI={pg_uri}",
                               "-s", f"NEWSCRAWL_OUTPUT_DIR={tmp_path}"],
                              cwd=ROOT, capture_output=True, text=True, timeout=120,
                              env={**os.environ, "PYTHONPATH": str(ROOT)})
    finally:
        lock.release()
    assert proc.returncode == EXIT_LOCKED, proc.stderr[-2000:]
    assert "the other crawl" in proc.stderr and "Traceback" not in proc.stderr


# -- near duplicates under concurrency ----------------------------------------------------------

def _texts(n: int) -> list[str]:
    """``n`` distinct releases: sentences of random Hangul words (seeded), nothing shared but chance."""
    import random

    rng = random.Random(14)

    def word() -> str:
        return "".join(chr(0xAC00 + rng.randrange(11172)) for _ in range(rng.randint(2, 4)))

    return [". ".join(" ".join(word() for _ in range(8)) for _ in range(8)) + "." for _ in range(n)]


def _edit(text: str) -> str:
    """An outlet's copy: its own lead and reporter line, the last sentence cut."""
    return "[가온일보=이수민 기자] " + text.rsplit(". ", 1)[0] + "."


RACE = """
import sys, time
from newscrawl.state.store import open_store
from newscrawl.state.near import signature
uri, outlet, locking, texts = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4:]
store = open_store(uri)
if locking == "off":  # what the test must catch: the near-duplicate lock left out
    store._lock_near = lambda *parsed: None
sigs = [signature(text) for text in texts]
print("ready", flush=True)
sys.stdin.readline()  # both processes start together
for i, sig in enumerate(sigs):
    with store.batch():  # the dedupe pipeline's order: query, then record, in one transaction
        found = store.near_duplicates(sig, limit=1)
        cluster = found[0][0].cluster_id if found else None
        store.record(f"{outlet}:{i}", content_hash=f"{outlet}-{i}", signature=sig, cluster_id=cluster)
        time.sleep(0.002)  # the feed write and fsync before the commit
store.close()
"""


def _race(uri: str, outlets: tuple[str, str], texts: list[str], locking: str) -> None:
    procs = [subprocess.Popen([sys.executable, "-c", RACE, uri, outlet, locking,
                               *(texts if n == 0 else [_edit(t) for t in texts])],
                              stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
                              cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)}) for n, outlet in enumerate(outlets)]
    for proc in procs:  # both imported, connected and their signatures computed
        assert proc.stdout is not None and proc.stdout.readline().strip() == "ready"
    for proc in procs:
        assert proc.stdin is not None
        proc.stdin.write("go\n")
        proc.stdin.flush()
    for proc in procs:
        assert proc.wait(timeout=120) == 0


def _missed(uri: str, outlets: tuple[str, str], n: int) -> int:
    with open_store(uri) as store:
        pairs = [(store.get(article_id=f"{outlets[0]}:{i}"), store.get(article_id=f"{outlets[1]}:{i}"))
                 for i in range(n)]
    assert all(a is not None and b is not None for a, b in pairs)
    clusters = {a.cluster_id for a, _ in pairs if a is not None}
    assert len(clusters) == n  # different releases never merge
    return sum(a.cluster_id != b.cluster_id for a, b in pairs if a is not None and b is not None)


def test_the_race_test_catches_a_store_without_the_near_duplicate_lock(pg_uri: str) -> None:
    n = 30
    texts = _texts(n)
    open_store(pg_uri).close()
    _race(pg_uri, ("orig", "copy"), texts, "off")
    assert _missed(pg_uri, ("orig", "copy"), n) > 0


def test_two_concurrent_writers_never_both_miss_a_near_duplicate_pair(pg_uri: str) -> None:
    """Two processes file the same releases (one the original, one an edited copy) at the same moment:
    every pair must end in one cluster (without the lock, see the test above, pairs are missed)."""
    n = 30
    texts = _texts(n)
    with open_store("memory://") as store:
        for i, text in enumerate(texts):  # the copies are near duplicates, different releases are not
            assert [r.article_id for r, _ in store.near_duplicates(signature(_edit(text)))] == []
            store.record(f"probe:{i}", signature=signature(text))
            found = store.near_duplicates(signature(_edit(text)))
            assert [r.article_id for r, _ in found] == [f"probe:{i}"]
    rounds = 2
    for round_ in range(rounds):
        outlets = (f"orig{round_}", f"copy{round_}")
        _race(pg_uri, outlets, texts, "on")
        assert _missed(pg_uri, outlets, n) == 0
        with open_store(pg_uri) as store:
            for i in range(n):
                a, b = store.get(article_id=f"{outlets[0]}:{i}"), store.get(article_id=f"{outlets[1]}:{i}")
                assert a is not None and b is not None
                if round_ == 0:
                    assert a.cluster_id == b.cluster_id, f"pair {i} missed: {a.cluster_id} != {b.cluster_id}"
                else:  # the releases of round 0 are already known: every copy joins their clusters
                    first = store.get(article_id=f"orig0:{i}")
                    assert first is not None and a.cluster_id == b.cluster_id == first.cluster_id


def test_the_dedupe_pipeline_holds_the_near_lock_to_its_commit_and_commits_early(pg_uri: str) -> None:
    """Crawl A has an original in flight (recorded, not committed); crawl B's copy waits for A's commit
    instead of missing it, and A commits as soon as the item is written, not after 50 items."""
    from newscrawl.pipelines.dedupe import DedupePipeline
    from tests.helpers import project_crawler
    from tests.unit.test_pipelines import RELEASE, article

    def pipeline() -> tuple[DedupePipeline, object]:
        crawler = project_crawler(NEWSCRAWL_STATE_URI=pg_uri, NEWSCRAWL_STATE_COMMIT_EVERY=50)
        pipe = DedupePipeline.from_crawler(crawler)
        pipe.open_spider()
        return pipe, crawler

    (a, a_crawler), (b, b_crawler) = pipeline(), pipeline()
    original = article(article_id="a:1", content_hash="1" * 64, body=RELEASE)
    assert a.process_item(original) is original  # in flight: recorded in A's open transaction
    copy = article(article_id="b:7", content_hash="2" * 64,
                   body="[누리신문=한가람 기자] 한빛시가 전통시장 주차난 해소에 나선다. " + RELEASE.split(". ", 1)[1])
    done = threading.Event()
    thread = threading.Thread(target=lambda: (b.process_item(copy), done.set()))
    thread.start()
    assert not done.wait(1.0)  # B waits for the near-duplicate lock A holds
    a.item_scraped(original)  # A's feed line written: A commits at once
    assert a_crawler.stats.get_value("newscrawl/state/commits") == 1  # type: ignore[attr-defined]
    assert done.wait(10.0)
    thread.join()
    assert (copy.cluster_id, copy.duplicate_of) == ("a:1", "a:1")
    b.item_scraped(copy)
    a.close_spider()
    b.close_spider()
    from newscrawl.state.shared import close_crawl_store

    close_crawl_store(a_crawler)  # type: ignore[arg-type]
    close_crawl_store(b_crawler)  # type: ignore[arg-type]
    assert b_crawler.stats.get_value("newscrawl/dedupe/near_duplicate") == 1  # type: ignore[attr-defined]


def test_crawls_of_unrelated_articles_do_not_wait_for_each_others_near_locks(pg_uri: str) -> None:
    """The near-duplicate locks are per anchor/probe value: B's query for an unrelated text runs while A holds
    its locks; B's query for A's near duplicate waits until A commits, and then sees A's record."""
    texts = _texts(2)
    a, b = open_store(pg_uri), open_store(pg_uri)
    try:
        with a.batch():
            assert a.near_duplicates(signature(texts[0])) == []
            a.record("a:0", content_hash="a0", signature=signature(texts[0]))
            start = time.monotonic()
            with b.batch():
                assert b.near_duplicates(signature(texts[1])) == []  # unrelated: no wait
                b.record("b:1", content_hash="b1", signature=signature(texts[1]))
            assert time.monotonic() - start < 1.0
            found: list[object] = []

            def query_copy() -> None:
                with b.batch():
                    found.extend(b.near_duplicates(signature(_edit(texts[0]))))

            thread = threading.Thread(target=query_copy)
            thread.start()
            thread.join(1.0)
            assert thread.is_alive()  # the copy of A's text waits for A's locks
        # A committed: B's query returns with A's record
        thread.join(10.0)
        assert not thread.is_alive() and [r.article_id for r, _ in found] == ["a:0"]  # type: ignore[attr-defined]
    finally:
        a.close()
        b.close()


def test_the_dedupe_pipeline_holds_its_next_item_until_the_near_locked_transaction_commits(pg_uri: str) -> None:
    """While the open transaction holds near locks (an item in flight, not yet committed), a next item whose
    locks are free joins it at once; one whose locks another crawl holds is an awaitable that completes after
    this transaction's commit (so no transaction ever waits for a lock while holding some)."""
    import asyncio

    from newscrawl.pipelines.dedupe import DedupePipeline
    from newscrawl.state.shared import close_crawl_store
    from tests.helpers import project_crawler
    from tests.unit.test_pipelines import RELEASE, article

    crawler = project_crawler(NEWSCRAWL_STATE_URI=pg_uri, NEWSCRAWL_STATE_COMMIT_EVERY=50)
    pipe = DedupePipeline.from_crawler(crawler)
    pipe.open_spider()
    first = article(article_id="a:1", content_hash="1" * 64, body=RELEASE)
    texts = _texts(2)
    unrelated = article(article_id="a:2", content_hash="2" * 64, body=texts[0])
    second = article(article_id="a:3", content_hash="4" * 64, body=texts[1])
    assert pipe.process_item(first) is first  # in flight, its near locks held
    assert pipe.process_item(unrelated) is unrelated  # its locks are free: same transaction, no wait
    other = open_store(pg_uri)  # another crawl holds the locks of the second item's text
    with other.batch():
        other.near_duplicates(signature(_edit(texts[1])))
        held = pipe.process_item(second)
    other.close()
    assert asyncio.iscoroutine(held)

    async def main() -> object:
        task = asyncio.ensure_future(held)
        await asyncio.sleep(0.05)
        assert not task.done()  # still waiting: the first item's transaction is open
        pipe.item_scraped(first)
        pipe.item_scraped(unrelated)  # both feed lines written: the transaction commits
        return await asyncio.wait_for(task, 5)

    assert asyncio.run(main()) is second
    pipe.item_scraped(second)
    pipe.close_spider()
    close_crawl_store(crawler)  # type: ignore[arg-type]
    assert crawler.stats.get_value("newscrawl/state/commits") == 2  # type: ignore[attr-defined]


def test_the_same_body_from_two_crawls_at_once_is_a_repost_as_on_one_machine(pg_uri: str) -> None:
    """Two outlets of one newsroom publish a byte-identical body at the same moment: both pass the
    content-hash check before either committed; the second waits for the first's near locks and, seeing the
    first now, drops its copy as a content-hash duplicate (not exported as a near duplicate)."""
    from newscrawl.pipelines import Duplicate
    from newscrawl.pipelines.dedupe import DedupePipeline
    from newscrawl.state.shared import close_crawl_store
    from tests.helpers import project_crawler
    from tests.unit.test_pipelines import RELEASE, article

    def pipeline() -> tuple[DedupePipeline, object]:
        crawler = project_crawler(NEWSCRAWL_STATE_URI=pg_uri)
        pipe = DedupePipeline.from_crawler(crawler)
        pipe.open_spider()
        return pipe, crawler

    (a, a_crawler), (b, b_crawler) = pipeline(), pipeline()
    original = article(article_id="a:1", content_hash="3" * 64, body=RELEASE)
    assert a.process_item(original) is original  # in flight, not committed
    copy = article(article_id="b:9", content_hash="3" * 64, body=RELEASE)
    raised: list[BaseException] = []

    def process() -> None:
        try:
            b.process_item(copy)
        except Duplicate as exc:
            raised.append(exc)
            b.item_dropped(copy, exc)

    thread = threading.Thread(target=process)
    thread.start()
    thread.join(1.0)
    assert thread.is_alive()  # waiting for A's near locks
    a.item_scraped(original)  # A commits
    thread.join(10.0)
    assert len(raised) == 1 and raised[0].kind == "content_hash"  # type: ignore[attr-defined]
    assert b_crawler.stats.get_value("newscrawl/dedupe/content_hash") == 1  # type: ignore[attr-defined]
    assert not b_crawler.stats.get_value("newscrawl/dedupe/near_duplicate")  # type: ignore[attr-defined]
    for pipe, crawler in ((a, a_crawler), (b, b_crawler)):
        pipe.close_spider()
        close_crawl_store(crawler)  # type: ignore[arg-type]
    with open_store(pg_uri) as store:
        repost = store.get(article_id="b:9")
        first = store.get(article_id="a:1")
        assert repost is not None and first is not None and repost.cluster_id == first.cluster_id
