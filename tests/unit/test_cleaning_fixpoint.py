"""The memoised fixed-point cleaning gives exactly what the rule-by-rule loop gave.

``_reference_clean`` below is the loop as it was before rule verdicts were memoised (every rule
over every paragraph, every pass); the property compares every field of the result, including
the order of the fired rules, on paragraph lists built so that rules enable each other (a strip
exposing a drop, a dropped promo exposing a dateline, a trailer exposing a signature, a cut after
two kept paragraphs or above them).
"""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from newscrawl.parsing.bylines import find_email_trailer, find_signature, parse_dateline
from newscrawl.parsing.cleaning import BOILERPLATE_RULES, CleanedBody, Rule, clean_paragraphs
from newscrawl.parsing.text import normalize_space


def _reference_pass(paras: list[str], rules: tuple[Rule, ...], out: CleanedBody) -> list[str]:
    kept: list[str] = []
    for para in paras:
        for stripper in rules:
            if stripper.action == "strip" and stripper.matches(para):
                para = stripper.strip(para)
                out.removed.append(stripper.name)
        if not para:
            continue
        rule = next((r for r in rules if r.action != "strip" and r.matches(para)), None)
        if rule is None:
            kept.append(para)
            continue
        out.removed.append(rule.name)
        if rule.name == "photo_credit" and para not in out.credits:
            out.credits.append(para)
        if rule.action == "cut" and len(kept) >= 2:
            break
    if kept:
        _outlet, bylines, rest = parse_dateline(kept[0])
        if bylines or rest != kept[0]:
            out.dateline_bylines = out.dateline_bylines or list(bylines)
            out.removed.append("dateline")
            rest = normalize_space(rest)
            if rest:
                kept[0] = rest
            else:
                kept.pop(0)
    while kept:
        trailer = find_email_trailer(kept[-1])
        if trailer is not None and not (trailer[0] == "" and find_signature(kept[-1])):
            out.trailer = out.trailer or trailer
            out.removed.append("email_trailer")
            kept.pop()
            continue
        signature = find_signature(kept[-1])
        if not signature:
            break
        out.signature = signature + [b for b in out.signature if b not in signature]
        out.removed.append("signature")
        kept.pop()
    return kept


def _reference_clean(paragraphs: list[str], rules: tuple[Rule, ...] = BOILERPLATE_RULES) -> CleanedBody:
    from newscrawl.parsing.cleaning import _SIGNOFF

    out = CleanedBody()
    paras = [p for p in (normalize_space(p) for p in paragraphs) if p]
    for _ in range(10):
        cleaned = _reference_pass(paras, rules, out)
        if cleaned == paras:
            break
        paras = cleaned
    out.paragraphs = paras
    if paras:
        match = _SIGNOFF.match(paras[-1])
        out.signoff = match.group("name") if match else None
    return out


def _fields(body: CleanedBody) -> dict[str, object]:
    return {name: getattr(body, name) for name in CleanedBody.__slots__}


LEAD = "시의회는 5일 본회의에서 내년도 예산안을 원안대로 의결했다고 밝혔다."
#: Pieces a paragraph is glued from: each matches (or, glued to another, starts or stops matching) a rule.
PIECES = [
    LEAD, "둘째 문단이다.", "Seoul saw its first cold snap of the season.", "홍길동 기자", "홍길동·김철수 기자",
    "/홍길동 기자", "= 김철수 수습기자", "김하늘 기자 sky@example.kr", "sky@example.kr", "홍길동 논설위원",
    "[홍길동 기자 hong@x.kr]", "[뉴스21 통신=김하늘 기자]", "[뉴스21 통신=김하늘 경기남부사회2부기자] ",
    "$$ARTICLEAD$$", "$$AD_TOP$$ ", "두산인프라코어 (8,530원 40 -0.5%)", " (8,530원 ▲40 +0.5%)",
    "<저작권자 © 바람일보, 무단전재 및 재배포 금지>", "저작권자 © 무단전재 금지", "ⓒ 바람일보", "All rights reserved",
    "관련기사", "[관련 기사]", "많이 본 뉴스", "한빛일보 주요뉴스", "▶ 더보기", "☞ 구독하기", "더보기 >",
    "[사진=연합뉴스]", "/사진=JTBC", "사진 제공: 시청", "기사 공유하기", "인쇄", "12", "0:00 / 03:12",
    "기사를 읽어드립니다", "We use cookies to improve the site.", "Jane Park, Hanbit Radio News.",
    " ", "\xa0", "\u200b", "\n", "  ",
]
paragraph = st.lists(st.sampled_from(PIECES), min_size=0, max_size=3).map("".join) | st.sampled_from(PIECES)


@settings(max_examples=800, deadline=None)
@given(st.lists(paragraph, max_size=10))
def test_memoised_cleaning_equals_the_rule_by_rule_loop(paragraphs: list[str]) -> None:
    assert _fields(clean_paragraphs(paragraphs)) == _fields(_reference_clean(paragraphs))


def test_rules_that_enable_each_other_need_the_second_pass() -> None:
    """A dateline hiding a promo, a dateline hiding a placeholder before a reporter line, a photo credit
    behind a dateline: one pass leaves work for the next, and the memoised loop ends where the old one did."""
    cases = [
        ["[뉴스21 통신=김하늘 기자] ▶ 더보기", LEAD],
        ["[뉴스21 통신=김하늘 기자] $$AD$$ 홍길동 기자", LEAD, "둘째 문단이다."],
        ["[사진=연합뉴스]", "[뉴스21 통신=김하늘 기자] [사진=연합뉴스]", LEAD, "관련기사", "다른 기사"],
    ]
    for paragraphs in cases:
        first = _reference_pass([normalize_space(p) for p in paragraphs], BOILERPLATE_RULES, CleanedBody())
        assert _reference_pass(first, BOILERPLATE_RULES, CleanedBody()) != first, paragraphs
        new, old = clean_paragraphs(paragraphs), _reference_clean(paragraphs)
        assert _fields(new) == _fields(old)
        assert new.paragraphs == [LEAD] + (["둘째 문단이다."] if len(paragraphs) == 3 and "둘째" in paragraphs[2] else [])


def test_custom_rules_without_strip_rules() -> None:
    rules = tuple(r for r in BOILERPLATE_RULES if r.action != "strip")
    paragraphs = ["$$ARTICLEAD$$", LEAD, "관련기사", "x"]
    assert _fields(clean_paragraphs(paragraphs, rules)) == _fields(_reference_clean(paragraphs, rules))


def test_rule_guards_never_hide_a_match() -> None:
    """``Rule.needs`` only spares the regex: on every text a guarded pattern matches (case variants,
    the Kelvin sign that matches 'k' case-insensitively, trailing spaces), the guard says yes."""
    samples = {
        "cookie_notice": ["We use cookies.", "WE USE COOKIES", "we use coo\u212aies", "Cookie-Policy", "쿠키를 사용합니다",
                          "This website uses cookies to"],
        "copyright_inline": ["본문 <저작권자 © 바람일보, 무단전재 및 재배포 금지>", "text [Copyright x all rights reserved]  ",
                             "본문 《ⓒ 바람일보 무단 전재 금지》\n"],
        "placeholder": ["앞 $$ARTICLEAD$$ 뒤", "$$AD_TOP$$"],
        "stock_ticker": ["두산 (8,530원 40 -0.5%)", "삼성 (70,000원 ▲1,000 +1.4%) 주가"],
    }
    rules = {r.name: r for r in BOILERPLATE_RULES}
    for name, texts in samples.items():
        rule = rules[name]
        assert rule.needs is not None, name
        for text in texts:
            assert rule.pattern.search(text), (name, text)
            assert rule.needs(text), (name, text)
    assert not rules["stock_ticker"].needs("주가가 올랐다.")
