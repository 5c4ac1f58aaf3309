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
from scrapy.exceptions import NotConfigured
from scrapy.http import HtmlResponse, Response
from scrapy.statscollectors import StatsCollector

from newscrawl.parsing.charset import repair_encoding, replacement_count

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
