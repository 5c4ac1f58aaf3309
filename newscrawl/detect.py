"""Which CMS family a page of an unknown outlet was built by, and the evidence (``scrapy probe``).

Three kinds of evidence, each read from what the families already declare
(:class:`~newscrawl.families.base.Family`):

* **URL patterns** of the page's own links (same host): how many are articles of the family
  (``article_key``) and how many are its section lists (``list_page``);
* the **generator** ``<meta>``, when the family names what its CMS writes there (``generators``);
* **markup markers**, CSS that only the family's pages carry (``markers``).

A family is a candidate when its generator is named, or when links follow its URL patterns and
either its URL patterns are enough to claim an outlet (``claims_urls``) or a marker of its
markup is on the page (``/article/ID`` alone names no CMS). The candidate with the most evidence
wins; no candidate: ``generic``. Pure: a response in, a :class:`Detection` out.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from urllib.parse import urlsplit

import attrs
from scrapy.http import TextResponse

from newscrawl.families import FAMILIES, Family
from newscrawl.parsing.text import normalize_space
from newscrawl.parsing.urls import host_of

GENERIC = "generic"
#: A generic link that looks like an article: 4+ digits in a path segment (an id, a year), or a last
#: segment that is a slug of 3+ words.
_NUMBER = re.compile(r"\d{4,}")
_SLUG = re.compile(r"^[^-]+(-[^-]+){2,}$")


@attrs.frozen
class Evidence:
    """What one family's rules find on a page."""

    family: str
    article_links: int = 0
    list_links: int = 0
    generator: bool = False
    markers: tuple[str, ...] = ()
    claims_urls: bool = True

    @property
    def candidate(self) -> bool:
        links = self.article_links + self.list_links
        return self.generator or (links > 0 and (self.claims_urls or bool(self.markers)))

    @property
    def score(self) -> tuple[int, int]:
        return (int(self.generator), self.article_links + self.list_links + 5 * len(self.markers))

    def describe(self) -> str:
        parts = []
        if self.article_links:
            parts.append(f"{self.article_links} article links")
        if self.list_links:
            parts.append(f"{self.list_links} section list links")
        if self.generator:
            parts.append("generator meta")
        if self.markers:
            parts.append("markup " + ", ".join(self.markers))
        return "; ".join(parts) or "nothing"


@attrs.frozen
class Detection:
    family: str
    generator: str | None
    #: Every family that found something, best first.
    evidence: tuple[Evidence, ...]

    def describe(self) -> str:
        """One line: the family and why."""
        best = next((e for e in self.evidence if e.family == self.family), None)
        why = best.describe() if best is not None else "no family's URL patterns, generator or markup"
        return f"{self.family} ({why})"


def page_links(response: TextResponse) -> list[str]:
    """Absolute URLs of the page's links on its own host, each once, in page order."""
    host = host_of(response.url)
    out: dict[str, None] = {}
    for href in response.css("a[href]::attr(href)").getall():
        href = href.strip()
        if not href or href.startswith(("#", "javascript:", "mailto:", "tel:")):
            continue
        try:
            url = response.urljoin(href)
        except ValueError:
            continue
        if urlsplit(url).scheme in ("http", "https") and host_of(url) == host:
            out.setdefault(url.split("#", 1)[0], None)
    return list(out)


def generator_of(response: TextResponse) -> str | None:
    value = response.xpath('//meta[translate(@name, "GENRATO", "genrato")="generator"]/@content').get()
    return normalize_space(value) or None


def family_evidence(response: TextResponse, family: Family, links: list[str], generator: str | None) -> Evidence:
    articles = sum(1 for url in links if family.article_key(url) is not None)
    lists = sum(1 for url in links if family.list_page is not None and family.list_page(url) is not None)
    named = bool(generator) and any(g.lower() in (generator or "").lower() for g in family.generators)
    markers = tuple(css for css in family.markers if response.css(css))
    return Evidence(family.name, articles, lists, named, markers, family.claims_urls)


def detect_family(response: TextResponse, families: Mapping[str, Family] = FAMILIES) -> Detection:
    """The CMS family of the page (``generic`` when no family's evidence suffices)."""
    links = page_links(response)
    generator = generator_of(response)
    found = [family_evidence(response, f, links, generator) for name, f in families.items() if name != GENERIC]
    found = sorted((e for e in found if e.describe() != "nothing"), key=lambda e: e.score, reverse=True)
    best = next((e for e in found if e.candidate), None)
    return Detection(best.family if best else GENERIC, generator, tuple(found))


def article_like_links(response: TextResponse) -> list[str]:
    """Links of a page of an unknown CMS that look like articles (used for ``generic`` outlets)."""
    out = []
    for url in page_links(response):
        segments = [s for s in urlsplit(url).path.split("/") if s]
        if not segments or url == response.url:
            continue
        if any(_NUMBER.search(s) for s in segments) or _SLUG.match(segments[-1].rsplit(".", 1)[0]):
            out.append(url)
    return out


def is_article_metadata(response: TextResponse) -> bool:
    """Whether a page says it is an article: ``og:type`` article or a JSON-LD ``*Article`` object."""
    og = response.xpath('//meta[@property="og:type"]/@content').get() or ""
    if og.strip().lower() == "article":
        return True
    return any(re.search(r'"@type"\s*:\s*\[?\s*"[A-Za-z]*Article"', text)
               for text in response.xpath('//script[@type="application/ld+json"]/text()').getall())
