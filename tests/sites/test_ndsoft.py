"""NDSoft family beyond the fixture snapshots: skin detection, what the body must not hold, the
CP949 page, selector fallbacks, list pages, URL keys. Saved pages -> expected items (both
skins, every NDSoft outlet of the catalog): ``tests/pages/test_fixtures.py``.

The saved pages are read as a crawl reads them (``tests.helpers.response``): the case's
HTTP headers (``ndsoft/article_euckr`` is real CP949 bytes served as ``charset=euc-kr``),
then the charset repair. Most pages belong to 누리일보, an outlet invented for the fixtures
(``tests/pages/fixtures/catalog.toml``).
"""

from __future__ import annotations

from typing import Any

import pytest
from scrapy.http import HtmlResponse

from newscrawl.families import ndsoft, resolve
from newscrawl.families.ndsoft import (
    NdsoftArticlePage,
    NdsoftSectionPage,
    article_key,
    home_url,
    list_url,
)
from tests.helpers import extract, page_file, response
from tests.pages.cases import get_case, resolve_outlet

BASE = "https://www.nuriilbo.example"
#: A fictional outlet: the fixtures are invented pages, not copies of a real paper.
SITE = resolve_outlet(BASE)


def extract_fixture(case: str, url: str) -> dict[str, Any]:
    return extract(f"ndsoft/{case}", url)


def test_fixture_outlet_is_the_invented_one() -> None:
    assert (SITE.slug, SITE.name, SITE.family, SITE.base_url) == ("nuriilbo", "누리일보", "ndsoft", BASE)


@pytest.mark.parametrize(("case", "skin"), [("article_2017", "2017"), ("article_2020", "2020"),
                                            ("article_euckr", "2020"), ("kado", "2017"), ("joongboo", "2020")])
def test_skin_detected_by_markup(case: str, skin: str) -> None:
    saved = get_case(f"ndsoft/{case}")
    page = NdsoftArticlePage(saved.response(), saved.outlet())
    assert page.skin() == skin


def test_2020_body_has_no_reporter_box_copyright_ad_or_promo() -> None:
    body = extract_fixture("article_2020", f"{BASE}/news/articleView.html?idxno=48213")["body"]
    for unwanted in ("다른기사 보기", "저작권자", "광고", "▶", "seoyeon@", "공유하기", "많이 본", "\xa0"):
        assert unwanted not in body


def test_2017_reporter_box_inside_body_is_skipped_and_gives_the_email() -> None:
    item = extract_fixture("article_2017", f"{BASE}/news/articleView.html?idxno=12345")
    assert "다른기사 보기" not in item["body"] and "haeun@" not in item["body"]
    assert not item["body"].endswith("기자")  # '/정하은 기자' closing line dropped
    assert item["bylines"] == [{"name": "정하은", "desk": None, "email": "haeun@nuriilbo.example"}]


def test_2017_approval_time_is_published_not_input_time() -> None:
    item = extract_fixture("article_2017", f"{BASE}/news/articleView.html?idxno=12345")
    assert item["published_at_raw"] == "승인 2017.12.18 17:34"
    assert item["modified_at"] is None


def test_legacy_url_gets_the_current_canonical_url() -> None:
    item = extract_fixture("article_2017", "http://nuriilbo.example/?mod=news&act=articleView&idxno=12345")
    assert item["canonical_url"] == f"{BASE}/news/articleView.html?idxno=12345"
    assert item["article_id"] == "nuriilbo:12345"


def test_euckr_fixture_is_real_cp949_bytes() -> None:
    raw = page_file("ndsoft/article_euckr").read_bytes()
    with pytest.raises(UnicodeDecodeError):
        raw.decode("utf-8")
    with pytest.raises(UnicodeDecodeError):  # '똠' is outside EUC-KR proper (KS X 1001)
        raw.decode("euc_kr")
    assert "똠방골" in raw.decode("cp949")
    page = response("ndsoft/article_euckr")
    assert page.encoding == "cp949" and "\ufffd" not in page.text


def test_broken_title_selector_falls_back_to_opengraph() -> None:
    html = page_file("ndsoft/article_2017").read_text("utf-8")
    broken = html.replace('<div class="article-head-title">가람시립미술관, 지역 작가 30인 기획전</div>',
                          '<div class="article-head-title"></div>')
    page = HtmlResponse(url=f"{BASE}/news/articleView.html?idxno=12345", body=broken.encode(), encoding="utf-8")
    item = NdsoftArticlePage(page, SITE).to_item()
    assert item.title == "가람시립미술관, 지역 작가 30인 기획전"
    assert item.extractor["title"] != "ndsoft"


def test_2020_list_entries_dates_and_next_page() -> None:
    page = NdsoftSectionPage(response("ndsoft/list_2020"), SITE)
    entries = page.entries()
    assert [e.key for e in entries] == ["48213", "48201"]  # listed twice -> once
    assert entries[0].title == "누리군, 폐교 활용한 청년 창업 공간 문 열어"
    assert entries[0].date is not None and entries[0].date.isoformat() == "2022-09-26T08:33:00+09:00"
    assert entries[1].url == f"{BASE}/?mod=news&act=articleView&idxno=48201"  # legacy link kept as listed
    assert page.next_page_url() == (f"{BASE}/news/articleList.html?page=2&total=27&box_idxno=&sc_section_code=S1N2"
                                    "&view_type=sm")


def test_2020_last_list_page_has_no_next() -> None:
    url = f"{BASE}/news/articleList.html?page=3&total=27&sc_section_code=S1N2&view_type=sm"
    assert NdsoftSectionPage(response("ndsoft/list_2020", url), SITE).next_page_url() is None


def test_2017_list_entries_and_next_page() -> None:
    page = NdsoftSectionPage(response("ndsoft/list_2017"), SITE)
    entries = page.entries()
    assert [(e.key, e.title) for e in entries] == [("12345", "가람시립미술관, 지역 작가 30인 기획전"),
                                                   ("12330", "누리군립도서관 겨울 독서교실")]
    assert entries[0].date is not None and entries[0].date.isoformat() == "2017-12-18T17:34:00+09:00"
    assert page.next_page_url() == f"{BASE}/news/articleList.html?page=3&sc_section_code=S1N3&view_type=sm"


def test_sections_discovered_from_home_menu() -> None:
    page = NdsoftSectionPage(response("ndsoft/home", home_url(BASE)), SITE)
    # Top sections only, named by their own link; 전체기사, 연재, sub-sections and page 2 links are not sections.
    assert [(s.code, s.name) for s in page.sections()] == [("S1N1", "사회"), ("S1N2", "경제"), ("S1N3", "문화")]
    assert page.sections()[0].url == f"{BASE}/news/articleList.html?sc_section_code=S1N1&view_type=sm"


@pytest.mark.parametrize(
    ("url", "key"),
    [
        (f"{BASE}/news/articleView.html?idxno=48213", "48213"),
        ("http://nuriilbo.example/news/articleView.html?sc_section_code=S1N2&idxno=48213", "48213"),
        (f"{BASE}/?mod=news&act=articleView&idxno=12345", "12345"),
        (f"{BASE}/index.html?mod=news&act=articleView&idxno=12345", "12345"),
        (f"{BASE}/?mod=news&act=articleList&idxno=12345", None),
        (f"{BASE}/news/articleList.html?sc_section_code=S1N1", None),
        (f"{BASE}/news/articleView.html?idxno=abc", None),
        ("https://www.news21tongsin.co.kr/news/view.php?idx=278440", None),
    ],
)
def test_article_key(url: str, key: str | None) -> None:
    assert article_key(url) == key
    assert ndsoft.FAMILY.matches_url(url) is (key is not None)


def test_list_url() -> None:
    assert list_url(BASE, "S1N1") == f"{BASE}/news/articleList.html?sc_section_code=S1N1&view_type=sm"
    assert list_url(BASE + "/", "S1N1", 3) == f"{BASE}/news/articleList.html?sc_section_code=S1N1&view_type=sm&page=3"
    assert list_url(BASE, "S2N5", 2) == f"{BASE}/news/articleList.html?sc_sub_section_code=S2N5&view_type=sm&page=2"


def test_unknown_outlet_resolves_to_ndsoft_by_url_pattern() -> None:
    site = resolve("https://www.some-regional.example/news/articleView.html?idxno=7")
    assert site.family == "ndsoft" and site.slug == "some-regional.example"


def test_catalog_ndsoft_outlets() -> None:
    from newscrawl.catalog import load_catalog

    ndsoft = {slug for slug, s in load_catalog().items() if s.family == "ndsoft"}
    assert {"joongboo", "incheonilbo", "kado", "cctoday", "idomin"} <= ndsoft
    assert all(not load_catalog()[slug].sections for slug in ndsoft)  # discovered from the home menu
