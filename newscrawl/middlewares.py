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

The other middlewares make sure no request vanishes without a count (see the summary line,
the run report's ``lost`` block and the ``lost_rate`` health check):

``OffsiteOriginMiddleware`` — why: Scrapy's offsite check compares host names only, so a link
to another port (or scheme) of the outlet's host is followed and exported as the outlet's.
Here a request is on site only with the scheme and port of ``spider.site.base_url`` and its
host or one of the outlet's ``domains`` (or a subdomain of one); anything else is dropped and
counted as ``newscrawl/requests/offsite``. Redirects pass through it again, so a redirect
offsite is caught the same way. Spiders without a ``site`` (the ``articles`` spider: its input
is the plan) are not filtered.

``RedirectGuardMiddleware`` — why: Scrapy's ``RedirectMiddleware`` drops a redirect loop or a
too long chain with a log line and no stat, and an A→B→A loop ends as an anonymous
``dupefilter/filtered``. This one runs just before it and counts
``newscrawl/requests/redirect_loop`` (the target was already visited in this chain) and
``newscrawl/requests/redirect_max`` (``REDIRECT_MAX_TIMES`` redirects followed).

``DownloadAccountingMiddleware`` — why: a download that fails after the last retry only shows
in ``downloader/exception_type_count/...``, which counts every attempt. This one sits below
``RetryMiddleware`` so it sees only final failures: ``newscrawl/requests/download_error``
(and ``.../<exception type>``); a download refused by ``DOWNLOAD_MAXSIZE`` is
``newscrawl/pages/too_large`` (and ``newscrawl/pages/too_large/download``) instead.

``BoundedHttpCompressionMiddleware`` — Scrapy's ``HttpCompressionMiddleware`` (it stops
inflating at ``DOWNLOAD_MAXSIZE``, so a gzip bomb costs at most that much memory) plus the
count: a body refused while inflating is ``newscrawl/pages/too_large`` (and
``newscrawl/pages/too_large/decompressed``).
"""

from __future__ import annotations

import logging
from urllib.parse import urljoin, urlsplit

from scrapy import Request, signals
from scrapy.crawler import Crawler
from scrapy.downloadermiddlewares.httpcompression import HttpCompressionMiddleware
from scrapy.downloadermiddlewares.retry import get_retry_request
from scrapy.exceptions import DownloadCancelledError, IgnoreRequest, NotConfigured
from scrapy.http import HtmlResponse, Response
from scrapy.statscollectors import StatsCollector
from twisted.internet.defer import CancelledError
from w3lib.url import safe_url_string

from newscrawl.catalog import Outlet
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


_DEFAULT_PORTS = {"http": 80, "https": 443}
#: Statuses RedirectMiddleware follows with a Location header.
_REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})


def origin(url: str) -> tuple[str, str, int | None]:
    """(scheme, host, effective port) of ``url``; the port is the scheme's default when none is written."""
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    try:
        port = parts.port
    except ValueError:  # a port out of range or not a number: no origin matches it
        return scheme, (parts.hostname or "").lower(), -1
    return scheme, (parts.hostname or "").lower(), port if port is not None else _DEFAULT_PORTS.get(scheme)


def on_site(url: str, site: Outlet) -> bool:
    """Whether ``url`` belongs to ``site``: its base URL's scheme and port, and its host or one of its domains."""
    scheme, host, port = origin(url)
    base_scheme, base_host, base_port = origin(site.base_url)
    if (scheme, port) != (base_scheme, base_port) or not host:
        return False
    hosts = {base_host, *(d.lower().lstrip(".") for d in site.domains)}
    return any(host == h or host.endswith("." + h) for h in hosts if h)


class OffsiteOriginMiddleware:
    """Drops and counts requests to another scheme, host or port than the outlet's (module docstring)."""

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> OffsiteOriginMiddleware:
        mw = cls(crawler)
        # Scrapy's OffsiteMiddleware drops other hosts when they are scheduled, before any
        # process_request; this check runs first (built, so connected, before it) to count them.
        crawler.signals.connect(mw.request_scheduled, signal=signals.request_scheduled)
        return mw

    def request_scheduled(self, request: Request) -> None:
        self.process_request(request)

    def process_request(self, request: Request) -> None:
        site = getattr(self.crawler.spider, "site", None)
        if not isinstance(site, Outlet) or on_site(request.url, site) or request.url.startswith("data:"):
            return
        assert self.crawler.stats is not None
        self.crawler.stats.inc_value("newscrawl/requests/offsite")
        origin_url = (request.meta.get("redirect_urls") or [None])[0]
        logger.warning("offsite request dropped (not %s): %s%s", site.base_url, request.url,
                       f" (redirected from {origin_url})" if origin_url else "")
        raise IgnoreRequest(f"offsite: {request.url}")


class RedirectGuardMiddleware:
    """Counts, and stops, redirect loops and too long redirect chains (module docstring)."""

    def __init__(self, stats: StatsCollector, max_times: int) -> None:
        self.stats = stats
        self.max_times = max_times

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> RedirectGuardMiddleware:
        if not crawler.settings.getbool("REDIRECT_ENABLED"):
            raise NotConfigured
        assert crawler.stats is not None
        return cls(crawler.stats, crawler.settings.getint("REDIRECT_MAX_TIMES"))

    def process_response(self, request: Request, response: Response) -> Response:
        location = response.headers.get(b"Location")
        if (response.status not in _REDIRECT_STATUSES or not location or request.meta.get("dont_redirect")
                or response.status in request.meta.get("handle_httpstatus_list", ())
                or request.meta.get("handle_httpstatus_all")):
            return response
        target = safe_url_string(urljoin(response.url, location.decode("latin-1")))
        chain = [*request.meta.get("redirect_urls", ()), request.url]
        if target in {safe_url_string(u) for u in chain}:
            self.stats.inc_value("newscrawl/requests/redirect_loop")
            logger.warning("redirect loop dropped: %s -> %s", " -> ".join(chain), target)
            raise IgnoreRequest(f"redirect loop: {request.url} -> {target}")
        if request.meta.get("redirect_times", 0) >= self.max_times:
            self.stats.inc_value("newscrawl/requests/redirect_max")
            logger.warning("redirect chain dropped after %d redirects (REDIRECT_MAX_TIMES): %s -> ... -> %s",
                           self.max_times, chain[0], target)
            raise IgnoreRequest(f"max redirections reached: {chain[0]}")
        return response


def is_size_refusal(exception: BaseException) -> bool:
    """Whether a download failed because it was larger than ``DOWNLOAD_MAXSIZE``.

    Scrapy's HTTP handlers cancel a download only for that (``Content-Length`` above the limit, or
    more bytes received than it allows); the message is empty in the second case, so the type decides.
    """
    return isinstance(exception, (DownloadCancelledError, CancelledError))


class DownloadAccountingMiddleware:
    """Counts downloads that failed for good (below RetryMiddleware: it sees only the last attempt)."""

    def __init__(self, stats: StatsCollector) -> None:
        self.stats = stats

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> DownloadAccountingMiddleware:
        assert crawler.stats is not None
        return cls(crawler.stats)

    def process_exception(self, request: Request, exception: Exception) -> None:
        if isinstance(exception, IgnoreRequest):
            return  # counted by whoever dropped it (offsite, robots, redirect guard)
        if is_size_refusal(exception):
            self.stats.inc_value("newscrawl/pages/too_large")
            self.stats.inc_value("newscrawl/pages/too_large/download")
            logger.warning("page larger than DOWNLOAD_MAXSIZE refused: %s", request.url)
            return
        self.stats.inc_value("newscrawl/requests/download_error")
        self.stats.inc_value(f"newscrawl/requests/download_error/{type(exception).__name__}")
        logger.warning("download failed for good (%s: %s): %s", type(exception).__name__, exception, request.url)


class BoundedHttpCompressionMiddleware(HttpCompressionMiddleware):
    """Scrapy's decompression, which stops at ``DOWNLOAD_MAXSIZE``, with the refusal counted."""

    def process_response(self, request: Request, response: Response,  # type: ignore[override]
                         ) -> Request | Response:
        try:
            return super().process_response(request, response)
        except IgnoreRequest:
            assert self.stats is not None
            self.stats.inc_value("newscrawl/pages/too_large")
            self.stats.inc_value("newscrawl/pages/too_large/decompressed")
            raise


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
