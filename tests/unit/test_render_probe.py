"""The cheaper-path check (newscrawl/render/probe.py): which plain source lists the links a browser found."""

from __future__ import annotations

import json
import re
from types import SimpleNamespace
from typing import Any

import scrapy
from scrapy.http import HtmlResponse, TextResponse

from newscrawl.render.probe import CheaperPaths, embedded_keys, html_keys, json_keys, next_page, paginated

BASE = "https://news.example.kr/section/society"


def key_of(url: str) -> str | None:
    match = re.fullmatch(r"https://news\.example\.kr/article/(\d+)", url)
    return match.group(1) if match else None


def test_links_in_plain_html() -> None:
    html = '<a href="/article/1">a</a><a href="https://news.example.kr/article/2">b</a><a href="/about">c</a>'
    assert html_keys(html, BASE, key_of) == {"1", "2"}


def test_next_data_json_ld_and_json_scripts() -> None:
    next_data = json.dumps({"props": {"pageProps": {"list": [{"url": "/article/3"}, {"link": "/article/4"}]}}})
    ld = json.dumps({"@type": "ItemList", "itemListElement": [{"url": "https://news.example.kr/article/5"}]})
    html = (f'<script id="__NEXT_DATA__" type="application/json">{next_data}</script>'
            f'<script type="application/ld+json">{ld}</script><script type="application/json">not json</script>'
            '<script>var x = "/article/9";</script>')
    assert embedded_keys(html, BASE, key_of) == {"3", "4", "5"}


def test_json_feed_and_sitemap_keys() -> None:
    assert json_keys('{"items": [{"url": "/article/7"}, {"id": 8}]}', BASE, key_of) == {"7"}
    assert json_keys("<html>", BASE, key_of) == set()
    # feeds and sitemaps are read by the articles spider's own readers (newscrawl/pages/feeds.py)
    rss = "<rss><channel><item><link>https://news.example.kr/article/10</link></item></channel></rss>"
    atom = '<feed><entry><link href="https://news.example.kr/article/11"/></entry></feed>'
    sitemap = "<urlset><url><loc>https://news.example.kr/article/12</loc></url></urlset>"
    probe, _ = _probe()
    found: set[str] = set()
    for source, body in (("feed", rss), ("feed", atom), ("sitemap", sitemap)):
        request = scrapy.Request(f"https://news.example.kr/{source}{len(found)}.xml", meta={"newscrawl_probe": source})
        probe.pending += 1
        _answer(probe, request, body, ctype="application/xml")
        found |= probe.results[source]["_keys"]
    assert found == {"10", "11", "12"}


def test_page_parameters() -> None:
    assert next_page("https://x/api/list?section=a&page=1") == "https://x/api/list?section=a&page=2"
    assert next_page("https://x/api?offset=20&limit=20") == "https://x/api?offset=40&limit=20"
    assert next_page("https://x/api?section=a") is None
    assert paginated("https://x/api?p=3") and not paginated("https://x/api?id=3")


def _probe() -> tuple[CheaperPaths, dict[str, Any]]:
    values: dict[str, Any] = {}
    stats = SimpleNamespace(set_value=values.__setitem__, inc_value=lambda k, n=1: None)
    return CheaperPaths(SimpleNamespace(stats=stats), key_of, "jsdaily"), values  # type: ignore[arg-type]


def _answer(probe: CheaperPaths, request: scrapy.Request, body: str, status: int = 200,
            ctype: str = "text/plain") -> list[scrapy.Request]:
    response = TextResponse(request.url, body=body.encode(), status=status, encoding="utf-8", request=request,
                            headers={"Content-Type": ctype})
    return list(probe.parse_source(response))


def test_the_check_follows_every_source_and_names_the_cheapest_complete_one() -> None:
    probe, stats = _probe()
    rendered_html = ('<html><head><link rel="alternate" type="application/rss+xml" href="/rss.xml"></head>'
                     '<body><ul>' + "".join(f'<li><a href="/article/{i}">t</a></li>' for i in range(1, 21))
                     + "</ul></body></html>")
    raw_html = b'<html><body><ul id="list"></ul><script src="/list.js"></script></body></html>'
    page = HtmlResponse(BASE, body=rendered_html.encode(), encoding="utf-8")
    requests = list(probe.start(page, [str(i) for i in range(1, 21)], raw_html, "utf-8",
                                ["https://news.example.kr/api/list?section=society&page=1"]))
    assert [r.meta["newscrawl_probe"] for r in requests] == ["feed", "robots", "json"]
    feed, robots, api = requests
    assert all(r.dont_filter and r.meta["handle_httpstatus_all"] for r in requests)
    # the feed lists the newest 5 only
    _answer(probe, feed, "<rss><channel>" + "".join(f"<item><link>https://news.example.kr/article/{i}</link></item>"
                                                    for i in range(1, 6)) + "</channel></rss>")
    sitemaps = _answer(probe, robots, "User-agent: *\nSitemap: https://news.example.kr/sitemap.xml\n")
    assert [r.url for r in sitemaps] == ["https://news.example.kr/sitemap.xml"]
    assert _answer(probe, sitemaps[0], "missing", status=404) == []
    # the JSON endpoint: 10 per page, followed while its pages list new articles
    page_two = _answer(probe, api, json.dumps({"items": [{"url": f"/article/{i}"} for i in range(1, 11)]}))
    assert [r.url for r in page_two] == ["https://news.example.kr/api/list?section=society&page=2"]
    page_three = _answer(probe, page_two[0], json.dumps({"items": [{"url": f"/article/{i}"} for i in range(11, 21)]}))
    assert not probe.reported
    assert _answer(probe, page_three[0], json.dumps({"items": []})) == []
    assert probe.reported
    report = probe.report()
    by_source = {s["source"]: s for s in report["sources"]}
    assert (by_source["html"]["matched"], by_source["feed"]["matched"], by_source["json"]["matched"]) == (0, 5, 20)
    assert by_source["sitemap"]["note"] == "HTTP 404"
    assert by_source["json"]["paginated"] is True and len(by_source["json"]["urls"]) == 3
    assert report["cheaper_path"] == "json" and report["rendered_links"] == 20
    assert stats["newscrawl/render/probe/cheaper_path"] == "json"
    assert stats["newscrawl/render/probe/feed/matched"] == 5


def test_links_in_the_plain_html_make_the_browser_unnecessary() -> None:
    probe, _ = _probe()
    html = "".join(f'<a href="/article/{i}">t</a>' for i in range(3))
    page = HtmlResponse(BASE, body=html.encode(), encoding="utf-8")
    requests = list(probe.start(page, ["0", "1", "2"], html.encode(), "utf-8", []))
    assert [r.meta["newscrawl_probe"] for r in requests] == ["robots"]
    assert probe.report()["cheaper_path"] == "html"
    # starting twice checks once
    assert list(probe.start(page, ["0"], b"", "utf-8", [])) == []
