"""The state from the feeds: the check that a state is not older than them, and the rebuild.

The JSON Lines feed partitions (``<output>/<site>/<YYYY-MM-DD>.jsonl``) hold every exported
article with its id, canonical URL, content hash, body and dates: everything the state
store keeps (:mod:`newscrawl.state.store`) can be computed again from them. So

* a crawl refuses a state that knows no article of its outlet while that outlet's older
  partitions hold some (:func:`stale_problem`): the state was lost, replaced or is another
  one, and a fresh start would export the whole site again;
* ``scrapy state rebuild --from output/`` (:func:`rebuild_state`) builds a new state from the
  partitions: ids, canonical URLs, content hashes (a later line with another hash of the same
  id is a revision), near-duplicate signatures of the bodies, clusters (``cluster_id``),
  published/modified times and first/last seen (``crawled_at``); rejected articles
  (``*.rejects.jsonl``) are remembered as a crawl remembers them, without content. Which
  sections were once paginated to their end is not in the feeds: the first crawl after a
  rebuild pages each section to its end again (skipping known articles, exporting nothing old).

The partition a crawl appends to (today's) is not held against the state: the dedupe
pipeline's crash reconciliation (``DedupePipeline._reconcile_feeds``) reads it back at start
and records what a killed crawl exported but did not commit.
"""

from __future__ import annotations

import json
import logging
import os
import sqlite3
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, NamedTuple

from scrapy.settings import BaseSettings

from newscrawl.files import fsync_path
from newscrawl.state.near import signature
from newscrawl.state.store import SeenStore, SQLiteSeenStore, StateError, check_state_file, state_location

logger = logging.getLogger(__name__)

REJECTS_SUFFIX = ".rejects.jsonl"


def _aware(value: Any) -> datetime | None:
    try:
        parsed = datetime.fromisoformat(value) if isinstance(value, str) and value else None
    except ValueError:
        return None
    return parsed if parsed is not None and parsed.tzinfo is not None else None


def article_partitions(folder: Path) -> list[Path]:
    """The article feed files (``*.jsonl`` but not ``*.rejects.jsonl``) directly in ``folder``, oldest first."""
    if not folder.is_dir():
        return []
    return sorted(p for p in folder.glob("*.jsonl") if p.is_file() and not p.name.endswith(REJECTS_SUFFIX))


def _has_line(path: Path) -> bool:
    with path.open("rb") as fh:
        return any(line.strip() for line in fh)


_SITE_COUNT = "SELECT count(*) FROM article JOIN site ON site.id = article.site WHERE site.prefix = ?"


def site_articles(store: SeenStore | Path, slug: str) -> int:
    """How many articles of outlet ``slug`` (ids ``slug:...``) a state (open, or a checked file) knows.

    0 for a file that does not exist; -1 for a store that cannot say (not SQLite).
    """
    if isinstance(store, SQLiteSeenStore):
        return int(store.conn.execute(_SITE_COUNT, (slug,)).fetchone()[0])
    if not isinstance(store, Path):
        return -1
    if not store.exists():
        return 0
    conn = sqlite3.connect(store, timeout=10.0)
    try:
        return int(conn.execute(_SITE_COUNT, (slug,)).fetchone()[0])
    except sqlite3.OperationalError:  # no tables yet: a state created but never written
        return 0
    finally:
        conn.close()


def stale_problem(known: int, slug: str, folder: Path, current: Path | None) -> str | None:
    """Why a state that knows ``known`` articles of ``slug`` is older than the partitions in ``folder``, or None.

    The rule: the state knows no article of ``slug`` while a partition other than ``current``
    (the one this crawl appends to, which the crash reconciliation reads back) holds one.
    """
    if known != 0:
        return None
    current = current.resolve() if current is not None else None
    older = [p for p in article_partitions(folder) if p.resolve() != current and _has_line(p)]
    if not older:
        return None
    more = f" and {len(older) - 1} more" if len(older) > 1 else ""
    return (f"knows no article of {slug} but the feed partitions {older[0]}{more} hold some "
            "(the state is older than the feeds: lost, replaced or another one)")


def preflight(uri: str, slug: str | None, folder: Path | None, current: Path | None) -> Path | None:
    """What ``scrapy crawl`` checks before its first request: :class:`StateError` when the state of ``uri``
    cannot be trusted (:func:`~newscrawl.state.store.check_state_file`) or is older than the partitions
    of outlet ``slug`` in ``folder`` (:func:`stale_problem`; skipped when ``slug`` or ``folder`` is None).

    Returns the state file (None for ``memory://``). A missing file with no older partition is a first run.
    """
    location = state_location(uri)
    if location.kind == "postgresql":
        from newscrawl.state.postgres import PostgresStateError, check_postgres, describe_uri

        known = check_postgres(uri, slug)  # reachable, login, schema (created or migrated): PostgresStateError
        problem = stale_problem(known, slug, folder, current) if slug is not None and folder is not None else None
        if problem:
            raise PostgresStateError(describe_uri(uri), problem)
        return None
    path = location.path
    if path is None:
        return None
    output = folder.parent if folder is not None else None
    try:
        exists = check_state_file(path)
    except StateError as exc:
        raise StateError(path, exc.problem, output) from None
    if slug is None or folder is None:
        return path
    problem = stale_problem(site_articles(path, slug), slug, folder, current)
    if problem:
        raise StateError(path, ("does not exist and so " if not exists else "") + problem, output)
    return path


def check_crawl_state(settings: BaseSettings, spidercls: type, arguments: Any) -> Path | None:
    """:func:`preflight` for ``scrapy crawl`` of ``spidercls`` with its parsed ``arguments``.

    The partitions compared are the default ones (``<NEWSCRAWL_OUTPUT_DIR>/<site>/``), so the
    staleness rule applies when they are in use (no ``-o``/``-O``), the outlet is known before
    the crawl (a catalog or family spider) and the run is not ``full=true`` (which exports
    everything again by request).
    """
    from newscrawl.output.feeds import CMDLINE_PRIORITY, crawl_date, output_dir, safe_param

    uri = str(settings["NEWSCRAWL_STATE_URI"])
    slug_of = getattr(arguments, "outlet_slug", None)
    slug = slug_of() if callable(slug_of) else getattr(getattr(spidercls, "site", None), "slug", None)
    default_feeds = (settings.getbool("NEWSCRAWL_FEEDS_ENABLED")
                     and (settings.getpriority("FEEDS") or 0) < CMDLINE_PRIORITY)
    if not isinstance(slug, str) or not default_feeds or getattr(arguments, "full", False):
        return preflight(uri, None, None, None)
    folder = output_dir(settings) / safe_param("site", slug)
    return preflight(uri, slug, folder, folder / f"{crawl_date()}.jsonl")


class RebuildCounts(NamedTuple):
    files: int
    lines: int
    articles: int
    revisions: int
    rejects: int
    skipped: int


def feed_files(source: Path) -> Iterator[Path]:
    """Every ``*.jsonl`` under ``source`` (a folder, or one file): per folder, by name (partition dates sort)."""
    if source.is_file():
        yield source
        return
    files = [p for p in source.rglob("*.jsonl") if p.is_file()]
    # Articles before rejects: a reject remembered without content must not hide a later export.
    yield from sorted(files, key=lambda p: (p.name.endswith(REJECTS_SUFFIX), str(p.parent), p.name))


def _lines(path: Path) -> Iterator[tuple[int, str]]:
    with path.open("r", encoding="utf-8", errors="replace") as fh:
        for number, line in enumerate(fh, 1):
            if line.strip():
                yield number, line


def rebuild_into(store: SQLiteSeenStore, source: Path) -> RebuildCounts:
    """Record every article of the feeds under ``source`` into ``store`` (see the module docstring)."""
    files = lines = articles = revisions = rejects = skipped = 0
    for path in feed_files(source):
        files += 1
        is_rejects = path.name.endswith(REJECTS_SUFFIX)
        with store.batch():
            for number, line in _lines(path):
                lines += 1
                try:
                    record = json.loads(line)
                except ValueError:
                    skipped += 1
                    logger.warning("%s:%d: not JSON, skipped", path, number)
                    continue
                if not isinstance(record, dict):
                    skipped += 1
                    continue
                key = record.get("article_id") or record.get("canonical_url") or record.get("url")
                if not isinstance(key, str) or not key:
                    skipped += 1
                    continue
                published, modified = _aware(record.get("published_at")), _aware(record.get("modified_at"))
                seen = _aware(record.get("crawled_at"))
                try:
                    if is_rejects:
                        if store.get(article_id=key) is None:
                            store.record(key, url=record.get("canonical_url"), published_at=published,
                                         modified_at=modified, seen_at=seen)
                            store.put_item(key, record, revision=0, kind="reject", stored_at=seen)
                            rejects += 1
                        continue
                    cluster = None
                    first = record.get("cluster_id")
                    if isinstance(first, str) and first and first != key:
                        found = store.get(article_id=first)
                        cluster = found.cluster_id if found is not None else None
                    body = record.get("body")
                    _, change = store.record(
                        key, url=record.get("canonical_url"), content_hash=record.get("content_hash"),
                        signature=signature(body) if isinstance(body, str) and body else None,
                        cluster_id=cluster, published_at=published, modified_at=modified, seen_at=seen)
                    revision = record.get("revision")
                    stored = store.get(article_id=key)
                    # The feed's own revision number when it has one, else the store's count.
                    number = revision if isinstance(revision, int) and revision > 0 else \
                        (stored.revision if stored is not None else 1)
                    store.put_item(key, record, revision=number, stored_at=seen)
                except (TypeError, ValueError) as exc:
                    skipped += 1
                    logger.warning("%s:%d: %s, skipped", path, number, exc)
                    continue
                if change == "new":
                    articles += 1
                elif change == "changed":
                    revisions += 1
    return RebuildCounts(files, lines, articles, revisions, rejects, skipped)


def corrupt_name(path: Path, now: datetime | None = None) -> Path:
    """``<name>.corrupt-<UTC time>``: where a replaced state file is kept."""
    stamp = (now or datetime.now(UTC)).strftime("%Y%m%dT%H%M%SZ")
    candidate = path.with_name(f"{path.name}.corrupt-{stamp}")
    n = 2
    while candidate.exists():
        candidate = path.with_name(f"{path.name}.corrupt-{stamp}-{n}")
        n += 1
    return candidate


def rebuild_state(source: Path, target: Path, *, near_threshold: float) -> tuple[RebuildCounts, Path | None]:
    """A new state file at ``target`` from the feeds under ``source``; the old file (if any) is kept aside.

    Built beside ``target`` and moved in place only when complete, so a failed rebuild leaves
    ``target`` as it was. Returns the counts and where the old file went (None: there was none).
    """
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(f".{target.name}.rebuild-{os.getpid()}")
    for leftover in (tmp, Path(f"{tmp}-wal"), Path(f"{tmp}-shm")):
        leftover.unlink(missing_ok=True)
    store = SQLiteSeenStore(tmp, near_threshold=near_threshold, check=False)
    try:
        counts = rebuild_into(store, source)
        store.checkpoint()
    except BaseException:
        store.close()
        tmp.unlink(missing_ok=True)
        raise
    store.close()
    kept: Path | None = None
    if target.exists():
        kept = corrupt_name(target)
        os.replace(target, kept)
        for suffix in ("-wal", "-shm"):
            side = Path(f"{target}{suffix}")
            if side.exists():
                os.replace(side, Path(f"{kept}{suffix}"))
    os.replace(tmp, target)
    fsync_path(target.parent)
    return counts, kept
