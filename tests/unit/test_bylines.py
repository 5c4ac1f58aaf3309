"""Unit tests for newscrawl.parsing.bylines: every byline format from the site notes."""

from __future__ import annotations

import pytest

from newscrawl.parsing.bylines import (
    STOP_WORDS,
    Byline,
    find_email_trailer,
    find_signature,
    merge_bylines,
    names,
    parse_byline,
    parse_dateline,
)

B = Byline


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("홍길동 기자", [B("홍길동")]),
        ("홍길동기자", [B("홍길동")]),
        ("홍길동 기자 hong@example.kr", [B("홍길동", email="hong@example.kr")]),
        ("홍길동 기자(hong@x.kr)", [B("홍길동", email="hong@x.kr")]),
        ("홍길동 기자 (hong@x.kr)", [B("홍길동", email="hong@x.kr")]),
        ("hong@x.kr 홍길동 기자", [B("홍길동", email="hong@x.kr")]),
        ("홍길동 경기남부사회2부기자", [B("홍길동", desk="경기남부사회2부")]),
        ("홍길동 사회부 기자", [B("홍길동", desk="사회부")]),
        ("홍길동 사회부 기자 hong@x.kr", [B("홍길동", desk="사회부", email="hong@x.kr")]),
        ("사회부 홍길동 기자", [B("홍길동", desk="사회부")]),
        ("[지역=홍길동 기자]", [B("홍길동")]),
        ("[뉴스21 통신=홍길동 경기남부사회2부기자]", [B("홍길동", desk="경기남부사회2부")]),
        ("(서울=연합뉴스) 홍길동 기자 =", [B("홍길동")]),
        ("【서울=뉴스1】 홍길동 기자", [B("홍길동")]),
        ("워싱턴=홍길동 특파원", [B("홍길동")]),
        ("글·사진 홍길동", [B("홍길동")]),
        ("글ㆍ사진 홍길동 기자", [B("홍길동")]),
        ("사진=홍길동 기자", [B("홍길동")]),
        ("글=홍길동 기자, 사진=김철수 기자", [B("홍길동"), B("김철수")]),
        ("홍길동", [B("홍길동")]),
        ("홍길동 hong@x.kr", [B("홍길동", email="hong@x.kr")]),
        ("By John Smith", [B("John Smith")]),
        ("by John Smith, Staff Reporter", [B("John Smith")]),
        ("By John Smith and Jane Doe, Reuters", [B("John Smith"), B("Jane Doe")]),
    ],
)
def test_parse_byline_single_formats(text: str, expected: list[Byline]) -> None:
    assert parse_byline(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "홍길동 기자",
        "홍길동 논설위원",
        "홍길동 칼럼니스트",
        "홍길동 특파원",
        "홍길동 선임기자",
        "홍길동 수습기자",
        "홍길동 객원기자",
    ],
)
def test_role_words_are_not_part_of_the_name(text: str) -> None:
    assert parse_byline(text) == [B("홍길동")]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("홍길동·김철수 기자", [B("홍길동"), B("김철수")]),
        # The most common surnames (최, 류) with a given name ending like a desk word.
        ("박지훈·최은서 기자", [B("박지훈"), B("최은서")]),
        ("류현진·최서준 기자", [B("류현진"), B("최서준")]),
        ("홍길동, 김철수 기자", [B("홍길동"), B("김철수")]),
        ("홍길동 기자, 김철수 기자", [B("홍길동"), B("김철수")]),
        ("홍길동·김철수·이영희 기자", [B("홍길동"), B("김철수"), B("이영희")]),
        ("홍길동 사회부 기자, 김철수 경제부 기자", [B("홍길동", desk="사회부"), B("김철수", desk="경제부")]),
        ("홍길동·김철수 사회부 기자", [B("홍길동", desk="사회부"), B("김철수", desk="사회부")]),
    ],
)
def test_parse_byline_multiple_reporters(text: str, expected: list[Byline]) -> None:
    assert parse_byline(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # an email attaches to the reporter it follows
        (
            "홍길동 기자 hong@x.kr, 김철수 기자 kim@x.kr",
            [B("홍길동", email="hong@x.kr"), B("김철수", email="kim@x.kr")],
        ),
        ("홍길동·김철수 기자 kim@x.kr", [B("홍길동"), B("김철수", email="kim@x.kr")]),
        (
            "홍길동·김철수 기자 hong@x.kr kim@x.kr",
            [B("홍길동", email="hong@x.kr"), B("김철수", email="kim@x.kr")],
        ),
        ("홍길동 기자, 김철수 기자 (kim@x.kr)", [B("홍길동"), B("김철수", email="kim@x.kr")]),
    ],
)
def test_parse_byline_email_attachment(text: str, expected: list[Byline]) -> None:
    assert parse_byline(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "",
        "   ",
        "/사진=홍길동 기자",
        "[사진=연합뉴스]",
        "[사진=홍길동 기자]",
        "(사진=홍길동 기자)",
        "사진제공=홍길동",
        "사진 제공=서울시",
        "사진=연합뉴스",
        "연합뉴스",
        "뉴시스",
        "뉴스1",
        "한겨레",
        "연합뉴스 기자",
        "사회부 기자",
        "디지털뉴스부 기자",
        "편집국 온라인팀",
        "온라인 기자",
        "취재팀 기자",
        "hong@x.kr",
        "By Reuters",
        "[서울=뉴시스]",
    ],
)
def test_parse_byline_gives_no_author(text: str) -> None:
    assert parse_byline(text) == []


def test_photo_credit_after_byline_is_dropped() -> None:
    assert parse_byline("홍길동 기자 /사진=김철수 기자") == [B("홍길동")]
    assert parse_byline("홍길동 기자 [사진=연합뉴스]") == [B("홍길동")]
    assert parse_byline("홍길동 기자, 사진제공=서울시") == [B("홍길동")]


def test_date_text_after_byline_is_ignored() -> None:
    assert parse_byline("홍길동 기자 입력 2023.12.05 09:00") == [B("홍길동")]


@pytest.mark.parametrize("word", ["기자", "사진", "제공", "뉴스", "통신", "편집국", "온라인", "디지털", "취재팀", "팀"])
def test_stop_words(word: str) -> None:
    assert word in STOP_WORDS
    assert parse_byline(f"{word} 기자") == []


@pytest.mark.parametrize(
    ("text", "outlet", "bylines", "rest"),
    [
        ("[지역=홍길동 기자] 본문입니다.", "지역", [B("홍길동")], "본문입니다."),
        (
            "[뉴스21 통신=홍길동 경기남부사회2부기자] 본문\n\n둘째 문단",
            "뉴스21 통신",
            [B("홍길동", desk="경기남부사회2부")],
            "본문\n\n둘째 문단",
        ),
        ("(서울=홍길동 기자) 본문", "서울", [B("홍길동")], "본문"),
        ("【서울=홍길동 기자】본문", "서울", [B("홍길동")], "본문"),
        ("(서울=연합뉴스) 홍길동 기자 = 본문입니다.", "서울", [B("홍길동")], "본문입니다."),
        ("[서울=뉴시스]홍길동·김철수 기자 = 본문", "서울", [B("홍길동"), B("김철수")], "본문"),
        ("[서울=뉴시스] 본문입니다.", "서울", [], "본문입니다."),
    ],
)
def test_parse_dateline(text: str, outlet: str, bylines: list[Byline], rest: str) -> None:
    assert parse_dateline(text) == (outlet, bylines, rest)


@pytest.mark.parametrize(
    "text",
    [
        "본문에 [지역=홍길동 기자]가 있다.",
        "[사진=연합뉴스] 본문",
        "홍길동 기자 본문",
        "(서울=홍길동 기자] 짝이 안 맞는 괄호",
        "",
    ],
)
def test_parse_dateline_absent_returns_text_unchanged(text: str) -> None:
    assert parse_dateline(text) == (None, [], text)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("홍길동 기자 hong@x.kr", ("홍길동", "hong@x.kr")),
        ("홍길동 기자(hong@x.kr)", ("홍길동", "hong@x.kr")),
        ("홍길동 사회부 기자 hong@x.kr", ("홍길동", "hong@x.kr")),
        ("/홍길동 경기남부사회2부기자 hong@x.kr", ("홍길동", "hong@x.kr")),
        ("홍길동 hong@x.kr", ("홍길동", "hong@x.kr")),
        ("hong@x.kr", ("", "hong@x.kr")),
        ("(hong@x.kr)", ("", "hong@x.kr")),
        ("John Smith john@x.com", ("John Smith", "john@x.com")),
    ],
)
def test_find_email_trailer(text: str, expected: tuple[str, str]) -> None:
    assert find_email_trailer(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "",
        "홍길동 기자",
        "자세한 내용은 hong@x.kr로 문의하면 된다.",
        "문의 hong@x.kr",
        "홍길동 기자가 말했다 hong@x.kr 참고",
    ],
)
def test_find_email_trailer_none(text: str) -> None:
    assert find_email_trailer(text) is None


def test_merge_bylines() -> None:
    first = [B("홍길동"), B("김철수", email="kim@x.kr")]
    second = [B("이영희"), B("홍길동", desk="사회부", email="hong@x.kr"), B("김철수", email="other@x.kr")]
    assert merge_bylines(first, second) == [
        B("홍길동", desk="사회부", email="hong@x.kr"),
        B("김철수", email="kim@x.kr"),  # the first value wins
        B("이영희"),
    ]
    assert merge_bylines() == []
    assert merge_bylines([B("John Smith")], [B("john  smith", email="j@x.com")]) == [B("John Smith", email="j@x.com")]


def test_names_and_as_dict() -> None:
    bylines = parse_byline("홍길동 사회부 기자 hong@x.kr, 김철수 기자")
    assert names(bylines) == ["홍길동", "김철수"]
    assert bylines[0].as_dict() == {"name": "홍길동", "desk": "사회부", "email": "hong@x.kr"}
    assert bylines[1].as_dict() == {"name": "김철수", "desk": None, "email": None}


# --- bylines outside the dateline ----------------------------------------------------------
@pytest.mark.parametrize(("text", "expected"), [
    ("[홍길동 기자 hong@baram.example]", ("홍길동", "hong@baram.example")),
    ("(홍길동 기자 hong@baram.example)", ("홍길동", "hong@baram.example")),
    ("<홍길동 기자 hong@baram.example>", ("홍길동", "hong@baram.example")),
    ("〈홍길동 기자 hong@baram.example〉", ("홍길동", "hong@baram.example")),
    ("[홍길동 논설위원 hong@baram.example]", ("홍길동", "hong@baram.example")),
    ("홍길동 칼럼니스트 hong@baram.example", ("홍길동", "hong@baram.example")),
    ("/홍길동 객원기자 (hong@baram.example)", ("홍길동", "hong@baram.example")),
    ("＝홍길동 특파원 hong＠baram.example", ("홍길동", "hong@baram.example")),
])
def test_bracketed_email_trailers(text: str, expected: tuple[str, str]) -> None:
    assert find_email_trailer(text) == expected


@pytest.mark.parametrize(("text", "names"), [
    ("홍길동 논설위원", ["홍길동"]),
    ("/홍길동 칼럼니스트", ["홍길동"]),
    ("글=홍길동 객원기자", ["홍길동"]),
    ("글·사진 홍길동 기자", ["홍길동"]),
    ("홍길동 워싱턴 특파원", ["홍길동"]),
    ("/홍길동·김철수 기자", ["홍길동", "김철수"]),
    ("홍길동 기자, 김철수 기자", ["홍길동", "김철수"]),
    ("홍길동 기자 hong@baram.example 김철수 기자 kim@baram.example", ["홍길동", "김철수"]),
    ("[바람일보 홍길동 기자 hong@baram.example]", ["홍길동"]),
    ("【홍길동 편집위원】", ["홍길동"]),
    ("홍길동 선임기자 외 1명", ["홍길동"]),
])
def test_find_signature(text: str, names: list[str]) -> None:
    assert [b.name for b in find_signature(text)] == names


def test_find_signature_keeps_emails_in_order() -> None:
    found = find_signature("홍길동 기자 hong@baram.example 김철수 기자 kim@baram.example")
    assert [(b.name, b.email) for b in found] == [("홍길동", "hong@baram.example"), ("김철수", "kim@baram.example")]


@pytest.mark.parametrize("text", [
    "",
    "홍길동",  # no role word: could be anything
    "홍길동 기자가 2일 시청에서 말했다",
    "시장은 홍길동 기자에게 답했다.",
    "바람일보 webmaster@baram.example",
    "홍길동 기자 " + "아주 긴 설명이 붙은 서명 " * 6,
    "홍길동 기자 2024년 3월 5일",
])
def test_not_a_signature(text: str) -> None:
    assert find_signature(text) == []


@pytest.mark.parametrize(("text", "names"), [
    ("(서울=연합뉴스) 홍길동 김철수 기자 = 본문이 시작된다.", ["홍길동", "김철수"]),
    ("(서울=연합뉴스) 홍길동 기자 김철수 기자 = 본문", ["홍길동", "김철수"]),
    ("[서울=뉴시스]홍길동·김철수 기자 = 본문", ["홍길동", "김철수"]),
    ("【서울=뉴스1】 홍길동 기자, 김철수 기자 = 본문", ["홍길동", "김철수"]),
    ("(워싱턴=연합뉴스) 홍길동 특파원 = 본문", ["홍길동"]),
    ("(바람=연합뉴스) 홍길동·김철수·이영희 기자 = 본문", ["홍길동", "김철수", "이영희"]),
])
def test_wire_datelines_with_several_reporters(text: str, names: list[str]) -> None:
    _outlet, bylines, rest = parse_dateline(text)
    assert [b.name for b in bylines] == names
    assert rest.startswith("본문")


def test_a_sentence_with_a_reporter_glued_on_is_not_a_signature() -> None:
    assert find_signature("마지막 문장이다. 홍길동 기자") == []


def test_a_headline_before_a_reporter_is_not_a_signature() -> None:
    assert find_signature("바람시 해안도로 확장 공사 다음 달 착공 홍길동 기자") == []
