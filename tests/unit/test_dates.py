"""Unit tests for newscrawl.parsing.dates: every date format and label from the site notes."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

from newscrawl.parsing.dates import (
    KST,
    LabelledDate,
    assign_dates,
    dateline_dates,
    find_dates,
    isoformat,
    parse_datetime,
    parse_labelled,
    to_kst,
)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2023-12-05 09:42:31", "2023-12-05T09:42:31+09:00"),
        ("2023-12-05 09:42", "2023-12-05T09:42:00+09:00"),
        ("2017.12.18 17:34", "2017-12-18T17:34:00+09:00"),
        ("2017.12.18 17:34:05", "2017-12-18T17:34:05+09:00"),
        ("2018. 02. 01. 09:28", "2018-02-01T09:28:00+09:00"),
        ("2023년 12월 05일 09시42분", "2023-12-05T09:42:00+09:00"),
        ("2023년 12월 05일 09시 42분 07초", "2023-12-05T09:42:07+09:00"),
        ("2023년 12월 5일 오후 3:05", "2023-12-05T15:05:00+09:00"),
        ("2023년 12월 5일 오전 3:05", "2023-12-05T03:05:00+09:00"),
        ("2023/12/05", "2023-12-05T00:00:00+09:00"),
        ("2023-12-05", "2023-12-05T00:00:00+09:00"),
        ("2023.12.05 오전 9:05:10", "2023-12-05T09:05:10+09:00"),
        ("2023.12.05(화) 09:42", "2023-12-05T09:42:00+09:00"),
        ("2023-12-05 3:05 PM", "2023-12-05T15:05:00+09:00"),
        # 12-hour clock edges: 12 오전 is midnight, 12 오후 is noon
        ("2023.12.05 오전 12:10", "2023-12-05T00:10:00+09:00"),
        ("2023.12.05 오후 12:10", "2023-12-05T12:10:00+09:00"),
        ("2023.12.05 오후 11:59:59", "2023-12-05T23:59:59+09:00"),
        # ISO 8601 with explicit offsets: kept as written
        ("2023-12-05T09:42:31+09:00", "2023-12-05T09:42:31+09:00"),
        ("2023-12-05T09:42:31Z", "2023-12-05T09:42:31+00:00"),
        ("2023-12-05T09:42:31.123+0900", "2023-12-05T09:42:31+09:00"),
        ("2023-12-05T09:42:31-05:00", "2023-12-05T09:42:31-05:00"),
        ("2023-12-05T09:42", "2023-12-05T09:42:00+09:00"),
        # labels are allowed and ignored
        ("입력 : 2023-12-05 09:42:31", "2023-12-05T09:42:31+09:00"),
        ("기사입력\uff1a2023.12.05 09:42", "2023-12-05T09:42:00+09:00"),
        ("Posted 2023-12-05 09:42", "2023-12-05T09:42:00+09:00"),
        ("입력 2022.09.26 08:33 수정 2022.09.27 10:01", "2022-09-26T08:33:00+09:00"),
    ],
)
def test_parse_datetime_formats(text: str, expected: str) -> None:
    assert isoformat(parse_datetime(text)) == expected


@pytest.mark.parametrize(
    "text",
    [
        "",
        "오후 3:05",  # a time alone: the date is elsewhere, out of scope
        "15:05",
        "2023-13-05",  # month 13
        "2023-02-30 10:00",  # 30 February
        "2023년 2월 29일",  # not a leap year
        "2023.12.05 25:00",
        "2023.12.05 10:61",
        "입력 날짜 없음",
        "전화 02-123-4567",
    ],
)
def test_parse_datetime_invalid_is_none(text: str) -> None:
    assert parse_datetime(text) is None
    assert parse_labelled(text) is None
    assert find_dates(text) == []


def test_leap_day_is_valid() -> None:
    assert isoformat(parse_datetime("2024년 2월 29일")) == "2024-02-29T00:00:00+09:00"


def test_default_is_kst_fixed_offset() -> None:
    value = parse_datetime("2023-12-05 09:42")
    assert value is not None
    assert value.tzinfo is KST
    assert value.utcoffset() == timedelta(hours=9)
    assert value.isoformat() == "2023-12-05T09:42:00+09:00"
    # Same instant as Asia/Seoul
    assert value == datetime(2023, 12, 5, 9, 42, tzinfo=ZoneInfo("Asia/Seoul"))


def test_default_tz_parameter() -> None:
    value = parse_datetime("2023-12-05 09:42", default_tz=UTC)
    assert isoformat(value) == "2023-12-05T09:42:00+00:00"
    # An explicit offset wins over default_tz
    assert isoformat(parse_datetime("2023-12-05T09:42+09:00", default_tz=UTC)) == "2023-12-05T09:42:00+09:00"


def test_explicit_offset_kept_and_to_kst() -> None:
    value = parse_datetime("2023-12-05T09:42:31Z")
    assert value is not None
    assert value.utcoffset() == timedelta(0)
    assert isoformat(to_kst(value)) == "2023-12-05T18:42:31+09:00"
    assert to_kst(value) == value  # same instant


def test_to_kst_naive_is_taken_as_kst() -> None:
    assert to_kst(datetime(2023, 12, 5, 9, 0)).isoformat() == "2023-12-05T09:00:00+09:00"
    other = datetime(2023, 12, 5, 0, 0, tzinfo=timezone(timedelta(hours=-5)))
    assert isoformat(to_kst(other)) == "2023-12-05T14:00:00+09:00"


def test_isoformat() -> None:
    assert isoformat(None) is None
    assert isoformat(datetime(2023, 12, 5, 9, 42, tzinfo=KST)) == "2023-12-05T09:42:00+09:00"
    assert isoformat(datetime(2023, 12, 5, 9, 42, 1, 999_999, tzinfo=KST)) == "2023-12-05T09:42:01+09:00"
    assert isoformat(datetime(2023, 12, 5)) == "2023-12-05T00:00:00+09:00"


@pytest.mark.parametrize(
    ("text", "kind", "label"),
    [
        ("등록 2023-12-05 09:42:31", "published", "등록"),
        ("입력 2023-12-05 09:42", "published", "입력"),
        ("승인 2023.12.05 09:42", "published", "승인"),
        ("기사입력 2018. 02. 01. 09:28", "published", "기사입력"),
        ("작성 2023.12.05", "published", "작성"),
        ("게재 2023.12.05", "published", "게재"),
        ("입력일 : 2023.12.05", "published", "입력일"),
        ("기사승인 2023.12.05 10:00", "published", "기사승인"),
        ("승인일 2023.12.05", "published", "승인일"),
        ("등록일\uff1a 2023.12.05", "published", "등록일"),
        ("발행일 2023.12.05", "published", "발행일"),
        ("송고 2023.12.05 10:00", "published", "송고"),
        ("Posted: 2023-12-05", "published", "Posted"),
        ("[입력] 2023.12.05 10:00", "published", "입력"),
        ("수정 2023.12.05 10:00", "modified", "수정"),
        ("업데이트 2023.12.05 10:00", "modified", "업데이트"),
        ("최종수정 2023.12.05 10:00", "modified", "최종수정"),
        ("최종 수정 2023.12.05 10:00", "modified", "최종 수정"),
        ("수정일 : 2023.12.05", "modified", "수정일"),
        ("기사수정 2023.12.05", "modified", "기사수정"),
        ("Updated 2023-12-05 10:00", "modified", "Updated"),
        ("2023.12.05 10:00", "unknown", None),
    ],
)
def test_parse_labelled_kind(text: str, kind: str, label: str | None) -> None:
    result = parse_labelled(text)
    assert result is not None
    assert result.kind == kind
    assert result.label == label


def test_parse_labelled_fields() -> None:
    result = parse_labelled("최종수정 : 2023년 12월 5일 오후 3:05")
    assert result == LabelledDate(
        kind="modified",
        label="최종수정",
        raw="2023년 12월 5일 오후 3:05",
        value=datetime(2023, 12, 5, 15, 5, tzinfo=KST),
    )


def test_find_dates_combined_line() -> None:
    dates = find_dates("입력 2022.09.26 08:33 수정 2022.09.27 10:01")
    assert [(d.kind, d.label, isoformat(d.value)) for d in dates] == [
        ("published", "입력", "2022-09-26T08:33:00+09:00"),
        ("modified", "수정", "2022-09-27T10:01:00+09:00"),
    ]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "기사입력 2023-12-05 09:42:31 | 최종수정 2023-12-06 10:00:00",
            [("published", "기사입력"), ("modified", "최종수정")],
        ),
        ("최종수정 2023.12.06 기사입력 2023.12.05", [("modified", "최종수정"), ("published", "기사입력")]),
        ("등록 2023.12.05 09:00 업데이트 2023.12.05 11:00", [("published", "등록"), ("modified", "업데이트")]),
        ("승인 2023.12.05 09:00 | 2023.12.06", [("published", "승인")]),  # unlabelled date left out
        ("2022.09.26 08:33 입력 2022.09.27 10:01 수정", [("published", "입력"), ("modified", "수정")]),
        ("홍길동 기자 | 입력 2023.12.05 | 수정 2023.12.06 | 댓글 3", [("published", "입력"), ("modified", "수정")]),
        (
            "Posted 2023-12-05T09:00:00Z Updated 2023-12-05T10:00:00Z",
            [("published", "Posted"), ("modified", "Updated")],
        ),
    ],
)
def test_find_dates_order_and_kinds(text: str, expected: list[tuple[str, str]]) -> None:
    assert [(d.kind, d.label) for d in find_dates(text)] == expected


def test_find_dates_never_confuses_published_and_modified() -> None:
    for d in find_dates("최종수정 2023.12.06 10:00 기사입력 2023.12.05 09:00 수정일 2023.12.07 입력일 2023.12.04"):
        expected = "modified" if "수정" in (d.label or "") else "published"
        assert d.kind == expected


def test_find_dates_skips_invalid_date() -> None:
    dates = find_dates("입력 2023.02.30 09:00 수정 2023.03.01 10:00")
    assert [(d.kind, isoformat(d.value)) for d in dates] == [("modified", "2023-03-01T10:00:00+09:00")]


def test_no_label_inside_word() -> None:
    # "보수정당" contains 수정 but is not a label
    assert find_dates("보수정당 2023.12.05") == []


def test_bracketed_and_english_written_labels() -> None:
    from newscrawl.parsing.dates import find_dates, parse_labelled

    [found] = find_dates("기사입력 :[ 2018-08-25 15:24 ]")
    assert (found.kind, found.value.isoformat()) == ("published", "2018-08-25T15:24:00+09:00")
    written = parse_labelled("Written: 2023-11-07 15:03:30")
    assert written is not None and written.kind == "published"


# --- datelines without labels ------------------------------------------------------------
# (text, published, modified, residue): the first time is published, a strictly later one modified.
DATELINES = [
    ("2024.03.05 14:02", "2024-03-05T14:02:00+09:00", None, ""),
    ("2024.03.05 14:02:31", "2024-03-05T14:02:31+09:00", None, ""),
    ("2024-03-05 오후 2:02", "2024-03-05T14:02:00+09:00", None, ""),
    ("2024-03-05 오전 12:05", "2024-03-05T00:05:00+09:00", None, ""),
    ("2024년 3월 5일 14시 2분", "2024-03-05T14:02:00+09:00", None, ""),
    ("2024년 03월 05일 14시 02분 09초", "2024-03-05T14:02:09+09:00", None, ""),
    ("２０２４．０３．０５　１４：０２", "2024-03-05T14:02:00+09:00", None, ""),
    ("2024.03.05 14：02", "2024-03-05T14:02:00+09:00", None, ""),
    ("[ 2024.03.05 14:02 ]", "2024-03-05T14:02:00+09:00", None, ""),
    ("( 2024/03/05 14:02 )", "2024-03-05T14:02:00+09:00", None, ""),
    ("2024.03.05(화) 14:02", "2024-03-05T14:02:00+09:00", None, ""),
    # two times in one dateline: published, then modified, whatever the separator
    ("2024.03.05 14:02 | 2024.03.05 15:10", "2024-03-05T14:02:00+09:00", "2024-03-05T15:10:00+09:00", ""),
    ("2024.03.05 14:02 · 2024.03.06 09:00", "2024-03-05T14:02:00+09:00", "2024-03-06T09:00:00+09:00", ""),
    ("2024/03/05 14:02 / 2024/03/05 16:00", "2024-03-05T14:02:00+09:00", "2024-03-05T16:00:00+09:00", ""),
    ("[2024-03-05 오후 2:02] [2024-03-05 오후 3:40]", "2024-03-05T14:02:00+09:00", "2024-03-05T15:40:00+09:00", ""),
    ("2024년 3월 5일 14시 2분 ~ 2024년 3월 5일 18시 0분", "2024-03-05T14:02:00+09:00", "2024-03-05T18:00:00+09:00", ""),
    ("２０２４－０３－０５ １４：０２ ｜ ２０２４－０３－０５ １５：１０", "2024-03-05T14:02:00+09:00",
     "2024-03-05T15:10:00+09:00", ""),
    # beside the reporter name
    ("홍길동 기자 | 2024.03.05 14:02", "2024-03-05T14:02:00+09:00", None, "홍길동 기자"),
    ("홍길동 기자 hong@example.kr · 2024-03-05 14:02 · 2024-03-05 14:30", "2024-03-05T14:02:00+09:00",
     "2024-03-05T14:30:00+09:00", "홍길동 기자 hong@example.kr"),
    # labels keep their meaning; an unlabelled later time after a labelled one is the edit
    ("입력 2024.03.05 14:02 수정 2024.03.06 09:00", "2024-03-05T14:02:00+09:00", "2024-03-06T09:00:00+09:00", ""),
    ("수정 2024.03.06 09:00 입력 2024.03.05 14:02", "2024-03-05T14:02:00+09:00", "2024-03-06T09:00:00+09:00", ""),
    ("입력 2024.03.05 14:02 | 2024.03.05 15:00", "2024-03-05T14:02:00+09:00", "2024-03-05T15:00:00+09:00", ""),
    ("송고시간 2024-03-05 14:02", "2024-03-05T14:02:00+09:00", None, ""),
    # a repeated or earlier time is not an edit
    ("2024.03.05 14:02 | 2024.03.05 14:02", "2024-03-05T14:02:00+09:00", None, ""),
    ("2024.03.05 14:02 | 2024.03.04 09:00", "2024-03-05T14:02:00+09:00", None, ""),
]


@pytest.mark.parametrize(("text", "published", "modified", "residue"), DATELINES)
def test_dateline_without_labels(text: str, published: str, modified: str | None, residue: str) -> None:
    dates, rest = dateline_dates(text)
    pub, mod = assign_dates(dates)
    assert pub is not None and isoformat(pub.value) == published
    assert (isoformat(mod.value) if mod else None) == modified
    assert rest == residue


@pytest.mark.parametrize("text", ["", "2024.03.05", "2024년 3월 5일 (화)", "14:02", "오후 2:02", "2024.13.05 14:02"])
def test_dateline_needs_a_date_with_a_time(text: str) -> None:
    """A day alone (the page's 'today', an archive date) or a time alone is not a timestamp."""
    assert dateline_dates(text)[0] == []
    assert assign_dates([]) == (None, None)


def test_dateline_residue_keeps_a_sentence() -> None:
    """The caller tells a sentence from a dateline by what is left around the time."""
    dates, rest = dateline_dates("시는 2024.03.05 14:02에 발표했다")
    assert len(dates) == 1 and rest == "시는 에 발표했다"


def test_an_unlabelled_date_before_a_labelled_one_is_not_trailing_style() -> None:
    """Text of several elements joined: a sidebar time before '입력 …' must not take the label."""
    found = find_dates("2024.03.01 09:00 입력 2024.03.05 14:02 수정 2024.03.05 15:10")
    assert [(d.kind, d.raw) for d in found] == [("published", "2024.03.05 14:02"), ("modified", "2024.03.05 15:10")]
    assert [d.kind for d in find_dates("2024.03.05 14:02 입력")] == ["published"]


@pytest.mark.parametrize(("text", "modified"), [
    ("입력 2024.03.05 14:02 수정 15:10", "2024-03-05T15:10:00+09:00"),
    ("입력 2024.03.05 14:02 (수정 오후 3:10)", "2024-03-05T15:10:00+09:00"),
    ("등록 2024-03-05 09:00:00 | 최종수정 15:10:22", "2024-03-05T15:10:22+09:00"),
    ("기사입력 2024년 3월 5일 14시 2분 업데이트 16시 5분", "2024-03-05T16:05:00+09:00"),
    ("입력 2024.03.05 14:02 수정：１５：１０", "2024-03-05T15:10:00+09:00"),
])
def test_an_edit_time_without_its_date_takes_the_day_before_it(text: str, modified: str) -> None:
    found = find_dates(text)
    assert [d.kind for d in found] == ["published", "modified"]
    assert isoformat(found[1].value) == modified


@pytest.mark.parametrize("text", ["수정 15:10", "입력 2024.03.05 14:02 수정 25:10", "입력 2024.03.05 14:02 작성 15:10"])
def test_no_edit_time_without_a_date_before_it_or_a_valid_time(text: str) -> None:
    assert [d.kind for d in find_dates(text)] in ([], ["published"])
