"""jscms family (lists and some bodies built by JavaScript) beyond the fixture snapshots: URLs, the render
plan, server HTML versus the rendered DOM. Saved pages -> expected items/entries:
``tests/pages/test_fixtures.py`` (``jscms/*``, pages of 파도일보, an outlet invented for the fixtures).
The demo outlet's every page: ``tests/demo/test_demo_jscms.py``; a real browser: ``tests/e2e/test_jscms_browser.py``.
"""

from __future__ import annotations

import pytest
from scrapy.http import HtmlResponse

from newscrawl.families import FAMILIES, jscms, resolve
from newscrawl.families.jscms import (
    FAMILY,
    JscmsArticlePage,
    JscmsSectionPage,
    article_key,
    list_page,
    list_url,
)
from newscrawl.render.actions import Action
from tests.helpers import extract
from tests.pages.cases import get_case, resolve_outlet

BASE = "https://www.padoilbo.example"
SITE = resolve_outlet(BASE)


def _article(case: str) -> JscmsArticlePage:
    saved = get_case(f"jscms/{case}")
    return JscmsArticlePage(saved.response(), saved.outlet())


def _section(case: str) -> JscmsSectionPage:
    saved = get_case(f"jscms/{case}")
    return JscmsSectionPage(saved.response(), saved.outlet())


def test_fixture_outlet_is_the_invented_one() -> None:
    assert (SITE.slug, SITE.name, SITE.family) == ("padoilbo", "파도일보", "jscms")


def test_registered_before_generic_and_crawlable() -> None:
    names = list(FAMILIES)
    assert names.index("jscms") < names.index("generic") and FAMILIES["jscms"] is FAMILY
    assert FAMILY.crawlable and FAMILY.is_home(f"{BASE}/") and not FAMILY.is_home(f"{BASE}/section/economy")
    # ``/article/ID`` alone does not make an unknown outlet a jscms one (too common a path).
    assert resolve("http://127.0.0.1:8724/article/41062", {}).family == "generic"
    assert FAMILY.matches_url("http://127.0.0.1:8724/article/41062")


@pytest.mark.parametrize(("url", "key"), [
    (f"{BASE}/article/52231", "52231"),
    (f"{BASE}/article/052231", "52231"),
    (f"{BASE}/article/52231/", "52231"),
    (f"{BASE}/article/52231?utm_source=rss", "52231"),
    (f"{BASE}/article/abc", None),
    (f"{BASE}/article/52231/comments", None),
    (f"{BASE}/api/article/52231", None),
    (f"{BASE}/section/economy", None),
])
def test_article_key(url: str, key: str | None) -> None:
    assert article_key(url) == key


def test_one_list_url_per_section_whatever_the_page() -> None:
    # Pagination exists only in script (더보기): every page number names the one list page.
    assert list_url(BASE, "economy") == list_url(BASE, "economy", 3) == f"{BASE}/section/economy"
    assert list_page(f"{BASE}/section/economy") == ("economy", 1)
    assert list_page(f"{BASE}/section/economy/") == ("economy", 1)
    assert list_page(f"{BASE}/section/") is None and list_page(f"{BASE}/article/1") is None


def test_render_plan_renders_lists_and_clicks_load_more_until_it_stops() -> None:
    plan = FAMILY.render
    assert plan.mode == "lists" and plan.renders("list") and not plan.renders("article")
    wait, click = plan.list_actions
    assert wait == Action("wait", "ul.article-list li.list-item")
    assert (click.kind, click.selector, click.times, click.until_no_new) == (
        "click", "button.btn-more", 30, "ul.article-list li.list-item a")
    assert plan.article_actions == (Action("wait", ".article-body p", timeout=5.0),)


def test_server_list_html_has_no_entry_and_the_rendered_dom_has_them_all() -> None:
    raw, rendered = _section("list_raw"), _section("list")
    assert raw.entries() == [] and raw.next_page_url() is None
    entries = rendered.entries()
    assert len(entries) == 11  # 12 rows, one article shown twice by an overlapping page
    assert all(e.url == f"{BASE}/article/{e.key}" for e in entries)
    assert entries[0].date is not None and entries[0].date.isoformat() == "2024-05-14T16:42:10+09:00"
    assert rendered.next_page_url() is None  # every page the button loaded is on this one


def test_list_date_falls_back_to_the_time_text() -> None:
    html = ('<ul class="article-list"><li class="list-item"><a class="list-title" href="/article/7">제목</a>'
            ' <time class="list-date">2024-05-14 16:42</time></li></ul>')
    page = JscmsSectionPage(HtmlResponse(f"{BASE}/section/economy", body=html.encode(), encoding="utf-8"), SITE)
    (entry,) = page.entries()
    assert entry.key == "7" and entry.date is not None and entry.date.isoformat() == "2024-05-14T16:42:00+09:00"


def test_script_body_article_before_rendering_has_no_body_and_says_so() -> None:
    raw, rendered = _article("article_raw"), _article("article_rendered")
    assert raw.body_needs_script() and not rendered.body_needs_script()
    assert not _article("article").body_needs_script()
    item = extract("jscms/article_raw")
    # No text invented from the description meta, the copyright line or the footer.
    assert item["body"] is None and item["content_hash"] is None and "body" not in item["extractor"]
    assert item["title"] == "청년 어업인 정착금 월 110만 원으로 올려" and item["published_at"]
    after = extract("jscms/article_rendered")
    assert after["body"] and after["body"].startswith("파도시가 청년 어업인의")
    assert {k: v for k, v in after.items() if k not in ("body", "content_hash", "extractor")} == {
        k: v for k, v in item.items() if k not in ("body", "content_hash", "extractor")}


def test_article_markup_fields() -> None:
    item = extract("jscms/article")
    assert item["title"] == "파도시 전통시장 주차장 120면 늘린다"  # doubled space collapsed
    assert item["bylines"][1] == {"name": "송바다", "desk": None, "email": "bada.song@padoilbo.example"}
    assert (item["published_at_raw"], item["modified_at_raw"]) == ("입력 2024-05-14 16:42:10", "수정 2024-05-14 18:03:55")
    assert "저작권자" not in item["body"] and "\xa0" not in item["body"]
    assert [i["url"] for i in item["images"]] == [f"{BASE}/data/photos/2024/05/52231_1.jpg"]
    assert set(item["extractor"].values()) == {jscms.NAME}


def test_deleted_page_is_not_an_article() -> None:
    assert not _article("deleted").is_article()
