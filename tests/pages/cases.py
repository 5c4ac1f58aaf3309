"""Page fixture cases: one folder per saved page under ``tests/pages/fixtures/<family>/<case>/``.

The format (``page.html``, ``meta.json``, ``expected.json``; the kinds ``article``, ``list``,
``home``, ``not_article``; invented outlets in ``fixtures/catalog.toml``) is defined in
:mod:`newscrawl.fixtures`, because ``scrapy check`` runs the spiders' callbacks on the same
folders. This module binds it to this folder for the runner (``test_fixtures.py``), the
updater (``scripts/update_fixtures.py``) and the tests that read one case by id.
"""

from __future__ import annotations

import os
from functools import cache
from pathlib import Path

from newscrawl import fixtures
from newscrawl.catalog import Outlet
from newscrawl.fixtures import CASE_FILES, KINDS, META_KEYS, CaseError, PageCase, crawl_response, render

__all__ = ["CASE_FILES", "FIXTURES", "FIXTURE_CATALOG", "KINDS", "META_KEYS", "CaseError", "PageCase",
           "crawl_response", "fixture_catalog", "get_case", "load_cases", "render", "resolve_outlet"]

#: The fixture folder; ``PAGE_FIXTURES_DIR`` points the runner at another one (the e2e test of
#: ``scrapy probe --save`` runs it on the cases the command wrote).
FIXTURES = Path(os.environ.get("PAGE_FIXTURES_DIR") or Path(__file__).resolve().parent / "fixtures").resolve()
FIXTURE_CATALOG = FIXTURES / "catalog.toml"


def fixture_catalog() -> dict[str, Outlet]:
    """The project catalog plus the fixtures' invented outlets (a slug in both is an error)."""
    return fixtures.fixture_catalog(FIXTURES)


def resolve_outlet(url: str, slug: str | None = None, base_url: str | None = None) -> Outlet:
    """The outlet a crawl of ``url`` uses: ``slug``'s outlet if given, else resolved from the URL;
    served from ``base_url`` when given (``Outlet.with_base_url``, as the demo crawls do)."""
    return fixtures.resolve_outlet(url, fixture_catalog(), slug, base_url)


@cache
def load_cases() -> tuple[PageCase, ...]:
    """Every case, sorted by id; a folder under ``fixtures/`` that is not a known family is an error."""
    return fixtures.load_cases(FIXTURES)


def get_case(case_id: str) -> PageCase:
    """The case ``family/name``."""
    for case in load_cases():
        if case.id == case_id:
            return case
    raise CaseError(f"no fixture case {case_id!r} under {FIXTURES}")
