"""CMS detection (:mod:`newscrawl.detect`) and the pieces of ``scrapy probe`` that need no network."""

from __future__ import annotations

import json
import tomllib
from pathlib import Path

import pytest
from scrapy.http import HtmlResponse

from newscrawl.catalog import Outlet, catalog_entry, load_catalog
from newscrawl.commands.probe import (
    ArticleResult,
    Fetched,
    Probe,
    ProbeFailed,
    field_reasons,
    new_outlet,
    read_article,
    save_fixtures,
    shorten,
    slug_for,
)
from newscrawl.detect import article_like_links, detect_family, is_article_metadata
from newscrawl.families import FAMILIES
from newscrawl.fixtures import load_cases
from newscrawl.pipelines.validate import default_limits


def page(body: str, url: str = "https://www.example.co.kr/", headers: dict[str, str] | None = None) -> HtmlResponse:
    return HtmlResponse(url=url, body=f"<html><head></head><body>{body}</body></html>".encode(),
                        headers=headers or {"Content-Type": "text/html; charset=utf-8"})


def links(*hrefs: str) -> str:
    return "".join(f'<a href="{h}">x</a>' for h in hrefs)


@pytest.mark.parametrize(("body", "family"), [
    (links("/news/view.php?idx=12", "/news/list.php?mcode=m101sc2a"), "dada"),
    (links("/m/view.php?idx=0012"), "dada"),
    (links("/news/articleView.html?idxno=4", "/news/articleList.html?sc_section_code=S1N1&view_type=sm"), "ndsoft"),
    (links("/?mod=news&act=articleView&idxno=4"), "ndsoft"),
    (links("https://www.example.co.kr/news/articleView.html?idxno=9"), "ndsoft"),
    # /article/ID and /section/X alone name no CMS (jscms does not claim URLs): its markup must be there too.
    (links("/article/17", "/section/economy"), "generic"),
    ('<nav class="gnb"><a href="/section/economy">경제</a></nav>', "jscms"),
    (links("/article/17") + '<ul class="article-list"></ul>', "jscms"),
    # Markup without links in the family's URL patterns is not enough either.
    ('<div id="viewContent"></div>', "generic"),
    ("<p>nothing</p>", "generic"),
])
def test_detect_family_by_link_patterns_and_markup(body: str, family: str) -> None:
    assert detect_family(page(body)).family == family


def test_links_to_other_hosts_are_no_evidence() -> None:
    body = links("https://other.example/news/view.php?idx=1", "https://other.example/news/articleView.html?idxno=2")
    assert detect_family(page(body)).family == "generic"


def test_the_family_with_most_evidence_wins_and_the_others_are_reported() -> None:
    body = links("/news/view.php?idx=1", *(f"/news/articleView.html?idxno={n}" for n in range(5)))
    detection = detect_family(page(body + '<section id="user-container"></section>'))
    assert detection.family == "ndsoft"
    assert [e.family for e in detection.evidence] == ["ndsoft", "dada"]
    assert "5 article links" in detection.describe() and "#user-container" in detection.describe()


def test_a_generator_names_the_family_alone() -> None:
    import attrs

    families = {**FAMILIES, "jscms": attrs.evolve(FAMILIES["jscms"], generators=("BadaCMS",))}
    response = HtmlResponse(url="https://x.example/", body=b'<html><head><meta name="Generator" content="BadaCMS 3.1">'
                            b"</head><body><p>home</p></body></html>", encoding="utf-8")
    detection = detect_family(response, families)
    assert (detection.family, detection.generator) == ("jscms", "BadaCMS 3.1")
    assert detect_family(response).family == "generic"  # no family names that generator


def test_generic_article_links_and_article_metadata() -> None:
    response = page(links("/2026/11/20/harbour-ferry", "/story/harbour-ferry-returns-now", "/about", "/contact-us",
                          "/news/48213.html", "https://other.example/2026/11/x-y-z", "#top"), url="https://x.example/")
    assert article_like_links(response) == ["https://x.example/2026/11/20/harbour-ferry",
                                            "https://x.example/story/harbour-ferry-returns-now",
                                            "https://x.example/news/48213.html"]
    assert is_article_metadata(HtmlResponse(url="https://x.example/a", encoding="utf-8", body=(
        b'<script type="application/ld+json">{"@type": ["NewsArticle"]}</script>')))
    assert is_article_metadata(HtmlResponse(url="https://x.example/a", encoding="utf-8",
                                            body=b'<meta property="og:type" content="article">'))
    assert not is_article_metadata(page("<p>home</p>"))


@pytest.mark.parametrize(("url", "slug"), [
    ("https://www.news21tongsin.co.kr/", "news21tongsin"),
    ("https://www.joongboo.com/news/", "joongboo"),
    ("https://news.hanbit-daily.example/", "hanbit-daily"),
    ("http://127.0.0.1:8721/", "127-0-0-1-8721"),
    ("http://localhost:8080/", "localhost-8080"),
])
def test_slug_from_host(url: str, slug: str) -> None:
    assert slug_for(url) == slug


def test_new_outlet_from_the_home_page() -> None:
    response = HtmlResponse(url="https://www.hanbit.example/", headers={"Content-Type": "text/html; charset=EUC-KR"},
                            body="<html lang='ko-KR'><title>한빛일보 - 경기 지역 신문</title></html>".encode("cp949"))
    outlet = new_outlet(response, "ndsoft", None, None)
    assert outlet == Outlet(slug="hanbit", name="한빛일보", family="ndsoft", base_url="https://www.hanbit.example",
                            domains=("hanbit.example",), charset="euc-kr", language="ko")


def test_catalog_entry_reads_back_as_the_same_outlet(tmp_path: Path) -> None:
    outlet = Outlet(slug="bada", name='바다 "일보"', family="jscms", base_url="https://bada.example",
                    domains=("bada.example",), sections=("society",), charset="utf-8", language="ko", render="lists")
    path = tmp_path / "catalog.toml"
    path.write_text(catalog_entry(outlet), "utf-8")
    assert load_catalog(path) == {"bada": outlet}
    assert tomllib.loads(catalog_entry(outlet))["outlets"]["bada"]["render"] == "lists"


def test_field_reasons_name_their_field() -> None:
    reasons = ["missing:title", "body_too_short", "published_in_future", "mojibake:body", "offsite_url"]
    assert field_reasons("title", reasons) == ["missing:title"]
    assert field_reasons("body", reasons) == ["body_too_short", "mojibake:body"]
    assert field_reasons("published_at", reasons) == ["published_in_future"]
    assert field_reasons("authors", reasons) == []


def test_shorten() -> None:
    assert shorten(None) == shorten([]) == "-"
    assert shorten(["김하늘", "최민재"]) == "[2] 김하늘; 최민재"
    assert shorten("가" * 100, 10) == "가" * 9 + "… (100 chars)"


ARTICLE = """<html lang="ko"><head><meta property="og:title" content="바닷길 여객선 운항 재개">
<script type="application/ld+json">{"@type": "NewsArticle", "headline": "바닷길 여객선 운항 재개",
"datePublished": "2026-11-20T08:30:00+09:00", "author": {"@type": "Person", "name": "김하늘"}}</script></head>
<body><article><p>여객선이 석 달 만에 다시 승객을 태웠다. 두 엔진을 모두 고친 뒤 첫 운항이다.</p>
<p>운항사는 다음 주부터 여름 시간표로 돌아간다고 밝혔다.</p></article></body></html>"""


def test_saved_fixtures_are_cases_and_never_overwritten(tmp_path: Path) -> None:
    url = "https://www.bada.example/2026/11/20/ferry"
    response = HtmlResponse(url=url, body=ARTICLE.encode(), headers={"Content-Type": "text/html; charset=utf-8"})
    outlet = new_outlet(response, "generic", "bada", "바다일보")
    probe = Probe(url, home=Fetched(url, response), outlet=outlet, articles=[Fetched(url, response)])
    results = [read_article(f, outlet, default_limits()) for f in probe.articles]
    assert isinstance(results[0], ArticleResult) and results[0].passed, results[0].reasons
    written = save_fixtures(tmp_path, probe, results)
    assert [p.relative_to(tmp_path).as_posix() for p in written] == ["generic/bada-article-1"]
    meta = json.loads((written[0] / "meta.json").read_text("utf-8"))
    assert list(meta) == ["url", "headers", "source", "why"] and meta["url"] == url
    (tmp_path / "catalog.toml").write_text(catalog_entry(outlet), "utf-8")
    (case,) = load_cases(tmp_path)
    assert case.snapshot() == json.loads(case.expected_path.read_text("utf-8"))
    assert case.snapshot()["site_name"] == "바다일보"
    before = (written[0] / "expected.json").read_bytes()
    with pytest.raises(ProbeFailed, match="exists; not overwriting"):
        save_fixtures(tmp_path, probe, results)
    assert (written[0] / "expected.json").read_bytes() == before
