"""`scrapy crawl`, as Scrapy's, plus what cron needs: the state lock and a meaningful exit status.

* Before the crawl starts, the state lock ``<state file>.lock`` is taken (:mod:`newscrawl.state.lock`;
  settings ``NEWSCRAWL_LOCK_ENABLED``, ``NEWSCRAWL_LOCK_WAIT``), or with a PostgreSQL state the lock of
  the crawl's outlet in the server (:class:`newscrawl.state.postgres.PostgresCrawlLock`; a server that
  cannot be reached is one ERROR line naming host:port and exit 65); when another crawl holds it,
  the command logs who holds it and exits with :data:`~newscrawl.state.lock.EXIT_LOCKED` (75)
  without starting. The lock is released when the crawl ends, however it ends.
* Spider arguments are checked before anything else (:mod:`newscrawl.spiders.args`): an unknown
  argument, or a bad value of an argument or of the setting it falls back to, is logged as one
  ERROR line naming it, and the command exits 1 without taking the lock or starting the crawl.
* With the lock taken, the state file is checked before the first request
  (:func:`newscrawl.state.rebuild.preflight`): empty, truncated, not SQLite, failing
  ``PRAGMA quick_check``, of another schema version, or older than the outlet's feed partitions
  is one ERROR line naming the file and the fix (``scrapy state check`` / ``scrapy state rebuild``)
  and exit status 65; never a silent fresh start.
* Exit status: 0 all well; 1 the crawl could not start (bad spider or arguments); 3
  (:data:`~newscrawl.extensions.health.EXIT_HEALTH`) a health check of
  :class:`~newscrawl.extensions.health.HealthMonitor` failed; 65
  (:data:`~newscrawl.state.store.EXIT_BAD_STATE`) the state file cannot be trusted; 74
  (:data:`~newscrawl.output.storage.EXIT_WRITE_ERROR`, ``EX_IOERR``) a feed, rejects or state write
  failed (full disk, I/O or permission error): the crawl stopped at once, one ERROR line names the
  file, nothing unwritten was committed, and a re-run once it is fixed exports what is missing;
  75 the state is locked by another crawl.
"""

from __future__ import annotations

import argparse
import logging
from typing import Any

from scrapy.commands.crawl import Command as ScrapyCrawlCommand
from scrapy.exceptions import UsageError

from newscrawl.extensions.health import EXIT_HEALTH
from newscrawl.output.storage import EXIT_WRITE_ERROR
from newscrawl.render.setup import RenderUnavailable, check_rendering
from newscrawl.spiders.args import SpiderArgumentError, TypedArgsSpider
from newscrawl.state.lock import EXIT_LOCKED, LockBusy, lock_for_settings
from newscrawl.state.rebuild import check_crawl_state
from newscrawl.state.shared import state_checked
from newscrawl.state.store import EXIT_BAD_STATE, StateError

logger = logging.getLogger(__name__)


def outlet_slug(spidercls: type, arguments: Any, spider_name: str) -> str:
    """What a crawl locks in a shared (PostgreSQL) state: its outlet's slug, else the spider's name."""
    slug_of = getattr(arguments, "outlet_slug", None)
    slug = slug_of() if callable(slug_of) else getattr(getattr(spidercls, "site", None), "slug", None)
    return slug if isinstance(slug, str) and slug else spider_name


class Command(ScrapyCrawlCommand):
    def short_desc(self) -> str:
        return "Run a spider of the current project, by name (locks the state store; exit 3 on failed health checks)"

    def long_desc(self) -> str:
        return (f"{self.short_desc()}.\n\nExit status: 0 ok; 1 the crawl could not start (bad spider or arguments); "
                f"{EXIT_HEALTH} a health check failed (see the ERROR lines and the run report); {EXIT_BAD_STATE} the "
                "state file cannot be trusted (see scrapy state check / rebuild); "
                f"{EXIT_WRITE_ERROR} a feed, rejects or state write failed (full disk, I/O or permission error); "
                f"{EXIT_LOCKED} another crawl holds the state lock (NEWSCRAWL_LOCK_WAIT waits for it).")

    def run(self, args: list[str], opts: argparse.Namespace) -> None:
        if len(args) < 1:
            raise UsageError
        if len(args) > 1:
            raise UsageError("running 'scrapy crawl' with more than one spider is not supported")
        spname = args[0]
        assert self.crawler_process is not None
        crawler = self.crawler_process.create_crawler(spname)
        spidercls = crawler.spidercls
        arguments = None
        if issubclass(spidercls, TypedArgsSpider):
            try:
                arguments, _ = spidercls.parse_arguments(opts.spargs, crawler.settings)
            except SpiderArgumentError as exc:
                # Raised later, in the spider's from_crawler, it would be an asyncio traceback.
                logger.error("%s", exc)
                self.exitcode = 1
                return
            planned = getattr(spidercls, "planned_render", None)
            try:
                if planned is not None and planned(arguments).enabled and \
                        crawler.settings.getbool("NEWSCRAWL_RENDER_ENABLED"):
                    check_rendering(crawler.settings)  # no Chromium, bad settings: one line now, not a traceback later
            except RenderUnavailable as exc:
                logger.error("%s", exc)
                self.exitcode = 1
                return
        try:
            lock = lock_for_settings(crawler.settings, command=f"scrapy crawl {spname}",
                                     outlet=outlet_slug(spidercls, arguments, spname))
            if lock is not None:
                lock.acquire()
        except StateError as exc:  # a PostgreSQL state that cannot be reached: one line, not a traceback
            logger.error("%s", exc)
            self.exitcode = EXIT_BAD_STATE
            return
        except LockBusy as busy:
            logger.warning("%s; not crawling %s (exit status %d: try again later, or set NEWSCRAWL_LOCK_WAIT "
                           "to wait for it)", busy, spname, EXIT_LOCKED)
            self.exitcode = EXIT_LOCKED
            return
        if lock is not None:
            logger.info("state lock %s taken", lock.path)
        try:
            checked = check_crawl_state(crawler.settings, spidercls, arguments)
            if checked is not None and checked.exists():
                state_checked(crawler, checked)  # the store opened by the crawl need not check it again
        except (StateError, ValueError) as exc:
            logger.error("%s", exc)  # a traceback from inside the engine would not name the file
            self.exitcode = EXIT_BAD_STATE if isinstance(exc, StateError) else 1
            if lock is not None:
                lock.release()
            return
        try:
            self.crawler_process.crawl(crawler, **opts.spargs)
            self.crawler_process.start()
        finally:
            if lock is not None:
                lock.release()
        if self.crawler_process.bootstrap_failed:
            self.exitcode = 1
        elif crawler.stats is not None and crawler.stats.get_value("newscrawl/write_errors", 0):
            self.exitcode = EXIT_WRITE_ERROR  # before health: the crawl was stopped, its figures are partial
        elif crawler.stats is not None and crawler.stats.get_value("newscrawl/health/failed_checks", 0):
            self.exitcode = EXIT_HEALTH
