"""The near-duplicate signature is bit for bit the first implementation's (stored signatures stay comparable).

``newscrawl.state.near.signature`` was rewritten for speed (one lookup per character instead of two
regular-expression passes, the 5- and 8-shingle hashes sharing their work, no ``np.errstate``).
Signatures are stored in every state file, and a sketch computed differently would no longer match
the stored ones: the reference below is a frozen copy of the first implementation, and the new one
must give the same bytes on every text.
"""

from __future__ import annotations

import re
import struct
import sys
import warnings

import numpy as np
import numpy.typing as npt
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from newscrawl.parsing.text import normalize_space
from newscrawl.state import near

# -- frozen reference: newscrawl/state/near.py as of 0.3.0 (do not "improve" it) ------------------------------

_NON_WORD = re.compile(r"[\W_]+")
_POLY = np.uint64(0x100000001B3)
_SEED_SKETCH = np.uint64(0x9E3779B97F4A7C15)
_SEED_ANCHOR = np.uint64(0xD1B54A32D192ED03)
_BIN_SHIFT = np.uint64(64 - 7)
_ROTATE = np.uint64(0x632BE59BD9B4E019)
_BIN_INDEX = np.arange(128)
SHINGLE, ANCHOR_SHINGLE, SKETCH_BINS, SKETCH_BYTES = 5, 8, 128, 32
ANCHOR_CHOICES, PROBES, ANCHOR_REGION = 6, 24, (0.2, 0.8)
_HEADER = struct.Struct("<BBB")
_VERSION = 1


def reference_normalize(text: str | None) -> str:
    """The text shingles are taken from: NFC, case-folded, no whitespace, no punctuation."""
    return _NON_WORD.sub("", normalize_space(text).casefold())


def _mix(h: npt.NDArray[np.uint64]) -> npt.NDArray[np.uint64]:
    """splitmix64 finaliser: every input bit affects every output bit."""
    h = h ^ (h >> np.uint64(30))
    h = h * np.uint64(0xBF58476D1CE4E5B9)
    h = h ^ (h >> np.uint64(27))
    h = h * np.uint64(0x94D049BB133111EB)
    return h ^ (h >> np.uint64(31))


def _codes(norm: str) -> npt.NDArray[np.uint64]:
    return np.frombuffer(norm.encode("utf-32-le"), dtype="<u4").astype(np.uint64)


def shingle_hashes(norm: str | npt.NDArray[np.uint64], k: int, seed: np.uint64 = _SEED_SKETCH) -> npt.NDArray[np.uint64]:
    """64-bit hash of every ``k``-character shingle of ``norm`` (in order; a shorter text is one shingle)."""
    codes = _codes(norm) if isinstance(norm, str) else norm
    if codes.size == 0:
        return np.empty(0, dtype=np.uint64)
    k = min(k, codes.size)
    n = codes.size - k + 1
    h = np.full(n, seed, dtype=np.uint64)
    with np.errstate(over="ignore"):
        for j in range(k):
            h *= _POLY
            h += codes[j:j + n]
        return _mix(h)


def _sketch(hashes: npt.NDArray[np.uint64]) -> bytes:
    """One-permutation MinHash of ``hashes`` (bin = top 7 bits), 2 bits per bin, packed."""
    if hashes.size == 0:
        return bytes(SKETCH_BYTES)
    u = np.sort(hashes)  # the first value of each bin is its minimum (duplicates do no harm)
    bins = np.arange(SKETCH_BINS, dtype=np.uint64)
    idx = np.searchsorted(u, bins << _BIN_SHIFT)
    present = idx < u.size
    present[present] = (u[idx[present]] >> _BIN_SHIFT) == bins[present]
    # Rotation densification: an empty bin takes the next non-empty bin to its right
    # (circularly), shifted by its distance, so equal texts still agree and the
    # estimate stays unbiased for short texts.
    filled = np.flatnonzero(present)
    nxt = filled[np.searchsorted(filled, _BIN_INDEX) % filled.size]
    dist = ((nxt - _BIN_INDEX) % SKETCH_BINS).astype(np.uint64)
    with np.errstate(over="ignore"):
        values = _mix(u[idx[nxt]] + dist * _ROTATE)
    codes = (values & np.uint64(3)).astype(np.uint8).reshape(-1, 4)
    return (codes[:, 0] | (codes[:, 1] << 2) | (codes[:, 2] << 4) | (codes[:, 3] << 6)).tobytes()


def _smallest_keys(hashes: npt.NDArray[np.uint64], n: int) -> list[int]:
    """The ``n`` smallest distinct hashes, as signed 32-bit keys (ordered by hash, keyed by other bits)."""
    if hashes.size == 0:
        return []
    u = np.sort(hashes)
    u = u[np.concatenate(([True], u[1:] != u[:-1]))][:n]
    keys: list[int] = (u & np.uint64(0xFFFFFFFF)).astype(np.uint32).view(np.int32).tolist()
    return keys


def reference_signature(text: str | None) -> bytes:
    """Near-duplicate signature of ``text``: sketch, anchor choices and probes (at most 155 bytes).

    Deterministic across processes and machines (no salted ``hash()``). Only the
    32-byte sketch and ``ANCHORS`` of the anchor choices are stored by
    :class:`NearIndex`; the probes serve queries.
    """
    codes = _codes(reference_normalize(text))
    sketch = _sketch(shingle_hashes(codes, SHINGLE))
    h8 = shingle_hashes(codes, ANCHOR_SHINGLE, _SEED_ANCHOR)
    lo, hi = int(h8.size * ANCHOR_REGION[0]), max(1, int(np.ceil(h8.size * ANCHOR_REGION[1])))
    anchors = _smallest_keys(h8[lo:hi], ANCHOR_CHOICES)
    probes = _smallest_keys(h8, PROBES)
    return (_HEADER.pack(_VERSION, len(anchors), len(probes)) + sketch
            + struct.pack(f"<{len(anchors)}i", *anchors) + struct.pack(f"<{len(probes)}i", *probes))


# -- the tests -------------------------------------------------------------------------------------------------

TEXTS = [
    "", " ", "가", "가나다라", "가나다라마", "가나다라마바사", "가나다라마바사아", "가나다라마바사아자",
    "한빛시는 5일 시청 대회의실에서 청년 정책 토론회를 열었다고 밝혔다.\n\n토론회에는 청년 100여 명이 참석했다.",
    "Ünïcode ＡＢＣ ｶﾀｶﾅ ß ǅ ﬁ İ 𝔘𝔫𝔦 😀👍🏽 a_b_c x\u200by e\u0301 \ufeffBOM \x00\x07 tab\tnl\n",
    "___ --- ... !!!", "١٢٣ ๑๒๓ Ⅻ ½ ²³", "\ud800 lone \udfff surrogates 가나다라마바사아",
    "반복 " * 400, "가" * 5000,
]


@pytest.mark.parametrize("text", TEXTS)
def test_signature_equals_the_reference(text: str) -> None:
    assert near.signature(text) == reference_signature(text)


@given(st.text(st.characters(codec="utf-8"), max_size=300))
@example("가나다라마바사")
@example("ABCDEFGH")
@settings(max_examples=300, deadline=None)
def test_signature_equals_the_reference_on_any_text(text: str) -> None:
    assert near.signature(text) == reference_signature(text)


@given(st.lists(st.sampled_from(["한빛시", "청년", " ", "\n\n", "정책", ".", "100", "ß", "😀", "_", "\u200b", "e\u0301"]),
                max_size=400))
@settings(max_examples=200, deadline=None)
def test_signature_equals_the_reference_on_long_korean_like_texts(words: list[str]) -> None:
    text = "".join(words)
    assert near.signature(text) == reference_signature(text)


def test_word_codes_keep_exactly_what_normalize_keeps_for_every_code_point() -> None:
    """All 1,114,112 code points through both paths (lone surrogates included)."""
    every = "".join(chr(c) for c in range(sys.maxunicode + 1))
    expected = reference_normalize(every)
    got = near._word_codes(every)
    assert got.tolist() == [ord(c) for c in expected]


def test_signature_raises_no_numpy_warning() -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for text in TEXTS:
            near.signature(text)
