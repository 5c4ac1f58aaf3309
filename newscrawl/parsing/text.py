"""Text normalisation: NFC, whitespace, and the content hash.

Every text field goes through :func:`normalize_space`; the body keeps paragraph
breaks as one blank line (:func:`normalize_body`). ``content_hash`` is computed on
the normalised body with all whitespace collapsed, so layout changes alone never
change it.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata

_WS = re.compile(r"\s+")
# Zero-width and BOM characters that editors leak into text.
_INVISIBLE = re.compile("[\u200b\u200c\u200d\u2060\ufeff]")


def nfc(text: str) -> str:
    return unicodedata.normalize("NFC", text)


def normalize_space(text: str | None) -> str:
    """NFC, invisible characters removed, every whitespace run (incl. NBSP) -> one space."""
    if not text:
        return ""
    return _WS.sub(" ", _INVISIBLE.sub("", nfc(text))).strip()


def normalize_body(paragraphs_or_text: str | list[str]) -> str:
    """Paragraphs normalised and joined by one blank line; empty paragraphs dropped."""
    if isinstance(paragraphs_or_text, str):
        paragraphs = re.split(r"\n\s*\n", paragraphs_or_text)
    else:
        paragraphs = paragraphs_or_text
    return "\n\n".join(p for p in (normalize_space(p) for p in paragraphs) if p)


def content_hash(body: str | None) -> str:
    """SHA-256 hex of the body with whitespace collapsed (layout-insensitive)."""
    return hashlib.sha256(normalize_space(body).encode("utf-8")).hexdigest()

