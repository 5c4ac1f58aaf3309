"""Cleaning, the last step of extraction: Unicode and whitespace normalised, boilerplate out
of the body, reporters parsed.

The rules live in ``newscrawl.parsing.cleaning`` (``BOILERPLATE_RULES``) and
``newscrawl.parsing.bylines``; :func:`clean_article` applies them to any item through
``ItemAdapter``. :func:`newscrawl.extract.extract` runs it on every page, which counts
``newscrawl/clean/<rule>`` for every rule that fired (dateline, copyright, related, ...).
Cleaning is idempotent (a property test holds it so).
"""

from __future__ import annotations

from typing import Any

from itemadapter import ItemAdapter

from newscrawl.parsing.bylines import Byline, merge_bylines
from newscrawl.parsing.cleaning import clean_paragraphs
from newscrawl.parsing.text import content_hash, normalize_space

TEXT_FIELDS = ("title", "section", "site_name", "published_at_raw", "modified_at_raw")


def _bylines_of(adapter: ItemAdapter) -> list[Byline]:
    out = []
    for b in adapter.get("bylines") or []:
        name = normalize_space(b.get("name"))
        if name:
            out.append(Byline(name=name, desk=normalize_space(b.get("desk")) or None,
                              email=normalize_space(b.get("email")) or None))
    return out


def _attach_email(bylines: list[Byline], name: str, email: str) -> list[Byline]:
    """Give ``email`` to the reporter called ``name`` (or to the only reporter), adding one if new."""
    for i, b in enumerate(bylines):
        if b.name == name or (not name and len(bylines) == 1):
            if b.email is None:
                bylines[i] = Byline(name=b.name, desk=b.desk, email=email)
            return bylines
    if name:
        bylines.append(Byline(name=name, email=email))
    return bylines


def clean_article(item: Any) -> list[str]:
    """Clean ``item`` in place; returns the names of the rules that fired."""
    adapter = ItemAdapter(item)
    for field in TEXT_FIELDS:
        if field in adapter and adapter.get(field) is not None:
            adapter[field] = normalize_space(adapter[field]) or None
    title = adapter.get("title")
    subtitles = [s for s in (normalize_space(s) for s in adapter.get("subtitles") or []) if s and s != title]
    adapter["subtitles"] = list(dict.fromkeys(subtitles))

    removed: list[str] = []
    bylines = _bylines_of(adapter)
    body = adapter.get("body")
    if body:
        cleaned = clean_paragraphs(body.split("\n\n"))
        removed = cleaned.removed
        bylines = merge_bylines(bylines, cleaned.dateline_bylines)
        if cleaned.trailer:
            bylines = _attach_email(bylines, *cleaned.trailer)
        if cleaned.signature and not bylines:
            bylines = list(cleaned.signature)
        elif cleaned.signature:  # the same reporters signing below the body: their e-mails
            bylines = merge_bylines(bylines, [b for b in cleaned.signature if b.name in {x.name for x in bylines}])
        if cleaned.signoff and not bylines:
            bylines = [Byline(name=cleaned.signoff)]
        adapter["body"] = "\n\n".join(cleaned.paragraphs) or None
    adapter["bylines"] = [b.as_dict() for b in bylines]
    adapter["authors"] = [b.name for b in bylines]
    images = [
        {"url": (img.get("url") or "").strip(), "caption": normalize_space(img.get("caption")) or None}
        for img in adapter.get("images") or [] if img.get("url")
    ]
    # Photo credits standing alone in the body describe the images: they become captions, not body text.
    credits = iter(cleaned.credits if body else [])
    for image in images:
        if image["caption"] is None:
            image["caption"] = next(credits, None)
    adapter["images"] = images
    adapter["content_hash"] = content_hash(adapter["body"]) if adapter.get("body") else None
    return removed
