"""Spider arguments (`newscrawl/spiders/args.py`): declared once per spider kind, checked before the crawl.

Unknown arguments and bad values (of an argument or of the setting it falls back to) give one
line naming them; `scrapy crawl` prints that line and exits 1, without a traceback.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from scrapy import Spider
from scrapy.http import HtmlResponse

from newscrawl import settings as project_settings
from newscrawl.pages.feeds import LinkEntry
from newscrawl.pages.section import ListEntry
from newscrawl.parsing.dates import KST
from newscrawl.spiders.args import (
    ArticlesArgs,
    FamilyArgs,
    OutletArgs,
    SpiderArgumentError,
    day_start,
    settings_of,
)
from newscrawl.spiders.articles import ArticlesSpider
from newscrawl.spiders.catalog import family_spider_ndsoft, spider_news21tongsin  # type: ignore[attr-defined]
from newscrawl.state.shared import close_crawl_store
from tests.helpers import project_crawler

PROJECT_ROOT = Path(__file__).resolve().parents[2]
OUTLET_ARGS = "base_url, full, max_pages, render, sections, since, until"
FAMILY_ARGS = "base_url, full, max_pages, name, render, sections, since, slug, until"
ARTICLES_ARGS = "feed, full, max_articles, render, since, sitemap, urls"


@pytest.fixture
def built() -> Iterator[list[Any]]:
    """Crawlers built by a test, whose shared state stores are closed afterwards."""
    crawlers: list[Any] = []
    yield crawlers
    for crawler in crawlers:
        close_crawl_store(crawler)


def build(spidercls: type[Spider], settings: dict[str, Any] | None = None, /, **kwargs: Any) -> Any:
    """The spider as `scrapy crawl` builds it, with project settings (state in memory) plus ``settings``."""
    crawler = project_crawler(spidercls, **{"NEWSCRAWL_STATE_URI": "memory://", **(settings or {})})
    return spidercls.from_crawler(crawler, **kwargs)


def error_of(spidercls: type[Spider], settings: dict[str, Any] | None = None, /, **kwargs: Any) -> str:
    with pytest.raises(SpiderArgumentError) as caught:
        build(spidercls, settings, **kwargs)
    message = str(caught.value)
    assert "\n" not in message
    return message


# -- unknown arguments ------------------------------------------------------------------------------
@pytest.mark.parametrize(("spidercls", "kwargs", "expected"), [
    (spider_news21tongsin, {"max_page": "1"},
     f"unknown spider argument 'max_page' for news21tongsin; valid: {OUTLET_ARGS}"),
    (spider_news21tongsin, {"slug": "x"},  # only family spiders take slug and name
     f"unknown spider argument 'slug' for news21tongsin; valid: {OUTLET_ARGS}"),
    (family_spider_ndsoft, {"base_url": "https://a.example", "sectons": "S1", "maxpages": "2"},
     f"unknown spider arguments 'maxpages', 'sectons' for ndsoft; valid: {FAMILY_ARGS}"),
    (ArticlesSpider, {"feed": "https://a.example/rss", "max_article": "3"},
     f"unknown spider argument 'max_article' for articles; valid: {ARTICLES_ARGS}"),
    (ArticlesSpider, {"until": "2024-03-01"},  # checked before "needs exactly one of ..."
     f"unknown spider argument 'until' for articles; valid: {ARTICLES_ARGS}"),
])
def test_unknown_argument_is_one_line_naming_the_valid_ones(spidercls: type[Spider], kwargs: dict[str, str],
                                                            expected: str) -> None:
    assert error_of(spidercls, **kwargs) == expected


def test_valid_names_are_the_models_fields() -> None:
    assert ", ".join(sorted(OutletArgs.model_fields)) == OUTLET_ARGS
    assert ", ".join(sorted(FamilyArgs.model_fields)) == FAMILY_ARGS
    assert ", ".join(sorted(ArticlesArgs.model_fields)) == ARTICLES_ARGS


def test_scrapyd_job_id_passes_through(built: list[Any]) -> None:
    spider = build(spider_news21tongsin, _job="abc123")
    built.append(spider.crawler)
    assert spider._job == "abc123"


# -- bad values -------------------------------------------------------------------------------------
@pytest.mark.parametrize(("kwargs", "expected"), [
    ({"since": "yesterday"}, "since='yesterday' is not a date: use YYYY-MM-DD or an ISO 8601 datetime"),
    ({"until": "soon"}, "until='soon' is not a date: use YYYY-MM-DD or an ISO 8601 datetime"),
    ({"max_pages": "lots"}, "max_pages='lots' is not a whole number"),
    ({"max_pages": "-1"}, "max_pages='-1' must be 0 (no limit) or more"),
    ({"full": "maybe"}, "full='maybe': use true or false"),
    ({"base_url": "www.example.kr"}, "base_url='www.example.kr' must be an http:// or https:// URL with a host"),
    ({"since": "2024-03-20", "until": "2024-03-01"},
     "until=2024-03-01T23:59:59+09:00 is before since=2024-03-20T00:00:00+09:00"),
])
def test_bad_outlet_argument(kwargs: dict[str, str], expected: str) -> None:
    assert error_of(spider_news21tongsin, **kwargs) == expected


@pytest.mark.parametrize(("kwargs", "expected"), [
    ({}, "the 'ndsoft' spider crawls an outlet that is not in the catalog and needs its address: "
         "scrapy crawl ndsoft -a base_url=https://www.example.co.kr [-a slug=example] [-a name=outlet name]"),
    ({"base_url": "https://example.kr", "slug": "Bad Slug!"},
     "slug='Bad Slug!' must be lowercase letters, digits, '.', '_' or '-'"),
    ({"base_url": "https://example.kr", "max_pages": "x"}, "max_pages='x' is not a whole number"),
])
def test_bad_family_argument(kwargs: dict[str, str], expected: str) -> None:
    assert error_of(family_spider_ndsoft, **kwargs) == expected


@pytest.mark.parametrize(("kwargs", "expected"), [
    ({"feed": "https://a.example/rss", "since": "soon"},
     "since='soon' is not a date: use YYYY-MM-DD or an ISO 8601 datetime"),
    ({"feed": "https://a.example/rss", "max_articles": "many"}, "max_articles='many' is not a whole number"),
    ({"sitemap": "https://a.example/s.xml,ftp://a.example/t.xml"},
     "sitemap='https://a.example/s.xml,ftp://a.example/t.xml': give http(s) URLs, comma-separated"),
    ({"urls": "x.txt", "feed": "http://127.0.0.1:9/rss"},  # the missing file is not what matters here
     "the articles spider needs exactly one of -a urls=FILE, -a feed=URL[,URL...] or -a sitemap=URL[,URL...] "
     "(got urls and feed)"),
])
def test_bad_articles_argument(kwargs: dict[str, str], expected: str) -> None:
    assert error_of(ArticlesSpider, **kwargs) == expected


# -- settings: the fallback of an argument not given ---------------------------------------------------
def test_every_setting_a_field_falls_back_to_is_defined_in_settings_py() -> None:
    marked = {**settings_of(OutletArgs), **settings_of(FamilyArgs), **settings_of(ArticlesArgs)}
    assert marked == {"since": "NEWSCRAWL_SINCE", "until": "NEWSCRAWL_UNTIL", "max_pages": "NEWSCRAWL_MAX_PAGES",
                      "max_articles": "NEWSCRAWL_MAX_ARTICLES", "full": "NEWSCRAWL_FULL"}
    for setting in marked.values():
        assert hasattr(project_settings, setting), setting


def test_defaults_come_from_the_settings(built: list[Any]) -> None:
    spider = build(spider_news21tongsin)
    built.append(spider.crawler)
    assert (spider.max_pages, spider.since, spider.until, spider.full) == (0, None, None, False)
    articles = build(ArticlesSpider, feed="https://a.example/rss")
    assert (articles.max_articles, articles.since) == (0, None)


def test_settings_fill_what_arguments_leave_out_and_arguments_win(built: list[Any]) -> None:
    settings = {"NEWSCRAWL_MAX_PAGES": "3", "NEWSCRAWL_SINCE": "2024-03-01", "NEWSCRAWL_UNTIL": "2024-03-31"}
    spider = build(spider_news21tongsin, settings)
    built.append(spider.crawler)
    assert spider.max_pages == 3
    assert spider.since == datetime(2024, 3, 1, tzinfo=KST)
    assert spider.until == datetime(2024, 3, 31, 23, 59, 59, tzinfo=KST)
    spider = build(spider_news21tongsin, settings, max_pages="1", since="2024-03-10")
    built.append(spider.crawler)
    assert spider.max_pages == 1 and spider.since == datetime(2024, 3, 10, tzinfo=KST)
    assert build(spider_news21tongsin, {"NEWSCRAWL_FULL": "true"}).full is True
    assert build(spider_news21tongsin, {"NEWSCRAWL_FULL": "true"}, full="false").full is False
    articles = build(ArticlesSpider, {"NEWSCRAWL_MAX_ARTICLES": 7, "NEWSCRAWL_SINCE": "2024-03-01"},
                     feed="https://a.example/rss")
    assert articles.max_articles == 7 and articles.since == datetime(2024, 3, 1, tzinfo=KST)
    assert build(ArticlesSpider, {"NEWSCRAWL_MAX_ARTICLES": 7}, feed="https://a.example/rss",
                 max_articles="2").max_articles == 2


@pytest.mark.parametrize(("spidercls", "settings", "kwargs", "expected"), [
    (spider_news21tongsin, {"NEWSCRAWL_SINCE": "yesterday"}, {},
     "NEWSCRAWL_SINCE='yesterday' is not a date: use YYYY-MM-DD or an ISO 8601 datetime"),
    (spider_news21tongsin, {"NEWSCRAWL_MAX_PAGES": "lots"}, {}, "NEWSCRAWL_MAX_PAGES='lots' is not a whole number"),
    (spider_news21tongsin, {"NEWSCRAWL_UNTIL": "2024-03-01"}, {"since": "2024-03-20"},
     "NEWSCRAWL_UNTIL=2024-03-01T23:59:59+09:00 is before since=2024-03-20T00:00:00+09:00"),
    (ArticlesSpider, {"NEWSCRAWL_MAX_ARTICLES": -2}, {"feed": "https://a.example/rss"},
     "NEWSCRAWL_MAX_ARTICLES=-2 must be 0 (no limit) or more"),
])
def test_bad_setting_names_the_setting(spidercls: type[Spider], settings: dict[str, Any], kwargs: dict[str, str],
                                       expected: str) -> None:
    assert error_of(spidercls, settings, **kwargs) == expected


def test_a_good_argument_hides_a_bad_setting(built: list[Any]) -> None:
    spider = build(spider_news21tongsin, {"NEWSCRAWL_MAX_PAGES": "lots"}, max_pages="2")
    built.append(spider.crawler)
    assert spider.max_pages == 2


# -- family spiders: -a name= names the outlet, not the spider -------------------------------------------
def test_family_name_argument_does_not_rename_the_spider(built: list[Any]) -> None:
    spider = build(family_spider_ndsoft, base_url="https://www.example.kr/", name=" 예시일보 ")
    built.append(spider.crawler)
    assert spider.name == "ndsoft"
    assert (spider.site.slug, spider.site.name, spider.site.base_url) == ("example.kr", "예시일보",
                                                                          "https://www.example.kr")
    assert spider.family is family_spider_ndsoft.family_record


# -- the one midnight cut-off ------------------------------------------------------------------------
def test_day_start_keeps_the_timezone_and_drops_microseconds() -> None:
    assert day_start(datetime(2024, 3, 5, 12, 34, 56, 789, tzinfo=KST)) == datetime(2024, 3, 5, tzinfo=KST)
    moment = day_start(datetime(2024, 3, 5, 23, 30, tzinfo=UTC))
    assert moment == datetime(2024, 3, 5, tzinfo=UTC) and moment.tzinfo is UTC
    assert day_start(datetime(2024, 3, 5, tzinfo=KST)) == datetime(2024, 3, 5, tzinfo=KST)


def test_both_spiders_cut_lists_and_links_at_the_same_midnight(built: list[Any]) -> None:
    since = "2024-03-05T12:00:00"
    outlet = build(spider_news21tongsin, since=since)
    built.append(outlet.crawler)
    articles = build(ArticlesSpider, feed="https://a.example/rss", since=since)
    assert outlet.args.list_cutoff == articles.args.list_cutoff == datetime(2024, 3, 5, tzinfo=KST)

    midnight = datetime(2024, 3, 5, tzinfo=KST)
    just_before = midnight - timedelta(microseconds=1)
    # articles: a feed link dated at the cut-off is fetched, one a microsecond older is not.
    urls = [r.url for r in articles._article_requests(
        [LinkEntry("https://x.example/1", midnight), LinkEntry("https://x.example/2", just_before)], "test")]
    assert urls == ["https://x.example/1"]

    # an outlet: the same for list entries (a stand-in list page, so only the spider's rule is tested).
    class Listing:
        def entries(self) -> list[ListEntry]:
            return [ListEntry("https://x.example/a?idx=1", "1", date=midnight),
                    ListEntry("https://x.example/a?idx=2", "2", date=just_before)]

        def next_page_url(self) -> str | None:
            return "https://x.example/list?page=2"

    outlet.section_page = lambda response: Listing()
    outlet.crawler.stats.open_spider()
    requests = list(outlet.parse_list(HtmlResponse("https://x.example/list", body=b"<html></html>"), "S1", 1))
    assert [r.url for r in requests] == ["https://x.example/a?idx=1"]  # and no next page: past since
    assert outlet.crawler.stats.get_value("newscrawl/links/older_than_since") == 1
    assert outlet.crawler.stats.get_value("newscrawl/lists/stopped_since") == 1


# -- `scrapy crawl`: one line on stderr, exit 1 ---------------------------------------------------------
ERROR_LINE = re.compile(r"^\S+ \S+ \[[\w.]+\] ERROR: (.*)$")


@pytest.mark.parametrize(("argument", "message"), [
    ("max_page=1", f"unknown spider argument 'max_page' for news21tongsin; valid: {OUTLET_ARGS}"),
    ("since=yesterday", "since='yesterday' is not a date: use YYYY-MM-DD or an ISO 8601 datetime"),
])
def test_scrapy_crawl_bad_argument_exits_1_with_one_line(tmp_path: Path, argument: str, message: str) -> None:
    env = {**os.environ, "PYTHONPATH": str(PROJECT_ROOT), "SCRAPY_SETTINGS_MODULE": "newscrawl.settings"}
    proc = subprocess.run([sys.executable, "-m", "scrapy", "crawl", "news21tongsin", "-a", argument,
                           "-s", "NEWSCRAWL_STATE_URI=memory://"],
                          cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 1, proc.stderr[-3000:]
    assert "Traceback" not in proc.stderr
    errors = [m.group(1) for line in proc.stderr.splitlines() if (m := ERROR_LINE.match(line))]
    assert errors == [message], proc.stderr[-3000:]
    assert "Spider opened" not in proc.stderr  # stopped before the crawl
    assert list(tmp_path.iterdir()) == []  # no output, no state, no lock
