"""`scrapy check`: the spiders' callbacks on the saved page fixtures, offline, writing no files.

    scrapy check [SPIDER ...] [-l] [-v] [-a NAME=VALUE ...]

Scrapy's command runs the contracts of callback docstrings with one request per callback;
here each ``@fixtures KIND ...`` callback (:mod:`newscrawl.contracts`) is checked on every
fixture page of those kinds under ``NEWSCRAWL_CHECK_FIXTURES`` (default the project's
``tests/pages/fixtures``) that the spider can crawl exactly as the fixture says:

* a catalog spider: the cases whose outlet is its outlet (``-a base_url=`` the case's when the
  case was served from another address);
* a family spider (``dada``, ``ndsoft``): every case of its family, with
  ``-a base_url= -a slug= -a name=`` of the case's outlet;
* ``articles``: the article cases whose URL alone resolves to the case's outlet.

A spider is crawled once per set of arguments; its requests are answered from the saved pages
(nothing goes to the network, robots.txt is not asked, no download delay). Output as Scrapy's:
a dot per check (``-v``: one line per check, ``ok``/``FAIL``/``ERROR``), the failures with what
differs, ``Ran N contracts``; exit status 1 when a check fails or errs, or a spider that has
``@fixtures`` callbacks finds no case to check (a new outlet needs a fixture), 0 when all pass.
``-l`` lists the checks without running them. Other Scrapy contracts (``@url``, ``@returns``, ...)
still run as Scrapy runs them.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import AsyncIterator, Mapping
from typing import Any
from unittest import TestResult, TextTestRunner

import attrs
from scrapy import Spider
from scrapy.commands.check import Command as ScrapyCheckCommand
from scrapy.commands.check import TextTestResult
from scrapy.exceptions import UsageError
from scrapy.settings import SETTINGS_PRIORITIES, BaseSettings
from scrapy.utils.conf import build_component_list
from scrapy.utils.misc import load_object, set_environ

from newscrawl.commands.nofiles import NoFilesMixin
from newscrawl.config import project_path
from newscrawl.contracts import FixtureContractsManager, FixtureMiddleware, check_testcase, fixture_kinds, record_error
from newscrawl.families import resolve
from newscrawl.fixtures import CaseError, PageCase, load_cases
from newscrawl.middlewares import OffsiteOriginMiddleware
from newscrawl.spiders.args import FamilyArgs, SpiderArgumentError, TypedArgsSpider
from newscrawl.spiders.articles import ArticlesSpider
from newscrawl.spiders.base import NewsSpider
from newscrawl.spiders.catalog import FamilySpider

#: Checks are offline and need no politeness; -s still wins (priority below the command line).
#: A fixture is checked on its saved bytes (a rendered page is saved rendered): no browser, so no rendered
#: re-fetch of a page whose body is written by script, and no Chromium needed (NEWSCRAWL_RENDER_ENABLED).
CHECK_SETTINGS: dict[str, Any] = {"ROBOTSTXT_OBEY": False, "DOWNLOAD_DELAY": 0, "AUTOTHROTTLE_ENABLED": False,
                                  "NEWSCRAWL_RENDER_ENABLED": False}
FIXTURE_MIDDLEWARE = f"{FixtureMiddleware.__module__}.{FixtureMiddleware.__qualname__}"
OFFSITE_MIDDLEWARE = f"{OffsiteOriginMiddleware.__module__}.{OffsiteOriginMiddleware.__qualname__}"

Plan = list[tuple[str, PageCase]]


def crawl_arguments(spidercls: type[Spider], case: PageCase, settings: BaseSettings) -> dict[str, str] | None:
    """The ``-a`` arguments under which ``spidercls`` crawls the case's outlet exactly; None if it cannot."""
    outlet = case.outlet()
    if issubclass(spidercls, ArticlesSpider):
        return {} if resolve(case.url) == outlet else None
    if issubclass(spidercls, FamilySpider):
        if outlet.family != spidercls.family_record.name:
            return None
        spargs = {"base_url": outlet.base_url, "slug": outlet.slug, "name": outlet.name}
        try:
            arguments, _ = spidercls.parse_arguments(spargs, settings, requests_given=True)
        except SpiderArgumentError:
            return None
        assert isinstance(arguments, FamilyArgs)
        built = arguments.outlet(outlet.family)
        # Which hosts it may fetch and which sections it lists do not change what a page says.
        return spargs if attrs.evolve(built, domains=outlet.domains, sections=outlet.sections) == outlet else None
    if issubclass(spidercls, NewsSpider):
        site = spidercls.site
        if outlet.slug != site.slug:
            return None
        if outlet == site:
            return {}
        return {"base_url": outlet.base_url} if site.with_base_url(outlet.base_url) == outlet else None
    return None


def plan_checks(spidercls: type[Spider], kinds: Mapping[str, tuple[str, ...]], cases: tuple[PageCase, ...],
                settings: BaseSettings) -> list[tuple[dict[str, str], Plan]]:
    """``(-a arguments, [(callback, case), ...])`` per crawl of ``spidercls``: every case of a kind a
    callback names (``kinds``) that the spider can crawl, grouped by the arguments it needs."""
    groups: dict[tuple[tuple[str, str], ...], tuple[dict[str, str], Plan]] = {}
    for case in cases:
        methods = [method for method, wanted in kinds.items() if case.kind in wanted]
        if not methods:
            continue
        spargs = crawl_arguments(spidercls, case, settings)
        if spargs is None:
            continue
        plan = groups.setdefault(tuple(sorted(spargs.items())), (spargs, []))[1]
        plan.extend((method, case) for method in methods)
    return list(groups.values())


class Command(NoFilesMixin, ScrapyCheckCommand):
    def short_desc(self) -> str:
        return "Check the spiders' callbacks on the saved page fixtures (offline; exit 1 on a failed check)"

    def long_desc(self) -> str:
        return (f"{self.short_desc()}. Each @fixtures callback runs on every fixture page under "
                "NEWSCRAWL_CHECK_FIXTURES its spider can crawl; -l lists the checks, -v prints one line each.")

    def process_options(self, args: list[str], opts: argparse.Namespace) -> None:
        super().process_options(args, opts)
        assert self.settings is not None
        priority = (SETTINGS_PRIORITIES["spider"] + SETTINGS_PRIORITIES["cmdline"]) // 2  # as Scrapy's check
        for name, value in CHECK_SETTINGS.items():
            if (self.settings.getpriority(name) or 0) < priority:
                self.settings.set(name, value, priority=priority)
        middlewares = dict(self.settings.getdict("DOWNLOADER_MIDDLEWARES"))
        middlewares[FIXTURE_MIDDLEWARE] = 1  # ahead of every other process_request (offsite, robots)
        # A page is checked as its fixture says it was fetched (incheonilbo.com over http for an outlet
        # at https://www.incheonilbo.com): whether a crawl would follow that URL is not the callback's test.
        middlewares[OFFSITE_MIDDLEWARE] = None
        self.settings.set("DOWNLOADER_MIDDLEWARES", middlewares, priority=SETTINGS_PRIORITIES["cmdline"])

    def run(self, args: list[str], opts: argparse.Namespace) -> None:
        assert self.settings is not None and self.crawler_process is not None
        contracts = build_component_list(self.settings.get_component_priority_dict_with_base("SPIDER_CONTRACTS"))
        conman = FixtureContractsManager(load_object(c) for c in contracts)
        runner = TextTestRunner(verbosity=2 if opts.verbose else 1)
        result = TextTestResult(runner.stream, runner.descriptions, runner.verbosity)
        loader = self.crawler_process.spider_loader
        names = args or loader.list()
        unknown = [name for name in names if name not in loader.list()]
        if unknown:
            raise UsageError(f"no spider {', '.join(unknown)}; scrapy list shows them", print_help=False)
        root = project_path(self.settings["NEWSCRAWL_CHECK_FIXTURES"])
        cases: tuple[PageCase, ...] | None = None
        listing: dict[str, list[str]] = {}
        crawls = 0
        with set_environ(SCRAPY_CHECK="true"):
            for name in names:
                spidercls = loader.load(name)
                methods = conman.tested_methods_from_spidercls(spidercls)
                try:
                    kinds = {m: k for m in methods if (k := fixture_kinds(getattr(spidercls, m)))}
                    if kinds and cases is None:
                        cases = load_cases(root)
                except CaseError as exc:
                    print(f"scrapy check: {exc} (NEWSCRAWL_CHECK_FIXTURES)", file=sys.stderr)
                    self.exitcode = 1
                    return
                others = [m for m in methods if m not in kinds]
                groups = plan_checks(spidercls, kinds, cases or (), self.settings) if kinds else []
                if opts.list:
                    listing[name] = [*others, *(f"{m} fixture {case.id}" for _, plan in groups for m, case in plan)]
                    continue
                if kinds and not groups:
                    record_error(result, check_testcase(f"[{name}] @fixtures"),
                                 AssertionError(f"no fixture page under {root} that {name} can crawl"))
                if others and not groups:
                    groups = [({}, [])]
                for number, (spargs, plan) in enumerate(groups):
                    arguments = {**spargs, **opts.spargs}
                    if not self._arguments_ok(spidercls, arguments, name, result):
                        continue
                    checkcls = self._check_spidercls(spidercls, conman, plan, others if number == 0 else [], result)
                    self.crawler_process.crawl(checkcls, **arguments)
                    crawls += 1
            if opts.list:
                print("\n".join(f"{spider}\n" + "\n".join(f"  * {check}" for check in checks)
                                for spider, checks in sorted(listing.items()) if checks or opts.verbose))
                return
            start = time.monotonic()
            if crawls:
                self.crawler_process.start()
            stop = time.monotonic()
        result.printErrors()
        result.printSummary(start, stop)
        self.exitcode = int(not result.wasSuccessful() or self.crawler_process.bootstrap_failed)

    def _arguments_ok(self, spidercls: type[Spider], arguments: dict[str, str], name: str, result: TestResult) -> bool:
        """Whether the spider accepts ``arguments``; else one error check naming them (no traceback)."""
        if not issubclass(spidercls, TypedArgsSpider):
            return True
        assert self.settings is not None
        try:
            spidercls.parse_arguments(arguments, self.settings, requests_given=True)
        except SpiderArgumentError as exc:
            record_error(result, check_testcase(f"[{name}] arguments {arguments}"), exc)
            return False
        return True

    @staticmethod
    def _check_spidercls(spidercls: type[Spider], conman: FixtureContractsManager, plan: Plan, others: list[str],
                         result: TestResult) -> type[Spider]:
        """``spidercls`` whose start() gives the check requests of ``plan`` (and of the other contracts)."""

        async def start(spider: Spider) -> AsyncIterator[Any]:
            for request in conman.fixture_requests(spider, plan, result):
                yield request
            for method in others:
                other = conman.from_method(getattr(spider, method), result)
                if other is not None:
                    yield other

        return type(spidercls.__name__, (spidercls,), {"start": start, "__module__": spidercls.__module__,
                                                       "__doc__": spidercls.__doc__})
