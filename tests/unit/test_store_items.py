"""The store holds the dataset: put_item / items / count_items / latest_item, and the schema-1 migration."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from newscrawl.state.store import SCHEMA, SCHEMA_VERSION, SQLiteSeenStore, StateError, pack_item, unpack_item

T0 = datetime(2024, 5, 1, 9, 0, tzinfo=UTC)


def item(article_id: str, title: str, **extra: object) -> dict[str, object]:
    return {"url": f"https://example.kr/{article_id}", "article_id": article_id, "title": title,
            "authors": ["홍길동"], "bylines": [{"name": "홍길동", "desk": None, "email": None}], **extra}


def filled() -> SQLiteSeenStore:
    store = SQLiteSeenStore(":memory:")
    with store.batch():
        for n, site in enumerate(("b", "a", "a", "c")):
            key = f"{site}:{n + 1}"
            store.record(key, published_at=T0 + timedelta(days=n))
            store.put_item(key, item(key, f"제목 {n}", revision=1), revision=1)
        store.put_item("a:2", item("a:2", "고친 제목", revision=2), revision=2)  # a revision
        store.record("a:9")  # a reject, never exported
        store.put_item("a:9", item("a:9", "", reject_reason="no_body"), revision=0, kind="reject")
        store.record("b:8", published_at=None)  # undated
        store.put_item("b:8", item("b:8", "날짜 없음"), revision=1)
    return store


def test_pack_round_trip_keeps_korean_key_order_and_is_compressed() -> None:
    record = item("news21tongsin:278440", "시청 예산 확정", body="시청은 올해 예산을 확정했다. " * 40)
    packed = pack_item(record)
    assert unpack_item(packed) == record
    assert list(unpack_item(packed)) == list(record)
    assert len(packed) < len(str(record).encode()) / 3
    with pytest.raises(ValueError, match="codec"):
        unpack_item(b"\x09" + packed[1:])


def test_items_latest_revision_ordered_by_site_then_date() -> None:
    store = filled()
    got = [(s.article_id, s.revision, s.item["title"]) for s in store.items()]
    assert got == [("a:2", 2, "고친 제목"), ("a:3", 1, "제목 2"), ("b:1", 1, "제목 0"), ("b:8", 1, "날짜 없음"),
                   ("c:4", 1, "제목 3")]
    assert store.count_items() == 5


def test_all_revisions_rejects_sites_and_dates() -> None:
    store = filled()
    assert [(s.article_id, s.revision) for s in store.items(revisions="all", sites=["a"])] == \
        [("a:2", 1), ("a:2", 2), ("a:3", 1)]
    rejects = [s for s in store.items(include_rejects=True) if s.kind == "reject"]
    assert [(s.article_id, s.revision, s.item["reject_reason"]) for s in rejects] == [("a:9", 0, "no_body")]
    assert store.count_items(include_rejects=True, revisions="all") == 7
    window = store.items(since=T0 + timedelta(days=1), until=T0 + timedelta(days=2))
    assert [s.article_id for s in window] == ["a:2", "a:3"]  # undated b:8 left out once a bound is given
    assert list(store.items(sites=["nowhere"])) == []
    with pytest.raises(ValueError, match="revisions"):
        list(store.items(revisions="newest"))


def test_a_reject_later_exported_is_not_a_reject_any_more() -> None:
    store = filled()
    store.put_item("a:9", item("a:9", "이제 기사"), revision=1)
    assert [s.kind for s in store.items(include_rejects=True, sites=["a"])] == ["article", "article", "article"]


def test_latest_item_and_replacing_a_revision() -> None:
    store = filled()
    latest = store.latest_item("a:2")
    assert latest is not None and latest.revision == 2 and latest.item["title"] == "고친 제목"
    assert store.latest_item("a:9") is None  # a reject is not an exported article
    assert store.latest_item("zz:1") is None
    store.put_item("a:3", item("a:3", "다시"), revision=1)  # full=true re-export: the same revision replaced
    assert store.count_items(revisions="all") == 6
    found = store.latest_item("a:3")
    assert found is not None and found.item["title"] == "다시"


def test_put_item_needs_a_recorded_article_and_sane_revision() -> None:
    store = filled()
    with pytest.raises(ValueError, match="record"):
        store.put_item("a:404", item("a:404", "x"), revision=1)
    with pytest.raises(ValueError, match="revision"):
        store.put_item("a:3", item("a:3", "x"), revision=0)
    with pytest.raises(ValueError, match="kind"):
        store.put_item("a:3", item("a:3", "x"), revision=1, kind="draft")


def test_items_roll_back_with_their_batch() -> None:
    store = filled()
    with pytest.raises(RuntimeError), store.batch():
        store.record("c:77")
        store.put_item("c:77", item("c:77", "사라질 기사"), revision=1)
        raise RuntimeError("feed write failed")
    assert store.latest_item("c:77") is None and store.get(article_id="c:77") is None


def test_schema_1_file_is_migrated_on_open(tmp_path: Path) -> None:
    path = tmp_path / "state.sqlite"
    conn = sqlite3.connect(path)
    for statement in SCHEMA.split(";"):
        if statement.strip() and "TABLE IF NOT EXISTS item" not in statement:
            conn.execute(statement)
    conn.execute("INSERT INTO site (id, prefix) VALUES (1, 'old')")
    conn.execute("INSERT INTO article (site, local, first_seen, last_seen, revision) VALUES (1, 5, 0, 0, 1)")
    conn.execute("PRAGMA user_version=1")
    conn.commit()
    conn.close()
    with SQLiteSeenStore(path) as store:
        assert store.get(article_id="old:5") is not None  # kept
        assert store.latest_item("old:5") is None  # exported before the dataset was kept
        store.put_item("old:5", item("old:5", "다시 받은 기사"), revision=1)
    with SQLiteSeenStore(path) as store:
        assert [s.item["title"] for s in store.items()] == ["다시 받은 기사"]
        assert store.conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION  # 2, then 3 (issue 13)


def test_a_read_only_store_reads_and_never_writes(tmp_path: Path) -> None:
    path = tmp_path / "state.sqlite"
    with SQLiteSeenStore(path) as store:
        store.record("a:1")
        store.put_item("a:1", item("a:1", "읽기 전용"), revision=1)
    before = path.read_bytes()
    with SQLiteSeenStore(path, readonly=True) as reader:
        assert [s.item["title"] for s in reader.items()] == ["읽기 전용"]
        with pytest.raises(sqlite3.OperationalError, match="readonly"):
            reader.record("a:2")
    assert path.read_bytes() == before
    with pytest.raises(StateError, match="does not exist"):
        SQLiteSeenStore(tmp_path / "missing.sqlite", readonly=True)
    assert not (tmp_path / "missing.sqlite").exists()


def test_a_read_only_open_does_not_migrate_a_schema_1_file(tmp_path: Path) -> None:
    path = tmp_path / "old.sqlite"
    conn = sqlite3.connect(path)
    for statement in SCHEMA.split(";"):
        if statement.strip() and "TABLE IF NOT EXISTS item" not in statement:
            conn.execute(statement)
    conn.execute("PRAGMA user_version=1")
    conn.commit()
    conn.close()
    with pytest.raises(StateError, match="schema 1"):
        SQLiteSeenStore(path, readonly=True)
    assert sqlite3.connect(path).execute("PRAGMA user_version").fetchone()[0] == 1
