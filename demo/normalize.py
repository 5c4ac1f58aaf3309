"""The output text contract, written for the demo's truth without newscrawl's code.

Why its own copy: the truth is the answer the crawler is graded against, so it must not
be computed by the functions under test (a bug there would be copied into the answer).
This module is written from the documented contract of the exported fields
(``newscrawl/schema/article.schema.json``, README *Output: the item*), not from the
crawler's implementation:

* every text field: control characters (other than whitespace), bidi controls and
  zero-width characters removed, then Unicode NFC, each run of whitespace
  (any character Python counts as whitespace, NBSP and ideographic space included) one
  space, no leading or trailing space;
* ``body``: each paragraph so normalised, empty ones dropped, joined by one blank line;
* ``content_hash``: SHA-256 hex of the UTF-8 body with all its whitespace collapsed, so
  the paragraph layout alone never changes it.
"""

from __future__ import annotations

import hashlib
import unicodedata
from collections.abc import Iterable

#: Characters that take no room on a page but do break string equality; editors and CMSes leak them.
ZERO_WIDTH = frozenset((
    "\N{ZERO WIDTH SPACE}",
    "\N{ZERO WIDTH NON-JOINER}",
    "\N{ZERO WIDTH JOINER}",
    "\N{WORD JOINER}",
    "\N{FUNCTION APPLICATION}", "\N{INVISIBLE TIMES}", "\N{INVISIBLE SEPARATOR}", "\N{INVISIBLE PLUS}",
    "\N{MONGOLIAN VOWEL SEPARATOR}",
    "\N{ZERO WIDTH NO-BREAK SPACE}",  # the byte order mark, when it lands inside the text
))
#: Characters that reorder what a reader sees (a right-to-left override in a title).
BIDI_CONTROLS = frozenset((
    "\N{ARABIC LETTER MARK}", "\N{LEFT-TO-RIGHT MARK}", "\N{RIGHT-TO-LEFT MARK}",
    "\N{LEFT-TO-RIGHT EMBEDDING}", "\N{RIGHT-TO-LEFT EMBEDDING}", "\N{POP DIRECTIONAL FORMATTING}",
    "\N{LEFT-TO-RIGHT OVERRIDE}", "\N{RIGHT-TO-LEFT OVERRIDE}",
    "\N{LEFT-TO-RIGHT ISOLATE}", "\N{RIGHT-TO-LEFT ISOLATE}", "\N{FIRST STRONG ISOLATE}",
    "\N{POP DIRECTIONAL ISOLATE}",
))


def _invisible(ch: str) -> bool:
    """A control that is not whitespace (whitespace controls become a space), a bidi control, a zero-width one."""
    return (unicodedata.category(ch) == "Cc" and not ch.isspace()) or ch in BIDI_CONTROLS or ch in ZERO_WIDTH
PARAGRAPH_SEPARATOR = "\n\n"


def normalize_space(text: str | None) -> str:
    """One text field as exported: NFC, no zero-width characters, single spaces, trimmed."""
    if not text:
        return ""
    # Removed before NFC: between a letter and its combining mark, they would keep it decomposed.
    visible = unicodedata.normalize("NFC", "".join(ch for ch in text if not _invisible(ch)))
    return " ".join(visible.split())  # str.split() with no separator: every whitespace run, ends dropped


def normalize_body(paragraphs: Iterable[str]) -> str:
    """The exported ``body`` of these paragraphs: each normalised, empty ones dropped, one blank line between."""
    return PARAGRAPH_SEPARATOR.join(p for p in map(normalize_space, paragraphs) if p)


def content_hash(body: str) -> str:
    """The exported ``content_hash`` of ``body``: SHA-256 hex of it with whitespace collapsed."""
    return hashlib.sha256(normalize_space(body).encode("utf-8")).hexdigest()
