"""Schema 3 (issue 13): fresh rows in small indexes merged into big ones, and the migration of a v0.3.0 state.

``state_v030.sql`` is the SQL dump (``iterdump``) of a state written by newscrawl 0.3.0 (schema 2):
eight articles of ``hanbit`` (article 1001 revised once, 1101 a near duplicate of it in its cluster),
a non-decimal id, an id without an outlet prefix, a remembered reject, items and a meta value.
"""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from newscrawl.state import near
from newscrawl.state import store as store_module
from newscrawl.state.near import signature
from newscrawl.state.store import ITEMS_SINCE, SCHEMA_VERSION, Change, SQLiteSeenStore, StateError, key64

T0 = datetime(2024, 5, 1, 9, 0, tzinfo=UTC)
DUMP = Path(__file__).with_name("state_v030.sql")
RELEASE = ("한빛시는 올해 겨울철 난방비 부담을 덜기 위해 저소득 가구 3천여 곳에 가구당 20만 원의 에너지 바우처를 지급한다고 밝혔다. "
           "시는 다음 달 1일부터 읍면동 행정복지센터에서 신청을 받으며 기초생활수급자와 차상위계층을 우선 지원한다. "
           "지원 대상은 소득 기준과 난방 방식에 따라 정해지며 신청서와 신분증을 가져오면 된다. "
           "시 관계자는 한파가 길어질 것으로 예상돼 지원 규모를 지난해보다 두 배 늘렸다고 설명했다.")


def url(number: int) -> str:
    return f"https://hanbit.example/news/articleView.html?idxno={number}"


def v030_state(tmp_path: Path) -> Path:
    path = tmp_path / "state.sqlite"
    conn = sqlite3.connect(path)
    conn.executescript(DUMP.read_text("utf-8"))
    conn.execute("PRAGMA user_version=2")
    conn.close()
    return path


def test_a_v030_state_is_migrated_and_answers_as_before(tmp_path: Path) -> None:
    path = v030_state(tmp_path)
    with SQLiteSeenStore(path) as store:
        conn = store.conn
        assert conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION == 3
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        indexes = {name for (name,) in conn.execute("SELECT name FROM sqlite_master WHERE type = 'index'")}
        assert not indexes & {"article_id", "article_url_hash", "article_content_hash"}  # schema 2's, rebuilt
        assert {"article_id_merged", "article_url_fresh", "article_content_merged"} <= indexes
        assert len(store) == 12
        # every old row is a merged one: found through the big indexes
        assert conn.execute("SELECT count(*) FROM article WHERE fresh IS NOT NULL").fetchone()[0] == 0
        for record in store:
            assert store.get(article_id=record.article_id) == record
            assert store.get(key=record.key) == record
        first = store.get(article_id="hanbit:1001")
        assert first is not None and first.revision == 2 and first.first_seen == T0
        assert store.get(url=url(1005)) == store.get(article_id="hanbit:1005")
        assert store.get(content_hash="5" * 64) == store.get(article_id="hanbit:1005")
        assert store.get(content_hash="a" * 64) == first  # the revision's hash
        assert store.get(content_hash="1" * 64) is None  # replaced by the revision
        slug = store.get(article_id="bada:slug-news-7")
        assert slug is not None and slug.url_hash == key64("https://bada.example/n/slug-news-7")
        assert store.get(article_id="https://noprefix.example/a") is not None
        copy = store.get(article_id="hanbit:1101")
        assert copy is not None and copy.cluster_id == first.key
        # near duplicates filed by 0.3.0 are found
        (match, similarity), = store.near_duplicates(signature(RELEASE + " 한빛일보 김하늘 기자"), limit=1)
        assert match.article_id in ("hanbit:1001", "hanbit:1101") and similarity > 0.8
        # the dataset and the meta values
        latest = store.latest_item("hanbit:1001")
        assert latest is not None and latest.revision == 2 and latest.item["title"] == "기사 1 (수정)"
        assert store.latest_item("hanbit:2000") is None
        reject = store.latest_item("hanbit:2000", include_rejects=True)
        assert reject is not None and reject.kind == "reject"
        assert store.has_item("bada:slug-news-7") and not store.has_item("hanbit:1101")
        assert store.count_items() == 9 and store.count_items(revisions="all", include_rejects=True) == 11
        assert store.get_meta("sections-complete:hanbit") == "S1,S2"
        assert store.get_meta(ITEMS_SINCE) == "1796151047"  # kept: not reset by the migration
        # and it goes on: a new article, a known one seen again
        new, change = store.record("hanbit:3000", url=url(3000), content_hash="c" * 64,
                                   signature=signature(RELEASE.replace("한빛시", "바다시")), seen_at=T0)
        assert change is Change.NEW
        _, change = store.record("hanbit:1005", content_hash="5" * 64, seen_at=T0 + timedelta(days=3))
        assert change is Change.UNCHANGED
    with SQLiteSeenStore(path) as store:  # reopened: nothing migrated twice
        assert store.get(url=url(3000)) == new
        assert store.get(article_id="hanbit:1005").last_seen == T0 + timedelta(days=3)  # type: ignore[union-attr]
        assert len(store) == 13


def test_a_v030_state_is_only_read_not_migrated_by_a_reader(tmp_path: Path) -> None:
    path = v030_state(tmp_path)
    with pytest.raises(StateError, match="has state schema 2, not 3"):
        SQLiteSeenStore(path, readonly=True)
    assert sqlite3.connect(path).execute("PRAGMA user_version").fetchone()[0] == 2


def test_fresh_rows_are_merged_and_every_lookup_sees_both(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(store_module, "FRESH_LIMIT", 8)
    monkeypatch.setattr(near, "FRESH_ROWS", 10)
    texts = {i: f"{RELEASE} 이번이 {i}번째 공고로 {i * 37}가구가 대상이며 담당 부서는 복지{i}과다." for i in range(43)}
    with SQLiteSeenStore(tmp_path / "s.sqlite") as store:
        for lo in range(0, 43, 5):
            with store.batch():
                for i in range(lo, min(lo + 5, 43)):
                    store.record(f"m:{i}", url=url(i), content_hash=f"{i:02d}" * 32, signature=signature(texts[i]),
                                 seen_at=T0 + timedelta(minutes=i))
        conn = store.conn
        fresh = conn.execute("SELECT count(*) FROM article WHERE fresh = 1").fetchone()[0]
        assert fresh == 3 and len(store) == 43  # merged at the commits that reached 8 new articles: 10, 20, 30, 40
        assert conn.execute("SELECT count(*) FROM near_fresh").fetchone()[0] < 10
        assert conn.execute("SELECT count(*) FROM near_anchor").fetchone()[0] > 0
        for i in range(43):
            record = store.get(article_id=f"m:{i}")
            assert record is not None and record.key == i + 1
            assert store.get(url=url(i)) == record == store.get(content_hash=f"{i:02d}" * 32)
        # an old (merged) row changed: its indexes follow
        store.record("m:0", url=url(100), content_hash="ff" * 32, seen_at=T0 + timedelta(days=1))
        assert store.get(url=url(100)).key == 1 and store.get(url=url(0)) is None  # type: ignore[union-attr]
        assert store.get(content_hash="ff" * 32).key == 1  # type: ignore[union-attr]
        # near duplicates of articles filed before and after the last merge
        for i in (3, 41):
            matches = store.near_duplicates(signature(texts[i] + " 김하늘 기자"), limit=40)
            assert matches and matches[0][0].key == i + 1
        # a rolled-back batch leaves the fresh rows (and their count) as they were
        with pytest.raises(RuntimeError), store.batch():
            for i in range(50, 60):
                store.record(f"m:{i}", url=url(i), signature=signature(texts[i % 40] + "x"), seen_at=T0)
            raise RuntimeError("stop")
        assert len(store) == 43 and store.get(article_id="m:55") is None
        assert conn.execute("SELECT count(*) FROM article WHERE fresh = 1").fetchone()[0] == fresh == store._fresh
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
