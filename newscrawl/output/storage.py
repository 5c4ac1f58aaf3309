"""Local feed files the crawl can flush before it commits its state.

Crash safety needs the feeds on disk before the state store records their articles
(:mod:`newscrawl.pipelines.dedupe`). Scrapy's feed exporter keeps its open files to
itself, so this storage (installed for ``file://`` and plain paths through
``FEED_STORAGES``) remembers the files it opened per crawl, and :func:`flush_feeds`
flushes them without reaching into Scrapy's internals.
"""

from __future__ import annotations

from typing import IO, Any
from weakref import WeakKeyDictionary

from scrapy import Spider
from scrapy.crawler import Crawler
from scrapy.extensions.feedexport import FileFeedStorage as ScrapyFileFeedStorage
from twisted.internet.defer import Deferred

_OPEN_FILES: WeakKeyDictionary[Crawler, list[IO[bytes]]] = WeakKeyDictionary()


class FileFeedStorage(ScrapyFileFeedStorage):
    """Scrapy's file storage that registers its open file with the crawl."""

    def __init__(self, uri: str, *, feed_options: dict[str, Any] | None = None,
                 crawler: Crawler | None = None) -> None:
        super().__init__(uri, feed_options=feed_options)
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler: Crawler, uri: str, *,
                     feed_options: dict[str, Any] | None = None) -> FileFeedStorage:
        return cls(uri, feed_options=feed_options, crawler=crawler)

    def open(self, spider: Spider) -> IO[bytes]:
        file = super().open(spider)
        if self.crawler is not None:
            _OPEN_FILES.setdefault(self.crawler, []).append(file)
        return file

    def store(self, file: IO[bytes]) -> Deferred[None] | None:
        if self.crawler is not None:
            files = _OPEN_FILES.get(self.crawler, [])
            if file in files:
                files.remove(file)
        return super().store(file)


def flush_feeds(crawler: Crawler) -> None:
    """Flush every feed file the crawl has open, so what the exporters wrote is in the files."""
    for file in list(_OPEN_FILES.get(crawler, [])):
        try:
            file.flush()
        except (OSError, ValueError):  # closed or not flushable: nothing buffered to lose
            pass
