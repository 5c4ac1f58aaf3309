"""Shared test helpers: build responses from saved pages, run a page through cleaning."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from scrapy import Spider
from scrapy.crawler import Crawler
from scrapy.http import HtmlResponse
from scrapy.utils.test import get_crawler

from newscrawl import settings as project_settings
from newscrawl.catalog import Outlet, load_catalog
from newscrawl.output.exporters import export_dict
from newscrawl.pages.extract import extract as extract_item

FIXTURES = Path(__file__).parent / "sites" / "fixtures"
SHARED = Path(__file__).resolve().parents[2] / "shared"


def response(name: str, url: str, encoding: str = "utf-8") -> HtmlResponse:
    return HtmlResponse(url=url, body=(FIXTURES / name).read_bytes(), encoding=encoding)


def site(slug: str = "news21tongsin", base_url: str | None = None) -> Outlet:
    config = load_catalog()[slug]
    return config.with_base_url(base_url) if base_url else config


def extract(name: str, url: str, slug: str = "news21tongsin", base_url: str | None = None) -> dict[str, Any]:
    """Saved page -> exported item dict (page object, then the clean pipeline's rules)."""
    config = site(slug, base_url)
    record = export_dict(extract_item(response(name, url), config))
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
