"""Body cleaning: boilerplate rules, the leading dateline and the trailing reporter line.

Kept apart from :mod:`newscrawl.parsing.text` because it needs both the text helpers and
:mod:`newscrawl.parsing.bylines` (which itself needs ``text``): with cleaning here,
imports in ``parsing/`` go one way (``text`` <- ``bylines`` <- ``cleaning``).
"""

from __future__ import annotations

import re
from collections.abc import Callable

from newscrawl.parsing.bylines import Byline, find_email_trailer, find_signature, parse_dateline
from newscrawl.parsing.text import normalize_space

# --- Boilerplate rules -------------------------------------------------------------
# Rules are data: (name, action, pattern). Each paragraph of a body is tested against
# every rule; ``drop`` removes the paragraph, ``cut`` removes it and everything after
# (related-article and most-read lists end the article), ``strip`` removes only the
# matching span (a copyright notice or stock ticker glued into a paragraph). Drop and cut
# patterns are anchored on the whole paragraph so a sentence that merely mentions a word
# is never lost.


class Rule:
    """``needs``: a cheap test every matching paragraph passes (a character the pattern requires, how
    it must end); it only spares the regex on paragraphs that cannot match, never changes a verdict."""

    __slots__ = ("action", "max_len", "name", "needs", "pattern")

    def __init__(self, name: str, action: str, pattern: str, max_len: int = 300,
                 needs: Callable[[str], bool] | None = None) -> None:
        if action not in {"drop", "cut", "strip"}:
            raise ValueError(f"unknown rule action {action!r}")
        self.name, self.action, self.max_len, self.needs = name, action, max_len, needs
        self.pattern = re.compile(pattern, re.IGNORECASE)

    def matches(self, paragraph: str) -> bool:
        return (len(paragraph) <= self.max_len and (self.needs is None or self.needs(paragraph))
                and self.pattern.search(paragraph) is not None)

    def strip(self, paragraph: str) -> str:
        return normalize_space(self.pattern.sub("", paragraph))


BOILERPLATE_RULES: tuple[Rule, ...] = (
    Rule("copyright", "drop",
         r"^[<\[(〈《]?\s*(저작권자|copyright|ⓒ|©|\(c\))|무단\s*전재|재배포\s*금지|all rights reserved"),
    Rule("related", "cut",
         r"^[\[<【〈]?\s*(\S+\s+)?(관련\s*기사|관련\s*뉴스|(가장\s*)?많이\s*(본|읽은)\s*(뉴스|기사)|인기\s*기사|추천\s*기사"
         r"|주요\s*뉴스|최신\s*뉴스|이\s*시각\s*(주요|인기)\s*뉴스)\s*(더보기)?\s*[\]>】〉]?$", 40),
    # Copyright notice glued to the end of a paragraph ("… 기자 <저작권자 © …, 무단전재 및 재배포 금지>").
    Rule("copyright_inline", "strip",
         r"\s*[<\[(〈《]\s*(저작권자|copyright|ⓒ|©)[^>\])〉》]{0,120}(무단\s*전재|재배포|all rights reserved)[^>\])〉》]{0,80}"
         r"[>\])〉》]\s*$", 100_000, needs=lambda p: p.rstrip()[-1:] in ">])〉》"),
    # Template placeholders leaked from a CMS ("$$ARTICLEAD$$").
    Rule("placeholder", "strip", r"\$\$[A-Z_]{2,30}\$\$", 100_000, needs=lambda p: "$$" in p),
    # Live stock tickers inserted after company names: "두산인프라코어 (8,530원 40 -0.5%)".
    Rule("stock_ticker", "strip", r"\s*\(\d[\d,]*원\s+[▲▼+-]?[\d,.]+\s+[▲▼+-]?[\d.]+%\)", 100_000,
         needs=lambda p: "원" in p and "%)" in p),
    # A paragraph that is only a reporter line: "박준석 기자 외 1명", "홍길동·김철수 기자".
    Rule("byline_line", "drop",
         r"^[가-힣]{2,4}(\s*[·,]\s*[가-힣]{2,4})*\s*(선임|수습|인턴|객원)?기자(\s*외\s*\d+\s*명)?$", 40),
    Rule("promo", "drop", r"^\s*[▶☞►▷]"),
    # The same with a leading slash or '=' ("/홍길동 기자"), how NDSoft outlets often close a body.
    Rule("reporter_line", "drop",
         r"^\s*[/=\-]\s*[가-힣]{2,4}(\s*[·,]\s*[가-힣]{2,4})*\s*(선임|수석|수습|객원|인턴|사진)?\s*기자$", 40),
    # Cookie/consent banners that main-text extraction sometimes keeps.
    Rule("cookie_notice", "drop",
         r"(this (web)?site uses cookies|we use cookies|uses cookies and other technolog|cookie[- ]?(policy|settings)"
         r"|쿠키를 사용|쿠키 정책)", 400, needs=lambda p: "쿠키" in p or "cook" in p.lower()),
    # "For further details >", "더보기 >": a link, not text.
    Rule("more_link", "drop", r"^.{0,30}\s(>|»|›)$", 40),
    # Photo credits alone in a paragraph ("[사진=JTBC, 이매진아시아]", "/사진=연합뉴스"): not article text.
    Rule("photo_credit", "drop",
         r"^([\[(/]?\s*(사진|자료\s*사진|사진\s*제공|그래픽|영상)\s*[=:／][^\])]{0,80}[\])]?|\[사진\][^.]{0,40})$", 100),
    Rule("chrome", "drop",
         r"^(기사\s*메일전송|기사\s*수정|기사\s*삭제|목록\s*바로가기|인쇄|이전\s*기사\s*보기(\s*다음\s*기사\s*보기)?|"
         r"다음\s*기사\s*보기|모바일\s*버전\s*바로가기|더보기|공유하기|스크랩|글씨\s*크게|글씨\s*작게|"
         r"기사\s*공유하기|URL\s*복사|카카오톡|페이스북|트위터|네이버\s*밴드|\d+)$"),
    # Text-to-speech players that sit inside the body area ("기사를 읽어드립니다", its clock "0:00",
    # "00:00 / 03:12"): a paragraph that is only the player's label or its time.
    Rule("tts", "drop",
         r"^((이\s*)?기사를\s*(음성으로\s*)?(읽어\s*드립니다|들어\s*보세요|듣기)|음성으로\s*듣기|기사\s*듣기"
         r"|\d{1,2}(:\d\d){1,2}(\s*/\s*\d{1,2}(:\d\d){1,2})?)\.?$", 40),
)


#: Broadcast sign-off closing a transcript: "Max Lee, KBS World Radio News." (the line stays in the body).
_SIGNOFF = re.compile(r"^(?P<name>[A-Z][a-z'’-]+(?: [A-Z][a-z'’-]+){1,2}), (?:[\w.&'’-]+ ){0,5}"
                      r"(?:News|Radio|Television|TV)(?: [\w.&'’-]+){0,3}\.?$")


class CleanedBody:
    """Result of :func:`clean_paragraphs`: kept paragraphs and what was learned on the way."""

    __slots__ = ("credits", "dateline_bylines", "paragraphs", "removed", "signature", "signoff", "trailer")

    def __init__(self) -> None:
        self.paragraphs: list[str] = []
        self.dateline_bylines: list[Byline] = []
        self.trailer: tuple[str, str] | None = None  # (name, email) from an email trailer
        self.signoff: str | None = None  # reporter named in a broadcast sign-off
        self.signature: list[Byline] = []  # reporters signing the body's last line(s) (홍길동 논설위원)
        self.credits: list[str] = []  # photo credits taken out of the body (they belong to images)
        self.removed: list[str] = []  # rule names that fired, for stats


class _Verdicts:
    """What every rule says of one paragraph, computed once per text during one :func:`clean_paragraphs` call.

    Rules, the dateline and the trailer/signature parsers are pure functions of a paragraph's text,
    so the fixed-point loop asks them once per distinct text: a paragraph the first pass kept
    unchanged costs the confirming pass one dict lookup instead of every rule again. The loop
    itself (and so its output, the order of ``removed`` and of what it learns) is unchanged.
    """

    __slots__ = ("_datelines", "_others", "_rules", "_signatures", "_strips", "_trailers")

    def __init__(self, rules: tuple[Rule, ...]) -> None:
        self._strips = tuple(r for r in rules if r.action == "strip")
        self._others = tuple(r for r in rules if r.action != "strip")
        self._rules: dict[str, tuple[str, tuple[str, ...], Rule | None]] = {}
        self._datelines: dict[str, tuple[list[Byline], str]] = {}
        self._trailers: dict[str, tuple[str, str] | None] = {}
        self._signatures: dict[str, list[Byline]] = {}

    def of(self, para: str) -> tuple[str, tuple[str, ...], Rule | None]:
        """(text after the strip rules, names of the strip rules that fired, first drop/cut rule matching)."""
        found = self._rules.get(para)
        if found is None:
            text, fired = para, []
            for stripper in self._strips:
                if stripper.matches(text):
                    text = stripper.strip(text)
                    fired.append(stripper.name)
            rule = next((r for r in self._others if r.matches(text)), None) if text else None
            found = self._rules[para] = (text, tuple(fired), rule)
        return found

    def dateline(self, para: str) -> tuple[list[Byline], str]:
        found = self._datelines.get(para)
        if found is None:
            _outlet, bylines, rest = parse_dateline(para)
            found = self._datelines[para] = (bylines, rest)
        return found

    def trailer(self, para: str) -> tuple[str, str] | None:
        if para not in self._trailers:
            self._trailers[para] = find_email_trailer(para)
        return self._trailers[para]

    def signature(self, para: str) -> list[Byline]:
        found = self._signatures.get(para)
        if found is None:
            found = self._signatures[para] = find_signature(para)
        return list(found)


def _one_pass(paras: list[str], verdicts: _Verdicts, out: CleanedBody) -> list[str]:
    kept: list[str] = []
    for para in paras:
        para, fired, rule = verdicts.of(para)
        out.removed.extend(fired)
        if not para:
            continue
        if rule is None:
            kept.append(para)
            continue
        out.removed.append(rule.name)
        if rule.name == "photo_credit" and para not in out.credits:
            out.credits.append(para)
        if rule.action == "cut" and len(kept) >= 2:
            # A list heading after the article ends it; one above the article is a sidebar: drop only it.
            break
    if kept:
        bylines, rest = verdicts.dateline(kept[0])
        if bylines or rest != kept[0]:
            out.dateline_bylines = out.dateline_bylines or list(bylines)
            out.removed.append("dateline")
            rest = normalize_space(rest)
            if rest:
                kept[0] = rest
            else:
                kept.pop(0)
    # Reporter e-mail trailers close the article ("홍길동 기자 hong@x.kr").
    # Signatures close it too: a role word and names only, with or without e-mails and brackets.
    while kept:
        trailer = verdicts.trailer(kept[-1])
        if trailer is not None and not (trailer[0] == "" and verdicts.signature(kept[-1])):
            out.trailer = out.trailer or trailer
            out.removed.append("email_trailer")
            kept.pop()
            continue
        signature = verdicts.signature(kept[-1])
        if not signature:
            break
        out.signature = signature + [b for b in out.signature if b not in signature]
        out.removed.append("signature")
        kept.pop()
    return kept


def clean_paragraphs(paragraphs: list[str], rules: tuple[Rule, ...] = BOILERPLATE_RULES) -> CleanedBody:
    """Normalise paragraphs, apply ``rules``, strip the leading dateline and trailing reporter/email line.

    Runs to a fixpoint (a dateline can hide behind a promo line, a promo behind a
    dateline), so cleaning is idempotent: ``clean(clean(x)) == clean(x)``. Each rule sees
    each distinct paragraph text once (:class:`_Verdicts`): the confirming pass is lookups.
    """
    out = CleanedBody()
    verdicts = _Verdicts(rules)
    paras = [p for p in (normalize_space(p) for p in paragraphs) if p]
    for _ in range(10):
        cleaned = _one_pass(paras, verdicts, out)
        if cleaned == paras:
            break
        paras = cleaned
    out.paragraphs = paras
    if paras:
        match = _SIGNOFF.match(paras[-1])
        out.signoff = match.group("name") if match else None
    return out
