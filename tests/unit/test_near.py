"""Near-duplicate signatures and their SQLite index (newscrawl.state.near)."""

from __future__ import annotations

import importlib.util
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from newscrawl.state import near
from newscrawl.state.near import (
    DEFAULT_THRESHOLD,
    SKETCH_BYTES,
    NearIndex,
    Signature,
    normalize,
    signature,
    similarity,
)

ROOT = Path(__file__).resolve().parents[2]
_spec = importlib.util.spec_from_file_location("bench_near_duplicates", ROOT / "scripts" / "bench_near_duplicates.py")
assert _spec and _spec.loader
bench = importlib.util.module_from_spec(_spec)
sys.modules["bench_near_duplicates"] = bench  # dataclasses look their module up
_spec.loader.exec_module(bench)

RELEASE = (
    "한빛시는 홀몸 어르신과 저소득 가구를 대상으로 한 복지 지원 사업을 확대한다고 5일 밝혔다.\n\n"
    "지원 대상은 기준 중위소득 50% 이하 가구로, 약 640가구가 혜택을 받을 것으로 예상된다. "
    "시는 읍면동 행정복지센터를 통해 대상 가구를 직접 방문해 생활 실태를 점검할 계획이다.\n\n"
    "홀몸 어르신 가정에는 주 2회 안부 전화와 월 1회 방문 상담이 제공된다. "
    "지난해에는 위기 가구 7곳을 조기에 발견해 긴급 생계비를 지원했다.\n\n"
    '박서한 시장은 "도움이 필요한 이웃이 한 명도 빠지지 않도록 촘촘한 복지망을 만들겠다"고 말했다.\n\n'
    "신청은 다음 달 말까지 주소지 행정복지센터에서 할 수 있다. 문의는 한빛시청 복지정책과로 하면 된다."
)
# Another outlet's copy: new lead, dateline, a word changed, last paragraph cut, spacing changed.
COPY = (
    "[새솔타임즈=김하늘 기자] 한빛시가 취약계층 복지 지원을 늘린다.\n\n"
    "지원 대상은 기준 중위소득 50% 이하 가구로,  약 640가구가 혜택을 받을 것으로 예상된다. "
    "시는 읍면동 행정복지센터를 통해 대상 가구를 직접 방문해 생활 실태를 점검할 방침이다.\n\n"
    "홀몸 어르신 가정에는 주 2회 안부 전화와 월 1회 방문 상담이 제공된다.\n"
    "지난해에는 위기 가구 7곳을 조기에 발견해 긴급 생계비를 지원했다.\n\n"
    '박서한 시장은 “도움이 필요한 이웃이 한 명도 빠지지 않도록 촘촘한 복지망을 만들겠다”고 말했다.'
)
# Same city, same topic, another release.
OTHER = (
    "한빛시는 올해 복지 분야에 35억 원을 투입해 취약계층 지원을 강화하겠다고 12일 밝혔다.\n\n"
    "시는 인공지능 돌봄 스피커 900대를 보급하고 읍면동 복지 담당 인력 4명을 추가 배치한다. "
    "찾아가는 복지상담소도 3곳으로 늘려 상담 대기 시간을 줄일 계획이다.\n\n"
    '박서한 시장은 "어르신들이 안심하고 생활할 수 있는 환경을 만드는 데 힘쓰겠다"고 말했다.\n\n'
    "문의는 한빛시청 복지정책과로 하면 된다."
)


def test_normalize_drops_spacing_punctuation_and_case() -> None:
    assert normalize(" 한빛시는,  5일\xa0밝혔다. ABC ") == "한빛시는5일밝혔다abc"
    assert normalize(None) == ""


def test_signature_is_compact_and_parses() -> None:
    sig = signature(RELEASE)
    parsed = Signature.parse(sig)
    assert len(parsed.sketch) == SKETCH_BYTES == 32
    assert len(parsed.anchors) == near.ANCHOR_CHOICES and len(parsed.probes) == near.PROBES
    assert len(sig) <= 3 + 32 + 4 * (near.ANCHOR_CHOICES + near.PROBES)
    assert signature(RELEASE) == sig


def test_signature_is_stable_across_processes() -> None:
    # No salted hash(): another interpreter (another PYTHONHASHSEED) gives the same bytes.
    code = "import sys; from newscrawl.state.near import signature; sys.stdout.write(signature(sys.argv[1]).hex())"
    out = subprocess.run([sys.executable, "-c", code, RELEASE], cwd=ROOT, capture_output=True, text=True, check=True,
                         env={"PYTHONHASHSEED": "123", "PATH": "/usr/bin:/bin"})
    assert out.stdout == signature(RELEASE).hex()


def test_layout_changes_do_not_matter() -> None:
    relaid = RELEASE.replace(" ", "  ").replace("\n\n", "\n").replace(".", " .")
    assert similarity(signature(RELEASE), signature(relaid)) == 1.0


def test_similarity_separates_copy_from_same_topic_release() -> None:
    assert similarity(signature(RELEASE), signature(COPY)) >= DEFAULT_THRESHOLD + 0.1
    assert similarity(signature(RELEASE), signature(OTHER)) < DEFAULT_THRESHOLD - 0.1
    # A stored sketch compares like the full signature.
    assert similarity(Signature.parse(signature(RELEASE)).sketch, signature(COPY)) == similarity(
        signature(RELEASE), signature(COPY))


def test_empty_and_tiny_texts() -> None:
    index = NearIndex(sqlite3.connect(":memory:"))
    for text in ("", None, "가", "짧은 글"):
        sig = signature(text)
        index.add(len(index) + 1, sig)
        assert Signature.parse(sig).sketch
    assert index.query(signature("")) == []
    assert [m.key for m in index.query(signature("짧은 글"))] == [4]


def test_bad_signatures_are_rejected() -> None:
    with pytest.raises(ValueError, match="too short"):
        Signature.parse(b"")
    with pytest.raises(ValueError, match="version"):
        Signature.parse(b"\x09" + signature(RELEASE)[1:])
    with pytest.raises(ValueError, match="bad length"):
        Signature.parse(signature(RELEASE)[:-1])


def test_index_finds_the_copy_not_the_other_release() -> None:
    index = NearIndex(sqlite3.connect(":memory:"))
    index.add(1, signature(RELEASE))
    index.add(2, signature(OTHER))
    matches = index.query(signature(COPY))
    assert [m.key for m in matches] == [1]
    assert DEFAULT_THRESHOLD <= matches[0].similarity <= 1.0
    assert index.query(signature(RELEASE))[0] == (1, 1.0)
    assert 1 in index.candidates(signature(COPY))
    # Threshold and limit per query.
    assert len(index.query(signature(COPY), threshold=0.01, limit=1)) == 1
    assert index.query(signature(COPY), threshold=1.0) == []
    assert len(index) == 2
    assert index.sketch(1) == Signature.parse(signature(RELEASE)).sketch and index.sketch(9) is None


def test_re_adding_a_key_replaces_its_sketch() -> None:
    index = NearIndex(sqlite3.connect(":memory:"))
    index.add(1, signature(RELEASE))
    index.add(1, signature(OTHER))  # the article was rewritten
    assert len(index) == 1
    assert [m.key for m in index.query(signature(OTHER))] == [1]
    assert index.query(signature(COPY)) == []  # old anchors still point at key 1, the sketch says no


def test_index_persists_across_connections(tmp_path: Path) -> None:
    path = tmp_path / "near.sqlite"
    conn = sqlite3.connect(path)
    NearIndex(conn).add_many([(10, signature(RELEASE)), (11, signature(OTHER))])
    conn.commit()
    conn.close()
    index = NearIndex(sqlite3.connect(path), threshold=0.5)
    assert len(index) == 2
    assert [m.key for m in index.query(signature(COPY), threshold=DEFAULT_THRESHOLD)] == [10]


def test_index_writes_join_the_callers_transaction() -> None:
    conn = sqlite3.connect(":memory:", isolation_level=None)
    conn.execute("BEGIN")
    index = NearIndex(conn)
    index.add(1, signature(RELEASE))
    conn.execute("ROLLBACK")
    assert conn.execute("SELECT count(*) FROM sqlite_schema").fetchone()[0] == 0


def test_sketches_in_the_callers_table() -> None:
    conn = sqlite3.connect(":memory:")
    conn.execute("CREATE TABLE doc (key INTEGER PRIMARY KEY, sketch BLOB)")
    conn.executemany("INSERT INTO doc (key) VALUES (?)", [(1,), (2,)])
    index = NearIndex(conn, table="doc")
    index.add(1, signature(RELEASE))
    assert len(index) == 1  # key 2 has no sketch yet
    assert [m.key for m in index.query(signature(COPY))] == [1]
    assert conn.execute("SELECT count(*) FROM sqlite_schema WHERE name = 'near_sketch'").fetchone()[0] == 0
    with pytest.raises(ValueError):
        NearIndex(conn, table="doc; DROP TABLE doc")
    with pytest.raises(ValueError):
        NearIndex(conn, threshold=0)


def test_boilerplate_anchors_are_not_reused() -> None:
    # Many articles share a long stock paragraph; anchors go to what is particular to each.
    stock = "자세한 내용은 한빛시청 누리집에서 확인할 수 있으며 문의는 한빛시청 복지정책과로 하면 된다. " * 3
    index = NearIndex(sqlite3.connect(":memory:"))
    for i in range(near.ANCHOR_CAP + 20):
        index.add(i, signature(f"{stock}올해 {i}번째 사업으로 {i * 7}가구에 난방비 {i + 3}억 원을 지원한다. {stock}"))
    filed = "SELECT anchor FROM near_fresh UNION ALL SELECT anchor FROM near_anchor"
    rows = index.conn.execute(f"SELECT max(n) FROM (SELECT count(*) n FROM ({filed}) GROUP BY anchor)").fetchone()
    assert rows[0] <= near.ANCHOR_CAP


def test_precision_and_recall_on_a_labelled_sample() -> None:
    pairs = bench.make_pairs(400, seed=11)
    assert sum(p.duplicate for p in pairs) == 200 and any(p.kind == "hard" for p in pairs)
    scores = bench.evaluate(pairs)[DEFAULT_THRESHOLD]
    assert scores.precision >= 0.95, scores
    assert scores.recall >= 0.95, scores
