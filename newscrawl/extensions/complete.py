"""Complete ``-O`` files: every article of the crawl's scope, known ones from the store, in a fixed order.

Why: ``-O`` truncates its file, and an incremental crawl exports only what is new, so a second
``scrapy crawl X -O keep.jsonl`` used to leave an empty file. When a crawl has a feed that is
overwritten (``-O``, ``overwrite: true``; :func:`newscrawl.output.feeds.complete_file`) this
extension writes that feed from the state store, the dataset itself
(:meth:`newscrawl.state.store.SQLiteSeenStore.latest_item`), once the crawl has nothing left to
fetch:

* the scope: every article this run exported or found already known (dropped as a duplicate of
  an earlier run, or stored again by a backfill), and the known articles the spider's list pages
  showed without fetching them (the spider's ``known_in_scope``; lists are walked to their end,
  within ``since``/``until``/``sections``/``max_pages``); articles outside ``since``/``until`` are
  left out;
* each article's latest stored revision, as :class:`newscrawl.items.StoredArticle` (its feed line
  of the run that exported it), sorted by site, publication time (undated last) and article id,
  so two runs over an unchanged site write byte-identical files;
* an overwritten rejects file (``NEWSCRAWL_REJECTS_OVERWRITE``) gets the remembered rejects of the
  known articles in scope too (:class:`newscrawl.items.StoredReject`); rejects of this run are
  written as they happen.

``-O`` feeds accept only these items (:class:`newscrawl.output.feeds.StoredOnly`); appended feeds
(``-o``, the default partitions) accept only new ones (:class:`~newscrawl.output.feeds.NewItemsOnly`).
The items are emitted by one ``data:`` request scheduled at the first ``spider_idle``: nothing is
downloaded. The ``-O`` file is written beside its target and renamed over it only then
(:class:`newscrawl.output.storage.FileFeedStorage`): a crawl stopped before (killed, Ctrl-C, a
write error) leaves the previous file as it was.

Stats: ``newscrawl/store/from_store`` (articles written from the store),
``newscrawl/store/rejects_from_store``.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import scrapy
from itemadapter import ItemAdapter
from scrapy import signals
from scrapy.crawler import Crawler
from scrapy.exceptions import DontCloseSpider, NotConfigured
from scrapy.http import Response

from newscrawl.items import StoredArticle, StoredReject
from newscrawl.output.feeds import complete_file
from newscrawl.output.storage import COMPLETE_STAT
from newscrawl.pipelines import Rejected
from newscrawl.state.shared import crawl_store

logger = logging.getLogger(__name__)

_NO_DATE = datetime.max.replace(tzinfo=UTC)
#: The request whose callback writes the stored items (a data: URI: nothing is downloaded).
EMIT_URL = "data:,newscrawl-complete-file"


def item_key(item: Any) -> str | None:
    adapter = ItemAdapter(item)
    key = adapter.get("article_id") or adapter.get("canonical_url") or adapter.get("url")
    return str(key) if key else None


class CompleteFile:
    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self.rejects_complete = crawler.settings.getbool("NEWSCRAWL_REJECTS_OVERWRITE")
        #: Article ids of this run's scope, in the order met (a dict keeps it).
        self.keys: dict[str, None] = {}
        #: Rejected in this run: their lines are in the rejects file already.
        self.rejected: set[str] = set()
        self.emitted = False

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> CompleteFile:
        if not complete_file(crawler.settings):
            raise NotConfigured("no -O feed")
        ext = cls(crawler)
        assert crawler.stats is not None
        crawler.stats.set_value(COMPLETE_STAT, 0)  # -O files replace their targets only once this is 1
        crawler.signals.connect(ext.item_scraped, signal=signals.item_scraped)
        crawler.signals.connect(ext.item_dropped, signal=signals.item_dropped)
        crawler.signals.connect(ext.spider_idle, signal=signals.spider_idle)
        return ext

    def item_scraped(self, item: Any) -> None:
        if not isinstance(item, (StoredArticle, StoredReject)) and (key := item_key(item)):
            self.keys[key] = None

    def item_dropped(self, item: Any, exception: BaseException) -> None:
        if isinstance(item, (StoredArticle, StoredReject)) or not (key := item_key(item)):
            return
        if isinstance(exception, Rejected):
            self.rejected.add(key)
        else:  # a duplicate of a known article, a backfill: in scope, written from the store
            self.keys[key] = None

    def spider_idle(self) -> None:
        if self.emitted:
            return
        self.emitted = True
        assert self.crawler.engine is not None
        self.crawler.engine.crawl(scrapy.Request(EMIT_URL, callback=self.emit, dont_filter=True,
                                                 meta={"allow_offsite": True}, priority=-1000))
        raise DontCloseSpider

    def emit(self, response: Response) -> Iterator[StoredArticle | StoredReject]:
        """The stored items of the scope, in order; only ids and times are held, each item is read as it goes."""
        store = crawl_store(self.crawler)
        spider = self.crawler.spider
        since, until = getattr(spider, "since", None), getattr(spider, "until", None)
        known = sorted(getattr(spider, "known_in_scope", ()))
        order: list[tuple[str, bool, datetime, str]] = []
        for key in dict.fromkeys([*self.keys, *known]):
            record = store.get(article_id=key)
            if record is None:
                continue
            published = record.published_at
            if published is not None and ((since and published < since) or (until and published > until)):
                continue
            order.append((key.rpartition(":")[0], published is None, published or _NO_DATE, key))
        order.sort()
        stats = self.crawler.stats
        assert stats is not None
        logger.info("complete file: writing up to %d articles of this crawl's scope from the store (%d met in this "
                    "run, %d known from earlier runs and not fetched)", len(order), len(self.keys), len(known))
        rejects: list[str] = []
        for *_, key in order:
            found = store.latest_item(key, include_rejects=self.rejects_complete)
            if found is None:  # a re-post or a dropped near duplicate: nothing to write
                continue
            if found.kind == "reject":
                if key not in self.rejected:
                    rejects.append(key)
                continue
            stats.inc_value("newscrawl/store/from_store")
            yield StoredArticle.from_record(found.item)
        for key in rejects:
            found = store.latest_item(key, include_rejects=True)
            if found is not None:
                stats.inc_value("newscrawl/store/rejects_from_store")
                yield StoredReject(found.item)
        stats.set_value(COMPLETE_STAT, 1)
