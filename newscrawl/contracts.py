"""``scrapy check`` on the page fixtures: the ``@fixtures`` contract and the offline downloader behind it.

A spider callback whose docstring has the line ``@fixtures KIND [KIND ...]`` (kinds of
:mod:`newscrawl.fixtures`) is run by ``scrapy check`` on every saved page of those kinds that
its spider can crawl (``newscrawl/commands/check.py`` decides which, and with which ``-a``
arguments), one check per page, and what it returns is compared with the fixture:

* ``article``: exactly one item, equal to ``expected.json`` without the crawl-time fields
  (a failure lists the fields that differ, expected then actual);
* ``not_article``: nothing at all (no item, no request);
* ``list``: a ``parse_article`` request per listed entry, in the listed order, and one
  ``parse_list`` request for ``next_page_url`` (none on the last page);
* ``home``: one ``parse_list`` request per section of the menu, in the menu's order.

The requests keep the fixture's URL; :class:`FixtureMiddleware` (installed by ``scrapy check``
ahead of every other downloader middleware) answers them from ``page.html`` with the case's
headers, so nothing goes to the network, and the response then passes every
``process_response`` of a crawl (decompression, charset repair, truncation retry). Any other
request (robots.txt, a followed link) is refused.

Scrapy's own ``scrapy check`` makes one request per callback; :class:`FixtureContractsManager`
makes one per fixture. Registered in ``SPIDER_CONTRACTS``, :class:`FixturesContract` alone (with
Scrapy's manager) asks for no request, so a stock ``scrapy check`` runs nothing instead of failing.
"""

from __future__ import annotations

import json
import re
import sys
from collections.abc import Callable, Iterable
from pathlib import Path
from types import TracebackType
from typing import Any
from unittest import TestCase, TestResult

from itemadapter import is_item
from scrapy import Request, Spider, signals
from scrapy.contracts import Contract, ContractsManager
from scrapy.exceptions import IgnoreRequest
from scrapy.http import HtmlResponse, Response
from twisted.python.failure import Failure

from newscrawl.fixtures import KINDS, CaseError, PageCase, article_snapshot

#: Request meta of a fixture request: ``{"page": path of page.html, "headers": {...}}``.
FIXTURE_META = "newscrawl_fixture"

ExcInfo = tuple[type[BaseException], BaseException, TracebackType]


class FixturesContract(Contract):
    """``@fixtures KIND [KIND ...]``: check this callback on the page fixtures of these kinds.

    A marker: :class:`FixtureContractsManager` reads the line (:func:`fixture_kinds`) and makes
    a :class:`FixtureCheck` per page; on its own it sets no URL, so it asks for no request.
    """

    name = "fixtures"


def fixture_kinds(method: Callable[..., Any]) -> tuple[str, ...]:
    """The kinds the ``@fixtures`` lines of a callback's docstring name (read as Scrapy reads a
    contract line); () without one. Works on the function itself, before any spider exists."""
    kinds: list[str] = []
    for line in (getattr(method, "__doc__", None) or "").splitlines():
        match = re.match(r"@fixtures\b\s*(.*)", line.strip())
        if match:
            kinds.extend(match.group(1).split())
    unknown = [kind for kind in kinds if kind not in KINDS]
    if unknown:
        raise CaseError(f"@fixtures on {getattr(method, '__qualname__', method)}: unknown kinds "
                        f"{' '.join(unknown)}; known: {', '.join(KINDS)}")
    return tuple(dict.fromkeys(kinds))


def check_testcase(label: str) -> TestCase:
    """A test case that prints as ``label`` (``[spider] callback fixture family/case``)."""

    class FixtureTestCase(TestCase):
        def __str__(self) -> str:
            return label

        def runTest(self) -> None:
            pass

    return FixtureTestCase()


def exc_info(exc: BaseException) -> ExcInfo:
    """``sys.exc_info()`` of ``exc`` raised here: a traceback for unittest's report."""
    try:
        raise exc
    except BaseException:
        kind, value, tb = sys.exc_info()
        assert kind is not None and value is not None and tb is not None
        return kind, value, tb


def record_error(results: TestResult, testcase: TestCase, exc: BaseException) -> None:
    """One check in ``results`` that ended in the error ``exc`` (with its traceback when it has one)."""
    results.startTest(testcase)
    tb = exc.__traceback__
    results.addError(testcase, (type(exc), exc, tb) if tb is not None else exc_info(exc))
    results.stopTest(testcase)


def _show(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, indent=2, default=str)


def field_diff(expected: dict[str, Any], actual: dict[str, Any]) -> str:
    """One block per differing field, expected then actual; empty when the dicts are equal."""
    lines: list[str] = []
    for key in [*expected, *(k for k in actual if k not in expected)]:
        if key not in actual:
            lines.append(f"{key}: missing (expected {_show(expected[key])})")
        elif key not in expected:
            lines.append(f"{key}: unexpected field = {_show(actual[key])}")
        elif expected[key] != actual[key]:
            lines.append(f"{key}:\n  expected: {_show(expected[key])}\n  actual:   {_show(actual[key])}")
    return "\n".join(lines)


def _callback_name(request: Request) -> str:
    return getattr(request.callback, "__name__", "parse")


def verify(case: PageCase, output: list[Any]) -> None:
    """What a callback returned for ``case`` against its fixture; AssertionError saying what differs."""
    items = [x for x in output if is_item(x) and not isinstance(x, Request)]
    requests = [x for x in output if isinstance(x, Request)]
    where = f"{case.id} ({case.url})"
    if case.kind == "not_article":
        assert not output, f"{where}: expected nothing, got {len(items)} items and {len(requests)} requests"
        return
    expected = case.expected()
    if case.kind == "article":
        assert len(items) == 1 and not requests, f"{where}: expected 1 item, got {len(items)} items and " \
                                                 f"{len(requests)} requests"
        diff = field_diff(expected, article_snapshot(items[0]))
        assert not diff, f"{where}: the item differs from expected.json:\n{diff}"
        return
    assert not items, f"{where}: a {case.kind} page gave {len(items)} items"
    got = [(_callback_name(r), r.url) for r in requests]
    if case.kind == "list":
        want = [("parse_article", entry["url"]) for entry in expected["entries"]]
        if expected.get("next_page_url"):
            want.append(("parse_list", expected["next_page_url"]))
    else:
        want = [("parse_list", str(section["code"])) for section in expected["sections"]]
        got = [(_callback_name(r), str(r.cb_kwargs.get("section"))) for r in requests]
    assert got == want, \
        f"{where}: requests differ from expected.json:\n  expected: {_show(want)}\n  actual:   {_show(got)}"


class FixtureCheck(Contract):
    """One fixture page for one callback: the request to its URL, the comparison after the callback."""

    name = "fixture"

    def __init__(self, method: Callable[..., Any], case: PageCase, label: str) -> None:
        super().__init__(method)
        self.case = case
        self.testcase_post = check_testcase(label)

    def adjust_request_args(self, args: dict[str, Any]) -> dict[str, Any]:
        args["url"] = self.case.url
        args["meta"] = {FIXTURE_META: {"page": str(self.case.page), "headers": self.case.headers}}
        return args

    def post_process(self, output: list[Any]) -> None:
        verify(self.case, output)


class FixtureContractsManager(ContractsManager):
    """Scrapy's contracts manager, plus one request per fixture page for ``@fixtures`` callbacks."""

    def fixture_requests(self, spider: Spider, plan: Iterable[tuple[str, PageCase]],
                         results: TestResult) -> list[Request]:
        """A request per ``(callback name, case)`` of ``plan``; each records one check in ``results``.

        A check whose request never reaches its callback or errback (dropped on the way) is
        recorded as an error when the spider closes, never silently skipped.
        """
        pending: dict[str, TestCase] = {}
        requests: list[Request] = []
        for method_name, case in plan:
            method = getattr(spider, method_name)
            label = f"[{spider.name}] {method_name} fixture {case.id}"
            check = FixtureCheck(method, case, label)
            kwargs = check.adjust_request_args({"url": None, "callback": method, "dont_filter": True})
            request = check.add_post_hook(Request(**kwargs), results)
            pending[label] = check.testcase_post
            requests.append(self._recorded(request, label, check.testcase_post, pending, results))

        def closed(spider: Spider) -> None:
            for label, testcase in list(pending.items()):
                record_error(results, testcase, AssertionError(f"{label}: the request never reached the callback"))
            pending.clear()

        spider.crawler.signals.connect(closed, signal=signals.spider_closed, weak=False)
        return requests

    def _recorded(self, request: Request, label: str, testcase: TestCase, pending: dict[str, TestCase],
                  results: TestResult) -> Request:
        """``request`` whose callback output is discarded and whose errors are recorded (as Scrapy's
        check does for its own requests)."""
        hooked = request.callback
        assert hooked is not None

        def callback(response: Response, **cb_kwargs: Any) -> None:
            pending.pop(label, None)
            try:
                list(hooked(response, **cb_kwargs) or ())
            except Exception as exc:
                record_error(results, testcase, exc)

        def errback(failure: Failure) -> None:
            pending.pop(label, None)
            record_error(results, testcase, failure.value or RuntimeError(failure.getErrorMessage()))

        return request.replace(callback=callback, errback=errback)


class FixtureMiddleware:
    """Downloader middleware of ``scrapy check``: a fixture request is answered from its saved page
    (same URL, the case's headers); any other request is refused, so a check never goes online."""

    def process_request(self, request: Request) -> Response:
        served = request.meta.get(FIXTURE_META)
        if not isinstance(served, dict):
            raise IgnoreRequest(f"scrapy check is offline: {request.url} is not a fixture page")
        return HtmlResponse(url=request.url, body=Path(served["page"]).read_bytes(),
                            headers=served.get("headers") or {}, request=request)
