"""Charset repair for pages that lie about their encoding.

Small Korean sites often declare ``euc-kr`` (really CP949) while the bytes are UTF-8,
or the other way round. Scrapy decodes by HTTP header, then BOM, then ``<meta>``; when
the result contains U+FFFD or the declared legacy charset is contradicted by bytes that
are valid UTF-8, the page is decoded again. Valid multi-byte UTF-8 is strong evidence:
CP949 text is almost never valid UTF-8.
"""

from __future__ import annotations

from scrapy.http import TextResponse

LEGACY_KOREAN = frozenset({"cp949", "euc_kr", "euc-kr", "ks_c_5601-1987", "uhc", "windows-949", "iso-2022-kr"})


def _is_utf8(body: bytes) -> bool:
    try:
        body.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return any(b >= 0x80 for b in body)


def repair_encoding(response: TextResponse) -> tuple[TextResponse, str | None]:
    """(response, None) when the decoding is fine, else (re-decoded response, what was done)."""
    encoding = (response.encoding or "").lower().replace("_", "-")
    text = response.text
    if encoding in {"utf-8", "utf8"}:
        if "\ufffd" in text:
            for candidate in ("cp949",):
                try:
                    response.body.decode(candidate)
                except UnicodeDecodeError:
                    continue
                return response.replace(encoding=candidate), f"utf-8->{candidate}"
        return response, None
    if _is_utf8(response.body) and (encoding.replace("-", "_") in {e.replace("-", "_") for e in LEGACY_KOREAN}
                                    or "\ufffd" in text):
        return response.replace(encoding="utf-8"), f"{encoding}->utf-8"
    return response, None
