"""Shared test helpers: saved pages read as a crawl reads them, a crawler with the project's settings.

Saved pages are the fixture cases of ``tests/pages/fixtures/<family>/<case>/`` (see
``tests/pages/cases.py``); a test names one by its id, e.g. ``"dada/article"``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from scrapy import Spider
from scrapy.crawler import Crawler
from scrapy.http import HtmlResponse
from scrapy.settings import Settings
from scrapy.utils.test import get_crawler

from newscrawl import settings as project_settings
from newscrawl.catalog import Outlet, load_catalog
from newscrawl.extract import extract as extract_item
from newscrawl.output.exporters import export_dict
from tests.pages.cases import FIXTURES, get_case, resolve_outlet

__all__ = ["FIXTURES", "SHARED", "extract", "page_file", "project_crawler", "project_settings_with", "response",
           "site"]

SHARED = Path(__file__).resolve().parents[2] / "shared"


def page_file(case: str) -> Path:
    """The saved page of fixture case ``case`` (``family/name``)."""
    return get_case(case).page


def response(case: str, url: str | None = None) -> HtmlResponse:
    """Case ``case``'s page as fetched from ``url`` (default: its own URL), headers and charset repair applied."""
    return get_case(case).response(url)


def site(slug: str = "news21tongsin", base_url: str | None = None) -> Outlet:
    config = load_catalog()[slug]
    return config.with_base_url(base_url) if base_url else config


def extract(case: str, url: str | None = None, slug: str | None = None, base_url: str | None = None) -> dict[str, Any]:
    """Case ``case``'s page -> exported item dict without ``crawled_at``.

    The outlet is the case's own (its meta.json) unless ``slug`` or ``base_url`` say otherwise.
    """
    page = get_case(case)
    url = url or page.url
    if slug is None and base_url is None:
        outlet = page.outlet(url)
    else:
        outlet = resolve_outlet(url, slug, base_url)
    record = export_dict(extract_item(page.response(url), outlet))
    record.pop("crawled_at")
    return record


def project_crawler(spidercls: type[Spider] | None = None, **overrides: Any) -> Crawler:
    """A crawler with the project's settings (``newscrawl/settings.py``) plus ``overrides``.

    Scrapy's ``get_crawler`` knows only Scrapy's own defaults; components read every
    ``NEWSCRAWL_*`` default from the project settings, as in a real crawl.
    """
    settings = {k: v for k, v in vars(project_settings).items() if k.isupper()}
    settings.update(overrides)
    return get_crawler(spidercls, settings_dict=settings)


def project_settings_with(**overrides: Any) -> Settings:
    """Scrapy's defaults, ``newscrawl/settings.py``, then ``overrides`` as if given with ``-s``.

    For code that reads settings without a crawler; the command-line priority lets a test
    tell a value the user chose from a project default.
    """
    settings = Settings()
    settings.setmodule("newscrawl.settings", priority="project")
    settings.setdict(overrides, priority="cmdline")
    return settings


#: A redesign of the 다다미디어 article template (tests of markup drift): the same content under other class and
#: id names, so none of the family's article selectors matches and every field falls back to the generic steps.
DADA_REDESIGN = {"article-head-title": "news-headline", "article-head-nav": "news-path",
                 "article-head-info": "news-meta", "info-text": "news-info", "viewContentWrap": "newsWrap",
                 "viewContent": "newsBody", "fr-view": "news-text", "subj": "news-sub"}


def redesigned_dada(html: str) -> str:
    """``html`` with every class and id of :data:`DADA_REDESIGN` renamed."""
    import re

    return re.sub(r'\b(class|id)="([^"]*)"',
                  lambda m: f'{m[1]}="' + " ".join(DADA_REDESIGN.get(t, t) for t in m[2].split()) + '"', html)
