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

Crash safety (``kill -9``, a reboot): the state is committed only after the feed files were
flushed with every item of the transaction (on ``item_scraped``, which fires after the feed
exporter wrote the item), so the state never claims an article the feeds lack; and at start the
appended default feed partitions (``output/<site>/<date>.jsonl``) are read back: articles they
hold that the state lacks (exported just before a crash) are recorded first, and a line cut off
by the crash is removed. A re-run therefore neither loses nor repeats an article.

Stats: ``newscrawl/dedupe/article_id``, ``newscrawl/dedupe/canonical_url``,
``newscrawl/dedupe/content_hash`` (dropped), ``newscrawl/dedupe/known_before_run`` (of those, seen in
an earlier run), ``newscrawl/dedupe/near_duplicate`` (marked or dropped),
``newscrawl/dedupe/near_duplicate_dropped``, ``newscrawl/dedupe/revision`` (edited articles exported
again), ``newscrawl/state/articles`` (store size at close).
"""

from __future__ import annotations

import json
import logging
from contextlib import AbstractContextManager
from datetime import datetime
from pathlib import Path
from typing import Any

from itemadapter import ItemAdapter
from scrapy import signals
from scrapy.crawler import Crawler

from newscrawl.output.feeds import uri_params
from newscrawl.output.storage import flush_feeds
from newscrawl.pipelines import Duplicate, Rejected
from newscrawl.state.near import signature
from newscrawl.state.shared import crawl_store
from newscrawl.state.store import SeenStore, content_prefix

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
        self._exported = 0
        # Keys of this run, so "duplicate within the run" and "known from before" are told apart.
        self.run_ids: set[str] = set()

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> DedupePipeline:
        return cls(crawler)

    def open_spider(self) -> None:
        self.store = crawl_store(self.crawler)
        self.crawler.signals.connect(self.item_scraped, signal=signals.item_scraped)
        self.crawler.signals.connect(self.item_dropped, signal=signals.item_dropped)
        self._reconcile_feeds()
        known = len(self.store)
        logger.info("state store %s: %d articles known from earlier runs", self.uri, known)
        self.stats.set_value("newscrawl/state/articles_before", known)

    def close_spider(self) -> None:
        self._commit()
        if self.store is not None:
            self.stats.set_value("newscrawl/state/articles", len(self.store))
            self.store = None  # closed by newscrawl.state.shared when the engine stops

    # -- crash safety --------------------------------------------------------------------------
    def _feed_paths(self) -> list[Path]:
        """Local JSON Lines feeds this crawl appends to (default partitions; -O feeds are rewritten anyway)."""
        spider = self.crawler.spider
        paths: list[Path] = []
        for uri, options in (self.crawler.settings.getdict("FEEDS") or {}).items():
            if options.get("format") not in ("jsonlines", "jsonl") or options.get("overwrite", False):
                continue
            template = str(uri)
            if "%(time)s" in template or "%(batch" in template or not (template.startswith("file://")
                                                                       or "://" not in template):
                continue
            params = uri_params({"name": getattr(spider, "name", "crawl")}, spider)
            try:
                paths.append(Path(template.removeprefix("file://") % params))
            except (KeyError, ValueError):
                continue
        return paths

    def _reconcile_feeds(self) -> None:
        """Record articles the appended feeds already hold but the state lacks (a crash in between)."""
        assert self.store is not None
        added = 0
        for path in self._feed_paths():
            if not path.exists():
                continue
            raw = path.read_bytes()
            if raw and not raw.endswith(b"\n"):
                # The crash cut the last line: it never was a complete export; drop it so appends stay valid.
                cut = raw.rfind(b"\n") + 1
                with path.open("r+b") as fh:
                    fh.truncate(cut)
                logger.warning("removed an incomplete last line from %s (a crawl was killed mid-write)", path)
                self.stats.inc_value("newscrawl/state/feed_lines_truncated")
                raw = raw[:cut]
            with self.store.batch():
                for line in raw.decode("utf-8", errors="replace").splitlines():
                    try:
                        record = json.loads(line)
                    except ValueError:
                        continue
                    key = record.get("article_id") or record.get("canonical_url") or record.get("url")
                    if not key or self.store.get(article_id=key) is not None:
                        continue
                    published = _parse_iso(record.get("published_at"))
                    modified = _parse_iso(record.get("modified_at"))
                    self.store.record(key, url=record.get("canonical_url"), content_hash=record.get("content_hash"),
                                      signature=signature(record["body"]) if record.get("body") else None,
                                      published_at=published, modified_at=modified)
                    added += 1
        if added:
            logger.warning("%d articles were in the feeds but not in the state (an earlier crawl was killed); "
                           "recorded them so they are not exported twice", added)
            self.stats.set_value("newscrawl/state/reconciled_from_feeds", added)

    def item_dropped(self, item: Any, exception: BaseException) -> None:
        """Remember rejected articles too: an unchanged site must not be fetched (and rejected) again each run.

        A later edit shows a newer time in the list and gets the article fetched again.
        """
        if self.store is None or not isinstance(exception, Rejected):
            return
        adapter = ItemAdapter(item)
        key = adapter.get("article_id") or adapter.get("canonical_url") or adapter.get("url")
        if not key or key in self.run_ids or self.store.get(article_id=key) is not None:
            return
        published, modified = adapter.get("published_at"), adapter.get("modified_at")
        self._write()
        self.store.record(key, url=adapter.get("canonical_url"),
                          published_at=published if getattr(published, "tzinfo", None) else None,
                          modified_at=modified if getattr(modified, "tzinfo", None) else None)
        self.stats.inc_value("newscrawl/state/rejects_remembered")

    def item_scraped(self, item: Any) -> None:
        """After the feeds have the item: commit the state every ``commit_every`` items."""
        self._exported += 1
        if self._exported >= self.commit_every:
            self._commit()

    # -- transactions ----------------------------------------------------------------------
    def _write(self) -> None:
        if self._batch is None:
            assert self.store is not None
            self._batch = self.store.batch()
            self._batch.__enter__()

    def _commit(self) -> None:
        if self._batch is not None:
            flush_feeds(self.crawler)  # the feeds first: a committed article is always in the feeds
            batch, self._batch = self._batch, None
            batch.__exit__(None, None, None)
            self._exported = 0

    # -- items ------------------------------------------------------------------------------
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
        store = self.store
        adapter = ItemAdapter(item)
        key: str = adapter.get("article_id") or adapter.get("canonical_url") or adapter["url"]
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
            if known is None:
                # Remember the re-post too, so later runs do not fetch it again; it joins the original's cluster.
                self._write()
                store.record(key, url=url, content_hash=digest, cluster_id=seen.cluster_id,
                             published_at=adapter.get("published_at"), modified_at=adapter.get("modified_at"))
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
        if cluster_key is not None and known is None and self.near_mode == "drop":
            self.stats.inc_value("newscrawl/dedupe/near_duplicate_dropped")
            raise Duplicate("near", f"near duplicate dropped: {key} repeats {adapter.get('duplicate_of')}")
        return item
