"""SeenStore: what earlier crawls already saw, kept between runs.

Why: the in-run :class:`~newscrawl.pipelines.dedupe.DedupePipeline` forgets everything
when the crawl ends. Incremental crawls (stop at known articles, export only new or
changed ones) and cross-run duplicate detection need a store that survives the process,
is cheap at millions of articles and cannot be corrupted by a killed crawl.

URIs (setting ``NEWSCRAWL_STATE_URI``, default ``sqlite:///.newscrawl/state.sqlite``), parsed by
:func:`state_location` (the only parser: the lock and the run report use it too) and opened by
:func:`open_store`:

* ``sqlite:///relative/path.sqlite``: relative to the project directory, the folder of
  ``scrapy.cfg`` (:func:`newscrawl.config.project_dir`; three slashes), so a crawl started
  from a sub-folder uses the same state (and lock) as one started from the root;
* ``sqlite:////absolute/path.sqlite``: absolute (four slashes, as in SQLAlchemy);
  parent directories are created;
* ``memory://``: in memory, gone on close (tests);
* ``postgresql://user@host:port/database`` (or ``postgres://``): one state shared by many machines,
  :class:`newscrawl.state.postgres.PostgresSeenStore` (psycopg is imported only then);
* anything else raises ``ValueError``.

SQLite layout (one file, plus ``-wal``/``-shm`` while open; DDL in :data:`SCHEMA`)
-----------------------------------------------------------------------------------
``article``: one row per ``article_id`` (measured with 1,000,000 articles: 182 bytes
per article on disk in all, indexes and near-duplicate index included):

* ``key`` INTEGER PRIMARY KEY: store-local number in insertion order (the table grows
  at its end, pages stay full); ``cluster`` and the near-duplicate index refer to it;
* ``site`` + ``local``: the ``article_id`` itself, exact and readable, in ~4 bytes:
  the part before the last ``:`` as a number from the ``site`` table
  (``news21tongsin`` -> 1; 0 = no ``:``), the part after as an INTEGER when decimal
  (``278440``). A non-decimal part is stored as its 64-bit :func:`key64` in ``local``
  and as text in ``local_text``. Unique index on ``(site, local)`` (a pair, see ``fresh``);
* ``url_hash``, ``content_hash``: 64-bit hashes (:func:`key64`, BLAKE2b) of the
  canonical URL and of the item's ``content_hash`` string, each indexed; long text is
  never stored. Collision odds: about ``n**2 / 2**65`` for ``n`` distinct values, 3e-8
  at one million, 3e-4 at 100 million; a collision makes one lookup answer with another
  article, it never corrupts the store;
* ``cluster``: key of the first article of its near-duplicate cluster (NULL = itself);
* ``first_seen``, ``last_seen``, ``published``, ``modified``: Unix seconds (UTC);
* ``revision``: 1 on first sight, +1 each time the content hash changes (the row keeps
  the latest ``content_hash``);
* ``sketch``: the 32-byte near-duplicate sketch (:mod:`newscrawl.state.near`);
* ``fresh`` (schema 3): 1 for an article recorded since the last merge, NULL (no byte) after it.

Fresh and merged (schema 3). Each lookup index is a pair of partial indexes: ``article_id_merged``,
``article_url_merged``, ``article_content_merged`` (``WHERE fresh IS NULL``) and their ``*_fresh``
twins (``WHERE fresh = 1``); a lookup reads the small one, then the big one. Why: URL and content
hashes (and anchors) are random, so each new article lands on a random page of every big index,
and a commit writes every page it dirtied whole (16 KB) and the checkpoints fsync them: at a
crawl's 50 articles per commit, 10,000 known articles dirtied ~70 pages per commit and one million
~300 (measured: ``record()`` 5x slower). New rows go into the fresh indexes (a few pages, always
cached); every :data:`FRESH_LIMIT` new articles the commit that reaches it first merges them
(``UPDATE article SET fresh = NULL``, with the page cache raised to :data:`MERGE_CACHE_MB` so each
big-index page is written once) and the near-duplicate index does the same with ``near_fresh``.
The merge costs one pass over the big indexes per 16,384 articles: flat to a few million articles,
then it grows with the indexes (a second level would be next).

``near_anchor`` + ``near_fresh``: 3 anchor rows per article, the rest of the near-duplicate index.
``site``: the ``article_id`` prefixes. ``PRAGMA user_version`` = schema version.

``item`` (schema 2): the dataset itself. One row per exported revision of an article, and one per
remembered reject: ``key`` (the article's), ``revision`` (1.., 0 = a reject), ``stored_at`` (Unix
seconds) and ``payload``: the item exactly as a JSON Lines feed line holds it (for a reject, its
rejects-file line), UTF-8 JSON compressed with zlib and a preset dictionary of the field names
(:data:`_ZDICT`; the first byte names the codec). Written in the same transaction as the
``article`` row, so the state commits an article's data only when its feed lines are on disk.
Read with :meth:`SQLiteSeenStore.items` (``scrapy export``) and :meth:`SQLiteSeenStore.latest_item`
(``-O`` writes known articles from here instead of fetching them). A schema-1 file is migrated
on open (the table is added; articles exported before hold no payload until fetched again or
rebuilt with ``scrapy state rebuild``). Cost: ``scripts/bench_state.py`` (README).

Schema 3 (newscrawl after 0.3.0): a schema-1 or -2 file is migrated on open, in one transaction:
``fresh`` is added (``ALTER TABLE``: no row is rewritten, every old row counts as merged), the
three indexes over every row are dropped and rebuilt as the merged/fresh pairs (seconds at one
million articles, once). newscrawl 0.3.0 refuses a schema-3 file with one line ("has state schema 3,
newer than this newscrawl's (2)"); a read-only open (``scrapy export``/``report``) never migrates.

Integrity (:func:`check_state_file`, run by every :class:`SQLiteSeenStore` open, and by
``scrapy crawl`` before it takes the first request): an existing file that is empty (0 bytes),
shorter than its header says (truncated), not SQLite, fails ``PRAGMA quick_check``, or has
another schema version raises :class:`StateError`, one line naming the file and the fix
(``scrapy state check`` / ``scrapy state rebuild``); never a silent fresh start. A missing file
is a first run: it is created.

Durability: WAL journal, ``synchronous=NORMAL``, busy timeout 10 s, 32 MB page cache.
Every write is in a transaction: one per :meth:`SQLiteSeenStore.record`, or one per
``with store.batch():``. A killed process (``kill -9``) loses at most the transaction in
progress and never corrupts the file; a power cut may also lose the last committed
ones (NORMAL), still without corruption.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import sqlite3
import zlib
from collections.abc import Iterator, Mapping, Sequence
from contextlib import AbstractContextManager, contextmanager
from datetime import UTC, datetime
from enum import StrEnum
from pathlib import Path
from typing import Any, NamedTuple, Protocol, runtime_checkable

from newscrawl.config import project_path
from newscrawl.files import fsync_path
from newscrawl.state.near import DEFAULT_THRESHOLD, NearIndex, Signature

SCHEMA_VERSION = 3
#: Page size of new state files (measured: scripts/bench_state.py, README).
PAGE_SIZE = 16384
#: New articles kept in the small ``*_fresh`` indexes before they are merged into the big ones (schema 3).
FRESH_LIMIT = 16384
#: Page cache (MB) while merging: the big indexes' pages a merge touches stay in memory until the commit.
MERGE_CACHE_MB = 256
SCHEMA = """
CREATE TABLE IF NOT EXISTS site (id INTEGER PRIMARY KEY, prefix TEXT NOT NULL UNIQUE);
CREATE TABLE IF NOT EXISTS article (
    key INTEGER PRIMARY KEY,
    site INTEGER NOT NULL,
    local INTEGER NOT NULL,
    local_text TEXT,
    url_hash INTEGER,
    content_hash INTEGER,
    cluster INTEGER,
    first_seen INTEGER NOT NULL,
    last_seen INTEGER NOT NULL,
    published INTEGER,
    modified INTEGER,
    revision INTEGER NOT NULL,
    sketch BLOB,
    fresh INTEGER
);
CREATE UNIQUE INDEX IF NOT EXISTS article_id_merged ON article (site, local) WHERE fresh IS NULL;
CREATE INDEX IF NOT EXISTS article_url_merged ON article (url_hash) WHERE fresh IS NULL;
CREATE INDEX IF NOT EXISTS article_content_merged ON article (content_hash) WHERE fresh IS NULL;
CREATE UNIQUE INDEX IF NOT EXISTS article_id_fresh ON article (site, local) WHERE fresh = 1;
CREATE INDEX IF NOT EXISTS article_url_fresh ON article (url_hash) WHERE fresh = 1;
CREATE INDEX IF NOT EXISTS article_content_fresh ON article (content_hash) WHERE fresh = 1;
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS item (
    key INTEGER NOT NULL,
    revision INTEGER NOT NULL,
    stored_at INTEGER NOT NULL,
    payload BLOB NOT NULL,
    PRIMARY KEY (key, revision)
);
"""
#: Outlet-job records (newscrawl/dist), created by the first put_job: a state no worker writes to stays as it was.
_JOB_SCHEMA = (
    "CREATE TABLE IF NOT EXISTS job (job_id TEXT NOT NULL, started INTEGER NOT NULL, outlet TEXT NOT NULL, "
    "record TEXT NOT NULL, PRIMARY KEY (job_id, started))",
    "CREATE INDEX IF NOT EXISTS job_outlet ON job (outlet, started)",
)
#: Preset zlib dictionary: what every stored item repeats (field names, common values). Never change
#: it in place: a new dictionary gets a new codec byte, old payloads keep theirs.
_ZDICT = (
    b'"extractor":{"title":"dada","published_at":"generic","authors":"dada","body":"trafilatura"},"reject_'
    b'reason":null,"duplicate_of":null,"cluster_id":"","previous_content_hash":null,"revision":1,"content_'
    b'hash":"","crawled_at":"T+00:00","language":"ko","images":[{"url":"https://","caption":null}],"body":'
    b'"","modified_at_raw":null,"modified_at":null,"published_at_raw":"","published_at":"T:00+09:00","byli'
    b'nes":[{"name":"","desk":null,"email":null}],"authors":[""],"subtitles":[],"title":"","section":"","s'
    b'ite_name":"","site":"","article_id":"","canonical_url":"https://www./news/articleView.html?idx=",{"'
    b'url":"https://www./news/articleView.html?idxno='
)
_CODEC_ZLIB_DICT1 = b"\x01"


def pack_item(item: Mapping[str, Any]) -> bytes:
    """A stored payload: the item's JSON (UTF-8, key order kept) compressed with :data:`_ZDICT`."""
    raw = json.dumps(item, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    packer = zlib.compressobj(6, zlib.DEFLATED, -15, 9, zlib.Z_DEFAULT_STRATEGY, _ZDICT)
    return _CODEC_ZLIB_DICT1 + packer.compress(raw) + packer.flush()


def unpack_item(payload: bytes) -> dict[str, Any]:
    """The item dict :func:`pack_item` stored."""
    if payload[:1] != _CODEC_ZLIB_DICT1:
        raise ValueError(f"unknown stored item codec {payload[:1]!r}")
    unpacker = zlib.decompressobj(-15, _ZDICT)
    data: dict[str, Any] = json.loads(unpacker.decompress(payload[1:]) + unpacker.flush())
    return data


#: Meta key: Unix time since which exported items are kept (schema 2 created or migrated). An
#: article first seen earlier and without an item was exported before: a complete file fetches it again.
ITEMS_SINCE = "items-since"

#: Item kinds and their fixed revision numbers (articles: 1..).
ITEM_KINDS = {"article": 1, "reject": 0, "dropped": -1}

#: ``revisions=`` values of :meth:`SQLiteSeenStore.items`.
REVISIONS = ("latest", "all")
_COLUMNS = ("key, site, local, local_text, url_hash, content_hash, cluster, first_seen, last_seen, published, modified, "
            "revision")
_INT64 = 1 << 63
# Schema 3: each lookup reads the small index of the fresh rows, then the big one of the merged rows
# (a partial index is used only by a query that names its WHERE term).
_BY_ID = (f"SELECT {_COLUMNS} FROM article WHERE site = ?1 AND local = ?2 AND fresh = 1 UNION ALL "
          f"SELECT {_COLUMNS} FROM article WHERE site = ?1 AND local = ?2 AND fresh IS NULL LIMIT 1")
_KEY_BY_ID = ("SELECT key, published FROM article WHERE site = ?1 AND local = ?2 AND fresh = 1 UNION ALL "
              "SELECT key, published FROM article WHERE site = ?1 AND local = ?2 AND fresh IS NULL LIMIT 1")
_BY_URL = (f"SELECT {_COLUMNS} FROM article WHERE url_hash = ?1 AND fresh = 1 UNION ALL "
           f"SELECT {_COLUMNS} FROM article WHERE url_hash = ?1 AND fresh IS NULL ORDER BY last_seen DESC, key DESC LIMIT 1")
_BY_CONTENT = (f"SELECT {_COLUMNS} FROM article WHERE content_hash = ?1 AND fresh = 1 UNION ALL "
               f"SELECT {_COLUMNS} FROM article WHERE content_hash = ?1 AND fresh IS NULL ORDER BY key LIMIT 1")
#: The indexes of schema 2 (over every row), replaced by the merged/fresh pairs of schema 3.
_V2_INDEXES = ("article_id", "article_url_hash", "article_content_hash")


def key64(text: str) -> int:
    """Stable signed 64-bit hash (BLAKE2b) of ``text``: the INTEGER stored for ids, URLs and content hashes."""
    return int.from_bytes(hashlib.blake2b(text.encode("utf-8"), digest_size=8).digest(), "little", signed=True)


_SHA256_HEX = re.compile(r"[0-9a-f]{64}")


def content_key(content_hash: str) -> int:
    """64-bit key of a content hash: the first 8 bytes of the SHA-256 itself (so the stored key
    can be shown again as the hash's 16-hex-digit prefix, see :func:`content_prefix`); other
    strings are hashed with :func:`key64`."""
    if _SHA256_HEX.fullmatch(content_hash):
        return int.from_bytes(bytes.fromhex(content_hash[:16]), "big", signed=True)
    return key64(content_hash)


def content_prefix(key: int | None) -> str | None:
    """The 16-hex-digit prefix of the SHA-256 a :func:`content_key` came from."""
    return None if key is None else (key & 0xFFFFFFFFFFFFFFFF).to_bytes(8, "big").hex()


class StoredItem(NamedTuple):
    """One stored revision of an article (or a remembered reject), as :meth:`SeenStore.items` yields it."""

    article_id: str
    site: str | None  # the article_id's prefix (the outlet slug); None when the id has no ':'
    revision: int  # 1.. for articles, 0 for a reject
    kind: str  # "article" or "reject"
    stored_at: datetime
    published_at: datetime | None
    item: dict[str, Any]  # the JSON object of its feed line (a reject: its rejects-file line)


class Change(StrEnum):
    """What :meth:`SeenStore.record` found."""

    NEW = "new"  # article_id not seen before
    CHANGED = "changed"  # seen, with another content hash: revision + 1
    UNCHANGED = "unchanged"  # seen, same content (or none given)


class SeenRecord(NamedTuple):
    """One article as stored. Hashes are :func:`key64` values; times are aware UTC datetimes."""

    key: int
    article_id: str
    url_hash: int | None
    content_hash: int | None
    cluster_id: int
    first_seen: datetime
    last_seen: datetime
    published_at: datetime | None
    modified_at: datetime | None
    revision: int

    def same_content(self, content_hash: str | None) -> bool:
        """True when ``content_hash`` (the item's SHA-256 hex) is the stored one."""
        return content_hash is not None and self.content_hash == content_key(content_hash)


@runtime_checkable
class SeenStore(Protocol):
    """Persistent memory of seen articles; :func:`open_store` gives one for a URI."""

    def get(self, *, article_id: str | None = None, url: str | None = None,
            content_hash: str | None = None, key: int | None = None) -> SeenRecord | None:
        """The record found by exactly one of the arguments (URL: the latest seen; content: the first)."""
        ...

    def record(self, article_id: str, *, url: str | None = None, content_hash: str | None = None,
               signature: bytes | None = None, cluster_id: int | None = None,
               published_at: datetime | None = None, modified_at: datetime | None = None,
               seen_at: datetime | None = None) -> tuple[SeenRecord, Change]:
        """Insert or update ``article_id``; returns the stored record and what changed."""
        ...

    def near_duplicates(self, signature: bytes, threshold: float | None = None,
                        limit: int = 5) -> list[tuple[SeenRecord, float]]:
        """Stored articles whose text is near ``signature`` (most similar first) with their similarity."""
        ...

    def batch(self) -> AbstractContextManager[None]:
        """Context manager: writes inside commit together (or not at all) on exit."""
        ...

    def put_item(self, article_id: str, item: Mapping[str, Any], *, revision: int, kind: str = "article",
                 stored_at: datetime | None = None) -> None:
        """Keep ``item`` (a feed line's JSON object) as revision ``revision`` of the recorded ``article_id``."""
        ...

    def items(self, *, sites: Sequence[str] | None = None, since: datetime | None = None,
              until: datetime | None = None, revisions: str = "latest",
              include_rejects: bool = False) -> Iterator[StoredItem]:
        """The stored dataset, streamed (see :meth:`SQLiteSeenStore.items`)."""
        ...

    def count_items(self, *, sites: Sequence[str] | None = None, since: datetime | None = None,
                    until: datetime | None = None, revisions: str = "latest", include_rejects: bool = False) -> int:
        """How many :meth:`items` the same arguments yield."""
        ...

    def latest_item(self, article_id: str, *, include_rejects: bool = False) -> StoredItem | None:
        """The article's highest stored revision, or None; ``include_rejects``: its reject when it has only that."""
        ...

    def has_item(self, article_id: str) -> bool:
        """Whether any item (article, reject or dropped note) is stored for ``article_id``."""
        ...

    def get_meta(self, key: str) -> str | None:
        """A small named value kept with the state (e.g. which sections were paginated to their end)."""
        ...

    def set_meta(self, key: str, value: str) -> None:
        """Set a named value; committed with the current batch, or at once outside one."""
        ...

    def put_job(self, record: Mapping[str, Any]) -> None:
        """Keep one attempt of an outlet job (:mod:`newscrawl.dist.jobs`: ``job_id``, ``outlet``, ``started_at``,
        exit status, run report ...); the same job and start time replace the earlier record."""
        ...

    def jobs(self, *, outlet: str | None = None, limit: int = 100) -> list[dict[str, Any]]:
        """The newest job records (of ``outlet``), newest first."""
        ...

    def __iter__(self) -> Iterator[SeenRecord]: ...

    def __len__(self) -> int: ...

    def close(self) -> None: ...

    def __enter__(self) -> SeenStore: ...

    def __exit__(self, *exc: object) -> None: ...


def _ts(value: datetime | None, name: str) -> int | None:
    return None if value is None else _seconds(value, name)


def _seconds(value: datetime, name: str) -> int:
    if value.tzinfo is None:
        raise ValueError(f"{name} must be an aware datetime (got naive {value.isoformat()})")
    return int(value.timestamp())


def _dt(value: int | None) -> datetime | None:
    return None if value is None else _at(value)


def _at(value: int) -> datetime:
    return datetime.fromtimestamp(value, UTC)


def updated_record(old: SeenRecord, *, url_hash: int | None, content_hash: int | None, cluster_id: int | None,
                   seen: int, published: int | None, modified: int | None) -> tuple[SeenRecord, bool]:
    """What recording a known article again makes of its record, and whether its content changed (a new
    revision): what is given replaces what was known, ``last_seen`` only moves forward. One rule for every
    store (SQLite here, ``newscrawl.state.postgres``); times are epoch seconds."""
    changed = content_hash is not None and old.content_hash is not None and content_hash != old.content_hash
    new = old._replace(
        url_hash=url_hash if url_hash is not None else old.url_hash,
        content_hash=content_hash if content_hash is not None else old.content_hash,
        cluster_id=cluster_id if cluster_id is not None else old.cluster_id,
        last_seen=max(old.last_seen, _at(seen)),
        published_at=_dt(published) if published is not None else old.published_at,
        modified_at=_dt(modified) if modified is not None else old.modified_at,
        revision=old.revision + changed,
    )
    return new, changed


def item_revision(kind: str, revision: int) -> int:
    """The stored revision of a ``put_item(kind=…)``: the article's own (1 or more), 0 for a reject, -1 for a
    dropped re-post; ``ValueError`` for anything else. One rule for every store."""
    if kind not in ITEM_KINDS:
        raise ValueError(f"kind must be one of {', '.join(ITEM_KINDS)}, not {kind!r}")
    revision = ITEM_KINDS[kind] if kind != "article" else int(revision)
    if revision < 1 and kind == "article":
        raise ValueError(f"an article revision is 1 or more (got {revision})")
    return revision


def _split_id(article_id: str) -> tuple[str | None, int, str | None]:
    """``'news21tongsin:278440'`` -> ``('news21tongsin', 278440, None)``; a non-decimal local part is hashed and kept."""
    prefix, sep, local = article_id.rpartition(":")
    if local.isascii() and local.isdecimal() and (local == "0" or local[0] != "0") and int(local) < _INT64:
        return (prefix if sep else None), int(local), None
    return (prefix if sep else None), key64(local), local


#: The fix named by every :class:`StateError` (``{path}``: the state file, ``{output}``: the feeds folder).
STATE_FIX = ("see `scrapy state check --uri sqlite:///{path}`; rebuild it from the feed partitions with "
             "`scrapy state rebuild --from {output} --uri sqlite:///{path}` (the bad file is kept as "
             "{name}.corrupt-<time>)")
_SQLITE_MAGIC = b"SQLite format 3\x00"
_TABLES = frozenset({"site", "article", "meta"})


#: Exit status of ``scrapy crawl`` on a state file it cannot trust (``EX_DATAERR`` of ``sysexits.h``).
EXIT_BAD_STATE = 65


class StateError(RuntimeError):
    """The state file cannot be trusted: one line naming the file, what is wrong and the fix."""

    def __init__(self, path: str | os.PathLike[str], problem: str, output: str | os.PathLike[str] | None = None) -> None:
        self.path = Path(path)
        self.problem = problem
        fix = STATE_FIX.format(path=self.path, name=self.path.name, output=output or "OUTPUT_DIR")
        super().__init__(f"state file {self.path} {problem}: not crawling (a fresh start would export every "
                         f"article again); {fix}")


def _header_problem(path: Path) -> str | None:
    """What the first 100 bytes and the size say is wrong (cheap: no SQLite needed)."""
    size = path.stat().st_size
    if size == 0:
        return "is empty (0 bytes)"
    with path.open("rb") as fh:
        header = fh.read(100)
    if not header.startswith(_SQLITE_MAGIC):
        return "is not an SQLite database"
    if len(header) < 100:
        return f"is truncated ({size} bytes, shorter than an SQLite header)"
    page_size = int.from_bytes(header[16:18], "big")
    page_size = 65536 if page_size == 1 else page_size
    pages = int.from_bytes(header[28:32], "big")
    # The in-header size is valid when the change counter matches "version-valid-for" (SQLite >= 3.7.0).
    # A checkpoint cut short (a full disk) can leave the file shorter than its header while the
    # pages still sit in the -wal file: SQLite reads them from there, so quick_check decides.
    wal = path.with_name(path.name + "-wal")
    pending_wal = wal.exists() and wal.stat().st_size > 32
    if pages and header[24:28] == header[92:96] and size < pages * page_size and not pending_wal:
        return f"is truncated ({size} bytes, its header says {pages * page_size})"
    return None


def check_connection(conn: sqlite3.Connection, path: str | os.PathLike[str], *, full: bool = False) -> int:
    """Integrity of an open state database; its schema version, or :class:`StateError`.

    ``full``: ``PRAGMA integrity_check`` (also checks that every index matches its table) instead
    of ``quick_check``. Measured on a 100,000-article state (18 MB, warm cache): quick_check 74 ms,
    integrity_check 464 ms; so every open runs quick_check and ``scrapy state check`` the full one.
    """
    pragma = "integrity_check" if full else "quick_check"
    try:
        rows = conn.execute(f"PRAGMA {pragma}(5)").fetchall()
        version = int(conn.execute("PRAGMA user_version").fetchone()[0])
        tables = {row[0] for row in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    except sqlite3.DatabaseError as exc:
        raise StateError(path, f"is unreadable ({exc})") from None
    problems = [" ".join(str(row[0]).split()) for row in rows if str(row[0]) != "ok"]
    if problems:
        raise StateError(path, f"fails PRAGMA {pragma}: {'; '.join(problems)[:300]}")
    if version > SCHEMA_VERSION:
        raise StateError(path, f"has state schema {version}, newer than this newscrawl's ({SCHEMA_VERSION}): "
                               "use the newscrawl that wrote it")
    if version == 0 and tables:
        raise StateError(path, f"is an SQLite database but not a newscrawl state (tables {', '.join(sorted(tables))})")
    wanted = _TABLES | ({"item"} if version >= 2 else set())
    if version and not wanted <= tables:
        raise StateError(path, f"lacks the state tables {', '.join(sorted(wanted - tables))}")
    return version


def check_state_file(path: str | os.PathLike[str], *, full: bool = False) -> bool:
    """Raise :class:`StateError` when an existing state file cannot be trusted.

    True when the file exists and passed, False when it does not exist (a first run).
    """
    path = Path(path)
    if not path.exists():
        return False
    if not path.is_file():
        raise StateError(path, "is not a regular file")
    problem = _header_problem(path)
    if problem:
        raise StateError(path, problem)
    try:
        conn = sqlite3.connect(path, timeout=10.0)  # read-write: closing it removes the -wal/-shm it made
    except sqlite3.Error as exc:
        raise StateError(path, f"cannot be opened ({exc})") from None
    try:
        check_connection(conn, path, full=full)
    finally:
        conn.close()
    return True


def _create_whole(path: Path, near_threshold: float) -> None:
    """Create a new state file under a temporary name (schema and WAL header written) and link it in place.

    ``sqlite3.connect`` creates a 0-byte file and writes it later; a crawl killed in between
    would leave the empty file every later start refuses (:func:`check_state_file`). Linked
    whole, the path holds either nothing or a valid state.
    """
    tmp = path.with_name(f".{path.name}.new-{os.getpid()}")
    tmp.unlink(missing_ok=True)
    SQLiteSeenStore(tmp, near_threshold=near_threshold, check=False).close()
    try:
        os.link(tmp, path)
    except FileExistsError:
        pass  # another process created it meanwhile: that one is used (and checked on open)
    finally:
        tmp.unlink()
    fsync_path(path.parent)


class SQLiteSeenStore:
    """:class:`SeenStore` in one SQLite file (or ``:memory:``); see the module docstring.

    An existing file is checked first (:func:`check_state_file`): :class:`StateError` when it
    cannot be trusted. ``check=False`` skips that (``scrapy state rebuild`` writing a new file).
    ``readonly=True`` (``scrapy export``, ``scrapy report``) opens an existing file for reading only:
    nothing is created, migrated or locked, and it reads beside a crawl that holds a write transaction
    (WAL); a missing file, an untrusted one or another schema version raise :class:`StateError`.
    """

    def __init__(self, path: str | os.PathLike[str], *, near_threshold: float = DEFAULT_THRESHOLD,
                 cache_mb: int = 32, check: bool = True, readonly: bool = False) -> None:
        self.path = str(path)
        self._depth = 0
        if readonly:
            self._open_readonly(Path(self.path), near_threshold, cache_mb)
            return
        if self.path != ":memory:":
            Path(self.path).parent.mkdir(parents=True, exist_ok=True)
            if check and not check_state_file(self.path):
                _create_whole(Path(self.path), near_threshold)
        self.conn = sqlite3.connect(self.path, timeout=10.0, isolation_level=None)
        conn = self.conn
        # 16 KB pages (effective on a new file only): a stored item (~2.3 KB compressed) fills a 4 KB page
        # alone, so the item table took 4.1 KB per article with 4 KB pages and 2.6 KB with 16 KB ones.
        conn.execute(f"PRAGMA page_size={PAGE_SIZE}")
        if self.path != ":memory:":
            mode = conn.execute("PRAGMA journal_mode=WAL").fetchone()[0]
            if mode.lower() != "wal":
                raise RuntimeError(f"{self.path}: SQLite refused WAL mode (got {mode!r})")
        conn.execute("PRAGMA synchronous=NORMAL")
        conn.execute("PRAGMA busy_timeout=10000")
        conn.execute(f"PRAGMA cache_size=-{int(cache_mb) * 1024}")
        conn.execute("PRAGMA journal_size_limit=67108864")
        version = conn.execute("PRAGMA user_version").fetchone()[0]
        if version > SCHEMA_VERSION:
            raise RuntimeError(f"{self.path}: state schema {version} is newer than this newscrawl ({SCHEMA_VERSION})")
        self._cache_mb = int(cache_mb)
        conn.execute("BEGIN IMMEDIATE")
        try:
            if 0 < version < 3:  # schema 1 or 2: the indexes over every row become merged/fresh pairs
                if "fresh" not in {row[1] for row in conn.execute("PRAGMA table_info(article)")}:
                    conn.execute("ALTER TABLE article ADD COLUMN fresh INTEGER")
                for name in _V2_INDEXES:
                    conn.execute(f"DROP INDEX IF EXISTS {name}")
            for statement in SCHEMA.split(";"):
                if statement.strip():
                    conn.execute(statement)
            self.near = NearIndex(conn, threshold=near_threshold, table="article")
            if version < 2:  # a new file, or a schema-1 one: items are kept from now on
                conn.execute("INSERT OR IGNORE INTO meta (key, value) VALUES (?, ?)",
                             (ITEMS_SINCE, str(int(datetime.now(UTC).timestamp()))))
            conn.execute(f"PRAGMA user_version={SCHEMA_VERSION}")
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        self._load_sites()

    def _open_readonly(self, path: Path, near_threshold: float, cache_mb: int) -> None:
        if not path.is_file():
            raise StateError(path, "does not exist (a crawl creates it)")
        problem = _header_problem(path)
        if problem:
            raise StateError(path, problem)
        try:
            # query_only rather than mode=ro: the same refusal of every write, and closing the last
            # connection still folds and removes the -wal/-shm files, so a reader leaves the folder as it was.
            self.conn = sqlite3.connect(path, timeout=10.0, isolation_level=None)
            self.conn.execute("PRAGMA query_only=1")
        except sqlite3.Error as exc:
            raise StateError(path, f"cannot be opened ({exc})") from None
        self.conn.execute("PRAGMA busy_timeout=10000")
        self.conn.execute(f"PRAGMA cache_size=-{int(cache_mb) * 1024}")
        version = check_connection(self.conn, path)
        if version != SCHEMA_VERSION:
            raise StateError(path, f"has state schema {version}, not {SCHEMA_VERSION}: the next `scrapy crawl` "
                                   "with it upgrades it (it is only read here)")
        self.near = NearIndex(self.conn, threshold=near_threshold, table="article")
        self._load_sites()

    # -- transactions ---------------------------------------------------------------

    def _load_sites(self) -> None:
        self._fresh = int(self.conn.execute(
            "SELECT count(*) FROM article INDEXED BY article_id_fresh WHERE fresh = 1").fetchone()[0])
        self._site_ids: dict[str, int] = {}
        self._site_names: dict[int, str] = {}
        for site_id, prefix in self.conn.execute("SELECT id, prefix FROM site"):
            self._site_ids[prefix] = site_id
            self._site_names[site_id] = prefix

    @contextmanager
    def batch(self) -> Iterator[None]:
        """One transaction for all writes inside (nested batches join the outer one).

        Committed on a normal exit, rolled back on an exception; a killed process loses
        this batch only.
        """
        if self._depth:
            self._depth += 1
            try:
                yield
            finally:
                self._depth -= 1
            return
        self.conn.execute("BEGIN IMMEDIATE")
        self._depth = 1
        try:
            yield
        except BaseException:
            self._depth = 0
            self.conn.execute("ROLLBACK")
            self._load_sites()  # ids given in the rolled-back transaction are gone (and the fresh rows)
            self.near.recount()
            raise
        merged = self._fresh >= FRESH_LIMIT
        try:
            if merged:
                self._merge()
        except BaseException:
            self._depth = 0
            self.conn.execute("ROLLBACK")
            self._load_sites()
            self.near.recount()
            raise
        finally:
            if merged:
                self.conn.execute(f"PRAGMA cache_size=-{self._cache_mb * 1024}")
        self._depth = 0
        self.conn.execute("COMMIT")

    def _merge(self) -> None:
        """Move the fresh rows' entries into the big indexes (in the current transaction; see the module docstring).

        One merge rewrites the big indexes' pages once for ``FRESH_LIMIT`` articles instead of a few
        random pages of them at every commit; the page cache grows meanwhile so that no page is
        written twice, and shrinks back after the commit.
        """
        conn = self.conn
        first = conn.execute("SELECT min(key) FROM article INDEXED BY article_id_fresh WHERE fresh = 1").fetchone()[0]
        if first is not None:
            conn.execute(f"PRAGMA cache_size=-{max(self._cache_mb, MERGE_CACHE_MB) * 1024}")
            conn.execute("UPDATE article SET fresh = NULL WHERE key >= ? AND fresh = 1", (first,))
        self.near.merge()
        self._fresh = 0

    # -- reading ----------------------------------------------------------------------

    def _record(self, row: tuple[Any, ...]) -> SeenRecord:
        key, site, local, local_text, url_hash, content_hash, cluster, first, last, published, modified, revision = row
        local = local if local_text is None else local_text
        article_id = f"{self._site_names[site]}:{local}" if site else str(local)
        return SeenRecord(key, article_id, url_hash, content_hash, key if cluster is None else cluster,
                          _at(first), _at(last), _dt(published), _dt(modified), revision)

    def get(self, *, article_id: str | None = None, url: str | None = None,
            content_hash: str | None = None, key: int | None = None) -> SeenRecord | None:
        if sum(v is not None for v in (article_id, url, content_hash, key)) != 1:
            raise TypeError("get() takes exactly one of article_id, url, content_hash, key")
        if key is not None:
            where, arg = "key = ?", key
        elif article_id is not None:
            return self._get_id(article_id)
        elif url is not None:
            row = self.conn.execute(_BY_URL, (key64(url),)).fetchone()
            return self._record(row) if row else None
        else:
            assert content_hash is not None
            row = self.conn.execute(_BY_CONTENT, (content_key(content_hash),)).fetchone()
            return self._record(row) if row else None
        row = self.conn.execute(f"SELECT {_COLUMNS} FROM article WHERE {where}", (arg,)).fetchone()
        return self._record(row) if row else None

    def _get_id(self, article_id: str) -> SeenRecord | None:
        prefix, local, _ = _split_id(article_id)
        site = 0 if prefix is None else self._site_ids.get(prefix)
        if site is None:
            return None
        row = self.conn.execute(_BY_ID, (site, local)).fetchone()
        return self._record(row) if row else None

    def near_duplicates(self, signature: bytes, threshold: float | None = None,
                        limit: int = 5) -> list[tuple[SeenRecord, float]]:
        out = []
        for match in self.near.query(signature, threshold=threshold, limit=limit):
            record = self.get(key=match.key)
            if record is not None:
                out.append((record, match.similarity))
        return out

    def __iter__(self) -> Iterator[SeenRecord]:
        """Every record in insertion order (streamed, not loaded at once)."""
        cursor = self.conn.cursor()
        cursor.arraysize = 1000
        cursor.execute(f"SELECT {_COLUMNS} FROM article ORDER BY key")
        while rows := cursor.fetchmany():
            yield from map(self._record, rows)

    def __len__(self) -> int:
        return int(self.conn.execute("SELECT count(*) FROM article").fetchone()[0])

    # -- writing ----------------------------------------------------------------------

    def _site_id(self, prefix: str | None) -> int:
        if prefix is None:
            return 0
        site_id = self._site_ids.get(prefix)
        if site_id is None:
            site_id = self.conn.execute("INSERT INTO site (prefix) VALUES (?)", (prefix,)).lastrowid
            assert site_id is not None
            self._site_ids[prefix] = site_id
            self._site_names[site_id] = prefix
        return site_id

    def record(self, article_id: str, *, url: str | None = None, content_hash: str | None = None,
               signature: bytes | None = None, cluster_id: int | None = None,
               published_at: datetime | None = None, modified_at: datetime | None = None,
               seen_at: datetime | None = None) -> tuple[SeenRecord, Change]:
        """Insert or update ``article_id`` (pass ``article_id or canonical_url`` when an item has no id).

        New: first_seen = last_seen = ``seen_at`` (default now), revision 1. Seen: last_seen
        moves forward; given values replace stored ones; a different ``content_hash`` counts
        a revision. ``signature`` (:func:`newscrawl.state.near.signature` of the body) files
        the article in the near-duplicate index when it is new or its content changed.
        ``cluster_id`` (a key, usually from :meth:`near_duplicates`) sets its cluster.
        """
        if not article_id:
            raise ValueError("article_id is required (use the canonical URL when an item has none)")
        seen = _seconds(seen_at, "seen_at") if seen_at is not None else int(datetime.now(UTC).timestamp())
        published, modified = _ts(published_at, "published_at"), _ts(modified_at, "modified_at")
        url_hash = key64(url) if url else None
        body_hash = content_key(content_hash) if content_hash else None
        # Everything is checked before the first write: a bad value never leaves half a record.
        sketch = Signature.parse(signature).sketch if signature is not None else None
        with self.batch():
            conn = self.conn
            prefix, local, local_text = _split_id(article_id)
            site = self._site_id(prefix)
            row = conn.execute(_BY_ID, (site, local)).fetchone()
            if row is None:
                key = conn.execute(
                    "INSERT INTO article (site, local, local_text, url_hash, content_hash, cluster, first_seen,"
                    " last_seen, published, modified, revision, sketch, fresh)"
                    " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 1, ?, 1)",
                    (site, local, local_text, url_hash, body_hash, cluster_id, seen, seen, published,
                     modified, sketch)).lastrowid
                assert key is not None
                self._fresh += 1
                if signature is not None:
                    self.near.add(key, signature)
                return SeenRecord(key, article_id, url_hash, body_hash, key if cluster_id is None else cluster_id,
                                  _at(seen), _at(seen), _dt(published), _dt(modified), 1), Change.NEW
            old = self._record(row)
            new, changed = updated_record(old, url_hash=url_hash, content_hash=body_hash, cluster_id=cluster_id,
                                          seen=seen, published=published, modified=modified)
            if new != old:
                conn.execute(
                    "UPDATE article SET url_hash = ?, content_hash = ?, cluster = ?, last_seen = ?, published = ?,"
                    " modified = ?, revision = ? WHERE key = ?",
                    (new.url_hash, new.content_hash, None if new.cluster_id == new.key else new.cluster_id,
                     _ts(new.last_seen, ""), _ts(new.published_at, ""), _ts(new.modified_at, ""), new.revision,
                     new.key))
            if signature is not None and (changed or old.content_hash is None or self.near.sketch(old.key) is None):
                self.near.add(old.key, signature)
            return new, Change.CHANGED if changed else Change.UNCHANGED

    # -- the dataset --------------------------------------------------------------------
    def put_item(self, article_id: str, item: Mapping[str, Any], *, revision: int, kind: str = "article",
                 stored_at: datetime | None = None) -> None:
        """Keep ``item`` (the JSON object of its feed line) as revision ``revision`` of ``article_id``.

        The article must be recorded (:meth:`record`) first. ``kind="reject"`` keeps a rejects-file
        line as revision 0; ``kind="dropped"`` (revision -1) notes a re-post that has nothing to export
        (so :func:`needs_backfill` does not fetch it again). The same revision again replaces the payload (a ``full=true`` re-export).
        """
        revision = item_revision(kind, revision)
        prefix, local, _ = _split_id(article_id)
        site = 0 if prefix is None else self._site_ids.get(prefix)
        row = None if site is None else self.conn.execute(_KEY_BY_ID, (site, local)).fetchone()
        if row is None:
            raise ValueError(f"put_item({article_id!r}): record() the article first")
        at = _seconds(stored_at, "stored_at") if stored_at is not None else int(datetime.now(UTC).timestamp())
        payload = pack_item(item)
        with self.batch():
            self.conn.execute("INSERT INTO item (key, revision, stored_at, payload) VALUES (?, ?, ?, ?) "
                              "ON CONFLICT(key, revision) DO UPDATE SET stored_at = excluded.stored_at, "
                              "payload = excluded.payload", (row[0], revision, at, payload))

    def _item_query(self, select: str, sites: Sequence[str] | None, since: datetime | None,
                    until: datetime | None, revisions: str, include_rejects: bool) -> tuple[str, list[Any]]:
        if revisions not in REVISIONS:
            raise ValueError(f"revisions must be one of {', '.join(REVISIONS)} (got {revisions!r})")
        where, args = [], []
        kinds = "i.revision > 0" if not include_rejects else \
            "(i.revision > 0 OR (i.revision = 0 AND NOT EXISTS (SELECT 1 FROM item j WHERE j.key = i.key AND j.revision > 0)))"
        where.append(kinds)
        if revisions == "latest":
            where.append("(i.revision = 0 OR i.revision = (SELECT max(revision) FROM item j WHERE j.key = i.key))")
        if sites is not None:
            ids = [self._site_ids[s] for s in sites if s in self._site_ids]
            where.append(f"a.site IN ({', '.join('?' * len(ids))})" if ids else "0")
            args += ids
        if since is not None:
            where.append("a.published >= ?")
            args.append(_seconds(since, "since"))
        if until is not None:
            where.append("a.published <= ?")
            args.append(_seconds(until, "until"))
        return f"SELECT {select} FROM item i JOIN article a ON a.key = i.key WHERE {' AND '.join(where)}", args

    def items(self, *, sites: Sequence[str] | None = None, since: datetime | None = None,
              until: datetime | None = None, revisions: str = "latest",
              include_rejects: bool = False) -> Iterator[StoredItem]:
        """The stored dataset, streamed (not loaded at once).

        Ordered by site (slug), publication time (undated last), article, revision. ``sites``: only
        these outlets (article_id prefixes). ``since``/``until``: inclusive bounds on the publication
        time (undated articles are left out when either is given). ``revisions``: ``"latest"`` (each
        article's newest revision) or ``"all"``. ``include_rejects``: also the remembered rejects of
        articles that were never exported.
        """
        sql, args = self._item_query("a.site, a.local, a.local_text, a.published, i.revision, i.stored_at, i.payload",
                                     sites, since, until, revisions, include_rejects)
        order = {site_id: rank for rank, (_, site_id) in enumerate(sorted(self._site_ids.items()))}
        order[0] = -1
        # Sorting by the slug through a CASE keeps one statement (sites are few).
        rank = " ".join(f"WHEN {site_id} THEN {value}" for site_id, value in order.items())
        sql += f" ORDER BY CASE a.site {rank} END, a.published IS NULL, a.published, a.key, i.revision"
        cursor = self.conn.cursor()
        cursor.arraysize = 500
        cursor.execute(sql, args)
        while rows := cursor.fetchmany():
            for site, local, local_text, published, revision, stored_at, payload in rows:
                local = local if local_text is None else local_text
                prefix = self._site_names[site] if site else None
                article_id = f"{prefix}:{local}" if prefix else str(local)
                yield StoredItem(article_id, prefix, revision, "reject" if revision == 0 else "article",
                                 _at(stored_at), _dt(published), unpack_item(payload))

    def count_items(self, *, sites: Sequence[str] | None = None, since: datetime | None = None,
                    until: datetime | None = None, revisions: str = "latest", include_rejects: bool = False) -> int:
        sql, args = self._item_query("count(*)", sites, since, until, revisions, include_rejects)
        return int(self.conn.execute(sql, args).fetchone()[0])

    def latest_item(self, article_id: str, *, include_rejects: bool = False) -> StoredItem | None:
        prefix, local, _ = _split_id(article_id)
        site = 0 if prefix is None else self._site_ids.get(prefix)
        if site is None:
            return None
        found = self.conn.execute(_KEY_BY_ID, (site, local)).fetchone()
        row = None if found is None else self.conn.execute(
            "SELECT revision, stored_at, payload FROM item WHERE key = ? AND revision >= ? ORDER BY revision DESC LIMIT 1",
            (found[0], 0 if include_rejects else 1)).fetchone()
        if found is None or row is None:
            return None
        published = found[1]
        revision, stored_at, payload = row
        return StoredItem(article_id, prefix, revision, "reject" if revision == 0 else "article", _at(stored_at),
                          _dt(published), unpack_item(payload))

    def has_item(self, article_id: str) -> bool:
        prefix, local, _ = _split_id(article_id)
        site = 0 if prefix is None else self._site_ids.get(prefix)
        found = None if site is None else self.conn.execute(_KEY_BY_ID, (site, local)).fetchone()
        return found is not None and self.conn.execute(
            "SELECT 1 FROM item WHERE key = ? LIMIT 1", (found[0],)).fetchone() is not None

    def get_meta(self, key: str) -> str | None:
        row = self.conn.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return None if row is None else str(row[0])

    def set_meta(self, key: str, value: str) -> None:
        with self.batch():
            self.conn.execute("INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = "
                              "excluded.value", (key, value))

    def put_job(self, record: Mapping[str, Any]) -> None:
        with self.batch():
            for statement in _JOB_SCHEMA:
                self.conn.execute(statement)
            self.conn.execute("INSERT INTO job (job_id, started, outlet, record) VALUES (?, ?, ?, ?) "
                              "ON CONFLICT(job_id, started) DO UPDATE SET record = excluded.record", job_key(record))

    def jobs(self, *, outlet: str | None = None, limit: int = 100) -> list[dict[str, Any]]:
        where, args = ("WHERE outlet = ?", [outlet]) if outlet is not None else ("", [])
        try:
            rows = self.conn.execute(f"SELECT record FROM job {where} ORDER BY started DESC LIMIT ?",
                                     (*args, int(limit))).fetchall()
        except sqlite3.OperationalError as exc:  # a file no crawl of this version has written yet, read only
            if "no such table" in str(exc):
                return []
            raise
        return [json.loads(row[0]) for row in rows]

    def checkpoint(self) -> None:
        """Fold the WAL into the main file and truncate it (also done on close)."""
        self.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")

    def close(self) -> None:
        if self._depth:
            raise RuntimeError("close() inside a batch")
        self.conn.close()

    def __enter__(self) -> SQLiteSeenStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class StateLocation(NamedTuple):
    """Where a state URI points: ``memory`` (no file) or ``sqlite`` with its file (absolute; a relative
    path is relative to the project directory, :func:`newscrawl.config.project_path`)."""

    kind: str
    path: Path | None


_MEMORY_URIS = frozenset({"memory://", "memory:", "sqlite:///:memory:", "sqlite://"})


def state_location(uri: str) -> StateLocation:
    """Parse a ``NEWSCRAWL_STATE_URI``; ``ValueError`` with a one-line reason when it is not one."""
    if uri in _MEMORY_URIS:
        return StateLocation("memory", None)
    if uri.startswith(("postgresql://", "postgres://")):
        return StateLocation("postgresql", None)  # a server, no local file (newscrawl/state/postgres.py)
    if uri.startswith("sqlite:///"):
        path = uri[len("sqlite:///"):]
        if not path:
            raise ValueError(f"state URI {uri!r} has no path: use sqlite:///relative/path.sqlite "
                             "or sqlite:////absolute/path.sqlite")
        return StateLocation("sqlite", project_path(path))
    scheme = uri.split(":", 1)[0] if ":" in uri else uri
    raise ValueError(f"unsupported state URI {uri!r} (scheme {scheme!r}): use sqlite:///relative/path.sqlite, "
                     "sqlite:////absolute/path.sqlite, postgresql://user@host:port/database or memory://")


def public_uri(uri: str) -> str:
    """``uri`` as logs and run reports may show it: a PostgreSQL URI's password replaced by ``***``."""
    if not uri.startswith(("postgresql://", "postgres://")):
        return uri
    from urllib.parse import urlsplit, urlunsplit

    parts = urlsplit(uri)
    if parts.password is None:
        return uri
    netloc = f"{parts.username or ''}:***@{parts.netloc.rpartition('@')[2]}"
    return urlunsplit(parts._replace(netloc=netloc))


def job_key(record: Mapping[str, Any]) -> tuple[str, int, str, str]:
    """``(job_id, started in microseconds, outlet, record as JSON)``: how both stores keep a job record."""
    started = datetime.fromisoformat(str(record["started_at"]))
    if started.tzinfo is None:
        raise ValueError(f"job started_at {record['started_at']!r} has no time zone")
    return (str(record["job_id"]), int(started.timestamp() * 1_000_000), str(record["outlet"]),
            json.dumps(record, ensure_ascii=False, sort_keys=True))


def needs_backfill(store: SeenStore, article_id: str) -> bool:
    """Whether known ``article_id`` was exported before the store kept items (no item, first seen before
    :data:`ITEMS_SINCE`): a complete ``-O`` file fetches it once more to hold it. A re-post or a dropped
    near duplicate has no item either, but was seen later: not fetched again."""
    if store.has_item(article_id):
        return False
    record, since = store.get(article_id=article_id), store.get_meta(ITEMS_SINCE)
    return record is not None and since is not None and record.first_seen.timestamp() < int(since)


def open_store(uri: str, **options: Any) -> SeenStore:
    """The store for ``uri`` (see the module docstring); ``options`` go to the store class."""
    location = state_location(uri)
    if location.kind == "postgresql":
        from newscrawl.state.postgres import PostgresSeenStore  # psycopg only for such a URI

        return PostgresSeenStore(uri, **options)
    if location.path is None:
        return SQLiteSeenStore(":memory:", **options)
    return SQLiteSeenStore(location.path, **options)
