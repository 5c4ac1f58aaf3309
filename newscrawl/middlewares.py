"""Downloader middlewares.

``CharsetRepairMiddleware`` — why: Scrapy decodes an HTML response by the HTTP header,
then a BOM, then ``<meta charset>``. Korean regional sites get this wrong both ways
(a ``<meta charset="euc-kr">`` over UTF-8 bytes, a ``charset=utf-8`` header over CP949
bytes), and the page objects would then read mojibake or U+FFFD without noticing. The
middleware re-decodes such responses with the candidate that reads cleanly
(``newscrawl.parsing.charset.repair_encoding``), before any spider callback sees them.

Settings: ``NEWSCRAWL_CHARSET_REPAIR_ENABLED`` (default ``True``).

Stats: ``newscrawl/charset/repaired`` (responses re-decoded, logged at INFO with the URL),
``newscrawl/charset/replacement_chars`` (U+FFFD characters left in HTML no candidate
decodes cleanly; logged as a WARNING, so lost text is never silent).
"""

from __future__ import annotations

import logging

from scrapy import Request
from scrapy.crawler import Crawler
from scrapy.downloadermiddlewares.retry import get_retry_request
from scrapy.exceptions import NotConfigured
from scrapy.http import HtmlResponse, Response
from scrapy.statscollectors import StatsCollector

from newscrawl.families import family_of, resolve
from newscrawl.parsing.charset import repair_encoding, replacement_count
from newscrawl.parsing.truncation import truncation_reason

logger = logging.getLogger(__name__)


class CharsetRepairMiddleware:
    def __init__(self, stats: StatsCollector) -> None:
        self.stats = stats

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> CharsetRepairMiddleware:
        if not crawler.settings.getbool("NEWSCRAWL_CHARSET_REPAIR_ENABLED"):
            raise NotConfigured
        return cls(crawler.stats)

    def process_response(self, request: Request, response: Response) -> Response:
        if not isinstance(response, HtmlResponse):
            return response
        repaired, how = repair_encoding(response)
        if how:
            self.stats.inc_value("newscrawl/charset/repaired")
            logger.info("charset repaired (%s): %s", how, response.url)
        lost = replacement_count(repaired.text)
        if lost:
            self.stats.inc_value("newscrawl/charset/replacement_chars", lost)
            logger.warning("%d replacement characters (U+FFFD) in %s: no charset decodes it cleanly (declared %s)",
                           lost, response.url, repaired.encoding)
        return repaired


class TruncatedRetryMiddleware:
    """Re-requests once an HTML page that arrived cut short (:mod:`newscrawl.parsing.truncation`).

    Why: a connection dropped mid-page with a matching (or no) Content-Length passes every
    download check, and lxml closes the open elements, so the first paragraphs would be
    exported as the whole article. A cut is usually transient, so the page is fetched once
    more (``dont_filter``, counted ``retry/reason_count/truncated`` and
    ``newscrawl/pages/truncated_retried``); if the second copy is cut too it goes on to the
    spider, whose item is rejected ``truncated`` and whose list page is left incomplete.
    Structure is judged only for families whose templates always close ``</body></html>``.
    """

    META_KEY = "newscrawl_truncated_retry"

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> TruncatedRetryMiddleware:
        return cls(crawler)

    def _structure(self, url: str) -> bool:
        family = getattr(self.crawler.spider, "family", None)
        if family is None:
            family = family_of(resolve(url))
        return bool(family.article_page.closing_tags_required)

    def process_response(self, request: Request, response: Response) -> Request | Response:
        if not isinstance(response, HtmlResponse) or response.status != 200 or request.meta.get(self.META_KEY):
            return response
        why = truncation_reason(response.body, response.headers.get("Content-Length"),
                                bool(response.headers.get("Content-Encoding")), response.flags,
                                structure=self._structure(response.url))
        if why is None or self.crawler.spider is None:
            return response
        retry = get_retry_request(request, spider=self.crawler.spider, reason="truncated",
                                  max_retry_times=request.meta.get("retry_times", 0) + 1)
        if retry is None:
            return response
        retry.meta[self.META_KEY] = True
        assert self.crawler.stats is not None
        self.crawler.stats.inc_value("newscrawl/pages/truncated_retried")
        logger.info("page cut short (%s), fetching it once more: %s", why, response.url)
        return retry
