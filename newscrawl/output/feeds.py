"""Default feeds: partitioned by outlet and day, so cron runs build a dataset over time.

Without ``-o``/``-O`` on the command line, :class:`DefaultFeedsAddon` sets ``FEEDS`` to

* ``output/<site>/<YYYY-MM-DD>.jsonl``  (always; appended, so several runs a day add up)
* ``output/<site>/<YYYY-MM-DD>.csv``    (when ``NEWSCRAWL_CSV=true``)

and rejected items go to ``output/<site>/<YYYY-MM-DD>.rejects.jsonl``
(``NEWSCRAWL_REJECTS_URI``). ``<YYYY-MM-DD>`` is the crawl's start date in Korea time and
``<site>`` the spider's outlet slug. A ``-o``/``-O`` given by the user replaces the
defaults entirely, as in plain Scrapy.

Settings: ``NEWSCRAWL_FEEDS_ENABLED`` (default true), ``NEWSCRAWL_OUTPUT_DIR`` (``output``),
``NEWSCRAWL_CSV`` (default false), ``NEWSCRAWL_CSV_EXCEL`` (CSV with a UTF-8 BOM for Excel).
URI templates may use ``%(site)s`` and ``%(date)s`` besides Scrapy's ``%(name)s``/``%(time)s``.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from scrapy.settings import BaseSettings, Settings

from newscrawl.parsing.dates import KST

CMDLINE_PRIORITY = 40


def crawl_date() -> str:
    return datetime.now(KST).strftime("%Y-%m-%d")


def uri_params(params: dict[str, Any], spider: Any) -> dict[str, Any]:
    """FEED_URI_PARAMS hook: adds ``site`` (outlet slug) and ``date`` (crawl day, KST)."""
    site = getattr(spider, "site", None)
    params["site"] = getattr(site, "slug", None) or getattr(spider, "name", "crawl")
    params.setdefault("date", getattr(spider, "crawl_date", None) or crawl_date())
    return params


def default_feeds(settings: BaseSettings) -> dict[str, dict[str, Any]]:
    out = str(settings["NEWSCRAWL_OUTPUT_DIR"]).rstrip("/")
    feeds: dict[str, dict[str, Any]] = {
        f"{out}/%(site)s/%(date)s.jsonl": {"format": "jsonlines", "encoding": "utf-8", "overwrite": False},
    }
    if settings.getbool("NEWSCRAWL_CSV"):
        feeds[f"{out}/%(site)s/%(date)s.csv"] = {"format": "csv", "encoding": "utf-8", "overwrite": False}
    return feeds


class DefaultFeedsAddon:
    """Installs :func:`default_feeds` unless the command line chose its own feeds."""

    def update_settings(self, settings: Settings) -> None:
        if not settings.getbool("NEWSCRAWL_FEEDS_ENABLED"):
            return
        if (settings.getpriority("FEEDS") or 0) >= CMDLINE_PRIORITY:
            return  # -o/-O (or -s FEEDS=...) given: the user's feeds only
        settings.set("FEEDS", default_feeds(settings), priority="addon")
