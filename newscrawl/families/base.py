"""The CMS-family contract, as one typed record.

A family is a CMS (다다미디어, NDSoft, ...): how its URLs look, what the article key is,
and which page classes read its article and list pages. Each family module ends with one
``FAMILY = Family(...)``; :data:`newscrawl.families.FAMILIES` lists them.
"""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import urlsplit

import attrs

from newscrawl.pages.article import ArticlePage
from newscrawl.pages.section import SectionPage
from newscrawl.render.actions import RenderPlan


@attrs.frozen
class Family:
    """One CMS family."""

    #: Registry key, the catalog's ``family = "..."`` and (for crawlable families) a spider name.
    name: str
    #: Reads one article page of this CMS (a subclass of :class:`ArticlePage`).
    article_page: type[ArticlePage]
    #: The article key of a URL of this CMS, or None when the URL is not one of its articles.
    article_key: Callable[[str], str | None]
    #: Query parameter that holds the article key (kept by URL canonicalisation), if any.
    key_param: str | None = None
    #: Reads one section list page; None for families without lists (nothing to crawl).
    section_page: type[SectionPage] | None = None
    #: ``home_url(base_url)``: the page whose menu lists the sections.
    home_url: Callable[[str], str] | None = None
    #: ``list_url(base_url, section_code, page)``: one page of a section list.
    list_url: Callable[[str, str, int], str] | None = None
    #: ``list_page(url)``: the ``(section_code, page)`` a URL of this CMS lists, or None when it is
    #: not a section list (the inverse of :attr:`list_url`; ``scrapy parse`` dispatches on it).
    list_page: Callable[[str], tuple[str, int] | None] | None = None
    #: What this CMS needs from a browser by default (a catalog outlet's ``render``/``*_actions`` override it).
    render: RenderPlan = attrs.field(factory=RenderPlan)
    #: Whether a URL matching :attr:`article_key` is enough to say an unknown outlet runs this CMS
    #: (:func:`newscrawl.families.resolve`); False for a pattern as common as ``/article/ID``.
    claims_urls: bool = True
    #: CSS selectors of markup only this CMS's pages carry (home, list or article page): evidence for
    #: ``scrapy probe`` when it detects the CMS of a new outlet (:mod:`newscrawl.detect`).
    markers: tuple[str, ...] = ()
    #: Case-insensitive substrings of a ``<meta name="generator">`` this CMS writes (none known yet).
    generators: tuple[str, ...] = ()

    def matches_url(self, url: str) -> bool:
        """Whether ``url`` looks like an article of this CMS."""
        return self.article_key(url) is not None

    def is_home(self, url: str) -> bool:
        """Whether ``url`` is the home page (the section menu): the path of :attr:`home_url`, no query."""
        if self.home_url is None:
            return False
        parts = urlsplit(url)
        home = urlsplit(self.home_url(f"{parts.scheme}://{parts.netloc}"))
        return not parts.query and (parts.path or "/") == (home.path or "/")

    @property
    def crawlable(self) -> bool:
        """Whether outlets of this family can be crawled section by section."""
        return self.section_page is not None and self.home_url is not None and self.list_url is not None
