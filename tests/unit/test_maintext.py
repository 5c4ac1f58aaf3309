"""Generic main-text extraction (trafilatura + page-independent repairs) on synthetic pages."""

from __future__ import annotations

import json

import lxml.html
import pytest
from lxml import etree

from newscrawl.parsing.boilerplate_html import is_boilerplate, is_metadata_line
from newscrawl.parsing.maintext import main_text

HEADLINE = "Harbour town opens its first tidal energy plant"
LEAD = ("The plant, built on the old ferry pier, is expected to supply a third of the town's homes "
        "once all six turbines are running next spring.")
BODY = [
    "Engineers switched on the first two turbines on Tuesday morning after three years of construction "
    "and a long dispute over the licence for the northern breakwater.",
    "The mayor said the project had been paid for by a cooperative of four hundred residents, each of "
    "whom holds a share of the electricity sold to the regional grid operator.",
    "Fishermen had feared the turbines would drive away the cod that spawn in the bay, but a survey "
    "published last month found no change in the number of young fish near the pier.",
    "The remaining four turbines will be installed over the winter, when the harbour is closed to "
    "the ferries that usually moor along the western quay.",
    "Similar projects are planned in two neighbouring towns, whose councils sent observers to the "
    "opening and asked the cooperative to share its construction plans.",
]
RELATED = ["Council approves new ferry timetable for the summer season",
           "Record catch of mackerel reported by the northern fleet"]
PLACEHOLDER = ("External content is not available here. Your privacy settings prevent loading of embedded "
               "content from social networks and video platforms.")


def page(*, body_html: str, description: str | None = LEAD, ld_body: str | None = None,
         header_extra: str = "") -> str:
    meta = f'<meta property="og:description" content="{description}">' if description else ""
    ld = ""
    if ld_body is not None:
        ld = ('<script type="application/ld+json">'
              + json.dumps({"@type": "NewsArticle", "headline": HEADLINE, "articleBody": ld_body}) + "</script>")
    related = "".join(f'<li><a href="/news/{i}">{t}</a></li>' for i, t in enumerate(RELATED))
    return f"""<!DOCTYPE html><html lang="en"><head><title>{HEADLINE} | The Coast Gazette</title>
<meta property="og:title" content="{HEADLINE}">{meta}{ld}
<script>window.dataLayer = [{{"page": "article"}}];</script><style>p {{ margin: 0 }}</style></head>
<body>
<header><nav><ul><li><a href="/">Home</a></li><li><a href="/news">News</a></li><li><a href="/sport">Sport</a></li>
<li><a href="/weather">Weather</a></li><li><a href="/contact">Contact us</a></li></ul></nav></header>
<main><article>
<h1>{HEADLINE}</h1>{header_extra}
<div class="byline">By Jane Doe</div>
<div class="article-body">{body_html}</div>
</article>
<aside class="sidebar"><h3>Most read</h3><ul>{related}</ul></aside>
</main>
<footer><p>The Coast Gazette, news from the harbour towns since 1887.</p>
<p>Copyright 2024 The Coast Gazette. All rights reserved.</p><a href="/privacy">Privacy policy</a></footer>
</body></html>"""


def paragraphs_html(items: list[str]) -> str:
    return "".join(f"<p>{p}</p>" for p in items)


def tree_of(html: str) -> etree._Element:
    return lxml.html.fromstring(html)


def test_article_body_without_page_furniture() -> None:
    html = page(body_html=(
        paragraphs_html(BODY[:2])
        + "<p>Advertisement</p>"
        + f'<p>Read more: <a href="/news/9">{RELATED[0]}</a></p>'
        + "<p>Photo: John Smith/Getty Images</p>"
        + paragraphs_html(BODY[2:4])
        + "<p>Sign up for our daily newsletter</p>"
        + paragraphs_html(BODY[4:])
        + "<p>Share this article</p>"
    ))
    got = main_text(tree_of(html), "https://gazette.example/news/tidal-plant")
    text = "\n".join(got)
    for para in BODY:
        assert para in got
    for furniture in ("Advertisement", "Read more", "Getty Images", "newsletter", "Share this", "Most read",
                      RELATED[1], "Copyright", "Contact us", "harbour towns since 1887", HEADLINE, "By Jane Doe"):
        assert furniture not in text, furniture


def test_tree_is_left_unchanged() -> None:
    tree = tree_of(page(body_html=paragraphs_html(BODY)))
    before = etree.tostring(tree)
    main_text(tree, "https://gazette.example/news/tidal-plant")
    assert etree.tostring(tree) == before
    assert tree.xpath("//script") and tree.xpath("//style")


def test_html_text_is_accepted_and_empty_page_gives_nothing() -> None:
    assert BODY[0] in main_text(page(body_html=paragraphs_html(BODY)))
    assert main_text("<html><head><title>Empty</title></head><body><div></div></body></html>") == []
    assert main_text("") == []


def test_lead_shown_above_the_body_is_put_back() -> None:
    html = page(body_html=paragraphs_html(BODY), header_extra=f'<div class="standfirst"><span>{LEAD}</span></div>')
    got = main_text(tree_of(html), "https://gazette.example/news/tidal-plant")
    assert got[0] == LEAD
    assert got.count(LEAD) == 1
    assert got[1:] == BODY


def test_description_only_in_meta_or_after_the_body_is_not_a_lead() -> None:
    only_meta = main_text(tree_of(page(body_html=paragraphs_html(BODY))))
    assert LEAD not in only_meta
    blurb = "The Coast Gazette brings you the latest news, sport and weather from all the harbour towns."
    html = page(body_html=paragraphs_html(BODY), description=blurb).replace(
        "</footer>", f"<div class='about'><p>{blurb}</p></div></footer>")
    assert blurb not in main_text(tree_of(html))


def test_repeated_placeholders_go_and_a_duplicated_paragraph_is_kept_once() -> None:
    blocks = []
    for para in BODY:
        blocks += [para, PLACEHOLDER]
    html = page(body_html=paragraphs_html([*blocks, BODY[1]]))
    got = main_text(tree_of(html))
    assert PLACEHOLDER not in got
    assert got.count(BODY[1]) == 1
    assert [p for p in got if p in BODY] == BODY


def test_paragraphs_missing_from_jsonld_article_body_are_dropped_when_both_agree() -> None:
    widget = "Vote now in our reader poll about whether the town should build a second plant next year"
    html = page(body_html=paragraphs_html([*BODY[:3], widget, *BODY[3:]]), ld_body="\n\n".join(BODY))
    got = main_text(tree_of(html))
    assert widget not in got
    assert got == BODY
    # the caller may pass articleBody itself; a different article there changes nothing
    other = " ".join(["An unrelated story about the county fair and its prize-winning pumpkins."] * 12)
    assert widget in main_text(tree_of(html), article_body=other)


def test_headline_repeated_with_site_name_is_dropped() -> None:
    html = page(body_html=f"<p>{HEADLINE} | The Coast Gazette</p>" + paragraphs_html(BODY))
    got = main_text(tree_of(html))
    assert not any(HEADLINE in p for p in got)
    assert got == BODY


@pytest.mark.parametrize("line", [
    "Advertisement", "ANZEIGE", "Read more: Council approves new ferry timetable", "Lesen Sie auch: Neue Fähre",
    "Photo: John Smith", "Foto: Max Muster / dpa", "Jane Doe/Getty Images", "Share this article",
    "Follow us on Facebook", "Sign up for our newsletter", "Reading time: 4 min", "2024-05-03T15:47:42+02:00",
    "If you buy something through our links, we may earn a commission.",
])
def test_boilerplate_lines(line: str) -> None:
    assert is_boilerplate(line)


@pytest.mark.parametrize("line", [
    "Read more than 500 books a year, the librarian said.", "The photo was taken in 1921.",
    "Reuters reported that the talks had stalled after the second day.", "Comments from residents were mixed.",
    "He signed up for the army in 1940.",
])
def test_prose_is_not_boilerplate(line: str) -> None:
    assert not is_boilerplate(line)


def test_metadata_lines() -> None:
    assert is_metadata_line("Updated: 3 May 2024, 15:47", edge=False)
    assert is_metadata_line("Stand: 22.04.2024, 06:00 Uhr", edge=False)
    assert is_metadata_line("By Jane Doe and John Smith", edge=True)
    assert not is_metadata_line("By Jane Doe and John Smith", edge=False)
    assert is_metadata_line("Jane Doe contributed reporting from Lisbon.", edge=True)
    assert not is_metadata_line("By Thursday, the council had approved the plan.", edge=True)
    assert not is_metadata_line("The company contributed to the fund.", edge=True)


# -- a cut copy of the lead (photo box, summary) among the first paragraphs ------------------------------
KO_LEAD = ("[바닷가뉴스=홍길동 기자] 군이 북쪽 방파제 공사를 석 달 만에 다시 시작하면서 주민들의 기대가 커지고 있다. "
           "군은 연말까지 공사를 마치겠다고 밝혔다.")
KO_NEXT = "공사는 지난 여름 태풍으로 방파제 일부가 무너진 뒤 멈췄고 주민들은 겨울 파도를 걱정해 왔다."


def _expand(paragraphs: list[str], body_html: str) -> list[str]:
    from newscrawl.parsing.maintext import _expand_cut_teasers, _Page

    root = lxml.html.fromstring(f"<html><body>{body_html}</body></html>")
    return _expand_cut_teasers(paragraphs, _Page(root, None, None, None))


@pytest.mark.parametrize("ellipsis", ["...", "…", " ...", "....."])
@pytest.mark.parametrize("shown", [
    f"<table><tr><td><br>{KO_LEAD}</td></tr></table>",
    f"<div id='news'>{KO_LEAD}<p>{KO_NEXT}</p></div>",
    f"<p>{KO_LEAD}</p>",
])
def test_cut_lead_is_replaced_by_the_paragraph_the_page_shows(ellipsis: str, shown: str) -> None:
    cut = f"방파제 공사 재개..주민 기대{ellipsis} {KO_LEAD[:60]}{ellipsis}"
    html = f"<div class='photo'><div>방파제 공사 재개..주민 기대{ellipsis}</div><div>{KO_LEAD[:60]}{ellipsis}</div></div>{shown}"
    assert _expand([cut, KO_NEXT], html) == [KO_LEAD, KO_NEXT]


def test_cut_lead_goes_when_the_full_paragraph_is_extracted_too() -> None:
    cut = f"{KO_LEAD[:60]}..."
    assert _expand([cut, KO_LEAD, KO_NEXT], f"<p>{cut}</p><p>{KO_LEAD}</p>") == [KO_LEAD, KO_NEXT]


@pytest.mark.parametrize(("paragraphs", "html"), [
    # the page never shows the whole lead: the cut one is all there is
    ([f"{KO_LEAD[:60]}...", KO_NEXT], f"<p>{KO_LEAD[:60]}...</p><p>{KO_NEXT}</p>"),
    # the whole text only inside a link (a teaser of another article) or navigation
    ([f"{KO_LEAD[:60]}...", KO_NEXT], f"<p>{KO_LEAD[:60]}...</p><a href='/x'>{KO_LEAD}</a><nav>{KO_LEAD}</nav>"),
    # a short ellipsis piece ("그런데...") is speech, not a cut lead
    (["그런데 말입니다...", KO_NEXT], "<p>그런데 말입니다... 그런데 말입니다 그 뒤에 이어진 이야기는 길었다.</p>"),
    # a long paragraph that ends in an ellipsis is prose
    ([KO_NEXT * 9 + "...", KO_NEXT], f"<p>{KO_NEXT * 12}</p>"),
    # only the first three paragraphs are looked at
    ([KO_NEXT, KO_NEXT + "1", KO_NEXT + "2", f"{KO_LEAD[:60]}..."], f"<p>{KO_LEAD}</p>"),
])
def test_other_ellipses_are_left_alone(paragraphs: list[str], html: str) -> None:
    assert _expand(paragraphs, html) == paragraphs
