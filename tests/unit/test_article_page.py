"""The seams of the article page: inputs read once, pure fallbacks, one chain and one provenance rule per field."""

from __future__ import annotations

import ast
import json
from datetime import datetime
from pathlib import Path
from typing import Any, ClassVar

import pytest
from scrapy.http import HtmlResponse

from newscrawl.catalog import Outlet
from newscrawl.pages.article import ArticlePage, NotAnArticle
from newscrawl.pages.fallbacks import Fallbacks, decide_title, first_value
from newscrawl.pages.inputs import PageInputs
from newscrawl.parsing.bylines import Byline
from newscrawl.parsing.dates import parse_datetime

ROOT = Path(__file__).resolve().parents[2]
URL = "https://www.harbour-gazette.example/news/tidal-plant"
#: Not in the catalog (name == slug): site_name comes from the page, with provenance.
GENERIC = Outlet(slug="harbour-gazette.example", name="harbour-gazette.example", family="generic",
                 base_url="https://www.harbour-gazette.example")
HEADLINE = "Harbour town opens its first tidal energy plant"
PARAGRAPHS = [
    "Engineers switched on the first two turbines on Tuesday morning after three years of construction "
    "and a long dispute over the licence for the northern breakwater.",
    "The mayor said the project had been paid for by a cooperative of four hundred residents, each of "
    "whom holds a share of the electricity sold to the regional grid operator.",
    "Fishermen had feared the turbines would drive away the cod that spawn in the bay, but a survey "
    "published last month found no change in the number of young fish near the pier.",
]


def page_html(*, ld: dict[str, Any] | None = None, head: str = "", body: str = "", lang: str = "en") -> str:
    script = f'<script type="application/ld+json">{json.dumps(ld)}</script>' if ld else ""
    paragraphs = "".join(f"<p>{p}</p>" for p in PARAGRAPHS)
    return (f'<!DOCTYPE html><html lang="{lang}"><head><title>{HEADLINE} | Harbour Gazette</title>'
            f'<meta property="og:title" content="{HEADLINE} - Harbour Gazette">'
            f'<meta property="og:site_name" content="Harbour Gazette">'
            f'<meta property="article:section" content="Energy">'
            f'<meta property="article:published_time" content="2024-03-05T10:00:00+09:00">'
            f'<meta property="article:modified_time" content="2024-03-05T12:00:00+09:00">'
            f'<meta name="author" content="Jane Doe">{script}{head}</head>'
            f'<body><header><h1 class="logo"><a href="/">Harbour Gazette</a></h1></header>'
            f'<main><article><h2>{HEADLINE}</h2><div class="family-body">{paragraphs}</div>{body}</article></main>'
            f"</body></html>")


def response(html: str, url: str = URL) -> HtmlResponse:
    return HtmlResponse(url=url, body=html.encode("utf-8"), encoding="utf-8")


def when(raw: str) -> tuple[str, datetime]:
    value = parse_datetime(raw)
    assert value is not None
    return raw, value


class FamilyPage(ArticlePage):
    """A family whose hooks return whatever a test puts in ``hooks``."""

    family = "testfam"
    hooks: ClassVar[dict[str, Any]] = {}

    def family_title(self) -> str | None:
        return self.hooks.get("title")

    def family_section(self) -> str | None:
        return self.hooks.get("section")

    def family_subtitles(self) -> list[str]:
        return self.hooks.get("subtitles", [])

    def family_bylines(self) -> list[Byline]:
        return self.hooks.get("bylines", [])

    def family_dates(self) -> tuple[tuple[str, datetime] | None, tuple[str, datetime] | None]:
        return self.hooks.get("dates", (None, None))

    def family_body_element(self) -> Any:
        nodes = self.sel.css(self.hooks["body_css"]) if "body_css" in self.hooks else []
        return nodes[0].root if nodes else None


def family_item(hooks: dict[str, Any], html: str | None = None) -> Any:
    page_class = type("Page", (FamilyPage,), {"hooks": hooks})
    return page_class(response(html or page_html()), GENERIC).to_item()


# -- the chain and its one provenance rule ------------------------------------------------------
def test_family_step_with_a_value_wins_and_is_recorded_as_the_family() -> None:
    item = family_item({"title": "Family headline", "section": "Harbour"})
    assert (item.title, item.extractor["title"]) == ("Family headline", "testfam")
    assert (item.section, item.extractor["section"]) == ("Harbour", "testfam")


def test_empty_family_step_falls_through_to_opengraph() -> None:
    item = family_item({"title": ""})
    # og:title with its site tail peeled off; the logo <h1> is not a candidate.
    assert (item.title, item.extractor["title"]) == (HEADLINE, "meta:og")
    assert item.extractor["section"] == "meta"


def test_a_family_value_spares_the_fallbacks(monkeypatch: pytest.MonkeyPatch) -> None:
    def boom(self: Fallbacks) -> None:
        raise AssertionError("fallback step ran although the family gave a value")

    for name in ("ld_headline", "og_title", "h1", "title_tag", "meta_section", "ld_section"):
        monkeypatch.setattr(Fallbacks, name, boom)
    item = family_item({"title": "Family headline", "section": "Harbour"})
    assert (item.title, item.section) == ("Family headline", "Harbour")


def test_provenance_has_exactly_one_entry_per_produced_field() -> None:
    item = family_item({"body_css": ".family-body", "subtitles": ["A lead"]})
    produced = {"title": item.title, "section": item.section, "site_name": item.site_name,
                "subtitles": item.subtitles, "authors": item.authors, "published_at": item.published_at,
                "modified_at": item.modified_at, "body": item.body, "images": item.images}
    assert set(item.extractor) == {field for field, value in produced.items() if value}
    assert item.extractor == {"published_at": "meta", "modified_at": "meta", "body": "testfam", "authors": "meta",
                              "subtitles": "testfam", "site_name": "meta:og", "section": "meta", "title": "meta:og"}


def test_no_value_no_provenance() -> None:
    html = '<html lang="en"><head></head><body></body></html>'
    page = type("Page", (ArticlePage,), {"is_article": lambda self: True})(response(html), GENERIC)
    item = page.to_item()
    assert (item.title, item.section, item.authors, item.published_at, item.body) == (None, None, [], None, None)
    assert item.site_name == GENERIC.name  # the outlet's own name, not a page step: nothing recorded
    assert item.extractor == {}


def test_family_dates_are_authoritative_for_modified() -> None:
    """A family date line without a 수정 label means no modified_at, whatever the metadata says."""
    item = family_item({"dates": (when("입력 2024.03.05 09:42"), None)})
    assert item.published_at_raw == "입력 2024.03.05 09:42" and item.extractor["published_at"] == "testfam"
    assert item.modified_at is None and "modified_at" not in item.extractor


def test_family_body_images_recorded_as_the_family() -> None:
    html = page_html(body='<div class="fam-img"><p>Caption-free body paragraph that is long enough.</p>'
                          '<img src="/img/turbine.jpg" alt="Turbine"></div>')
    item = family_item({"body_css": ".fam-img"}, html)
    assert item.images and item.extractor["images"] == "testfam" and item.extractor["body"] == "testfam"


def test_only_pick_writes_provenance() -> None:
    """Provenance is written in one place; a second writer would bring back the three ways."""
    writers = []
    for path in [*(ROOT / "newscrawl" / "pages").glob("*.py"), *(ROOT / "newscrawl" / "families").glob("*.py")]:
        writers += [path.name] * path.read_text("utf-8").count("provenance[")
    assert writers == ["article.py"]


def test_not_an_article() -> None:
    page = type("Page", (FamilyPage,), {"is_article": lambda self: False})(response(page_html()), GENERIC)
    with pytest.raises(NotAnArticle):
        page.to_item()


# -- the rules ----------------------------------------------------------------------------
def test_first_value_is_lazy() -> None:
    calls: list[str] = []

    def step(name: str, value: Any) -> Any:
        def get() -> Any:
            calls.append(name)
            return value
        return get

    assert first_value([("a", step("a", None)), ("b", step("b", "B")), ("c", step("c", "C"))]) == ("b", "B")
    assert calls == ["a", "b"]
    assert first_value([("a", step("a", []))]) is None


def test_decide_title_h1_confirmed_by_og_beats_jsonld_and_shorter_beats_site_tail() -> None:
    steps: list[tuple[str, Any]] = [("jsonld", lambda: "SEO headline"), ("meta:og", lambda: "Shown headline"),
                                    ("html:h1", lambda: "Shown headline"), ("html:title", lambda: None)]
    assert decide_title(steps) == ("html:h1", "Shown headline")
    steps = [("jsonld", lambda: "Headline - Desk"), ("meta:og", lambda: "Headline"),
             ("html:h1", lambda: None), ("html:title", lambda: None)]
    assert decide_title(steps) == ("meta:og", "Headline")
    assert decide_title([("jsonld", lambda: None)]) is None


def test_outlet_as_author_only_when_no_person_and_never_on_korean_pages() -> None:
    fallbacks = Fallbacks(PageInputs(response(page_html()), GENERIC))
    steps: list[tuple[str, Any]] = [("jsonld", lambda: ["Harbour Gazette"]), ("meta", lambda: [])]
    assert fallbacks.decide_authors(steps) == ("jsonld", [Byline(name="Harbour Gazette")])
    steps.append(("visible", lambda: ["Jane Doe"]))
    assert fallbacks.decide_authors(steps) == ("visible", [Byline(name="Jane Doe")])
    korean = Fallbacks(PageInputs(response(page_html(lang="ko")), GENERIC))
    assert korean.decide_authors([("jsonld", lambda: ["Harbour Gazette"])]) is None


def test_strip_site_name() -> None:
    fallbacks = Fallbacks(PageInputs(response(page_html()), GENERIC))
    assert fallbacks.strip_site_name(f"{HEADLINE} | Harbour Gazette") == HEADLINE
    assert fallbacks.strip_site_name(f"Harbour Gazette | {HEADLINE}") == HEADLINE
    assert fallbacks.strip_site_name("Tides - and turbines - explained") == "Tides - and turbines - explained"
    assert fallbacks.strip_site_name(None) is None


# -- inputs ---------------------------------------------------------------------------------
def test_inputs_read_meta_jsonld_and_site_names() -> None:
    ld = {"@type": "NewsArticle", "headline": HEADLINE, "publisher": {"@type": "Organization", "name": "HG Media"}}
    head = '<meta name="OG:Locale" content=" en_GB "><meta property="og:title" content="second og:title">'
    inputs = PageInputs(response(page_html(ld=ld, head=head)), GENERIC)
    assert inputs.meta("missing", "OG:TITLE") == f"{HEADLINE} - Harbour Gazette"  # first of duplicates, any case
    assert inputs.meta("og:locale") == "en_GB"
    assert inputs.ld["headline"] == HEADLINE and inputs.ld_publisher_name == "HG Media"
    assert {"harbour gazette", "hg media", "harbour-gazette.example", "harbour-gazette"} <= inputs.site_names
    assert inputs.is_korean is False and inputs.app_state == ""
    assert inputs.text("main h2") == HEADLINE and inputs.text(".nothing") is None


def test_inputs_korean_by_hangul_og_title_even_without_lang() -> None:
    html = '<html><head><meta property="og:title" content="새솔시, 주차장 확충"></head><body></body></html>'
    assert PageInputs(response(html), GENERIC).is_korean is True


# -- layering -------------------------------------------------------------------------------
def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text("utf-8"))
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
        elif isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
    return found


@pytest.mark.parametrize("module", ["inputs", "fallbacks", "article"])
def test_page_modules_import_no_family_spider_or_pipeline(module: str) -> None:
    imports = _imports(ROOT / "newscrawl" / "pages" / f"{module}.py")
    assert not {m for m in imports if m.startswith(("newscrawl.families", "newscrawl.spiders", "newscrawl.pipelines"))}


def test_inputs_and_fallbacks_do_not_import_the_page() -> None:
    """Inputs -> fallbacks -> article, one way: the fallbacks never see the page object."""
    assert "newscrawl.pages.article" not in _imports(ROOT / "newscrawl" / "pages" / "fallbacks.py")
    assert not {m for m in _imports(ROOT / "newscrawl" / "pages" / "inputs.py") if m.startswith("newscrawl.pages")}


def test_parsing_does_not_import_pages() -> None:
    for path in (ROOT / "newscrawl" / "parsing").glob("*.py"):
        assert not {m for m in _imports(path) if m.startswith("newscrawl.pages")}, path.name


def _author_page_names(body: str) -> list[str]:
    html = (f'<!DOCTYPE html><html lang="de"><head><meta property="og:site_name" content="Harbour Gazette">'
            f'</head><body>{body}</body></html>')
    return Fallbacks(PageInputs(response(html), GENERIC)).author_page_names()


@pytest.mark.parametrize(("byline", "names"), [
    ('von <a href="/autoren/name/max-kolter">Dr. Max Kolter</a>', ["Dr. Max Kolter"]),
    ('By <a href="https://www.harbour-gazette.example/author/jane-doe/">Jane Doe</a>', ["Jane Doe"]),
    ('<a href="/authors/jane-doe">Jane Doe</a> and <a href="/authors/li-wei">Li Wei</a>', ["Jane Doe", "Li Wei"]),
    ('Par <a href="/auteurs/marie-dupont">Marie Dupont</a>', ["Marie Dupont"]),
    ('Di <a href="/autori/giulia-rossi">Giulia Rossi</a>', ["Giulia Rossi"]),
    ('<span>Por <a href="/autor/ana-garcia/">Ana García</a></span>', ["Ana García"]),
    ('<a href="/reporter/tom-baker">Tom Baker</a>', ["Tom Baker"]),
    ('<a href="/Autoren/Max-Kolter">Max Kolter</a>', ["Max Kolter"]),
])
def test_person_linked_to_a_reporter_page_is_an_author(byline: str, names: list[str]) -> None:
    body = f'<article><h1>Headline of the day</h1><p class="meta">{byline}</p><p>{PARAGRAPHS[0]}</p></article>'
    assert _author_page_names(body) == names


@pytest.mark.parametrize("body", [
    # the outlet itself, a menu entry, a desk name, a link in the footer, navigation or a teaser list
    '<article><p>von <a href="/autoren/redaktion">Harbour Gazette</a></p></article>',
    '<nav><a href="/autoren">Autoren</a></nav><article><p>Text</p></article>',
    '<article><p><a href="/author/newsdesk">newsdesk</a></p></article>',
    '<footer><a href="/author/jane-doe">Jane Doe</a></footer>',
    '<nav><a href="/author/jane-doe">Jane Doe</a></nav>',
    '<ul><li><a href="/author/jane-doe">Jane Doe</a></li></ul>',
    # a person's name linked anywhere else is not a byline
    '<article><p>Interview with <a href="/topics/jane-doe">Jane Doe</a></p></article>',
    '<article><p><a href="/automobile/jane-doe">Jane Doe</a></p></article>',
])
def test_no_author_from_other_links(body: str) -> None:
    assert _author_page_names(body) == []


def test_only_the_first_block_of_reporter_links_counts() -> None:
    body = ('<article><p class="byline">von <a href="/autoren/max-kolter">Max Kolter</a></p>'
            f'<p>{PARAGRAPHS[0]}</p><div class="more"><a href="/autoren/eva-roth">Eva Roth</a></div></article>')
    assert _author_page_names(body) == ["Max Kolter"]


def test_reporter_link_beats_the_outlet_named_as_author_in_metadata() -> None:
    body = f'<article><h1>{HEADLINE}</h1><p>von <a href="/autoren/max-kolter">Max Kolter</a></p></article>'
    html = page_html(body=body).replace('content="Jane Doe"', 'content="Harbour Gazette"')
    page = Fallbacks(PageInputs(response(html), GENERIC))
    steps = [("meta", page.meta_author_names), ("visible", page.visible_author_names)]
    assert page.decide_authors(steps) == ("visible", [Byline(name="Max Kolter")])
