"""Near-duplicate detection: one cluster for one press release, however many outlets edit it.

Why: outlets publish the same release with a new lead sentence, their own dateline or
reporter line, the last paragraph cut and a few words changed. ``content_hash`` misses
all of those; two *different* releases of one city on one topic share names, offices
and stock phrases and must still stay apart.

Why not datasketch: its MinHash keeps 128 x 8 bytes per text (1 GB per million
articles) and its LSH storage is in memory, Redis or Cassandra, not the state store's
SQLite file. What is used instead is short and documented here (numpy only).

How
---
Text is NFC-normalised, case-folded and stripped of whitespace and punctuation (Korean
spacing differs between outlets and word boundaries are unreliable), then cut into
character shingles hashed to 64 bits (numpy-vectorised; stable across processes):

* **Sketch** (the similarity): 5-character shingles, one-permutation MinHash with
  ``SKETCH_BINS`` = 128 bins (Li, Owen & Zhang 2012; empty bins filled by rotation,
  Shrivastava & Li 2014), 2 bits kept per bin (b-bit MinHash, Li & König 2010):
  32 bytes. Two sketches agree on a bin with probability ``J + (1 - J) / 4`` for the
  Jaccard similarity ``J`` of the shingle sets, so ``J`` is estimated from the share
  of equal bins (standard error about 0.05 near the threshold).
* **Anchors and probes** (the candidates): 8-character shingles, rare enough that
  different articles seldom share one. An article is filed under ``ANCHORS`` = 3
  anchors, taken among the ``ANCHOR_CHOICES`` = 6 smallest shingle hashes of the
  *middle* of its text (20 % to 80 % of its length), because leads, datelines,
  reporter lines and closing paragraphs are what outlets rewrite; an anchor already
  shared by ``ANCHOR_CAP`` = 64 articles (boilerplate) is skipped. A query looks up its
  ``PROBES`` = 24 smallest shingle hashes of the whole text: an edited copy contains
  the anchors of the original's middle, and those rank low among all its shingles.
  Storing 3 rows per article keeps the disk budget (~200 bytes per article in all);
  the query pays instead, with 24 look-ups in one statement.

A candidate is a near-duplicate when its estimated Jaccard is at least the threshold:
``DEFAULT_THRESHOLD`` = 0.35 (``NearIndex(threshold=...)`` or per query). On the
labelled set of ``scripts/bench_near_duplicates.py`` the exact Jaccard of edited copies
is 0.46-1.0 (5th percentile up), of different releases on the same topic and city
0.0-0.28 (up to the 95th); 0.35 gives precision and recall near 0.99.

Persistence
-----------
:class:`NearIndex` keeps its tables in the caller's SQLite connection (the state
store's file, see :mod:`newscrawl.state`), so the index survives across runs and a
query reads only the rows it needs:

* sketches: ``near_sketch(key INTEGER PRIMARY KEY, sketch BLOB)``, or a ``sketch``
  column of the caller's own table (``NearIndex(conn, table="article")``);
* ``near_anchor(anchor INTEGER, key INTEGER, PRIMARY KEY (anchor, key)) WITHOUT ROWID``:
  32-bit anchors, about 14 bytes per row. A collision only adds a candidate that the
  sketch then rejects;
* ``near_fresh``, same layout: where :meth:`NearIndex.add` files anchors; every
  ``FRESH_ROWS`` rows :meth:`NearIndex.merge` moves them into ``near_anchor`` in order
  (random anchors filed straight into the big table dirtied one of its pages each, and a
  commit writes dirtied pages whole). Queries and the anchor cap read both.

A key added again (the article changed) gets the new sketch; its old anchors stay and
only yield candidates that are checked against the current sketch.
"""

from __future__ import annotations

import re
import sqlite3
import struct
from collections.abc import Iterable, Sequence
from typing import NamedTuple

import numpy as np
import numpy.typing as npt

from newscrawl.parsing.text import nfc, normalize_space, strip_invisible

#: Jaccard estimate at or above which two texts are near-duplicates.
DEFAULT_THRESHOLD = 0.35
#: Shingle length (characters, whitespace and punctuation removed) for the similarity sketch.
SHINGLE = 5
#: Shingle length for anchors and probes (longer = rarer = shorter posting lists).
ANCHOR_SHINGLE = 8
#: One-permutation MinHash bins; 2 bits kept per bin.
SKETCH_BINS = 128
SKETCH_BYTES = SKETCH_BINS // 4
#: Index rows per article, chosen among ANCHOR_CHOICES candidates; index look-ups per query.
ANCHORS = 3
ANCHOR_CHOICES = 6
PROBES = 24
#: An anchor shared by this many keys already is not chosen again (boilerplate, stock phrases).
ANCHOR_CAP = 64
#: The part of the text anchors are taken from (fractions of its length).
ANCHOR_REGION = (0.2, 0.8)

_VERSION = 1
_HEADER = struct.Struct("<BBB")  # version, number of anchors, number of probes
_NON_WORD = re.compile(r"[\W_]+")
_POLY = np.uint64(0x100000001B3)  # FNV prime: any odd 64-bit multiplier works
_SEED_SKETCH = np.uint64(0x9E3779B97F4A7C15)
_SEED_ANCHOR = np.uint64(0xD1B54A32D192ED03)
_BIN_SHIFT = np.uint64(64 - 7)  # top 7 bits = bin (SKETCH_BINS == 128)
_ROTATE = np.uint64(0x632BE59BD9B4E019)
_BIN_INDEX = np.arange(SKETCH_BINS)
# Number of 2-bit groups equal to 00 in a byte: the equal bins of two XOR-ed sketch bytes.
_ZERO_PAIRS = np.array([sum(((x >> s) & 3) == 0 for s in (0, 2, 4, 6)) for x in range(256)], dtype=np.uint8)
assert 1 << (64 - int(_BIN_SHIFT)) == SKETCH_BINS


def normalize(text: str | None) -> str:
    """The text shingles are taken from: NFC, case-folded, no whitespace, no punctuation."""
    return _NON_WORD.sub("", normalize_space(text).casefold())


#: Per code point: 1 = kept by :func:`normalize` (a word character but ``_``: ``str.isalnum``), 0 = removed,
#: -1 = not looked up yet. Filled as code points are met (a text meets a few hundred), 1.1 MB.
_KEEP = np.full(0x110000, -1, dtype=np.int8)


def _word_codes(text: str | None) -> npt.NDArray[np.uint64]:
    """``_codes(normalize(text))`` without the two regular-expression passes over the text.

    ``normalize`` collapses whitespace and then removes every non-word character (whitespace
    among them) and ``_``: what is left are exactly the characters ``str.isalnum`` accepts
    (the ``re`` module's Unicode ``\\w`` is ``isalnum`` or ``_``), so the same code points come
    from one lookup per character in :data:`_KEEP`. Lone surrogates (never word characters)
    are encoded with ``surrogatepass`` only to be dropped with the rest.
    """
    if not text:
        return np.empty(0, dtype=np.uint64)
    folded = nfc(strip_invisible(text)).casefold()
    raw = np.frombuffer(folded.encode("utf-32-le", "surrogatepass"), dtype="<u4")
    keep = _KEEP[raw]
    if (keep < 0).any():
        points = sorted(set(raw[keep < 0].tolist()))  # not np.unique: NumPy 2.4's takes seconds on 1M values
        _KEEP[points] = [chr(point).isalnum() for point in points]
        keep = _KEEP[raw]
    codes: npt.NDArray[np.uint64] = raw[keep.view(np.bool_)].astype(np.uint64)
    return codes


def _mix(h: npt.NDArray[np.uint64]) -> npt.NDArray[np.uint64]:
    """splitmix64 finaliser: every input bit affects every output bit (in place: ``h`` is overwritten).

    Array arithmetic on uint64 wraps modulo 2**64 silently (only NumPy scalars warn on overflow).
    """
    h ^= h >> np.uint64(30)
    h *= np.uint64(0xBF58476D1CE4E5B9)
    h ^= h >> np.uint64(27)
    h *= np.uint64(0x94D049BB133111EB)
    h ^= h >> np.uint64(31)
    return h


def _codes(norm: str) -> npt.NDArray[np.uint64]:
    return np.frombuffer(norm.encode("utf-32-le"), dtype="<u4").astype(np.uint64)


def shingle_hashes(norm: str | npt.NDArray[np.uint64], k: int, seed: np.uint64 = _SEED_SKETCH) -> npt.NDArray[np.uint64]:
    """64-bit hash of every ``k``-character shingle of ``norm`` (in order; a shorter text is one shingle).

    The hash before mixing is ``seed * P**k + sum(code[i + j] * P**(k - 1 - j))`` modulo 2**64
    (``P`` = :data:`_POLY`), computed as ``h = h * P + code`` over the ``k`` positions.
    """
    codes = _codes(norm) if isinstance(norm, str) else norm
    if codes.size == 0:
        return np.empty(0, dtype=np.uint64)
    k = min(k, codes.size)
    n = codes.size - k + 1
    h = np.full(n, seed, dtype=np.uint64)
    for j in range(k):
        h *= _POLY
        h += codes[j:j + n]
    return _mix(h)


_MASK64 = (1 << 64) - 1


def _seed_term(seed: np.uint64, k: int) -> np.uint64:
    """``seed * P**k`` modulo 2**64: the seed's part of a ``k``-shingle's hash."""
    return np.uint64(int(seed) * pow(int(_POLY), k, 1 << 64) & _MASK64)


_SKETCH_SEED_TERM = _seed_term(_SEED_SKETCH, SHINGLE)
_ANCHOR_SEED_TERM = _seed_term(_SEED_ANCHOR, ANCHOR_SHINGLE)
_ANCHOR_EXTRA = ANCHOR_SHINGLE - SHINGLE


def _shingle_pair(codes: npt.NDArray[np.uint64]) -> tuple[npt.NDArray[np.uint64], npt.NDArray[np.uint64]]:
    """``shingle_hashes(codes, SHINGLE)`` and ``shingle_hashes(codes, ANCHOR_SHINGLE, _SEED_ANCHOR)``, equal to
    them bit for bit, with the work shared: an 8-shingle's sum is its first 5-shingle's sum times ``P**3``
    plus its last three codes, and both are mixed in one pass."""
    size = codes.size
    if size < ANCHOR_SHINGLE:  # shingles as long as the whole text: the general path
        return shingle_hashes(codes, SHINGLE), shingle_hashes(codes, ANCHOR_SHINGLE, _SEED_ANCHOR)
    n5, n8 = size - SHINGLE + 1, size - ANCHOR_SHINGLE + 1
    both = np.empty(n5 + n8, dtype=np.uint64)
    h5, h8 = both[:n5], both[n5:]
    np.multiply(codes[:n5], _POLY, out=h5)
    for j in range(1, SHINGLE - 1):
        h5 += codes[j:j + n5]
        h5 *= _POLY
    h5 += codes[SHINGLE - 1:SHINGLE - 1 + n5]  # seedless 5-shingle sums
    np.multiply(h5[:n8], _POLY, out=h8)
    for j in range(SHINGLE, ANCHOR_SHINGLE - 1):
        h8 += codes[j:j + n8]
        h8 *= _POLY
    h8 += codes[ANCHOR_SHINGLE - 1:ANCHOR_SHINGLE - 1 + n8]  # seedless 8-shingle sums
    h5 += _SKETCH_SEED_TERM
    h8 += _ANCHOR_SEED_TERM
    _mix(both)
    return h5, h8


_BIN_UINT = _BIN_INDEX.astype(np.uint64)
_BIN_STARTS = _BIN_UINT << _BIN_SHIFT
#: Packs four 2-bit codes (lowest first) into a byte: a dot product that cannot exceed 255.
_PACK = np.array([1, 4, 16, 64], dtype=np.uint8)


def _sketch(hashes: npt.NDArray[np.uint64]) -> bytes:
    """One-permutation MinHash of ``hashes`` (bin = top 7 bits), 2 bits per bin, packed."""
    if hashes.size == 0:
        return bytes(SKETCH_BYTES)
    u = np.sort(hashes)  # the first value of each bin is its minimum (duplicates do no harm)
    idx = np.searchsorted(u, _BIN_STARTS)
    present = idx < u.size
    present[present] = (u[idx[present]] >> _BIN_SHIFT) == _BIN_UINT[present]
    # Rotation densification: an empty bin takes the next non-empty bin to its right
    # (circularly), shifted by its distance, so equal texts still agree and the
    # estimate stays unbiased for short texts.
    filled = np.flatnonzero(present)
    nxt = filled[np.searchsorted(filled, _BIN_INDEX) % filled.size]
    dist = ((nxt - _BIN_INDEX) % SKETCH_BINS).astype(np.uint64)
    dist *= _ROTATE
    dist += u[idx[nxt]]
    codes = (_mix(dist) & np.uint64(3)).astype(np.uint8).reshape(-1, 4)
    return (codes @ _PACK).tobytes()


def _smallest_keys(hashes: npt.NDArray[np.uint64], n: int) -> list[int]:
    """The ``n`` smallest distinct hashes, as signed 32-bit keys (ordered by hash, keyed by other bits)."""
    if hashes.size == 0:
        return []
    u = np.sort(hashes)
    u = u[np.concatenate(([True], u[1:] != u[:-1]))][:n]
    keys: list[int] = (u & np.uint64(0xFFFFFFFF)).astype(np.uint32).view(np.int32).tolist()
    return keys


def signature(text: str | None) -> bytes:
    """Near-duplicate signature of ``text``: sketch, anchor choices and probes (at most 155 bytes).

    Deterministic across processes and machines (no salted ``hash()``). Only the
    32-byte sketch and ``ANCHORS`` of the anchor choices are stored by
    :class:`NearIndex`; the probes serve queries. Bit for bit the signature of
    the first implementation (``tests/unit/test_near_signature.py`` keeps a copy of it).
    """
    h5, h8 = _shingle_pair(_word_codes(text))
    sketch = _sketch(h5)
    lo, hi = int(h8.size * ANCHOR_REGION[0]), max(1, int(np.ceil(h8.size * ANCHOR_REGION[1])))
    anchors = _smallest_keys(h8[lo:hi], ANCHOR_CHOICES)
    probes = _smallest_keys(h8, PROBES)
    return (_HEADER.pack(_VERSION, len(anchors), len(probes)) + sketch
            + struct.pack(f"<{len(anchors)}i", *anchors) + struct.pack(f"<{len(probes)}i", *probes))


class Signature(NamedTuple):
    """The parts of a :func:`signature`."""

    sketch: bytes
    anchors: tuple[int, ...]
    probes: tuple[int, ...]

    @classmethod
    def parse(cls, sig: bytes) -> Signature:
        try:
            version, n_anchors, n_probes = _HEADER.unpack_from(sig)
        except struct.error:
            raise ValueError("not a near-duplicate signature (too short)") from None
        if version != _VERSION:
            raise ValueError(f"near-duplicate signature version {version}, expected {_VERSION}")
        start = _HEADER.size + SKETCH_BYTES
        if len(sig) != start + 4 * (n_anchors + n_probes):
            raise ValueError("not a near-duplicate signature (bad length)")
        anchors = struct.unpack_from(f"<{n_anchors}i", sig, start)
        probes = struct.unpack_from(f"<{n_probes}i", sig, start + 4 * n_anchors)
        return cls(sig[_HEADER.size:start], anchors, probes)


def _sketch_of(sig_or_sketch: bytes) -> bytes:
    return sig_or_sketch if len(sig_or_sketch) == SKETCH_BYTES else Signature.parse(sig_or_sketch).sketch


def _jaccard(equal_bins: npt.NDArray[np.int64]) -> npt.NDArray[np.float64]:
    # P(equal 2-bit code) = J + (1 - J) / 4  =>  J = (p - 1/4) / (3/4)
    p = equal_bins / SKETCH_BINS
    return np.clip((p - 0.25) / 0.75, 0.0, 1.0)


def similarity(a: bytes, b: bytes) -> float:
    """Estimated Jaccard similarity (0-1) of two signatures or stored sketches."""
    x = np.frombuffer(_sketch_of(a), dtype=np.uint8) ^ np.frombuffer(_sketch_of(b), dtype=np.uint8)
    return float(_jaccard(_ZERO_PAIRS[x].sum(dtype=np.int64)))


def similarities(sketch: bytes, others: Sequence[bytes]) -> npt.NDArray[np.float64]:
    """:func:`similarity` of one sketch against many stored sketches, vectorised."""
    if not others:
        return np.empty(0)
    mine = np.frombuffer(_sketch_of(sketch), dtype=np.uint8)
    theirs = np.frombuffer(b"".join(others), dtype=np.uint8).reshape(len(others), SKETCH_BYTES)
    return _jaccard(_ZERO_PAIRS[theirs ^ mine].sum(axis=1, dtype=np.int64))


class NearMatch(NamedTuple):
    key: int
    similarity: float


SCHEMA = """
CREATE TABLE IF NOT EXISTS near_sketch (key INTEGER PRIMARY KEY, sketch BLOB NOT NULL);
CREATE TABLE IF NOT EXISTS near_anchor (anchor INTEGER NOT NULL, key INTEGER NOT NULL,
                                        PRIMARY KEY (anchor, key)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS near_fresh (anchor INTEGER NOT NULL, key INTEGER NOT NULL,
                                       PRIMARY KEY (anchor, key)) WITHOUT ROWID;
"""
#: Anchor rows filed in ``near_fresh`` before :meth:`NearIndex.merge` moves them into ``near_anchor``.
FRESH_ROWS = 16384 * ANCHORS
_IDENT = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


class NearIndex:
    """Near-duplicate index persisted in an SQLite connection (see the module docstring).

    ``key`` is the caller's integer id. The index never commits: its writes belong to
    the caller's transaction (``with store.batch():``).

    ``table``: where sketches live. The default ``near_sketch`` is the index's own
    table. Another name (the state store passes ``article``) means an existing table
    of the caller with INTEGER PRIMARY KEY ``key`` and a BLOB column ``sketch``: the
    caller inserts the row (ideally with its sketch, saving a rewrite), :meth:`add`
    updates the sketch when it differs and files the anchors. One table less and
    8 bytes per article less on disk.
    """

    def __init__(self, conn: sqlite3.Connection, threshold: float = DEFAULT_THRESHOLD, *,
                 table: str = "near_sketch") -> None:
        if not 0.0 < threshold <= 1.0:
            raise ValueError(f"threshold must be in (0, 1], got {threshold!r}")
        if not _IDENT.match(table):
            raise ValueError(f"bad table name {table!r}")
        self.conn = conn
        self.threshold = threshold
        self.table = table
        for statement in SCHEMA.split(";"):  # not executescript(): that would commit the caller's transaction
            if statement.strip() and (table == "near_sketch" or "near_sketch" not in statement):
                conn.execute(statement)
        self.recount()

    def recount(self) -> None:
        """Count the rows of ``near_fresh`` again (after the caller rolled its transaction back)."""
        self._fresh = int(self.conn.execute("SELECT count(*) FROM near_fresh").fetchone()[0])

    def _choose(self, choices: tuple[int, ...]) -> list[int]:
        """The first ``ANCHORS`` choices not already shared by ``ANCHOR_CAP`` keys."""
        if not choices:
            return []
        marks = ",".join("?" * len(choices))
        counts = dict(self.conn.execute(
            f"SELECT anchor, count(DISTINCT key) FROM (SELECT anchor, key FROM near_fresh WHERE anchor IN ({marks}) "
            f"UNION ALL SELECT anchor, key FROM near_anchor WHERE anchor IN ({marks})) GROUP BY anchor",
            choices + choices).fetchall())
        rare = [a for a in choices if counts.get(a, 0) < ANCHOR_CAP]
        return (rare or sorted(choices, key=lambda a: counts.get(a, 0)))[:ANCHORS]

    def add(self, key: int, sig: bytes) -> None:
        """File ``key`` under ``sig``; a key added before gets the new sketch and more anchors."""
        parsed = Signature.parse(sig)
        if self.table == "near_sketch":
            self.conn.execute("INSERT OR REPLACE INTO near_sketch (key, sketch) VALUES (?, ?)", (key, parsed.sketch))
        else:
            self.conn.execute(f"UPDATE {self.table} SET sketch = ? WHERE key = ? AND sketch IS NOT ?",
                              (parsed.sketch, key, parsed.sketch))
        anchors = self._choose(parsed.anchors)
        self.conn.executemany("INSERT OR IGNORE INTO near_fresh (anchor, key) VALUES (?, ?)", [(a, key) for a in anchors])
        self._fresh += len(anchors)
        if self._fresh >= FRESH_ROWS:
            self.merge()

    def merge(self) -> None:
        """Move the anchors filed since the last merge from ``near_fresh`` into ``near_anchor``, in order.

        Why: an anchor is a random 32-bit number, so filing it straight in the big table dirties one
        of its pages per anchor, and every commit writes those pages whole; the small table's pages
        are few and stay cached, and one ordered merge writes each big-table page once for
        :data:`FRESH_ROWS` anchors. Part of the caller's transaction, like :meth:`add`.
        """
        self.conn.execute("INSERT OR IGNORE INTO near_anchor (anchor, key) SELECT anchor, key FROM near_fresh "
                          "ORDER BY anchor, key")
        self.conn.execute("DELETE FROM near_fresh")
        self._fresh = 0

    def add_many(self, items: Iterable[tuple[int, bytes]]) -> None:
        """:meth:`add` for many ``(key, signature)`` pairs."""
        for key, sig in items:
            self.add(key, sig)

    def sketch(self, key: int) -> bytes | None:
        """The stored sketch of ``key`` (None when it has none)."""
        row = self.conn.execute(f"SELECT sketch FROM {self.table} WHERE key = ?", (key,)).fetchone()
        return row[0] if row else None

    def candidates(self, sig: bytes) -> list[int]:
        """Keys filed under an anchor that is among the probes of ``sig`` (not yet verified), ascending."""
        probes = Signature.parse(sig).probes
        if not probes:
            return []
        marks = ",".join("?" * len(probes))
        return sorted(k for (k,) in self.conn.execute(
            f"SELECT key FROM near_fresh WHERE anchor IN ({marks}) UNION SELECT key FROM near_anchor "
            f"WHERE anchor IN ({marks})", probes + probes))

    def query(self, sig: bytes, threshold: float | None = None, limit: int = 10) -> list[NearMatch]:
        """Stored keys whose estimated similarity to ``sig`` is >= ``threshold``, most similar first."""
        threshold = self.threshold if threshold is None else threshold
        keys = self.candidates(sig)
        rows: list[tuple[int, bytes]] = []
        for start in range(0, len(keys), 500):
            chunk = keys[start:start + 500]
            rows += self.conn.execute(
                f"SELECT key, sketch FROM {self.table} WHERE key IN ({','.join('?' * len(chunk))})"
                " AND sketch IS NOT NULL", chunk).fetchall()
        if not rows:
            return []
        sims = similarities(Signature.parse(sig).sketch, [s for _, s in rows])
        matches = [NearMatch(k, round(float(s), 4)) for (k, _), s in zip(rows, sims, strict=True) if s >= threshold]
        matches.sort(key=lambda m: (-m.similarity, m.key))
        return matches[:limit]

    def __len__(self) -> int:
        """Keys with a sketch."""
        count: int = self.conn.execute(f"SELECT count(*) FROM {self.table} WHERE sketch IS NOT NULL").fetchone()[0]
        return count
