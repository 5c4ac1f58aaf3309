"""Feeds and sitemaps: one response in, article links (with their listed dates) out.

Like the other pages, pure functions of the response: the ``articles`` spider decides
what to fetch (dedupe, ``since``, ``max_articles``); these only say what a feed or a
sitemap lists. Sitemaps are read by :class:`SitemapReader` (the hardened lxml iterparse
options of Scrapy's own sitemap class, no entity resolution), which also keeps the
``news:publication_date`` of Google News sitemaps that Scrapy's class drops. Feeds (RSS 0.9x/1.0/2.0, Atom) are often not
well-formed XML: raw ``&`` in links, HTML entities such as ``&nbsp;``, a body cut mid-entry.
A strict parser then fails or silently drops text (``?a=1&b=2`` became ``?a=1=2``, a 404 and
a lost article), so :class:`FeedPage` decodes the body as Scrapy does (BOM, HTTP header,
``<?xml encoding?>``: EUC-KR is common on Korean outlets), repairs the ampersands and
entities outside CDATA, and parses with lxml's recovering parser without any DTD, entity
expansion or network access (no XXE, no billion laughs).
"""

from __future__ import annotations

import email.utils
import html.entities
import re
from collections.abc import Iterator
from datetime import UTC, datetime
from io import BytesIO
from typing import Any
from urllib.parse import urljoin

import attrs
import lxml.etree
from scrapy.http import Response, XmlResponse
from scrapy.selector import Selector
from scrapy.utils.gz import gunzip, gzip_magic_number

from newscrawl.parsing.dates import parse_datetime
from newscrawl.parsing.text import normalize_space


class NotAFeed(Exception):
    """The response is not an RSS or Atom feed (an HTML page, an error page, garbage)."""


class NotASitemap(Exception):
    """The response is not a sitemap or sitemap index."""


@attrs.frozen
class LinkEntry:
    """One article link as a feed or sitemap lists it.

    ``url`` is None when the entry has no usable link (the spider counts it as bad input);
    ``date`` (publication, else last modification) lets ``since`` skip a link unfetched;
    ``updated`` is a modification time listed besides it (Atom ``updated`` next to ``published``,
    a news sitemap's ``lastmod`` next to ``news:publication_date``), None when there is none.
    """

    url: str | None
    date: datetime | None = None
    updated: datetime | None = None

    @property
    def changed_at(self) -> datetime | None:
        """The newest time the entry lists: an edit moves it past the stored article's times."""
        times = [t for t in (self.date, self.updated) if t is not None]
        return max(times) if times else None


def parse_feed_date(raw: str | None) -> datetime | None:
    """RFC 822 (RSS ``pubDate``) or ISO 8601 (Atom, ``dc:date``, sitemaps) -> aware datetime.

    A value without an offset is Korea time (ISO) or UTC (RFC 822 ``-0000``, which the RFC
    defines as "UTC, source zone unknown").
    """
    raw = normalize_space(raw)
    if not raw:
        return None
    value = parse_datetime(raw)
    if value is not None:
        return value
    try:
        value = email.utils.parsedate_to_datetime(raw)
    except (TypeError, ValueError, IndexError):
        return None
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def decompressed_body(response: Response, max_size: int = 0) -> bytes | None:
    """The body, gunzipped when it is a ``.gz`` file (not ``Content-Encoding``, which Scrapy's
    HttpCompressionMiddleware already undid); None when it cannot be decompressed or exceeds
    ``max_size`` (a gzip bomb must not take the crawl down)."""
    if not gzip_magic_number(response):
        return response.body
    try:
        return gunzip(response.body, max_size=max_size)
    except (OSError, EOFError, ValueError):  # ValueError: scrapy's max-size exceeded
        return None


class FeedPage:
    """An RSS or Atom feed: its entries' article links and dates."""

    ROOTS = frozenset({"rss", "feed", "RDF"})

    def __init__(self, response: Response, max_size: int = 0) -> None:
        body = decompressed_body(response, max_size)
        if body is None:
            raise NotAFeed(f"{response.url}: cannot decompress")
        if not isinstance(response, XmlResponse) or body is not response.body:
            response = XmlResponse(url=response.url, body=body, headers=response.headers)
        self.response = response
        # Scrapy's decoding order: BOM, then the HTTP charset, then <?xml encoding?>.
        text = repair_feed_markup(response.text.lstrip("\ufeff"))
        try:
            root = lxml.etree.fromstring(text.encode("utf-8"), parser=_feed_parser())
        except (lxml.etree.XMLSyntaxError, ValueError) as exc:
            raise NotAFeed(f"{response.url}: {exc}") from None
        tag = getattr(root, "tag", "")
        if _localname(tag) not in self.ROOTS:
            raise NotAFeed(f"{response.url}: root element is not rss, feed or RDF")
        self.sel = Selector(root=root, type="xml")
        # Atom, RSS 1.0 (RDF) and namespaced extensions (dc:date, atom:link) read alike without namespaces.
        self.sel.remove_namespaces()
        # A body cut mid-entry: the recovering parser closes the open entry, whose half-written
        # link would be fetched as a wrong URL; keep only the entries whose end tag was read.
        self._complete: int | None = None
        if not _FEED_END.search(text):
            self._complete = len(_ENTRY_END.findall(text))

    def entries(self) -> list[LinkEntry]:
        nodes = self.sel.xpath("//item | //entry")
        if self._complete is not None:
            nodes = nodes[:self._complete]
        return [self._entry(node) for node in nodes]

    def _entry(self, node: Any) -> LinkEntry:
        candidates = [
            node.xpath("link/text()").get(),  # RSS
            node.xpath("link[@rel='alternate']/@href").get(),  # Atom (and atom:link in RSS)
            node.xpath("link[not(@rel)]/@href").get(),
            node.xpath("guid[not(@isPermaLink='false')]/text()").get(),  # RSS permalink guid
            node.xpath("id/text()").get(),  # Atom id, when it is a URL
        ]
        url = None
        for candidate in candidates:
            # "&amp;" left in a URL after parsing is a double escape (an entity inside CDATA).
            candidate = normalize_space(candidate).replace("&amp;", "&")
            if not candidate:
                continue
            absolute = self.response.urljoin(candidate)
            if absolute.startswith(("http://", "https://")):
                url = absolute
                break
        raw_date = (node.xpath("pubDate/text()").get() or node.xpath("published/text()").get()
                    or node.xpath("date/text()").get())
        raw_updated = node.xpath("updated/text()").get()
        if raw_date:
            return LinkEntry(url=url, date=parse_feed_date(raw_date), updated=parse_feed_date(raw_updated))
        return LinkEntry(url=url, date=parse_feed_date(raw_updated))


_XML_ENTITIES = frozenset({"amp", "lt", "gt", "quot", "apos"})
_AMPERSAND = re.compile(r"&(#\d+;|#x[0-9a-fA-F]+;|[A-Za-z][A-Za-z0-9]*;)?")
_CDATA = re.compile(r"(<!\[CDATA\[.*?\]\]>)", re.DOTALL)
_FEED_END = re.compile(r"</(?:[\w.-]+:)?(?:rss|feed|RDF)\s*>\s*$")
_ENTRY_END = re.compile(r"</(?:[\w.-]+:)?(?:item|entry)\s*>")


def _repair_ampersand(match: re.Match[str]) -> str:
    """A bare ``&`` -> ``&amp;``; an HTML entity -> character references; an unknown named
    entity (including any a DTD would define: XXE) -> literal text, never expanded."""
    ref = match.group(1)
    if ref is None:
        return "&amp;"
    if ref.startswith("#") or ref[:-1] in _XML_ENTITIES:
        return match.group(0)
    chars = html.entities.html5.get(ref)
    if chars is None:
        return "&amp;" + ref
    return "".join(f"&#{ord(char)};" for char in chars)


def repair_feed_markup(text: str) -> str:
    """Make the ampersands of a feed well-formed, leaving CDATA sections (where ``&`` is
    literal) untouched."""
    parts = _CDATA.split(text)
    return "".join(part if index % 2 else _AMPERSAND.sub(_repair_ampersand, part)
                   for index, part in enumerate(parts))


def _feed_parser() -> lxml.etree.XMLParser:
    """Recovering (keeps what a broken feed has) and inert: no DTD loading, no entity
    expansion, no network."""
    return lxml.etree.XMLParser(recover=True, resolve_entities=False, no_network=True, load_dtd=False,
                                huge_tree=False, encoding="utf-8")


def _localname(tag: object) -> str:
    """``{namespace}name`` -> ``name``; '' for comments and processing instructions."""
    if not isinstance(tag, str):
        return ""
    return tag.partition("}")[2] or tag


class SitemapReader:
    """A streaming sitemap reader that keeps the Google News block.

    Scrapy's :class:`scrapy.utils.sitemap.Sitemap` (documented as subject to change) keeps
    only the direct children of ``<url>``, so ``<news:news><news:publication_date>`` is lost;
    extending it means overriding its private methods. This reader uses the same hardened
    lxml ``iterparse`` options (recover, no entity resolution, no comments or processing
    instructions) and frees each entry once read, so a large sitemap stays small in memory.
    Entries are dicts of ``loc``, ``lastmod``, ... plus ``news:<name>`` for the news block.
    """

    def __init__(self, body: bytes) -> None:
        self._events = lxml.etree.iterparse(
            BytesIO(body), events=("start", "end"), recover=True, remove_comments=True,
            resolve_entities=False, remove_blank_text=True, collect_ids=False, remove_pis=True)
        _, root = next(self._events)
        self.type = _localname(root.tag)

    def __iter__(self) -> Iterator[dict[str, str]]:
        for event, elem in self._events:
            if event != "end" or _localname(elem.tag) not in ("url", "sitemap"):
                continue
            entry: dict[str, str] = {}
            for child in elem:
                name = _localname(child.tag)
                if name == "news":
                    for node in child.iter():
                        field = _localname(node.tag)
                        if field and node is not child and node.text and node.text.strip():
                            entry.setdefault(f"news:{field}", node.text.strip())
                elif name and name != "link":
                    entry[name] = (child.text or "").strip()
            elem.clear()
            parent = elem.getparent()
            if parent is not None:
                while elem.getprevious() is not None:
                    del parent[0]
            if "loc" in entry:
                yield entry


class SitemapPage:
    """A sitemap (``urlset``: article links) or a sitemap index (``sitemapindex``: sitemaps)."""

    def __init__(self, response: Response, max_size: int = 0) -> None:
        body = decompressed_body(response, max_size)
        if not body or not body.lstrip(b"\xef\xbb\xbf \t\r\n").startswith(b"<"):
            raise NotASitemap(f"{response.url}: not XML")
        try:
            self._sitemap = SitemapReader(body)
        except (lxml.etree.XMLSyntaxError, StopIteration) as exc:
            raise NotASitemap(f"{response.url}: {exc!r}") from None
        self.type = self._sitemap.type
        if self.type not in ("urlset", "sitemapindex"):
            raise NotASitemap(f"{response.url}: root element is {self.type!r}, not urlset or sitemapindex")
        self.base_url = response.url

    @property
    def is_index(self) -> bool:
        return self.type == "sitemapindex"

    def entries(self) -> list[LinkEntry]:
        """Locations with their date: ``news:publication_date`` (``lastmod`` as ``updated``), else ``lastmod``."""
        found = []
        for entry in self._sitemap:
            loc = normalize_space(entry.get("loc"))
            url = urljoin(self.base_url, loc) if loc else None
            if url and not url.startswith(("http://", "https://")):
                url = None
            published, lastmod = entry.get("news:publication_date"), entry.get("lastmod")
            if published:
                found.append(LinkEntry(url=url, date=parse_feed_date(published), updated=parse_feed_date(lastmod)))
            else:
                found.append(LinkEntry(url=url, date=parse_feed_date(lastmod)))
        return found
