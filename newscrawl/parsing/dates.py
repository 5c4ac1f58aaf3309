"""Korean news date labels -> timezone-aware datetimes.

Why this module exists: Korean news pages print their publication and modification
times as free text ("입력 2022.09.26 08:33 수정 2022.09.27 10:01", "2023년 12월 5일
오후 3:05", "기사입력 2018. 02. 01. 09:28"), rarely with an offset. The pipeline needs
one canonical, comparable value per field, so every format we have met on our sites is
parsed here into an aware :class:`~datetime.datetime`.

Rules (from the site notes):

* A time without an offset is Korea time. We attach :data:`KST`, a fixed ``+09:00``
  offset (Asia/Seoul has had no DST since 1988), so ``isoformat`` prints ``+09:00``.
* An explicit offset in the text (``Z``, ``+0900``, ``+09:00``) is kept as written;
  :func:`to_kst` converts when a Korea-time value is wanted.
* A date without a time means 00:00:00 of that day.
* 12-hour clocks: ``오전``/``AM`` 12 -> 0h, ``오후``/``PM`` 12 -> 12h, ``오후`` 3 -> 15h.
* A time alone (``오후 3:05``) is not a date: we return ``None`` rather than guess the day.
* Impossible dates (month 13, 30 February, 25:00) give ``None``; nothing here raises.
* A dateline without labels (an element of its own, or beside the reporter name:
  ``2024.03.05 14:02 | 2024.03.05 15:10``) gives its times in order: the first is
  *published*, a later one *modified* (:func:`dateline_dates`, :func:`assign_dates`).
* Labels decide published vs modified. Anything mentioning 수정/업데이트/Updated is
  *modified* (so ``최종수정`` is never read as published via a substring); 등록, 입력,
  승인, 작성, 게재, 발행, 송고, Posted and their ``기사``/``일`` variants are *published*.

All functions are pure: no I/O, no clock, no locale.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone, tzinfo
from typing import Literal

__all__ = [
    "KST",
    "LabelledDate",
    "assign_dates",
    "dateline_dates",
    "find_dates",
    "isoformat",
    "parse_datetime",
    "parse_labelled",
    "to_kst",
]

#: Korea Standard Time as a fixed offset; ``isoformat`` prints ``+09:00``.
KST: timezone = timezone(timedelta(hours=9), "KST")

Kind = Literal["published", "modified", "unknown"]

# One date, optionally followed by a time. Groups: y/mo/d, ap1 (AM/PM before the time),
# h/mi, s or s2 (seconds as ":31" or "31초"), ap2 (AM/PM after the time), tz (offset).
_DATE = re.compile(
    r"""
    (?<!\d)
    (?P<y>\d{4}) \s* (?:[.\-/]|년) \s*
    (?P<mo>\d{1,2}) \s* (?:[.\-/]|월) \s*
    (?P<d>\d{1,2}) (?!\d) (?:\s*일|\.)?
    (?:
        (?:\s*\([월화수목금토일]\)|\s*[월화수목금토일]요일)?
        (?:T|\s*)
        (?:(?P<ap1>오전|오후|AM|PM|am|pm|a\.m\.|p\.m\.)\s*)?
        (?P<h>\d{1,2}) \s* (?::|시) \s* (?P<mi>\d{1,2}) (?!\d) (?:\s*분)?
        (?:
            \s*:\s*(?P<s>\d{1,2})(?!\d)(?:[.,]\d+)?
          | \s*(?P<s2>\d{1,2})\s*초
        )?
        (?:\s*(?P<ap2>AM|PM|am|pm|a\.m\.|p\.m\.))?
        (?:\s*(?P<tz>Z(?![A-Za-z])|[+-]\d{2}(?::?\d{2})?(?!\d)))?
    )?
    """,
    re.VERBOSE,
)

# Date labels. Optional prefixes (최종/최초/기사) and suffixes (일/일시/시간/일자) cover
# 기사입력, 최종수정, 입력일, 수정일시 ... The lookbehind stops matching inside a word.
_LABEL_CORE = r"""
    (?:
        (?<![가-힣])(?:(?:최종|최초|기사)\s*)?
        (?:등록|입력|승인|작성|게재|발행|송고|수정|업데이트)
        (?:일시|일자|시간|시각|일)?
      | (?<![A-Za-z])(?i:posted|published|written|updated|modified|last\s+updated|last\s+modified)(?:\s+on)?
    )
"""
_LABEL_BEFORE = re.compile(
    r"[\[(\uff08]?\s*(?P<label>" + _LABEL_CORE + r")\s*[\])\uff09]?\s*(?:[:|：]\s*)?(?:[\[(]\s*)?$",
    re.VERBOSE,
)
_LABEL_AFTER = re.compile(
    r"\s*[\[(\uff08]?\s*(?P<label>" + _LABEL_CORE + r")\s*[\])\uff09]?",
    re.VERBOSE,
)
# How far before a date we look for its label.
_LABEL_WINDOW = 40

_MODIFIED_WORDS = ("수정", "업데이트", "updated", "modified")
_AM = {"오전", "am", "a.m."}
_PM = {"오후", "pm", "p.m."}


@dataclass(frozen=True)
class LabelledDate:
    """A date found in text, with the label that introduced it.

    ``kind`` is ``'published'``, ``'modified'`` or ``'unknown'`` (no label); ``label`` is
    the label as written (``None`` when absent); ``raw`` is the date text as matched.
    """

    kind: Kind
    label: str | None
    raw: str
    value: datetime


_TRANSLATE = str.maketrans(
    {"\uff1a": ":", "\uff0f": "/", "\uff0e": ".", "\uff0d": "-", "\u00a0": " ", "\u3000": " ", "\u200b": "", "\ufeff": ""}
    | {chr(0xFF10 + i): str(i) for i in range(10)}
)


def _clean(text: str) -> str:
    # NFC so decomposed Hangul matches. NFKC would also rewrite Hangul compatibility jamo,
    # so only the full-width punctuation and digits the patterns rely on are mapped.
    text = unicodedata.normalize("NFC", text)
    return text.translate(_TRANSLATE)


def _offset(tz: str) -> tzinfo:
    if tz == "Z":
        return UTC
    sign = -1 if tz[0] == "-" else 1
    digits = tz[1:].replace(":", "")
    delta = timedelta(hours=int(digits[:2]), minutes=int(digits[2:4] or 0)) * sign
    if delta == timedelta(hours=9):
        return KST
    return timezone(delta)


def _build(m: re.Match[str], default_tz: tzinfo) -> datetime | None:
    """The datetime for one :data:`_DATE` match, or ``None`` if it is impossible."""
    try:
        year, month, day = int(m["y"]), int(m["mo"]), int(m["d"])
        hour = minute = second = 0
        if m["h"] is not None:
            hour, minute = int(m["h"]), int(m["mi"])
            second = int(m["s"] or m["s2"] or 0)
            ampm = (m["ap1"] or m["ap2"] or "").lower()
            if ampm in _AM and hour == 12:
                hour = 0
            elif ampm in _PM and hour < 12:
                hour += 12
        if not 1900 <= year <= 2100:
            return None
        tz = _offset(m["tz"]) if m["tz"] else default_tz
        return datetime(year, month, day, hour, minute, second, tzinfo=tz)
    except (ValueError, OverflowError):
        return None


def parse_datetime(text: str, default_tz: tzinfo = KST) -> datetime | None:
    """The first valid date (with its time, if any) in ``text``; labels are ignored.

    Without an offset in the text the value gets ``default_tz`` (Korea time). Impossible
    candidates are skipped; ``None`` if nothing valid is found or only a time is given.
    """
    if not text:
        return None
    for m in _DATE.finditer(_clean(text)):
        value = _build(m, default_tz)
        if value is not None:
            return value
    return None


def _kind(label: str | None) -> Kind:
    if label is None:
        return "unknown"
    low = label.lower()
    # Modified is checked first and by substring: 최종수정, 기사수정, 수정일 ... are all
    # modified, and no published label contains these words.
    if any(word in low for word in _MODIFIED_WORDS):
        return "modified"
    return "published"


def find_dates(text: str) -> list[LabelledDate]:
    """Every labelled date in ``text``, in order of appearance.

    Labels normally precede their date (``입력 2022.09.26 08:33 수정 2022.09.27``). If the
    first date has no label before it but one right after it (``2022.09.26 입력``), the
    whole text is read as trailing-label style. Unlabelled dates are left out.
    """
    return [d for d, _span in _scan(_clean(text)) if d.label is not None] if text else []


def _scan(clean: str) -> list[tuple[LabelledDate, tuple[int, int]]]:
    """Every valid date in ``clean`` (labelled or not) with the span of its date and label."""
    found: list[tuple[re.Match[str], datetime, str | None, str | None]] = []
    for m in _DATE.finditer(clean):
        value = _build(m, KST)
        if value is None:
            continue
        label_before = _LABEL_BEFORE.search(clean, max(0, m.start() - _LABEL_WINDOW), m.start())
        label_after = _LABEL_AFTER.match(clean, m.end())
        found.append((m, value, label_before["label"] if label_before else None,
                      label_after["label"] if label_after else None))
    if not found:
        return []

    # Trailing style needs the last date labelled after it too when the first one's label
    # introduces a date of its own: in "2024.03.01 09:00 입력 2024.03.05 14:02" the first
    # date is someone else's, in "2022.09.26 입력 2022.09.27 수정" both labels trail.
    first = found[0]
    trailing_style = first[2] is None and first[3] is not None and (
        not _DATE.match(clean, _skip_label(clean, first[0].end())) or found[-1][3] is not None)
    result: list[tuple[LabelledDate, tuple[int, int]]] = []
    for m, value, before, after in found:
        if trailing_style:
            label = after
        elif before is not None:
            label = before
        elif after is not None and not _DATE.match(clean, _skip_label(clean, m.end())):
            # A label after the date that does not introduce a date of its own.
            label = after
        else:
            label = None
        if label is not None:
            label = re.sub(r"\s+", " ", label.strip())
        result.append((LabelledDate(_kind(label), label, m.group(0).strip(), value), m.span()))
    result += _edit_times(clean, result)
    result.sort(key=lambda found: found[1][0])
    return result


# An edit time without its date ("입력 2024.03.05 14:02 수정 15:10"): the day of the date before it.
_TIME_ONLY = re.compile(
    r"(?P<label>" + _LABEL_CORE + r")\s*[\])\uff09]?\s*(?:[:|]\s*)?"
    r"(?:(?P<ap>오전|오후|AM|PM|am|pm)\s*)?(?P<h>\d{1,2})\s*(?::|시)\s*(?P<mi>\d{1,2})(?!\d)(?:\s*분)?"
    r"(?:\s*:\s*(?P<s>\d{2})(?!\d))?(?!\s*[.\-/년월])",
    re.VERBOSE,
)


def _edit_times(clean: str, dated: list[tuple[LabelledDate, tuple[int, int]]]) -> list[tuple[LabelledDate, tuple[int, int]]]:
    """Labelled edit times shown without a date, dated by the date just before them."""
    out: list[tuple[LabelledDate, tuple[int, int]]] = []
    for m in _TIME_ONLY.finditer(clean):
        label = re.sub(r"\s+", " ", m["label"].strip())
        if _kind(label) != "modified" or any(a < m.end() and m.start() < b for _d, (a, b) in dated):
            continue
        before = [d for d, (_a, b) in dated if b <= m.start()]
        if not before:
            continue
        hour, ampm = int(m["h"]), (m["ap"] or "").lower()
        hour = 0 if ampm in _AM and hour == 12 else hour + 12 if ampm in _PM and hour < 12 else hour
        try:
            value = before[-1].value.replace(hour=hour, minute=int(m["mi"]), second=int(m["s"] or 0))
        except ValueError:
            continue
        start = m.start("ap") if m["ap"] else m.start("h")
        out.append((LabelledDate("modified", label, clean[start:m.end()].strip(), value), (start, m.end())))
    return out


# What may stand around the times of a dateline besides labels: separators and brackets.
_DATELINE_FILLER = re.compile(r"[\s|｜ㅣ·•/:,\-–—~\[\](){}<>〈〉「」『』【】\u3014\u3015]+")
_LABEL_ANYWHERE = re.compile(_LABEL_CORE + r"(?:\s*(?:시간|시각|일시))?", re.VERBOSE)


def dateline_dates(text: str) -> tuple[list[LabelledDate], str]:
    """The dates *with a time* in a dateline or byline text, and what is left around them.

    Each date keeps its label (``kind='unknown'`` without one). The residue is the text
    without those dates, their labels, separators (``| · / : ,`` dashes) and brackets:
    ``''`` for a dateline of its own, ``'홍길동 기자'`` beside a reporter name. The caller
    decides whether the residue makes the text a dateline (a sentence does not).
    """
    if not text:
        return [], ""
    clean = _clean(text)
    dates: list[LabelledDate] = []
    pieces: list[str] = []
    pos = 0
    for found, (start, end) in _scan(clean):
        if ":" not in found.raw and "시" not in found.raw:
            continue  # a date without a time (a page's "today", an archive day) is not a timestamp
        dates.append(found)
        pieces.append(clean[pos:start])
        pos = end
    pieces.append(clean[pos:])
    residue = _LABEL_ANYWHERE.sub(" ", " ".join(pieces))
    return dates, " ".join(_DATELINE_FILLER.sub(" ", residue).split())


def assign_dates(dates: list[LabelledDate]) -> tuple[LabelledDate | None, LabelledDate | None]:
    """(published, modified) from the dates of one dateline, in the order shown.

    Labels decide first. Without a label, the first time is the publication; a later,
    *strictly later* unlabelled time after it is the edit (Korean datelines print
    ``2024.03.05 14:02 | 2024.03.05 15:10`` for 입력/수정 without the words). An
    unlabelled time equal to or before the publication is a repetition, not an edit.
    """
    published = next((d for d in dates if d.kind == "published"), None)
    modified = next((d for d in dates if d.kind == "modified"), None)
    if published is None:
        published = next((d for d in dates if d.kind == "unknown"), None)
    if modified is None and published is not None:
        after = dates[dates.index(published) + 1:]
        modified = next((d for d in after if d.kind == "unknown" and d.value > published.value), None)
    return published, modified


def _skip_label(text: str, pos: int) -> int:
    """Position after the label (and colon/space) that starts at ``pos``."""
    after = _LABEL_AFTER.match(text, pos)
    end = after.end() if after else pos
    sep = re.compile(r"\s*(?:[:|]\s*)?").match(text, end)
    return sep.end() if sep else end


def parse_labelled(text: str) -> LabelledDate | None:
    """The first date in ``text`` with its kind taken from its label.

    Falls back to ``kind='unknown'`` (label ``None``) when the date has no label.
    """
    if not text:
        return None
    dates = find_dates(text)
    if dates:
        return dates[0]
    clean = _clean(text)
    for m in _DATE.finditer(clean):
        value = _build(m, KST)
        if value is not None:
            return LabelledDate("unknown", None, m.group(0).strip(), value)
    return None


def to_kst(dt: datetime) -> datetime:
    """``dt`` expressed in Korea time; a naive value is taken to be Korea time already."""
    if dt.tzinfo is None or dt.utcoffset() is None:
        return dt.replace(tzinfo=KST)
    return dt.astimezone(KST)


def isoformat(dt: datetime | None) -> str | None:
    """ISO 8601 with seconds always shown and microseconds dropped.

    ``2023-12-05T09:42:00+09:00``. A naive value is taken to be Korea time.
    """
    if dt is None:
        return None
    if dt.tzinfo is None or dt.utcoffset() is None:
        dt = dt.replace(tzinfo=KST)
    return dt.replace(microsecond=0).isoformat(timespec="seconds")
