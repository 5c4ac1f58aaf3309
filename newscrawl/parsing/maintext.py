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
              title: str | None = None, description: str | None = None) -> list[str]:
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
    if _opt("repeats", True):
        paragraphs = _drop_repeats(paragraphs)
    if _opt("boiler", True):
        from newscrawl.parsing.boilerplate_html import is_boilerplate

        paragraphs = [p for p in paragraphs if not is_boilerplate(p)]
    if _opt("title", True):
        paragraphs = _drop_leading_title(paragraphs, _titles(tree, title))
    if _opt("lead", True) and paragraphs:
        lead = _lead(tree, description)
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


def _drop_leading_title(paragraphs: list[str], titles: set[str]) -> list[str]:
    """The headline repeated at the top (alone, or as "Headline | Site")."""
    for i, p in enumerate(paragraphs[:3]):
        k = _key(p)
        if k and len(k) >= 10 and any(k == t or (t.startswith(k) and len(k) >= 0.6 * len(t)) for t in titles):
            return paragraphs[:i] + paragraphs[i + 1:]
    return paragraphs


def _lead(tree: Any, description: str | None) -> str | None:
    candidates = [description] if description else []
    candidates += _meta(tree, "og:description", "description", "twitter:description")
    for cand in candidates:
        cand = normalize_space(cand)
        if len(cand) < _opt("lead_min", 40):
            continue
        shown = _shown(tree, cand)
        if shown:
            return shown
    return None


def _squash(text: str) -> str:
    return re.sub(r"\s+", "", text)


def _shown(tree: Any, description: str) -> str | None:
    """The page's visible element carrying ``description`` (its full text), or None."""
    probe = _squash(description.rstrip(".…"))[:40]
    if len(probe) < 20:
        return None
    body = tree.find(".//body")
    if body is None:
        return None
    for node in body.iter():
        if not isinstance(node.tag, str) or node.tag in ("script", "style", "noscript", "template", "title"):
            continue
        if node.text and probe in _squash(node.text) or any(
                probe in _squash(child.tail or "") for child in node):
            pass
        else:
            continue
        element = node
        text = normalize_space(element.text_content())
        # grow to the enclosing block while the text stays about the description's size
        while _squash(description.rstrip(".…"))[:80] not in _squash(text) and element.getparent() is not None:
            parent = element.getparent()
            parent_text = normalize_space(parent.text_content())
            if len(parent_text) > 2 * len(description) + 80:
                break
            element, text = parent, parent_text
        if len(text) > 2 * len(description) + 80:
            return None
        return text
    return None


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
