"""ArticlePage: one response in, one ``Article`` out.

A page is a pure function of the response and the outlet's ``SiteConfig``: no
crawler, no settings, no I/O, so it is tested on saved HTML files. Each field is
tried along one chain, cheapest and most specific first:

1. family selectors (``family_*`` methods overridden by a CMS family),
2. JSON-LD (``NewsArticle`` and friends, ``@graph``, lists),
3. OpenGraph / ``article:*`` / other meta tags,
4. labels visible in the page (``입력 2023.12.05 09:42``, ``홍길동 기자``),
5. main-text extraction (trafilatura) for the body.

One broken selector degrades a field, never the crawl; ``extractor`` records which
step produced each field.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from functools import cached_property
from typing import Any

from parsel import Selector
from scrapy.http import TextResponse

from newscrawl.items import Article
from newscrawl.parsing import jsonld
from newscrawl.parsing.bylines import Byline, parse_byline
from newscrawl.parsing.dates import find_dates, parse_datetime
from newscrawl.parsing.html import body_parts
from newscrawl.parsing.maintext import main_text
from newscrawl.parsing.text import normalize_space
from newscrawl.parsing.urls import article_id, canonical_url, query_param
from newscrawl.sites import SiteConfig

PUBLISHED_META = ("article:published_time", "og:article:published_time", "article:published", "published_time",
                  "pubdate", "publishdate", "publish-date", "date", "dc.date.issued", "dc.date", "dcterms.created",
                  "sailthru.date", "parsely-pub-date", "datePublished", "og:published_time", "article.published",
                  "cXenseParse:recs:publishtime", "nv:date")
MODIFIED_META = ("article:modified_time", "og:updated_time", "og:article:modified_time", "dateModified",
                 "last-modified", "dcterms.modified", "article.updated")
AUTHOR_META = ("article:author", "author", "dable:author", "byl", "parsely-author", "sailthru.author",
               "dc.creator", "citation_author", "og:article:author")
_TITLE_SEPARATORS = re.compile(r"\s+[|\-–—:·»]\s+|\s*[|｜]\s*")
_HANGUL = re.compile(r"[가-힣]")


class NotAnArticle(Exception):
    """The response is not an article page (deleted article, error page, list page)."""


class ArticlePage:
    family = "meta"
    #: Query parameter holding the article key; None when the key is not in the query.
    article_key_param: str | None = None

    def __init__(self, response: TextResponse, site: SiteConfig) -> None:
        self.response = response
        self.site = site
        self.sel: Selector = response.selector
        self.provenance: dict[str, str] = {}

    # -- helpers ------------------------------------------------------------------
    def meta(self, *names: str) -> str | None:
        """First non-empty <meta property|name|itemprop=...> content among ``names`` (case-insensitive)."""
        found = self._meta_index
        for name in names:
            value = found.get(name.lower())
            if value:
                return value
        return None

    @cached_property
    def _meta_index(self) -> dict[str, str]:
        index: dict[str, str] = {}
        for node in self.sel.xpath("//meta[@content]"):
            key = node.attrib.get("property") or node.attrib.get("name") or node.attrib.get("itemprop")
            value = normalize_space(node.attrib.get("content"))
            if key and value:
                index.setdefault(key.lower(), value)
        for node in self.sel.xpath("//*[@itemprop='datePublished' or @itemprop='dateModified'][@datetime]"):
            index.setdefault(node.attrib["itemprop"].lower(), node.attrib["datetime"])
        return index

    def text(self, css: str) -> str | None:
        node = self.sel.css(css)
        if not node:
            return None
        return normalize_space(" ".join(node[0].css("::text").getall())) or None

    def _pick(self, field: str, *candidates: tuple[str, Any]) -> Any:
        """First truthy candidate value; its source name goes into provenance."""
        for source, value in candidates:
            if value:
                self.provenance[field] = source
                return value
        return None

    @cached_property
    def ld(self) -> dict[str, Any]:
        """The page's JSON-LD article object ({} when none)."""
        return jsonld.article_object(self.sel.xpath('//script[@type="application/ld+json"]/text()').getall())

    @cached_property
    def is_korean(self) -> bool:
        lang = (self.sel.xpath("/html/@lang").get() or self.site.language or "").lower()
        return lang.startswith("ko") or bool(_HANGUL.search(self.meta("og:title") or ""))

    # -- family hooks (override in subclasses) ------------------------------------------
    def is_article(self) -> bool:
        return bool(self.meta("og:title") or self.ld or self.sel.css("title::text").get())

    def key(self) -> str | None:
        if self.article_key_param:
            return query_param(self.response.url, self.article_key_param)
        return None

    def family_title(self) -> str | None:
        return None

    def family_section(self) -> str | None:
        return None

    def family_subtitles(self) -> list[str]:
        return []

    def family_bylines(self) -> list[Byline]:
        return []

    def family_dates(self) -> tuple[tuple[str, datetime] | None, tuple[str, datetime] | None]:
        """((published_raw, published), (modified_raw, modified)); either may be None."""
        return None, None

    def family_body_element(self) -> Any:
        """The lxml element holding the article body, or None."""
        return None

    def body_skip_classes(self) -> tuple[str, ...]:
        return ()

    # -- generic candidates --------------------------------------------------------------
    def site_names(self) -> set[str]:
        names = {self.site.name, self.meta("og:site_name"), jsonld.text_value((self.ld.get("publisher") or {}).get(
            "name") if isinstance(self.ld.get("publisher"), dict) else None)}
        return {normalize_space(n).casefold() for n in names if n}

    def strip_site_name(self, title: str | None) -> str | None:
        """'Headline | Site' -> 'Headline' when one side is the site's name."""
        if not title:
            return None
        title = normalize_space(title)
        parts = _TITLE_SEPARATORS.split(title)
        if len(parts) > 1:
            names = self.site_names()
            host = (self.site.slug or "").casefold()
            kept = [p for p in parts if p.casefold() not in names and p.casefold() != host
                    and not any(n and n in p.casefold() and len(p) <= len(n) + 6 for n in names)]
            if kept and len(kept) < len(parts):
                return normalize_space(title[: title.find(kept[-1]) + len(kept[-1])][title.find(kept[0]):])
        return title

    def h1(self) -> str | None:
        for text in self.sel.css("h1").xpath("normalize-space(string())").getall():
            text = normalize_space(text)
            if len(text) >= 5:
                return text
        return None

    def visible_dates(self) -> tuple[tuple[str, datetime] | None, tuple[str, datetime] | None]:
        """Labelled dates (입력/등록/수정 ...) shown in the page, outside scripts and lists of other articles."""
        published = modified = None
        texts = self.sel.xpath(
            "//body//text()[not(ancestor::script) and not(ancestor::style) and not(ancestor::a)"
            " and not(ancestor::li[.//a and not(ancestor::*[contains(@class,'info')])])]").getall()
        blob = normalize_space(" ".join(t for t in texts if len(t) < 200 and re.search(r"\d", t) or len(t) < 20))
        for found in find_dates(blob):
            if found.kind == "published" and published is None:
                published = (found.raw, found.value)
            elif found.kind == "modified" and modified is None:
                modified = (found.raw, found.value)
            if published and modified:
                break
        return published, modified

    # -- fields ---------------------------------------------------------------------
    def canonical(self) -> str:
        if self.article_key_param and self.key() is not None:
            return canonical_url(self.response.url, keep=(self.article_key_param,), base_url=self.site.base_url)
        link = self.sel.css('link[rel="canonical"]::attr(href)').get()
        return canonical_url(self.response.urljoin(link) if link else self.response.url)

    def title(self) -> str | None:
        return self._pick(
            "title",
            (self.family, self.family_title()),
            ("jsonld", normalize_space(jsonld.text_value(self.ld.get("headline")))),
            ("meta:og", self.strip_site_name(self.meta("og:title", "twitter:title"))),
            ("html:h1", self.h1()),
            ("html:title", self.strip_site_name(self.sel.css("title::text").get())),
        )

    def section(self) -> str | None:
        return self._pick("section", (self.family, self.family_section()), ("meta", self.meta("article:section")),
                          ("jsonld", jsonld.text_value(self.ld.get("articleSection"))))

    def _dated(self, raw: str | None) -> tuple[str, datetime] | None:
        value = parse_datetime(raw) if raw else None
        return (raw, value) if raw and value else None

    def dates(self) -> tuple[tuple[str, datetime] | None, tuple[str, datetime] | None]:
        fam_pub, fam_mod = self.family_dates()
        candidates_pub: list[tuple[str, tuple[str, datetime] | None]] = [(self.family, fam_pub)]
        candidates_mod: list[tuple[str, tuple[str, datetime] | None]] = [(self.family, fam_mod)]
        ld_pub = self._dated(jsonld.text_value(self.ld.get("datePublished")) or
                             jsonld.text_value(self.ld.get("dateCreated")))
        ld_mod = self._dated(jsonld.text_value(self.ld.get("dateModified")))
        meta_pub = self._dated(self.meta(*PUBLISHED_META))
        meta_mod = self._dated(self.meta(*MODIFIED_META))
        machine_pub = [("jsonld", ld_pub), ("meta", meta_pub)]
        machine_mod = [("jsonld", ld_mod), ("meta", meta_mod)]
        if self.is_korean:
            # Korean pages show the time readers see next to the headline; metadata is often the
            # CMS's internal time. Visible labels first (see ../shared/corpus/README.md).
            vis_pub, vis_mod = self.visible_dates()
            candidates_pub += [("visible", vis_pub), *machine_pub]
            candidates_mod += [("visible", vis_mod), *machine_mod]
        else:
            candidates_pub += machine_pub
            candidates_mod += machine_mod
        published = self._pick("published_at", *candidates_pub)
        if published is None and not self.is_korean:
            published = self._pick("published_at", ("visible", self.visible_dates()[0]))
        modified = self._pick("modified_at", *candidates_mod)
        return published, modified

    def bylines(self) -> list[Byline]:
        found = self.family_bylines()
        if found:
            self.provenance["authors"] = self.family
            return found
        ld_names = jsonld.person_names(self.ld.get("author"))
        if ld_names:
            found = [b for name in ld_names for b in (parse_byline(name) or [Byline(name=name)])]
            if found:
                self.provenance["authors"] = "jsonld"
                return found
        author = self.meta(*AUTHOR_META)
        if author and not author.startswith("http"):
            found = parse_byline(author) or ([Byline(name=author)] if not self.is_korean and len(author) < 60 else [])
            if found:
                self.provenance["authors"] = "meta"
        return found

    def body(self) -> tuple[list[str], list[dict[str, str | None]]]:
        element = self.family_body_element()
        if element is not None:
            parts = body_parts(element, self.response.url, self.body_skip_classes())
            if parts.paragraphs:
                self.provenance["body"] = self.family
                if parts.images:
                    self.provenance["images"] = self.family
                return parts.paragraphs, parts.images
        paragraphs = main_text(self.sel.root, self.response.url)
        if paragraphs:
            self.provenance["body"] = "maintext"
            return paragraphs, []
        article_body = jsonld.text_value(self.ld.get("articleBody"))
        if article_body:
            self.provenance["body"] = "jsonld"
            return [p for p in re.split(r"\n\s*\n|\r\n", article_body) if p.strip()], []
        return [], []

    def to_item(self) -> Article:
        """The article as extracted, before cleaning (``newscrawl.pipelines.clean``)."""
        if not self.is_article():
            raise NotAnArticle(self.response.url)
        published, modified = self.dates()
        paragraphs, images = self.body()
        bylines = self.bylines()
        subtitles = self.family_subtitles()
        if subtitles:
            self.provenance["subtitles"] = self.family
        key = self.key()
        return Article(
            url=self.response.url,
            canonical_url=self.canonical(),
            article_id=article_id(self.site.slug, key) if key else None,
            site=self.site.slug,
            site_name=self.site.name,
            section=self.section(),
            title=self.title(),
            subtitles=subtitles,
            authors=[b.name for b in bylines],
            bylines=[b.as_dict() for b in bylines],
            published_at=published[1] if published else None,
            published_at_raw=published[0] if published else None,
            modified_at=modified[1] if modified else None,
            modified_at_raw=modified[0] if modified else None,
            body="\n\n".join(paragraphs) or None,
            images=images,
            language=self.site.language,
            crawled_at=datetime.now(UTC).replace(microsecond=0),
            extractor=dict(self.provenance),
        )
