"""SectionPage: one list page in, article links and the next page out.

Like article pages, a pure function of the response. Spiders decide what to do with
the links (skip known ones, stop at ``since``); the page only says what is listed.
"""

from __future__ import annotations

from datetime import datetime

import attrs
from scrapy.http import TextResponse

from newscrawl.sites import SiteConfig


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
    def __init__(self, response: TextResponse, site: SiteConfig) -> None:
        self.response = response
        self.site = site
        self.sel = response.selector

    def entries(self) -> list[ListEntry]:
        raise NotImplementedError

    def next_page_url(self) -> str | None:
        raise NotImplementedError

    def sections(self) -> list[SectionLink]:
        """Sections linked from this page's menu (used on the home page for discovery)."""
        raise NotImplementedError
