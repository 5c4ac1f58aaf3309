"""Cleaning rules: each rule, the dateline and trailer, and idempotency (property test)."""

from __future__ import annotations

import unicodedata

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from newscrawl.parsing.cleaning import BOILERPLATE_RULES, clean_paragraphs
from newscrawl.parsing.text import content_hash, normalize_body, normalize_space

LEAD = "한빛시는 5일 시청 대회의실에서 청년 정책 토론회를 열었다고 밝혔다."


def test_normalize_space_nfc_nbsp_zero_width() -> None:
    decomposed = unicodedata.normalize("NFD", "한빛시")
    assert normalize_space(f"  {decomposed}\xa0\u200b청년\t\n정책 ") == "한빛시 청년 정책"


def test_normalize_body_keeps_paragraphs() -> None:
    assert normalize_body("가  나\n\n\n\n다\n라") == "가 나\n\n다 라"
    assert normalize_body(["  ", "가", "", "나"]) == "가\n\n나"


def test_content_hash_ignores_layout_only() -> None:
    assert content_hash("가 나\n\n다") == content_hash("가  나 다")
    assert content_hash("가 나") != content_hash("가 다")
    assert len(content_hash("가")) == 64


@pytest.mark.parametrize(
    ("paragraph", "rule"),
    [
        ("저작권자 © 뉴스21 통신 무단전재 및 재배포 금지", "copyright"),
        ("<저작권자(c) 한빛일보, 무단 전재-재배포, AI 학습 및 활용 금지>", "copyright"),
        ("Copyright ⓒ 뉴스21 통신. All rights reserved.", "copyright"),
        ("▶ 한빛시 소식 더 보기", "promo"),
        ("☞ 제보하기", "promo"),
        ("기사 메일전송", "chrome"),
        ("목록 바로가기", "chrome"),
        ("이전 기사 보기 다음 기사 보기", "chrome"),
        ("0", "chrome"),
    ],
)
def test_drop_rules(paragraph: str, rule: str) -> None:
    cleaned = clean_paragraphs([LEAD, paragraph, "마지막 문단이다."])
    assert cleaned.paragraphs == [LEAD, "마지막 문단이다."]
    assert rule in cleaned.removed


@pytest.mark.parametrize("marker", ["관련기사", "[관련기사]", "많이 본 뉴스", "가장 많이 본 뉴스", "인기기사"])
def test_related_blocks_cut_the_rest(marker: str) -> None:
    cleaned = clean_paragraphs([LEAD, "둘째 문단이다.", marker, "다른 기사 제목 1", "다른 기사 제목 2"])
    assert cleaned.paragraphs == [LEAD, "둘째 문단이다."]
    assert "related" in cleaned.removed


def test_sentences_that_mention_rule_words_are_kept() -> None:
    text = "시는 관련기사에 나온 내용과 달리 인쇄 비용을 줄이고 많이 본 뉴스 목록을 분석했다고 설명했다."
    assert clean_paragraphs([LEAD, text]).paragraphs == [LEAD, text]


def test_dateline_removed_and_reporter_kept() -> None:
    cleaned = clean_paragraphs([f"[뉴스21 통신=김하늘 경기남부사회2부기자] {LEAD}", "둘째 문단."])
    assert cleaned.paragraphs == [LEAD, "둘째 문단."]
    assert [b.name for b in cleaned.dateline_bylines] == ["김하늘"]


def test_dateline_alone_in_its_paragraph() -> None:
    cleaned = clean_paragraphs(["[뉴스21 통신=김하늘 기자]", LEAD])
    assert cleaned.paragraphs == [LEAD]


def test_email_trailer_removed() -> None:
    cleaned = clean_paragraphs([LEAD, "김하늘 기자 sky@example.kr"])
    assert cleaned.paragraphs == [LEAD]
    assert cleaned.trailer == ("김하늘", "sky@example.kr")


def test_rules_are_data() -> None:
    assert {r.name for r in BOILERPLATE_RULES} >= {"copyright", "related", "promo", "chrome"}
    assert all(r.action in {"drop", "cut", "strip"} for r in BOILERPLATE_RULES)


paragraph = st.one_of(
    st.lists(st.sampled_from([*"가나다라 마바사\xa0\n.,▶[]=©기자관련", "관련기사", "기자 a@b.kr", "김하늘"]),
             max_size=12).map("".join),
    st.sampled_from([LEAD, "[뉴스21 통신=김하늘 기자] " + LEAD, "관련기사", "▶ 더보기", "저작권자 © 무단전재 금지",
                     "김하늘 기자 sky@example.kr", "0", ""]),
)


@settings(max_examples=300, deadline=None)
@given(st.lists(paragraph, max_size=8))
def test_cleaning_is_idempotent(paragraphs: list[str]) -> None:
    once = clean_paragraphs(paragraphs).paragraphs
    assert clean_paragraphs(once).paragraphs == once


def test_list_heading_above_the_article_is_dropped_not_cut() -> None:
    cleaned = clean_paragraphs(["한빛일보 주요뉴스", LEAD, "둘째 문단이다."])
    assert cleaned.paragraphs == [LEAD, "둘째 문단이다."]


@pytest.mark.parametrize(
    ("paragraph", "kept", "rule"),
    [
        ("마지막 문장이다. 홍길동 기자 <저작권자 © ‘리얼타임 뉴스’ 한빛일보, 무단전재 및 재배포 금지>",
         "마지막 문장이다. 홍길동 기자", "copyright_inline"),
        ("한빛전자 (8,530원 40 -0.5%)와 누리화학 (12,000원 ▲300 +2.5%)이 올랐다.", "한빛전자와 누리화학이 올랐다.",
         "stock_ticker"),
    ],
)
def test_strip_rules_keep_the_rest_of_the_paragraph(paragraph: str, kept: str, rule: str) -> None:
    cleaned = clean_paragraphs([LEAD, paragraph])
    assert cleaned.paragraphs == [LEAD, kept]
    assert rule in cleaned.removed


@pytest.mark.parametrize(
    ("paragraph", "rule"),
    [
        ("[사진=한빛시, 누리군]", "photo_credit"),
        ("/사진=연합뉴스", "photo_credit"),
        ("[사진]한빛일보 DB", "photo_credit"),
        ("박준석 기자 외 1명", "byline_line"),
        ("홍길동·김철수 기자", "byline_line"),
        ("This website uses cookies and other technology to enhance quality of service.", "cookie_notice"),
        ("For further details >", "more_link"),
        ("기사를 읽어드립니다", "tts"),
        ("기사를 읽어 드립니다", "tts"),
        ("이 기사를 음성으로 듣기", "tts"),
        ("음성으로 듣기", "tts"),
        ("기사 듣기", "tts"),
        ("0:00", "tts"),
        ("00:00 / 03:12", "tts"),
        ("1:02:07", "tts"),
    ],
)
def test_more_drop_rules(paragraph: str, rule: str) -> None:
    cleaned = clean_paragraphs([LEAD, paragraph, "마지막 문단이다."])
    assert cleaned.paragraphs == [LEAD, "마지막 문단이다."]
    assert rule in cleaned.removed


@pytest.mark.parametrize("text", ["기사를 읽어드립니다. 시는 이번 서비스로 시각장애인의 정보 접근성을 높인다고 밝혔다.",
                                  "경기는 오후 7:30에 시작한다.", "점심시간은 12:30부터다."])
def test_tts_rule_keeps_sentences_with_its_words(text: str) -> None:
    assert clean_paragraphs([LEAD, text]).paragraphs == [LEAD, text]


def test_broadcast_signoff_names_the_reporter_and_stays() -> None:
    cleaned = clean_paragraphs(["Seoul saw its first cold snap of the season.", "Jane Park, Hanbit Radio News."])
    assert cleaned.signoff == "Jane Park"
    assert cleaned.paragraphs[-1] == "Jane Park, Hanbit Radio News."


@pytest.mark.parametrize("line", ["/김하늘 기자", "= 김하늘·이도윤 기자", "/ 정하은 수습기자", "- 박서연 기자"])
def test_reporter_line_alone_is_dropped(line: str) -> None:
    # NDSoft bodies often close with the reporter's name and no e-mail; the byline already has it.
    cleaned = clean_paragraphs([LEAD, "둘째 문단이다.", line])
    assert cleaned.paragraphs == [LEAD, "둘째 문단이다."]
    assert "reporter_line" in cleaned.removed


def test_reporter_line_rule_keeps_sentences_about_reporters() -> None:
    text = "이날 행사에는 지역 언론사 기자 30여 명이 참석했다."
    assert clean_paragraphs([LEAD, text]).paragraphs == [LEAD, text]


def test_normalize_space_splits_on_exactly_the_regex_whitespace() -> None:
    """normalize_space joins str.split(): the same characters as r"\\s+" (every code point checked)."""
    import re
    import sys

    from newscrawl.parsing.text import INVISIBLE_CHARS

    invisible = re.compile(f"[{INVISIBLE_CHARS}]")
    every = "".join(map(chr, range(sys.maxunicode + 1)))
    spaces = re.findall(r"\s", every)
    assert spaces == [c for c in every if c.isspace()]
    for space in spaces:
        if not invisible.match(space):
            assert normalize_space(f"{space}가{space}{space}b{space}") == "가 b", hex(ord(space))
