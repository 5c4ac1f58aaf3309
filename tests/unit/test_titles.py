"""Titles: affixes learned from the page, and the visible headline against metadata titles."""

from __future__ import annotations

from typing import Any

import pytest
from scrapy.http import HtmlResponse

from newscrawl.catalog import Outlet
from newscrawl.pages.article import ArticlePage
from newscrawl.pages.fallbacks import decide_title
from newscrawl.parsing.text import title_affix, title_key

URL = "https://www.baram-ilbo.example/news/articleView.html?idxno=77"
UNKNOWN = Outlet(slug="baram-ilbo.example", name="baram-ilbo.example", family="generic",
                 base_url="https://www.baram-ilbo.example")
CATALOG = Outlet(slug="baram", name="바람일보", family="generic", base_url="https://www.baram-ilbo.example")
H = "바람시 해안도로 확장 공사 다음 달 착공"
BODY = ("<p>바람시는 해안도로 4.2㎞ 구간을 왕복 4차로로 넓히는 공사를 다음 달 시작한다고 밝혔다. "
        "공사비는 모두 380억 원으로 시와 도가 나누어 부담한다.</p>")


@pytest.mark.parametrize(("text", "same"), [
    ('"왜 지금인가"… 시장 답했다', "왜 지금인가… 시장 답했다"),
    ("‘단독’ 시장 답했다", "'단독' 시장 답했다"),
    ("시장  답했다 ", "시장 답했다"),
    ("[단독] 시장, 답했다", "단독 시장 답했다"),
    ("Ｆｕｌｌ　ｗｉｄｔｈ", "Full width"),
])
def test_title_key_ignores_punctuation_and_spacing(text: str, same: str) -> None:
    assert title_key(text) == title_key(same)
    assert title_key("시장 답했다") != title_key("시장 말했다")


@pytest.mark.parametrize(("title", "affix"), [
    (f"{H} - 바람일보", "바람일보"),
    (f"{H} | 바람일보", "바람일보"),
    (f"{H} : 바람일보", "바람일보"),
    (f"{H} ㅣ 바람일보", "바람일보"),
    (f"{H}::바람일보", "바람일보"),
    (f"{H} < 정치 < 지방자치 ‹ 기사본문 - 바람일보", "정치 < 지방자치 ‹ 기사본문 - 바람일보"),
    (f"바람일보 :: {H}", "바람일보"),
    (f"[바람일보] {H}", "바람일보"),
    (f"바람일보 | {H}", "바람일보"),
    (f'"{H}" - 바람일보', "바람일보"),  # the headline part may differ in punctuation
])
def test_title_affix(title: str, affix: str) -> None:
    assert title_affix(title, H) == affix


@pytest.mark.parametrize("title", [H, "다른 기사의 제목 - 바람일보", f"{H} 그리고 더", "", None])
def test_no_affix(title: str | None) -> None:
    assert title_affix(title, H) is None


def steps(**values: str | None) -> list[tuple[str, Any]]:
    names = {"ld": "jsonld", "og": "meta:og", "h1": "html:h1", "heading": "html:headline", "tag": "html:title"}
    return [(names[k], _const(values.get(k))) for k in names]


def _const(value: str | None) -> Any:
    return lambda: value


@pytest.mark.parametrize(("kwargs", "expected"), [
    # metadata that lost the quotes the reader sees: the visible headline
    ({"ld": "왜 지금인가… 시장 답했다", "h1": '"왜 지금인가"… 시장 답했다'}, ("html:h1", '"왜 지금인가"… 시장 답했다')),
    ({"og": "왜 지금인가 시장 답했다", "heading": "<왜 지금인가> 시장 답했다"},
     ("html:headline", "<왜 지금인가> 시장 답했다")),
    # only typographic variants: the first candidate stands
    ({"ld": "'단독' 시장 답했다", "h1": "‘단독’ 시장 답했다"}, ("jsonld", "'단독' 시장 답했다")),
    # the headline plus a site or section affix
    ({"og": f"{H} - 바람 Daily Regional Newspaper", "h1": H, "tag": f"{H} – 바람 Daily Regional Newspaper"},
     ("html:h1", H)),
    ({"og": f"{H} | 바람", "h1": H}, ("html:h1", H)),
    ({"ld": f"[속보] {H}", "h1": H}, ("html:h1", H)),
    # another headline (SEO) in metadata: metadata first, the h1 is not confirmed
    ({"ld": "시, 해안도로 넓힌다", "og": "시, 해안도로 넓힌다", "h1": H}, ("jsonld", "시, 해안도로 넓힌다")),
    # a short kicker as the only <h1> does not beat the headline it prefixes
    ({"og": "해안도로: " + H, "tag": "해안도로: " + H, "h1": "해안도로"}, ("meta:og", "해안도로: " + H)),
    # og:title verbatim = h1 beats an SEO JSON-LD headline (as before)
    ({"ld": "SEO 제목", "og": H, "h1": H}, ("html:h1", H)),
    ({}, None),
])
def test_decide_title(kwargs: dict[str, str], expected: tuple[str, str] | None) -> None:
    assert decide_title(steps(**kwargs)) == expected


def page(head: str, headline: str, outlet: Outlet = UNKNOWN) -> ArticlePage:
    html = (f'<html lang="ko"><head>{head}</head><body><div class="article-head">{headline}</div>'
            f'<div id="article-view-content-div">{BODY}</div></body></html>')
    return ArticlePage(HtmlResponse(url=URL, body=html.encode(), encoding="utf-8"), outlet)


@pytest.mark.parametrize(("head", "headline", "outlet"), [
    # NDSoft-style <title> with a section path and the site, no og:title, headline in a div
    (f"<title>{H} < 정치 < 지방자치 ‹ 기사본문 - 바람일보</title>", f'<div class="article-head-title">{H}</div>', UNKNOWN),
    (f"<title>{H} < 정치 ‹ 기사본문 - 알 수 없는 곳</title>", "", UNKNOWN),
    (f"<title>{H} > 사회 > 사건사고</title>", "", UNKNOWN),
    # the site name learned from og:site_name, from the catalog, from the section
    (f'<meta property="og:site_name" content="바람 매일"><title>바람 매일 :: {H}</title>', "", UNKNOWN),
    (f"<title>{H} - 바람일보</title>", "", CATALOG),
    (f'<meta property="article:section" content="지역경제"><title>{H} | 지역경제 | 바람일보</title>', "", CATALOG),
    (f'<meta property="og:title" content="{H} - 바람일보"><title>{H} - 바람일보</title>', f"<h3>{H}</h3>", UNKNOWN),
    # punctuation lost in og:title: the heading shown
    (f'<meta property="og:title" content="{H.replace("착공", "착공")}">', f'<h2 class="tit">"{H}"</h2>', UNKNOWN),
])
def test_page_title_without_affixes(head: str, headline: str, outlet: Outlet) -> None:
    title = page(head, headline, outlet).to_item().title
    assert title is not None and title_key(title) == title_key(H)
    assert "바람" not in title.replace("바람시", "") and "<" not in title and ">" not in title
