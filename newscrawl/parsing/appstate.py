"""Articles that exist only in a JavaScript app's embedded state.

Client-rendered pages (Next.js and similar) ship an empty shell plus the data in
``<script>`` tags: the React Server Components "flight" stream
(``self.__next_f.push([1,"..."])``) or ``__NEXT_DATA__`` JSON. Without running the
JavaScript, the article is still there: the flight stream's text chunks (``ID:T<hex
byte length>,<html>``) hold the article HTML, and date fields sit in JSON under names
like ``deployDt``/``publishedAt``/``updatedAt``. This module reads both, generically:
no site's field names are special-cased beyond those naming conventions.
"""

from __future__ import annotations

import json
import re

_PUSH = re.compile(r"self\.__next_f\.push\((\[.*?\])\)\s*;?\s*$", re.S)
_TEXT_CHUNK = re.compile(r"(?:^|\n)([0-9a-f]{1,6}):T([0-9a-f]{1,8}),")
_DATE_VALUE = r'"\s*:\s*"(?P<value>\d{4}[-./]\d{1,2}[-./]\d{1,2}[^"]{0,30})"'
_PUBLISHED_KEY = re.compile(
    r'"(?P<key>[A-Za-z_]*(?:publish(?:ed)?|deploy(?:ed)?|regist(?:er(?:ed)?)?|firstPublished|input|release[d]?)'
    r"_?(?:Dt|Date|DateTime|Time|At|Datetime|_?dt|_?date|_?time|_?at)?)" + _DATE_VALUE, re.IGNORECASE)
_MODIFIED_KEY = re.compile(
    r'"(?P<key>[A-Za-z_]*(?:modif(?:y|ied)?|updated?|redeploy(?:ed)?|edit(?:ed)?|revis(?:ed|ion))'
    r"_?(?:Dt|Date|DateTime|Time|At|Datetime|_?dt|_?date|_?time|_?at)?)" + _DATE_VALUE, re.IGNORECASE)


def flight_stream(scripts: list[str]) -> str:
    """The concatenated strings pushed to ``self.__next_f`` ('' when the page has none)."""
    parts: list[str] = []
    for script in scripts:
        if "__next_f" not in script:
            continue
        for match in _PUSH.finditer(script.strip()):
            try:
                payload = json.loads(match.group(1))
            except ValueError:
                continue
            parts.extend(x for x in payload if isinstance(x, str))
    return "".join(parts)


def html_chunks(stream: str) -> list[str]:
    """Text chunks of a flight stream that hold HTML, longest first."""
    if not stream:
        return []
    data = stream.encode("utf-8")
    chunks: list[str] = []
    for match in _TEXT_CHUNK.finditer(stream):
        start = len(stream[: match.end()].encode("utf-8"))
        length = int(match.group(2), 16)
        text = data[start:start + length].decode("utf-8", errors="ignore")
        if "<p" in text or "<br" in text or "<div" in text:
            chunks.append(text)
    return sorted(chunks, key=len, reverse=True)


def embedded_dates(text: str) -> tuple[str | None, str | None]:
    """(published, modified) raw values of the first date-named JSON fields in ``text``."""
    published = _PUBLISHED_KEY.search(text)
    modified = _MODIFIED_KEY.search(text)
    return (published.group("value") if published else None, modified.group("value") if modified else None)

