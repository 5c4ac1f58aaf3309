"""Family spiders (`scrapy crawl ndsoft -a base_url=...`) and the catalog spiders, built from data."""

from __future__ import annotations

import pytest
from scrapy.spiderloader import SpiderLoader
from scrapy.utils.project import get_project_settings

from newscrawl.catalog import load_catalog
from newscrawl.spiders.base import NewsSpider
from tests.helpers import project_crawler


@pytest.fixture(scope="module")
def loader() -> SpiderLoader:
    return SpiderLoader.from_settings(get_project_settings())


def make(loader: SpiderLoader, spider_name: str, /, **kwargs: str) -> NewsSpider:
    """The spider as `scrapy crawl SPIDER -a k=v ...` builds it (state in memory, nothing written)."""
    cls = loader.load(spider_name)
    assert issubclass(cls, NewsSpider)
    return cls.from_crawler(project_crawler(cls, NEWSCRAWL_STATE_URI="memory://"), **kwargs)


def test_scrapy_list_has_catalog_outlets_and_family_spiders(loader: SpiderLoader) -> None:
    names = set(loader.list())
    assert set(load_catalog()) <= names
    assert {"dada", "ndsoft", "joongboo", "incheonilbo", "kado", "cctoday", "idomin"} <= names
    assert "generic" not in names  # no list pages to walk: nothing to crawl from a home page


def test_family_spider_builds_the_site_from_arguments(loader: SpiderLoader) -> None:
    spider = make(loader, "ndsoft", base_url="https://www.example-ilbo.example/", name="예시일보", max_pages="2")
    assert spider.name == "ndsoft"  # -a name= is the outlet's name, not the spider's
    assert spider.site.slug == "example-ilbo.example"  # host without www
    assert spider.site.name == "예시일보"
    assert spider.site.family == "ndsoft" and spider.family.name == "ndsoft"
    assert spider.site.base_url == "https://www.example-ilbo.example"
    assert spider.allowed_domains == ["example-ilbo.example"]
    assert spider.max_pages == 2


def test_family_spider_slug_and_name_defaults(loader: SpiderLoader) -> None:
    spider = make(loader, "dada", base_url="http://127.0.0.1:8021", slug="mydemo")
    assert (spider.site.slug, spider.site.name, spider.site.family) == ("mydemo", "mydemo", "dada")


def test_family_spider_requires_base_url(loader: SpiderLoader) -> None:
    with pytest.raises(ValueError, match=r"needs its address: scrapy crawl ndsoft -a base_url="):
        make(loader, "ndsoft")


@pytest.mark.parametrize(("kwargs", "message"), [
    ({"base_url": "www.example.kr"}, "base_url='www.example.kr' must be an http:// or https:// URL"),
    ({"base_url": "https://example.kr", "slug": "Bad Slug!"}, "slug='Bad Slug!' must be lowercase"),
])
def test_family_spider_bad_arguments(loader: SpiderLoader, kwargs: dict[str, str], message: str) -> None:
    with pytest.raises(ValueError, match=message.replace("(", r"\(").replace(")", r"\)")):
        make(loader, "ndsoft", **kwargs)


def test_catalog_spider_still_takes_base_url(loader: SpiderLoader) -> None:
    spider = make(loader, "joongboo", base_url="http://127.0.0.1:9000")
    assert spider.site.slug == "joongboo" and spider.site.name == "중부일보"
    assert spider.site.base_url == "http://127.0.0.1:9000"
    assert make(loader, "joongboo").site.base_url == "https://www.joongboo.com"
