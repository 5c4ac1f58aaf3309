"""End-of-crawl summary: one log line that says where every fetched page went.

Every article page fetched ends as an exported item, a reject (with a reason), a
dropped duplicate or a counted non-article page; this line adds them up so a user
(or cron mail) sees at a glance whether anything is off.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from scrapy import signals
from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured

logger = logging.getLogger(__name__)


def summary_counts(stats: Mapping[str, Any]) -> dict[str, Any]:
    rejects = {k.removeprefix("newscrawl/rejects/"): v for k, v in stats.items()
               if k.startswith("newscrawl/rejects/") and k != "newscrawl/rejects/total"}
    return {
        "exported": stats.get("item_scraped_count", 0),
        "rejected": stats.get("newscrawl/rejects/total", 0),
        "reject_reasons": rejects,
        "duplicates": sum(stats.get(f"newscrawl/dedupe/{k}", 0)
                          for k in ("article_id", "canonical_url", "content_hash", "near_duplicate_dropped")),
        "known_before_run": stats.get("newscrawl/dedupe/known_before_run", 0),
        "near_duplicates": stats.get("newscrawl/dedupe/near_duplicate", 0),
        "not_article": stats.get("newscrawl/pages/not_article", 0),
        "extract_errors": stats.get("newscrawl/pages/extract_error", 0),
        "http_errors": stats.get("httperror/response_ignored_count", 0),
        "link_variants_skipped": stats.get("newscrawl/links/duplicate", 0),
        "list_pages": stats.get("newscrawl/lists/pages", 0),
    }


class CrawlSummary:
    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> CrawlSummary:
        if not crawler.settings.getbool("NEWSCRAWL_SUMMARY_ENABLED"):
            raise NotConfigured
        ext = cls(crawler)
        crawler.signals.connect(ext.spider_closed, signal=signals.spider_closed)
        return ext

    def spider_closed(self, spider: object, reason: str) -> None:
        c = summary_counts(self.crawler.stats.get_stats())
        reasons = ", ".join(f"{k}={v}" for k, v in sorted(c["reject_reasons"].items())) or "none"
        logger.info(
            "newscrawl summary (%s): exported=%s rejected=%s [%s] duplicates=%s (known before this run: %s) "
            "near_duplicates=%s not_article=%s extract_errors=%s http_errors=%s link_variants_skipped=%s list_pages=%s",
            reason, c["exported"], c["rejected"], reasons, c["duplicates"], c["known_before_run"],
            c["near_duplicates"], c["not_article"], c["extract_errors"], c["http_errors"],
            c["link_variants_skipped"], c["list_pages"],
        )
