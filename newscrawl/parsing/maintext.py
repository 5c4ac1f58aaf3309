"""Main-text extraction for pages without family selectors (trafilatura underneath).

Only used where cheaper paths fail: family selectors first, then this. trafilatura
works on its own copy of the tree, so the page's selectors stay usable.

Around trafilatura, a few page-independent repairs, each measured on the development
corpora (``../shared/corpus``) and none tied to a site:

* lines that are links to other pages ("Read more: <headline>", related-article
  lists) are dropped: their text is the text of a link elsewhere in the page;
* a small block repeated three times or more is template (blocked-embed placeholders),
  a long paragraph rendered twice keeps its first copy;
* short boilerplate lines go (``newscrawl.parsing.boilerplate_html``): advertisement
  labels, photo credits, share/newsletter prompts, datelines, bylines at the edges;
* when the page's JSON-LD ``articleBody`` and the extracted text are clearly the same
  article, paragraphs absent from ``articleBody`` (widgets, captions) are dropped;
* the headline repeated at the top is dropped;
* the lead (the teaser shown above the body, i.e. the page's description) is put back
  in front when trafilatura missed it and the page shows it before the body.
"""

from __future__ import annotations

import copy
import logging
import re
from functools import cached_property

import lxml.html
from lxml import etree

from newscrawl.parsing import jsonld
from newscrawl.parsing.boilerplate_html import is_boilerplate, is_metadata_line
from newscrawl.parsing.text import nfc, normalize_space

logger = logging.getLogger(__name__)


def main_text(tree: lxml.html.HtmlElement | str | bytes, url: str | None = None, *, favor: str = "balanced", title: str | None = None,
              description: str | None = None, article_body: str | None = None) -> list[str]:
    """Paragraphs of the page's main text ([] when none is found).

    ``tree`` is an lxml HTML element (left unchanged), or HTML text/bytes. ``title``,
    ``description`` and ``article_body`` (the page's headline, summary and JSON-LD
    ``articleBody``) may be passed by a caller that already has them; otherwise they
    are read from the page (meta tags, ``<title>``/``<h1>``, JSON-LD).
    """
    import trafilatura  # imported on first use: it is slow to import and most pages never need it

    if isinstance(tree, str | bytes):
        try:
            tree = lxml.html.fromstring(tree)
        except (etree.LxmlError, ValueError):  # empty or undecodable document
            return []
    document = _light_copy(tree)

    def extract(include_tables: bool) -> str | None:
        return trafilatura.extract(document, url=url, include_comments=False, include_images=False,
                                   include_links=False, with_metadata=False, deduplicate=False,
                                   favor_precision=favor == "precision", favor_recall=favor == "recall",
                                   fast=False, include_tables=include_tables)

    try:
        text = extract(include_tables=True)
        if text and _LAYOUT_TABLE.search(text):
            # the page is laid out in a table: its cells would come out as one run-on line
            text = extract(include_tables=False)
    except Exception:  # trafilatura on hostile HTML: the page degrades to "no body", it never aborts
        logger.debug("trafilatura failed on %s", url, exc_info=True)
        return []
    if not text:
        return []
    page = _Page(tree, title, description, article_body)
    paragraphs = [p for p in map(_line, _INVISIBLE.sub("", nfc(text)).split("\n")) if p]
    paragraphs = _drop_link_teasers(paragraphs, page)
    paragraphs = _expand_cut_teasers(paragraphs, page)
    paragraphs = _drop_repeats(paragraphs)
    paragraphs = [p for p in paragraphs if not is_boilerplate(p)]
    paragraphs = _agree_with_article_body(paragraphs, page)
    paragraphs = _drop_leading_title(paragraphs, page.titles)
    last = len(paragraphs) - 3
    paragraphs = [p for i, p in enumerate(paragraphs) if not is_metadata_line(p, edge=i < 5 or i >= last)]
    if paragraphs:
        lead = _lead(page, paragraphs)
        if lead and not _contains(paragraphs, lead):
            paragraphs.insert(0, lead)
    return paragraphs


def _light_copy(tree: lxml.html.HtmlElement) -> lxml.html.HtmlElement:
    """A copy of ``tree`` without what trafilatura drops anyway: scripts, styles, inline SVG, link/meta.

    trafilatura copies its input several times over; handing it the lighter tree makes
    our copy pay for itself (identical output on the 236 corpus pages, ~1.3 ms/page less).
    """
    document = copy.deepcopy(tree)
    etree.strip_elements(document, "script", "style", "svg", "link", "meta", with_tail=False)
    return document


class _Page:
    """What the repairs need from the page, read lazily and once."""

    def __init__(self, root: lxml.html.HtmlElement, title: str | None, description: str | None, article_body: str | None) -> None:
        self.root = root
        self._title = title
        self._description = description
        self._article_body = article_body

    @cached_property
    def metas(self) -> dict[str, list[str]]:
        found: dict[str, list[str]] = {}
        for node in self.root.iter("meta"):
            key = (node.get("property") or node.get("name") or "").lower()
            if key in _META_KEYS:
                value = normalize_space(node.get("content"))
                if value:
                    found.setdefault(key, []).append(value)
        return found

    @cached_property
    def titles(self) -> set[str]:
        out = {self._title} if self._title else set()
        out.update(self.metas.get("og:title", []) + self.metas.get("twitter:title", []))
        for node in self.root.iter("title", "h1"):
            out.add(normalize_space(node.text_content()))
        return {_key(t) for t in out if t}

    @cached_property
    def descriptions(self) -> list[str]:
        found = [self._description] if self._description else []
        for key in ("og:description", "description", "twitter:description"):
            found += self.metas.get(key, [])
        return list(dict.fromkeys(normalize_space(d) for d in found if d))

    @cached_property
    def body(self) -> lxml.html.HtmlElement:
        body = self.root.find("body")
        return body if body is not None else self.root

    @cached_property
    def body_text(self) -> str:
        """The page's text in document order (scripts included: positions only)."""
        return self.body.text_content()

    @cached_property
    def article_body(self) -> str | None:
        if self._article_body is not None:
            return self._article_body
        scripts = [s.text for s in self.root.iter("script") if s.text and s.get("type") == "application/ld+json"]
        return jsonld.text_value(jsonld.article_object(scripts).get("articleBody")) if scripts else None


_META_KEYS = {"og:title", "twitter:title", "og:description", "description", "twitter:description"}
_TABLE_ROW = re.compile(r"^\|(.*)\|$")
_LAYOUT_TABLE = re.compile(r"^\s*\|[^\n]{2000}", re.MULTILINE)
_INVISIBLE = re.compile("[\u200b\u200c\u200d\u2060\ufeff]")
_NON_WORD = re.compile(r"\W+")
_WORD = re.compile(r"\w+")


def _line(line: str) -> str:
    line = " ".join(line.split())
    if line[:1] != "|":
        return line
    row = _TABLE_ROW.match(line)
    if row:  # trafilatura's "| a | b |" table rows -> "a | b"
        line = " | ".join(c.strip() for c in row.group(1).split("|") if c.strip())
    return line


def _key(text: str) -> str:
    return _NON_WORD.sub(" ", text.casefold()).strip()


def _grams(text: str) -> tuple[tuple[str, str, str, str], ...]:
    """Word 4-grams of ``text`` (casefolded), the unit the corpora are scored in."""
    words = _WORD.findall(text.casefold())
    return tuple(zip(words, words[1:], words[2:], words[3:], strict=False))


# -- links to elsewhere -------------------------------------------------------------
_LABEL = re.compile(r"^[^:|»>]{1,30}[:|»>]\s*")
_LINK_TEXTS = ".//a[@href][string-length() >= $shortest][string-length(normalize-space()) <= $longest]"


def _drop_link_teasers(paragraphs: list[str], page: _Page) -> list[str]:
    """Lines that are a link to another page, alone or behind a label ("Read more: <headline>").

    Such a line is (nearly) the whole text of a link of three words or more: a headline
    plus at most a short decoration ("Headline [VIDEO]", "Related: Headline"). A linked
    sentence ("... said on Monday.") is prose and stays; so does a URL written out.
    """
    # candidate line -> the shortest link text that makes it a teaser
    candidates: dict[str, int] = {}
    for p in paragraphs:
        if len(p) > 300 or len(p.split()) < 3:
            continue
        label = _LABEL.match(p)
        if label:
            candidates[p] = int(0.75 * (len(p) - label.end()))
        elif not p.endswith("."):
            candidates[p] = int(0.75 * len(p))
    if not candidates:
        return paragraphs
    texts = set()
    shortest = min(max(n, 12) for n in candidates.values())
    for a in page.root.xpath(_LINK_TEXTS, shortest=shortest, longest=max(len(p) for p in candidates)):
        if a.get("href", "").startswith(("#", "javascript:")):
            continue
        text = normalize_space(a.text_content())
        if text.count(" ") >= 2 and "://" not in text and "www." not in text:  # a URL written out is text
            texts.add(text)
    if not texts:
        return paragraphs
    teasers = {p for p, shortest in candidates.items()
               if any(len(t) >= shortest and t in p for t in texts if len(t) <= len(p))}
    return [p for p in paragraphs if p not in teasers]


# -- repeats ----------------------------------------------------------------------------
def _drop_repeats(paragraphs: list[str]) -> list[str]:
    """A small block recurring through the text is a template (placeholders of blocked embeds):
    all its copies go. A long paragraph rendered twice keeps its first copy. Lines without
    a word ("-", "* * *") go too."""
    keys = [p.casefold() if _WORD.search(p) else "" for p in paragraphs]
    counts: dict[str, int] = {}
    for k in keys:
        counts[k] = counts.get(k, 0) + 1
    template = {k for k, n in counts.items() if n >= 3}
    if len(template) > 4:  # the whole text rendered several times, not a small block
        template = set()
    seen: set[str] = set()
    out = []
    for p, k in zip(paragraphs, keys, strict=True):
        if not k or k in template or (k in seen and len(_WORD.findall(k)) >= 8):
            continue
        seen.add(k)
        out.append(p)
    return out


# -- JSON-LD articleBody ------------------------------------------------------------
def _agree_with_article_body(paragraphs: list[str], page: _Page) -> list[str]:
    """Drop paragraphs the page's JSON-LD ``articleBody`` lacks, when both are the same article.

    Publishers fill ``articleBody`` from the CMS, without teasers, captions and widgets.
    When it holds nearly all the extracted text and the extracted text holds nearly all
    of it, a paragraph absent from it is page furniture. Subheadings (often missing
    from ``articleBody``) and the lead stay.
    """
    article_body = page.article_body
    if not article_body or len(article_body) < 500:
        return paragraphs
    reference = _words(article_body)
    words = [_words(p) for p in paragraphs]
    found = [_found_in(w, reference) for w in words]
    shared = sum(len(w) for w, ok in zip(words, found, strict=True) if ok)
    if shared < 0.7 * sum(len(w) for w in words) or shared < 0.8 * len(reference):
        return paragraphs
    lead = _words(page.descriptions[0]) if page.descriptions else ""
    return [p for p, w, ok in zip(paragraphs, words, found, strict=True)
            if ok or len(p) < 40 or _is_heading(p) or (lead and _found_in(w, lead))]


def _words(text: str) -> str:
    """Casefolded words, single-spaced: text compared without its punctuation and quotes."""
    return " ".join(_WORD.findall(text.casefold()))


def _found_in(paragraph: str, reference: str) -> bool:
    """Whether a stretch from the start, middle or end of ``paragraph`` occurs in ``reference``."""
    n = len(paragraph)
    if n < 30:
        return paragraph in reference
    middle = n // 2 - 12
    return any(paragraph[i:i + 24] in reference for i in (0, middle, n - 24))


def _is_heading(paragraph: str) -> bool:
    return len(paragraph.split()) <= 12 and paragraph[-1:] not in ".!?:…\"'”“»"


# -- headline -------------------------------------------------------------------------
_TITLE_SPLIT = re.compile(r"\s+[|–—-]\s+|\s*[|｜]\s*")


def _is_title(paragraph: str, titles: set[str]) -> bool:
    if len(paragraph) > 400:
        return False
    for part in (paragraph, _TITLE_SPLIT.split(paragraph)[0]):
        k = _key(part)
        if len(k) >= 10 and any(k == t or (t.startswith(k) and len(k) >= 0.6 * len(t)) for t in titles):
            return True
    return False


def _drop_leading_title(paragraphs: list[str], titles: set[str]) -> list[str]:
    """The headline repeated in the first lines (alone, or as "Headline | Site")."""
    if not titles:
        return paragraphs
    return [p for p in paragraphs[:5] if not _is_title(p, titles)] + paragraphs[5:]


# -- lead -----------------------------------------------------------------------------
_OUTSIDE = {"script", "style", "noscript", "template", "title", "head", "footer", "nav", "aside", "form",
            "button", "a"}
_TEXT_NODES = ".//text()[contains(., $probe)]"


_CUT_END = re.compile(r"(?:\.{3,}|…)\s*$")
_ELLIPSIS = re.compile(r"\.{2,}|…")


def _expand_cut_teasers(paragraphs: list[str], page: _Page) -> list[str]:
    """A cut copy of the lead among the first paragraphs (a photo box's or summary's '…투기 의혹이...'):
    the full paragraph the page shows takes its place, or it goes when the text has that paragraph already.

    Only a short paragraph ending in an ellipsis counts, and only its last piece (30+ characters, the
    cut lead) is looked for; a page that never shows the piece whole keeps the paragraph as it is.
    """
    out: list[str | None] = list(paragraphs)
    for i, paragraph in enumerate(paragraphs[:3]):
        if len(paragraph) > 400 or not _CUT_END.search(paragraph):
            continue
        pieces = [p.strip() for p in _ELLIPSIS.split(paragraph) if p.strip()]
        stem = pieces[-1] if pieces else ""
        if len(stem) < 30:
            continue
        if any(stem in other for j, other in enumerate(paragraphs) if j != i):
            out[i] = None
            continue
        out[i] = _whole(page, stem) or paragraph
    return [p for p in out if p]


def _whole(page: _Page, stem: str) -> str | None:
    """The visible text node of the page that holds ``stem`` and goes on after it (not cut itself)."""
    for node in page.body.xpath(_TEXT_NODES, probe=stem[:20]):
        element = node.getparent()
        if element is None or element.tag in _OUTSIDE or any(a.tag in _OUTSIDE for a in element.iterancestors()):
            continue
        text = _line(nfc(str(node)))
        if stem in text and len(text) >= len(stem) + 20 and not _CUT_END.search(text):
            return text
    return None


def _lead(page: _Page, paragraphs: list[str]) -> str | None:
    """The page's teaser when trafilatura left it out: its description, shown in the page before the body."""
    for description in page.descriptions:
        if len(description) < 40:
            continue
        if _contains(paragraphs, description):
            return None  # already there
        shown = _shown(page, description, paragraphs)
        if shown:
            return shown
    return None


def _shown(page: _Page, description: str, paragraphs: list[str]) -> str | None:
    """Full text of the visible block showing ``description`` ahead of the body, or None.

    Shown only in meta tags, in page furniture, or after the first extracted paragraphs
    (a site-wide blurb in the footer, a teaser of another article): not this article's lead.
    """
    text = page.body_text
    starts = [text.find(s) for p in paragraphs[:3] if len(p) >= 40 for s in (p[:25], p[-25:])]
    body_start = min((i for i in starts if i >= 0), default=-1)
    if body_start < 0:
        return None  # the body's place in the page is unknown
    stripped = description.rstrip(".… ")
    for probe in dict.fromkeys((stripped[:30], stripped[-30:])):
        if len(probe) < 20:
            continue
        before = text.count(probe, 0, body_start)
        if not before:
            continue
        # the first visible occurrence, if it is one of those ahead of the body
        for rank, node in enumerate(page.body.xpath(_TEXT_NODES, probe=probe)):
            if rank >= before:
                break
            element = node.getparent()
            if element is not None and node.is_tail:
                element = element.getparent()
            if element is None or element.tag in _OUTSIDE or any(a.tag in _OUTSIDE for a in element.iterancestors()):
                continue
            return _block_text(element, description)
    return None


def _block_text(element: lxml.html.HtmlElement, description: str) -> str | None:
    """Text of ``element`` grown to the block holding the whole description, if it stays lead-sized."""
    limit = 2 * len(description) + 80
    whole = _squash(description.rstrip(".… "))[:80]
    text = normalize_space(element.text_content())
    while whole not in _squash(text):
        parent = element.getparent()
        if parent is None:
            break
        element, text = parent, normalize_space(parent.text_content())
        if len(text) > limit:
            return None
    return text if len(text) <= limit else None


def _squash(text: str) -> str:
    return "".join(text.split())


def _contains(paragraphs: list[str], lead: str) -> bool:
    """Whether the extracted text already has (most of) the lead."""
    lead_grams = set(_grams(lead))
    if not lead_grams:
        return _key(lead) in _key(" ".join(paragraphs[:8]))
    found = set()
    for p in paragraphs:
        found.update(lead_grams.intersection(_grams(p)))
        if len(found) >= 0.5 * len(lead_grams):
            return True
    # a lead sentence may run across two extracted lines
    return len(lead_grams.intersection(_grams(" ".join(paragraphs[:6])))) >= 0.5 * len(lead_grams)
