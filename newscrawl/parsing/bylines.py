"""Reporter lines and datelines -> structured bylines (name, desk, email).

Why this module exists: Korean news sites print authorship as free text in many shapes
(``홍길동 기자``, ``홍길동 경기남부사회2부기자``, ``[지역=홍길동 기자]``, ``홍길동·김철수 기자``,
``글·사진 홍길동``, ``By John Smith``) and mix it with photo credits and agency names that
are *not* authors. Spiders hand the raw line here and get back clean, ordered
:class:`Byline` records, so every site reports authors the same way.

Rules:

* A Korean name is 2-4 Hangul syllables and not a word from :data:`STOP_WORDS`, nor an
  outlet-like (``...뉴스``, ``...일보``) or desk-like (``...부``, ``...팀``) word.
* A role word (:data:`ROLE_PATTERN`: 기자, 선임기자, 특파원, 논설위원, 칼럼니스트 ...) ends a
  reporter; it is never part of the name. Text between the name and the role is the
  desk (``홍길동 사회부 기자``, ``홍길동 경기남부사회2부기자``).
* Without any role word a line is accepted only if it is nothing but names, and each name
  must also start with a Korean surname (guards against bare outlet names).
* In a dateline ``[outlet=name 기자]`` the part before ``=`` is the outlet or region.
* Photo credits (``/사진=…``, ``[사진=…]``, ``사진제공=…``) are removed before parsing;
  ``사진=홍길동 기자`` at the start of a byline line credits a photo reporter, who counts
  as an author. Wire/agency names (연합뉴스, 뉴시스, 뉴스1 ...) are never authors.
* An email attaches to the reporter it follows (the first reporter if it comes first);
  ``n`` emails after ``n`` names sharing one role are paired in order.

All functions are pure: no I/O.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, replace

from newscrawl.parsing.text import normalize_space

__all__ = [
    "ROLE_PATTERN",
    "STOP_WORDS",
    "Byline",
    "find_email_trailer",
    "find_signature",
    "merge_bylines",
    "names",
    "parse_byline",
    "parse_dateline",
]


@dataclass(frozen=True)
class Byline:
    """One author: ``name`` plus the desk and email when the line gives them."""

    name: str
    desk: str | None = None
    email: str | None = None

    def as_dict(self) -> dict[str, str | None]:
        return {"name": self.name, "desk": self.desk, "email": self.email}


#: Words that look like 2-4 syllable names but never are. Kept small on purpose; the
#: outlet and desk suffix checks below catch the open-ended families.
STOP_WORDS: frozenset[str] = frozenset(
    {
        # the words the byline itself is made of
        "기자", "사진", "제공", "사진제공", "글", "영상", "그래픽", "편집", "정리", "취재", "자료",
        "출처", "기사", "특파원", "논설위원", "칼럼니스트", "선임기자", "수습기자", "객원기자",
        "대기자", "전문기자", "인턴기자", "기자단", "공동취재", "공동취재단", "사진공동취재단",
        # newsroom units and generic authors
        "뉴스", "통신", "편집국", "편집부", "온라인", "디지털", "취재팀", "팀", "데스크", "본사",
        "종합", "외신", "속보", "단독", "인터넷", "모바일", "관리자", "운영자", "기고", "독자",
        "객원", "선임", "수습", "인턴", "전문", "특별취재팀", "뉴스팀", "뉴스룸",
        # wire services and bare outlet names
        "연합", "연합뉴스", "뉴시스", "뉴스원", "한겨레", "경향", "중앙", "동아", "조선", "국민",
        "세계", "한국", "서울", "노컷", "매경", "한경",
        # date labels that share a line with bylines
        "입력", "수정", "등록", "승인", "송고", "작성", "게재", "발행", "업데이트", "최종수정",
        # beats that precede 기자/전문기자 and would pass a surname check (정치, 경제 ...)
        "정치", "경제", "사회", "문화", "국제", "산업", "금융", "증권", "부동산", "스포츠", "연예",
        "생활", "과학", "교육", "환경", "의학", "건강", "여행", "지역", "전국", "정책", "유통",
        # words before an email in a contact line
        "문의", "제보", "연락처", "메일", "이메일", "전화",
    }
)  # fmt: skip

# Endings of outlet names (연합뉴스, 경기일보, 뉴스통신 ...) and desks (사회부, 취재팀).
_OUTLET_SUFFIXES = (
    "뉴스", "일보", "신문", "방송", "통신", "미디어", "타임스", "타임즈", "저널", "닷컴", "투데이", "데일리",
)  # fmt: skip
_DESK_SUFFIXES = ("부", "팀", "본부", "센터", "데스크", "취재단")

# Single- and two-syllable Korean surnames, for role-less lines only.
_SURNAMES_1 = frozenset(
    "가간갈감강견경계고공곽구국궁권근금기길김나남노뇌단담당도독돈동두등라마만매맹명모목묘문미민"
    "박반방배백범변복봉부비빈빙사삼상서석선설섭성소손송수순승시신심아안애야양어엄여연염영예오옥온"
    "옹왕요용우운원위유육윤은음이인임자장전정제조종좌주준지진차창채천초추탁탄태판팽편평포표풍피필"
    "하학한함해허현형호홍화환황후흥최류뢰"
)
_SURNAMES_2 = frozenset({"남궁", "제갈", "선우", "독고", "황보", "사공", "서문", "동방", "어금", "망절"})

#: Role words that close a reporter; never part of a name.
ROLE_PATTERN = (
    r"(?:(?:선임|수습|객원|전문|인턴|사진|영상|수석|시민|명예|대)?기자"
    r"|(?:객원)?논설위원|편집위원|전문위원|칼럼니스트|특파원)"
)
_ROLE = re.compile(ROLE_PATTERN + r"(?![가-힣])")

_EMAIL = r"[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+"
_EMAIL_RE = re.compile(_EMAIL)
# An email with the brackets around it, blanked as one piece.
_EMAIL_SPAN = re.compile(r"[(<\[]?\s*(" + _EMAIL + r")\s*[)>\]]?")

# A whole word of 2-4 syllables: "경기남부사회2부" must not yield "경기남부".
_NAME = r"[가-힣]{2,4}(?![가-힣A-Za-z0-9])"
_SEP = r"(?:\s*[·,&]\s*|\s+및\s+|\s+)"
_NAME_LIST = re.compile(rf"{_NAME}(?:{_SEP}{_NAME})*")
_NAMES_ONLY = re.compile(rf"[\s,·/&]*(?P<names>{_NAME}(?:{_SEP}{_NAME})*)?[\s,·/&]*")

# Photo credits: bracketed anywhere, after a slash to the end, or a 제공= part.
_PHOTO_WORDS = r"(?:사진|자료\s*사진|자료|사진\s*제공|제공|그래픽|출처|영상\s*제공)"
_PHOTO_BRACKETED = re.compile(r"[\[(]\s*" + _PHOTO_WORDS + r"\s*[=:][^\])]*[\])]")
_PHOTO_AFTER_SLASH = re.compile(r"/\s*" + _PHOTO_WORDS + r"\s*[=:].*$")
_PHOTO_PROVIDED = re.compile(r"(?:사진|자료|영상)?\s*제공\s*[=:][^,/]*")
# Credit markers at the start of a part: 글·사진 홍길동, 사진=홍길동 기자, By 홍길동.
_MARKER = re.compile(
    r"(?:^|(?<=[\s,/|]))(?:글\s*[·/,&]\s*사진|사진\s*[·/,&]\s*글|글|사진|취재|정리|영상|By)(?:\s*[=:]\s*|\s+|$)",
    re.IGNORECASE,
)

_OPEN_CLOSE = {"[": "]", "(": ")", "【": "】", "\u3014": "\u3015", "\uff3b": "\uff3d", "\uff08": "\uff09"}
_DATELINE = re.compile(
    r"^\s*(?P<open>[\[(【\u3014\uff3b\uff08])\s*"
    r"(?P<outlet>[^=\uff1d\[\]()【】\u3014\u3015\uff3b\uff3d\uff08\uff09\n]{1,40}?)\s*[=\uff1d]\s*"
    r"(?P<body>[^\[\]()【】\u3014\u3015\uff3b\uff3d\uff08\uff09\n]{0,80}?)\s*"
    r"(?P<close>[\])】\u3015\uff3d\uff09])"
)
# Wire-style lead right after a dateline: "(서울=연합뉴스) 홍길동 기자 = 본문".
_LEAD = re.compile(r"^\s*(?P<lead>[^=\n]{2,40}?)\s*[=\uff1d]\s*")
_MAX_REST = 60
# Longest line parse_byline reads outside a dateline.
_MAX_LINE = 300
# Longest text accepted between one role word and the previous (names + desk).
_MAX_PRE = 100
_NOT_DATELINE_OUTLETS = frozenset({"사진", "사진제공", "제공", "자료", "자료사진", "그래픽", "출처", "글", "글·사진"})

_TRANSLATE = str.maketrans(
    {
        "ㆍ": "·", "・": "·", "･": "·", "‧": "·", "•": "·", "∙": "·", "⋅": "·",
        "\uff1d": "=", "\uff0c": ",", "\uff0f": "/", "\uff3b": "[", "\uff3d": "]", "\uff08": "(", "\uff09": ")",
        "【": "[", "】": "]", "\u3014": "[", "\u3015": "]", "\uff1a": ":", "\uff20": "@",
    }
)  # fmt: skip

# English bylines.
_EN_BY = re.compile(r"^\s*by\s+", re.IGNORECASE)
_EN_NAME = re.compile(r"[A-Z][A-Za-z'\u2019.\-]*(?:\s+[A-Z][A-Za-z'\u2019.\-]*){0,3}")
_EN_ROLE_TAIL = re.compile(r"\s*(?:,\s*)?(?:staff\s+)?(?:reporter|writer|correspondent|columnist|editor)\s*$", re.I)
_EN_STOP = frozenset(
    {"reuters", "ap", "afp", "yonhap", "bloomberg", "associated press", "staff", "newsis", "news1", "upi", "xinhua"}
)


def _norm(text: str) -> str:
    return normalize_space(text).translate(_TRANSLATE)


def _blank(text: str, pattern: re.Pattern[str]) -> str:
    """``text`` with each match of ``pattern`` replaced by spaces (offsets preserved)."""
    return pattern.sub(lambda m: " " * len(m.group(0)), text)


def _is_name(word: str, *, strict: bool = False) -> bool:
    """Whether ``word`` can be a Korean personal name (``strict``: surname required)."""
    if not re.fullmatch(_NAME, word) or word in STOP_WORDS:
        return False
    if len(word) >= 3 and word.endswith(_OUTLET_SUFFIXES + _DESK_SUFFIXES):
        return False
    if _ROLE.fullmatch(word):
        return False
    if strict:
        return word[0] in _SURNAMES_1 or (len(word) >= 3 and word[:2] in _SURNAMES_2)
    return True


def _split_names(text: str) -> list[str]:
    return [n for n in re.split(r"\s*[·,&]\s*|\s+및\s+|\s+", text.strip()) if n]


@dataclass
class _Group:
    """Names sharing one role (and desk); ``start`` is where the first name is in the line."""

    names: list[str]
    desk: str | None
    start: int
    end: int


def _parse_pre(pre: str) -> tuple[list[str], str | None]:
    """Names and desk from the text before a role word."""
    pre = pre.rsplit("=", 1)[-1]  # "지역=홍길동 기자": the part before '=' is an outlet
    pre = re.sub(r"^[\s,·/|&:\[(<〈]+|[\s,·/|&:\])>〉]+$", "", pre)
    if not pre or len(pre) > _MAX_PRE:  # a sentence, not a byline
        return [], None
    # Names first: "홍길동 경기남부사회2부", "홍길동·김철수", "홍길동".
    m = _NAME_LIST.match(pre)
    if m:
        found = _split_names(m.group(0))
        rest = pre[m.end() :].strip()
        # The greedy name list may have eaten a desk written with a space ("홍길동 사회부").
        while len(found) > 1 and not _is_name(found[-1], strict=True):
            rest = (found.pop() + " " + rest).strip()
        if found and all(_is_name(n) for n in found) and (not rest or (len(rest) <= 30 and "=" not in rest)):
            return found, rest or None
    # Desk first: "사회부 홍길동", "경기남부 사회2부 홍길동·김철수".
    m = re.search(rf"(?:^|\s)(?P<names>{_NAME}(?:\s*[·,&]\s*{_NAME})*)$", pre)
    if m:
        desk = pre[: m.start("names")].strip()
        found = _split_names(m.group("names"))
        if desk and len(desk) <= 30 and all(_is_name(n, strict=True) for n in found):
            return found, desk
    return [], None


def _names_only(text: str) -> list[str] | None:
    """The names if ``text`` is nothing but surname-led names and separators, else None."""
    m = _NAMES_ONLY.fullmatch(text)
    if not m:
        return None
    found = _split_names(m["names"] or "")
    if not all(_is_name(n, strict=True) for n in found):
        return None
    return found


def _parse_english(text: str) -> list[Byline]:
    emails = [(m.start(), m.group(0)) for m in _EMAIL_RE.finditer(text)]
    text = _blank(text, _EMAIL_SPAN)
    text = _EN_BY.sub("", text)
    result: list[Byline] = []
    for part in re.split(r"\s*(?:,|;|/|&|\band\b|\|)\s*", text):
        part = _EN_ROLE_TAIL.sub("", part.strip()).strip()
        if not part or part.lower() in _EN_STOP or part.lower().startswith("the "):
            continue
        if _EN_NAME.fullmatch(part) and " " in part:
            result.append(Byline(part))
    if result and emails:
        result[-1] = replace(result[-1], email=emails[0][1])
    return result


def parse_byline(text: str) -> list[Byline]:
    """The authors in one reporter line or dateline, in order (possibly none).

    A line longer than 300 characters (after a dateline is split off) is treated as body
    text and gives no authors.
    """
    if not text or not text.strip():
        return []
    outlet, from_dateline, rest = parse_dateline(text)
    if outlet is not None:
        # "【서울=뉴스1】 홍길동 기자": the reporter follows a wire dateline. Only a short
        # remainder is read, so body text after a dateline is never mistaken for a byline.
        if not from_dateline and rest and len(rest) <= _MAX_REST and not re.search(r"[.!?\n]", rest):
            return parse_byline(rest)
        return from_dateline
    line = _norm(text)
    if len(line) > _MAX_LINE:  # body text, not a reporter line (also bounds regex work)
        return []
    if not re.search(r"[가-힣]", line):
        return _parse_english(line) if re.search(r"[A-Za-z]", line) else []

    emails = [(m.start(1), m.group(1)) for m in _EMAIL_SPAN.finditer(line)]
    work = _blank(line, _EMAIL_SPAN)
    for pattern in (_PHOTO_BRACKETED, _PHOTO_AFTER_SLASH, _PHOTO_PROVIDED):
        work = _blank(work, pattern)
    if re.fullmatch(r"[\s\[\]()]*", work):  # nothing but a photo credit or an email
        return []
    work = _blank(work, _MARKER)

    groups: list[_Group] = []
    prev = 0
    for role in _ROLE.finditer(work):
        found, desk = _parse_pre(work[prev : role.start()])
        if found:
            start = work.find(found[0], prev, role.start())
            groups.append(_Group(found, desk, start, role.end()))
        prev = role.end()
    tail = work[prev:]
    if "=" in tail and not groups:
        tail = tail.rsplit("=", 1)[-1]  # "지역=홍길동": role-less dateline without brackets
    tail_names = _names_only(re.sub(r"[\[\]():|]", " ", tail))
    if tail_names:
        groups.append(_Group(tail_names, None, work.find(tail_names[0], prev), len(work)))

    if not groups:
        return []
    bylines = [Byline(n, g.desk) for g in groups for n in g.names]
    _attach_emails(groups, emails, bylines)
    return bylines


def _attach_emails(groups: list[_Group], emails: list[tuple[int, str]], bylines: list[Byline]) -> None:
    """Give each email to the reporter it follows, in place on ``bylines``.

    An email before every reporter goes to the first one; ``n`` emails after a group of
    ``n > 1`` names are paired in order; otherwise an email goes to the group's last name.
    """
    first_index: list[int] = []  # index in ``bylines`` of each group's first name
    count = 0
    for g in groups:
        first_index.append(count)
        count += len(g.names)
    per_group: dict[int, list[tuple[int, str]]] = {}
    for pos, email in emails:
        owner = max((i for i, g in enumerate(groups) if g.start <= pos), default=0)
        per_group.setdefault(owner, []).append((pos, email))
    for i, mails in per_group.items():
        g, base = groups[i], first_index[i]
        if len(mails) == len(g.names) > 1:
            targets = list(range(base, base + len(g.names)))
        else:
            targets = [base if mails[0][0] < g.start else base + len(g.names) - 1]
        for idx, (_pos, mail) in zip(targets, mails, strict=False):
            if bylines[idx].email is None:
                bylines[idx] = replace(bylines[idx], email=mail)


def parse_dateline(text: str) -> tuple[str | None, list[Byline], str]:
    """Split a leading ``[outlet=name desk기자]`` off ``text``.

    Returns ``(outlet, bylines, rest)``; ``rest`` is the text after the dateline (and
    after a wire-style ``홍길동 기자 =`` lead, whose reporter joins ``bylines``). Round
    brackets and 【】 are accepted too. Without a dateline: ``(None, [], text)``.
    """
    if not text:
        return None, [], text
    m = _DATELINE.match(text)
    if not m or _OPEN_CLOSE.get(m["open"]) != m["close"]:
        return None, [], text
    outlet = _norm(m["outlet"])
    if not outlet or outlet.replace(" ", "") in _NOT_DATELINE_OUTLETS:
        return None, [], text
    bylines = parse_byline(m["body"]) if m["body"] else []
    rest = text[m.end() :]
    lead = _LEAD.match(rest)
    if lead and _ROLE.search(lead["lead"]):
        extra = parse_byline(lead["lead"])
        if extra:
            bylines = merge_bylines(bylines, extra)
            rest = rest[lead.end() :]
    return outlet, bylines, rest.lstrip()


_TRAILER = re.compile(
    r"^[\s/=\-\u2013\u2014]*[\[(<\u3008]?\s*"
    r"(?:(?P<name>[가-힣]{2,4}|[A-Z][A-Za-z'\u2019.\-]*(?:\s+[A-Z][A-Za-z'\u2019.\-]*){1,3})"
    r"(?:\s*(?P<desk>[가-힣A-Za-z0-9]{2,20}?)?\s*(?P<role>" + ROLE_PATTERN + r"))?\s*[=:]?\s*)?"
    r"[(<\[]?\s*(?P<email>" + _EMAIL + r")\s*[)>\]]?\s*[)>\]\u3009]?\s*\.?\s*$"
)


def find_email_trailer(text: str) -> tuple[str, str] | None:
    """``(name, email)`` if ``text`` is only ``NAME 기자 EMAIL``, ``NAME EMAIL`` or ``EMAIL``.

    ``name`` is ``''`` for a bare email. Anything else (a sentence that merely contains an
    email, a non-name before the email without a role word) gives ``None``.
    """
    if not text:
        return None
    m = _TRAILER.match(_norm(text))
    if not m:
        return None
    name = m["name"] or ""
    if name and re.fullmatch(_NAME, name) and not _is_name(name, strict=m["role"] is None):
        if m["role"] is None:
            return None
        name = ""
    return name, m["email"]


def _key(name: str) -> str:
    return " ".join(name.split()).casefold()


def merge_bylines(*groups: Iterable[Byline]) -> list[Byline]:
    """Union by name in first-seen order; later groups fill a missing desk or email."""
    merged: dict[str, Byline] = {}
    for group in groups:
        for b in group:
            key = _key(b.name)
            old = merged.get(key)
            if old is None:
                merged[key] = b
            else:
                merged[key] = replace(old, desk=old.desk or b.desk, email=old.email or b.email)
    return list(merged.values())


def names(bylines: Iterable[Byline]) -> list[str]:
    """Just the names, in order."""
    return [b.name for b in bylines]


# --- Names in metadata and non-Korean bylines -------------------------------------------
_LEADING_BY = re.compile(r"^\s*(?:by|von|par|por|di|door|af|av|text|texto|written by)\s*[:\s]\s*", re.IGNORECASE)
_PAREN_TAIL = re.compile(r"\s*\([^()]{1,12}\)\s*$")
_NAME_SPLIT = re.compile(r"\s*(?:,|;|\s&\s|\s+(?:und|and|og|et|y|e|och|en|i|und\s+von)\s+)\s*", re.IGNORECASE)
_SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)+$")


def split_person_names(text: str | None) -> list[str]:
    """'Von Anna Fink und Jan Marchart, dpa' -> ['Anna Fink', 'Jan Marchart', 'dpa'].

    For author strings from metadata and Latin-script bylines; Korean text goes through
    :func:`parse_byline`. Slugs ('sophie-foster'), URLs and sentences are not names.
    """
    text = normalize_space(text)
    if not text or text.startswith(("http://", "https://", "www.")) or _SLUG.match(text):
        return []
    if re.search(r"[가-힣]", text):
        return [b.name for b in parse_byline(text)]
    text = _LEADING_BY.sub("", text)
    names: list[str] = []
    for part in _NAME_SPLIT.split(text):
        part = _PAREN_TAIL.sub("", _LEADING_BY.sub("", part)).strip(" .·|-")
        if not part or len(part) > 60 or len(part.split()) > 5 or _EMAIL_RE.search(part) or re.search(r"\d", part):
            continue
        if part not in names:
            names.append(part)
    return names


# --- Signatures closing a body ------------------------------------------------------------
_SIGNATURE_MAX = 80
_SIGNATURE_FILLER = re.compile(r"[\s\[\]()<>\u3008\u3009/=·,|:;\-\u2013\u2014.]+")
_SIGNATURE_MARKERS = re.compile(r"글|사진|정리|취재|영상|외\s*\d+\s*명")


def find_signature(text: str) -> list[Byline]:
    """The reporters if ``text`` is only a signature: ``홍길동 논설위원``, ``[홍길동 기자 hong@x.kr]``,
    ``/홍길동·김철수 기자``, ``홍길동 기자 hong@x.kr 김철수 기자 kim@x.kr``, ``글=홍길동 객원기자``.

    A role word is required (a bare name could be anything), the line is short, and nothing
    but names, desks, role words, e-mails, credit markers, brackets, separators and at most
    a short outlet name (``[바람일보 홍길동 기자]``) is left: a sentence naming a reporter is not
    one, nor a sentence with a reporter glued to its end (``…밝혔다. 홍길동 기자``).
    """
    line = _norm(text or "")
    if not line or len(line) > _SIGNATURE_MAX or not _ROLE.search(line):
        return []
    if re.search(r"[.!?。]", _EMAIL_RE.sub(" ", line)):  # a sentence ends in it
        return []
    bylines = parse_byline(line)
    # Names led by a surname and a desk of a word or two: "사회부", "경기남부사회2부", "워싱턴".
    if not bylines or not all(_is_name(b.name, strict=True) for b in bylines) \
            or any(b.desk and (len(b.desk) > 15 or b.desk.count(" ") > 1) for b in bylines):
        return []
    rest = _ROLE.sub(" ", _EMAIL_RE.sub(" ", line))
    for b in bylines:
        for part in (b.desk, b.name):
            if part:
                rest = rest.replace(part, " ")
    rest = _SIGNATURE_FILLER.sub("", _SIGNATURE_MARKERS.sub(" ", rest))
    if (len(rest) > 2 and not (len(rest) <= 10 and rest.endswith(_OUTLET_SUFFIXES))) or re.search(r"\d", rest):
        return []
    return bylines
