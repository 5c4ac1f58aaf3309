"""다다미디어 PHP CMS (뉴스21 통신 and peers).

URLs: list ``/news/list.php?mcode=CODE&page=N``, article ``/news/view.php?idx=N``
(``mcode`` only records the menu a link came from). Selectors follow the markup of
the seed page (``../shared/docs/SITES.md`` §1); every field falls back to metadata
through :class:`~newscrawl.pages.article.ArticlePage`.
"""

from __future__ import annotations

import re
from datetime import datetime
from functools import cached_property
from typing import Any
from urllib.parse import urlencode, urlsplit

from parsel import Selector

from newscrawl.families.base import Family
from newscrawl.pages.article import ArticlePage
from newscrawl.pages.section import SectionLink, SectionPage
from newscrawl.parsing.bylines import Byline, parse_byline
from newscrawl.parsing.dates import parse_datetime, parse_labelled
from newscrawl.parsing.text import normalize_space, numeric_key
from newscrawl.parsing.urls import canonical_url, query_param, url_path

NAME = "dada"
ARTICLE_KEY = "idx"
ARTICLE_PATHS = ("/news/view.php", "/m/view.php")
LIST_PATH = "/news/list.php"
#: The mobile article path; its pages are the desktop article's (the demo CMS redirects one to the other).
MOBILE_PATH = "/m/view.php"
#: Menu codes of real sections ('m48qmuj', 'm101sc2a'); other list.php links (best-of lists) are not sections.
MCODE_RE = re.compile(r"^m\d{2,3}[0-9a-z]{4}$")
#: Markup of this CMS's pages (article head and body, list rows): what ``scrapy probe`` looks for.
MARKERS = ("div.viewContentWrap", "#viewContent", "ul.info-text", "div.basicList dt.title", ".article-head-nav")


def list_url(base_url: str, section: str, page: int = 1) -> str:
    query = {"mcode": section} if page <= 1 else {"mcode": section, "page": page}
    return f"{base_url.rstrip('/')}{LIST_PATH}?{urlencode(query)}"


def list_page(url: str) -> tuple[str, int] | None:
    """``(mcode, page)`` of a section list URL, or None."""
    code = query_param(url, "mcode")
    if not url_path(url).endswith(LIST_PATH) or not code:
        return None
    return code, max(1, int(numeric_key(query_param(url, "page")) or 1))


def home_url(base_url: str) -> str:
    return base_url.rstrip("/") + "/"


def article_key(url: str) -> str | None:
    """The ``idx`` of an article URL without leading zeros (``idx=01042`` is article 1042), or None."""
    if not url_path(url).endswith(ARTICLE_PATHS):
        return None
    return numeric_key(query_param(url, ARTICLE_KEY))



class DadaArticlePage(ArticlePage):
    family = NAME
    article_key_param = ARTICLE_KEY
    closing_tags_required = True

    def is_article(self) -> bool:
        return bool(self.sel.css(".article-head-title")) or self.declares_article()

    def key(self) -> str | None:
        return article_key(self.response.url)

    def canonical(self) -> str:
        key = self.key()
        if key is None:
            return super().canonical()
        # The normalised key, not the URL's spelling of it: idx=01042 and idx=1042 are one article;
        # the mobile path collapses onto the desktop one (one article, one canonical URL).
        path = urlsplit(canonical_url(self.response.url, keep=())).path
        if path.endswith(MOBILE_PATH):
            path = path.removesuffix(MOBILE_PATH) + ARTICLE_PATHS[0]
        return canonical_url(f"{self.site.base_url.rstrip('/')}{path}?{urlencode({ARTICLE_KEY: key})}",
                             keep=(ARTICLE_KEY,), base_url=self.site.base_url)

    def family_title(self) -> str | None:
        return self.inputs.text(".article-head-title")

    def family_section(self) -> str | None:
        names = [normalize_space(t) for t in self.sel.css(".article-head-nav a::text").getall()]
        names = [n for n in names if n and n.casefold() not in ("홈", "home")]
        return names[-1] if names else None

    def family_subtitles(self) -> list[str]:
        return [s for s in (normalize_space(" ".join(li.css("::text").getall()))
                            # ul.subj li (reported) or .subj ul li (SITES.md §4); the union is in page order, once each.
                            for li in self.sel.css("#viewContent ul.subj li, #viewContent .subj ul li")) if s]

    @cached_property
    def _info_items(self) -> list[str]:
        return [s for s in (normalize_space(" ".join(li.css("::text").getall()))
                            for li in self.sel.css("ul.info-text li")) if s]

    def family_dates(self) -> tuple[tuple[str, datetime] | None, tuple[str, datetime] | None]:
        published = modified = None
        for text in self._info_items:
            labelled = parse_labelled(text)
            if labelled is None:
                continue
            if labelled.kind == "modified":
                modified = modified or (text, labelled.value)
            elif labelled.kind == "published":
                published = published or (text, labelled.value)
        return published, modified

    def family_bylines(self) -> list[Byline]:
        found: list[Byline] = []
        for text in self._info_items:
            if parse_datetime(text) is not None:
                continue
            found.extend(parse_byline(text))
        return found

    def family_body_element(self) -> Any:
        for css in ("#viewContent .fr-view", "div.viewContentWrap #viewContent", "#viewContent"):
            nodes = self.sel.css(css)
            if nodes:
                return nodes[0].root
        return None

    def body_skip_classes(self) -> tuple[str, ...]:
        return ("subj", "article-like", "article-util", "article-prev-next", "article-edit")


class DadaSectionPage(SectionPage):
    ROW_CSS = "div.basicList dl, div.basicList li"

    def row_link(self, row: Selector) -> tuple[str | None, str | None]:
        href = row.css('dt.title a::attr(href), a[href*="view.php?idx="]::attr(href)').get()
        return href, " ".join(row.css("dt.title a::text, dt a::text").getall())

    def row_date(self, row: Selector) -> str | None:
        return row.css("dd.registDate::text").get()

    def article_key(self, url: str) -> str | None:
        return article_key(url)

    def next_page_url(self) -> str | None:
        mcode = query_param(self.response.url, "mcode")
        wanted = self.current_page() + 1
        for href in self.sel.css(".paging a::attr(href), .pagination a::attr(href)").getall():
            url = self.response.urljoin(href)
            page = query_param(url, "page")
            if page == str(wanted) and query_param(url, "mcode") == mcode:
                return url
        return None

    def sections(self) -> list[SectionLink]:
        out: dict[str, SectionLink] = {}
        for a in self.sel.css('a[href*="list.php?mcode="]'):
            url = self.response.urljoin(a.attrib["href"])
            code = query_param(url, "mcode")
            if not code or not MCODE_RE.match(code) or code in out or query_param(url, "page") not in (None, "1"):
                continue
            out[code] = SectionLink(code=code, name=normalize_space(" ".join(a.css("::text").getall())) or None,
                                    url=url)
        return list(out.values())


FAMILY = Family(name=NAME, article_page=DadaArticlePage, article_key=article_key, key_param=ARTICLE_KEY,
                section_page=DadaSectionPage, home_url=home_url, list_url=list_url, list_page=list_page,
                markers=MARKERS)
