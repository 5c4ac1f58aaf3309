"""Commands that look at spiders and pages without crawling (``shell``, ``parse``, ``check``, ``list``) write no files.

Run as plain Scrapy commands they build the crawl's components, so each used to leave a run
report, an empty rejects file, default feed partitions and a state store (created or
changed) behind. :class:`NoFilesMixin` turns all of them off for the command, at command-line
priority unless the same option was given with ``-s`` (then the user asked for it). Output
the user asks for with ``-o``/``-O`` (``scrapy parse -o``) is still written.
"""

from __future__ import annotations

import argparse
from typing import Any

from scrapy.settings import Settings

#: What the command turns off: default feeds, run report, rejects file, state file and its lock; and
#: the end-of-crawl health checks (a page or two is no crawl: a 404 is not "HTTP error rate 0.50").
NO_FILES: dict[str, Any] = {
    "NEWSCRAWL_FEEDS_ENABLED": False,
    "NEWSCRAWL_REPORT_URI": "",
    "NEWSCRAWL_REJECTS_URI": "",
    "NEWSCRAWL_STATE_URI": "memory://",
    "NEWSCRAWL_LOCK_ENABLED": False,
    "NEWSCRAWL_HEALTH_ENABLED": False,
}
_CMDLINE = 40


def forbid_files(settings: Settings) -> None:
    """Set :data:`NO_FILES` in ``settings``, except options given on the command line (``-s``)."""
    for name, value in NO_FILES.items():
        if (settings.getpriority(name) or 0) < _CMDLINE:
            settings.set(name, value, priority=_CMDLINE)


class NoFilesMixin:
    """Mixin for a Scrapy command class: :func:`forbid_files` after the usual option processing."""

    settings: Settings | None

    def process_options(self, args: list[str], opts: argparse.Namespace) -> None:
        super().process_options(args, opts)  # type: ignore[misc]
        assert self.settings is not None
        forbid_files(self.settings)


class QuietMixin:
    """Mixin for a command that prints its own results: Scrapy's INFO lines off (``LOG_LEVEL`` WARNING) unless
    ``-L``/``-s LOG_LEVEL`` asked otherwise."""

    settings: Settings | None

    def process_options(self, args: list[str], opts: argparse.Namespace) -> None:
        super().process_options(args, opts)  # type: ignore[misc]
        assert self.settings is not None
        if (self.settings.getpriority("LOG_LEVEL") or 0) < _CMDLINE:
            self.settings.set("LOG_LEVEL", "WARNING", priority=_CMDLINE)
