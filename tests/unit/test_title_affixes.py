"""Title affixes learned from the outlet's own home and list pages (issue 12: "`<title>` suffix shared
with the home page"): an article `<title>` that repeats them loses them, whatever the site calls itself."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from scrapy.http import HtmlResponse

from newscrawl.catalog import Outlet
from newscrawl.pages.fallbacks import Fallbacks
from newscrawl.pages.inputs import PageInputs
from newscrawl.parsing.text import title_parts
from newscrawl.spiders.base import article_from_response
from newscrawl.spiders.catalog import spider_news21tongsin  # type: ignore[attr-defined]
from newscrawl.state.shared import close_crawl_store
from tests.helpers import project_crawler

#: A generic outlet whose name (its host) is nothing like the name its pages carry.
OUTLET = Outlet(slug="tides.example", name="tides.example", family="generic", base_url="https://tides.example")
HEADLINE = "방파제 공사 석 달 만에 재개"
BODY = "".join(f"<p>{s}</p>" for s in (
    "군은 지난 여름 태풍으로 멈췄던 북쪽 방파제 공사를 다음 주부터 다시 시작한다고 밝혔다.",
    "주민들은 겨울 파도가 오기 전에 공사를 마쳐 달라고 요구해 왔으며 군은 연말 완공을 약속했다.",
    "공사비는 처음 계획보다 일 할가량 늘었고 늘어난 비용은 도비와 군비로 나누어 부담한다."))


def page(title: str, *, head: str = "", h1: str | None = None) -> HtmlResponse:
    heading = f"<h1>{h1}</h1>" if h1 else ""
    html = (f'<html lang="ko"><head><title>{title}</title>{head}</head>'
            f"<body><article>{heading}{BODY}</article></body></html>")
    return HtmlResponse("https://tides.example/news/view.php?no=7", body=html.encode(), encoding="utf-8")


@pytest.mark.parametrize(("title", "parts"), [
    ("정치 - 물결소식", ["정치", "물결소식"]),
    ("물결소식 | 정치", ["물결소식", "정치"]),
    ("물결소식ㅣ지역ㅣ사회", ["물결소식", "지역", "사회"]),
    ("  Tidings :: Coast  ", ["Tidings", "Coast"]),
    ("물결소식", ["물결소식"]),
    ("", []),
    (None, []),
])
def test_title_parts(title: str | None, parts: list[str]) -> None:
    assert title_parts(title) == parts


def test_outlet_learns_each_part_once_bounded_and_short() -> None:
    learned = OUTLET.with_title_affixes(title_parts("정치 - 물결소식")).with_title_affixes(title_parts("사회 - 물결소식"))
    assert learned.title_affixes == ("정치", "물결소식", "사회")
    assert learned.with_title_affixes(title_parts("물결소식")) is learned  # nothing new: the same outlet
    assert OUTLET.with_title_affixes(title_parts("x" * 41)).title_affixes == ()  # a sentence is not a site name
    many = OUTLET
    for i in range(30):
        many = many.with_title_affixes(title_parts(f"섹션{i} - 물결소식"))
    assert len(many.title_affixes) == 12


@pytest.mark.parametrize("title", [
    f"{HEADLINE} - 물결소식", f"{HEADLINE} | 정치 | 물결소식", f"{HEADLINE} :: 물결소식", f"물결소식 | {HEADLINE}",
    f"{HEADLINE} ― 물결소식",
])
def test_learned_affixes_are_stripped_from_the_title_tag(title: str) -> None:
    learned = OUTLET.with_title_affixes(title_parts("정치 - 물결소식"))
    assert Fallbacks(PageInputs(page(title), learned)).title_tag() == HEADLINE
    # without the outlet's own pages nothing on the page names "물결소식": the affix stays
    assert Fallbacks(PageInputs(page(title), OUTLET)).title_tag() != HEADLINE


def test_learned_affix_decides_between_headline_and_metadata_title() -> None:
    """og:title 'Headline - 물결소식' vs a visible headline: the affix is the site's, so the headline wins."""
    head = f'<meta property="og:title" content="{HEADLINE} ― 물결소식">'
    item = article_from_response(page(f"{HEADLINE} ― 물결소식", head=head, h1=HEADLINE),
                                 OUTLET.with_title_affixes(title_parts("물결소식 ― 바닷가 소식")), _stats())
    assert item is not None and item.title == HEADLINE


def test_headline_words_are_never_affixes_when_not_at_an_edge() -> None:
    learned = OUTLET.with_title_affixes(title_parts("정치 - 물결소식"))
    title = f"정치권 {HEADLINE} - 물결소식"
    assert Fallbacks(PageInputs(page(title), learned)).title_tag() == f"정치권 {HEADLINE}"


@pytest.fixture
def spider() -> Iterator[Any]:
    crawler = project_crawler(spider_news21tongsin, NEWSCRAWL_STATE_URI="memory://")
    built = spider_news21tongsin.from_crawler(crawler)
    crawler.stats.open_spider()
    yield built
    close_crawl_store(crawler)


def test_spider_learns_from_first_list_pages_and_home_only(spider: Any) -> None:
    before = spider.site
    listing = HtmlResponse(spider.family_list_url("S1N1", 1), body="<html><head><title>정치 | 바닷가 뉴스샘</title>"
                           "</head><body></body></html>".encode(), encoding="utf-8")
    list(spider.parse_list(listing, "S1N1", 1))
    assert spider.site.title_affixes == ("정치", "바닷가 뉴스샘")
    assert spider.site.slug == before.slug and spider.site.base_url == before.base_url
    later = HtmlResponse(spider.family_list_url("S1N1", 2), body="<html><head><title>사회 | 다른 이름</title>"
                         "</head><body></body></html>".encode(), encoding="utf-8")
    list(spider.parse_list(later, "S1N1", 2))
    assert spider.site.title_affixes == ("정치", "바닷가 뉴스샘")  # page 2 teaches nothing new


def _stats() -> Any:
    crawler = project_crawler(spider_news21tongsin, NEWSCRAWL_STATE_URI="memory://")
    crawler.stats.open_spider()
    return crawler.stats
