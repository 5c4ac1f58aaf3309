"""Charset repair on real bytes: repair_encoding (pure) and CharsetRepairMiddleware (stats, logs)."""

from __future__ import annotations

import logging

import pytest
from scrapy import Request
from scrapy.http import HtmlResponse, TextResponse

from newscrawl.middlewares import CharsetRepairMiddleware
from newscrawl.parsing.charset import repair_encoding, replacement_count, suspicious_count
from tests.helpers import project_crawler

TEXT = "누리군은 똠방골 마을길 정비를 마쳤다고 2일 밝혔다. 주민 '햏살 쉼터'도 새로 단장했다."
URL = "http://127.0.0.1/news/articleView.html?idxno=1"


def page(meta_charset: str) -> str:
    return (f'<!DOCTYPE html><html lang="ko"><head><meta charset="{meta_charset}"><title>누리일보</title></head>'
            f"<body><p>{TEXT}</p></body></html>")


def response(body: bytes, content_type: str) -> HtmlResponse:
    return HtmlResponse(url=URL, body=body, headers={"Content-Type": content_type})


def test_utf8_bytes_under_euckr_meta_without_header_charset_are_repaired() -> None:
    r = response(page("euc-kr").encode("utf-8"), "text/html")
    assert r.encoding == "cp949" and TEXT not in r.text  # what Scrapy alone does: meta wins, mojibake
    repaired, how = repair_encoding(r)
    assert how == "cp949->utf-8"
    assert repaired.encoding == "utf-8" and TEXT in repaired.text


def test_cp949_bytes_labelled_euckr_decode_without_repair() -> None:
    body = page("euc-kr").encode("cp949")
    with pytest.raises(UnicodeDecodeError):
        body.decode("euc_kr")  # '똠', '햏' are CP949 extensions
    r = response(body, "text/html; charset=euc-kr")
    assert repair_encoding(r) == (r, None)
    assert TEXT in r.text


def test_cp949_bytes_labelled_utf8_are_repaired() -> None:
    r = response(page("utf-8").encode("cp949"), "text/html; charset=utf-8")
    assert "\ufffd" in r.text
    repaired, how = repair_encoding(r)
    assert how == "utf-8->cp949" and TEXT in repaired.text


def test_utf8_bytes_labelled_latin1_mojibake_without_replacement_chars_is_repaired() -> None:
    text = "Café crème brûlée à Séoul"
    body = f'<html><head><meta charset="iso-8859-1"></head><body><p>{text}</p></body></html>'.encode()
    r = response(body, "text/html; charset=iso-8859-1")
    assert replacement_count(r.text) == 0 and "CafÃ©" in r.text  # mojibake, yet no U+FFFD
    assert suspicious_count(r.text) > suspicious_count(text)
    repaired, how = repair_encoding(r)
    assert how is not None and how.endswith("->utf-8") and text in repaired.text


@pytest.mark.parametrize(("body", "content_type"), [
    (page("utf-8").encode("utf-8"), "text/html; charset=utf-8"),
    (page("euc-kr").encode("cp949"), "text/html"),
    (b"<html><body>ascii only</body></html>", "text/html; charset=euc-kr"),
])
def test_correct_pages_are_left_alone(body: bytes, content_type: str) -> None:
    r = response(body, content_type)
    assert repair_encoding(r) == (r, None)


def test_suspicious_count_is_zero_on_clean_korean() -> None:
    assert suspicious_count(TEXT) == 0
    assert replacement_count("가\ufffd나\ufffd") == 2


# -- middleware --------------------------------------------------------------------


@pytest.fixture
def middleware() -> CharsetRepairMiddleware:
    crawler = project_crawler(**{"NEWSCRAWL_CHARSET_REPAIR_ENABLED": True})
    crawler.stats.open_spider()
    return CharsetRepairMiddleware.from_crawler(crawler)


def test_middleware_repairs_counts_and_logs(middleware: CharsetRepairMiddleware,
                                            caplog: pytest.LogCaptureFixture) -> None:
    r = response(page("euc-kr").encode("utf-8"), "text/html")
    with caplog.at_level(logging.INFO, logger="newscrawl.middlewares"):
        out = middleware.process_response(Request(URL), r)
    assert TEXT in out.text
    assert middleware.stats.get_value("newscrawl/charset/repaired") == 1
    assert middleware.stats.get_value("newscrawl/charset/replacement_chars") is None
    assert any("charset repaired" in rec.getMessage() and URL in rec.getMessage() for rec in caplog.records)


def test_middleware_counts_replacement_chars_when_nothing_decodes(middleware: CharsetRepairMiddleware,
                                                                  caplog: pytest.LogCaptureFixture) -> None:
    # UTF-8 page with two stray bytes: neither UTF-8 nor CP949 decodes it cleanly.
    body = page("utf-8").encode("utf-8").replace(b"<p>", b"<p>\xff\xfe")
    with caplog.at_level(logging.WARNING, logger="newscrawl.middlewares"):
        out = middleware.process_response(Request(URL), response(body, "text/html; charset=utf-8"))
    assert TEXT in out.text  # the rest of the page is kept as declared
    assert middleware.stats.get_value("newscrawl/charset/replacement_chars") == 2
    assert middleware.stats.get_value("newscrawl/charset/repaired") is None
    assert any("replacement characters" in rec.getMessage() for rec in caplog.records)


def test_middleware_leaves_good_and_non_html_responses(middleware: CharsetRepairMiddleware) -> None:
    good = response(page("utf-8").encode("utf-8"), "text/html; charset=utf-8")
    assert middleware.process_response(Request(URL), good) is good
    text = TextResponse(url=URL, body="가나다".encode("cp949"), headers={"Content-Type": "text/plain; charset=utf-8"})
    assert middleware.process_response(Request(URL), text) is text
    assert middleware.stats.get_stats() == {} or "newscrawl/charset/repaired" not in middleware.stats.get_stats()


def test_middleware_can_be_disabled() -> None:
    from scrapy.exceptions import NotConfigured

    with pytest.raises(NotConfigured):
        CharsetRepairMiddleware.from_crawler(project_crawler(**{"NEWSCRAWL_CHARSET_REPAIR_ENABLED": False}))


def test_middleware_is_enabled_in_project_settings() -> None:
    from newscrawl import settings

    assert "newscrawl.middlewares.CharsetRepairMiddleware" in settings.DOWNLOADER_MIDDLEWARES
    # After HttpCompressionMiddleware (590) has decompressed, before MetaRefreshMiddleware (580) reads text.
    assert 580 < settings.DOWNLOADER_MIDDLEWARES["newscrawl.middlewares.CharsetRepairMiddleware"] < 590
