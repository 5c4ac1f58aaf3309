"""Is an HTML page cut short? The rule behind the ``truncated`` reject and the one retry.

A page cut in transit parses without error: lxml closes every open element, so the article
comes out with the paragraphs that arrived and nothing says the rest is missing. Two signs
are checked, both narrow enough that no complete page of our CMS families (fixtures and
``../shared/corpus``) trips them:

* fewer body bytes than the ``Content-Length`` the server declared (Scrapy turns most such
  responses into download errors, ``DOWNLOAD_FAIL_ON_DATALOSS``; the ones it lets through
  carry the ``dataloss`` flag), when the body was not decompressed on the way in;
* a document that opens ``<html>`` or ``<body>`` but closes neither: every template of our
  CMS families ends with ``</body></html>``; a page cut mid-element has neither. Only for
  those families (``structure=True``): on the open web some complete pages lack both (one
  of 258 corpus pages, a WordPress site whose footer ends in ``<p>``).

Fragments (no ``<html>``/``<body>`` at all) and UTF-16 bodies are never judged by structure.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

_OPEN = re.compile(rb"<(?:html|body)[\s>/]", re.IGNORECASE)
_CLOSE = re.compile(rb"</(?:body|html)\s*>", re.IGNORECASE)


def declared_length(value: bytes | str | None) -> int | None:
    """The Content-Length header as a number, None when absent or not one."""
    if value is None:
        return None
    text = value.decode("latin-1") if isinstance(value, bytes) else value
    text = text.strip()
    return int(text) if text.isascii() and text.isdigit() else None


def truncation_reason(body: bytes, content_length: bytes | str | None = None, content_encoding: bool = False,
                      flags: Iterable[str] = (), structure: bool = True) -> str | None:
    """Why ``body`` looks cut short, or None when it looks whole.

    ``content_length``: the raw header; ``content_encoding``: whether the body is still
    compressed or was inflated (then the header counts other bytes and is not compared);
    ``flags``: the response flags (Scrapy marks a short body it let through ``dataloss``);
    ``structure``: whether a document without ``</body>`` and ``</html>`` counts as cut.
    """
    if "dataloss" in flags:
        return "dataloss: fewer bytes than Content-Length"
    declared = declared_length(content_length)
    if declared is not None and not content_encoding and len(body) < declared:
        return f"{len(body)} of {declared} bytes (Content-Length)"
    if not structure or body[:2] in (b"\xff\xfe", b"\xfe\xff"):
        return None  # UTF-16: the byte patterns below do not apply
    if _OPEN.search(body) and not _CLOSE.search(body):
        return "no </body> or </html>"
    return None
