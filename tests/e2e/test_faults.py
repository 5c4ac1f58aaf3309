"""The fault site (``tests/faultsite``): every article a list linked ends as an item, a reject with a
reason, or a counted stat, and the summary, run report and health check say so.

One real ``scrapy crawl news21tongsin`` against the fault site (module fixture, ~15 s); the tests
then hold its feeds, stats, run report and log to the server's ledger. Why a ledger: a test that
only reads the crawler's own numbers cannot see what it never counted.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from collections import Counter
from dataclasses import dataclass
from typing import Any

import pytest

from demo.run import PROJECT_ROOT, compare_with_truth, crawl_command, read_jsonl
from newscrawl.extensions.summary import LOST_STATS
from tests.faultsite import FAULTS, serve
from tests.faultsite.server import FAULTS_BY_IDX, LOOP_ARTICLES, LOOP_SECTION, FaultServer

SLUG = "news21tongsin"
STAT = re.compile(r"'([a-z_]+(?:/[A-Za-z0-9_:.\-]+)+|[a-z_]+_count)': (\d+)")


@dataclass
class FaultCrawl:
    server: FaultServer
    base_url: str
    returncode: int
    items: list[dict[str, Any]]
    rejects: list[dict[str, Any]]
    stats: dict[str, int]
    report: dict[str, Any]
    log: str

    def exported(self, idx: int) -> list[dict[str, Any]]:
        return [i for i in self.items if i.get("article_id") == f"{SLUG}:{idx}"]

    def rejected(self, idx: int) -> list[dict[str, Any]]:
        return [r for r in self.rejects if r.get("article_id") == f"{SLUG}:{idx}"
                or re.search(rf"[?&]idx=0*{idx}(&|$)", str(r.get("url", "")))]


def _stats(log: str) -> dict[str, int]:
    dump = log[log.rindex("Dumping Scrapy stats"):]
    return {name: int(value) for name, value in STAT.findall(dump)}


@pytest.fixture(scope="module")
def crawl(tmp_path_factory: pytest.TempPathFactory) -> Any:
    out = tmp_path_factory.mktemp("faults")
    with serve() as server:
        cmd = crawl_command(server.base_url, out, extra=[
            "-s", "DOWNLOAD_TIMEOUT=3", "-s", f"NEWSCRAWL_REPORT_URI={out / 'report.json'}",
            "-s", f"LOG_FILE={out / 'crawl.log'}"])
        proc = subprocess.run(cmd, cwd=PROJECT_ROOT, env={**os.environ, "PYTHONPATH": str(PROJECT_ROOT)},
                              capture_output=True, text=True, timeout=240)
        log = (out / "crawl.log").read_text("utf-8")
        yield FaultCrawl(server, server.base_url, proc.returncode, read_jsonl(out / "articles.jsonl"),
                         read_jsonl(out / "rejects.jsonl"), _stats(log),
                         json.loads((out / "report.json").read_text("utf-8")), log)


def _outcome_ok(crawl: FaultCrawl, idx: int, expect: str) -> str | None:
    """None when article ``idx`` ended as ``expect``, else what went wrong."""
    items, rejects = crawl.exported(idx), crawl.rejected(idx)
    what, _, detail = expect.partition(":")
    if what == "item":
        if len(items) != 1:
            return f"{idx}: expected one item, got {len(items)} (rejects: {[r.get('reject_reason') for r in rejects]})"
    elif items:
        return f"{idx}: expected {expect}, but it was exported"
    elif what == "reject":
        if not any(detail in str(r.get("reject_reason", "")) for r in rejects):
            return f"{idx}: expected reject {detail!r}, rejects: {[r.get('reject_reason') for r in rejects]}"
    elif what == "lost":
        if not any(crawl.stats.get(stat, 0) for stat in LOST_STATS[detail]):
            return f"{idx}: expected lost:{detail}, none counted"
    elif what == "stat":
        if not crawl.stats.get(detail):
            return f"{idx}: expected stat {detail}, not counted"
    return None


def _params(fault: Any) -> Any:
    marks = [pytest.mark.xfail(strict=True, reason=fault.pending)] if fault.pending else []
    return pytest.param(fault, id=f"{fault.idx}-{fault.kind}", marks=marks)


@pytest.mark.parametrize("fault", [_params(f) for f in FAULTS])
def test_each_fault_ends_as_expected(crawl: FaultCrawl, fault: Any) -> None:
    assert fault.idx in crawl.server.ledger.linked, "the list never linked it"
    problem = _outcome_ok(crawl, fault.idx, fault.expect)
    assert problem is None, problem


def test_every_linked_article_is_accounted_for(crawl: FaultCrawl) -> None:
    """Each idx a list linked: an item, a reject, or (fault articles) its counted kind; none twice."""
    normal = [i for i in crawl.items if int(i["article_id"].split(":")[1]) < 9000]
    normal_rejects = [r for r in crawl.rejects if int(str(r.get("article_id", ":0")).split(":")[1] or 0) < 9000]
    problems = compare_with_truth(normal, normal_rejects,
                                  list(crawl.server.fault_site.site.truth(crawl.base_url)))
    for idx in sorted(crawl.server.ledger.linked):
        if idx >= 9000:
            expect = FAULTS_BY_IDX[idx].expect if idx in FAULTS_BY_IDX else "item"
            if (problem := _outcome_ok(crawl, idx, expect)) is not None:
                problems.append(problem)
    assert not problems, problems
    ids = Counter(i["article_id"] for i in crawl.items)
    assert not [k for k, n in ids.items() if n > 1]


def test_lost_kinds_counted_exactly(crawl: FaultCrawl) -> None:
    """The normal outlet loses nothing, so each lost kind counts exactly the faults that expect it."""
    wanted = Counter(f.expect.removeprefix("lost:") for f in FAULTS if f.expect.startswith("lost:"))
    got = crawl.report["counts"]["lost"]["by_kind"]
    assert got == {kind: wanted.get(kind, 0) for kind in LOST_STATS}
    assert crawl.report["counts"]["lost"]["total"] == sum(wanted.values())
    assert crawl.stats["newscrawl/pages/too_large/decompressed"] == 1  # the gzip bomb
    assert crawl.stats["newscrawl/pages/too_large/download"] == 2  # with and without Content-Length
    assert crawl.report["counts"]["too_large"] == 3
    http = [f for f in FAULTS if f.expect == "stat:httperror/response_ignored_count"]
    assert crawl.stats["httperror/response_ignored_count"] == len(http) == 2


def test_summary_line_and_numbers_add_up(crawl: FaultCrawl) -> None:
    s = crawl.stats
    line = next(line for line in crawl.log.splitlines() if "newscrawl summary" in line)
    lost = crawl.report["counts"]["lost"]
    assert f"lost={lost['total']} [" in line
    for kind, n in lost["by_kind"].items():
        assert (f"{kind}={n}" in line) == bool(n), kind
    # Every article request the spider made ended in a callback, an HTTP error or as a lost request ...
    requested = s.get("newscrawl/links/new", 0) + s.get("newscrawl/links/changed", 0) + s.get("newscrawl/links/revisit", 0)
    called_back = sum(s.get(f"newscrawl/pages/{k}", 0) for k in
                      ("articles", "not_article", "not_html", "extract_error", "older_than_since", "newer_than_until"))
    assert requested == called_back + lost["total"] + s.get("httperror/response_ignored_count", 0)
    # ... and every article page that became an item was exported, rejected or dropped as a duplicate.
    counts = crawl.report["counts"]
    assert s["newscrawl/pages/articles"] + s.get("newscrawl/pages/extract_error", 0) == \
        counts["exported"] + counts["rejected"] + counts["duplicates"]


def test_lost_rate_fails_the_crawl(crawl: FaultCrawl) -> None:
    """Too many lost requests is unhealthy: exit 3, one ERROR line, the check in the report."""
    assert crawl.returncode == 3
    assert crawl.stats["newscrawl/health/failed/lost_rate"] == 1
    assert re.search(r"ERROR: health check failed: lost rate 0\.\d\d > 0\.10 \(\d+ of \d+ requests lost", crawl.log)
    check = next(c for c in crawl.report["health"]["checks"] if c["name"] == "lost_rate")
    assert check["status"] == "failed" and check["limit"] == 0.1
    assert crawl.report["health"]["thresholds"]["max_lost_rate"] == 0.1


def test_offsite_never_fetched(crawl: FaultCrawl) -> None:
    """Another port of the same host is another site: the twin server was never asked for anything."""
    other = crawl.server.other
    assert other is not None
    assert [e for e in crawl.server.ledger.snapshot() if e.port == other.port] == []
    assert not [i for i in crawl.items if f":{other.port}/" in i["url"] or "localhost" in i["url"]]


def test_ledger_retries_and_bounds(crawl: FaultCrawl) -> None:
    """What the server saw: retries where they help, no endless pagination, no redirect chase to the end."""
    served = crawl.server.ledger.snapshot()
    by_fault = Counter(e.fault for e in served)
    assert by_fault["transient_5xx"] == 3  # two 503s, then the 200
    assert by_fault["permanent_500"] == 3  # RETRY_TIMES = 2
    assert by_fault["redirect_chain"] == 21  # the first request and REDIRECT_MAX_TIMES redirects, no more
    assert by_fault["redirect_self"] == 1 and by_fault["redirect_aba"] == 2
    loop_pages = [e for e in served if e.fault == f"list:{LOOP_SECTION[1]}"]
    assert len(loop_pages) == 4, "the repeating list: page 1, then 3 pages that add nothing (item 5)"
    assert crawl.stats["newscrawl/lists/no_progress"] == 1
    assert {f"{SLUG}:{i}" for i in LOOP_ARTICLES} <= {i["article_id"] for i in crawl.items}


def test_text_faults_read_right(crawl: FaultCrawl) -> None:
    """Charset repair reads the mislabelled page; hardening (item 8) strips control and bidi characters."""
    site = crawl.server.fault_site
    for idx in (9008, 9007, 9011):
        article = site.article(idx)
        assert article is not None
        assert crawl.exported(idx)[0]["title"] == article.clean_title
    title = crawl.exported(9028)[0]["title"]
    assert not re.search("[\x00-\x1f\u202a-\u202e\u2066-\u2069\u200b-\u200f]", title), repr(title)


@pytest.mark.slow
def test_peak_memory_is_bounded() -> None:
    """scripts/bench_memory.py: the fault site (20 MB pages, a 1 GiB gzip bomb, ...) under 300 MB peak RSS."""
    proc = subprocess.run([sys.executable, "scripts/bench_memory.py", "--limit-mb", "300"], cwd=PROJECT_ROOT,
                          env={**os.environ, "PYTHONPATH": str(PROJECT_ROOT)}, capture_output=True, text=True,
                          timeout=240)
    assert proc.returncode == 0, proc.stdout + proc.stderr[-2000:]
    match = re.search(r"peak RSS of the crawl: (\d+) MB", proc.stdout)
    assert match and int(match.group(1)) < 300, proc.stdout


if __name__ == "__main__":  # pragma: no cover
    sys.exit(pytest.main([__file__, "-q"]))
