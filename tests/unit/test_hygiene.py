"""Issue 9 hardening: invisible characters, article key spellings, the date floor, truncated pages.

Text hygiene is a property: whatever invisible characters a page carries in any text field,
none survives ``extract`` and cleaning twice changes nothing.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from html import escape
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from scrapy.http import HtmlResponse

from newscrawl.extract import extract
from newscrawl.families import dada, ndsoft, resolve
from newscrawl.items import Article
from newscrawl.output.exporters import export_dict
from newscrawl.pages.clean import clean_article
from newscrawl.parsing.dates import KST
from newscrawl.parsing.text import INVISIBLE_CHARS, normalize_body, normalize_space, numeric_key
from newscrawl.parsing.truncation import truncation_reason
from newscrawl.pipelines.validate import Limits, validate_article
from tests.helpers import extract as extract_case
from tests.helpers import page_file, project_settings_with, site

INVISIBLE = re.compile(f"[{INVISIBLE_CHARS}]")
#: Everything the brief names: C0/C1 controls, bidi controls, zero-width characters.
FORBIDDEN = (
    [chr(c) for c in range(0x20) if chr(c) not in "\t\n\r\x0b\x0c\x1c\x1d\x1e\x1f"]
    + [chr(c) for c in range(0x7F, 0xA0) if c != 0x85]
    + list("\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
    + list("\u200b\u200c\u200d\u2060\ufeff")
)
#: Controls that are whitespace: they become a space, never survive either.
WHITESPACE_CONTROLS = list("\t\r\x0b\x0c\x1c\x1d\x1e\x1f\x85")


def bad_char(text: str) -> str | None:
    """The first control, bidi or zero-width character in ``text`` (newlines allowed), or None."""
    for ch in text:
        if ch != "\n" and (ch in FORBIDDEN or ch in WHITESPACE_CONTROLS):
            return ch
    return None


def test_invisible_set_covers_the_named_characters() -> None:
    for ch in FORBIDDEN:
        assert normalize_space(f"가{ch}나") == "가나", repr(ch)
    for ch in WHITESPACE_CONTROLS:
        assert normalize_space(f"가{ch}나") == "가 나", repr(ch)
    assert normalize_space("\u202e\u2066사\u200d회\u2069\x07") == "사회"
    assert normalize_body("가\x00나\n\n다\u200f") == "가나\n\n다"


noisy_text = st.text(st.sampled_from([*FORBIDDEN, *WHITESPACE_CONTROLS, "가", "나", "a", " ", "\n", "e", "\u0301",
                                      "\xa0", "&", "<"]), max_size=40)


@given(noisy_text)
def test_normalize_space_strips_and_is_idempotent(text: str) -> None:
    once = normalize_space(text)
    assert bad_char(once) is None and "\n" not in once
    assert normalize_space(once) == once


@given(noisy_text)
def test_normalize_body_strips_and_is_idempotent(text: str) -> None:
    once = normalize_body(text)
    assert bad_char(once) is None
    assert normalize_body(once) == once


def _noisy_page(noise: list[str]) -> bytes:
    """The seed dada page with ``noise`` strings put into every text field it shows."""
    page = page_file("dada/article").read_text("utf-8")
    slots = [
        ('<h3 class="article-head-title">한빛시,', '<h3 class="article-head-title">한빛시,{}'),
        ("<li>김하늘 경기남부사회2부기자</li>", "<li>김하늘{} 경기남부사회2부기자</li>"),
        ("<li>등록 2024-03-05 09:42:31</li>", "<li>등록 {}2024-03-05 09:42:31</li>"),
        ("<li>수정 2024-03-05 10:05:12</li>", "<li>수정 2024-03-05 10:05:12{}</li>"),
        ("<li>시민 참여형 설계로", "<li>시민 참여형{} 설계로"),
        ('<span class="fr-inner">한빛천 생태공원', '<span class="fr-inner">한빛천{} 생태공원'),
        ("<p>박서준 시장은", "<p>박서준{} 시장은"),
        ("<p>시는 총사업비", "<p>시는{} 총사업비"),
        ('mcode=m101sc2a">사회</a></div>', 'mcode=m101sc2a">사{}회</a></div>'),
    ]
    for (anchor, template), text in zip(slots, noise, strict=True):
        assert anchor in page
        page = page.replace(anchor, template.format(escape(text)), 1)
    return page.encode("utf-8")


def _text_values(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [s for v in value.values() for s in _text_values(v)]
    if isinstance(value, list):
        return [s for v in value for s in _text_values(v)]
    return []


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(noisy_text, min_size=9, max_size=9))
def test_no_invisible_character_survives_extract(noise: list[str]) -> None:
    url = "http://www.news21tongsin.co.kr/news/view.php?idx=1042"
    item = extract(HtmlResponse(url=url, body=_noisy_page(noise), encoding="utf-8"), site())
    record = export_dict(item)
    for field, value in record.items():
        for text in _text_values(value):
            assert bad_char(text) is None, (field, text)
    assert record["title"] and record["body"]
    # Cleaning the final item again changes nothing.
    clean_article(item)
    assert export_dict(item) == record


# -- article keys ---------------------------------------------------------------------
def test_numeric_key() -> None:
    assert numeric_key("01042") == numeric_key("1042") == "1042"
    assert numeric_key("000") == "0"
    assert numeric_key("²") is None and numeric_key("١٢") is None and numeric_key("") is None
    assert numeric_key("12a") is None and numeric_key(None) is None


@pytest.mark.parametrize(("case", "plain", "zeros"), [
    ("dada/article", "http://www.news21tongsin.co.kr/news/view.php?idx=1042",
     "http://www.news21tongsin.co.kr/news/view.php?mcode=m101sc2a&idx=0001042"),
    ("dada/article", "http://www.news21tongsin.co.kr/m/view.php?idx=1042",
     "http://www.news21tongsin.co.kr/m/view.php?idx=01042"),
    ("ndsoft/article_2020", "https://www.nuriilbo.example/news/articleView.html?idxno=48213",
     "https://www.nuriilbo.example/news/articleView.html?idxno=048213&sc_section_code=S1N2"),
    ("ndsoft/article_2020", "https://www.nuriilbo.example/news/articleView.html?idxno=48213",
     "https://www.nuriilbo.example/?mod=news&act=articleView&idxno=00048213"),
])
def test_leading_zeros_give_one_article(case: str, plain: str, zeros: str) -> None:
    a, b = extract_case(case, url=plain), extract_case(case, url=zeros)
    assert a["article_id"] == b["article_id"] and a["canonical_url"] == b["canonical_url"]
    assert "=0" not in b["canonical_url"]


def test_list_keys_are_normalised() -> None:
    assert dada.article_key("http://x.kr/news/view.php?idx=01042&mcode=m1") == "1042"
    assert ndsoft.article_key("http://x.kr/news/articleView.html?idxno=007") == "7"
    body = ('<html><body><div class="basicList"><dl><dt class="title"><a href="/news/view.php?idx=01042">가</a></dt></dl>'
            '<dl><dt class="title"><a href="/news/view.php?idx=1042">가</a></dt></dl></div></body></html>')
    url = "http://www.news21tongsin.co.kr/news/list.php?mcode=m101sc2a"
    page = dada.FAMILY.section_page(HtmlResponse(url=url, body=body.encode(), encoding="utf-8"),  # type: ignore[misc]
                                    resolve(url))
    assert [e.key for e in page.entries()] == ["1042"]  # one entry: both spellings are one article


# -- the date floor ---------------------------------------------------------------------
def _article(**kw: Any) -> Article:
    fields: dict[str, Any] = {
        "url": "http://x.kr/news/view.php?idx=1", "article_id": "x:1", "title": "한빛시 청년 정책 토론회",
        "body": "한빛시는 5일 시청 대회의실에서 청년 정책 토론회를 열었다고 밝혔다.\n\n토론회에는 청년 100여 명이 참석했다.",
        "published_at": datetime(2024, 3, 5, 9, 42, 31, tzinfo=KST),
    }
    fields.update(kw)
    return Article(**fields)


def test_dates_before_the_floor_are_rejected() -> None:
    assert validate_article(_article(published_at=datetime(1900, 1, 1, tzinfo=KST))) == ["published_too_old"]
    assert "modified_too_old" in validate_article(_article(published_at=datetime(1989, 1, 1, tzinfo=KST),
                                                           modified_at=datetime(1989, 12, 31, 23, tzinfo=KST)))
    floor = datetime(1990, 1, 1, tzinfo=KST)
    assert validate_article(_article(published_at=floor)) == []
    assert validate_article(_article(published_at=floor - timedelta(seconds=1))) == ["published_too_old"]
    # Still a 1-hour future tolerance at the other end.
    assert validate_article(_article(published_at=datetime(2099, 1, 1, tzinfo=KST))) == ["published_in_future"]


def test_date_floor_is_a_setting() -> None:
    limits = Limits.from_settings(project_settings_with(NEWSCRAWL_MIN_DATE="2020-01-01"))
    assert validate_article(_article(published_at=datetime(2019, 12, 31, tzinfo=KST)), limits) == ["published_too_old"]
    with pytest.raises(ValueError, match="NEWSCRAWL_MIN_DATE='soon' is not a date"):
        Limits.from_settings(project_settings_with(NEWSCRAWL_MIN_DATE="soon"))


# -- truncation -----------------------------------------------------------------------
WHOLE = b"<!DOCTYPE html><html><head></head><body><p>one</p><p>two</p></body></html>"


def test_truncation_rule() -> None:
    assert truncation_reason(WHOLE, str(len(WHOLE))) is None
    assert truncation_reason(WHOLE[:-7]) is None  # </body> is enough
    assert truncation_reason(WHOLE[:40]) == "no </body> or </html>"
    assert truncation_reason(WHOLE[:40], structure=False) is None  # the open web: structure not judged
    assert truncation_reason(WHOLE, str(len(WHOLE) + 10)) == f"{len(WHOLE)} of {len(WHOLE) + 10} bytes (Content-Length)"
    assert truncation_reason(WHOLE, str(len(WHOLE) + 10), content_encoding=True) is None  # counts other bytes
    assert truncation_reason(WHOLE, flags=["dataloss"]) is not None
    assert truncation_reason(b"<p>a fragment</p>") is None
    assert truncation_reason(WHOLE.upper()[:-1]) is None  # </BODY> counts


@pytest.mark.parametrize("case", ["dada/truncated", "ndsoft/truncated_2020"])
def test_truncated_fixture_is_rejected_truncated(case: str) -> None:
    record = extract_case(case)
    assert record["extractor"]["truncated"] == "no </body> or </html>"
    item = Article(**{**record, "published_at": datetime.fromisoformat(record["published_at"]),
                      "modified_at": datetime.fromisoformat(record["modified_at"])})
    assert validate_article(item) == ["truncated"]


def test_truncated_page_cut_before_its_title_is_a_reject_not_a_deleted_article() -> None:
    url = "http://www.news21tongsin.co.kr/news/view.php?idx=1042"
    cut = page_file("dada/article").read_bytes()[:600]
    item = extract(HtmlResponse(url=url, body=cut, encoding="utf-8"), site())
    assert validate_article(item) == ["truncated"]


def test_short_content_length_flags_the_generic_family_too() -> None:
    url = "https://elsewhere.example/2024/03/story.html"
    body = page_file("generic/jsonld").read_bytes()
    item = extract(HtmlResponse(url=url, body=body, headers={"Content-Length": str(len(body) + 1)},
                                encoding="utf-8"), resolve(url))
    assert validate_article(item) == ["truncated"]
    assert "truncated" not in extract(HtmlResponse(url=url, body=body[: len(body) // 2], encoding="utf-8"),
                                      resolve(url)).extractor


# -- no code execution endpoint ---------------------------------------------------------
def test_remote_control_and_telnet_are_off_unless_turned_on() -> None:
    defaults = project_settings_with()
    assert defaults.getbool("REMOTE_CONTROL_ENABLED") is False
    assert defaults.getbool("TELNETCONSOLE_ENABLED") is False
    assert project_settings_with(REMOTE_CONTROL_ENABLED="true").getbool("REMOTE_CONTROL_ENABLED") is True
