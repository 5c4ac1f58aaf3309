"""`scrapy parse`, as Scrapy's, but writing no files (:mod:`newscrawl.commands.nofiles`) and with an exit status.

Without ``-c`` the spider's ``parse`` picks the callback from the URL (an article, a section
list with its section and page, the home page; for ``articles`` a feed, sitemap or page).

Scrapy's command exits 0 whatever happened; this one exits 1, after one ERROR line, when:
the spider is unknown or none handles the URL; a spider argument is wrong (checked before
the crawl, as by ``scrapy crawl``); no response came back (HTTP error, offsite, unreachable);
the callback raised (its traceback only at ``-L DEBUG``); or the spider knows no callback for
the URL. A family spider given no ``-a base_url`` crawls the URL's own scheme and host.
"""

from __future__ import annotations

import argparse
import logging
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

from scrapy.commands.parse import Command as ScrapyParseCommand
from scrapy.exceptions import UsageError
from scrapy.http import Response
from twisted.internet.defer import Deferred, fail
from twisted.python.failure import Failure
from w3lib.url import is_url

from newscrawl.commands.nofiles import NoFilesMixin
from newscrawl.spiders.args import FamilyArgs, SpiderArgumentError, TypedArgsSpider

logger = logging.getLogger(__name__)


class Command(NoFilesMixin, ScrapyParseCommand):
    callback_failed = False
    parsed = False

    def long_desc(self) -> str:
        return ("Parse URL with its spider and print the items and requests. Without -c the spider's parse() "
                "picks the callback from the URL. Exit status 1 (one ERROR line) when the spider or its "
                "arguments are wrong, no response came back, or the callback raised.")

    def run(self, args: list[str], opts: argparse.Namespace) -> None:
        if len(args) != 1 or not is_url(args[0]):
            raise UsageError(f"need exactly one URL (http://, https:// or file://), got {' '.join(args) or 'none'}",
                             print_help=False)
        super().run(args, opts)

    def set_spidercls(self, url: str, opts: argparse.Namespace) -> None:
        super().set_spidercls(url, opts)
        if self.spidercls is None:
            self.exitcode = 1  # Scrapy logged "Unable to find spider ..."

    def start_parsing(self, url: str, opts: argparse.Namespace) -> None:
        assert self.spidercls is not None and self.settings is not None
        if issubclass(self.spidercls, TypedArgsSpider):
            if issubclass(self.spidercls.args_model, FamilyArgs) and not opts.spargs.get("base_url"):
                parts = urlsplit(url)
                opts.spargs["base_url"] = f"{parts.scheme}://{parts.netloc}"
                logger.info("no -a base_url: %s crawls %s", self.spidercls.name, opts.spargs["base_url"])
            try:
                # Raised later, in the spider's from_crawler, it would be a traceback.
                self.spidercls.parse_arguments(opts.spargs, self.settings, requests_given=True)
            except SpiderArgumentError as exc:
                logger.error("%s", exc)
                self.exitcode = 1
                return
        super().start_parsing(url, opts)
        self.parsed = True
        stats = self.pcrawler.stats
        unknown = stats.get_value("newscrawl/parse/unknown_url", 0) if stats is not None else 0
        if self.first_response is None or self.callback_failed or unknown:
            self.exitcode = 1

    def print_results(self, opts: argparse.Namespace) -> None:
        if self.parsed:
            super().print_results(opts)

    def run_callback(self, response: Response, callback: Callable[..., Any],
                     cb_kwargs: dict[str, Any] | None = None) -> Deferred[Any]:
        """Scrapy's, but a callback that raises is one ERROR line (and exit status 1), not a traceback."""
        try:
            deferred = super().run_callback(response, callback, cb_kwargs)
        except Exception as exc:  # a callback that is not a generator raises on the call itself
            deferred = fail(exc)
        deferred.addCallback(list)  # a generator raises while it is iterated: here, not in the scraper
        deferred.addErrback(self._failed, response, callback)
        return deferred

    def _failed(self, failure: Failure, response: Response, callback: Callable[..., Any]) -> list[Any]:
        self.callback_failed = True
        name = getattr(callback, "__name__", repr(callback))
        logger.error("%s raised %s on %s: %s (traceback with -L DEBUG)", name, failure.type.__name__ if failure.type
                     else "an error", response.url, failure.getErrorMessage())
        logger.debug("traceback of %s on %s:\n%s", name, response.url, failure.getTraceback())
        return []
