"""What an article page reads from its response, each thing once.

Family hooks and generic fallbacks both need the same few parsed views of a page: the
meta tags, the JSON-LD article object, the embedded app state. Parsing them once here,
lazily, keeps the fallbacks pure functions of these inputs and spares the page the cost
of views it never asks for (an NDSoft page with a good selector never parses JSON-LD).
No heuristics live here: every property is a plain reading of the page or the outlet.
"""

from __future__ import annotations

import re
from functools import cached_property
from typing import Any

from parsel import Selector
from scrapy.http import TextResponse

from newscrawl.catalog import Outlet
from newscrawl.parsing import appstate, jsonld
from newscrawl.parsing.text import normalize_space
from newscrawl.parsing.urls import host_of

HANGUL = re.compile(r"[가-힣]")
_LD_SCRIPTS = '//script[@type="application/ld+json"]/text()'


class PageInputs:
    """One response and its outlet, read lazily; shared by the family hooks and the fallbacks."""

    def __init__(self, response: TextResponse, outlet: Outlet) -> None:
        self.response = response
        self.outlet = outlet
        self.sel: Selector = response.selector

    @property
    def url(self) -> str:
        return self.response.url

    @cached_property
    def meta_index(self) -> dict[str, str]:
        """Lower-cased ``property|name|itemprop`` -> first non-empty content; microdata dates included."""
        index: dict[str, str] = {}
        for node in self.sel.xpath("//meta[@content]"):
            key = node.attrib.get("property") or node.attrib.get("name") or node.attrib.get("itemprop")
            value = normalize_space(node.attrib.get("content"))
            if key and value:
                index.setdefault(key.lower(), value)
        # @datetime first: the cheap test rules out nearly every element (same nodes, same order).
        for node in self.sel.xpath("//*[@datetime][@itemprop='datePublished' or @itemprop='dateModified']"):
            index.setdefault(node.attrib["itemprop"].lower(), node.attrib["datetime"])
        return index

    def meta(self, *names: str) -> str | None:
        """First non-empty <meta property|name|itemprop=...> content among ``names`` (case-insensitive)."""
        found = self.meta_index
        for name in names:
            value = found.get(name.lower())
            if value:
                return value
        return None

    def text(self, css: str) -> str | None:
        """Whitespace-normalised text of the first node matching ``css``; None when absent or empty."""
        node = self.sel.css(css)
        if not node:
            return None
        return normalize_space(" ".join(node[0].css("::text").getall())) or None

    @cached_property
    def title_text(self) -> str | None:
        """The first text node of ``<title>`` as the page has it (None when there is none)."""
        return self.sel.css("title::text").get()

    @cached_property
    def canonical_link(self) -> str | None:
        """``<link rel="canonical">``'s href as written (None when there is none)."""
        return self.sel.css('link[rel="canonical"]::attr(href)').get()

    @cached_property
    def ld_scripts(self) -> list[str]:
        """The texts of the page's JSON-LD scripts, found once for :attr:`ld` and :attr:`ld_index`."""
        return self.sel.xpath(_LD_SCRIPTS).getall()

    @cached_property
    def ld(self) -> dict[str, Any]:
        """The page's JSON-LD article object ({} when none)."""
        return jsonld.article_object(self.ld_scripts)

    @cached_property
    def ld_index(self) -> dict[str, dict[str, Any]]:
        """Every JSON-LD object by ``@id``, so author references resolve."""
        return jsonld.index_by_id(jsonld.objects(self.ld_scripts))

    @cached_property
    def ld_publisher_name(self) -> str | None:
        publisher = self.ld.get("publisher")
        return jsonld.text_value(publisher.get("name")) if isinstance(publisher, dict) else None

    @cached_property
    def app_state(self) -> str:
        """Embedded app data (Next.js flight stream or __NEXT_DATA__); '' for ordinary pages."""
        scripts = self.sel.xpath("//script[not(@src)]/text()").getall()
        stream = appstate.flight_stream(scripts)
        if stream:
            return stream
        return self.sel.xpath("//script[@id='__NEXT_DATA__']/text()").get() or ""

    @cached_property
    def html_lang(self) -> str | None:
        return self.sel.xpath("/html/@lang").get()

    @cached_property
    def is_korean(self) -> bool:
        """Declared Korean (page or catalog), or a Hangul og:title: Korean rules apply to dates and bylines."""
        lang = (self.html_lang or self.outlet.language or "").lower()
        return lang.startswith("ko") or bool(HANGUL.search(self.meta("og:title") or ""))

    @cached_property
    def site_names(self) -> frozenset[str]:
        """Names the outlet goes by, case-folded: catalog name, og:site_name, JSON-LD publisher, host labels."""
        names = {self.outlet.name, self.meta("og:site_name", "application-name", "twitter:site"),
                 self.ld_publisher_name}
        host = host_of(self.url)
        labels = host.split(".")
        names |= {host, labels[0] if labels else None, ".".join(labels[:-1]) if len(labels) > 1 else None}
        return frozenset(normalize_space(n).casefold().lstrip("@") for n in names if n)
