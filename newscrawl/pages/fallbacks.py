"""Generic candidates for every article field, for pages (or fields) a family cannot read.

Each zero-argument method of :class:`Fallbacks` is one step of a field's chain in
:class:`~newscrawl.pages.article.ArticlePage`: it returns a value or None and never records
where the value came from (the page does, in one place). The two fields whose sources must
be weighed against each other rather than tried in order have a *rule* here:
:func:`decide_title` and :meth:`Fallbacks.decide_authors`. All of it is general: no outlet
is special-cased, so a rule that helps one site helps every site with the same markup.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from datetime import datetime, timedelta
from functools import cached_property
from typing import Any
from urllib.parse import urlsplit

import attrs
from lxml import html as lxml_html

from newscrawl.pages.inputs import HANGUL, PageInputs
from newscrawl.parsing import appstate, jsonld
from newscrawl.parsing.bylines import Byline, find_signature, merge_bylines, parse_byline, split_person_names
from newscrawl.parsing.dates import LabelledDate, assign_dates, dateline_dates, find_dates, parse_datetime
from newscrawl.parsing.html import body_parts
from newscrawl.parsing.maintext import main_text
from newscrawl.parsing.text import TITLE_SEPARATOR, normalize_space, title_affix, title_key

#: One step of a field's chain: (source name recorded in ``extractor``, zero-argument getter).
Step = tuple[str, Callable[[], Any]]
#: How a field weighs its fallback steps: steps in, (winning source, value) or None out.
Rule = Callable[[Sequence[Step]], "tuple[str, Any] | None"]
#: (raw text as shown, parsed time).
Dated = tuple[str, datetime]

PUBLISHED_META = ("article:published_time", "og:article:published_time", "article:published", "published_time",
                  "pubdate", "publishdate", "publish-date", "date", "dc.date.issued", "dc.date", "dcterms.created",
                  "sailthru.date", "parsely-pub-date", "datePublished", "og:published_time", "article.published",
                  "cXenseParse:recs:publishtime", "nv:date")
MODIFIED_META = ("article:modified_time", "og:updated_time", "og:article:modified_time", "dateModified",
                 "last-modified", "dcterms.modified", "article.updated")
AUTHOR_META = ("article:author", "author", "dable:author", "byl", "parsely-author", "sailthru.author",
               "dc.creator", "citation_author", "og:article:author")
#: Last " - Site" / " | Site" / "ㅣSite" part of a title.
_TITLE_TAIL = re.compile(r"(?P<sep>\s+[|\-–—―‒:·»/]\s+|\s*[|｜ㅣ]\s*|\s*::\s*|：)(?P<tail>[^|｜ㅣ]{1,60})$")
_TITLE_HEAD = re.compile(r"^(?P<head>[^|｜ㅣ]{1,40}?)(?:\s+[|\-–—―‒:»]\s+|\s*[|｜ㅣ]\s*)")
_BRACKETED_SITE = re.compile(r"^\s*[\[【〔]\s*(?P<site>[^\]】〕]{1,30}?)\s*[\]】〕]\s*")
_SECTION_TAIL = re.compile(r"-[가-힣A-Za-z]{1,6}$")
_TITLE_SEP_START = re.compile(r"^\s*(?:[|\-–—―‒:·»ㅣ｜/：]|::)\s*")
#: An <h1> that is the site's logo or name, not the headline.
_LOGO_XPATH = (
    "ancestor-or-self::*[contains(@class,'logo') or contains(@id,'logo') or contains(@id,'site-title')"
    " or contains(@class,'site-title') or contains(@class,'site-name') or contains(@class,'brand')]"
    " | ancestor-or-self::a[@href='/' or @href='./'] | .//a[@href='/' or @href='./']"
)
_HIDDEN_TAGS = frozenset({"script", "style", "a", "footer", "aside", "nav", "noscript", "template"})
_CHROME_WORDS = ("footer", "copyright", "company")
_HEADLINE_XPATH = ("//body//*[self::h2 or self::h3 or self::h4 or contains(@class,'title') or contains(@class,'tit')"
                   " or contains(@class,'headline') or contains(@class,'subject') or contains(@id,'title')]")
#: Separators inside a section path affix ("정치 < 지방자치 ‹ 기사본문 - 바람일보").
_PATH_SPLIT = re.compile(r"\s*[<>‹›»|ㅣ]\s*|\s+[-–—―‒/]\s+|::")
#: A section path closing a title: " < 정치 < 지방자치 ‹ 기사본문" (NDSoft), " > 스포츠 > 포토", with the site after it.
_PATH_TAIL = re.compile(r"(?:\s+[<>‹›»]\s*[^<>‹›»|ㅣ]{1,20}){1,6}(?:\s+[-|ㅣ]\s+[^<>‹›»|ㅣ]{1,30})?\s*$")
_DIGIT = re.compile(r"\d")
#: A text that may hold a time: "14:02", "14시 2분", full-width "１４：０２".
_TIME_HINT = re.compile(r"\d\s*[:：시]\s*\d|[０-９]\s*[:：]")
_VISIBLE_TEXT = ".//text()[not(ancestor::script) and not(ancestor::style)]"
#: Longest element text read as a dateline (a byline box with two times and an e-mail fits).
_DATELINE_MAX = 160
#: Longest reporter box read by its text (name, desk, role word, e-mail).
_SIGNATURE_BOX_MAX = 80
_EMAIL = re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+")
_ROLE_WORD = re.compile(r"(기자|특파원|논설위원|칼럼니스트|편집위원)(\s|$|[,·])")
_HEADLINE_BLOCK_LEAVES = (".//*[self::li or self::span or self::em or self::strong or self::p or self::div or self::dd]"
                          "[not(*[self::li or self::div or self::p])]")
_BYLINE_XPATH = ("//*[contains(@class,'byline') or contains(@class,'author') or contains(@class,'writer')"
                 " or contains(@class,'reporter')][not(ancestor::footer)][not(ancestor::aside)]")
#: Links to a reporter's page: a path segment naming authors ('/autoren/name/max-kolter', '/author/jane-doe/').
_AUTHOR_PAGE_XPATH = (
    "//body//a[@href][not(ancestor::footer)][not(ancestor::aside)][not(ancestor::nav)]"
    "[contains(translate(@href, 'ABCDEFGHIJKLMNOPQRSTUVWXYZ', 'abcdefghijklmnopqrstuvwxyz'), '/aut')"
    " or contains(@href, '/reporter') or contains(@href, '/journalist') or contains(@href, '/redakt')]"
)
_AUTHOR_PAGE_SEGMENT = re.compile(
    r"/(?:authors?|autor(?:en|es|i|e)?|auteurs?|reporters?|journalists?|journalisten|redakteur(?:e|in|innen)?)/",
    re.IGNORECASE)
#: Two to four capitalised words (optionally with a title like Dr.): a person, not a desk.
_PERSON_NAME = re.compile(r"^(?:(?:Dr|Prof|Mag)\.\s+)?[A-ZÀ-Þ][\w'’.-]+(?:\s+[A-ZÀ-Þ][\w'’.-]+){1,3}$")
#: Outlet-like words (a title part ending in one is a site name).
_OUTLET_TAIL = re.compile(r"(뉴스|일보|신문|방송|통신|미디어|타임스|경제|닷컴|\.com|\.de|\.co\.kr|\.kr|online|news)$")
#: Blank lines (or CRLF) separate the paragraphs of a JSON-LD articleBody.
_LD_PARAGRAPH_BREAK = re.compile(r"\n\s*\n|\r\n")


def _in_script_or_style(text: Any) -> bool:
    """Whether an lxml text node lies inside a ``<script>`` or ``<style>`` (XPath's ``ancestor::script``)."""
    node = text.getparent()  # for a tail, the element it follows: its parent is the text's parent
    if node is not None and getattr(text, "is_tail", False):
        node = node.getparent()
    while node is not None:
        if node.tag in ("script", "style"):
            return True
        node = node.getparent()
    return False


@attrs.frozen
class Body:
    """Paragraphs and images of the article text; false when there are no paragraphs."""

    paragraphs: list[str]
    images: list[dict[str, str | None]] = attrs.field(factory=list)

    def __bool__(self) -> bool:
        return bool(self.paragraphs)


def first_value(steps: Sequence[Step]) -> tuple[str, Any] | None:
    """The default rule: steps run in order, the first that gives a value wins (later ones never run)."""
    for source, get in steps:
        value = get()
        if value:
            return source, value
    return None


def dated(raw: str | None) -> Dated | None:
    """``(raw, time)`` when ``raw`` parses as a time, else None."""
    value = parse_datetime(raw) if raw else None
    return (raw, value) if raw and value else None


def decide_title(steps: Sequence[Step], is_affix: Callable[[str], bool] | None = None) -> tuple[str, str] | None:
    """Every title candidate is read, then weighed; the same rule for every page.

    The first candidate found wins (JSON-LD, og:title, ``<h1>``, a confirmed heading,
    ``<title>``), except that the headline the reader sees (``<h1>``, else a heading element
    a metadata title confirms) replaces it when og:title is that headline verbatim, or when
    the winner is

    * that headline with marks lost: the same words (:func:`title_key`) and a subsequence of
      it (quotes and brackets dropped by escaping in JSON or meta content); typographic
      variants alone (curly vs straight quotes, dashes) are no reason to switch;
    * that headline plus an affix at either end after a separator (``" - Site"``,
      ``" < Section ‹ 기사본문 - Site"``, ``"[Site] "``), when the affix is shorter than the
      headline, is a site or section name (``is_affix``) or is carried by two metadata titles.
    """
    candidates = [(source, get()) for source, get in steps]
    source, title = next(((s, t) for s, t in candidates if t), ("", None))
    if title is None:
        return None
    visible = next(((s, t) for s, t in candidates if t and s.startswith("html:") and s != "html:title"), None)
    if visible is not None and source != visible[0]:
        shown = visible[1]
        if visible[0] == "html:h1" and dict(candidates).get("meta:og") == shown:
            return visible  # the headline shown, as the page shares it: it beats an SEO headline in JSON-LD
        metadata = list(dict.fromkeys(t for s, t in candidates if t and s != visible[0]))
        if title_key(title) == title_key(shown):
            plain, plain_shown = _typographic(title), _typographic(shown)
            if plain != plain_shown and _is_subsequence(plain, plain_shown):
                return visible
        affix = title_affix(title, shown)
        if affix is not None:
            key = title_key(affix)
            carried = sum(1 for t in metadata if (a := title_affix(t, shown)) and title_key(a) == key)
            if len(key) < len(title_key(shown)) or (is_affix is not None and is_affix(affix)) or carried >= 2:
                return visible
    for other_source, other in candidates:
        if other and other != title and title.startswith(other) and _TITLE_SEP_START.match(title[len(other):]) \
                and len(title) - len(other) < 0.6 * len(title):
            source, title = other_source, other
    return source, title


_TYPOGRAPHIC = str.maketrans({"\u2018": "'", "\u2019": "'", "\u201c": '"', "\u201d": '"', "\u201e": '"',
                              "\u2013": "-", "\u2014": "-", "\u2026": "...", "\u00b4": "'", "`": "'"})


def _typographic(text: str) -> str:
    return normalize_space(text).translate(_TYPOGRAPHIC).replace(" ", "")


def _is_subsequence(short: str, long: str) -> bool:
    chars = iter(long)
    return all(c in chars for c in short)


class Fallbacks:
    """The generic steps over one page's inputs; results that two steps share are computed once."""

    def __init__(self, inputs: PageInputs) -> None:
        self.inputs = inputs

    # -- site names ----------------------------------------------------------------------
    def is_site_part(self, part: str) -> bool:
        """Whether a title part (or an 'author') names the outlet rather than saying something."""
        folded = normalize_space(part).casefold()
        if not folded:
            return True
        squashed = folded.replace(" ", "")
        for name in self.inputs.site_names:
            if len(name) < 2:
                continue
            if folded == name or squashed == name.replace(" ", ""):
                return True
            # "머니투데이 뉴스", "Golem.de", "Mirror Online": the name plus a short generic tail.
            if (name in folded or name.replace(" ", "") in squashed) and len(folded) <= len(name) + 8:
                return True
        return bool(_OUTLET_TAIL.search(folded)) and len(folded) <= 12 and " " not in folded.strip()

    def strip_site_name(self, title: str | None) -> str | None:
        """'Headline | Site', 'Headline - Site', 'Headline-섹션ㅣ사이트' -> 'Headline'."""
        if not title:
            return None
        title = normalize_space(title)
        for _ in range(3):  # "Headline - Section | Site": peel up to three trailing parts
            match = _TITLE_TAIL.search(title)
            if not match or not self.is_title_affix(match.group("tail")) or match.start() < len(title) // 3:
                break
            title = title[: match.start()].rstrip()
            # A short section name glued before the site part ("…커졌다-정치ㅣ한국일보").
            section = _SECTION_TAIL.search(title)
            if section and match.group("sep").strip() in {"ㅣ", "|", "｜"}:
                title = title[: section.start()].rstrip()
        path = _PATH_TAIL.search(title)
        if path and path.start() >= len(title) // 3:
            title = title[: path.start()].rstrip()
        head = _TITLE_HEAD.match(title) or TITLE_SEPARATOR.search(title, 0, 42)
        if head and self.is_title_affix(title[: head.start()] if head.re is TITLE_SEPARATOR else head.group("head")):
            title = title[head.end():]
        bracketed = _BRACKETED_SITE.match(title)
        if bracketed and self.is_site_part(bracketed.group("site")):
            title = title[bracketed.end():]
        return title or None

    def og_site_name(self) -> str | None:
        return self.inputs.meta("og:site_name")

    def ld_publisher_name(self) -> str | None:
        return self.inputs.ld_publisher_name

    def declared_language(self) -> str | None:
        """The page's own language code (``<html lang>``, og:locale), primary subtag only."""
        lang = normalize_space(self.inputs.html_lang or self.inputs.meta("og:locale", "content-language"))
        return lang.replace("_", "-").split("-")[0].lower() if lang else None

    # -- title ---------------------------------------------------------------------------
    def ld_headline(self) -> str | None:
        return normalize_space(jsonld.text_value(self.inputs.ld.get("headline"))) or None

    def og_title(self) -> str | None:
        return self.strip_site_name(self.inputs.meta("og:title", "twitter:title"))

    def h1(self) -> str | None:
        """The first substantial <h1> that is not the site logo."""
        for node in self.inputs.sel.css("h1"):
            if node.xpath(_LOGO_XPATH):
                continue
            text = normalize_space(node.xpath("normalize-space(string())").get())
            if len(text) >= 5 and not self.is_site_part(text):
                return text
        return None

    def headline_element(self) -> str | None:
        """A heading shown on the page (``h2``-``h4``, a ``*title*``/``headline``/``subject`` element)
        that a metadata title confirms, for pages whose headline is not an ``<h1>``."""
        metadata = [t for t in (self.ld_headline(), self.og_title(), self.title_tag()) if t]
        if not metadata:
            return None
        keys = {title_key(t) for t in metadata}
        for node in self.inputs.sel.root.xpath(_HEADLINE_XPATH)[:200]:
            if self.hidden(node) or node.xpath(_LOGO_XPATH):
                continue
            text = self.visible_text(node)
            if not 5 <= len(text) <= 300:
                continue
            if title_key(text) in keys or any(title_affix(t, text) for t in metadata):
                return text
        return None

    def is_title_affix(self, part: str) -> bool:
        """A title affix the page itself names (the outlet, its section, or a section path), or one the
        outlet's own home and list page titles carry (``Outlet.title_affixes``, learned by the crawl)."""
        if self.is_site_part(part):
            return True
        key = title_key(part)
        if key and key in self._learned_affixes:
            return True
        sections = (self.meta_section(), self.ld_section())
        if any(key == title_key(s) for s in sections if s):
            return True
        parts = [p for p in _PATH_SPLIT.split(part) if p.strip()]
        return len(parts) >= 2 and all(len(p.strip()) <= 20 for p in parts)

    @cached_property
    def _learned_affixes(self) -> frozenset[str]:
        return frozenset(title_key(part) for part in self.inputs.outlet.title_affixes)

    def decide_title(self, steps: Sequence[Step]) -> tuple[str, str] | None:
        return decide_title(steps, self.is_title_affix)

    def title_tag(self) -> str | None:
        return self.strip_site_name(self.inputs.title_text)

    # -- section -------------------------------------------------------------------------
    def meta_section(self) -> str | None:
        return self.inputs.meta("article:section")

    def ld_section(self) -> str | None:
        return jsonld.text_value(self.inputs.ld.get("articleSection"))

    # -- dates ---------------------------------------------------------------------------
    def ld_published(self) -> Dated | None:
        ld = self.inputs.ld
        return dated(jsonld.text_value(ld.get("datePublished")) or jsonld.text_value(ld.get("dateCreated")))

    def meta_published(self) -> Dated | None:
        return dated(self.inputs.meta(*PUBLISHED_META))

    def visible_published(self) -> Dated | None:
        return self.visible_dates[0]

    def appstate_published(self) -> Dated | None:
        return self.app_dates[0]

    def ld_modified(self) -> Dated | None:
        return dated(jsonld.text_value(self.inputs.ld.get("dateModified")))

    def meta_modified(self) -> Dated | None:
        return dated(self.inputs.meta(*MODIFIED_META))

    def visible_modified(self) -> Dated | None:
        return self.visible_dates[1]

    def appstate_modified(self) -> Dated | None:
        return self.app_dates[1]

    def hidden(self, element: Any) -> bool:
        """Inside a script, link, other-article list item or page chrome (memoised per element)."""
        if element is None:
            return False
        known = self._hidden.get(element)
        if known is None:
            tag = element.tag if isinstance(element.tag, str) else ""
            cls = f"{element.get('class') or ''} {element.get('id') or ''}".lower()
            known = (tag in _HIDDEN_TAGS or any(word in cls for word in _CHROME_WORDS)
                     or (tag == "li" and element.find(".//a") is not None and "info" not in cls)
                     or self.hidden(element.getparent()))
            self._hidden[element] = known
        return known

    @cached_property
    def _hidden(self) -> dict[Any, bool]:
        return {}

    def visible_text(self, element: Any) -> str:
        """``element``'s text outside scripts and styles, normalised; memoised per element, so the
        headline, dateline and reporter-box scans never read one element twice."""
        known = self._visible_texts.get(element)
        if known is None:
            known = self._visible_texts[element] = normalize_space(" ".join(element.xpath(_VISIBLE_TEXT)))
        return known

    @cached_property
    def _visible_texts(self) -> dict[Any, str]:
        return {}

    @cached_property
    def body_texts(self) -> list[Any]:
        """Every text node under ``<body>`` in document order: one walk for the visible-date and dateline scans."""
        found: list[Any] = self.inputs.sel.root.xpath("//body//text()")
        return found

    @cached_property
    def visible_dates(self) -> tuple[Dated | None, Dated | None]:
        """Labelled dates (입력/등록/수정 ...) shown in the page, outside scripts and lists of other articles."""
        published = modified = None
        texts = [t for t in self.body_texts
                 if ((len(t) < 200 and _DIGIT.search(t)) or len(t) < 20) and not self.hidden(t.getparent())]
        blob = normalize_space(" ".join(texts))
        for found in find_dates(blob):
            raw = f"{found.label} {found.raw}" if found.label else found.raw
            if found.kind == "published" and published is None:
                published = (raw, found.value)
            elif found.kind == "modified" and modified is None:
                modified = (raw, found.value)
            if published and modified:
                break
        return published, modified

    # -- datelines without labels ----------------------------------------------------------
    def dateline_residue_ok(self, residue: str) -> bool:
        """Whether what surrounds the times of an element makes it a dateline: nothing, a reporter
        signature (:func:`find_signature`), the outlet, an e-mail."""
        residue = normalize_space(_EMAIL.sub(" ", residue))
        if not residue or self.is_site_part(residue):
            return True
        return len(residue) <= _SIGNATURE_BOX_MAX and bool(find_signature(residue))

    @cached_property
    def datelines(self) -> list[tuple[int, LabelledDate, LabelledDate | None, str]]:
        """Elements that are datelines (times with at most labels, a reporter or the outlet), in page order.

        Each is ``(position, published, modified, text)`` by :func:`assign_dates`: an element of its own
        (``<span>2024.03.05 14:02</span>``) or a byline box holding the times beside the name. The
        largest such element is taken, so two times split over ``<span>``s of one line are read together.
        """
        root = self.inputs.sel.root
        order: dict[Any, int] = {}  # element -> document position, built when the first dateline needs it
        found: list[tuple[int, LabelledDate, LabelledDate | None, str]] = []
        taken: set[Any] = set()
        for text in self.body_texts:  # the visible-date scan's walk, outside scripts and styles
            if not _TIME_HINT.search(text) or _in_script_or_style(text):
                continue
            node = text.getparent()
            if getattr(text, "is_tail", False) and node is not None:
                node = node.getparent()
            if node is None or self.hidden(node):
                continue
            best: tuple[Any, list[LabelledDate], str] | None = None
            while node is not None and isinstance(node.tag, str) and node.tag not in {"body", "html"}:
                content = self.visible_text(node)
                if len(content) > _DATELINE_MAX:
                    break
                dates, residue = dateline_dates(content)
                if dates:
                    if not self.dateline_residue_ok(residue):
                        break
                    best = (node, dates, content)
                node = node.getparent()
            if best is None or best[0] in taken:
                continue
            taken.add(best[0])
            published, modified = assign_dates(best[1])
            if published is not None:
                if not order:
                    order = {el: i for i, el in enumerate(root.iter())}
                found.append((order.get(best[0], 0), published, modified, best[2]))
        return found

    @cached_property
    def dateline(self) -> tuple[LabelledDate, LabelledDate | None] | None:
        """The article's own dateline among :attr:`datelines`.

        With a publication time in JSON-LD or meta, the first dateline within a day of it (the
        page shows the minute, metadata may differ by seconds or be the CMS's time); without,
        the first one after the headline (a ticker or a "latest" box may come before), else the first.
        """
        lines = self.datelines
        if not lines:
            return None
        declared = self.ld_published() or self.meta_published()
        if declared is not None:
            near = [(pub, mod) for _pos, pub, mod, _text in lines if abs(pub.value - declared[1]) <= timedelta(days=1)]
            return near[0] if near else None
        headline = self.headline_position()
        after = [(pub, mod) for pos, pub, mod, _text in lines if headline is not None and pos > headline]
        return after[0] if after else (lines[0][1], lines[0][2])

    def headline_position(self) -> int | None:
        root = self.inputs.sel.root
        for node in root.xpath("//h1"):
            if not node.xpath(_LOGO_XPATH) and len(normalize_space(node.text_content())) >= 5:
                return next((i for i, el in enumerate(root.iter()) if el is node), None)
        return None

    def dateline_published(self) -> Dated | None:
        line = self.dateline
        return (line[0].raw, line[0].value) if line else None

    def own_dateline(self) -> tuple[LabelledDate, LabelledDate | None, str] | None:
        """The dateline element that holds the page's shown publication time (labelled or not)."""
        published = self.visible_dates[0] or self.dateline_published()
        if published is None:
            return None
        return next(((pub, mod, text) for _pos, pub, mod, text in self.datelines if pub.value == published[1]), None)

    def dateline_modified(self) -> Dated | None:
        """The later time of the dateline that holds the page's publication time."""
        line = self.own_dateline()
        mod = line[1] if line else None
        return ((f"{mod.label} {mod.raw}" if mod.label else mod.raw), mod.value) if mod else None

    def dateline_author_names(self) -> list[str]:
        """The reporter named beside the page's own times (``홍길동 기자 | 2024.03.05 14:02``)."""
        line = self.own_dateline()
        if line is None or not _ROLE_WORD.search(line[2] + " "):
            return []
        return [b.name for b in parse_byline(line[2])]

    @cached_property
    def app_dates(self) -> tuple[Dated | None, Dated | None]:
        state = self.inputs.app_state
        published, modified = appstate.embedded_dates(state) if state else (None, None)
        return dated(published), dated(modified)

    # -- authors -------------------------------------------------------------------------
    def ld_author_names(self) -> list[str]:
        return jsonld.person_names(self.inputs.ld.get("author"), self.inputs.ld_index)

    def meta_author_names(self) -> list[str]:
        """The first author meta tag that is a name, not a profile URL."""
        index = self.inputs.meta_index
        return [v for k in AUTHOR_META if (v := index.get(k.lower())) and not v.startswith(("http://", "https://"))][:1]

    def ld_organization_names(self) -> list[str]:
        return jsonld.person_names(self.inputs.ld.get("author"), self.inputs.ld_index, organizations=True)

    def visible_author_names(self) -> list[str]:
        """Names in author markup: rel=author links, itemprop=author, schema.org Person microdata."""
        sel = self.inputs.sel
        names: list[str] = []
        for xpath in ("//*[@itemprop='author']//*[@itemprop='name']", "//a[@rel='author']",
                      "//*[@itemprop='author'][not(.//*[@itemprop='name'])]"):
            for node in sel.xpath(xpath):
                text = normalize_space(node.attrib.get("content") or node.xpath("normalize-space(string())").get())
                if text and len(text) <= 60 and not text.startswith("(") and text not in names:
                    names.append(text)
            if names:
                break
        if names:
            return names
        # A byline box: class "byline"/"author", short text, "By Jemima Kelly" / "홍길동 기자".
        for node in sel.xpath(_BYLINE_XPATH)[:12]:
            text = normalize_space(node.xpath("normalize-space(string())").get())
            if not text or len(text) > 60:
                continue
            if HANGUL.search(text):
                found = [b.name for b in parse_byline(text)] if _ROLE_WORD.search(text) else []
            else:
                found = [n for n in split_person_names(text) if _PERSON_NAME.match(n)]
            if found:
                return found
        if self.inputs.is_korean:
            return self.profile_box_names()
        return self.author_page_names()

    def author_page_names(self) -> list[str]:
        """'von <a href="/autoren/name/max-kolter">Dr. Max Kolter</a>': person names linked to reporter pages.

        Only the first block of such links counts (the byline; later ones are teasers of other
        articles), and only link texts that read as a person's name.
        """
        names: list[str] = []
        block = None
        for node in self.inputs.sel.root.xpath(_AUTHOR_PAGE_XPATH):
            if not _AUTHOR_PAGE_SEGMENT.search(urlsplit(node.get("href") or "").path + "/") or self.hidden(node.getparent()):
                continue
            text = normalize_space("".join(node.itertext()))
            if not _PERSON_NAME.match(text) or self.is_site_part(text):
                continue
            parent = node.getparent()
            if block is None:
                block = parent
            elif parent is not block:
                break
            if text not in names:
                names.append(text)
        return names

    def profile_box_names(self) -> list[str]:
        """A reporter box whatever its class: a short element with a name, a role word and an e-mail
        (``<div><strong>홍길동 기자</strong> <a>hong@x.kr</a></div>``), outside page chrome; the first one counts."""
        for node in self.inputs.sel.root.xpath("//body//*[contains(string(), '@')][not(self::a)]"
                                               "[not(*[contains(string(), '@')][not(self::a)])]"):
            if self.hidden(node):
                continue
            # the box is the mail's element or the one around it (name and mail in sibling elements)
            for box in (node, node.getparent()):
                if box is None or not isinstance(box.tag, str) or box.tag in {"body", "html"}:
                    break
                text = self.visible_text(box)
                if len(text) > _SIGNATURE_BOX_MAX:
                    break
                found = find_signature(text)
                if found:
                    return [b.name for b in found]
        return []

    def headline_bylines(self) -> list[Byline]:
        """Korean reporter lines ('홍길동 기자') in the block around the headline, in order.

        Multi-reporter articles list every reporter there, while metadata often names only
        the first. Only short texts with a role word count, so sidebars do not leak in.
        """
        for node in self.inputs.sel.css("h1, h2, h3"):
            if node.xpath(_LOGO_XPATH):
                continue
            text = normalize_space(node.xpath("normalize-space(string())").get())
            if len(text) < 5 or self.is_site_part(text):
                continue
            found: list[Byline] = []
            for container in node.xpath("ancestor::*[position() <= 3]")[::-1][-1:]:
                # lxml directly: the same XPaths without a parsel Selector per leaf (a long article has thousands)
                for leaf in container.root.xpath(_HEADLINE_BLOCK_LEAVES):
                    line = normalize_space(leaf.xpath("normalize-space(string())"))
                    if line and len(line) <= 40 and _ROLE_WORD.search(line):
                        found.extend(parse_byline(line))
            return merge_bylines(found)
        return []

    @staticmethod
    def names_to_bylines(names: list[str]) -> list[Byline]:
        out: list[Byline] = []
        for name in names:
            if HANGUL.search(name):
                out.extend(parse_byline(name))
            else:
                out.extend(Byline(name=n) for n in split_person_names(name))
        return out

    def decide_authors(self, steps: Sequence[Step]) -> tuple[str, list[Byline]] | None:
        """The first step naming a person wins; the outlet itself counts only when no one is named.

        Each step gives names; names that are the outlet ('연합뉴스', 'Reuters') are set aside.
        On Korean pages the reporter lines by the headline replace a winner they contain
        and extend (metadata often names only the first of several reporters), and the
        outlet is never an author (wire and desk bylines are not authors there).
        """
        korean = self.inputs.is_korean
        fallback: tuple[str, list[Byline]] | None = None
        for source, get in steps:
            found = self.names_to_bylines(get())
            people = [b for b in found if not self.is_site_part(b.name)]
            if people:
                if korean:
                    listed = self.headline_bylines()
                    if len(listed) > len(people) and {b.name for b in people} <= {b.name for b in listed}:
                        return "visible", listed
                return source, people
            if found and fallback is None:
                fallback = (source, found)
        if fallback and not korean:
            return fallback
        return None

    # -- body ----------------------------------------------------------------------------
    def maintext_body(self) -> Body | None:
        ld_body = jsonld.text_value(self.inputs.ld.get("articleBody")) or ""
        # Passing articleBody ("" = none) spares main_text a second JSON-LD parse.
        paragraphs = main_text(self.inputs.sel.root, self.inputs.url, article_body=ld_body)
        return Body(paragraphs) if paragraphs else None

    def ld_body(self) -> Body | None:
        article_body = jsonld.text_value(self.inputs.ld.get("articleBody"))
        if not article_body:
            return None
        return Body([p for p in _LD_PARAGRAPH_BREAK.split(article_body) if p.strip()])

    def appstate_body(self) -> Body | None:
        for chunk in appstate.html_chunks(self.inputs.app_state)[:1]:
            parts = body_parts(lxml_html.fragment_fromstring(chunk, create_parent="div"), self.inputs.url)
            if parts.paragraphs:
                return Body(parts.paragraphs, parts.images)
        return None
