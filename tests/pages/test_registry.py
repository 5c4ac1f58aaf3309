"""The registry test (Fundus-style): every catalog outlet has a saved article page and its expected item.

For each outlet of ``newscrawl/catalog.toml``: at least one article fixture whose URL resolves
to it (as a crawl resolves it), the page still extracts to exactly its ``expected.json``, the
item is the outlet's (``site``, ``site_name``), at least one page has its title and body read by
the outlet's family selectors (a page that only the generic fallback reads would show nothing
about the family markup), and every case says where its bytes come from (meta.json ``source``:
``synthetic`` or ``saved``). An outlet added to the catalog without a fixture, or a change in
extraction that moves an outlet's item, fails here naming the outlet.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterable
from pathlib import Path

import pytest

from newscrawl.catalog import Outlet, load_catalog
from newscrawl.contracts import field_diff
from newscrawl.fixtures import SOURCES, read_case
from newscrawl.pages.article import NotAnArticle
from tests.pages.cases import FIXTURES, CaseError, PageCase, load_cases

CATALOG = load_catalog()
#: Fields the outlet's family must have read on at least one of its pages.
FAMILY_FIELDS = ("title", "body")


def outlet_cases(outlet: Outlet, cases: Iterable[PageCase]) -> list[PageCase]:
    """The article cases a crawl of ``outlet`` would read: their URL (or meta ``outlet``) resolves to it."""
    return [c for c in cases if c.kind == "article" and c.outlet().slug == outlet.slug]


def outlet_problems(outlet: Outlet, cases: Iterable[PageCase]) -> list[str]:
    """What is wrong with ``outlet``'s entry in the registry; empty when it is covered."""
    mine = outlet_cases(outlet, cases)
    if not mine:
        return [f"catalog outlet {outlet.slug!r} has no article fixture whose URL resolves to it: add "
                f"tests/pages/fixtures/{outlet.family}/{outlet.slug}/ with a page on one of "
                f"{', '.join(outlet.domains) or outlet.base_url} (then make fixtures)"]
    problems: list[str] = []
    family_read: list[str] = []
    for case in mine:
        if case.source not in SOURCES:
            problems.append(f"{case.id}: meta.json needs \"source\": one of {', '.join(SOURCES)} "
                            "(synthetic: written by us in the documented markup; saved: fetched from the outlet)")
        if not case.expected_path.is_file():
            problems.append(f"{case.id}: no expected.json yet; run make fixtures")
            continue
        try:
            actual = case.snapshot()
        except NotAnArticle:
            problems.append(f"{case.id}: the {outlet.family!r} family no longer reads it as an article")
            continue
        diff = field_diff(case.expected(), actual)
        if diff:
            problems.append(f"{case.id}: the expected item no longer matches extraction:\n{diff}")
        if (actual.get("site"), actual.get("site_name")) != (outlet.slug, outlet.name):
            problems.append(f"{case.id}: item of {actual.get('site')!r} ({actual.get('site_name')!r}), "
                            f"not of {outlet.slug!r} ({outlet.name!r})")
        extractor = actual.get("extractor") or {}
        if all(extractor.get(field) == outlet.family for field in FAMILY_FIELDS):
            family_read.append(case.id)
    if not family_read:
        problems.append(f"catalog outlet {outlet.slug!r}: no fixture has its {' and '.join(FAMILY_FIELDS)} read by "
                        f"the {outlet.family!r} family (only fallbacks): {', '.join(c.id for c in mine)}")
    return problems


@pytest.mark.parametrize("slug", sorted(CATALOG))
def test_catalog_outlet_has_a_fixture_that_gives_its_item(slug: str) -> None:
    problems = outlet_problems(CATALOG[slug], load_cases())
    assert not problems, "\n".join(problems)


# --- the checks above can fail -----------------------------------------------------------------

def _copy_case(case_id: str, root: Path) -> Path:
    """A copy of fixture ``case_id`` (and the invented outlets) under ``root``, to tamper with."""
    shutil.copy(FIXTURES / "catalog.toml", root / "catalog.toml")
    target = root / case_id
    shutil.copytree(FIXTURES / case_id, target)
    return target


def _read(root: Path, case_id: str) -> PageCase:
    family = case_id.split("/")[0]
    return read_case(root, family, root / case_id)


def test_an_outlet_without_a_fixture_fails() -> None:
    others = [c for c in load_cases() if c.outlet().slug != "kado"]
    [problem] = outlet_problems(CATALOG["kado"], others)
    assert "'kado' has no article fixture" in problem and "tests/pages/fixtures/ndsoft/kado/" in problem
    assert "kado.net" in problem


def test_an_expected_item_that_no_longer_matches_fails(tmp_path: Path) -> None:
    folder = _copy_case("ndsoft/joongboo", tmp_path)
    expected = json.loads((folder / "expected.json").read_text("utf-8"))
    expected["title"] = "다른 제목"
    (folder / "expected.json").write_text(json.dumps(expected, ensure_ascii=False), "utf-8")
    [problem] = outlet_problems(CATALOG["joongboo"], [_read(tmp_path, "ndsoft/joongboo")])
    assert problem.startswith("ndsoft/joongboo: the expected item no longer matches extraction")
    assert "title:" in problem and "다른 제목" in problem


def test_a_page_the_family_no_longer_reads_fails(tmp_path: Path) -> None:
    """Markup drift: a redesign renames the body element; the generic path reads the body instead."""
    folder = _copy_case("ndsoft/cctoday", tmp_path)
    page = (folder / "page.html").read_bytes()
    drifted = (page.replace(b'id="article-view-content-div"', b'id="story"')
               .replace(b'class="article-veiw-body', b'class="story-body').replace(b'itemprop="articleBody"', b""))
    (folder / "page.html").write_bytes(drifted)
    problems = outlet_problems(CATALOG["cctoday"], [_read(tmp_path, "ndsoft/cctoday")])
    assert any("expected item no longer matches" in p and "extractor:" in p for p in problems), problems
    assert any("no fixture has its title and body read by the 'ndsoft' family" in p for p in problems), problems


def test_a_case_without_its_source_fails(tmp_path: Path) -> None:
    folder = _copy_case("ndsoft/kado", tmp_path)
    meta = json.loads((folder / "meta.json").read_text("utf-8"))
    del meta["source"]
    (folder / "meta.json").write_text(json.dumps(meta, ensure_ascii=False), "utf-8")
    [problem] = outlet_problems(CATALOG["kado"], [_read(tmp_path, "ndsoft/kado")])
    assert problem.startswith('ndsoft/kado: meta.json needs "source"')


def test_an_unknown_source_is_a_malformed_case(tmp_path: Path) -> None:
    folder = _copy_case("ndsoft/kado", tmp_path)
    meta = json.loads((folder / "meta.json").read_text("utf-8"))
    meta["source"] = "real"
    (folder / "meta.json").write_text(json.dumps(meta, ensure_ascii=False), "utf-8")
    with pytest.raises(CaseError, match="source 'real' is not one of synthetic, saved"):
        _read(tmp_path, "ndsoft/kado")

