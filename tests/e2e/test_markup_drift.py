"""Markup drift end to end: where each field came from is in the stats and the run report, and a
redesign of the outlet's article template (the same content, other class names) fails the crawl's
health (exit 3) naming the field and the outlet, although every field is still filled by the
generic fallbacks."""

from __future__ import annotations

import json
import re
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from demo.content import MIN_SIZE, DemoSite
from demo.server import DemoHandler, DemoServer
from tests.e2e.conftest import CrawlResult, run_crawl
from tests.helpers import redesigned_dada

SITE = "news21tongsin"


def run_report(result: CrawlResult) -> dict[str, Any]:
    reports = sorted((result.out / "runs" / SITE).glob("*.json"))
    assert len(reports) == 1, reports
    report: dict[str, Any] = json.loads(reports[0].read_text("utf-8"))
    return report


def test_a_crawl_of_the_demo_outlet_counts_the_family_path(full_crawl: CrawlResult) -> None:
    n = len(full_crawl.items)
    assert n > 20
    for field in ("title", "body", "published_at"):
        assert full_crawl.stat(f"newscrawl/extract/{field}/dada") == n, field
    assert all(item["extractor"]["title"] == "dada" for item in full_crawl.items)
    report = run_report(full_crawl)
    block = report["extraction"][SITE]
    assert block["family"] == "dada" and block["items"] == n
    assert block["fields"]["title"] == {"dada": {"count": n, "share": 1.0}}
    assert block["fields"]["body"] == {"dada": {"count": n, "share": 1.0}}
    checks = {c["name"]: c for c in report["health"]["checks"] if c["name"].startswith("family_share:")}
    assert set(checks) == {"family_share:title", "family_share:published_at", "family_share:body"}
    assert all(c["status"] == "passed" and c["value"] == 1.0 and c["site"] == SITE for c in checks.values())
    assert report["health"]["thresholds"]["min_family_share"] == {"title": 0.8, "published_at": 0.8, "body": 0.8}


class RedesignedHandler(DemoHandler):
    """The 뉴스21 통신 demo whose article pages use another template's class names (lists unchanged)."""

    def _html(self, html: str, status: int = 200) -> None:
        if self.path.startswith("/news/view.php"):
            html = redesigned_dada(html)
        super()._html(html, status)


@pytest.fixture
def redesigned_outlet() -> Iterator[str]:
    server = DemoServer(("127.0.0.1", 0), DemoSite(MIN_SIZE))
    server.RequestHandlerClass = RedesignedHandler
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.1}, daemon=True)
    thread.start()
    try:
        yield server.base_url
    finally:
        server.shutdown()
        server.server_close()


def test_a_redesigned_outlet_fails_health_naming_the_field_and_the_outlet(redesigned_outlet: str,
                                                                        tmp_path: Path) -> None:
    result = run_crawl(redesigned_outlet, tmp_path, "-a", "sections=m101sc2a")  # one section: a quick crawl
    assert result.returncode == 3, result.log[-3000:]
    n = len(result.items)
    assert n >= 10  # still articles, through the generic path
    assert all(item["title"] and item["body"] for item in result.items)
    assert result.stat("newscrawl/extract/title/dada") == 0
    assert result.stat("newscrawl/extract/title/meta:og") == n
    assert result.stat("newscrawl/extract/body/maintext") == n
    # The reporters are beside the date and in the body's dateline ([뉴스21 통신=NAME 기자]): the generic
    # dateline rule or cleaning finds them, and the stats say which.
    assert all(item["authors"] for item in result.items)
    authors = {k: v for k, v in re.findall(r"'newscrawl/extract/authors/([^']+)': (\d+)", result.log)}
    assert sum(int(v) for k, v in authors.items() if k != "dada") == n, authors
    assert "dada" not in authors
    for field in ("title", "published_at", "body"):
        assert (f"health check failed: {field} from the dada selectors 0.00 < 0.80 (site {SITE}, {n} items; "
                in result.log), field
    assert f"has the {SITE} markup changed?" in result.log
    report = run_report(result)
    assert report["exit_status"] == 3
    assert {"family_share:title", "family_share:published_at", "family_share:body"} <= set(report["health"]["failed"])
    assert "dada" not in report["extraction"][SITE]["fields"]["title"]
