"""DedupePipeline: one article once, however it was reached.

An item is a duplicate when its ``article_id`` or its ``content_hash`` (normalised
body) was already exported in this run: the same article behind another URL, or a
re-post under a new id. Duplicates are dropped and counted; the first one wins.

Stats: ``newscrawl/dedupe/article_id``, ``newscrawl/dedupe/content_hash``.
"""

from __future__ import annotations

from typing import Any

from itemadapter import ItemAdapter
from scrapy.crawler import Crawler
from scrapy.exceptions import DropItem
from scrapy.statscollectors import StatsCollector


class DedupePipeline:
    def __init__(self, stats: StatsCollector) -> None:
        self.stats = stats
        self.ids: dict[str, str] = {}
        self.hashes: dict[str, str] = {}

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> DedupePipeline:
        return cls(crawler.stats)

    def process_item(self, item: Any) -> Any:
        adapter = ItemAdapter(item)
        key = adapter.get("article_id") or adapter.get("canonical_url") or adapter.get("url")
        digest = adapter.get("content_hash")
        if key in self.ids:
            self.stats.inc_value("newscrawl/dedupe/article_id")
            raise DropItem(f"duplicate article_id {key}", log_level="INFO")
        if digest and digest in self.hashes:
            self.stats.inc_value("newscrawl/dedupe/content_hash")
            raise DropItem(f"duplicate body: {key} repeats {self.hashes[digest]}", log_level="INFO")
        self.ids[key] = key
        if digest:
            self.hashes[digest] = key
        return item
