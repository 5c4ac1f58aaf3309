"""Accounting and the text check of rendered responses (a downloader middleware).

Enabled only in crawls that render (it is ``NotConfigured`` unless the rendering download handler
is installed), so a plain crawl pays nothing for it.

* Every rendered page is counted (``newscrawl/render/pages``, ``.../pages/<list|article>``), with
  what its actions did (``newscrawl/render/clicks``, ``.../scrolls``, ``.../wait_missed``), the
  charset repairs made before the browser read the document (``newscrawl/render/charset_repaired``)
  and navigations off site it aborted (``newscrawl/render/offsite_navigation``).
* Correct text, or a plain fetch: when the rendered text still carries the marks of a wrong
  decoding (:func:`newscrawl.parsing.charset.mojibake_reason`), the page is fetched again over
  plain HTTP, where the charset repair works on the bytes (``newscrawl/render/damaged_text``,
  WARNING); the plain copy is never rendered again.
* Playwright errors (timeouts, a crashed page) are counted per attempt
  (``newscrawl/render/errors/<type>``); ``RetryMiddleware`` retries them like other download
  errors (``RETRY_EXCEPTIONS``, set by :func:`newscrawl.render.setup.enable_rendering`), and a
  final failure is ``newscrawl/requests/download_error`` like any other.
"""

from __future__ import annotations

import logging

from parsel import Selector
from scrapy import Request
from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured
from scrapy.http import Response, TextResponse
from scrapy.statscollectors import StatsCollector

from newscrawl.parsing.charset import mojibake_reason
from newscrawl.render.setup import HANDLER, INFO_META, KIND_META, PLAIN_META, plain_meta

logger = logging.getLogger(__name__)

#: Counters of the page info (newscrawl/render/browser.py) summed into stats.
_COUNTED = ("clicks", "clicks_no_new", "click_failed", "scrolls", "wait_missed", "idle_timeout", "offsite_navigation",
            "redirects")


def visible_text(response: TextResponse) -> str:
    """The text a reader sees (scripts and styles left out)."""
    sel = Selector(text=response.text)
    return " ".join(sel.xpath("//body//text()[not(ancestor::script) and not(ancestor::style)]").getall())


class RenderMiddleware:
    def __init__(self, stats: StatsCollector) -> None:
        self.stats = stats

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> RenderMiddleware:
        if HANDLER not in crawler.settings.getdict("DOWNLOAD_HANDLERS").values():
            raise NotConfigured  # this crawl renders nothing
        return cls(crawler.stats)

    def process_response(self, request: Request, response: Response) -> Request | Response:
        if "playwright" not in response.flags:
            return response
        kind = request.meta.get(KIND_META) or "page"
        if b"Content-Length" in response.headers:
            # The body is the browser's serialization of the page, not the bytes sent: the original length
            # would make the truncation checks see a cut page (or miss one).
            headers = response.headers.copy()
            del headers[b"Content-Length"]
            response = response.replace(headers=headers)
        self.stats.inc_value("newscrawl/render/pages")
        self.stats.inc_value(f"newscrawl/render/pages/{kind}")
        info = request.meta.get(INFO_META) or {}
        for key in _COUNTED:
            if info.get(key):
                self.stats.inc_value(f"newscrawl/render/{key}", info[key])
        if info.get("charset_repaired"):
            self.stats.inc_value("newscrawl/render/charset_repaired")
            logger.info("charset of %s repaired before rendering (%s)", response.url, info["charset_repaired"])
        if kind != "list":
            info.pop("raw_body", None)  # kept for list pages only (the cheaper-path probe)
        if isinstance(response, TextResponse):
            reason = mojibake_reason(visible_text(response))
            if reason and not request.meta.get(PLAIN_META):
                self.stats.inc_value("newscrawl/render/damaged_text")
                logger.warning("rendered %s came back with damaged text (%s): fetching it again without the browser",
                               response.url, reason)
                return request.replace(meta=plain_meta(request.meta), dont_filter=True)
        return response

    def process_exception(self, request: Request, exception: Exception) -> None:
        if request.meta.get("playwright"):
            name = type(exception).__name__
            self.stats.inc_value(f"newscrawl/render/errors/{name}")
            if "Timeout" in name:
                self.stats.inc_value("newscrawl/render/timeouts")
