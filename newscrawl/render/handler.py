"""The download handler of crawls that render: scrapy-playwright's, with newscrawl's discipline.

Installed by :func:`newscrawl.render.setup.enable_rendering` only (never by ``settings.py``).
Requests without ``playwright`` in their meta pass straight to Scrapy's HTTP handler.

What it adds to :class:`scrapy_playwright.handler.ScrapyPlaywrightDownloadHandler`:

* :class:`RequestPolicy` judges every request the browser makes by itself (scripts, XHR,
  images...): resource types in ``NEWSCRAWL_RENDER_BLOCK`` (images, media, fonts by default) and
  third-party hosts (``NEWSCRAWL_RENDER_THIRD_PARTY`` off) are aborted, robots.txt applies to
  the same-site ones as to the crawl's own requests, and they are spaced ``DOWNLOAD_DELAY``
  apart per host (politeness). Counted as ``newscrawl/render/blocked/<why>`` and
  ``newscrawl/render/subrequests``.
* The browser is restarted after ``NEWSCRAWL_RENDER_RESTART_PAGES`` rendered pages (leaks in a
  long-lived Chromium grow its memory; 0 = never), once the pages in flight are done:
  ``newscrawl/render/browser_restarts``. A browser that dies by itself is relaunched by
  scrapy-playwright on the next page and counted here: ``newscrawl/render/browser_crashes``
  (WARNING). ``newscrawl/render/browser_launches`` counts every start.
"""

from __future__ import annotations

import asyncio
import logging
import time
from typing import Any, cast
from weakref import WeakKeyDictionary

from playwright.async_api import Request as PlaywrightRequest
from scrapy import Request
from scrapy.core.downloader.handlers.http11 import HTTP11DownloadHandler
from scrapy.crawler import Crawler
from scrapy.downloadermiddlewares.robotstxt import RobotsTxtMiddleware
from scrapy.http import Response
from scrapy_playwright.handler import ScrapyPlaywrightDownloadHandler

from newscrawl.render.setup import blocked_types, on_hosts

logger = logging.getLogger(__name__)


#: The crawl's browser handler, by crawler: the other scheme's handler hands it its rendered requests.
_BROWSER_HANDLERS: WeakKeyDictionary[Crawler, RenderDownloadHandler] = WeakKeyDictionary()


class RequestPolicy:
    """Whether scrapy-playwright aborts one request the browser makes (``PLAYWRIGHT_ABORT_REQUEST``)."""

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self.stats = crawler.stats
        settings = crawler.settings
        self.blocked_types = blocked_types(settings)
        self.third_party = settings.getbool("NEWSCRAWL_RENDER_THIRD_PARTY")
        self.delay = settings.getfloat("DOWNLOAD_DELAY")
        self.obey_robots = settings.getbool("ROBOTSTXT_OBEY")
        self.useragent = settings.get("ROBOTSTXT_USER_AGENT") or settings.get("USER_AGENT")
        self.next_at: dict[str, float] = {}
        self.lock = asyncio.Lock()

    def hosts(self) -> tuple[str, ...]:
        spider = self.crawler.spider
        return tuple(getattr(spider, "allowed_domains", None) or ())

    def robots(self) -> RobotsTxtMiddleware | None:
        engine = self.crawler.engine
        if engine is None:
            return None
        return next((mw for mw in engine.downloader.middleware.middlewares if isinstance(mw, RobotsTxtMiddleware)),
                    None)

    def _block(self, why: str, pw_request: PlaywrightRequest) -> bool:
        self.stats.inc_value(f"newscrawl/render/blocked/{why}")
        logger.debug("browser request %s aborted (%s)", pw_request.url, why)
        return True

    async def __call__(self, pw_request: PlaywrightRequest) -> bool:
        url = pw_request.url
        if not url.startswith(("http://", "https://")):
            return False  # data:, blob: — nothing goes over the network
        if pw_request.resource_type in self.blocked_types:
            return self._block(pw_request.resource_type, pw_request)
        page_url = pw_request.frame.page.url if pw_request.frame else None
        if not self.third_party and not on_hosts(url, self.hosts(), page_url):
            return self._block("third_party", pw_request)
        if self.obey_robots:
            middleware = self.robots()
            parser = await middleware.robot_parser(Request(url)) if middleware is not None else None
            if parser is not None and not parser.allowed(url, self.useragent):
                return self._block("robots", pw_request)
        await self._space(url)
        self.stats.inc_value("newscrawl/render/subrequests")
        return False

    async def _space(self, url: str) -> None:
        """Politeness: the browser's own requests to one host at least ``DOWNLOAD_DELAY`` apart."""
        if self.delay <= 0:
            return
        host = url.split("/", 3)[2]
        async with self.lock:
            now = time.monotonic()
            start = max(now, self.next_at.get(host, 0.0))
            self.next_at[host] = start + self.delay
        if start > now:
            await asyncio.sleep(start - now)


class RenderDownloadHandler(ScrapyPlaywrightDownloadHandler):  # type: ignore[misc]
    """scrapy-playwright's handler with :class:`RequestPolicy`, browser restarts and their counts."""

    def __init__(self, crawler: Crawler) -> None:
        super().__init__(crawler)
        self.crawler = crawler
        if not crawler.settings.get("PLAYWRIGHT_ABORT_REQUEST"):
            self.abort_request = RequestPolicy(crawler)  # a predicate of the user's own (-s/settings) replaces it
        self.restart_pages = crawler.settings.getint("NEWSCRAWL_RENDER_RESTART_PAGES")
        self.slots = asyncio.Semaphore(max(1, crawler.settings.getint("PLAYWRIGHT_MAX_PAGES_PER_CONTEXT")))
        self.pages_since_launch = 0
        self.in_flight = 0
        self.idle = asyncio.Event()
        self.idle.set()
        self.restart_lock = asyncio.Lock()
        self.watched: Any = None
        self.restarting = False
        _BROWSER_HANDLERS[crawler] = self

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> RenderDownloadHandler:
        return cls(crawler)

    async def download_request(self, request: Request) -> Response:
        if not request.meta.get("playwright"):
            return cast(Response, await super().download_request(request))
        # Taken before the restart check: the downloader hands over more requests than there are pages
        # (CONCURRENT_REQUESTS), and only the ones holding a page count as in flight.
        async with self.slots:
            await self._maybe_restart()
            self.in_flight += 1
            self.idle.clear()
            try:
                return cast(Response, await super().download_request(request))
            finally:
                self.in_flight -= 1
                self.pages_since_launch += 1
                if not self.in_flight:
                    self.idle.set()
                self._watch_browser()

    async def close(self) -> None:
        self.restarting = True  # the browser closing now is no crash
        await super().close()

    def _watch_browser(self) -> None:
        browser = getattr(self, "browser", None)
        if browser is None or browser is self.watched:
            return
        self.watched = browser
        self.crawler.stats.inc_value("newscrawl/render/browser_launches")
        browser.on("disconnected", self._disconnected)

    def _disconnected(self, browser: Any = None) -> None:
        if self.restarting:
            return
        self.crawler.stats.inc_value("newscrawl/render/browser_crashes")
        logger.warning("the browser exited unexpectedly after %d rendered pages; it is relaunched for the next page",
                       self.pages_since_launch)
        self.pages_since_launch = 0

    async def _maybe_restart(self) -> None:
        if not self.restart_pages or self.pages_since_launch < self.restart_pages:
            return
        async with self.restart_lock:
            if self.pages_since_launch < self.restart_pages:
                return  # another request restarted it while this one waited
            await self.idle.wait()
            browser = getattr(self, "browser", None)
            if browser is not None:
                self.restarting = True
                try:
                    await browser.close()  # scrapy-playwright's disconnected callback drops it; the next page relaunches
                finally:
                    self.restarting = False
                self.crawler.stats.inc_value("newscrawl/render/browser_restarts")
                logger.info("browser restarted after %d rendered pages (NEWSCRAWL_RENDER_RESTART_PAGES)",
                            self.pages_since_launch)
            self.pages_since_launch = 0


class SchemeHandler(HTTP11DownloadHandler):
    """The second scheme's handler (``https`` when :class:`RenderDownloadHandler` is ``http``'s).

    Scrapy builds one handler per scheme; two scrapy-playwright handlers would start two Playwright
    drivers. This one downloads plain requests itself and hands rendered ones to the crawl's
    :class:`RenderDownloadHandler`, so one driver and one browser serve both schemes.
    """

    lazy = False

    def __init__(self, crawler: Crawler) -> None:
        super().__init__(crawler=crawler)
        self.crawler = crawler

    async def download_request(self, request: Request) -> Response:
        if request.meta.get("playwright"):
            return await _BROWSER_HANDLERS[self.crawler].download_request(request)
        return await super().download_request(request)
