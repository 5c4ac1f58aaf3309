"""End-of-crawl summary: one log line that says where every fetched page went.

Every article page fetched ends as an exported item, a reject (with a reason), a
dropped duplicate or a counted non-article page, and every request that never reached a
callback is counted as ``lost`` by kind (:data:`LOST_STATS`); this line adds them up so a
user (or cron mail) sees at a glance whether anything is off.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from scrapy import signals
from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured

logger = logging.getLogger(__name__)

#: Requests that never reached a spider callback, by kind -> the stats that count them.
#: Every one is logged where it happens; here they are added up so none is lost without a trace.
LOST_STATS: dict[str, tuple[str, ...]] = {
    # another scheme/host/port than the outlet's (links and redirects); Scrapy's host-only check
    # (offsite/filtered) drops a subset of these, already counted here
    "offsite": ("newscrawl/requests/offsite",),
    "redirect_loop": ("newscrawl/requests/redirect_loop",),  # A->A, A->B->A
    "redirect_max": ("newscrawl/requests/redirect_max",),  # REDIRECT_MAX_TIMES redirects followed
    "dupefilter": ("dupefilter/filtered",),  # a request already made in this crawl
    "robots": ("robotstxt/forbidden",),  # robots.txt forbids it
    "too_large": ("newscrawl/pages/too_large",),  # above DOWNLOAD_MAXSIZE, downloaded or inflated
    "download_error": ("newscrawl/requests/download_error",),  # failed after the last retry (reset, timeout, ...)
}
# A 4xx/5xx answer (after retries) is not "lost": it was answered, and it has its own count
# (http_errors, httperror/response_ignored_count) and health check (http_error_rate).


def lost_counts(stats: Mapping[str, Any]) -> dict[str, int]:
    """Requests lost before any callback, by kind (every kind listed, zeros included)."""
    return {kind: sum(int(stats.get(stat, 0)) for stat in names) for kind, names in LOST_STATS.items()}


def summary_counts(stats: Mapping[str, Any]) -> dict[str, Any]:
    rejects = {k.removeprefix("newscrawl/rejects/"): v for k, v in stats.items()
               if k.startswith("newscrawl/rejects/") and k != "newscrawl/rejects/total"}
    return {
        # Items new in this run; a complete -O file also gets known ones from the store (from_store),
        # some of them fetched because the store had no copy yet (backfilled).
        "exported": stats.get("item_scraped_count", 0) - stats.get("newscrawl/store/from_store", 0),
        "from_store": stats.get("newscrawl/store/from_store", 0),
        "backfilled": stats.get("newscrawl/store/backfilled", 0),
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
        "lost": sum(lost_counts(stats).values()),
        "lost_kinds": lost_counts(stats),
        "lists_no_progress": stats.get("newscrawl/lists/no_progress", 0),
        "write_errors": stats.get("newscrawl/write_errors", 0),
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
        lost = ", ".join(f"{k}={v}" for k, v in c["lost_kinds"].items() if v) or "none"
        logger.info(
            "newscrawl summary (%s): exported=%s rejected=%s [%s] duplicates=%s (known before this run: %s) "
            "near_duplicates=%s not_article=%s extract_errors=%s http_errors=%s link_variants_skipped=%s list_pages=%s "
            "lost=%s [%s]%s%s",
            reason, c["exported"], c["rejected"], reasons, c["duplicates"], c["known_before_run"],
            c["near_duplicates"], c["not_article"], c["extract_errors"], c["http_errors"],
            c["link_variants_skipped"], c["list_pages"], c["lost"], lost,
            f" lists_no_progress={c['lists_no_progress']}" if c["lists_no_progress"] else "",
            f" from_store={c['from_store']} (backfilled {c['backfilled']})" if c["from_store"] else "",
        )
        if c["write_errors"]:
            logger.error("newscrawl summary: the crawl stopped on a write error (see the ERROR above); "
                         "nothing unwritten was recorded: free space or fix permissions and run it again")
