"""Cron operations through the real `scrapy crawl`: run reports, health exit status 3, state lock exit status 75."""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

from newscrawl.extensions.health import EXIT_HEALTH
from newscrawl.state.lock import EXIT_LOCKED, StateLock, lock_path
from tests.e2e.conftest import CrawlResult, Demo, run_crawl

#: One section, one list page: ~10 articles, enough for the health checks (NEWSCRAWL_HEALTH_MIN_ITEMS=5).
SMALL = ("-a", "sections=m101sc2a", "-a", "max_pages=1")
ERROR_LINE = re.compile(r"^\S+ \S+ \[[^\]]+\] ERROR: ", re.M)


def reports(result: CrawlResult, site: str = "news21tongsin") -> list[dict]:
    return [json.loads(p.read_text("utf-8")) for p in sorted((result.out / "runs" / site).glob("*.json"))]


def test_healthy_crawl_exits_0_and_writes_a_run_report(full_crawl: CrawlResult) -> None:
    assert full_crawl.returncode == 0
    assert not ERROR_LINE.search(full_crawl.log)
    assert "health checks passed" in full_crawl.log
    [report] = reports(full_crawl)
    assert (report["spider"], report["site"], report["sites"]) == ("news21tongsin", "news21tongsin", ["news21tongsin"])
    assert report["finish_reason"] == "finished" and report["exit_status"] == 0
    assert report["started_at"] < report["finished_at"] and report["duration_seconds"] > 0
    counts = report["counts"]
    assert counts["exported"] == len(full_crawl.items) > 0
    assert counts["rejected"] == len(full_crawl.rejects) == sum(counts["rejected_by_reason"].values())
    assert counts["requests"] >= counts["responses"] == sum(counts["responses_by_status"].values()) > 0
    assert counts["list_pages"] > 0 and counts["article_pages"] > 0 and counts["not_article_pages"] == 1
    assert counts["duplicates"] == 1 and counts["known_before_run"] == 0 and "near_duplicates" in counts
    coverage = report["coverage"]["news21tongsin"]
    assert coverage["items"] == len(full_crawl.items)
    assert set(coverage["fields"]) >= {"title", "published_at", "authors", "body"}
    health = report["health"]
    assert health["enabled"] and health["passed"] and health["failed"] == []
    checks = {c["name"]: c for c in health["checks"]}
    assert {"finish_reason", "http_error_rate", "reject_rate", "coverage:authors"} <= set(checks)
    assert all(c["status"] == "passed" for c in checks.values())
    assert checks["coverage:authors"]["value"] == coverage["fields"]["authors"]
    assert {"newscrawl", "scrapy", "python", "lxml", "trafilatura"} <= set(report["versions"])
    settings = report["settings"]
    assert settings["NEWSCRAWL_STATE_URI"].endswith(f"{full_crawl.out}/state.sqlite")
    assert settings["state_lock"] == f"{full_crawl.out.resolve()}/state.sqlite.lock"
    assert {"NEWSCRAWL_SINCE", "NEWSCRAWL_UNTIL", "NEWSCRAWL_FULL"} <= set(settings)
    assert not (full_crawl.out / "state.sqlite.lock").exists()  # released


def test_failed_health_check_exits_3_with_one_error_line(demo: Demo, tmp_path: Path) -> None:
    result = run_crawl(demo.base_url, tmp_path, *SMALL, "-s", 'NEWSCRAWL_HEALTH_MIN_COVERAGE={"authors": 1.01}')
    assert result.returncode == EXIT_HEALTH == 3, result.log[-3000:]
    errors = ERROR_LINE.findall(result.log)
    assert len(errors) == 1, result.log[-3000:]
    line = next(x for x in result.log.splitlines() if ERROR_LINE.match(x))
    assert re.search(r"health check failed: authors coverage 1\.00 < 1\.01 \(site news21tongsin, \d+ items\)$", line)
    assert result.stat("newscrawl/health/failed/coverage:authors") == 1
    assert result.items  # the feeds are still written
    [report] = reports(result)
    assert report["exit_status"] == 3 and report["health"]["failed"] == ["coverage:authors"]


def test_rerun_exporting_nothing_new_is_healthy(demo: Demo, tmp_path: Path) -> None:
    first = run_crawl(demo.base_url, tmp_path, *SMALL)
    assert first.returncode == 0 and first.items, first.log[-3000:]
    second = run_crawl(demo.base_url, tmp_path, *SMALL)
    assert second.returncode == 0, second.log[-3000:]
    assert second.items == first.items  # -O: the complete file again, from the state
    runs = reports(second)
    assert len(runs) == 2 and runs[1]["counts"]["exported"] == 0 and runs[1]["exit_status"] == 0
    assert runs[1]["counts"]["from_store"] == len(first.items)
    assert not any(c["name"].startswith("coverage:") for c in runs[1]["health"]["checks"])


def test_second_crawl_exits_75_while_the_state_is_locked(demo: Demo, tmp_path: Path) -> None:
    path = lock_path(f"sqlite:///{(tmp_path / 'state.sqlite').resolve()}")
    assert path is not None
    with StateLock(path, command="test holder"):
        result = run_crawl(demo.base_url, tmp_path, *SMALL)
        assert path.exists()
    assert result.returncode == EXIT_LOCKED == 75, result.log[-3000:]
    assert f"another crawl holds the state lock {path}: pid {os.getpid()}" in result.log
    assert "(test holder)" in result.log and "not crawling news21tongsin" in result.log
    assert not (tmp_path / "articles.jsonl").exists() and not (tmp_path / "runs").exists()
    assert "Spider opened" not in result.log
