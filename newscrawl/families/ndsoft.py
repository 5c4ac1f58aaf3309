"""NDSoft CMS: the most common CMS of Korean regional papers (중부일보, 인천일보, 경남도민일보 ...).

URLs: list ``/news/articleList.html?sc_section_code=S1N1&view_type=sm&page=N``
(sub-sections ``sc_sub_section_code=S2N5``), article ``/news/articleView.html?idxno=N``;
older installs answer ``/?mod=news&act=articleView&idxno=N`` for the same article.
``idxno`` is the article key, so every URL variant gets one canonical URL.

NDSoft outlets run one of two skins, and a site can carry both (old articles keep the
old skin after a migration), so one page class reads both and picks by markup:

* **2017 skin** (seen in real HTML, ``../shared/docs/SITES.md`` §2): ``div.article-head-title``;
  ``div.info-text ul li`` (``정진영 기자``, ``승인 2017.12.18 17:34``); body
  ``div#article-view-content-div.article-veiw-body`` (sic); reporter box ``div.view-editors``.
* **2020+ skin** (*reported*): ``h1.heading``, ``h2.subheading``/``h4.subheading``;
  ``ul.infomation li`` (``입력 …``, ``수정 …``, ``홍길동 기자``); ``article#article-view-content-div``;
  reporter box ``article.writer``; copyright ``article.article-copy``/``.view-copyright``;
  lists ``#section-list > ul > li``.

Markup marked *assumption* below was invented by us where the notes say nothing; every
field still falls back to ``article:*``/OpenGraph meta through
:class:`~newscrawl.pages.article.ArticlePage`, so a wrong guess degrades one field only.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any
from urllib.parse import urlencode

from parsel import Selector

from newscrawl.families.base import Family
from newscrawl.pages.article import ArticlePage
from newscrawl.pages.section import SectionLink, SectionPage
from newscrawl.parsing.bylines import Byline, merge_bylines, parse_byline
from newscrawl.parsing.dates import LabelledDate, find_dates, parse_datetime
from newscrawl.parsing.html import body_parts
from newscrawl.parsing.text import normalize_space, numeric_key
from newscrawl.parsing.urls import canonical_url, query_param, url_path

NAME = "ndsoft"
ARTICLE_KEY = "idxno"
ARTICLE_PATH = "/news/articleView.html"
LIST_PATH = "/news/articleList.html"
#: Paths of the older ``/?mod=news&act=articleView&idxno=N`` form.
LEGACY_PATHS = ("", "/", "/index.html", "/index.php")
#: Top sections are S1N<k>, sub-sections S2N<k>; other codes (serials, areas) are not sections.
SECTION_CODE_RE = re.compile(r"^S1N\d+$")
SUB_SECTION_CODE_RE = re.compile(r"^S2N\d+$")
#: When a page shows several publication labels, the public release time wins:
#: 승인 (approved = went online) before 입력 (typed in), then anything else.
PUBLISHED_LABEL_ORDER = ("승인", "입력", "등록")

# Selectors, newest skin first. Classes without a source in SITES.md are our assumption.
TITLE_CSS = ("h1.heading", "header.article-view-header .heading", "div.article-head-title", ".article-head-title")
SUBTITLE_CSS = ("h2.subheading", "h4.subheading", "div.article-head-sub-title")  # last one: assumption (2017)
INFO_CSS = ("ul.infomation li", "div.info-text ul li", "ul.info-text li")
BODY_CSS = ("#article-view-content-div", "[itemprop=articleBody]", ".article-veiw-body", ".article-view-body")
#: Breadcrumbs: only links to list pages count (assumption: class names vary between installs).
BREADCRUMB_CSS = ".breadcrumbs a, .breadcrumb a, nav.location a, .article-head-nav a, .location a"
REPORTER_BOX_CSS = "article.writer, div.view-editors, .view-editors"
#: Markup of this CMS's pages (page frame, both skins' article and list markup): what ``scrapy probe`` looks for.
#: The ``user-*`` frame ids are the NDSoft templates' (assumption: seen in both skins' notes, not in real HTML here).
MARKERS = ("#user-header", "#user-container", "#article-view-content-div", "ul.infomation", "div.info-text",
           "#section-list", "div.list-block", "div.view-editors", "article.writer")
#: Inside the body element these are chrome, never article text: reporter boxes (2017, 2020),
#: copyright notes, share buttons, ad slots and related-article boxes; and a subheading some
#: 2020 installs put inside the body (SITES.md §4): it is read as a subtitle, not repeated as text.
BODY_SKIP_CLASSES = ("view-editors", "writer", "article-copy", "view-copyright", "view-sns", "share-btns",
                     "ad-template", "article-ad", "view-relation", "relation-article", "show-for-sr",
                     "subheading")
#: Screen-reader labels ('기자명', '입력') sit in info items as hidden spans.
_VISIBLE_TEXT = './/text()[not(ancestor::*[contains(concat(" ", normalize-space(@class), " "), " show-for-sr ")])]'


def list_url(base_url: str, section: str, page: int = 1) -> str:
    """List page ``page`` of a section (``S1N…``) or sub-section (``S2N…``) code."""
    param = "sc_sub_section_code" if SUB_SECTION_CODE_RE.match(section) else "sc_section_code"
    query: dict[str, Any] = {param: section, "view_type": "sm"}
    if page > 1:
        query["page"] = page
    return f"{base_url.rstrip('/')}{LIST_PATH}?{urlencode(query)}"


def list_page(url: str) -> tuple[str, int] | None:
    """``(section code, page)`` of a section list URL (the sub-section when both are given), or None."""
    code = query_param(url, "sc_sub_section_code") or query_param(url, "sc_section_code")
    if not url_path(url).endswith(LIST_PATH) or not code:
        return None
    return code, max(1, int(numeric_key(query_param(url, "page")) or 1))


def home_url(base_url: str) -> str:
    return base_url.rstrip("/") + "/"


def article_url(base_url: str, key: str | int) -> str:
    return f"{base_url.rstrip('/')}{ARTICLE_PATH}?{ARTICLE_KEY}={key}"


def article_key(url: str) -> str | None:
    """The ``idxno`` of an article URL (current or legacy form) without leading zeros, or None."""
    key = numeric_key(query_param(url, ARTICLE_KEY))
    if key is None:
        return None
    path = url_path(url)
    if path.endswith(ARTICLE_PATH):
        return key
    if path in LEGACY_PATHS and query_param(url, "mod") == "news" and query_param(url, "act") == "articleView":
        return key
    return None



def _first(sel: Selector, selectors: tuple[str, ...]) -> Any:
    for css in selectors:
        nodes = sel.css(css)
        if nodes:
            return nodes
    return None


def _visible_text(node: Selector) -> str:
    return normalize_space(" ".join(node.xpath(_VISIBLE_TEXT).getall()))


class NdsoftArticlePage(ArticlePage):
    family = NAME
    article_key_param = ARTICLE_KEY
    closing_tags_required = True

    def skin(self) -> str | None:
        """'2020' or '2017' by markup; None when neither skin's title is there."""
        if self.sel.css("h1.heading, ul.infomation, article#article-view-content-div"):
            return "2020"
        if self.sel.css("div.article-head-title, div.info-text, div.article-veiw-body"):
            return "2017"
        return None

    def is_article(self) -> bool:
        # A deleted article answers 200 with an alert() script and none of this markup.
        return bool(_first(self.sel, TITLE_CSS) or self.sel.css("#article-view-content-div")) or self.declares_article()

    def key(self) -> str | None:
        return article_key(self.response.url)

    def canonical(self) -> str:
        key = self.key()
        if key is None:
            return super().canonical()
        # The legacy '/?mod=news&act=articleView' form collapses onto the current path.
        return canonical_url(article_url(self.site.base_url, key), keep=(ARTICLE_KEY,), base_url=self.site.base_url)

    def family_title(self) -> str | None:
        for css in TITLE_CSS:
            title = self.inputs.text(css)
            if title:
                return title
        return None

    def family_section(self) -> str | None:
        names = []
        for a in self.sel.css(BREADCRUMB_CSS):
            href = a.attrib.get("href", "")
            if "sc_section_code=" in href or "sc_sub_section_code=" in href:
                name = normalize_space(" ".join(a.css("::text").getall()))
                if name:
                    names.append(name)
        return names[-1] if names else None

    def family_subtitles(self) -> list[str]:
        out: list[str] = []
        for css in SUBTITLE_CSS:
            for node in self.sel.css(css):
                # One <h2> often holds several sub-headlines separated by <br>.
                out.extend(body_parts(node.root, self.response.url).paragraphs)
        return list(dict.fromkeys(out))

    def _info_items(self) -> list[str]:
        nodes = _first(self.sel, INFO_CSS) or []
        return [t for t in (_visible_text(li) for li in nodes) if t]

    def family_dates(self) -> tuple[tuple[str, datetime] | None, tuple[str, datetime] | None]:
        published: list[tuple[str, LabelledDate]] = []
        modified: tuple[str, datetime] | None = None
        for text in self._info_items():
            found = find_dates(text)
            for d in found:
                # The item's own text when it holds one date; else just this label and date.
                raw = text if len(found) == 1 else f"{d.label} {d.raw}"
                if d.kind == "modified":
                    modified = modified or (raw, d.value)
                elif d.kind == "published":
                    published.append((raw, d))
        if not published:
            return None, modified

        def rank(entry: tuple[str, LabelledDate]) -> int:
            label = (entry[1].label or "").replace(" ", "")
            return next((i for i, word in enumerate(PUBLISHED_LABEL_ORDER) if label.endswith(word)),
                        len(PUBLISHED_LABEL_ORDER))

        raw, best = min(published, key=rank)
        return (raw, best.value), modified

    def _box_bylines(self) -> list[Byline]:
        """Reporter boxes under the article: name and e-mail of each reporter."""
        found: list[Byline] = []
        for box in self.sel.css(REPORTER_BOX_CSS):
            # 2020: strong.name/span.email; 2017 (assumption): strong or .name, a mailto: link.
            name_nodes = box.css(".name, .writer-name, .profile-name, strong")
            name = _visible_text(name_nodes[0]) if name_nodes else ""
            email = normalize_space(" ".join(box.css(".email ::text, .writer-email ::text").getall()))
            if not email:
                mailto = box.css('a[href^="mailto:"]::attr(href)').get()
                email = mailto.removeprefix("mailto:").strip() if mailto else ""
            if name:
                found.extend(parse_byline(f"{name} {email}".strip()))
        return found

    def family_bylines(self) -> list[Byline]:
        info: list[Byline] = []
        for text in self._info_items():
            if parse_datetime(text) is not None:
                continue
            info.extend(parse_byline(text))
        # The info line names reporters in order; the boxes add e-mails (and names the line lacks).
        return merge_bylines(info, self._box_bylines())

    def family_body_element(self) -> Any:
        nodes = _first(self.sel, BODY_CSS)
        return nodes[0].root if nodes else None

    def body_skip_classes(self) -> tuple[str, ...]:
        return BODY_SKIP_CLASSES


class NdsoftSectionPage(SectionPage):
    #: 2020 skin rows; 2017 skin rows ``div.list-block`` (assumption, with .list-titles/.list-dated).
    ROW_CSS = "#section-list > ul > li, #section-list li, div.list-block"
    #: Pagination links ('.pagination' 2020; '.list-paging' 2017 assumption).
    PAGING_CSS = ".pagination a::attr(href), .list-paging a::attr(href), .paging a::attr(href)"

    def row_link(self, row: Selector) -> tuple[str | None, str | None]:
        link = row.css(".titles a, .list-titles a")
        if link:
            return link.attrib.get("href"), " ".join(link[0].css("::text").getall())
        return row.css('a[href*="idxno="]::attr(href)').get(), None

    def row_date(self, row: Selector) -> str | None:
        return " ".join(row.css(".byline em:last-child::text, .list-dated::text, .list-dated ::text").getall())

    def article_key(self, url: str) -> str | None:
        return article_key(url)

    def next_page_url(self) -> str | None:
        here = self.response.url
        wanted = str(self.current_page() + 1)
        for href in self.sel.css(self.PAGING_CSS).getall():
            if href.startswith(("javascript:", "#")):
                continue
            url = self.response.urljoin(href)
            if (query_param(url, "page") == wanted
                    and query_param(url, "sc_section_code") == query_param(here, "sc_section_code")
                    and query_param(url, "sc_sub_section_code") == query_param(here, "sc_sub_section_code")):
                return url
        return None

    def sections(self) -> list[SectionLink]:
        """Top sections (``S1N…``) linked from the menu; sub-section and filtered lists are skipped."""
        out: dict[str, SectionLink] = {}
        links = self.sel.css('a[href*="articleList.html"][href*="sc_section_code="]')
        # Links to the top section itself first, so its name is not a sub-section's.
        for a in sorted(links, key=lambda a: "sc_sub_section_code=" in a.attrib["href"]):
            url = self.response.urljoin(a.attrib["href"])
            code = query_param(url, "sc_section_code")
            if not code or not SECTION_CODE_RE.match(code) or code in out:
                continue
            if query_param(url, "page") not in (None, "1") or query_param(url, "sc_word"):
                continue
            sub = query_param(url, "sc_sub_section_code") is not None
            name = None if sub else normalize_space(" ".join(a.css("::text").getall())) or None
            out[code] = SectionLink(code=code, name=name, url=list_url(self.site.base_url, code))
        return list(out.values())


FAMILY = Family(name=NAME, article_page=NdsoftArticlePage, article_key=article_key, key_param=ARTICLE_KEY,
                section_page=NdsoftSectionPage, home_url=home_url, list_url=list_url, list_page=list_page,
                markers=MARKERS)
