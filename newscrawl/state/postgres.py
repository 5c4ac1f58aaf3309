"""The state store and the crawl lock on a PostgreSQL server: one shared state for many machines.

``NEWSCRAWL_STATE_URI=postgresql://user[:password]@host[:port]/database`` (also ``postgres://``; any
libpq parameter as a query string, e.g. ``?sslmode=require``; a password is better kept in
``~/.pgpass`` or ``PGPASSWORD`` than in the URI). The driver is psycopg 3, imported only when such a
URI is used (a SQLite crawl never loads it).

Same semantics as :class:`~newscrawl.state.store.SQLiteSeenStore`
-------------------------------------------------------------------
Every :class:`~newscrawl.state.store.SeenStore` method answers as the SQLite store does (the contract
tests of ``tests/unit/test_state.py`` and ``test_store_items.py`` run against both): the same
``article`` row per ``article_id`` (site number + local part, 64-bit URL and content hashes,
revision, cluster, the 32-byte near-duplicate sketch), the same ``near_anchor`` index (3 anchors per
article, the same MinHash sketch and probes as :mod:`newscrawl.state.near`), the same ``item`` table
(the compressed feed line of each exported revision, :func:`~newscrawl.state.store.pack_item`) and
``meta`` values (complete sections, ``items-since``). :meth:`PostgresSeenStore.batch` is one
transaction committed at its end, so the pipelines' rule holds unchanged: the state commits an
article only after its feed lines were fsynced.

What differs, because several crawls write at once
--------------------------------------------------
* **Near duplicates, atomically.** Two crawls of two outlets carrying the same press release must
  not both check before either recorded (both would start a cluster). A transaction that looks
  for near duplicates (:meth:`~PostgresSeenStore.near_duplicates`) or files a sketch
  (:meth:`~PostgresSeenStore.record` with ``signature``) first takes transaction-level advisory
  locks on the index entries the text can meet (one per anchor and probe value, :data:`NEAR_SPACE`);
  they are held until that transaction commits or rolls back, so a second crawl's query for a text
  that could match waits for the first one's record to be visible, while crawls of unrelated texts
  go on. To keep the wait short the store then asks for an early commit
  (:attr:`PostgresSeenStore.commit_wanted`): the dedupe pipeline commits as soon as no item is between
  it and the feed writers (after the fsync, as always) instead of after
  ``NEWSCRAWL_STATE_COMMIT_EVERY`` items, and holds its next item until then, so each transaction
  takes its keys once and the locks cannot deadlock. (One lock for the whole index, as before, made
  two workers 1.2x one: a crawl waited for it in 88 % of samples.)
* **Site numbers** (the ``article_id`` prefixes) are registered on a second, auto-committed
  connection, so a new outlet never makes other crawls wait for this crawl's open transaction.
* **Schema**: created and migrated by :func:`ensure_schema` (the ordered :data:`MIGRATIONS`; the
  version is the ``schema_version`` row of ``meta``), under an advisory lock so two crawls starting
  together do not both migrate. A database with a newer version is refused with one line.
* **Errors**: an unreachable server, a refused login or a bad URI is :class:`PostgresStateError`,
  one line naming ``host:port/database`` (``scrapy crawl`` exits 65 as for a bad state file); a
  failed statement during a crawl is :class:`PostgresError`, which the dedupe pipeline handles as
  any state write error (the crawl stops, nothing unwritten is committed).

The crawl lock: :class:`PostgresCrawlLock`
------------------------------------------
With a PostgreSQL state, ``scrapy crawl`` locks the *outlet*, not the store: many machines crawl
many outlets into one state, one crawl per outlet at a time. The lock is the session-level advisory
lock ``pg_try_advisory_lock(`` :data:`CRAWL_LOCK_SPACE` ``, hash of the outlet slug)`` on a
connection of its own, held for the whole crawl. The server drops it when that connection ends: a
normal exit, ``kill -9`` (the kernel closes the socket) or, for a machine that vanished, TCP
keepalives (30 s idle + 3 probes 10 s apart, set for the session on the server side). A
``crawl_lock`` row names the holder (pid, host, start, command) for the "locked by" message.
"""

from __future__ import annotations

import hashlib
import logging
import os
import socket
import sys
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from newscrawl.state.lock import LockBusy
from newscrawl.state.near import ANCHOR_CAP, ANCHORS, DEFAULT_THRESHOLD, NearMatch, Signature, similarities
from newscrawl.state.store import (
    ITEMS_SINCE,
    REVISIONS,
    Change,
    SeenRecord,
    StateError,
    StoredItem,
    _at,  # the time and article-id conventions are one rule for both stores
    _dt,
    _seconds,
    _split_id,
    _ts,
    content_key,
    item_revision,
    job_key,
    key64,
    pack_item,
    unpack_item,
    updated_record,
)

if TYPE_CHECKING:
    import psycopg

logger = logging.getLogger(__name__)

SCHEMES = ("postgresql://", "postgres://")
#: Advisory lock key spaces (the two-integer form): ours never collide with an application's one-bigint keys.
STATE_LOCK_SPACE = 0x6E63  # "nc": schema migrations, the near-duplicate index
CRAWL_LOCK_SPACE = 0x6E64  # one key per outlet slug
MIGRATE_LOCK = 1
NEAR_SPACE = 0x6E65  # one key per near-duplicate anchor/probe value (int32)
#: Ordered migrations: entry ``n`` brings a database from schema ``n`` to ``n + 1``. Append, never edit.
MIGRATIONS: list[list[str]] = [
    [
        "CREATE TABLE IF NOT EXISTS site (id integer GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,"
        " prefix text NOT NULL UNIQUE)",
        "CREATE TABLE article (key bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY, site integer NOT NULL,"
        " local bigint NOT NULL, local_text text, url_hash bigint, content_hash bigint, cluster bigint,"
        " first_seen bigint NOT NULL, last_seen bigint NOT NULL, published bigint, modified bigint,"
        " revision integer NOT NULL, sketch bytea)",
        "CREATE UNIQUE INDEX article_id ON article (site, local)",
        "CREATE INDEX article_url_hash ON article (url_hash)",
        "CREATE INDEX article_content_hash ON article (content_hash)",
        "CREATE TABLE near_anchor (anchor integer NOT NULL, key bigint NOT NULL, PRIMARY KEY (anchor, key))",
        "CREATE TABLE item (key bigint NOT NULL, revision integer NOT NULL, stored_at bigint NOT NULL,"
        " payload bytea NOT NULL, PRIMARY KEY (key, revision))",
        "CREATE TABLE crawl_lock (outlet text PRIMARY KEY, pid integer NOT NULL, host text NOT NULL,"
        " started text NOT NULL, command text)",
    ],
    [  # 2: outlet jobs (newscrawl/dist): one row per attempt, its exit status and run report
        "CREATE TABLE job (job_id text NOT NULL, started bigint NOT NULL, outlet text NOT NULL, record jsonb NOT NULL,"
        " PRIMARY KEY (job_id, started))",
        "CREATE INDEX job_outlet ON job (outlet, started)",
    ],
]
SCHEMA_VERSION = len(MIGRATIONS)
_COLUMNS = ("key, site, local, local_text, url_hash, content_hash, cluster, first_seen, last_seen, published, "
            "modified, revision")
_T = TypeVar("_T")


class PostgresStateError(StateError):
    """The PostgreSQL state cannot be used (unreachable, login refused, bad URI, unknown schema): one line."""

    def __init__(self, where: str, problem: str) -> None:
        self.where = where
        self.path = Path(where)
        self.problem = problem
        RuntimeError.__init__(self, f"PostgreSQL state {where} {problem}")


class PostgresError(RuntimeError):
    """A statement failed during a crawl (the dedupe pipeline treats it as a state write error)."""


def is_postgres(uri: str | None) -> bool:
    return bool(uri) and str(uri).startswith(SCHEMES)


def _psycopg() -> Any:
    """psycopg, imported on first use (a SQLite crawl never loads it)."""
    try:
        import psycopg
    except ImportError as exc:  # pragma: no cover - requirements.txt installs it
        raise PostgresStateError("(driver)", f"needs psycopg 3 (pip install 'psycopg[binary]'): {exc}") from None
    return psycopg


def describe_uri(uri: str) -> str:
    """``host:port/database`` of a URI, for messages (never the password); the URI when it cannot be parsed."""
    try:
        from psycopg.conninfo import conninfo_to_dict

        params = conninfo_to_dict(uri)
    except Exception:
        return "(unparsable URI)"
    host = str(params.get("host") or os.environ.get("PGHOST") or "localhost")
    port = str(params.get("port") or os.environ.get("PGPORT") or "5432")
    db = str(params.get("dbname") or os.environ.get("PGDATABASE") or params.get("user") or "")
    return f"{host}:{port}/{db}"


def _one_line(exc: BaseException) -> str:
    return " ".join(str(exc).split())[:300] or type(exc).__name__


def connect(uri: str, *, autocommit: bool = True, **kwargs: Any) -> psycopg.Connection[Any]:
    """A connection to ``uri``; :class:`PostgresStateError` (one line naming host:port) when it fails."""
    pg = _psycopg()
    where = describe_uri(uri)
    try:
        params = pg.conninfo.conninfo_to_dict(uri)
    except pg.Error as exc:
        raise PostgresStateError(where, f"has a bad URI ({_one_line(exc)})") from None
    params.setdefault("connect_timeout", 10)
    params.setdefault("application_name", "newscrawl")
    try:
        conn: psycopg.Connection[Any] = pg.connect(**params, autocommit=autocommit, **kwargs)
    except pg.Error as exc:
        raise PostgresStateError(where, f"cannot be reached ({_one_line(exc)})") from None
    return conn


def ensure_schema(conn: psycopg.Connection[Any], where: str, *, migrate: bool = True) -> int:
    """Create or migrate the schema (under :data:`MIGRATE_LOCK`); its version. ``migrate=False``: only check."""
    with conn.transaction():
        if migrate:
            conn.execute("SELECT pg_advisory_xact_lock(%s, %s)", (STATE_LOCK_SPACE, MIGRATE_LOCK))
        tables = {r[0] for r in conn.execute(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema()")}
        version = 0
        if "meta" in tables:
            row = conn.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()
            version = int(row[0]) if row and str(row[0]).isdecimal() else 0
        if version > SCHEMA_VERSION:
            raise PostgresStateError(where, f"has state schema {version}, newer than this newscrawl's "
                                            f"({SCHEMA_VERSION}): use the newscrawl that wrote it")
        if version == 0 and tables & {"article", "item", "near_anchor"}:
            raise PostgresStateError(where, "is a database with other tables than a newscrawl state "
                                            f"({', '.join(sorted(tables)[:5])}): give it a database of its own")
        if version == SCHEMA_VERSION or not migrate:
            if version != SCHEMA_VERSION:
                raise PostgresStateError(where, f"has state schema {version}, not {SCHEMA_VERSION}: the next "
                                                "`scrapy crawl` with it creates or upgrades it (it is only read here)")
            return version
        conn.execute("CREATE TABLE IF NOT EXISTS meta (key text PRIMARY KEY, value text NOT NULL)")
        for number, statements in enumerate(MIGRATIONS[version:], version + 1):
            for statement in statements:
                conn.execute(statement)
            logger.info("PostgreSQL state %s: schema %d applied", where, number)
        if version == 0:
            conn.execute("INSERT INTO meta (key, value) VALUES (%s, %s) ON CONFLICT (key) DO NOTHING",
                         (ITEMS_SINCE, str(int(datetime.now(UTC).timestamp()))))
        conn.execute("INSERT INTO meta (key, value) VALUES ('schema_version', %s) ON CONFLICT (key) DO UPDATE "
                     "SET value = excluded.value", (str(SCHEMA_VERSION),))
    return SCHEMA_VERSION




def _guarded(method: Callable[..., _T]) -> Callable[..., _T]:
    """psycopg errors of a store method become :class:`PostgresError` (one line, the pipeline's state error)."""

    def wrapper(self: PostgresSeenStore, *args: Any, **kwargs: Any) -> _T:
        try:
            return method(self, *args, **kwargs)
        except self._pg.Error as exc:
            raise PostgresError(f"PostgreSQL state {self.where}: {_one_line(exc)}") from None

    wrapper.__name__ = method.__name__
    wrapper.__doc__ = method.__doc__
    return wrapper


class PostgresSeenStore:
    """:class:`~newscrawl.state.store.SeenStore` in a PostgreSQL database (see the module docstring).

    ``readonly=True`` (``scrapy export``, ``scrapy report``): nothing is created or migrated and the
    session is read-only; a database without the current schema raises :class:`PostgresStateError`.
    """

    def __init__(self, uri: str, *, near_threshold: float = DEFAULT_THRESHOLD, readonly: bool = False,
                 check: bool = True, cache_mb: int | None = None) -> None:
        del check, cache_mb  # SQLite file options: the server checks and caches
        if not 0.0 < near_threshold <= 1.0:
            raise ValueError(f"threshold must be in (0, 1], got {near_threshold!r}")
        self._pg = _psycopg()
        self.uri = uri
        self.where = describe_uri(uri)
        self.threshold = near_threshold
        self.readonly = readonly
        self._depth = 0
        self._near_locked = False
        #: Near-duplicate lock keys (anchor and probe values) this transaction holds.
        self._near_keys: set[int] = set()
        #: (article_id, key) of the last record() in this transaction: put_item of it needs no look-up.
        self._last: tuple[str, int] | None = None
        self._side: psycopg.Connection[Any] | None = None
        self.conn = connect(uri)
        try:
            ensure_schema(self.conn, self.where, migrate=not readonly)
            if readonly:
                self.conn.execute("SET default_transaction_read_only = on")
        except self._pg.Error as exc:
            self.conn.close()
            raise PostgresStateError(self.where, f"cannot be used ({_one_line(exc)})") from None
        except BaseException:
            self.conn.close()
            raise
        self._site_ids: dict[str, int] = {}
        self._site_names: dict[int, str] = {}
        self._load_sites()

    # -- transactions -----------------------------------------------------------------

    def _load_sites(self) -> None:
        for site_id, prefix in self.conn.execute("SELECT id, prefix FROM site"):
            self._site_ids[prefix] = site_id
            self._site_names[site_id] = prefix

    @property
    def commit_wanted(self) -> bool:
        """True when the open batch holds the near-duplicate lock: commit as soon as the feeds allow."""
        return self._near_locked

    @contextmanager
    def batch(self) -> Iterator[None]:
        """One transaction for all writes inside (nested batches join the outer one); committed on a normal
        exit, rolled back on an exception. A commit that fails raises :class:`PostgresError`."""
        if self._depth:
            self._depth += 1
            try:
                yield
            finally:
                self._depth -= 1
            return
        try:
            self.conn.execute("BEGIN")
        except self._pg.Error as exc:
            raise PostgresError(f"PostgreSQL state {self.where}: {_one_line(exc)}") from None
        self._depth = 1
        try:
            yield
        except BaseException:
            self._depth = 0
            self._near_locked = False
            self._near_keys.clear()
            self._last = None  # its key is gone with the transaction
            try:
                self.conn.execute("ROLLBACK")
            except self._pg.Error as exc:
                logger.debug("rollback failed: %s", exc)
            raise
        self._depth = 0
        self._near_locked = False
        self._near_keys.clear()
        try:
            self.conn.execute("COMMIT")
        except self._pg.Error as exc:
            raise PostgresError(f"PostgreSQL state {self.where}: commit failed: {_one_line(exc)}") from None

    def _lock_near(self, *parsed: Signature) -> None:
        """Lock, for the open transaction, the index entries these signatures can meet: one advisory lock per
        anchor and probe value (:data:`NEAR_SPACE`), taken in ascending order in one statement and released
        by the commit or rollback. Two texts can only be found near duplicates of each other through a probe
        of one equal to an anchor of the other, so two crawls that could miss such a pair wait for each other,
        and crawls of unrelated articles do not. A transaction that takes its keys once (what the dedupe
        pipeline does: one near-checked article per transaction, :meth:`reserve_near` for many) never waits
        while holding some, so the locks cannot deadlock."""
        if not self._depth:
            return
        keys = sorted({k for p in parsed for k in (*p.anchors, *p.probes)} - self._near_keys)
        if keys:
            self.conn.execute("SELECT count(pg_advisory_xact_lock(%s, k)) FROM unnest(%s::integer[]) AS t(k)",
                              (NEAR_SPACE, keys))
            self._near_keys.update(keys)
        self._near_locked = True

    @_guarded
    def try_reserve_near(self, signature: bytes) -> bool:
        """Take this signature's near-duplicate locks now if no other transaction holds any of them; never
        waits. False: some are held elsewhere (those taken stay taken until the commit); the caller must not
        query or record the signature in this transaction, but wait for its commit first."""
        if not self._depth:
            return True
        parsed = Signature.parse(signature)
        keys = sorted({*parsed.anchors, *parsed.probes} - self._near_keys)
        if not keys:
            return True
        got = [row[0] for row in self.conn.execute(
            "SELECT k FROM unnest(%s::integer[]) AS t(k) WHERE pg_try_advisory_xact_lock(%s, k)",
            (keys, NEAR_SPACE)).fetchall()]
        self._near_keys.update(got)
        self._near_locked = True
        return len(got) == len(keys)

    @_guarded
    def reserve_near(self, signatures: Sequence[bytes]) -> None:
        """Take the near-duplicate locks of all ``signatures`` at once, before recording them in the open
        transaction (the crash reconciliation records many articles in one)."""
        self._lock_near(*(Signature.parse(s) for s in signatures))

    # -- reading ----------------------------------------------------------------------

    def _site_name(self, site: int) -> str:
        name = self._site_names.get(site)
        if name is None:  # registered by another crawl since we loaded them
            self._load_sites()
            name = self._site_names[site]
        return name

    def _record(self, row: Sequence[Any]) -> SeenRecord:
        key, site, local, local_text, url_hash, content_hash, cluster, first, last, published, modified, revision = row
        local = local if local_text is None else local_text
        article_id = f"{self._site_name(site)}:{local}" if site else str(local)
        return SeenRecord(key, article_id, url_hash, content_hash, key if cluster is None else cluster,
                          _at(first), _at(last), _dt(published), _dt(modified), revision)

    def _known_site(self, prefix: str | None) -> int | None:
        """The number of ``prefix`` (0 for none), looked up again when another crawl may have added it."""
        if prefix is None:
            return 0
        site = self._site_ids.get(prefix)
        if site is None:
            row = self.conn.execute("SELECT id FROM site WHERE prefix = %s", (prefix,)).fetchone()
            if row is not None:
                site = int(row[0])
                self._site_ids[prefix], self._site_names[site] = site, prefix
        return site

    @_guarded
    def get(self, *, article_id: str | None = None, url: str | None = None,
            content_hash: str | None = None, key: int | None = None) -> SeenRecord | None:
        if sum(v is not None for v in (article_id, url, content_hash, key)) != 1:
            raise TypeError("get() takes exactly one of article_id, url, content_hash, key")
        if key is not None:
            where, arg = "key = %s", key
        elif article_id is not None:
            prefix, local, _ = _split_id(article_id)
            site = self._known_site(prefix)
            if site is None:
                return None
            row = self.conn.execute(f"SELECT {_COLUMNS} FROM article WHERE site = %s AND local = %s",
                                    (site, local)).fetchone()
            return self._record(row) if row else None
        elif url is not None:
            where, arg = "url_hash = %s ORDER BY last_seen DESC, key DESC LIMIT 1", key64(url)
        else:
            assert content_hash is not None
            where, arg = "content_hash = %s ORDER BY key LIMIT 1", content_key(content_hash)
        row = self.conn.execute(f"SELECT {_COLUMNS} FROM article WHERE {where}", (arg,)).fetchone()
        return self._record(row) if row else None

    @_guarded
    def near_duplicates(self, signature: bytes, threshold: float | None = None,
                        limit: int = 5) -> list[tuple[SeenRecord, float]]:
        """As the SQLite store's; inside a batch it takes the near-duplicate lock first (module docstring)."""
        threshold = self.threshold if threshold is None else threshold
        parsed = Signature.parse(signature)
        self._lock_near(parsed)
        if not parsed.probes:
            return []
        rows = self.conn.execute(f"SELECT {_COLUMNS}, sketch FROM article WHERE key IN (SELECT key FROM near_anchor "
                                 "WHERE anchor = ANY(%s)) AND sketch IS NOT NULL", (list(parsed.probes),)).fetchall()
        if not rows:
            return []
        sims = similarities(parsed.sketch, [bytes(r[-1]) for r in rows])
        matches = [(NearMatch(int(r[0]), round(float(s), 4)), r) for r, s in zip(rows, sims, strict=True)
                   if s >= threshold]
        matches.sort(key=lambda m: (-m[0].similarity, m[0].key))
        return [(self._record(r[:-1]), m.similarity) for m, r in matches[:limit]]

    @_guarded
    def __iter__(self) -> Iterator[SeenRecord]:
        """Every record in insertion order (streamed through a server-side cursor)."""
        return self._stream(f"SELECT {_COLUMNS} FROM article ORDER BY key", (), self._record)

    def _stream(self, sql: str, args: Sequence[Any], make: Callable[[Any], _T]) -> Iterator[_T]:
        pg = self._pg
        own = self._depth == 0 and self.conn.info.transaction_status == pg.pq.TransactionStatus.IDLE
        try:
            if own:
                self.conn.execute("BEGIN")
            cursor = self.conn.cursor(name=f"nc_{id(object()):x}")
            cursor.itersize = 500
            try:
                cursor.execute(sql, args)
                for row in cursor:
                    yield make(row)
            finally:
                cursor.close()
            if own:
                self.conn.execute("COMMIT")
        except pg.Error as exc:
            raise PostgresError(f"PostgreSQL state {self.where}: {_one_line(exc)}") from None
        finally:
            if own and self.conn.info.transaction_status != pg.pq.TransactionStatus.IDLE and not self.conn.closed:
                self.conn.execute("ROLLBACK")

    @_guarded
    def __len__(self) -> int:
        return self._count("SELECT count(*) FROM article", ())

    def sites(self) -> list[str]:
        """The outlets (``article_id`` prefixes) the store has seen, sorted."""
        self._load_sites()
        return sorted(self._site_ids)

    @_guarded
    def site_articles(self, slug: str) -> int:
        """How many articles of outlet ``slug`` the store knows."""
        row = self.conn.execute("SELECT count(*) FROM article JOIN site ON site.id = article.site "
                                "WHERE site.prefix = %s", (slug,)).fetchone()
        return int(row[0]) if row else 0

    @_guarded
    def describe(self) -> list[str]:
        """What ``scrapy state check`` prints: schema, size, counts (the lines of the SQLite check)."""
        conn = self.conn
        version = conn.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()
        size = conn.execute("SELECT pg_database_size(current_database())").fetchone()
        total, revised, first, last = conn.execute(
            "SELECT count(*), count(*) FILTER (WHERE revision > 1), min(first_seen), max(last_seen) FROM article"
        ).fetchone() or (0, 0, None, None)
        items = conn.execute("SELECT count(*) FROM item").fetchone()
        meta = conn.execute("SELECT count(*) FROM meta").fetchone()
        sites = conn.execute("SELECT site.prefix, count(*) FROM article LEFT JOIN site ON site.id = article.site "
                             "GROUP BY site.prefix ORDER BY count(*) DESC, site.prefix").fetchall()
        locks = conn.execute("SELECT outlet, pid, host, started FROM crawl_lock ORDER BY outlet").fetchall()
        lines = [f"schema version {version[0] if version else '?'}; database {size[0] if size else 0:,} bytes",
                 f"{total:,} articles ({revised:,} with revisions), {items[0] if items else 0:,} stored items, "
                 f"{meta[0] if meta else 0:,} meta entries"]
        if first is not None:
            lines.append(f"first seen {_at(int(first)).isoformat()}, last seen {_at(int(last or first)).isoformat()}")
        lines += [f"  {prefix or '(no site prefix)'}: {count:,}" for prefix, count in sites]
        lines += [f"crawl lock row: {outlet} by pid {pid} on {host} since {started}" for outlet, pid, host, started
                  in locks]
        return lines

    # -- writing ----------------------------------------------------------------------

    def _site_id(self, prefix: str | None) -> int:
        site = self._known_site(prefix)
        if site is not None:
            return site
        assert prefix is not None
        # A second connection, committed at once: other crawls never wait for this crawl's open transaction.
        if self._side is None:
            self._side = connect(self.uri)
        self._side.execute("INSERT INTO site (prefix) VALUES (%s) ON CONFLICT (prefix) DO NOTHING", (prefix,))
        row = self._side.execute("SELECT id FROM site WHERE prefix = %s", (prefix,)).fetchone()
        assert row is not None
        site = int(row[0])
        self._site_ids[prefix], self._site_names[site] = site, prefix
        return site

    @_guarded
    def record(self, article_id: str, *, url: str | None = None, content_hash: str | None = None,
               signature: bytes | None = None, cluster_id: int | None = None,
               published_at: datetime | None = None, modified_at: datetime | None = None,
               seen_at: datetime | None = None) -> tuple[SeenRecord, Change]:
        """As :meth:`newscrawl.state.store.SQLiteSeenStore.record`."""
        if not article_id:
            raise ValueError("article_id is required (use the canonical URL when an item has none)")
        seen = _seconds(seen_at, "seen_at") if seen_at is not None else int(datetime.now(UTC).timestamp())
        published, modified = _ts(published_at, "published_at"), _ts(modified_at, "modified_at")
        url_hash = key64(url) if url else None
        body_hash = content_key(content_hash) if content_hash else None
        parsed = Signature.parse(signature) if signature is not None else None
        with self.batch():
            if parsed is not None:
                self._lock_near(parsed)
            conn = self.conn
            prefix, local, local_text = _split_id(article_id)
            site = self._site_id(prefix)
            # Insert first (one round trip for a new article, what a crawl mostly records); a known one is read.
            inserted = conn.execute(
                "INSERT INTO article (site, local, local_text, url_hash, content_hash, cluster, first_seen,"
                " last_seen, published, modified, revision, sketch) VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s,"
                " %s, 1, %s) ON CONFLICT (site, local) DO NOTHING RETURNING key",
                (site, local, local_text, url_hash, body_hash, cluster_id, seen, seen, published, modified,
                 parsed.sketch if parsed else None)).fetchone()
            if inserted is not None:
                key = int(inserted[0])
                self._last = (article_id, key)
                if parsed is not None:
                    self._add_anchors(key, parsed.anchors)
                return SeenRecord(key, article_id, url_hash, body_hash, key if cluster_id is None else cluster_id,
                                  _at(seen), _at(seen), _dt(published), _dt(modified), 1), Change.NEW
            row = conn.execute(f"SELECT {_COLUMNS}, sketch FROM article WHERE site = %s AND local = %s",
                               (site, local)).fetchone()
            assert row is not None
            old = self._record(row[:-1])
            self._last = (article_id, old.key)
            old_sketch = row[-1]
            new, changed = updated_record(old, url_hash=url_hash, content_hash=body_hash, cluster_id=cluster_id,
                                          seen=seen, published=published, modified=modified)
            if new != old:
                conn.execute(
                    "UPDATE article SET url_hash = %s, content_hash = %s, cluster = %s, last_seen = %s,"
                    " published = %s, modified = %s, revision = %s WHERE key = %s",
                    (new.url_hash, new.content_hash, None if new.cluster_id == new.key else new.cluster_id,
                     _ts(new.last_seen, ""), _ts(new.published_at, ""), _ts(new.modified_at, ""), new.revision,
                     new.key))
            if parsed is not None and (changed or old.content_hash is None or old_sketch is None):
                if old_sketch is None or bytes(old_sketch) != parsed.sketch:
                    conn.execute("UPDATE article SET sketch = %s WHERE key = %s", (parsed.sketch, old.key))
                self._add_anchors(old.key, parsed.anchors)
            return new, Change.CHANGED if changed else Change.UNCHANGED

    def _add_anchors(self, key: int, choices: Sequence[int]) -> None:
        """File ``key`` under the first :data:`ANCHORS` choices not already shared by :data:`ANCHOR_CAP` keys
        (the rule of :meth:`newscrawl.state.near.NearIndex.add`)."""
        if not choices:
            return
        # One round trip: the rare choices in their order, or when none is rare the least shared ones.
        self.conn.execute(
            "WITH c AS (SELECT a, ord, (SELECT count(*) FROM near_anchor WHERE anchor = a) AS n "
            "FROM unnest(%(choices)s::integer[]) WITH ORDINALITY AS t(a, ord)) "
            "INSERT INTO near_anchor (anchor, key) SELECT a, %(key)s FROM c "
            "WHERE n < %(cap)s OR NOT EXISTS (SELECT 1 FROM c WHERE n < %(cap)s) "
            "ORDER BY CASE WHEN n < %(cap)s THEN -1 ELSE n END, ord LIMIT %(anchors)s ON CONFLICT DO NOTHING",
            {"choices": list(choices), "key": key, "cap": ANCHOR_CAP, "anchors": ANCHORS})

    # -- the dataset --------------------------------------------------------------------

    @_guarded
    def put_item(self, article_id: str, item: Mapping[str, Any], *, revision: int, kind: str = "article",
                 stored_at: datetime | None = None) -> None:
        """As :meth:`newscrawl.state.store.SQLiteSeenStore.put_item`."""
        revision = item_revision(kind, revision)
        if self._last is not None and self._last[0] == article_id:  # just recorded (the pipeline's order)
            row: Sequence[Any] | None = (self._last[1],)
        else:
            prefix, local, _ = _split_id(article_id)
            site = self._known_site(prefix)
            row = None if site is None else self.conn.execute(
                "SELECT key FROM article WHERE site = %s AND local = %s", (site, local)).fetchone()
        if row is None:
            raise ValueError(f"put_item({article_id!r}): record() the article first")
        at = _seconds(stored_at, "stored_at") if stored_at is not None else int(datetime.now(UTC).timestamp())
        payload = pack_item(item)
        with self.batch():
            self.conn.execute("INSERT INTO item (key, revision, stored_at, payload) VALUES (%s, %s, %s, %s) "
                              "ON CONFLICT (key, revision) DO UPDATE SET stored_at = excluded.stored_at, "
                              "payload = excluded.payload", (row[0], revision, at, payload))

    def _item_query(self, select: str, sites: Sequence[str] | None, since: datetime | None,
                    until: datetime | None, revisions: str, include_rejects: bool) -> tuple[str, list[Any]]:
        if revisions not in REVISIONS:
            raise ValueError(f"revisions must be one of {', '.join(REVISIONS)} (got {revisions!r})")
        where: list[str] = []
        args: list[Any] = []
        where.append("i.revision > 0" if not include_rejects else
                     "(i.revision > 0 OR (i.revision = 0 AND NOT EXISTS (SELECT 1 FROM item j WHERE j.key = i.key "
                     "AND j.revision > 0)))")
        if revisions == "latest":
            where.append("(i.revision = 0 OR i.revision = (SELECT max(revision) FROM item j WHERE j.key = i.key))")
        if sites is not None:
            where.append("s.prefix = ANY(%s)")
            args.append(list(sites))
        if since is not None:
            where.append("a.published >= %s")
            args.append(_seconds(since, "since"))
        if until is not None:
            where.append("a.published <= %s")
            args.append(_seconds(until, "until"))
        return (f"SELECT {select} FROM item i JOIN article a ON a.key = i.key LEFT JOIN site s ON s.id = a.site "
                f"WHERE {' AND '.join(where)}"), args

    def items(self, *, sites: Sequence[str] | None = None, since: datetime | None = None,
              until: datetime | None = None, revisions: str = "latest",
              include_rejects: bool = False) -> Iterator[StoredItem]:
        """As :meth:`newscrawl.state.store.SQLiteSeenStore.items` (same order: slug by code point, date, article)."""
        sql, args = self._item_query("s.prefix, a.local, a.local_text, a.published, i.revision, i.stored_at, "
                                     "i.payload", sites, since, until, revisions, include_rejects)
        sql += (' ORDER BY s.prefix COLLATE "C" NULLS FIRST, a.published IS NULL, a.published, a.key, i.revision')

        def make(row: Sequence[Any]) -> StoredItem:
            prefix, local, local_text, published, revision, stored_at, payload = row
            local = local if local_text is None else local_text
            article_id = f"{prefix}:{local}" if prefix else str(local)
            return StoredItem(article_id, prefix, revision, "reject" if revision == 0 else "article",
                              _at(stored_at), _dt(published), unpack_item(bytes(payload)))

        return self._stream(sql, args, make)

    @_guarded
    def count_items(self, *, sites: Sequence[str] | None = None, since: datetime | None = None,
                    until: datetime | None = None, revisions: str = "latest", include_rejects: bool = False) -> int:
        sql, args = self._item_query("count(*)", sites, since, until, revisions, include_rejects)
        return self._count(sql, args)

    def _count(self, sql: str, args: Sequence[Any]) -> int:
        row = self.conn.execute(sql, args).fetchone()
        return int(row[0]) if row else 0

    @_guarded
    def latest_item(self, article_id: str, *, include_rejects: bool = False) -> StoredItem | None:
        prefix, local, _ = _split_id(article_id)
        site = self._known_site(prefix)
        if site is None:
            return None
        row = self.conn.execute(
            "SELECT a.published, i.revision, i.stored_at, i.payload FROM article a JOIN item i ON i.key = a.key "
            "WHERE a.site = %s AND a.local = %s AND i.revision >= %s ORDER BY i.revision DESC LIMIT 1",
            (site, local, 0 if include_rejects else 1)).fetchone()
        if row is None:
            return None
        published, revision, stored_at, payload = row
        return StoredItem(article_id, prefix, revision, "reject" if revision == 0 else "article", _at(stored_at),
                          _dt(published), unpack_item(bytes(payload)))

    @_guarded
    def has_item(self, article_id: str) -> bool:
        prefix, local, _ = _split_id(article_id)
        site = self._known_site(prefix)
        return site is not None and self.conn.execute(
            "SELECT 1 FROM article a JOIN item i ON i.key = a.key WHERE a.site = %s AND a.local = %s LIMIT 1",
            (site, local)).fetchone() is not None

    @_guarded
    def get_meta(self, key: str) -> str | None:
        row = self.conn.execute("SELECT value FROM meta WHERE key = %s", (key,)).fetchone()
        return None if row is None else str(row[0])

    @_guarded
    def set_meta(self, key: str, value: str) -> None:
        with self.batch():
            self.conn.execute("INSERT INTO meta (key, value) VALUES (%s, %s) ON CONFLICT (key) DO UPDATE SET "
                              "value = excluded.value", (key, value))

    @_guarded
    def put_job(self, record: Mapping[str, Any]) -> None:
        with self.batch():
            self.conn.execute("INSERT INTO job (job_id, started, outlet, record) VALUES (%s, %s, %s, %s::jsonb) "
                              "ON CONFLICT (job_id, started) DO UPDATE SET record = excluded.record", job_key(record))

    @_guarded
    def jobs(self, *, outlet: str | None = None, limit: int = 100) -> list[dict[str, Any]]:
        where, args = ("WHERE outlet = %s", [outlet]) if outlet is not None else ("", [])
        rows = self.conn.execute(f"SELECT record FROM job {where} ORDER BY started DESC LIMIT %s",
                                 (*args, int(limit))).fetchall()
        return [dict(row[0]) for row in rows]

    def close(self) -> None:
        if self._depth:
            raise RuntimeError("close() inside a batch")
        for conn in (self.conn, self._side):
            if conn is not None and not conn.closed:
                conn.close()  # an open transaction (an abandoned stream) is rolled back by the server

    def __enter__(self) -> PostgresSeenStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def check_postgres(uri: str, slug: str | None = None) -> int:
    """What ``scrapy crawl`` checks before the first request: the server answers, the login works and the
    schema is ours (created or migrated now). The number of articles of ``slug`` the state knows (-1 without)."""
    with PostgresSeenStore(uri) as store:
        return store.site_articles(slug) if slug else -1


class PostgresLockBusy(LockBusy):
    """The outlet's crawl lock is held by another crawl (on this machine or another one)."""

    def __init__(self, where: str, holder: dict[str, Any] | None, waited: float = 0.0) -> None:
        self.where = where
        super().__init__(Path(where), holder, waited)

    def describe(self) -> str:
        return super().describe().replace(f"state lock {self.path}", f"crawl lock of {self.where}")


def _outlet_key(outlet: str) -> int:
    return int.from_bytes(hashlib.blake2b(outlet.encode("utf-8"), digest_size=4).digest(), "big", signed=True)


class PostgresCrawlLock:
    """One crawl per outlet across every machine sharing the PostgreSQL state (module docstring).

    Same interface as :class:`newscrawl.state.lock.StateLock`: :meth:`acquire` (waits up to ``wait``
    seconds, then :class:`PostgresLockBusy`), :meth:`release`, ``path`` (what the messages name).
    """

    def __init__(self, uri: str, outlet: str, wait: float = 0.0, poll: float = 0.5,
                 command: str | None = None) -> None:
        self.uri = uri
        self.outlet = outlet
        self.wait = max(0.0, float(wait))
        self.poll = poll
        self.command = command if command is not None else " ".join(sys.argv)
        self.path = f"outlet {outlet} on {describe_uri(uri)}"
        self.key = _outlet_key(outlet)
        self.conn: psycopg.Connection[Any] | None = None
        self.holder: dict[str, Any] | None = None

    @property
    def locked(self) -> bool:
        return self.holder is not None

    def _connect(self) -> psycopg.Connection[Any]:
        conn = connect(self.uri, keepalives=1, keepalives_idle=30, keepalives_interval=10, keepalives_count=3)
        pg = _psycopg()
        try:
            ensure_schema(conn, describe_uri(self.uri))
            # The server's side of the socket: a vanished machine's session (and lock) ends after ~60 s.
            for name, value in (("tcp_keepalives_idle", 30), ("tcp_keepalives_interval", 10),
                                ("tcp_keepalives_count", 3)):
                conn.execute(f"SET {name} = {int(value)}")
        except pg.Error as exc:
            conn.close()
            raise PostgresStateError(describe_uri(self.uri), f"cannot be used ({_one_line(exc)})") from None
        except BaseException:
            conn.close()
            raise
        return conn

    def acquire(self) -> PostgresCrawlLock:
        if self.holder is not None:
            raise RuntimeError(f"{self.path} is already locked by this lock")
        pg = _psycopg()
        conn = self._connect()
        started = time.monotonic()
        announced = False
        try:
            while True:
                row = conn.execute("SELECT pg_try_advisory_lock(%s, %s)", (CRAWL_LOCK_SPACE, self.key)).fetchone()
                if row is not None and row[0]:
                    break
                found = conn.execute("SELECT pid, host, started, command FROM crawl_lock WHERE outlet = %s",
                                     (self.outlet,)).fetchone()
                holder = dict(zip(("pid", "host", "started", "command"), found, strict=True)) if found else {}
                now = time.monotonic()
                if now - started >= self.wait:
                    raise PostgresLockBusy(self.path, holder, now - started if self.wait else 0.0)
                if not announced:
                    logger.info("crawl lock of %s is taken (pid %s on %s since %s): waiting up to %ss "
                                "(NEWSCRAWL_LOCK_WAIT)", self.path, holder.get("pid", "?"), holder.get("host", "?"),
                                holder.get("started", "?"), f"{self.wait:g}")
                    announced = True
                time.sleep(min(self.poll, max(0.0, started + self.wait - now)))
            holder = {"pid": os.getpid(), "host": socket.gethostname(),
                      "started": datetime.now(UTC).isoformat(timespec="seconds"), "command": self.command}
            previous = conn.execute(
                "SELECT pid, host, started FROM crawl_lock WHERE outlet = %s", (self.outlet,)).fetchone()
            if previous is not None:
                logger.info("stale crawl lock of %s cleared: its holder (pid %s on %s since %s) ended without "
                            "releasing it", self.path, *previous)
            conn.execute("INSERT INTO crawl_lock (outlet, pid, host, started, command) VALUES (%s, %s, %s, %s, %s) "
                         "ON CONFLICT (outlet) DO UPDATE SET pid = excluded.pid, host = excluded.host, "
                         "started = excluded.started, command = excluded.command",
                         (self.outlet, holder["pid"], holder["host"], holder["started"], holder["command"]))
        except pg.Error as exc:
            conn.close()
            raise PostgresStateError(describe_uri(self.uri), f"cannot be locked ({_one_line(exc)})") from None
        except BaseException:
            conn.close()
            raise
        self.conn, self.holder = conn, holder
        return self

    def release(self) -> None:
        """Delete the holder row and unlock; harmless when not held (closing the connection unlocks anyway)."""
        conn, self.conn = self.conn, None
        holder, self.holder = self.holder, None
        if conn is None or holder is None:
            return
        try:
            conn.execute("DELETE FROM crawl_lock WHERE outlet = %s AND pid = %s AND host = %s",
                         (self.outlet, holder["pid"], holder["host"]))
            conn.execute("SELECT pg_advisory_unlock(%s, %s)", (CRAWL_LOCK_SPACE, self.key))
        except Exception as exc:  # the server went away: the lock went with the session
            logger.warning("could not release the crawl lock of %s cleanly: %s", self.path, _one_line(exc))
        finally:
            conn.close()

    def __enter__(self) -> PostgresCrawlLock:
        return self.acquire()

    def __exit__(self, *exc: object) -> None:
        self.release()
