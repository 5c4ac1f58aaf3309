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
of :mod:`newscrawl.dedupe.near`. Every exported item carries a ``cluster_id`` (the
``article_id`` of the first article of its story, its own id when it is the first);
later members also carry ``duplicate_of``. They are marked and exported by default, or
dropped with ``NEWSCRAWL_NEAR_DUPLICATES = "drop"``.

Settings:

``NEWSCRAWL_STATE_URI``         the SeenStore (default ``sqlite:///.newscrawl/state.sqlite``; ``memory://``
                                for in-run dedupe only); see :mod:`newscrawl.state`
``NEWSCRAWL_NEAR_DUPLICATES``   ``mark`` (default), ``drop`` or ``off``
``NEWSCRAWL_NEAR_THRESHOLD``    estimated Jaccard similarity of 5-character shingles that makes a
                                near duplicate (default 0.35; measured by scripts/bench_near_duplicates.py)
``NEWSCRAWL_STATE_COMMIT_EVERY`` items per state transaction (default 50); a killed crawl loses at most
                                the open transaction

Stats: ``newscrawl/dedupe/article_id``, ``newscrawl/dedupe/canonical_url``,
``newscrawl/dedupe/content_hash`` (dropped), ``newscrawl/dedupe/known_before_run`` (of those, seen in
an earlier run), ``newscrawl/dedupe/near_duplicate`` (marked or dropped),
``newscrawl/dedupe/near_duplicate_dropped``, ``newscrawl/dedupe/revision`` (edited articles exported
again), ``newscrawl/state/articles`` (store size at close).
"""

from __future__ import annotations

import logging
from contextlib import AbstractContextManager
from typing import Any

from itemadapter import ItemAdapter
from scrapy.crawler import Crawler
from scrapy.exceptions import DropItem

from newscrawl.dedupe.near import signature
from newscrawl.state import DEFAULT_STATE_URI, SeenStore, content_prefix, open_store

logger = logging.getLogger(__name__)

NEAR_MODES = ("mark", "drop", "off")


class DedupePipeline:
    def __init__(self, crawler: Crawler) -> None:
        settings = crawler.settings
        self.crawler = crawler
        self.stats = crawler.stats
        self.uri = settings.get("NEWSCRAWL_STATE_URI") or DEFAULT_STATE_URI
        self.near_mode = (settings.get("NEWSCRAWL_NEAR_DUPLICATES") or "mark").lower()
        if self.near_mode not in NEAR_MODES:
            raise ValueError(f"NEWSCRAWL_NEAR_DUPLICATES={self.near_mode!r}: use one of {', '.join(NEAR_MODES)}")
        self.threshold = settings.getfloat("NEWSCRAWL_NEAR_THRESHOLD", 0.35)
        self.commit_every = max(1, settings.getint("NEWSCRAWL_STATE_COMMIT_EVERY", 50))
        self.store: SeenStore | None = None
        self._batch: AbstractContextManager[Any] | None = None
        self._uncommitted = 0
        # Keys of this run, so "duplicate within the run" and "known from before" are told apart.
        self.run_ids: set[str] = set()

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> DedupePipeline:
        return cls(crawler)

    def open_spider(self) -> None:
        self.store = open_store(self.uri, near_threshold=self.threshold)
        known = len(self.store)
        logger.info("state store %s: %d articles known from earlier runs", self.uri, known)
        self.stats.set_value("newscrawl/state/articles_before", known)

    def close_spider(self) -> None:
        self._commit()
        if self.store is not None:
            self.stats.set_value("newscrawl/state/articles", len(self.store))
            self.store.close()
            self.store = None

    # -- transactions ----------------------------------------------------------------------
    def _write(self) -> None:
        if self._batch is None:
            assert self.store is not None
            self._batch = self.store.batch()
            self._batch.__enter__()

    def _commit(self) -> None:
        if self._batch is not None:
            batch, self._batch = self._batch, None
            batch.__exit__(None, None, None)
            self._uncommitted = 0

    # -- items ------------------------------------------------------------------------------
    def _drop(self, kind: str, key: str, earlier: str | None) -> None:
        self.stats.inc_value(f"newscrawl/dedupe/{kind}")
        before = earlier is not None and earlier not in self.run_ids
        if before:
            self.stats.inc_value("newscrawl/dedupe/known_before_run")
        where = "an earlier run" if before else "this run"
        raise DropItem(f"duplicate {kind} ({where}): {key}" + (f" repeats {earlier}" if earlier else ""),
                       log_level="INFO" if before else "WARNING" if kind == "article_id" else "INFO")

    def process_item(self, item: Any) -> Any:
        assert self.store is not None, "DedupePipeline used before open_spider"
        store = self.store
        adapter = ItemAdapter(item)
        key = adapter.get("article_id") or adapter.get("canonical_url") or adapter.get("url")
        url = adapter.get("canonical_url")
        digest = adapter.get("content_hash")
        full = bool(getattr(self.crawler.spider, "full", False))
        known = store.get(article_id=key)
        revision, previous = 1, None
        if known is not None:
            if key in self.run_ids:
                self._drop("article_id", key, key)
            if digest is None or known.same_content(digest):
                if not full:  # unchanged since an earlier run
                    self._drop("article_id", key, key)
                revision = known.revision
            else:  # edited since it was exported: a new revision
                revision, previous = known.revision + 1, content_prefix(known.content_hash)
                self.stats.inc_value("newscrawl/dedupe/revision")
                logger.info("%s changed since its last export: revision %d", key, revision)
        elif url and (seen := store.get(url=url)) is not None:
            self._drop("canonical_url", key, seen.article_id)
        if digest and (seen := store.get(content_hash=digest)) is not None and seen.article_id != key:
            self._drop("content_hash", key, seen.article_id)

        sketch = signature(adapter.get("body")) if adapter.get("body") else None
        cluster_key: int | None = None
        if known is not None:
            cluster_key = known.cluster_id if known.cluster_id != known.key else None  # a revision keeps its cluster
        elif sketch is not None and self.near_mode != "off":
            matches = store.near_duplicates(sketch, self.threshold, limit=1)
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

        self._write()
        store.record(key, url=url, content_hash=digest, signature=sketch, cluster_id=cluster_key,
                     published_at=adapter.get("published_at"), modified_at=adapter.get("modified_at"))
        self.run_ids.add(key)
        self._uncommitted += 1
        if self._uncommitted >= self.commit_every:
            self._commit()
        if cluster_key is not None and known is None and self.near_mode == "drop":
            self.stats.inc_value("newscrawl/dedupe/near_duplicate_dropped")
            raise DropItem(f"near duplicate dropped: {key} repeats {adapter.get('duplicate_of')}", log_level="INFO")
        return item
