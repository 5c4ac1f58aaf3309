"""Shared test helpers: build responses from saved pages, run a page through cleaning."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from scrapy.http import HtmlResponse

from newscrawl.exporters import export_dict
from newscrawl.pipelines.clean import clean_article
from newscrawl.sites import SiteConfig, family_module, load_catalog

FIXTURES = Path(__file__).parent / "sites" / "fixtures"
SHARED = Path(__file__).resolve().parents[2] / "shared"


def response(name: str, url: str, encoding: str = "utf-8") -> HtmlResponse:
    return HtmlResponse(url=url, body=(FIXTURES / name).read_bytes(), encoding=encoding)


def site(slug: str = "news21tongsin", base_url: str | None = None) -> SiteConfig:
    config = load_catalog()[slug]
    return config.with_base_url(base_url) if base_url else config


def extract(name: str, url: str, slug: str = "news21tongsin", base_url: str | None = None) -> dict[str, Any]:
    """Saved page -> exported item dict (page object, then the clean pipeline's rules)."""
    config = site(slug, base_url)
    page = family_module(config.family).ArticlePageClass(response(name, url), config)
    item = page.to_item()
    clean_article(item)
    record = export_dict(item)
    record.pop("crawled_at")
    return record
