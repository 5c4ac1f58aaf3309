"""The persistent SeenStore (newscrawl.state): lookups, upserts, durability, URIs."""

from __future__ import annotations

import signal
import sqlite3
import subprocess
import sys
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest

from newscrawl.config import project_settings
from newscrawl.parsing.text import content_hash
from newscrawl.state.near import signature
from newscrawl.state.store import (
    Change,
    SeenStore,
    SQLiteSeenStore,
    content_key,
    content_prefix,
    key64,
    open_store,
)

ROOT = Path(__file__).resolve().parents[2]
KST = timezone(timedelta(hours=9))
T0 = datetime(2024, 3, 1, 9, 0, tzinfo=UTC)
BODY = ("누리군은 출퇴근 시간 마을버스 배차 간격을 평균 5분 줄인다고 3일 밝혔다. 군은 교통량 조사 결과를 토대로 노선 "
        "6개의 운행 시간표를 조정했다. 버스 정류장 420곳에는 실시간 도착 안내 단말기가 새로 설치된다. 교통 약자를 "
        "위한 저상버스 도입도 단계적으로 확대할 방침이다. 이정환 군수는 대중교통이 자가용보다 편리한 도시를 "
        "만들겠다고 말했다.")
COPY = "[한빛일보=김하늘 기자] 누리군이 마을버스를 늘린다. " + BODY.split(". ", 1)[1].replace("방침이다", "계획이다")


@pytest.fixture(params=["sqlite", "postgresql"])
def store(request: pytest.FixtureRequest) -> SQLiteSeenStore:
    """The store contract holds for both stores: SQLite in memory, and PostgreSQL (a fresh database)."""
    s = open_store("memory://" if request.param == "sqlite" else request.getfixturevalue("pg_uri"))
    assert isinstance(s, SeenStore)
    yield s
    s.close()


def test_memory_store_satisfies_the_protocol(store: SQLiteSeenStore) -> None:
    assert isinstance(store, SeenStore)
    assert len(store) == 0 and list(store) == []


def test_record_and_every_lookup(store: SQLiteSeenStore) -> None:
    digest = content_hash(BODY)
    rec, change = store.record("news21tongsin:278440", url="https://news21tongsin.co.kr/news/view.php?idx=278440",
                               content_hash=digest, published_at=datetime(2024, 3, 1, 9, 42, 31, tzinfo=KST),
                               seen_at=T0)
    assert change is Change.NEW
    assert rec.article_id == "news21tongsin:278440" and rec.revision == 1 and rec.cluster_id == rec.key
    assert rec.first_seen == rec.last_seen == T0
    assert rec.published_at == datetime(2024, 3, 1, 0, 42, 31, tzinfo=UTC) and rec.modified_at is None
    assert rec.content_hash == content_key(digest) and content_prefix(rec.content_hash) == digest[:16]
    assert rec.same_content(digest) and not rec.same_content("0" * 64)
    assert store.get(article_id="news21tongsin:278440") == rec
    assert store.get(url="https://news21tongsin.co.kr/news/view.php?idx=278440") == rec
    assert store.get(content_hash=digest) == rec
    assert store.get(key=rec.key) == rec
    assert store.get(article_id="news21tongsin:278441") is None
    assert store.get(article_id="unknownsite:278440") is None
    assert store.get(url="https://news21tongsin.co.kr/news/view.php?idx=1") is None
    assert store.get(content_hash=content_hash("다른 본문")) is None
    with pytest.raises(TypeError):
        store.get()
    with pytest.raises(TypeError):
        store.get(article_id="a:1", url="u")


@pytest.mark.parametrize("article_id", ["news21tongsin:278440", "joongboo:0", "kado:00123", "site:slug-어린이-2024",
                                        "https://x.example/news/1", "no-colon", "12345", ":7", "a:b:c",
                                        "big:99999999999999999999"])
def test_article_ids_round_trip(store: SQLiteSeenStore, article_id: str) -> None:
    store.record("news21tongsin:1", seen_at=T0)
    rec, _ = store.record(article_id, seen_at=T0)
    assert rec.article_id == article_id
    assert store.get(article_id=article_id) == rec
    assert [r.article_id for r in store] == ["news21tongsin:1", article_id]


def test_upsert_counts_revisions(store: SQLiteSeenStore) -> None:
    first, _ = store.record("kado:1", url="https://kado.net/a?idxno=1", content_hash="h1", seen_at=T0)
    same, change = store.record("kado:1", content_hash="h1", seen_at=T0 + timedelta(hours=1))
    assert change is Change.UNCHANGED and same.revision == 1
    assert same.first_seen == T0 and same.last_seen == T0 + timedelta(hours=1)
    assert same.url_hash == first.url_hash  # kept when not given
    edited = datetime(2024, 3, 2, 10, 0, tzinfo=KST)
    new, change = store.record("kado:1", url="https://kado.net/b?idxno=1", content_hash="h2", modified_at=edited,
                               seen_at=T0 + timedelta(hours=2))
    assert change is Change.CHANGED and new.revision == 2 and new.key == first.key
    assert new.modified_at == edited and new.same_content("h2")
    assert store.get(article_id="kado:1") == new
    assert store.get(content_hash="h1") is None and store.get(content_hash="h2") == new
    assert store.get(url="https://kado.net/b?idxno=1") == new
    # An older sighting never moves last_seen back.
    old, _ = store.record("kado:1", seen_at=T0)
    assert old.last_seen == T0 + timedelta(hours=2) and len(store) == 1


def test_content_and_url_lookups_with_several_articles(store: SQLiteSeenStore) -> None:
    a, _ = store.record("x:1", url="https://x/1", content_hash="same", seen_at=T0)
    b, _ = store.record("x:2", url="https://x/1", content_hash="same", seen_at=T0 + timedelta(minutes=1))
    assert store.get(content_hash="same") == a  # the first one: what a re-post duplicates
    assert store.get(url="https://x/1") == b  # the latest one seen under that URL


def test_times_must_be_aware(store: SQLiteSeenStore) -> None:
    with pytest.raises(ValueError, match="aware"):
        store.record("x:1", published_at=datetime(2024, 3, 1, 9, 0))
    with pytest.raises(ValueError, match="required"):
        store.record("")
    assert len(store) == 0


def test_clusters_and_near_duplicates(store: SQLiteSeenStore) -> None:
    original, _ = store.record("a:1", content_hash=content_hash(BODY), signature=signature(BODY), seen_at=T0)
    sig = signature(COPY)
    matches = store.near_duplicates(sig)
    assert [(r.article_id, r.cluster_id) for r, _ in matches] == [("a:1", original.key)]
    assert matches[0][1] >= 0.35
    copy, _ = store.record("b:9", content_hash=content_hash(COPY), signature=sig, cluster_id=matches[0][0].cluster_id)
    assert copy.cluster_id == original.key != copy.key
    assert store.get(article_id="b:9").cluster_id == original.key
    assert {r.article_id for r, _ in store.near_duplicates(sig)} == {"a:1", "b:9"}
    assert store.near_duplicates(signature("전혀 다른 내용의 문화 축제 기사입니다. 봄꽃축제가 다음 달 개막한다.")) == []
    # A rewritten article gets the new sketch.
    other = "다온시는 가을 음악축제를 사흘간 연다고 밝혔다. 축제 기간에는 지역 예술인 공연과 먹거리 장터가 운영된다. " * 2
    _, change = store.record("a:1", content_hash=content_hash(other), signature=signature(other))
    assert change is Change.CHANGED
    assert [r.article_id for r, _ in store.near_duplicates(sig)] == ["b:9"]
    assert [r.article_id for r, _ in store.near_duplicates(signature(other))] == ["a:1"]


def test_batch_commits_together_or_not_at_all(store: SQLiteSeenStore) -> None:
    with store.batch():
        store.record("s:1", seen_at=T0)
        with store.batch():  # nested: joins the outer transaction
            store.record("s:2", seen_at=T0)
    assert len(store) == 2
    with pytest.raises(RuntimeError), store.batch():
        store.record("s:3", seen_at=T0)
        store.record("newsite:4", seen_at=T0)
        raise RuntimeError("spider error")
    assert len(store) == 2 and store.get(article_id="s:3") is None
    rec, _ = store.record("newsite:5", seen_at=T0)  # the rolled-back site number is not reused wrongly
    assert store.get(article_id="newsite:5") == rec


def test_persists_across_reopen_with_wal(tmp_path: Path) -> None:
    uri = f"sqlite:///{tmp_path}/state/s.sqlite"  # four slashes: absolute path
    assert uri.startswith("sqlite:////")
    with open_store(uri) as store:
        assert store.conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert store.conn.execute("PRAGMA synchronous").fetchone()[0] == 1  # NORMAL
        assert store.conn.execute("PRAGMA busy_timeout").fetchone()[0] >= 5000
        with store.batch():
            for i in range(50):
                store.record(f"news21tongsin:{i}", url=f"https://n/{i}", content_hash=f"h{i}", seen_at=T0)
        store.record("kado:7", content_hash=content_hash(BODY), signature=signature(BODY), seen_at=T0)
    assert (tmp_path / "state" / "s.sqlite").is_file()
    with open_store(uri) as store:
        assert len(store) == 51
        assert store.get(article_id="news21tongsin:49").first_seen == T0
        assert store.get(url="https://n/3").article_id == "news21tongsin:3"
        assert store.get(content_hash="h7").article_id == "news21tongsin:7"
        assert [r.article_id for r, _ in store.near_duplicates(signature(COPY))] == ["kado:7"]
        assert store.conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"


def test_relative_uri_creates_parent_dirs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    default = project_settings()["NEWSCRAWL_STATE_URI"]
    assert default == "sqlite:///.newscrawl/state.sqlite"
    open_store(default).close()
    assert (tmp_path / ".newscrawl" / "state.sqlite").is_file()
    with open_store("sqlite:///a/b/c.sqlite") as store:
        store.record("x:1")
    assert (tmp_path / "a" / "b" / "c.sqlite").is_file()


@pytest.mark.parametrize("uri", ["redis://localhost:6379/0", "sqlite:///", "state.sqlite", "mysql://x/y", ""])
def test_bad_uris(uri: str) -> None:
    with pytest.raises(ValueError, match="state URI"):
        open_store(uri)


def test_newer_schema_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "s.sqlite"
    SQLiteSeenStore(path).close()
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA user_version = 99")
    conn.close()
    with pytest.raises(RuntimeError, match="newer"):
        SQLiteSeenStore(path)


_WRITER = r"""
import sys
from datetime import UTC, datetime
from newscrawl.state.near import signature
from newscrawl.state.store import open_store

store = open_store(sys.argv[1])
seen = datetime(2024, 3, 1, tzinfo=UTC)
for batch in range(1, 1000):
    with store.batch():
        for i in range(200):
            n = batch * 1000 + i
            store.record(f"kill:{n}", url=f"https://k/{n}", content_hash=f"h{n}",
                         signature=signature(f"본문 {n}번 기사는 여기서 시작해 조금 더 길게 이어진다"), seen_at=seen)
            if i == 100:
                print("mid", batch, flush=True)
    print("committed", batch, flush=True)
"""


def test_kill_9_mid_batch_loses_only_that_batch(tmp_path: Path) -> None:
    uri = f"sqlite:///{tmp_path}/kill.sqlite"
    proc = subprocess.Popen([sys.executable, "-c", _WRITER, uri], cwd=ROOT, stdout=subprocess.PIPE, text=True)
    try:
        assert proc.stdout is not None
        for line in proc.stdout:
            if line.split() == ["mid", "4"]:  # batches 1-3 committed, batch 4 half written
                proc.send_signal(signal.SIGKILL)
                break
        proc.wait(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == -signal.SIGKILL
    with open_store(uri) as store:
        assert store.conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        assert len(store) == 600
        assert store.get(article_id="kill:3199").url_hash == key64("https://k/3199")
        assert store.get(content_hash="h1000") is not None
        assert store.get(article_id="kill:4000") is None
        filed = "SELECT count(DISTINCT key) FROM (SELECT key FROM near_fresh UNION ALL SELECT key FROM near_anchor)"
        assert store.near.conn.execute(filed).fetchone()[0] == 600
        store.record("kill:5", seen_at=T0)  # still writable
        assert len(store) == 601


def _job(job_id: str, outlet: str, started: str, **extra: object) -> dict[str, object]:
    return {"job_id": job_id, "outlet": outlet, "started_at": started, "outcome": "running", **extra}


def test_job_records_are_kept_replaced_by_their_end_and_listed_newest_first(store: SQLiteSeenStore) -> None:
    store.put_job(_job("a", "news21tongsin", "2026-12-01T10:00:00+00:00"))
    store.put_job(_job("b", "hanbitilbo", "2026-12-01T10:05:00+00:00"))
    # The same attempt ending: its record is replaced, not added.
    store.put_job(_job("a", "news21tongsin", "2026-12-01T10:00:00+00:00", outcome="ok", exit_status=0,
                       report={"counts": {"exported": 3}, "site": "뉴스21"}))
    # The same job redelivered after its worker died: a second attempt, a second record.
    store.put_job(_job("a", "news21tongsin", "2026-12-01T11:00:00+09:00", outcome="ok", redelivered=True))
    jobs = store.jobs()
    assert [(j["job_id"], j["started_at"], j["outcome"]) for j in jobs] == [
        ("b", "2026-12-01T10:05:00+00:00", "running"),
        ("a", "2026-12-01T10:00:00+00:00", "ok"),
        ("a", "2026-12-01T11:00:00+09:00", "ok"),  # 02:00 UTC: the oldest
    ]
    assert jobs[1]["report"] == {"counts": {"exported": 3}, "site": "뉴스21"}
    assert [j["job_id"] for j in store.jobs(outlet="news21tongsin", limit=1)] == ["a"]
    assert store.jobs(outlet="nowhere") == []
    with pytest.raises(ValueError, match="no time zone"):
        store.put_job(_job("c", "x", "2026-12-01T10:00:00"))


def test_job_records_survive_reopening_and_a_file_without_the_table_reads_as_none(tmp_path: Path) -> None:
    path = tmp_path / "state.sqlite"
    with SQLiteSeenStore(path) as s:
        s.put_job(_job("a", "o", "2026-12-01T10:00:00+00:00"))
    with SQLiteSeenStore(path, readonly=True) as s:
        assert [j["job_id"] for j in s.jobs()] == ["a"]
    old = tmp_path / "old.sqlite"
    with SQLiteSeenStore(old) as s:  # a state no worker wrote to has no job table (its size is unchanged)
        assert s.conn.execute("SELECT count(*) FROM sqlite_master WHERE name = 'job'").fetchone() == (0,)
    with SQLiteSeenStore(old, readonly=True) as s:
        assert s.jobs() == []
    with SQLiteSeenStore(old) as s:  # the next writer adds the table
        s.put_job(_job("a", "o", "2026-12-01T10:00:00+00:00"))
        assert len(s.jobs()) == 1
