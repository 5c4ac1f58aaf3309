"""The project's settings outside a crawl (``scrapy extract``, tests, scripts).

Every default lives once, in :mod:`newscrawl.settings`; code that runs without a crawler
reads them through :func:`project_settings` instead of repeating them.
"""

from __future__ import annotations

from functools import cache

from scrapy.settings import BaseSettings, Settings


@cache
def _frozen_defaults() -> Settings:
    settings = Settings()
    settings.setmodule("newscrawl.settings", priority="project")
    settings.freeze()
    return settings


def project_settings() -> BaseSettings:
    """Scrapy's defaults plus ``newscrawl/settings.py`` (read-only)."""
    return _frozen_defaults()
