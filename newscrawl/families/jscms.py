"""A JavaScript-built CMS (the demo's 바다일보, ``demo/jscms.py``): lists written by script, some bodies too.

URLs: home ``/`` (section menu ``nav.gnb a[href="/section/CODE"]``), list ``/section/CODE``,
article ``/article/ID`` (``ID`` is the article key, in the path). The server HTML of a list
page holds no article link and no page link: a script fills ``ul.article-list`` from a JSON
endpoint (``/api/list?section=CODE&page=N``), one page per click of ``button.btn-more`` (더보기).
So a list is read from the *rendered* DOM (:data:`FAMILY`'s ``render`` plan clicks the button
until it hides or adds nothing), and a section has one list URL: :func:`list_url` gives the
same ``/section/CODE`` for every page and :meth:`JscmsSectionPage.next_page_url` is None (the
whole list is on the rendered page 1).

Rendered list rows: ``li.list-item > a.list-title[href] + time.list-date[datetime]`` (ISO 8601
with offset). Article pages: ``h1.article-title``, ``p.article-subtitle``, ``p.article-section a``,
``div.article-meta`` with ``span.reporter`` (``span.name``, ``span.email``), ``span.date-published``
(입력) and ``span.date-modified`` (수정), body ``div#article-body`` of ``<p>`` and ``figure.photo``.
Some articles get their body from script too: then the server HTML has the body element
*empty*, and the page reports no body (no text is taken from elsewhere on the page), so a
crawl that fetched it without a browser can tell it needs rendering
(:meth:`JscmsArticlePage.body_needs_script`).
"""

from __future__ import annotations

import re
from datetime import datetime
from functools import cached_property
from typing import Any
from urllib.parse import quote

from parsel import Selector

from newscrawl.families.base import Family
from newscrawl.pages.article import ArticlePage
from newscrawl.pages.fallbacks import Body
from newscrawl.pages.section import SectionLink, SectionPage
from newscrawl.parsing.bylines import Byline, parse_byline
from newscrawl.parsing.dates import parse_labelled
from newscrawl.parsing.text import normalize_space, numeric_key
from newscrawl.parsing.urls import canonical_url, url_path
from newscrawl.render.actions import RenderPlan, parse_actions

NAME = "jscms"
ARTICLE_PATH_RE = re.compile(r"^/article/(\d+)/?$")
LIST_PATH_RE = re.compile(r"^/section/([a-z0-9][a-z0-9_-]*)/?$")
#: The body container; present (and empty) on the server HTML of a script-body article.
BODY_CSS = "#article-body, div.article-body"
#: Markup of this CMS's pages (menu, script-filled list, article): what ``scrapy probe`` needs besides
#: ``/article/ID`` links, a pattern too common to name the CMS alone.
MARKERS = ('nav.gnb a[href^="/section/"]', "ul.article-list", "button.btn-more", "article.news-article",
           "h1.article-title", "div.article-meta span.date-published")

#: Lists need the browser: wait for the first rows, then click 더보기 until it hides (the script sets
#: display:none on the last page) or a click adds no link. 30 clicks = 310 entries per section.
RENDER = RenderPlan(
    mode="lists",
    list_actions=parse_actions([
        {"wait": "ul.article-list li.list-item"},
        {"click": "button.btn-more", "max": 30, "until_no_new": "ul.article-list li.list-item a"},
    ], "jscms list_actions"),
    article_actions=parse_actions([{"wait": ".article-body p", "timeout": 5}], "jscms article_actions"),
)


def home_url(base_url: str) -> str:
    return base_url.rstrip("/") + "/"


def list_url(base_url: str, section: str, page: int = 1) -> str:
    """The section's list page; the same URL for every ``page`` (pagination exists only in script)."""
    return f"{base_url.rstrip('/')}/section/{quote(section, safe='')}"


def list_page(url: str) -> tuple[str, int] | None:
    """``(section code, 1)`` of a section list URL, or None."""
    m = LIST_PATH_RE.match(url_path(url))
    return (m.group(1), 1) if m else None


def article_url(base_url: str, key: str | int) -> str:
    return f"{base_url.rstrip('/')}/article/{key}"


def article_key(url: str) -> str | None:
    """The id of an ``/article/ID`` URL without leading zeros, or None."""
    m = ARTICLE_PATH_RE.match(url_path(url))
    return numeric_key(m.group(1)) if m else None


def _text(node: Selector) -> str:
    return normalize_space(" ".join(node.css("::text").getall()))


class JscmsArticlePage(ArticlePage):
    family = NAME
    closing_tags_required = True

    def is_article(self) -> bool:
        # A deleted article is a 404 "기사를 찾을 수 없습니다" page without this markup.
        return bool(self.sel.css("article.news-article h1.article-title, h1.article-title")) or self.declares_article()

    def key(self) -> str | None:
        return article_key(self.response.url)

    def canonical(self) -> str:
        key = self.key()
        if key is None:
            return super().canonical()
        return canonical_url(article_url(self.site.base_url, key), keep=(), base_url=self.site.base_url)

    def family_title(self) -> str | None:
        return self.inputs.text("h1.article-title")

    def family_section(self) -> str | None:
        names = [n for n in (_text(a) for a in self.sel.css("p.article-section a")) if n]
        return names[-1] if names else None

    def family_subtitles(self) -> list[str]:
        return list(dict.fromkeys(t for t in (_text(p) for p in self.sel.css("p.article-subtitle")) if t))

    def family_dates(self) -> tuple[tuple[str, datetime] | None, tuple[str, datetime] | None]:
        published = modified = None
        for css in ("div.article-meta span.date-published", "div.article-meta span.date-modified"):
            for node in self.sel.css(css):
                text = _text(node)
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
        for box in self.sel.css("div.article-meta span.reporter"):
            name = " ".join(t for t in (_text(n) for n in box.css(".name")) if t)
            email = _text(box.css(".email")[0]) if box.css(".email") else ""
            if name:
                # parse_byline checks the name (and drops a role word); the e-mail comes from its own span.
                for byline in parse_byline(f"{name} 기자") or [Byline(name)]:
                    found.append(Byline(byline.name, None, email or None))
        return found

    @cached_property
    def _body_node(self) -> Any:
        nodes = self.sel.css(BODY_CSS)
        return nodes[0] if nodes else None

    def family_body_element(self) -> Any:
        return self._body_node.root if self._body_node is not None else None

    def body_needs_script(self) -> bool:
        """Whether the body container is here but empty: the page was fetched without running its
        script (a script-body article); rendering it would give the body."""
        node = self._body_node
        return node is not None and not normalize_space(" ".join(node.css("::text").getall())) \
            and not node.css("img")

    def body(self) -> Body:
        if self.body_needs_script():
            # The CMS's own body element is empty: no body. Never fall back to other text on the page
            # (menu, footer), so the item is rejected for its missing body and can be rendered instead.
            return Body([])
        return super().body()


class JscmsSectionPage(SectionPage):
    """A section list as the browser left it: every row the script added (the raw HTML has none)."""

    ROW_CSS = "ul.article-list li.list-item, #article-list li"

    def row_link(self, row: Selector) -> tuple[str | None, str | None]:
        link = row.css("a.list-title") or row.css('a[href*="/article/"]')
        if not link:
            return None, None
        return link[0].attrib.get("href"), " ".join(link[0].css("::text").getall())

    def row_date(self, row: Selector) -> str | None:
        time = row.css("time.list-date, time")
        if not time:
            return None
        return time[0].attrib.get("datetime") or " ".join(time[0].css("::text").getall())

    def article_key(self, url: str) -> str | None:
        return article_key(url)

    def current_page(self) -> int:
        return 1

    def next_page_url(self) -> str | None:
        # Pagination is the 더보기 button: the rendered page already holds every page the clicks loaded.
        return None

    def sections(self) -> list[SectionLink]:
        out: dict[str, SectionLink] = {}
        for a in self.sel.css('nav.gnb a[href], a[href*="/section/"]'):
            url = self.response.urljoin(a.attrib["href"])
            listed = list_page(url)
            if listed is None or listed[0] in out:
                continue
            code = listed[0]
            out[code] = SectionLink(code=code, name=_text(a) or None, url=list_url(self.site.base_url, code))
        return list(out.values())


FAMILY = Family(name=NAME, article_page=JscmsArticlePage, article_key=article_key, section_page=JscmsSectionPage,
                home_url=home_url, list_url=list_url, list_page=list_page, render=RENDER,
                # ``/article/ID`` is far too common to mean this CMS: its outlets are named (catalog or -a).
                claims_urls=False, markers=MARKERS)
