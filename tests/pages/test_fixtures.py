"""Every saved page -> exactly its expected.json; and the fixture set covers every family.

One runner for all families (``tests/pages/cases.py`` says how a case is read). A change in
extraction shows here as a per-field diff; if it is intended, ``make fixtures`` rewrites the
expected files and prints the same diff for review. That every catalog outlet has a fixture
is the registry test, ``test_registry.py``.
"""

from __future__ import annotations

import json

import pytest

from newscrawl.catalog import load_catalog
from newscrawl.contracts import field_diff
from newscrawl.extract import extract
from newscrawl.families import FAMILIES
from newscrawl.pages.article import NotAnArticle
from tests.pages.cases import CASE_FILES, PageCase, fixture_catalog, load_cases, render

CASES = load_cases()
UPDATE_HINT = "if the change is intended: make fixtures (and review its diff)"


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_page_gives_expected(case: PageCase) -> None:
    if case.kind == "not_article":
        with pytest.raises(NotAnArticle):
            extract(case.response(), case.outlet())
        return
    assert case.expected_path.is_file(), f"{case.id}: no expected.json yet; run make fixtures"
    text = case.expected_path.read_text("utf-8")
    actual = case.snapshot()
    diff = field_diff(json.loads(text), actual)
    assert not diff, f"{case.id} ({case.why}):\n{diff}\n{UPDATE_HINT}"
    assert render(actual) == text, f"{case.id}: same values, other field order or format; {UPDATE_HINT}"


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_case_folder_is_well_formed(case: PageCase) -> None:
    files = {p.name for p in case.path.iterdir()}
    assert files <= CASE_FILES, f"{case.id}: unexpected files {sorted(files - CASE_FILES)}"
    if not case.has_expected:
        assert "expected.json" not in files, f"{case.id}: a {case.kind!r} case has no expected.json"
    # The folder names the family that reads the page: the outlet the URL resolves to is of that family.
    assert case.outlet().family == case.family, f"{case.id}: {case.url} resolves to family {case.outlet().family!r}"


@pytest.mark.parametrize("family", sorted(FAMILIES))
def test_every_family_has_an_article_case(family: str) -> None:
    articles = [c.id for c in CASES if c.family == family and c.kind == "article"]
    assert articles, f"family {family!r} has no article fixture: add tests/pages/fixtures/{family}/<case>/"


def test_fixture_catalog_invents_outlets_only() -> None:
    """Invented outlets live on reserved ``.example`` domains, never a real paper's."""
    invented = set(fixture_catalog()) - set(load_catalog())
    for slug in invented:
        domains = fixture_catalog()[slug].domains
        assert domains and all(d.endswith(".example") for d in domains), slug
