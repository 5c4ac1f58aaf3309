"""State integrity: an untrusted state file is one clear StateError, never a silent fresh start; rebuild from the feeds."""

from __future__ import annotations

import hashlib
import json
import shutil
import sqlite3
from datetime import UTC, datetime
from pathlib import Path

import pytest

from newscrawl.state.near import signature
from newscrawl.state.rebuild import preflight, rebuild_state, site_articles, stale_problem
from newscrawl.state.store import (
    EXIT_BAD_STATE,
    SCHEMA_VERSION,
    SQLiteSeenStore,
    StateError,
    check_state_file,
    open_store,
)

BODY = "시청은 올해 예산을 확정했다. " * 10


def sha(n: int) -> str:
    return hashlib.sha256(str(n).encode()).hexdigest()


def make_state(path: Path, n: int = 2000) -> Path:
    with SQLiteSeenStore(path) as store, store.batch():
        for i in range(n):
            store.record(f"site{i % 3}:{i + 1}", url=f"https://example.kr/{i}", content_hash=sha(i))
    return path


@pytest.fixture(scope="module")
def good(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_state(tmp_path_factory.mktemp("good") / "state.sqlite")


def bad_copy(good: Path, tmp_path: Path, damage: str) -> Path:
    path = tmp_path / "state.sqlite"
    shutil.copy(good, path)
    size = path.stat().st_size
    if damage == "empty":
        path.write_bytes(b"")
    elif damage == "garbage":
        path.write_bytes(b"this is not a database\n" * 200)
    elif damage == "truncated":
        with path.open("r+b") as fh:
            fh.truncate(size // 2)
    elif damage == "short_header":
        path.write_bytes(path.read_bytes()[:60])
    elif damage == "pages":
        with path.open("r+b") as fh:  # a valid header, trashed b-tree pages in the middle
            fh.seek(size * 2 // 3)  # in the article pages (the schema's pages come first)
            fh.write(b"\xff" * 8192)
    return path


@pytest.mark.parametrize(("damage", "says"), [
    ("empty", "is empty (0 bytes)"),
    ("garbage", "is not an SQLite database"),
    ("truncated", "is truncated"),
    ("short_header", "shorter than an SQLite header"),
    # Trashed pages: quick_check reports them, or SQLite cannot even read the page it needs first.
    ("pages", ("fails PRAGMA quick_check", "is unreadable (database disk image is malformed)")),
])
def test_untrusted_files_raise_one_line_naming_file_and_fix(good: Path, tmp_path: Path, damage: str,
                                                             says: str | tuple[str, ...]) -> None:
    path = bad_copy(good, tmp_path, damage)
    before = path.read_bytes()
    for opener in (lambda: check_state_file(path), lambda: SQLiteSeenStore(path),
                   lambda: open_store(f"sqlite:///{path}")):
        with pytest.raises(StateError) as err:
            opener()
        message = str(err.value)
        assert any(s in message for s in ((says,) if isinstance(says, str) else says))
        assert str(path) in message and "\n" not in message
        assert "scrapy state check" in message and "scrapy state rebuild --from" in message
    assert path.read_bytes() == before  # never "repaired" into a new store
    assert EXIT_BAD_STATE == 65


def test_good_and_missing_files_pass(good: Path, tmp_path: Path) -> None:
    assert check_state_file(good) is True
    assert check_state_file(good, full=True) is True
    assert check_state_file(tmp_path / "new.sqlite") is False  # a first run
    store = SQLiteSeenStore(tmp_path / "new.sqlite")
    store.close()
    assert check_state_file(tmp_path / "new.sqlite") is True
    assert sorted(p.name for p in tmp_path.iterdir()) == ["new.sqlite"]  # the check leaves no -wal/-shm


def test_unknown_schema_version_and_foreign_database(good: Path, tmp_path: Path) -> None:
    newer = tmp_path / "newer.sqlite"
    shutil.copy(good, newer)
    conn = sqlite3.connect(newer)
    conn.execute(f"PRAGMA user_version={SCHEMA_VERSION + 1}")
    conn.close()
    with pytest.raises(StateError, match="newer than this newscrawl"):
        SQLiteSeenStore(newer)
    foreign = tmp_path / "foreign.sqlite"
    conn = sqlite3.connect(foreign)
    conn.execute("CREATE TABLE t (x)")
    conn.close()
    with pytest.raises(StateError, match="not a newscrawl state"):
        check_state_file(foreign)


def write_partition(path: Path, records: list[dict[str, object]]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a", encoding="utf-8") as fh:
        for record in records:
            fh.write(json.dumps(record, ensure_ascii=False) + "\n")


def article(n: int, **extra: object) -> dict[str, object]:
    return {"url": f"https://ex.kr/{n}", "canonical_url": f"https://ex.kr/{n}", "article_id": f"ex:{n}",
            "content_hash": sha(n), "body": f"{BODY} {n}", "published_at": "2026-11-30T09:00:00+09:00",
            "crawled_at": "2026-11-30T01:00:00+00:00", **extra}


def test_stale_rule_state_without_the_outlet_but_older_partitions(tmp_path: Path) -> None:
    out = tmp_path / "output"
    folder = out / "ex"
    today = folder / "2026-12-01.jsonl"
    state = tmp_path / "state.sqlite"
    # A first run (no state, no partition) and a crash recovery (only today's partition) are fine.
    assert preflight(f"sqlite:///{state}", "ex", folder, today) == state
    write_partition(today, [article(1)])
    assert preflight(f"sqlite:///{state}", "ex", folder, today) == state
    # An older partition with articles the state has never heard of: stop.
    write_partition(folder / "2026-11-30.jsonl", [article(2)])
    with pytest.raises(StateError) as err:
        preflight(f"sqlite:///{state}", "ex", folder, today)
    assert "does not exist" in str(err.value) and "2026-11-30.jsonl" in str(err.value)
    assert f"--from {out}" in str(err.value)
    SQLiteSeenStore(state).close()  # an empty store: the same
    with pytest.raises(StateError, match="knows no article of ex"):
        preflight(f"sqlite:///{state}", "ex", folder, today)
    with SQLiteSeenStore(state) as store:
        store.record("ex:2")
        assert site_articles(store, "ex") == 1 and site_articles(store, "other") == 0
    assert preflight(f"sqlite:///{state}", "ex", folder, today) == state
    assert stale_problem(0, "ex", folder / "none", None) is None
    assert preflight("memory://", "ex", folder, today) is None


def test_rebuild_from_partitions_restores_ids_urls_hashes_signatures_dates_revisions(tmp_path: Path) -> None:
    out = tmp_path / "output"
    write_partition(out / "ex" / "2026-11-29.jsonl", [article(1), article(2, cluster_id="ex:1"), article(3)])
    write_partition(out / "ex" / "2026-11-30.jsonl", [article(3, content_hash=sha(99))])  # an edit
    write_partition(out / "ex" / "2026-11-30.rejects.jsonl",
                    [{"url": "https://ex.kr/9", "article_id": "ex:9", "reject_reason": "body_too_short"},
                     {"url": "https://ex.kr/1", "article_id": "ex:1", "reject_reason": "x"}])
    (out / "ex" / "2026-11-30.jsonl").open("a").write("{not json\n")
    target = tmp_path / "state" / "state.sqlite"
    target.parent.mkdir()
    target.write_bytes(b"")  # the bad file
    counts, kept = rebuild_state(out, target, near_threshold=0.35)
    assert (counts.articles, counts.revisions, counts.rejects, counts.skipped) == (3, 1, 1, 1)
    assert kept is not None and kept.name.startswith("state.sqlite.corrupt-") and kept.read_bytes() == b""
    assert check_state_file(target, full=True)
    with SQLiteSeenStore(target) as store:
        assert len(store) == 4
        one, two, three = (store.get(article_id=f"ex:{n}") for n in (1, 2, 3))
        assert one is not None and two is not None and three is not None
        assert store.get(url="https://ex.kr/2") == two
        assert two.same_content(sha(2)) and two.cluster_id == one.key
        assert three.revision == 2 and three.same_content(sha(99))
        assert one.published_at == datetime(2026, 11, 30, 0, 0, tzinfo=UTC)
        assert one.first_seen == datetime(2026, 11, 30, 1, 0, tzinfo=UTC)
        assert store.near_duplicates(signature(f"{BODY} 1"), limit=1)[0][0].article_id in {"ex:1", "ex:2", "ex:3"}
        nine = store.get(article_id="ex:9")
        assert nine is not None and nine.content_hash is None
    assert sorted(p.name for p in target.parent.iterdir() if not p.name.startswith("state.sqlite.corrupt")) == [
        "state.sqlite"]


def test_a_new_state_file_appears_whole(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Created under a temporary name and linked in place: never the 0-byte file a later start would refuse."""
    import os

    seen: list[int] = []
    real_link = os.link

    def link(src: str | os.PathLike[str], dst: str | os.PathLike[str]) -> None:
        seen.append(Path(src).stat().st_size)
        real_link(src, dst)

    monkeypatch.setattr(os, "link", link)
    path = tmp_path / "state.sqlite"
    SQLiteSeenStore(path).close()
    assert seen and seen[0] > 0 and check_state_file(path)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["state.sqlite"]
