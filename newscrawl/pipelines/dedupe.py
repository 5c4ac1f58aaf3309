"""DedupePipeline: every article once, across runs and outlets; press-release copies clustered.

Exact duplicates are dropped and counted: an item whose ``article_id``, canonical URL or
normalised-body ``content_hash`` was exported before (in this run or an earlier one,
by any outlet sharing the state store). A second crawl of an unchanged site therefore
exports nothing.

Revisions: an article seen before whose body changed (an edit after a newer 수정 time) is
exported again with ``revision`` incremented and ``previous_content_hash`` (16-hex prefix of
the earlier export's hash); it keeps its cluster. With the spider argument ``full=true``
unchanged known articles are exported again too (a full snapshot).

Near duplicates (the same press release republished by several outlets with a new lead,
another reporter line, a trimmed ending) are found with the character-shingle sketches
of :mod:`newscrawl.state.near`. Every exported item carries a ``cluster_id`` (the
``article_id`` of the first article of its story, its own id when it is the first);
later members also carry ``duplicate_of``. They are marked and exported by default, or
dropped with ``NEWSCRAWL_NEAR_DUPLICATES = "drop"``.

Settings:

``NEWSCRAWL_STATE_URI``         the SeenStore (default ``sqlite:///.newscrawl/state.sqlite``; ``memory://``
                                for in-run dedupe only); see :mod:`newscrawl.state.store`. The crawl opens
                                it once (:func:`newscrawl.state.shared.crawl_store`), shared with the spider
``NEWSCRAWL_NEAR_DUPLICATES``   ``mark`` (default), ``drop`` or ``off``
``NEWSCRAWL_NEAR_THRESHOLD``    estimated Jaccard similarity of 5-character shingles that makes a
                                near duplicate (default 0.35; measured by scripts/bench_near_duplicates.py)
``NEWSCRAWL_STATE_COMMIT_EVERY`` items per state transaction (default 50)

Crash safety (``kill -9``, a reboot) and write errors: the state commits an article only once its
feed lines are on disk. Items are recorded in ``process_item`` inside an open SQLite transaction
and are *in flight* until our ``item_scraped``/``item_dropped``/``item_error`` handler sees them
(Scrapy runs up to ``CONCURRENT_ITEMS`` items at once, and the feed exporter's ``item_scraped``
handler, connected before ours, has written an item by the time ours runs). The transaction is
committed only when nothing is in flight and at least ``NEWSCRAWL_STATE_COMMIT_EVERY`` items are
done (or at close), and only after every feed file and the rejects file were fsynced
(:func:`newscrawl.output.storage.sync_files`). Just before the commit :meth:`DedupePipeline.before_commit`
gets the keys about to be committed (a test hook: the invariant test reads the files there).

A failing feed, rejects or state write stops the crawl (:func:`newscrawl.output.storage.write_failed`:
one ERROR naming the file, exit status 74): the open transaction is rolled back, later items are
dropped unrecorded, so the state holds nothing the files lack.

At start the appended feed partitions (``output/<site>/<date>.jsonl`` and ``.csv``, and the
rejects file) are reconciled: a last line cut by a crash is removed; articles (and remembered
rejects) the files hold but the state lacks are recorded, so they are not exported twice; a CSV
partition whose rows differ from its JSON Lines partition (a crash between the two writes) is
rebuilt from it. A re-run therefore neither loses nor repeats an article, and JSONL = CSV.

Stats: ``newscrawl/dedupe/article_id``, ``newscrawl/dedupe/canonical_url``,
``newscrawl/dedupe/content_hash`` (dropped), ``newscrawl/dedupe/known_before_run`` (of those, seen in
an earlier run), ``newscrawl/dedupe/near_duplicate`` (marked or dropped),
``newscrawl/dedupe/near_duplicate_dropped``, ``newscrawl/dedupe/revision`` (edited articles exported
again), ``newscrawl/state/articles`` (store size at close), ``newscrawl/state/commits``,
``newscrawl/state/reconciled_from_feeds``, ``newscrawl/state/feed_lines_truncated``,
``newscrawl/state/csv_rebuilt``, ``newscrawl/state/rolled_back`` (items not committed after a write error).
"""

from __future__ import annotations

import asyncio
import inspect
import logging
import sqlite3
from collections.abc import Mapping
from contextlib import AbstractContextManager
from datetime import datetime
from typing import Any

from itemadapter import ItemAdapter
from scrapy import signals
from scrapy.crawler import Crawler
from scrapy.exceptions import DropItem

from newscrawl.items import StoredArticle
from newscrawl.output.exporters import export_dict
from newscrawl.output.feeds import appended_feeds, csv_keys, read_jsonl, rebuild_csv, record_key, trim_cut_line
from newscrawl.output.storage import sync_files, write_failed, write_failure
from newscrawl.pipelines import Backfilled, Duplicate, Rejected
from newscrawl.pipelines.validate import reject_record, rejects_path
from newscrawl.state.near import signature
from newscrawl.state.postgres import PostgresError
from newscrawl.state.shared import crawl_store
from newscrawl.state.store import SeenRecord, SeenStore, content_prefix, public_uri, state_location

#: What a state write can raise: SQLite's own errors ("database or disk is full"), the OS's, and a
#: PostgreSQL state's failed statement (newscrawl/state/postgres.py; psycopg itself is not imported here).
STATE_ERRORS = (sqlite3.Error, OSError, PostgresError)

logger = logging.getLogger(__name__)

NEAR_MODES = ("mark", "drop", "off")


def _parse_iso(value: Any) -> datetime | None:
    try:
        parsed = datetime.fromisoformat(value) if value else None
    except (TypeError, ValueError):
        return None
    return parsed if parsed is not None and parsed.tzinfo is not None else None


class DedupePipeline:
    def __init__(self, crawler: Crawler) -> None:
        settings = crawler.settings
        self.crawler = crawler
        self.stats = crawler.stats
        self.uri = settings["NEWSCRAWL_STATE_URI"]
        self.near_mode = str(settings["NEWSCRAWL_NEAR_DUPLICATES"]).lower()
        if self.near_mode not in NEAR_MODES:
            raise ValueError(f"NEWSCRAWL_NEAR_DUPLICATES={self.near_mode!r}: use one of {', '.join(NEAR_MODES)}")
        self.threshold = settings.getfloat("NEWSCRAWL_NEAR_THRESHOLD")
        self.commit_every = max(1, settings.getint("NEWSCRAWL_STATE_COMMIT_EVERY"))
        self.store: SeenStore | None = None
        self._batch: AbstractContextManager[Any] | None = None
        #: Items process_item passed on whose feed lines may not be written yet (id -> item).
        self._in_flight: dict[int, Any] = {}
        #: Items done (exported, or remembered as rejects) since the last commit.
        self._done = 0
        #: Keys written in the open transaction, and why: "item" (in the feeds), "reject" (in the
        #: rejects file), "dropped" (a re-post or a dropped near duplicate: in no file by design).
        self.pending: dict[str, str] = {}
        location = state_location(self.uri)
        self.state_path = str(location.path) if location.path is not None else public_uri(self.uri)
        # Keys of this run, so "duplicate within the run" and "known from before" are told apart.
        self.run_ids: set[str] = set()

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> DedupePipeline:
        return cls(crawler)

    def open_spider(self) -> None:
        self.store = crawl_store(self.crawler)
        self.crawler.signals.connect(self.item_scraped, signal=signals.item_scraped)
        self.crawler.signals.connect(self.item_dropped, signal=signals.item_dropped)
        self.crawler.signals.connect(self.item_error, signal=signals.item_error)
        self._reconcile_feeds()
        known = len(self.store)
        logger.info("state store %s: %d articles known from earlier runs", public_uri(self.uri), known)
        self.stats.set_value("newscrawl/state/articles_before", known)

    def close_spider(self) -> None:
        self._commit(final=True)
        if self.store is not None:
            self.stats.set_value("newscrawl/state/articles", len(self.store))
            self.store = None  # closed by newscrawl.state.shared when the engine stops

    # -- crash safety --------------------------------------------------------------------------
    def _reconcile_feeds(self) -> None:
        """Make the appended files whole and agree, and record what they hold but the state lacks.

        A crash between a feed write and the state commit leaves articles in the files only; one
        between the JSONL and the CSV write leaves the two partitions disagreeing.
        """
        assert self.store is not None
        feeds = appended_feeds(self.crawler)
        jsonl = [path for fmt, path, _ in feeds if fmt in ("jsonlines", "jsonl")]
        rejects = rejects_path(self.crawler)
        if rejects is not None and (self.crawler.settings.getbool("NEWSCRAWL_REJECTS_OVERWRITE")
                                    or "%(time)s" in str(self.crawler.settings["NEWSCRAWL_REJECTS_URI"])):
            rejects = None  # a new file each run: nothing of an earlier one to reconcile
        for path in [*jsonl, *([rejects] if rejects is not None else [])]:
            if trim_cut_line(path):
                logger.warning("removed an incomplete last line from %s (a crawl was stopped mid-write)", path)
                self.stats.inc_value("newscrawl/state/feed_lines_truncated")
        source = read_jsonl(jsonl[0]) if jsonl else []
        for fmt, path, options in feeds:
            if fmt != "csv" or not jsonl or not path.exists():
                continue
            if csv_keys(path) != [record_key(record) for record in source]:
                rebuild_csv(self.crawler, source, path, options)
                logger.warning("%s disagreed with %s (a crawl was stopped between the two writes): rebuilt it "
                               "from the JSON Lines partition (%d rows)", path, jsonl[0], len(source))
                self.stats.inc_value("newscrawl/state/csv_rebuilt")
        added = self._record_missing(source, with_content=True)
        for path in jsonl[1:]:
            added += self._record_missing(read_jsonl(path), with_content=True)
        if rejects is not None:
            added += self._record_missing(read_jsonl(rejects), with_content=False)
        if added:
            logger.warning("%d articles were in the feeds but not in the state (an earlier crawl was stopped); "
                           "recorded them so they are not exported twice", added)
            self.stats.set_value("newscrawl/state/reconciled_from_feeds", added)

    def _record_missing(self, records: list[dict[str, Any]], *, with_content: bool) -> int:
        """Record the ``records`` the state lacks (exported articles, or rejects: no content hash)."""
        assert self.store is not None
        added = 0
        with self.store.batch():
            first: dict[str, dict[str, Any]] = {}
            for record in records:  # a line repeated in the files is recorded once, as its first copy
                if (key := record_key(record)) and key not in first:
                    first[key] = record
            missing = [(key, record) for key, record in first.items() if self.store.get(article_id=key) is None]
            sketches = [signature(r["body"]) if with_content and r.get("body") else None for _, r in missing]
            reserve = getattr(self.store, "reserve_near", None)
            if reserve is not None and any(sketches):  # a shared store: take every near lock at once
                reserve([s for s in sketches if s is not None])
            for (key, record), sketch in zip(missing, sketches, strict=True):
                self.store.record(key, url=record.get("canonical_url"),
                                  content_hash=record.get("content_hash") if with_content else None,
                                  signature=sketch,
                                  published_at=_parse_iso(record.get("published_at")),
                                  modified_at=_parse_iso(record.get("modified_at")))
                revision = record.get("revision")
                self.store.put_item(key, record, revision=revision if isinstance(revision, int) and revision > 0
                                    else 1, kind="article" if with_content else "reject")
                added += 1
        return added

    def item_dropped(self, item: Any, exception: BaseException) -> None:
        """Remember rejected articles too: an unchanged site must not be fetched (and rejected) again each run.

        A later edit shows a newer time in the list and gets the article fetched again. The reject's
        line is already in the rejects file (written by the validate pipeline before it raised).
        """
        self._finished(item)
        if self.store is None or not isinstance(exception, Rejected) or self.failed:
            if self._commit_wanted():  # a near duplicate dropped under a shared store's near-duplicate lock
                self._commit()
            return
        adapter = ItemAdapter(item)
        key = adapter.get("article_id") or adapter.get("canonical_url") or adapter.get("url")
        if not key or key in self.run_ids or self.store.get(article_id=key) is not None:
            return
        published, modified = adapter.get("published_at"), adapter.get("modified_at")
        record = reject_record(item, exception.reasons)
        if self._record(key, "reject", url=adapter.get("canonical_url"),
                        published_at=published if getattr(published, "tzinfo", None) else None,
                        modified_at=modified if getattr(modified, "tzinfo", None) else None) \
                and self._keep(key, record, 0, "reject"):
            self.stats.inc_value("newscrawl/state/rejects_remembered")
            self._done += 1
            self._commit()

    def item_scraped(self, item: Any) -> None:
        """After the feed exporter wrote the item: it is no longer in flight; maybe commit."""
        if self._finished(item):
            self._done += 1
            self._commit()

    def item_error(self, item: Any) -> None:
        """Only a pipeline after this one could fail an item we passed on: it is no longer in flight."""
        if self._finished(item):
            self._commit()

    def _finished(self, item: Any) -> bool:
        return self._in_flight.pop(id(item), None) is not None

    # -- transactions ----------------------------------------------------------------------
    @property
    def failed(self) -> bool:
        """A feed, rejects or state write failed: nothing more may be committed in this crawl."""
        return write_failure(self.crawler) is not None

    def _record(self, key: str, why: str, **fields: Any) -> bool:
        """``store.record`` inside the open transaction; False (the crawl stopping) when the state write failed."""
        assert self.store is not None
        if not self._open_batch():
            return False
        try:
            self.store.record(key, **fields)
        except STATE_ERRORS as exc:
            write_failed(self.crawler, self.state_path, exc)
            self._rollback()
            return False
        self.pending.setdefault(key, why)
        return True

    def _open_batch(self) -> bool:
        """Open the state transaction unless it is open; False (the crawl stopping) when that failed."""
        assert self.store is not None
        if self._batch is not None:
            return True
        try:
            batch = self.store.batch()
            batch.__enter__()
        except STATE_ERRORS as exc:
            write_failed(self.crawler, self.state_path, exc)
            return False
        self._batch = batch
        return True

    def _drop_repost(self, key: str, digest: str | None, new: bool, adapter: ItemAdapter) -> None:
        """Drop the item (:class:`Duplicate`) when the store knows its body under another article id."""
        assert self.store is not None
        if digest and (seen := self.store.get(content_hash=digest)) is not None and seen.article_id != key:
            if new:
                # Remember the re-post too, so later runs do not fetch it again; it joins the original's cluster.
                self._record(key, "dropped", url=adapter.get("canonical_url"), content_hash=digest,
                             cluster_id=seen.cluster_id, published_at=adapter.get("published_at"),
                             modified_at=adapter.get("modified_at"))
            self._drop("content_hash", key, seen.article_id)

    def _may_join(self, adapter: ItemAdapter) -> bool:
        """Whether an item may go into the open near-locked transaction: it has no body (takes no near lock),
        or every near lock of its body was free and is now taken (``try_reserve_near`` never waits)."""
        body = adapter.get("body")
        reserve = getattr(self.store, "try_reserve_near", None)
        return not body or (reserve is not None and bool(reserve(signature(body))))

    async def _after_commit(self, item: Any) -> Any:
        """``process_item`` once the open transaction holding near-duplicate locks has ended."""
        while self._commit_wanted() and not self.failed:
            await asyncio.sleep(0.001)
        result = self.process_item(item)
        return await result if inspect.isawaitable(result) else result

    def _commit_wanted(self) -> bool:
        """The store asks for a commit as soon as nothing is in flight (a PostgreSQL store holding its
        near-duplicate lock, see newscrawl/state/postgres.py); SQLite never does."""
        return self._batch is not None and bool(getattr(self.store, "commit_wanted", False))

    def _keep(self, key: str, record: dict[str, Any], revision: int, kind: str = "article") -> bool:
        """``store.put_item`` (the dataset) in the same transaction as the record; False when the write failed."""
        assert self.store is not None
        try:
            self.store.put_item(key, record, revision=revision, kind=kind)
        except STATE_ERRORS as exc:
            write_failed(self.crawler, self.state_path, exc)
            self._rollback()
            return False
        return True

    def before_commit(self, pending: Mapping[str, str]) -> None:
        """Called with the keys about to be committed, after every output file was fsynced.

        Does nothing; the invariant test overrides it to check the files on disk hold them all.
        """

    def _commit(self, final: bool = False) -> None:
        """Commit when nothing is in flight and enough is done (or at close), after the files are on disk."""
        if self._batch is None:
            return
        if self.failed:
            self._rollback()
            return
        if not final and (self._in_flight or (self._done < self.commit_every and not self._commit_wanted())):
            return
        if not sync_files(self.crawler):  # the failure was reported (and the crawl is stopping)
            self._rollback()
            return
        self.before_commit(self.pending)
        batch, self._batch = self._batch, None
        try:
            batch.__exit__(None, None, None)
        except STATE_ERRORS as exc:
            write_failed(self.crawler, self.state_path, exc)
            self.stats.inc_value("newscrawl/state/rolled_back", len(self.pending))
        else:
            self.stats.inc_value("newscrawl/state/commits")
        self.pending = {}
        self._done = 0

    def _rollback(self) -> None:
        """Undo the open transaction: after a write error nothing unwritten may be claimed."""
        batch, self._batch = self._batch, None
        if batch is not None:
            self.stats.inc_value("newscrawl/state/rolled_back", len(self.pending))
            failure = write_failure(self.crawler)
            error = RuntimeError(f"write error: {failure.path if failure else 'unknown'}")
            try:
                batch.__exit__(type(error), error, None)
            except STATE_ERRORS as exc:  # closing the store at engine_stopped rolls back what is left
                logger.debug("state rollback failed: %s", exc)
        self.pending = {}
        self._done = 0

    # -- items ------------------------------------------------------------------------------
    def _backfill_due(self, key: str, digest: str | None) -> bool:
        """A known, unchanged article a complete -O file needs but the store holds no item of (it was
        exported before items were kept): stored now, written to the -O file from the store."""
        assert self.store is not None
        if not getattr(self.crawler.spider, "complete", False) or self.store.has_item(key):
            return False
        original = self.store.get(content_hash=digest) if digest else None
        if original is not None and original.article_id != key:  # a re-post stays dropped; noted, not fetched again
            self._keep(key, {"article_id": key, "duplicate_of": original.article_id}, -1, "dropped")
            return False
        return True

    def _backfill(self, key: str, item: Any, known: SeenRecord) -> None:
        adapter = ItemAdapter(item)
        first = self.store.get(key=known.cluster_id) if self.store is not None else None
        fields = adapter.field_names()
        if "cluster_id" in fields:
            adapter["cluster_id"] = first.article_id if first is not None else key
            adapter["duplicate_of"] = first.article_id if first is not None and first.article_id != key else None
        if "revision" in fields:
            adapter["revision"] = known.revision
        record = export_dict(item)
        if not self._record(key, "item", url=adapter.get("canonical_url")) or \
                not self._keep(key, record, known.revision):
            raise DropItem(f"not exported (the state write failed): {key}", log_level="DEBUG")
        self.run_ids.add(key)
        self.stats.inc_value("newscrawl/store/backfilled")
        # Not for the appended feeds (they have it); the complete -O file gets it from the store at the end.
        raise Backfilled(key)

    def _drop(self, kind: str, key: str, earlier: str | None) -> None:
        self.stats.inc_value(f"newscrawl/dedupe/{kind}")
        before = earlier is not None and earlier not in self.run_ids
        if before:
            self.stats.inc_value("newscrawl/dedupe/known_before_run")
        where = "an earlier run" if before else "this run"
        raise Duplicate(kind, f"duplicate {kind} ({where}): {key}" + (f" repeats {earlier}" if earlier else ""),
                        log_level="INFO" if before else "WARNING" if kind == "article_id" else "INFO")

    def process_item(self, item: Any) -> Any:
        assert self.store is not None, "DedupePipeline used before open_spider"
        if self.failed:  # the crawl is stopping after a write error: record and export nothing more
            raise DropItem(f"not exported (the crawl stops after a write error): {ItemAdapter(item).get('url')}",
                           log_level="DEBUG")
        store = self.store
        adapter = ItemAdapter(item)
        key: str = adapter.get("article_id") or adapter.get("canonical_url") or adapter["url"]
        if isinstance(item, StoredArticle):  # from the store, for a complete -O file: nothing to record
            self.run_ids.add(key)
            return item
        if self._commit_wanted() and not self._may_join(adapter):
            # A shared store holds near-duplicate locks for the open transaction and this item's cannot be
            # taken without waiting: it waits for the commit, so no transaction ever waits for a lock while
            # it holds some (the locks cannot deadlock across crawls).
            return self._after_commit(item)
        url = adapter.get("canonical_url")
        digest = adapter.get("content_hash")
        full = bool(getattr(self.crawler.spider, "full", False))
        known = store.get(article_id=key)
        revision, previous = 1, None
        if known is not None:
            if key in self.run_ids:
                self._drop("article_id", key, key)
            if digest is None or known.same_content(digest):
                if not full and self._backfill_due(key, digest):
                    self._backfill(key, item, known)
                if not full:  # unchanged since an earlier run
                    self._drop("article_id", key, key)
                revision = known.revision
            else:  # edited since it was exported: a new revision
                revision, previous = known.revision + 1, content_prefix(known.content_hash)
                self.stats.inc_value("newscrawl/dedupe/revision")
                logger.info("%s changed since its last export: revision %d", key, revision)
        elif url and (seen := store.get(url=url)) is not None:
            self._drop("canonical_url", key, seen.article_id)
        self._drop_repost(key, digest, known is None, adapter)

        sketch = signature(adapter.get("body")) if adapter.get("body") else None
        cluster_key: int | None = None
        if known is not None:
            cluster_key = known.cluster_id if known.cluster_id != known.key else None  # a revision keeps its cluster
        elif sketch is not None and self.near_mode != "off":
            # Query and record in one transaction: a shared store (PostgreSQL) locks its near-duplicate
            # index from this query to the commit, so two crawls never both miss a pair.
            if not self._open_batch():
                raise DropItem(f"not exported (the state write failed): {key}", log_level="DEBUG")
            matches = store.near_duplicates(sketch, self.threshold, limit=1)
            if matches and getattr(store, "reserve_near", None) is not None:
                # A shared store: the near query waited for another crawl's commit, which may have been of
                # the very same body (one newsroom, two outlets): a re-post, as on one machine.
                self._drop_repost(key, digest, True, adapter)
            if matches:
                match, similarity = matches[0]
                cluster_key = match.cluster_id
                self.stats.inc_value("newscrawl/dedupe/near_duplicate")
                logger.debug("%s is a near duplicate of %s (similarity %.2f)", key, match.article_id, similarity)
        fields = adapter.field_names()
        if "cluster_id" in fields:
            first = store.get(key=cluster_key) if cluster_key is not None else None
            adapter["cluster_id"] = first.article_id if first is not None else key
            adapter["duplicate_of"] = first.article_id if first is not None else None
        if "revision" in fields:
            adapter["revision"] = revision
            adapter["previous_content_hash"] = previous

        dropped = cluster_key is not None and known is None and self.near_mode == "drop"
        if not self._record(key, "dropped" if dropped else "item", url=url, content_hash=digest, signature=sketch,
                            cluster_id=cluster_key, published_at=adapter.get("published_at"),
                            modified_at=adapter.get("modified_at")):
            raise DropItem(f"not exported (the state write failed): {key}", log_level="DEBUG")
        if not dropped and not self._keep(key, export_dict(item), revision):
            raise DropItem(f"not exported (the state write failed): {key}", log_level="DEBUG")
        self.run_ids.add(key)
        if dropped:
            self.stats.inc_value("newscrawl/dedupe/near_duplicate_dropped")
            raise Duplicate("near", f"near duplicate dropped: {key} repeats {adapter.get('duplicate_of')}")
        self._in_flight[id(item)] = item  # until the feed exporter has written it (our item_scraped)
        return item
