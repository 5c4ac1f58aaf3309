"""다다미디어 family beyond the fixture snapshots: what the body must not hold, selector fallbacks,
list pages, URL keys. Saved pages -> expected items: ``tests/pages/test_fixtures.py``."""

from __future__ import annotations

import pytest
from scrapy.http import HtmlResponse

from newscrawl.families.dada import DadaArticlePage, DadaSectionPage, article_key, list_url
from tests.helpers import extract, page_file, response, site

BASE = "http://www.news21tongsin.co.kr"
ARTICLE_URL = f"{BASE}/news/view.php?idx=1042&mcode=m101sc2a"


def test_body_has_no_chrome_dateline_caption_or_trailer() -> None:
    body = extract("dada/article", ARTICLE_URL, base_url=BASE)["body"]
    for unwanted in ("[뉴스21 통신", "기사 메일전송", "목록 바로가기", "조감도", "sky@", "가장 많이 본", "Copyright", "\xa0"):
        assert unwanted not in body
    assert body.startswith("한빛시(시장 박서준)는")
    assert "\n\n" in body and "\n\n\n" not in body


def test_broken_title_selector_falls_back_to_opengraph() -> None:
    html = page_file("dada/article").read_text("utf-8")
    broken = html.replace('<h3 class="article-head-title">한빛시, 하천 생태공원 조성 사업 착수</h3>',
                          '<h3 class="article-head-title"></h3>')
    page = DadaArticlePage(HtmlResponse(url=ARTICLE_URL, body=broken.encode(), encoding="utf-8"), site(base_url=BASE))
    item = page.to_item()
    assert item.title == "한빛시, 하천 생태공원 조성 사업 착수"
    assert item.extractor["title"] == "meta:og"


def test_list_page_entries_dates_and_next_page() -> None:
    page = DadaSectionPage(response("dada/list"), site(base_url=BASE))
    entries = page.entries()
    assert [e.key for e in entries] == ["1042", "1040", "1037"]
    assert entries[0].title == "한빛시, 하천 생태공원 조성 사업 착수"
    assert entries[0].date is not None and entries[0].date.isoformat() == "2024-03-05T00:00:00+09:00"
    assert page.next_page_url() == f"{BASE}/news/list.php?mcode=m101sc2a&page=2"
    assert [(s.code, s.name) for s in page.sections()] == [("m101sc2a", "사회"), ("m102ec7b", "경제"),
                                                          ("m103cu4c", "문화")]


def test_last_list_page_has_no_next() -> None:
    url = f"{BASE}/news/list.php?mcode=m101sc2a&page=3"
    assert DadaSectionPage(response("dada/list", url), site(base_url=BASE)).next_page_url() is None


@pytest.mark.parametrize(
    ("url", "key"),
    [
        (f"{BASE}/news/view.php?idx=278440", "278440"),
        ("https://news21tongsin.co.kr/news/view.php?mcode=m48qmuj&idx=278440", "278440"),
        (f"{BASE}/m/view.php?idx=5", "5"),
        (f"{BASE}/news/list.php?mcode=m48qmuj", None),
        (f"{BASE}/news/view.php?idx=abc", None),
    ],
)
def test_article_key(url: str, key: str | None) -> None:
    assert article_key(url) == key


def test_list_url() -> None:
    assert list_url(BASE, "m48qmuj") == f"{BASE}/news/list.php?mcode=m48qmuj"
    assert list_url(BASE + "/", "m48qmuj", 3) == f"{BASE}/news/list.php?mcode=m48qmuj&page=3"


def _page(inner: str, nav: str = '<a href="/">홈</a> &gt; <a href="/news/list.php?mcode=m101sc2a">사회</a>') -> DadaArticlePage:
    html = (f'<html><body><div class="article-head"><div class="article-head-nav">{nav}</div>'
            f'<h3 class="article-head-title">제목</h3></div><div id="viewContent">{inner}'
            '<div class="fr-view"><p>본문 첫 문단이다.</p></div></div></body></html>')
    return DadaArticlePage(HtmlResponse(url=ARTICLE_URL, body=html.encode(), encoding="utf-8"), site(base_url=BASE))


@pytest.mark.parametrize("markup", [
    '<ul class="subj"><li>첫 부제</li><li>둘째 부제</li></ul>',                      # reported
    '<div class="subj"><ul><li>첫 부제</li><li>둘째 부제</li></ul></div>',            # SITES.md §4
    '<div class="subj"><ul class="subj"><li>첫 부제</li><li> 둘째  부제 </li></ul></div>',  # both: once each
    '<div class="subj"><ul><li>첫 부제</li><li></li><li>둘째 부제</li></ul></div>',   # an empty item
])
def test_subtitles_in_either_subj_form_in_page_order(markup: str) -> None:
    assert _page(markup).family_subtitles() == ["첫 부제", "둘째 부제"]


def test_subj_outside_view_content_is_not_a_subtitle() -> None:
    html = ('<html><body><div class="subj"><ul><li>메뉴</li></ul></div><h3 class="article-head-title">제목</h3>'
            '<div id="viewContent"><div class="fr-view"><p>본문이다.</p></div></div></body></html>')
    page = DadaArticlePage(HtmlResponse(url=ARTICLE_URL, body=html.encode(), encoding="utf-8"), site(base_url=BASE))
    assert page.family_subtitles() == []


@pytest.mark.parametrize(("nav", "section"), [
    ('<a href="/">HOME</a> &gt; <a href="/news/list.php?mcode=m48qmuj">지역</a>', "지역"),
    ('<a href="/">Home</a> &gt; <a href="/news/list.php?mcode=m48qmuj">지역</a>', "지역"),
    ('<a href="/">홈</a> &gt; <a href="/news/list.php?mcode=m48qmuj">지역</a>', "지역"),
    ('<a href="/">HOME</a>', None),
])
def test_home_link_of_the_breadcrumb_is_not_the_section(nav: str, section: str | None) -> None:
    assert _page("", nav).family_section() == section
