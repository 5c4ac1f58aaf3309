"""Bylines outside the dateline on whole pages: body signatures, bracketed trailers, wire leads, profile boxes."""

from __future__ import annotations

import pytest
from scrapy.http import HtmlResponse

from newscrawl.catalog import Outlet
from newscrawl.extract import extract

URL = "https://www.baram-ilbo.example/news/55"
OUTLET = Outlet(slug="baram-ilbo.example", name="baram-ilbo.example", family="generic",
                base_url="https://www.baram-ilbo.example")
H = "바람시 해안도로 확장 공사 다음 달 착공"
PARAS = ["바람시는 해안도로 4.2㎞ 구간을 왕복 4차로로 넓히는 공사를 다음 달 시작한다고 밝혔다. "
         "공사비는 모두 380억 원으로 시와 도가 나누어 부담한다.",
         "시는 공사 기간 동안 출퇴근 시간대 교통 혼잡을 줄이기 위해 우회도로를 안내할 계획이라고 덧붙였다. "
         "주민 설명회는 다음 주 시청 대회의실에서 열린다."]


def item(first: str = "", last: str = "", after: str = "") -> dict[str, object]:
    paragraphs = "".join(f"<p>{p}</p>" for p in ([first] if first else []) + PARAS + ([last] if last else []))
    html = (f'<html lang="ko"><head><title>{H}</title><meta property="og:title" content="{H}"></head>'
            f'<body><h1>{H}</h1><div class="article-body">{paragraphs}</div>{after}'
            f"<footer>바람일보 대표 이사 홍대표 기자 제보 news@baram.example</footer></body></html>")
    article = extract(HtmlResponse(url=URL, body=html.encode(), encoding="utf-8"), OUTLET)
    return {"authors": article.authors, "emails": [b["email"] for b in article.bylines], "body": article.body}


@pytest.mark.parametrize(("last", "authors", "emails"), [
    ("홍길동 논설위원", ["홍길동"], [None]),
    ("/홍길동 칼럼니스트", ["홍길동"], [None]),
    ("[홍길동 기자 hong@baram.example]", ["홍길동"], ["hong@baram.example"]),
    ("(홍길동 객원기자 hong@baram.example)", ["홍길동"], ["hong@baram.example"]),
    ("홍길동 기자 hong@baram.example 김철수 기자 kim@baram.example", ["홍길동", "김철수"],
     ["hong@baram.example", "kim@baram.example"]),
    ("[바람일보 홍길동 기자 hong@baram.example]", ["홍길동"], ["hong@baram.example"]),
])
def test_body_signature(last: str, authors: list[str], emails: list[str | None]) -> None:
    got = item(last=last)
    assert (got["authors"], got["emails"]) == (authors, emails)
    assert last not in str(got["body"])  # the signature is not article text


@pytest.mark.parametrize(("first", "authors"), [
    ("(바람=연합뉴스) 홍길동 김철수 기자 = 바람시가 해안도로를 넓힌다.", ["홍길동", "김철수"]),
    ("[바람=뉴시스]홍길동·김철수 기자 = 바람시가 해안도로를 넓힌다.", ["홍길동", "김철수"]),
    ("【바람=뉴스1】 홍길동 기자, 김철수 기자 = 바람시가 해안도로를 넓힌다.", ["홍길동", "김철수"]),
])
def test_wire_dateline_with_several_reporters(first: str, authors: list[str]) -> None:
    got = item(first=first)
    assert got["authors"] == authors
    assert str(got["body"]).startswith("바람시가 해안도로를 넓힌다.")


@pytest.mark.parametrize("box", [
    '<div class="profile"><strong>홍길동 기자</strong> <a href="mailto:hong@baram.example">hong@baram.example</a></div>',
    '<section class="journalist"><p><span>홍길동</span> <span>기자</span></p><p>hong@baram.example</p></section>',
    '<div id="rep"><dl><dt>홍길동 사회부 기자</dt><dd>hong@baram.example</dd></dl></div>',
])
def test_reporter_profile_box_after_the_body(box: str) -> None:
    got = item(after=box)
    assert got["authors"] == ["홍길동"]


def test_a_sentence_naming_a_reporter_is_no_byline() -> None:
    got = item(last="시장은 이날 홍길동 기자에게 계획을 설명했다.",
               after="<p>문의 news@baram.example</p>")
    assert got["authors"] == []
