"""Charset repair for pages that lie about their encoding.

Small Korean sites often declare ``euc-kr`` (really CP949) while the bytes are UTF-8,
or the other way round. Scrapy decodes by HTTP header, then BOM, then ``<meta>``; when
the result contains U+FFFD or looks like mojibake, the page is decoded again with the
candidate that reads cleanly. Valid multi-byte UTF-8 is strong evidence: CP949 (or
Latin-1) text is almost never valid UTF-8, so a page whose bytes are valid UTF-8 but
which was decoded otherwise is re-decoded as UTF-8 when that reads better.

Used by ``newscrawl.middlewares.CharsetRepairMiddleware`` (crawls, with stats) and
``scrapy extract`` (saved pages). Pure functions: no I/O.
"""

from __future__ import annotations

import re
from functools import cache
from typing import TypeVar

from scrapy.http import HtmlResponse, TextResponse

#: The response class is kept: an HtmlResponse comes back as an HtmlResponse.
_Response = TypeVar("_Response", bound=TextResponse)

LEGACY_KOREAN = frozenset({"cp949", "euc_kr", "euc-kr", "ks_c_5601-1987", "uhc", "windows-949", "iso-2022-kr"})
#: Encodings tried, in order, when the declared one gives replacement characters.
CANDIDATES = ("utf-8", "cp949")
REPLACEMENT = "\ufffd"
# What a wrong decoding produces and Korean/English news text hardly contains: U+FFFD,
# C1 controls, private-use characters, and a Latin-1 letter followed by a character that
# cp1252/Latin-1 makes of a UTF-8 continuation byte ('í•œ', 'Ã©'). Hanja count as well:
# UTF-8 Hangul read as CP949 turns into runs of CJK ideographs.
_SUSPICIOUS = re.compile(
    "[\ufffd\u0080-\u009f\ue000-\uf8ff\u4e00-\u9fff\uf900-\ufaff]"
    "|[\u00c2-\u00f4][\u00a0-\u00bf\u0152\u0153\u0160\u0161\u0178\u017d\u017e\u0192\u02c6\u02dc"
    "\u2013-\u2022\u2026\u2030\u2039\u203a\u20ac\u2122]"
)


def _norm(encoding: str | None) -> str:
    return (encoding or "").lower().replace("_", "-")


def _is_utf8(body: bytes) -> bool:
    """Valid UTF-8 with at least one multi-byte sequence (pure ASCII proves nothing)."""
    if body.isascii():
        return False
    try:
        body.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def _strict(body: bytes, encoding: str) -> str | None:
    try:
        return body.decode(encoding)
    except (UnicodeDecodeError, LookupError):
        return None


def suspicious_count(text: str) -> int:
    """How many marks of a wrong decoding ``text`` carries (0 for clean Korean text without Hanja)."""
    return len(_SUSPICIOUS.findall(text))


def replacement_count(text: str) -> int:
    """Number of U+FFFD characters: text lost in decoding."""
    return text.count(REPLACEMENT)


def repair_encoding(response: _Response) -> tuple[_Response, str | None]:
    """(response, None) when the decoding is fine, else (re-decoded response, 'old->new').

    * Declared UTF-8 with U+FFFD: the first other candidate that decodes strictly (CP949).
    * Declared anything else, bytes valid UTF-8: UTF-8 when the text has U+FFFD, the
      declared charset is a legacy Korean one, or UTF-8 reads with fewer marks of mojibake.
    * Declared anything else with U+FFFD, bytes not UTF-8: a candidate that decodes strictly.
    """
    encoding = _norm(response.encoding)
    body = response.body
    if not body or body.isascii():
        return response, None
    text = response.text
    has_replacement = REPLACEMENT in text
    if encoding in {"utf-8", "utf8"}:
        if has_replacement:
            for candidate in CANDIDATES[1:]:
                if _strict(body, candidate) is not None:
                    return response.replace(encoding=candidate), f"utf-8->{candidate}"
        return response, None
    if _is_utf8(body):
        if has_replacement or encoding in LEGACY_KOREAN:
            return response.replace(encoding="utf-8"), f"{encoding}->utf-8"
        if suspicious_count(text) > suspicious_count(body.decode("utf-8")):
            return response.replace(encoding="utf-8"), f"{encoding}->utf-8"
        return response, None
    if has_replacement:
        for candidate in CANDIDATES[1:]:
            if candidate != encoding and _strict(body, candidate) is not None:
                return response.replace(encoding=candidate), f"{encoding}->{candidate}"
    return response, None


_LATIN_MOJIBAKE = re.compile(
    "[\u0080-\u009f]|[\u00c2-\u00f4][\u00a0-\u00bf\u0152\u0153\u0160\u0161\u0178\u017d\u017e\u0192\u02c6"
    "\u02dc\u2013-\u2022\u2026\u2030\u2039\u203a\u20ac\u2122]"
)
_HANJA = re.compile("[\u4e00-\u9fff\uf900-\ufaff]")
_HANGUL = re.compile("[\uac00-\ud7a3]")


def mojibake_reason(text: str | None) -> str | None:
    """Why ``text`` looks wrongly decoded ('replacement_char', 'mojibake'), or None.

    Legitimate Korean news uses Hanja sparingly ('與野', '韓美'); UTF-8 Hangul read as CP949
    turns most syllables into ideographs, so a high Hanja share among Korean letters is the
    tell. Latin-1 mojibake ('Ã©', 'í•œ') and C1 controls never occur in clean text.
    """
    if not text:
        return None
    if REPLACEMENT in text:
        return "replacement_char"
    if len(_LATIN_MOJIBAKE.findall(text)) >= 3:
        return "mojibake"
    hangul = _HANGUL.findall(text)
    hanja = len(_HANJA.findall(text))
    if len(hangul) + hanja >= 20:
        # Everyday Korean sits inside KS X 1001's 2,350 syllables; a CP949 misreading of UTF-8
        # produces ideographs and rare extension syllables ('븳', '쏆') in bulk.
        rare = sum(1 for ch in hangul if not _is_common_syllable(ch))
        if (rare + hanja) / (len(hangul) + hanja) > 0.25:
            return "mojibake"
    return None


@cache
def _is_common_syllable(ch: str) -> bool:
    try:
        ch.encode("euc_kr")
    except UnicodeEncodeError:
        return False
    return True


#: Python codec names -> the WHATWG labels a browser knows (it has no "cp949"; its euc-kr is windows-949).
_BROWSER_LABELS = {"cp949": "euc-kr", "euc-kr": "euc-kr", "euc_kr": "euc-kr", "utf-8": "utf-8", "utf8": "utf-8"}


def browser_charset(url: str, body: bytes, content_type: str | None) -> tuple[str, str | None] | None:
    """The charset a browser must decode an HTML document with to read what Scrapy reads.

    ``(label, change)`` for HTML: the encoding Scrapy settles on (HTTP header, BOM, ``<meta>``),
    repaired by :func:`repair_encoding` when it is wrong, as a WHATWG label; ``change`` is
    ``'old->new'`` when the page's own declaration was wrong (else None). None for anything that
    is not HTML (left as the server sent it).

    Why: a browser decodes by the same declarations, so a UTF-8 page under an ``euc-kr`` label comes
    out of it as mojibake that no later repair can undo (the bytes are gone); answering the browser
    with the right charset in the Content-Type header (which outranks ``<meta>``) avoids that.
    """
    ctype = (content_type or "").lower()
    if ctype and "html" not in ctype:
        return None
    headers = {"Content-Type": content_type} if content_type else {}
    response = HtmlResponse(url=url, body=body, headers=headers)
    repaired, change = repair_encoding(response)
    encoding = _norm(repaired.encoding)
    return _BROWSER_LABELS.get(encoding, encoding), change
