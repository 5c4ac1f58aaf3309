"""Cheaper paths: would the links a browser found come without one?

A rendered list page costs 60-90x a plain fetch, and a browser ~670 MB. So for an outlet that
renders its lists, the crawl checks once (``NEWSCRAWL_RENDER_PROBE``, on the first rendered list
page that lists articles) whether a cheaper source gives the same article links, in the order
they should be preferred:

1. ``html``: the links are in the page's own HTML already (no JavaScript needed at all: the
   ``wait``/``click`` actions are not what finds them).
2. ``feed``: the RSS/Atom feed the page links (``<link rel="alternate">``): the ``articles``
   spider polls it (``-a feed=URL``).
3. ``sitemap``: the sitemaps robots.txt names (else ``/sitemap.xml``): ``-a sitemap=URL``.
4. ``embedded``: data embedded in the page's HTML (Next.js ``__NEXT_DATA__``, JSON-LD lists,
   other ``application/json`` scripts): a family's section page can read it without a browser.
5. ``json``: the JSON endpoint the page called (XHR/fetch, noted by the browser): a family can
   request it directly (with its page parameter for the next pages).

Each source is fetched over plain HTTP (robots.txt and politeness as usual) and scored by how
many of the rendered page's article links it lists (``matched`` of ``rendered``). The result is
one log line (WARNING when a source gives them all: the browser is then avoidable) and the run
report's ``render.cheaper_paths``; stats ``newscrawl/render/probe/<source>/{links,matched}``.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Iterable, Iterator
from typing import Any
from urllib.parse import parse_qsl, urlencode, urljoin, urlsplit

import scrapy
from parsel import Selector
from scrapy.crawler import Crawler
from scrapy.http import Response, TextResponse
from scrapy.statscollectors import StatsCollector
from twisted.python.failure import Failure

from newscrawl.pages.feeds import FeedPage, NotAFeed, NotASitemap, SitemapPage

logger = logging.getLogger(__name__)

#: Sources in the order a crawl should prefer them (cheapest first).
ORDER = ("html", "feed", "sitemap", "embedded", "json")
_PAGE_PARAMS = frozenset({"page", "p", "pg", "pageno", "page_no", "pagenum", "offset", "start", "cursor"})
MAX_JSON = 3
#: Pages of a paginated JSON endpoint followed at most (page=2, 3, ... while they list new articles).
MAX_JSON_PAGES = 20
MAX_SITEMAPS = 3

KeyOf = Callable[[str], str | None]


def keys_in(urls: Iterable[str], base: str, key_of: KeyOf) -> set[str]:
    """The article keys of ``urls`` (relative ones joined to ``base``)."""
    found: set[str] = set()
    for url in urls:
        if url.startswith(("http://", "https://", "/")) or "?" in url or url.endswith(".html"):
            key = key_of(urljoin(base, url.strip()))
            if key is not None:
                found.add(key)
    return found


def _strings(data: Any) -> Iterator[str]:
    if isinstance(data, str):
        yield data
    elif isinstance(data, dict):
        for value in data.values():
            yield from _strings(value)
    elif isinstance(data, list):
        for value in data:
            yield from _strings(value)


def html_keys(html: str, base: str, key_of: KeyOf) -> set[str]:
    """Article keys linked from ``html`` as it is (no script run)."""
    sel = Selector(text=html)
    return keys_in(sel.css("a::attr(href)").getall(), base, key_of)


def embedded_keys(html: str, base: str, key_of: KeyOf) -> set[str]:
    """Article keys in JSON embedded in ``html`` (``__NEXT_DATA__``, JSON-LD, ``application/json`` scripts)."""
    sel = Selector(text=html)
    found: set[str] = set()
    scripts = sel.xpath("//script[@id='__NEXT_DATA__' or contains(@type, 'json')]/text()").getall()
    for text in scripts:
        try:
            found |= keys_in(_strings(json.loads(text)), base, key_of)
        except ValueError:
            continue
    return found


def json_keys(text: str, base: str, key_of: KeyOf) -> set[str]:
    try:
        return keys_in(_strings(json.loads(text)), base, key_of)
    except ValueError:
        return set()


def paginated(url: str) -> bool:
    """Whether an endpoint URL carries a page parameter (its next pages are one parameter away)."""
    return next_page(url) is not None


def next_page(url: str) -> str | None:
    """``url`` with its numeric page parameter one higher (``page=1`` -> ``page=2``), or None."""
    parts = urlsplit(url)
    query = parse_qsl(parts.query, keep_blank_values=True)
    for i, (name, value) in enumerate(query):
        if name.lower() in _PAGE_PARAMS and value.isdigit():
            step = 1 if name.lower() not in ("offset", "start") else max(1, int(value) or 10)
            query[i] = (name, str(int(value) + step))
            return parts._replace(query=urlencode(query)).geturl()
    return None


class CheaperPaths:
    """One crawl's check (see the module docstring); the spider calls :meth:`start` from ``parse_list``."""

    def __init__(self, crawler: Crawler, key_of: KeyOf, where: str) -> None:
        self.crawler = crawler  # its stats exist once the crawl starts
        self.key_of = key_of
        self.where = where  # the outlet, for the log line
        self.started = False
        self.rendered: set[str] = set()
        self.page_url = ""
        self.pending = 0
        self.results: dict[str, dict[str, Any]] = {}
        self.reported = False
        self.json_pages = 0
        self.requested: set[str] = set()

    @property
    def stats(self) -> StatsCollector:
        return self.crawler.stats

    # -- scoring ------------------------------------------------------------------------------------
    def _add(self, source: str, url: str | None, keys: set[str], **extra: Any) -> None:
        entry = self.results.setdefault(source, {"urls": [], "links": 0, "matched": 0})
        if url:
            entry["urls"].append(url)
        merged = set(entry.pop("_keys", set())) | keys
        entry["_keys"] = merged
        entry["links"] = len(merged)
        entry["matched"] = len(merged & self.rendered)
        entry.update(extra)

    def start(self, response: TextResponse, listed: Iterable[str], raw_html: bytes | None,
              raw_encoding: str | None, xhr: Iterable[str]) -> Iterator[scrapy.Request]:
        """Score the page's own HTML and embedded data now; requests for the feed, sitemap and JSON sources."""
        if self.started:
            return
        self.started = True
        self.rendered = set(listed)
        self.page_url = response.url
        base = response.url
        raw = raw_html.decode(raw_encoding or "utf-8", "replace") if raw_html is not None else ""
        self._add("html", response.url, html_keys(raw, base, self.key_of))
        self._add("embedded", response.url, embedded_keys(raw, base, self.key_of))
        page = Selector(text=response.text)
        feeds = page.xpath("//link[@rel='alternate'][contains(@type, 'rss') or contains(@type, 'atom')]/@href").getall()
        for href in dict.fromkeys(feeds):
            yield from self._request(urljoin(base, href), "feed")
        if not feeds:
            self.results.setdefault("feed", {"urls": [], "links": 0, "matched": 0, "note": "no feed linked"})
        parts = urlsplit(base)
        yield from self._request(f"{parts.scheme}://{parts.netloc}/robots.txt", "robots")
        for url in list(dict.fromkeys(xhr))[:MAX_JSON]:
            yield from self._request(url, "json")
        if not xhr:
            self.results.setdefault("json", {"urls": [], "links": 0, "matched": 0, "note": "the page called none"})
        self._maybe_report()

    def _request(self, url: str, source: str) -> Iterator[scrapy.Request]:
        if url in self.requested:
            return  # an endpoint page the browser called and another one's next page lead to
        self.requested.add(url)
        self.pending += 1
        yield scrapy.Request(url, callback=self.parse_source, errback=self.failed, dont_filter=True,
                              meta={"newscrawl_probe": source, "handle_httpstatus_all": True})

    def parse_source(self, response: Response) -> Iterator[scrapy.Request]:
        source = response.meta["newscrawl_probe"]
        self.pending -= 1
        text = response.text if isinstance(response, TextResponse) else response.body.decode("utf-8", "replace")
        ok = 200 <= response.status < 300
        if source == "robots":
            sitemaps = [line.split(":", 1)[1].strip() for line in text.splitlines()
                        if ok and line.lower().startswith("sitemap:")]
            parts = urlsplit(response.url)
            for url in (sitemaps or [f"{parts.scheme}://{parts.netloc}/sitemap.xml"])[:MAX_SITEMAPS]:
                yield from self._request(url, "sitemap")
        elif not ok:
            self._add(source, response.url, set(), note=f"HTTP {response.status}")
        elif source == "json":
            before = self.results.get("json", {}).get("links", 0)
            self._add(source, response.url, json_keys(text, response.url, self.key_of),
                      paginated=paginated(response.url) or self.results.get("json", {}).get("paginated", False))
            following = next_page(response.url)
            if following and self.results["json"]["links"] > before and self.json_pages < MAX_JSON_PAGES:
                self.json_pages += 1
                yield from self._request(following, "json")
        elif source == "feed":
            # Read as the articles spider reads feeds (raw '&' repaired, entries cut mid-download dropped).
            try:
                links = [e.url for e in FeedPage(response).entries() if e.url]
                self._add(source, response.url, keys_in(links, response.url, self.key_of))
            except NotAFeed:
                self._add(source, response.url, set(), note="not a feed")
        else:  # sitemap
            try:
                page = SitemapPage(response)
            except NotASitemap:
                self._add(source, response.url, set(), note="not a sitemap")
            else:
                urls = [e.url for e in page.entries() if e.url]
                if page.is_index:
                    self._add(source, response.url, set(), note="sitemap index")
                    for url in urls[:MAX_SITEMAPS]:
                        yield from self._request(url, "sitemap")
                else:
                    self._add(source, response.url, keys_in(urls, response.url, self.key_of))
        self._maybe_report()

    def failed(self, failure: Failure) -> None:
        request = getattr(failure, "request", None)
        self.pending -= 1
        if request is not None:
            source = request.meta.get("newscrawl_probe", "?")
            self._add("sitemap" if source == "robots" else source, request.url, set(),
                      note=f"{type(failure.value).__name__}")
        self._maybe_report()

    # -- the verdict --------------------------------------------------------------------------------
    def report(self) -> dict[str, Any]:
        """The run report's ``render.cheaper_paths``."""
        sources = []
        for name in ORDER:
            entry = {k: v for k, v in self.results.get(name, {"urls": [], "links": 0, "matched": 0,
                                                               "note": "not checked"}).items() if k != "_keys"}
            sources.append({"source": name, **entry})
        complete = next((s["source"] for s in sources if self.rendered and s["matched"] >= len(self.rendered)), None)
        return {"checked_on": self.page_url or None, "rendered_links": len(self.rendered), "sources": sources,
                "cheaper_path": complete, "order": list(ORDER)}

    def _maybe_report(self) -> None:
        if self.pending > 0 or self.reported or not self.started:
            return
        self.reported = True
        report = self.report()
        total = report["rendered_links"]
        self.stats.set_value("newscrawl/render/probe/rendered_links", total)
        parts = []
        for s in report["sources"]:
            self.stats.set_value(f"newscrawl/render/probe/{s['source']}/links", s["links"])
            self.stats.set_value(f"newscrawl/render/probe/{s['source']}/matched", s["matched"])
            detail = f"{s['matched']}/{total}"
            if s.get("note") and not s["links"]:
                detail += f" ({s['note']})"
            elif s["source"] == "json" and s.get("paginated"):
                detail += f" (paginated, {len(s['urls'])} pages read)"
            parts.append(f"{s['source']} {detail}")
        if report["cheaper_path"]:
            self.stats.set_value("newscrawl/render/probe/cheaper_path", report["cheaper_path"])
            logger.warning("%s renders its lists, but %s gives all %d links the browser found on %s without one "
                           "(%s): see README, \"JavaScript outlets\"", self.where, report["cheaper_path"], total,
                           self.page_url, "; ".join(parts))
        else:
            logger.info("%s: %d links needed the browser on %s; without one: %s", self.where, total, self.page_url,
                        "; ".join(parts))
