"""The JavaScript demo outlet (바다일보): truth, routes, JSON, robots, stats, the mislabelled page, and
the jscms family reading every page the demo serves (server HTML, and script bodies as rendered).

What a browser does with these pages (real Chromium): ``tests/e2e/test_jscms_browser.py``.
"""

from __future__ import annotations

import json
import re
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

import pytest
from parsel import Selector
from scrapy.http import HtmlResponse

from demo import content, jscms, jscms_render
from demo.__main__ import main as demo_main
from demo.content import DemoSite
from demo.jscms import JscmsDemoSite
from demo.outlets import OUTLETS
from demo.server import serve_in_thread
from newscrawl.catalog import Outlet
from newscrawl.extract import extract
from newscrawl.families.jscms import JscmsArticlePage, JscmsSectionPage
from newscrawl.output.exporters import export_dict
from newscrawl.pages.article import NotAnArticle
from newscrawl.parsing.text import content_hash

BASE = "http://127.0.0.1:8724"
OUTLET = Outlet(slug="badailbo", name="바다일보", family="jscms", base_url=BASE, domains=("127.0.0.1",))
#: Fields of an exported item the truth states (the rest are crawl bookkeeping).
TRUTH_FIELDS = ("canonical_url", "article_id", "site", "site_name", "language", "section", "title", "subtitles",
                "authors", "bylines", "published_at", "published_at_raw", "modified_at", "modified_at_raw", "body",
                "images", "content_hash")


@pytest.fixture(scope="module")
def site() -> JscmsDemoSite:
    return JscmsDemoSite()


@pytest.fixture(scope="module")
def truth(site: JscmsDemoSite) -> dict[int, dict[str, Any]]:
    return {r["idx"]: r for r in site.truth(BASE)}


def _get(url: str) -> tuple[int, dict[str, str], bytes]:
    try:
        with urllib.request.urlopen(url, timeout=10) as r:
            return r.status, dict(r.headers), r.read()
    except urllib.error.HTTPError as e:
        return e.code, dict(e.headers), e.read()


def _response(url: str, html: str, charset: str = "utf-8") -> HtmlResponse:
    return HtmlResponse(url=url, body=html.encode("utf-8"), headers={"Content-Type": f"text/html; charset={charset}"})


def _rendered(site: JscmsDemoSite, idx: int) -> str:
    """A script-body article page as the browser leaves it: the script's body in the empty element."""
    article = site.article(idx)
    assert article is not None
    html = jscms_render.render_article(site, article, BASE)
    empty = '<div class="article-body" id="article-body"></div>'
    assert html.count(empty) == 1
    return html.replace(empty, f'<div class="article-body" id="article-body">{jscms_render.render_body(article)}</div>')


def test_registered_as_an_outlet_crawled_by_the_jscms_family_spider() -> None:
    outlet = OUTLETS["jscms"]
    assert (outlet.slug, outlet.name, outlet.spider) == ("badailbo", "바다일보", "jscms")
    assert outlet.spider_args == ("-a", "slug=badailbo", "-a", "name=바다일보")
    assert isinstance(outlet.make_site(60), JscmsDemoSite)


def test_truth_format_ids_and_specials(site: JscmsDemoSite, truth: dict[int, dict[str, Any]]) -> None:
    dada = next(DemoSite().truth(BASE))
    assert sorted(truth) == list(range(41001, 41081))
    for idx, record in truth.items():
        assert set(record) == set(dada) | {"needs_render"}
        assert record["needs_render"] == (idx in site.script_body_ids())
        assert record["mcodes"] and set(record["mcodes"]) <= {"society", "economy", "culture", "region"}
        if record["item"]:
            item = record["item"]
            assert set(item) == set(dada["item"])
            assert item["canonical_url"] == f"{BASE}/article/{idx}"
            assert item["content_hash"] == content_hash(item["body"])
            assert all(b["email"].endswith("@badailbo.example") and b["desk"] is None for b in item["bylines"])
    special = {k: v + jscms.IDX_OFFSET for k, v in content.SPECIAL_IDS.items()}
    assert truth[special["deleted"]]["expect"] == "deleted"
    assert truth[special["short_body"]]["reject_reason"] == "body_too_short"
    assert truth[special["no_published"]]["reject_reason"] == "missing:published_at"
    assert truth[special["no_modified"]]["item"]["modified_at"] is None
    assert truth[special["duplicate"]]["duplicate_of"] == f"badailbo:{special['duplicate_of']}"
    assert not set(special.values()) & site.script_body_ids()
    assert list(JscmsDemoSite(60).truth(BASE)) == list(JscmsDemoSite(60).truth(BASE))
    other_bodies = {r["item"]["body"] for r in DemoSite().truth(BASE) if r["item"]}
    assert not other_bodies & {r["item"]["body"] for r in truth.values() if r["item"]}


def test_script_bodies_one_on_every_first_page_and_the_mislabelled_one_among_them(site: JscmsDemoSite) -> None:
    scripted = site.script_body_ids()
    assert site.mislabelled_ids() == {jscms.IDX_MISLABELLED} and jscms.IDX_MISLABELLED in scripted
    for section in site.sections:
        assert scripted & set(site.list_page(section.code, 1)), section.code
    assert 5 <= len(scripted) <= 15


def test_api_list_pages_cover_each_section_once_newest_first(site: JscmsDemoSite,
                                                            truth: dict[int, dict[str, Any]]) -> None:
    for section in site.sections:
        seen: list[int] = []
        page = 1
        while True:
            data = site.api_list(section.code, page)
            assert data["section"] == section.code and data["page"] == page
            assert 1 <= len(data["items"]) <= 10
            seen += [item["id"] for item in data["items"]]
            if not data["has_more"]:
                break
            assert len(data["items"]) == 10
            page += 1
        assert seen == sorted(seen, reverse=True) and len(seen) == len(set(seen))
        assert set(seen) == {i for i, r in truth.items() if section.code in r["mcodes"]}
        assert site.api_list(section.code, page + 1) == {"section": section.code, "page": page + 1,
                                                         "has_more": False, "items": []}


def test_live_routes(site: JscmsDemoSite) -> None:
    with serve_in_thread(site) as server:
        base = server.base_url
        status, headers, raw = _get(base + "/")
        assert status == 200 and headers["Content-Type"] == "text/html; charset=utf-8"
        home = Selector(raw.decode("utf-8"))
        assert home.css("nav.gnb a::attr(href)").getall() == [f"/section/{c}" for c in
                                                              ("society", "economy", "culture", "region")]
        assert home.css('link[rel=alternate][type="application/rss+xml"]::attr(href)').get() == "/rss.xml"

        listing = _get(base + "/section/economy")[2].decode("utf-8")
        sel = Selector(listing)
        assert sel.css("ul#article-list.article-list").get() is not None and not sel.css("ul#article-list li")
        assert sel.css("button.btn-more::text").get() == "더보기"
        assert sel.css("script::attr(src)").getall() == ["/static/list.js"]
        assert "/article/" not in listing and "page=" not in listing  # no link a crawler could follow
        assert _get(base + "/section/sports")[0] == 404

        status, headers, raw = _get(base + "/api/list?section=economy&page=2")
        assert status == 200 and headers["Content-Type"] == "application/json; charset=utf-8"
        data = json.loads(raw)
        assert data == json.loads(json.dumps(site.api_list("economy", 2)))
        item = data["items"][0]
        assert set(item) == {"id", "url", "title", "published", "modified"} and item["url"] == f"/article/{item['id']}"
        assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+09:00", item["published"])
        assert _get(base + "/api/list?section=nope&page=1")[0] == 404

        status, headers, raw = _get(base + "/static/list.js")
        assert status == 200 and headers["Content-Type"].startswith("text/javascript") and raw.isascii()
        assert b"/api/list?section=" in raw and b'style.display = "none"' in raw
        status, headers, raw = _get(base + jscms_render.FONT_PATH)
        assert status == 200 and headers["Content-Type"] == "font/woff2" and raw.startswith(b"wOF2")

        plain = next(i for i in range(41060, 41081) if i not in site.script_body_ids() and site.article(i).images)
        page = Selector(_get(f"{base}/article/{plain}")[2].decode("utf-8"))
        assert page.css("#article-body p") and page.css("h1.article-title")
        assert jscms_render.TRACKER_URL in page.css("script::attr(src)").getall()
        assert jscms_render.FONT_PATH in page.css("link[rel=preload]::attr(href)").getall()
        photo = page.css("#article-body figure.photo img::attr(src)").get()
        assert photo and _get(base + photo)[1]["Content-Type"] == "image/jpeg"

        scripted = min(site.script_body_ids() - site.mislabelled_ids())
        html = _get(f"{base}/article/{scripted}")[2].decode("utf-8")
        assert '<div class="article-body" id="article-body"></div>' in html and f"/api/article/{scripted}" in html
        article = site.article(scripted)
        assert json.loads(_get(f"{base}/api/article/{scripted}")[2])["paragraphs"] == list(article.paragraphs)

        deleted = content.IDX_DELETED + jscms.IDX_OFFSET
        status, _, raw = _get(f"{base}/article/{deleted}")
        assert status == 404 and "기사를 찾을 수 없습니다" in raw.decode("utf-8")
        assert _get(f"{base}/api/article/{deleted}")[0] == 404
        assert _get(f"{base}/article/1")[0] == 404

        status, _, raw = _get(base + "/robots.txt")
        assert status == 200 and raw.decode() == "User-agent: *\nDisallow: /admin/\nDisallow: /private/\n"

        status, headers, raw = _get(base + "/rss.xml")
        assert status == 200 and headers["Content-Type"] == "application/rss+xml; charset=utf-8"
        links = Selector(raw.decode("utf-8"), type="xml").xpath("//item/link/text()").getall()
        assert links == [f"{base}/article/{i}" for i in range(41080, 41070, -1)]  # the 10 newest only

        stats = json.loads(_get(base + "/__demo/stats")[2])
        assert {k: stats[k] for k in ("home", "list", "api", "static", "view", "image", "robots", "feed")} == {
            "home": 1, "list": 2, "api": 4, "static": 2, "view": 4, "image": 1, "robots": 1, "feed": 1}


def test_the_mislabelled_page_is_utf8_bytes_under_an_euckr_label(site: JscmsDemoSite) -> None:
    (idx,) = site.mislabelled_ids()
    with serve_in_thread(site) as server:
        status, headers, raw = _get(f"{server.base_url}/article/{idx}")
        api = json.loads(_get(f"{server.base_url}/api/article/{idx}")[2])
    assert status == 200 and headers["Content-Type"] == "text/html; charset=euc-kr"
    text = raw.decode("utf-8")  # the bytes are UTF-8 ...
    assert '<meta charset="euc-kr">' in text
    with pytest.raises(UnicodeDecodeError):
        raw.decode("euc-kr")  # ... not what the label says
    article = site.article(idx)
    assert article is not None and article.clean_title in text
    assert '<div class="article-body" id="article-body"></div>' in text  # its body comes from the script
    assert api["paragraphs"] == list(article.paragraphs)
    script = text[text.index("<script>\n"):text.index("</script>\n<")]
    assert script.isascii()  # runs whatever charset the browser decodes the page with


def test_epochs_put_new_articles_on_page_one_of_the_json_lists() -> None:
    site = JscmsDemoSite(60)
    with serve_in_thread(site) as server:
        report = json.loads(_get(f"{server.base_url}/__demo/advance")[2])
        new = [int(aid.split(":")[1]) for aid in report["new"]]
        assert report["epoch"] == 1 and len(new) == 3
        first_pages = set()
        for section in site.sections:
            data = json.loads(_get(f"{server.base_url}/api/list?section={section.code}&page=1")[2])
            first_pages |= {item["id"] for item in data["items"]}
        assert set(new) <= first_pages
        deleted = int(report["deleted"][0].split(":")[1])
        assert _get(f"{server.base_url}/article/{deleted}")[0] == 404
    truth = {r["idx"]: r for r in JscmsDemoSite(60, epoch=1).truth(BASE)}
    assert all(truth[i]["changed_in_epoch"] == 1 for i in new) and truth[deleted]["expect"] == "deleted"


def test_cli_serve_help_and_truth(tmp_path: Path) -> None:
    out = tmp_path / "truth.jsonl"
    assert demo_main(["truth", "--outlet", "jscms", "--size", "60", "--base-url", BASE, "-o", str(out)]) == 0
    records = [json.loads(line) for line in out.read_text("utf-8").splitlines()]
    assert [r["idx"] for r in records] == list(range(41001, 41061))
    assert records[0]["item"]["site_name"] == "바다일보" and any(r["needs_render"] for r in records)


# -- the family on every page the demo serves -------------------------------------------------


def test_family_reads_every_article_as_the_truth_states_it(site: JscmsDemoSite,
                                                          truth: dict[int, dict[str, Any]]) -> None:
    """Server HTML for plain articles; a script-body article has no body as served, its truth once rendered."""
    checked = 0
    for idx, record in truth.items():
        article = site.article(idx)
        assert article is not None
        url = f"{BASE}/article/{idx}"
        if record["expect"] == "deleted":
            with pytest.raises(NotAnArticle):
                extract(_response(url, jscms_render.render_not_found(site.site_name)), OUTLET)
            continue
        raw = _response(url, jscms_render.render_article(site, article, BASE))
        if record["needs_render"]:
            page = JscmsArticlePage(raw, OUTLET)
            assert page.body_needs_script() and export_dict(extract(raw, OUTLET))["body"] is None
            raw = _response(url, _rendered(site, idx))
        if record["expect"] not in ("item", "duplicate"):
            continue
        got = export_dict(extract(raw, OUTLET))
        assert {k: got[k] for k in TRUTH_FIELDS} == record["item"], idx
        checked += 1
    assert checked >= 70


def test_family_reads_the_menu_and_a_rendered_list(site: JscmsDemoSite) -> None:
    home = JscmsSectionPage(_response(f"{BASE}/", jscms_render.render_home(site)), OUTLET)
    assert [(s.code, s.name, s.url) for s in home.sections()] == [
        (s.code, s.name, f"{BASE}/section/{s.code}") for s in site.sections]
    section = site.sections[0]
    server_html = jscms_render.render_list(site, section)
    raw = JscmsSectionPage(_response(f"{BASE}/section/{section.code}", server_html), OUTLET)
    assert raw.entries() == [] and raw.next_page_url() is None
    # What list.js leaves in the DOM once every page is loaded (its markup, written out here).
    rows = "".join(
        f'<li class="list-item"><a class="list-title" href="{i["url"]}">{i["title"]}</a> '
        f'<time class="list-date" datetime="{i["modified"] or i["published"]}">x</time></li>'
        for p in range(1, site.page_count(section.code) + 1) for i in site.api_list(section.code, p)["items"])
    rendered = server_html.replace('data-section="society"></ul>', f'data-section="society">{rows}</ul>')
    page = JscmsSectionPage(_response(f"{BASE}/section/{section.code}", rendered), OUTLET)
    entries = page.entries()
    assert [int(e.key) for e in entries] == site.list_ids(section.code)
    first = site.article(site.list_ids(section.code)[0])
    assert first is not None and entries[0].date == (first.modified or first.published)
    assert page.next_page_url() is None
