"""SectionPage: one list page in, article links and the next page out.

Like article pages, a pure function of the response. Spiders decide what to do with
the links (skip known ones, stop at ``since``); the page only says what is listed.
"""

from __future__ import annotations

from datetime import datetime

import attrs
from parsel import Selector
from scrapy.http import TextResponse

from newscrawl.catalog import Outlet
from newscrawl.parsing.dates import parse_datetime
from newscrawl.parsing.text import normalize_space
from newscrawl.parsing.urls import query_param


@attrs.frozen
class ListEntry:
    """One article as a list page shows it."""

    url: str
    key: str
    title: str | None = None
    date: datetime | None = None  # list date (often day precision), used for ``since``


@attrs.frozen
class SectionLink:
    code: str
    name: str | None
    url: str


class SectionPage:
    """List page of one family. Families give the row selector and three small hooks; the loop
    (absolute URL, article key, one entry per key, date parsing) is shared."""

    #: CSS of one listed article.
    ROW_CSS = ""

    def __init__(self, response: TextResponse, site: Outlet) -> None:
        self.response = response
        self.site = site
        self.sel = response.selector

    def row_link(self, row: Selector) -> tuple[str | None, str | None]:
        """(href, title) of a row's article link."""
        raise NotImplementedError

    def row_date(self, row: Selector) -> str | None:
        """The row's date text as shown, if any."""
        return None

    def article_key(self, url: str) -> str | None:
        """The article key of ``url``, or None when it is not an article URL."""
        raise NotImplementedError

    def current_page(self) -> int:
        """The 1-based ``page`` query parameter (both CMS families paginate with it)."""
        page = query_param(self.response.url, "page")
        return int(page) if page and page.isdigit() else 1

    def entries(self) -> list[ListEntry]:
        out: list[ListEntry] = []
        seen: set[str] = set()
        for row in self.sel.css(self.ROW_CSS):
            href, title = self.row_link(row)
            if not href:
                continue
            url = self.response.urljoin(href)
            key = self.article_key(url)
            if key is None or key in seen:
                continue
            seen.add(key)
            raw_date = normalize_space(self.row_date(row))
            out.append(ListEntry(url=url, key=key, title=normalize_space(title) or None,
                                 date=parse_datetime(raw_date) if raw_date else None))
        return out

    def next_page_url(self) -> str | None:
        raise NotImplementedError

    def sections(self) -> list[SectionLink]:
        """Sections linked from this page's menu (used on the home page for discovery)."""
        raise NotImplementedError
