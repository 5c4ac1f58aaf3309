"""Main-text extraction for pages without family selectors (trafilatura underneath).

Only used where cheaper paths fail: family selectors first, then this. The tree is
copied before trafilatura cleans it, so the page's selectors stay usable.

Around trafilatura, a few page-independent repairs (each measured on the development
corpora, none tied to a site):

* the page's own headline repeated as the first line is dropped;
* a paragraph repeated three times or more is template (placeholders for blocked
  embeds, "Advertisement"), a repeated one keeps its first occurrence only;
* short boilerplate lines (``newscrawl.parsing.boilerplate_html``) go: photo credits,
  share/newsletter prompts, "Read more:" teasers;
* the lead (teaser shown above the body, the page's description) is put back in front
  when trafilatura missed it and the page shows it.
"""

from __future__ import annotations

import copy
import logging
import re
from typing import Any

from newscrawl.parsing.text import normalize_space

logger = logging.getLogger(__name__)

EXP: dict[str, Any] = {}  # experiment toggles (temporary)


def _opt(name: str, default: Any) -> Any:
    return EXP.get(name, default)


def main_text(tree: Any, url: str | None = None, *, favor: str = "balanced",
              title: str | None = None, description: str | None = None,
              article_body: str | None = None) -> list[str]:
    """Paragraphs of the page's main text ([] when none is found).

    ``tree`` is an lxml HTML element (copied here), or HTML text/bytes. ``title`` and
    ``description`` (the page's headline and summary, when the caller knows them) are
    otherwise read from the page's meta tags.
    """
    import trafilatura

    if not hasattr(tree, "tag"):
        import lxml.html

        try:
            tree = lxml.html.fromstring(tree)
        except Exception:  # noqa: BLE001
            return []
    document = copy.deepcopy(tree)
    try:
        text = trafilatura.extract(
            document, url=url, include_comments=False, include_tables=_opt("tables", True), include_images=False,
            include_links=False, with_metadata=False, deduplicate=False,
            favor_precision=favor == "precision", favor_recall=favor == "recall", fast=_opt("fast", False),
        )
    except Exception:  # trafilatura on hostile HTML: the page degrades to "no body", it never aborts
        logger.debug("trafilatura failed on %s", url, exc_info=True)
        return []
    if not text:
        return []
    paragraphs = [p for p in (_line(line) for line in text.split("\n")) if p]
    if _opt("links", True):
        paragraphs = _drop_link_teasers(paragraphs, tree)
    if _opt("repeats", True):
        paragraphs = _drop_repeats(paragraphs)
    if _opt("boiler", True):
        from newscrawl.parsing.boilerplate_html import is_boilerplate

        paragraphs = [p for p in paragraphs if not is_boilerplate(p)]
    if _opt("ld", True):
        paragraphs = _agree_with_article_body(
            paragraphs, article_body if article_body is not None else _ld_article_body(tree),
            description or next(iter(_meta(tree, "og:description", "description")), None))
    if _opt("title", True):
        paragraphs = _drop_leading_title(paragraphs, _titles(tree, title))
    if _opt("meta", True):
        from newscrawl.parsing.boilerplate_html import is_metadata_line

        last = len(paragraphs) - 3
        paragraphs = [p for i, p in enumerate(paragraphs) if not is_metadata_line(p, i < 5 or i >= last)]
    if _opt("lead", True) and paragraphs:
        lead = _lead(tree, paragraphs, description)
        if lead and not _contains(paragraphs, lead):
            paragraphs.insert(0, lead)
    return paragraphs


_TABLE_ROW = re.compile(r"^\|(.*)\|$")


def _line(line: str) -> str:
    line = normalize_space(line)
    row = _TABLE_ROW.match(line)
    if row:  # "| a | b |" -> "a | b"
        line = " | ".join(c.strip() for c in row.group(1).split("|") if c.strip())
    return line


_LABEL = re.compile(r"^[^:|»>]{1,30}[:|»>]\s*")


def _link_texts(tree: Any) -> set[str]:
    """Keys of the page's link texts of three words or more (teasers, related headlines)."""
    out = set()
    for a in tree.iter("a"):
        href = a.get("href") or ""
        if not href or href.startswith(("#", "javascript:")):
            continue
        text = a.text_content()
        if "://" in text or "www." in text:  # a URL written out is text, not a teaser
            continue
        k = _key(text)
        if k.count(" ") >= 2:
            out.add(k)
    return out


def _drop_link_teasers(paragraphs: list[str], tree: Any) -> list[str]:
    """Lines that are a link to elsewhere, alone or behind a label ("Read more: <headline>")."""
    links = None
    out = []
    for p in paragraphs:
        if len(p) <= 300:
            if links is None:
                links = _link_texts(tree)
            k = _key(p)
            label = _LABEL.match(p)
            if label and _key(p[label.end():]) in links:
                continue
            # a whole linked sentence ("... said on Monday.") is prose; a linked headline is a teaser
            if not p.endswith(".") and (k in links or any(len(a) >= 0.75 * len(k) and a in k for a in links)):
                continue
        out.append(p)
    return out


_WORD = re.compile(r"\w+")


def _grams(text: str) -> list[tuple[str, ...]]:
    words = _WORD.findall(text.casefold())
    return [tuple(words[i:i + 4]) for i in range(len(words) - 3)]


def _ld_article_body(tree: Any) -> str | None:
    from newscrawl.parsing import jsonld

    scripts = [s.text for s in tree.iter("script") if s.get("type") == "application/ld+json" and s.text]
    if not scripts:
        return None
    return jsonld.text_value(jsonld.article_object(scripts).get("articleBody"))


def _agree_with_article_body(paragraphs: list[str], article_body: str | None, lead: str | None) -> list[str]:
    """Paragraphs the page's JSON-LD ``articleBody`` does not have, when both otherwise agree.

    Publishers fill ``articleBody`` from the CMS, without teasers, captions and widgets. When
    it holds (nearly) all the extracted text and the extracted text holds (nearly) all of it,
    it is the same article, and a paragraph absent from it is page furniture.
    """
    if not article_body or len(article_body) < _opt("ld_min", 500):
        return paragraphs
    ld = set(_grams(article_body))
    grams = [_grams(p) for p in paragraphs]
    ours = [g for gs in grams for g in gs]
    if not ours or not ld:
        return paragraphs
    ours_in_ld = sum(g in ld for g in ours) / len(ours)
    ld_in_ours = len(ld & set(ours)) / len(ld)
    if ours_in_ld < _opt("ld_a", 0.7) or ld_in_ours < _opt("ld_b", 0.8):
        return paragraphs
    keep = set(_grams(lead or ""))
    return [p for p, gs in zip(paragraphs, grams, strict=True)
            if len(gs) < 3 or sum(g in ld or g in keep for g in gs) >= _opt("ld_c", 0.2) * len(gs)
            or _is_heading(p)]


def _is_heading(paragraph: str) -> bool:
    """A subheading: a few words, no closing punctuation (``articleBody`` often drops them)."""
    return len(paragraph.split()) <= 12 and paragraph[-1:] not in ".!?:…\"'”“»"


def _key(text: str) -> str:
    return re.sub(r"\W+", " ", text.casefold()).strip()


def _drop_repeats(paragraphs: list[str]) -> list[str]:
    counts: dict[str, int] = {}
    for p in paragraphs:
        k = _key(p)
        counts[k] = counts.get(k, 0) + 1
    # A small block recurring through the text is a template (blocked-embed placeholders,
    # ad labels): all its copies go. A whole text rendered several times keeps one copy.
    template = {k for k, n in counts.items() if n >= 3}
    if len(template) > 4:
        template = set()
    seen: set[str] = set()
    out = []
    for p in paragraphs:
        k = _key(p)
        if not k or k in template or (k in seen and len(k.split()) >= 8):
            continue
        seen.add(k)
        out.append(p)
    return out


def _meta(tree: Any, *names: str) -> list[str]:
    found = []
    for node in tree.iterfind(".//meta"):
        key = (node.get("property") or node.get("name") or "").lower()
        if key in names:
            value = normalize_space(node.get("content"))
            if value:
                found.append(value)
    return found


def _titles(tree: Any, title: str | None) -> set[str]:
    out = {title} if title else set()
    out.update(_meta(tree, "og:title", "twitter:title"))
    doc_title = tree.findtext(".//title")
    if doc_title:
        out.add(normalize_space(doc_title))
    for h1 in tree.iter("h1"):
        out.add(normalize_space(h1.text_content()))
    return {_key(t) for t in out if t}


_TITLE_SPLIT = re.compile(r"\s+[|–—-]\s+|\s*[|｜]\s*")


def _is_title(paragraph: str, titles: set[str]) -> bool:
    for part in (paragraph, _TITLE_SPLIT.split(paragraph)[0]):
        k = _key(part)
        if len(k) >= 10 and any(k == t or (t.startswith(k) and len(k) >= 0.6 * len(t)) for t in titles):
            return True
    return False


def _drop_leading_title(paragraphs: list[str], titles: set[str]) -> list[str]:
    """The headline repeated at the top (alone, or as "Headline | Site")."""
    head = [p for p in paragraphs[:5] if not _is_title(p, titles)]
    return head + paragraphs[5:]


def _lead(tree: Any, paragraphs: list[str], description: str | None) -> str | None:
    """The page's teaser (its description, as shown above the body), when trafilatura left it out."""
    candidates = [description] if description else []
    candidates += _meta(tree, "og:description", "description", "twitter:description")
    seen = set()
    for cand in candidates:
        cand = normalize_space(cand)
        if len(cand) < _opt("lead_min", 40) or cand in seen:
            continue
        seen.add(cand)
        shown = _shown(tree, cand, paragraphs)
        if shown:
            return shown
    return None


def _squash(text: str | None) -> str:
    return _SPACE.sub("", text or "")


_SPACE = re.compile(r"\s+")
_OUTSIDE = ("script", "style", "noscript", "template", "title", "footer", "nav", "aside", "form", "button")


def _shown(tree: Any, description: str, paragraphs: list[str]) -> str | None:
    """Full text of the visible element showing ``description`` before the body starts, or None.

    The description must be shown in the page (not only in meta tags), outside page
    furniture, and ahead of the first extracted paragraphs: a site-wide blurb in the
    footer or a teaser of another article is not this article's lead.
    """
    probe = _squash(description.rstrip(".…"))[:40]
    if len(probe) < 20:
        return None
    starts = [_squash(p)[:30] for p in paragraphs[:3] if len(_squash(p)) >= 30]
    body = tree.find(".//body")
    if body is None or not starts:
        return None
    found = None
    for node in body.iter():
        if not isinstance(node.tag, str):
            continue
        texts = [node.text, *(child.tail for child in node)]
        own = "".join(_squash(t) for t in texts if t)
        if not own:
            continue
        if found is None and probe in own:
            found = node
        elif any(start in own for start in starts):
            break  # the body starts here
    else:
        return None  # body start not found: cannot tell the lead from a later teaser
    if found is None or any(a.tag in _OUTSIDE for a in found.iterancestors()) or found.tag in _OUTSIDE:
        return None
    element, text = found, normalize_space(found.text_content())
    whole = _squash(description.rstrip(".…"))[:80]
    # grow to the enclosing block while it stays about the description's size
    while whole not in _squash(text) and element.getparent() is not None:
        element = element.getparent()
        text = normalize_space(element.text_content())
    if len(text) > 2 * len(description) + 80:
        return None
    return text


def _contains(paragraphs: list[str], lead: str) -> bool:
    lead_key = _key(lead)
    head = _key(" ".join(paragraphs[:8]))
    if lead_key[:60] in head:
        return True
    words = lead_key.split()
    if len(words) < 4:
        return lead_key in head
    grams = {tuple(words[i:i + 4]) for i in range(len(words) - 3)}
    body_words = _key(" ".join(paragraphs)).split()
    body_grams = {tuple(body_words[i:i + 4]) for i in range(len(body_words) - 3)}
    return len(grams & body_grams) >= 0.5 * len(grams)
