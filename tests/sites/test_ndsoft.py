"""NDSoft family: saved pages of both skins (written by us in the CMS's markup) -> exact expected items.

``ndsoft_article_euckr.html`` is stored as real CP949 bytes (with '똠' and '햏', which
EUC-KR proper lacks) and read the way a crawl reads it: by its ``charset=euc-kr`` header.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from scrapy.http import HtmlResponse

from newscrawl.catalog import Outlet
from newscrawl.families import ndsoft, resolve
from newscrawl.families.ndsoft import (
    NdsoftArticlePage,
    NdsoftSectionPage,
    article_key,
    home_url,
    list_url,
)
from newscrawl.output.exporters import export_dict
from newscrawl.pages.article import NotAnArticle
from newscrawl.pages.extract import extract
from tests.helpers import FIXTURES

BASE = "https://www.nuriilbo.example"
#: A fictional outlet: the fixtures are invented pages, not copies of a real paper.
SITE = Outlet(slug="nuriilbo", name="누리일보", family="ndsoft", base_url=BASE, domains=("nuriilbo.example",))
CONTENT_TYPES = {"ndsoft_article_euckr": "text/html; charset=euc-kr"}


def ndsoft_response(name: str, url: str) -> HtmlResponse:
    content_type = CONTENT_TYPES.get(name.removesuffix(".html"), "text/html; charset=utf-8")
    return HtmlResponse(url=url, body=(FIXTURES / name).read_bytes(), headers={"Content-Type": content_type})


def extract_fixture(name: str, url: str) -> dict[str, Any]:
    record = export_dict(extract(ndsoft_response(f"{name}.html", url), SITE))
    record.pop("crawled_at")
    return record


@pytest.mark.parametrize("name", sorted(p.stem for p in FIXTURES.glob("ndsoft_article*.json")))
def test_article_fixture_gives_expected_item(name: str) -> None:
    expected = json.loads((FIXTURES / f"{name}.json").read_text("utf-8"))
    assert extract_fixture(name, expected["url"]) == expected


def test_fixture_set_covers_both_skins() -> None:
    names = {p.stem for p in FIXTURES.glob("ndsoft_article*.json")}
    assert {"ndsoft_article_2017", "ndsoft_article_2020", "ndsoft_article_euckr"} <= names


@pytest.mark.parametrize(("name", "skin"), [("ndsoft_article_2017", "2017"), ("ndsoft_article_2020", "2020"),
                                            ("ndsoft_article_euckr", "2020")])
def test_skin_detected_by_markup(name: str, skin: str) -> None:
    page = NdsoftArticlePage(ndsoft_response(f"{name}.html", f"{BASE}/news/articleView.html?idxno=1"), SITE)
    assert page.skin() == skin


def test_2020_body_has_no_reporter_box_copyright_ad_or_promo() -> None:
    body = extract_fixture("ndsoft_article_2020", f"{BASE}/news/articleView.html?idxno=48213")["body"]
    for unwanted in ("다른기사 보기", "저작권자", "광고", "▶", "seoyeon@", "공유하기", "많이 본", "\xa0"):
        assert unwanted not in body


def test_2017_reporter_box_inside_body_is_skipped_and_gives_the_email() -> None:
    item = extract_fixture("ndsoft_article_2017", f"{BASE}/news/articleView.html?idxno=12345")
    assert "다른기사 보기" not in item["body"] and "haeun@" not in item["body"]
    assert not item["body"].endswith("기자")  # '/정하은 기자' closing line dropped
    assert item["bylines"] == [{"name": "정하은", "desk": None, "email": "haeun@nuriilbo.example"}]


def test_2017_approval_time_is_published_not_input_time() -> None:
    item = extract_fixture("ndsoft_article_2017", f"{BASE}/news/articleView.html?idxno=12345")
    assert item["published_at_raw"] == "승인 2017.12.18 17:34"
    assert item["modified_at"] is None


def test_legacy_url_gets_the_current_canonical_url() -> None:
    item = extract_fixture("ndsoft_article_2017", "http://nuriilbo.example/?mod=news&act=articleView&idxno=12345")
    assert item["canonical_url"] == f"{BASE}/news/articleView.html?idxno=12345"
    assert item["article_id"] == "nuriilbo:12345"


def test_euckr_fixture_is_real_cp949_bytes() -> None:
    raw = (FIXTURES / "ndsoft_article_euckr.html").read_bytes()
    with pytest.raises(UnicodeDecodeError):
        raw.decode("utf-8")
    with pytest.raises(UnicodeDecodeError):  # '똠' is outside EUC-KR proper (KS X 1001)
        raw.decode("euc_kr")
    assert "똠방골" in raw.decode("cp949")
    response = ndsoft_response("ndsoft_article_euckr.html", f"{BASE}/news/articleView.html?idxno=51002")
    assert response.encoding == "cp949" and "\ufffd" not in response.text


def test_broken_title_selector_falls_back_to_opengraph() -> None:
    html = (FIXTURES / "ndsoft_article_2017.html").read_text("utf-8")
    broken = html.replace('<div class="article-head-title">가람시립미술관, 지역 작가 30인 기획전</div>',
                          '<div class="article-head-title"></div>')
    response = HtmlResponse(url=f"{BASE}/news/articleView.html?idxno=12345", body=broken.encode(), encoding="utf-8")
    item = NdsoftArticlePage(response, SITE).to_item()
    assert item.title == "가람시립미술관, 지역 작가 30인 기획전"
    assert item.extractor["title"] != "ndsoft"


def test_deleted_article_is_not_an_article() -> None:
    page = NdsoftArticlePage(ndsoft_response("ndsoft_deleted.html", f"{BASE}/news/articleView.html?idxno=9"), SITE)
    with pytest.raises(NotAnArticle):
        page.to_item()


def test_2020_list_entries_dates_and_next_page() -> None:
    url = f"{BASE}/news/articleList.html?sc_section_code=S1N2&view_type=sm"
    page = NdsoftSectionPage(ndsoft_response("ndsoft_list_2020.html", url), SITE)
    entries = page.entries()
    assert [e.key for e in entries] == ["48213", "48201"]  # listed twice -> once
    assert entries[0].title == "누리군, 폐교 활용한 청년 창업 공간 문 열어"
    assert entries[0].date is not None and entries[0].date.isoformat() == "2022-09-26T08:33:00+09:00"
    assert entries[1].url == f"{BASE}/?mod=news&act=articleView&idxno=48201"  # legacy link kept as listed
    assert page.next_page_url() == (f"{BASE}/news/articleList.html?page=2&total=27&box_idxno=&sc_section_code=S1N2"
                                    "&view_type=sm")


def test_2020_last_list_page_has_no_next() -> None:
    url = f"{BASE}/news/articleList.html?page=3&total=27&sc_section_code=S1N2&view_type=sm"
    assert NdsoftSectionPage(ndsoft_response("ndsoft_list_2020.html", url), SITE).next_page_url() is None


def test_2017_list_entries_and_next_page() -> None:
    url = f"{BASE}/news/articleList.html?page=2&sc_section_code=S1N3&view_type=sm"
    page = NdsoftSectionPage(ndsoft_response("ndsoft_list_2017.html", url), SITE)
    entries = page.entries()
    assert [(e.key, e.title) for e in entries] == [("12345", "가람시립미술관, 지역 작가 30인 기획전"),
                                                   ("12330", "누리군립도서관 겨울 독서교실")]
    assert entries[0].date is not None and entries[0].date.isoformat() == "2017-12-18T17:34:00+09:00"
    assert page.next_page_url() == f"{BASE}/news/articleList.html?page=3&sc_section_code=S1N3&view_type=sm"


def test_sections_discovered_from_home_menu() -> None:
    page = NdsoftSectionPage(ndsoft_response("ndsoft_home.html", home_url(BASE)), SITE)
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
