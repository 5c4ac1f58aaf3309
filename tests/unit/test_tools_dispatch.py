"""What `scrapy parse` and `scrapy check` stand on, without a subprocess: the spiders' URL dispatch
(Family.list_page / is_home), the @fixtures docstrings, the fixture checks and the offline downloader."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from scrapy import Request
from scrapy.exceptions import IgnoreRequest
from scrapy.spiderloader import SpiderLoader
from scrapy.utils.project import get_project_settings

from newscrawl.commands.check import crawl_arguments, plan_checks
from newscrawl.contracts import FIXTURE_META, FixtureMiddleware, fixture_kinds, verify
from newscrawl.families import FAMILIES
from newscrawl.fixtures import CaseError, PageCase
from newscrawl.spiders.articles import ArticlesSpider
from newscrawl.spiders.base import NewsSpider
from tests.helpers import project_crawler, project_settings_with
from tests.pages.cases import get_case, load_cases


@pytest.fixture(scope="module")
def loader() -> SpiderLoader:
    return SpiderLoader.from_settings(get_project_settings())


def news_spider(loader: SpiderLoader, name: str, /, **kwargs: str) -> NewsSpider:
    cls = loader.load(name)
    assert issubclass(cls, NewsSpider)
    return cls.from_crawler(project_crawler(cls, NEWSCRAWL_STATE_URI="memory://"), **kwargs)


@pytest.mark.parametrize(("family", "url", "listed"), [
    ("dada", "http://x.example/news/list.php?mcode=m101sc2a&page=3", ("m101sc2a", 3)),
    ("dada", "http://x.example/news/list.php?mcode=m101sc2a", ("m101sc2a", 1)),
    ("dada", "http://x.example/news/view.php?idx=1", None),
    ("dada", "http://x.example/news/list.php?page=2", None),
    ("ndsoft", "https://x.example/news/articleList.html?sc_section_code=S1N2&view_type=sm", ("S1N2", 1)),
    ("ndsoft", "https://x.example/news/articleList.html?page=2&sc_section_code=S1N3&sc_sub_section_code=S2N5",
     ("S2N5", 2)),
    ("ndsoft", "https://x.example/news/articleView.html?idxno=5", None),
])
def test_list_page_is_the_inverse_of_list_url(family: str, url: str, listed: tuple[str, int] | None) -> None:
    record = FAMILIES[family]
    assert record.list_page is not None and record.list_url is not None
    assert record.list_page(url) == listed
    if listed:
        assert record.list_page(record.list_url("http://x.example", *listed)) == listed


def test_home_is_the_bare_home_path_only() -> None:
    ndsoft = FAMILIES["ndsoft"]
    assert ndsoft.is_home("https://x.example/") and ndsoft.is_home("https://x.example")
    assert not ndsoft.is_home("https://x.example/?mod=news&act=articleView&idxno=1")  # a legacy article URL
    assert not FAMILIES["generic"].is_home("https://x.example/")  # no home page to crawl


def test_outlet_spider_dispatches_by_url(loader: SpiderLoader) -> None:
    spider = news_spider(loader, "news21tongsin")
    base = spider.site.base_url
    assert spider.callback_for(f"{base}/news/view.php?idx=1042&mcode=m101sc2a") == spider.parse_article
    assert spider.callback_for(f"{base}/news/list.php?mcode=m101sc2a&page=2") == spider.parse_list
    assert spider.callback_for(f"{base}/") == spider.parse_home
    assert spider.callback_for(f"{base}/robots.txt") is None


def test_parse_on_an_unknown_url_logs_one_line_and_yields_nothing(loader: SpiderLoader,
                                                                  caplog: pytest.LogCaptureFixture) -> None:
    spider = news_spider(loader, "news21tongsin")
    response = get_case("dada/article").response(f"{spider.site.base_url}/about.html")
    assert list(spider.parse(response)) == []
    errors = [r for r in caplog.records if r.levelname == "ERROR"]
    assert len(errors) == 1 and "not an article, section list or home page URL" in errors[0].getMessage()
    assert spider.crawler.stats.get_value("newscrawl/parse/unknown_url") == 1


def test_parse_list_takes_section_and_page_from_the_url(loader: SpiderLoader) -> None:
    case = get_case("dada/list")
    spider = news_spider(loader, "news21tongsin", base_url=case.outlet().base_url)
    requests = list(spider.parse(case.response()))
    assert [r.url for r in requests] == [e["url"] for e in case.expected()["entries"]] + [
        case.expected()["next_page_url"]]
    assert requests[-1].cb_kwargs == {"section": "m101sc2a", "page": 2}


def test_every_outlet_callback_declares_its_fixture_kinds() -> None:
    assert fixture_kinds(NewsSpider.parse_article) == ("article", "not_article")
    assert fixture_kinds(NewsSpider.parse_list) == ("list",)
    assert fixture_kinds(NewsSpider.parse_home) == ("home",)
    assert fixture_kinds(ArticlesSpider.parse_article) == ("article", "not_article")
    assert fixture_kinds(NewsSpider.parse) == ()

    def bad() -> None:
        """@fixtures articles"""

    with pytest.raises(CaseError, match="unknown kinds articles"):
        fixture_kinds(bad)


def test_every_spider_gets_checks_and_every_case_a_spider(loader: SpiderLoader) -> None:
    settings = project_settings_with()
    cases = load_cases()
    covered: set[str] = set()
    for name in loader.list():
        cls = loader.load(name)
        kinds = {"parse_article": ("article", "not_article"), "parse_list": ("list",), "parse_home": ("home",)}
        groups = plan_checks(cls, kinds, cases, settings)
        assert groups, f"{name}: no fixture to check"
        covered |= {case.id for _, plan in groups for _, case in plan}
    assert covered == {case.id for case in cases}
    # A catalog spider crawls a fixture served from another address with -a base_url=.
    assert crawl_arguments(loader.load("news21tongsin"), get_case("dada/article"), settings) == {
        "base_url": "http://www.news21tongsin.co.kr"}
    assert crawl_arguments(loader.load("joongboo"), get_case("ndsoft/joongboo"), settings) == {}
    assert crawl_arguments(loader.load("joongboo"), get_case("ndsoft/kado"), settings) is None


def _output_of(case: PageCase, loader: SpiderLoader) -> list[Any]:
    spider = news_spider(loader, "ndsoft", base_url=case.outlet().base_url, slug=case.outlet().slug,
                         name=case.outlet().name)
    callback = spider.callback_for(case.url)
    assert callback is not None
    return list(callback(case.response()))


def test_verify_passes_the_real_output_and_fails_on_any_difference(loader: SpiderLoader) -> None:
    article, listing = get_case("ndsoft/article_2020"), get_case("ndsoft/list_2020")
    items, requests = _output_of(article, loader), _output_of(listing, loader)
    verify(article, items)
    verify(listing, requests)
    with pytest.raises(AssertionError, match="expected 1 item, got 2 items"):
        verify(article, items * 2)
    with pytest.raises(AssertionError, match="requests differ"):
        verify(listing, requests[::-1])
    with pytest.raises(AssertionError, match="expected nothing"):
        verify(get_case("ndsoft/deleted"), items)


def test_fixture_middleware_serves_the_saved_page_and_refuses_anything_else(tmp_path: Path) -> None:
    page = tmp_path / "page.html"
    page.write_bytes("<html><body>안녕</body></html>".encode("euc-kr"))
    middleware = FixtureMiddleware()
    request = Request("https://x.example/a", meta={FIXTURE_META: {
        "page": str(page), "headers": {"Content-Type": "text/html; charset=euc-kr"}}})
    response = middleware.process_request(request)
    assert response.url == "https://x.example/a" and response.text.endswith("안녕</body></html>")
    with pytest.raises(IgnoreRequest, match="offline"):
        middleware.process_request(Request("https://x.example/robots.txt"))


def test_each_fixture_check_records_pass_fail_error_and_never_reached(loader: SpiderLoader,
                                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    from unittest import TestResult

    from newscrawl.contracts import FixtureContractsManager, FixturesContract
    from newscrawl.spiders import base

    case = get_case("dada/article")
    spider = news_spider(loader, "news21tongsin", base_url=case.outlet().base_url)
    manager = FixtureContractsManager([FixturesContract])
    results = TestResult()
    closed: list[Any] = []  # the spider_closed handler, called below instead of closing a crawl
    monkeypatch.setattr(spider.crawler.signals, "connect", lambda receiver, signal, **kw: closed.append(receiver))
    ok, failing, raising, _lost = manager.fixture_requests(
        spider, [("parse_article", case), ("parse_article", get_case("dada/deleted")),
                 ("parse_article", case), ("parse_list", get_case("dada/list"))], results)
    assert ok.url == case.url and ok.meta["newscrawl_fixture"]["page"] == str(case.page)
    ok.callback(case.response())
    failing.callback(case.response(get_case("dada/deleted").url))  # an article where nothing is expected
    monkeypatch.setattr(base, "article_from_response", lambda *a, **k: 1 / 0)
    raising.callback(case.response())
    closed[0](spider)
    assert results.testsRun == 4
    assert [str(t) for t, _ in results.failures] == ["[news21tongsin] parse_article fixture dada/deleted"]
    assert [str(t) for t, _ in results.errors] == ["[news21tongsin] parse_article fixture dada/article",
                                                   "[news21tongsin] parse_list fixture dada/list"]
    assert "ZeroDivisionError" in results.errors[0][1] and "never reached the callback" in results.errors[1][1]
