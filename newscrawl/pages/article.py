"""ArticlePage: one response in, one ``Article`` out.

A page is a pure function of the response and the outlet's ``SiteConfig``: no
crawler, no settings, no I/O, so it is tested on saved HTML files. A family
subclass overrides the ``family_*`` methods with its selectors; each field falls
back, in order, to the family selector and then to page metadata (OpenGraph,
``article:*`` meta, ``<title>``), so one broken selector degrades a field, never the
crawl. ``extractor`` records which path produced each field.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from parsel import Selector
from scrapy.http import TextResponse

from newscrawl.items import Article
from newscrawl.parsing.bylines import Byline, parse_byline
from newscrawl.parsing.dates import parse_datetime
from newscrawl.parsing.html import body_parts
from newscrawl.parsing.text import normalize_space
from newscrawl.parsing.urls import article_id, canonical_url
from newscrawl.sites import SiteConfig


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
        """First non-empty <meta property|name=...> content among ``names``."""
        for name in names:
            value = self.sel.xpath(f'//meta[@property="{name}" or @name="{name}"]/@content').get()
            if value and value.strip():
                return normalize_space(value)
        return None

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

    # -- family hooks (override in subclasses) ------------------------------------------
    def is_article(self) -> bool:
        return bool(self.meta("og:title") or self.sel.css("title::text").get())

    def key(self) -> str | None:
        if self.article_key_param:
            from newscrawl.parsing.urls import query_param

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

    # -- fields ---------------------------------------------------------------------
    def canonical(self) -> str:
        key = self.key()
        if key is not None and self.article_key_param:
            return canonical_url(self.response.url, keep=(self.article_key_param,), base_url=self.site.base_url)
        link = self.sel.css('link[rel="canonical"]::attr(href)').get()
        return canonical_url(self.response.urljoin(link) if link else self.response.url)

    def title(self) -> str | None:
        return self._pick(
            "title",
            (self.family, self.family_title()),
            ("meta:og", self.meta("og:title", "twitter:title")),
            ("html:title", normalize_space(self.sel.css("title::text").get())),
        )

    def section(self) -> str | None:
        return self._pick("section", (self.family, self.family_section()), ("meta", self.meta("article:section")))

    def dates(self) -> tuple[tuple[str, datetime] | None, tuple[str, datetime] | None]:
        published, modified = self.family_dates()
        if published:
            self.provenance["published_at"] = self.family
        else:
            raw = self.meta("article:published_time", "og:article:published_time", "pubdate", "date")
            value = parse_datetime(raw) if raw else None
            if raw and value:
                published = (raw, value)
                self.provenance["published_at"] = "meta"
        if modified:
            self.provenance["modified_at"] = self.family
        else:
            raw = self.meta("article:modified_time", "og:updated_time")
            value = parse_datetime(raw) if raw else None
            if raw and value:
                modified = (raw, value)
                self.provenance["modified_at"] = "meta"
        return published, modified

    def bylines(self) -> list[Byline]:
        found = self.family_bylines()
        if found:
            self.provenance["authors"] = self.family
            return found
        author = self.meta("article:author", "author", "dable:author")
        if author and not author.startswith("http"):
            found = parse_byline(author)
            if found:
                self.provenance["authors"] = "meta"
        return found

    def body(self) -> tuple[list[str], list[dict[str, str | None]]]:
        element = self.family_body_element()
        if element is None:
            return [], []
        parts = body_parts(element, self.response.url, self.body_skip_classes())
        if parts.paragraphs:
            self.provenance["body"] = self.family
        if parts.images:
            self.provenance["images"] = self.family
        return parts.paragraphs, parts.images

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
