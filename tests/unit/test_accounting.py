"""Every request accounted for (issue 9 item 6) and bounded sizes (item 4), unit by unit.

The fault-site crawl (``tests/e2e/test_faults.py``) proves it end to end; these pin each rule:
what is offsite, when a redirect is a loop or too long a chain, which download failures are
final, and how the lost kinds reach the summary, the report and the ``lost_rate`` check.
"""

from __future__ import annotations

import logging

import pytest
from scrapy import Request, Spider
from scrapy.downloadermiddlewares.httpcompression import HttpCompressionMiddleware
from scrapy.exceptions import DownloadCancelledError, DownloadTimeoutError, IgnoreRequest
from scrapy.http import HtmlResponse, Response

from newscrawl.catalog import Outlet
from newscrawl.extensions.health import FAILED, PASSED, SKIPPED, Coverage, Thresholds, check_health
from newscrawl.extensions.report import report_counts
from newscrawl.extensions.summary import LOST_STATS, CrawlSummary, lost_counts
from newscrawl.middlewares import (
    BoundedHttpCompressionMiddleware,
    DownloadAccountingMiddleware,
    OffsiteOriginMiddleware,
    RedirectGuardMiddleware,
    on_site,
)
from newscrawl.spiders.catalog import spider_news21tongsin  # type: ignore[attr-defined]
from tests.faultsite.server import gzip_bomb
from tests.helpers import project_crawler, site

LOCAL = site(base_url="http://127.0.0.1:8021")


@pytest.mark.parametrize(("url", "ok"), [
    ("http://127.0.0.1:8021/news/view.php?idx=1", True),
    ("HTTP://127.0.0.1:8021/news/view.php?idx=1", True),
    ("http://127.0.0.1:8022/news/view.php?idx=1", False),  # another port of the same host
    ("http://127.0.0.1/news/view.php?idx=1", False),  # port 80
    ("https://127.0.0.1:8021/news/view.php?idx=1", False),  # another scheme
    ("http://localhost:8021/news/view.php?idx=1", False),  # another host name
    ("http://127.0.0.1:99999/", False),  # not a port at all
])
def test_on_site_is_scheme_host_and_port(url: str, ok: bool) -> None:
    assert on_site(url, LOCAL) is ok


def test_on_site_accepts_the_outlets_domains_and_their_subdomains() -> None:
    outlet = Outlet(slug="x", name="X", family="dada", base_url="https://www.example.co.kr",
                    domains=("example.co.kr",))
    assert on_site("https://www.example.co.kr/a", outlet)
    assert on_site("https://m.example.co.kr/a", outlet)
    assert on_site("https://example.co.kr:443/a", outlet)
    assert not on_site("http://www.example.co.kr/a", outlet)  # scheme
    assert not on_site("https://www.example.co.kr:8443/a", outlet)  # port
    assert not on_site("https://badexample.co.kr/a", outlet)


def test_offsite_middleware_drops_and_counts(caplog: pytest.LogCaptureFixture) -> None:
    crawler = project_crawler(spider_news21tongsin)
    crawler.spider = spider_news21tongsin.from_crawler(crawler, base_url="http://127.0.0.1:8021", full="true")
    mw = OffsiteOriginMiddleware.from_crawler(crawler)
    mw.process_request(Request("http://127.0.0.1:8021/news/view.php?idx=1"))
    with caplog.at_level(logging.WARNING), pytest.raises(IgnoreRequest):
        mw.process_request(Request("http://127.0.0.1:8022/news/view.php?idx=1",
                                   meta={"redirect_urls": ["http://127.0.0.1:8021/news/view.php?idx=1"]}))
    assert crawler.stats.get_value("newscrawl/requests/offsite") == 1
    assert "redirected from http://127.0.0.1:8021/news/view.php?idx=1" in caplog.text


def test_offsite_middleware_leaves_spiders_without_an_outlet_alone() -> None:
    crawler = project_crawler(Spider)
    crawler.spider = Spider("plain")
    OffsiteOriginMiddleware.from_crawler(crawler).process_request(Request("http://anywhere.example:81/"))
    assert crawler.stats.get_value("newscrawl/requests/offsite") is None


def _redirect(url: str, location: str) -> Response:
    return Response(url, status=302, headers={"Location": location})


def test_redirect_guard_counts_loops_and_long_chains() -> None:
    crawler = project_crawler(Spider, REDIRECT_MAX_TIMES=3)
    mw = RedirectGuardMiddleware.from_crawler(crawler)
    a, b = "http://h/view.php?idx=1", "http://h/view.php?idx=1&hop=b"
    with pytest.raises(IgnoreRequest):  # A -> A
        mw.process_response(Request(a), _redirect(a, a))
    with pytest.raises(IgnoreRequest):  # A -> B -> A (relative Location)
        mw.process_response(Request(b, meta={"redirect_urls": [a], "redirect_times": 1}),
                            _redirect(b, "/view.php?idx=1"))
    assert crawler.stats.get_value("newscrawl/requests/redirect_loop") == 2
    ok = _redirect(a, b)
    assert mw.process_response(Request(a, meta={"redirect_times": 2}), ok) is ok
    with pytest.raises(IgnoreRequest):
        mw.process_response(Request(a, meta={"redirect_times": 3}), ok)
    assert crawler.stats.get_value("newscrawl/requests/redirect_max") == 1
    plain = Response(a, status=200)
    assert mw.process_response(Request(a), plain) is plain


def test_download_accounting_counts_final_failures_and_size_refusals() -> None:
    crawler = project_crawler(Spider)
    mw = DownloadAccountingMiddleware.from_crawler(crawler)
    request = Request("http://h/view.php?idx=1")
    assert mw.process_exception(request, DownloadTimeoutError("slow")) is None
    assert mw.process_exception(request, DownloadCancelledError("")) is None
    assert mw.process_exception(request, IgnoreRequest("robots")) is None  # counted by whoever dropped it
    stats = crawler.stats.get_stats()
    assert stats["newscrawl/requests/download_error"] == 1
    assert stats["newscrawl/requests/download_error/DownloadTimeoutError"] == 1
    assert stats["newscrawl/pages/too_large"] == 1 and stats["newscrawl/pages/too_large/download"] == 1


def test_settings_bound_download_and_inflated_sizes() -> None:
    crawler = project_crawler(Spider)
    assert crawler.settings.getint("DOWNLOAD_MAXSIZE") == 16 * 1024 * 1024
    assert crawler.settings.getint("DOWNLOAD_WARNSIZE") == 4 * 1024 * 1024
    mws = crawler.settings.getwithbase("DOWNLOADER_MIDDLEWARES")
    assert mws["scrapy.downloadermiddlewares.httpcompression.HttpCompressionMiddleware"] is None
    assert mws["newscrawl.middlewares.DownloadAccountingMiddleware"] < mws[
        "scrapy.downloadermiddlewares.retry.RetryMiddleware"] < mws["newscrawl.middlewares.RedirectGuardMiddleware"]
    assert issubclass(BoundedHttpCompressionMiddleware, HttpCompressionMiddleware)


def test_gzip_bomb_is_refused_while_inflating_and_counted() -> None:
    crawler = project_crawler(Spider)
    mw = BoundedHttpCompressionMiddleware.from_crawler(crawler)
    url = "http://h/view.php?idx=1"
    bomb = HtmlResponse(url, body=gzip_bomb(), headers={"Content-Encoding": "gzip", "Content-Type": "text/html"})
    with pytest.raises(IgnoreRequest):
        mw.process_response(Request(url), bomb)
    assert crawler.stats.get_value("newscrawl/pages/too_large/decompressed") == 1
    assert crawler.stats.get_value("newscrawl/pages/too_large") == 1


LOST = {"newscrawl/requests/offsite": 2, "dupefilter/filtered": 1, "robotstxt/forbidden": 1,
        "newscrawl/pages/too_large": 3, "newscrawl/requests/download_error": 2,
        "httperror/response_ignored_count": 1, "newscrawl/requests/redirect_loop": 1}  # HTTP errors: not lost


def test_lost_counts_every_kind_and_the_report_block() -> None:
    assert set(lost_counts({})) == set(LOST_STATS) and not any(lost_counts({}).values())
    counts = report_counts({**LOST, "response_received_count": 40})
    assert counts["lost"] == {"total": 10, "by_kind": {"offsite": 2, "redirect_loop": 1, "redirect_max": 0,
                                                       "dupefilter": 1, "robots": 1, "too_large": 3,
                                                       "download_error": 2}}
    assert counts["too_large"] == 3


def test_summary_line_shows_the_lost_kinds(caplog: pytest.LogCaptureFixture) -> None:
    crawler = project_crawler(Spider)
    for key, value in LOST.items():
        crawler.stats.set_value(key, value)
    with caplog.at_level(logging.INFO, logger="newscrawl.extensions.summary"):
        CrawlSummary.from_crawler(crawler).spider_closed(None, "finished")
    assert "lost=10 [offsite=2, redirect_loop=1, dupefilter=1, robots=1, too_large=3, download_error=2]" in caplog.text


@pytest.mark.parametrize(("lost", "received", "status"), [
    ({}, 0, SKIPPED),  # nothing requested at all
    ({}, 50, PASSED),
    ({"dupefilter/filtered": 5}, 45, PASSED),  # 5 / 50 = 0.1: at the limit
    ({"robotstxt/forbidden": 6}, 45, FAILED),  # 6 / 51
    ({"httperror/response_ignored_count": 10}, 50, PASSED),  # answered: http_error_rate judges it
    ({"newscrawl/requests/download_error": 3}, 0, FAILED),  # the site is down
])
def test_lost_rate(lost: dict[str, int], received: int, status: str) -> None:
    stats = {"finish_reason": "finished", "response_received_count": received, **lost}
    check = next(c for c in check_health(stats, Coverage(), "finished", Thresholds.defaults())
                 if c.name == "lost_rate")
    assert check.status == status and check.limit == 0.1
    if status == FAILED:
        assert check.message.startswith("lost rate ") and "requests lost: " in check.message
