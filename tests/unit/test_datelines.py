"""Datelines without labels on whole pages: which element, which time, published vs modified."""

from __future__ import annotations

import pytest
from scrapy.http import HtmlResponse

from newscrawl.catalog import Outlet
from newscrawl.pages.article import ArticlePage
from newscrawl.parsing.dates import isoformat

URL = "https://www.baram-ilbo.example/news/1234"
OUTLET = Outlet(slug="baram-ilbo.example", name="baram-ilbo.example", family="generic",
                base_url="https://www.baram-ilbo.example")
HEADLINE = "바람시 해안도로 확장 공사 다음 달 착공"
BODY = ("<p>바람시는 해안도로 4.2㎞ 구간을 왕복 4차로로 넓히는 공사를 다음 달 시작한다고 밝혔다. "
        "공사비는 모두 380억 원으로 시와 도가 나누어 부담한다.</p>"
        "<p>시는 공사 기간 동안 출퇴근 시간대 교통 혼잡을 줄이기 위해 우회도로를 안내할 계획이다.</p>")


def page(dateline: str, *, meta: str = "", before: str = "", after: str = "") -> ArticlePage:
    html = (f'<html lang="ko"><head><title>{HEADLINE}</title><meta property="og:title" content="{HEADLINE}">'
            f'{meta}</head><body><div class="ticker">{before}</div><div class="article-head"><h1>{HEADLINE}</h1>'
            f'{dateline}</div><div class="article-body">{BODY}</div>{after}</body></html>')
    return ArticlePage(HtmlResponse(url=URL, body=html.encode(), encoding="utf-8"), OUTLET)


def dates(p: ArticlePage) -> tuple[str | None, str | None, str | None, str | None]:
    item = p.to_item()
    return (isoformat(item.published_at), isoformat(item.modified_at),
            item.extractor.get("published_at"), item.extractor.get("modified_at"))


P, M = "2024-03-05T14:02:00+09:00", "2024-03-05T15:10:00+09:00"


@pytest.mark.parametrize(
    "dateline",
    [
        '<span class="date">2024.03.05 14:02</span>',
        "<em>2024-03-05 오후 2:02</em>",
        "<p>[ 2024년 3월 5일 14시 2분 ]</p>",
        '<time datetime="2024-03-05T14:02:00+09:00">2024.03.05 14:02</time>',
        '<ul class="info"><li>홍길동 기자</li><li>2024.03.05 14:02</li></ul>',
        '<div class="byline">홍길동 기자 hong@baram.example | 2024/03/05 14:02</div>',
        "<div><span>２０２４．０３．０５</span> <span>１４：０２</span></div>",
    ],
)
def test_one_unlabelled_time_is_published(dateline: str) -> None:
    assert dates(page(dateline)) == (P, None, "visible:dateline", None)


@pytest.mark.parametrize(
    "dateline",
    [
        "<p>2024.03.05 14:02 | 2024.03.05 15:10</p>",
        "<div><span>2024.03.05 14:02</span><span>2024.03.05 15:10</span></div>",
        '<ul class="info"><li>홍길동 기자</li><li>2024-03-05 오후 2:02</li><li>2024-03-05 오후 3:10</li></ul>',
        "<div>홍길동 기자 · <em>2024.03.05 14:02:00</em> · <em>2024.03.05 15:10:00</em></div>",
        "<p>[2024년 3월 5일 14시 2분] / [2024년 3월 5일 15시 10분]</p>",
    ],
)
def test_a_later_second_time_is_modified(dateline: str) -> None:
    assert dates(page(dateline)) == (P, M, "visible:dateline", "visible:dateline")


def test_labelled_published_with_an_unlabelled_later_time() -> None:
    assert dates(page("<p>입력 2024.03.05 14:02 | 2024.03.05 15:10</p>")) == (P, M, "visible", "visible:dateline")


def test_labels_still_win() -> None:
    got = dates(page("<p>2024.03.01 09:00</p><p>입력 2024.03.05 14:02 수정 2024.03.05 15:10</p>"))
    assert got == (P, M, "visible", "visible")


def test_a_ticker_before_the_headline_is_not_the_dateline() -> None:
    ticker = '<div class="item"><strong>다른 기사 제목입니다</strong> <span>2024.03.04 08:00</span></div>'
    assert dates(page("<span>2024.03.05 14:02</span>", before=ticker))[:2] == (P, None)


def test_metadata_day_picks_the_dateline() -> None:
    """With a declared time, the dateline within a day of it is the page's (it shows the minute)."""
    meta = '<meta property="article:published_time" content="2024-03-05T14:02:41+09:00">'
    sidebar = '<div class="box"><span>2023.11.20 10:00</span></div>'
    assert dates(page("<span>2024.03.05 14:02</span>", meta=meta, before=sidebar))[:3] == (P, None, "visible:dateline")
    # no dateline near the declared day: the metadata wins
    assert dates(page("", meta=meta, before=sidebar))[:3] == ("2024-03-05T14:02:41+09:00", None, "meta")


@pytest.mark.parametrize(
    "html",
    [
        "<p>시는 2024.03.05 14:02에 공사 계획을 발표했다고 밝혔다.</p>",  # a time inside a sentence
        '<ul><li><a href="/news/99">다른 기사</a> 2024.03.05 14:02</li></ul>',  # a list of other articles
        "<p>2024.03.05</p>",  # a day without a time
        "<footer>2024.03.05 14:02</footer>",
    ],
)
def test_not_a_dateline(html: str) -> None:
    assert dates(page(html))[:2] == (None, None)


def test_metadata_repeating_the_publication_time_is_no_edit() -> None:
    meta = ('<meta property="article:published_time" content="2024-03-05T14:02:00+09:00">'
            '<meta property="article:modified_time" content="2024-03-05T14:02:00+09:00">')
    assert dates(page("", meta=meta))[:2] == (P, None)
    later = meta.replace('modified_time" content="2024-03-05T14:02', 'modified_time" content="2024-03-05T15:10')
    assert dates(page("", meta=later))[:2] == (P, M)


@pytest.mark.parametrize(("dateline", "authors"), [
    ("<p>홍길동 기자 | 2024.03.05 14:02</p>", ["홍길동"]),
    ("<div><span>홍길동·김철수 기자</span> <span>입력 2024.03.05 14:02</span></div>", ["홍길동", "김철수"]),
    ("<p>홍길동 논설위원 hong@baram.example · 2024-03-05 오후 2:02</p>", ["홍길동"]),
    ("<p>2024.03.05 14:02</p>", []),  # no reporter beside the times
    ("<p>바람일보 | 2024.03.05 14:02</p>", []),  # the outlet is no author
])
def test_reporter_beside_the_dateline(dateline: str, authors: list[str]) -> None:
    item = page(dateline).to_item()
    assert item.authors == authors
    if authors:
        assert item.extractor["authors"] == "visible:dateline"


def test_body_text_walk_finds_what_the_script_and_style_xpath_found() -> None:
    """datelines reads the visible-date scan's text nodes and drops those inside <script>/<style> in
    Python: the same text nodes, in the same order, as //body//text()[not(ancestor::script) ...]."""
    from lxml import html as lxml_html

    from newscrawl.pages.fallbacks import _in_script_or_style

    root = lxml_html.fromstring(
        "<html><body>lead<div>a<script>var t = '14:02';<!-- c -->x</script>after script"
        "<style>p{}</style>after style<p>b<!-- note -->tail of comment<b>c</b>tail of b</p></div>"
        "<noscript><script>inner</script></noscript>end</body></html>")
    kept = [str(t) for t in root.xpath("//body//text()") if not _in_script_or_style(t)]
    assert kept == [str(t) for t in root.xpath("//body//text()[not(ancestor::script) and not(ancestor::style)]")]
    assert "after script" in kept and "var t = '14:02';" not in kept and "p{}" not in kept
