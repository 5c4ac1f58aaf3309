"""The project's settings outside a crawl (``scrapy extract``, tests, scripts).

Every default lives once, in :mod:`newscrawl.settings`; code that runs without a crawler
reads them through :func:`project_settings` instead of repeating them.
"""

from __future__ import annotations

import os
from functools import cache
from pathlib import Path

from scrapy.settings import BaseSettings, Settings
from scrapy.utils.conf import closest_scrapy_cfg


@cache
def _frozen_defaults() -> Settings:
    settings = Settings()
    settings.setmodule("newscrawl.settings", priority="project")
    settings.freeze()
    return settings


def project_settings() -> BaseSettings:
    """Scrapy's defaults plus ``newscrawl/settings.py`` (read-only)."""
    return _frozen_defaults()


def project_dir() -> Path:
    """The project directory: the folder of the nearest ``scrapy.cfg`` above the working directory.

    Relative state, lock and output paths resolve against it, so ``scrapy crawl`` started from
    a sub-folder (``tests/``, ``deploy/``) uses the same state and feeds as from the root
    instead of silently starting a new store. Without a ``scrapy.cfg`` (settings given by
    ``SCRAPY_SETTINGS_MODULE`` only) it is the working directory.
    """
    cfg = closest_scrapy_cfg()
    return Path(cfg).parent if cfg else Path.cwd()


def project_path(path: str | os.PathLike[str]) -> Path:
    """``path`` (``~`` expanded) made absolute against :func:`project_dir` when it is relative."""
    expanded = Path(os.path.expanduser(os.fspath(path)))
    return expanded if expanded.is_absolute() else project_dir() / expanded
