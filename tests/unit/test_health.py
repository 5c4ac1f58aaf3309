"""Health checks as a pure function of final stats + coverage counts, and the HealthMonitor extension."""

from __future__ import annotations

import logging
from typing import Any

import pytest

from newscrawl.extensions.health import (
    EXIT_HEALTH,
    EXIT_OK,
    FAILED,
    PASSED,
    SKIPPED,
    Coverage,
    HealthMonitor,
    Thresholds,
    check_health,
    exit_status,
    failures,
)
from tests.helpers import project_crawler, project_settings_with

SITE = "news21tongsin"


def items(n: int, site: str = SITE, **missing_every: int) -> list[dict[str, Any]]:
    """``n`` items; ``field=k`` leaves ``field`` empty on every k-th item (k=1: on all)."""
    out = []
    for i in range(n):
        item: dict[str, Any] = {"site": site, "title": "제목", "published_at": "2024-03-01T09:00:00+09:00",
                                "authors": ["홍길동"], "body": "본문 " * 30}
        for field, k in missing_every.items():
            if i % k == 0:
                item[field] = [] if field == "authors" else ""
        out.append(item)
    return out


def coverage(*batches: list[dict[str, Any]]) -> Coverage:
    cov = Coverage()
    for batch in batches:
        for item in batch:
            cov.add(item)
    return cov


def stats(exported: int = 40, rejected: int = 1, responses: int = 60, ignored: int = 0, exceptions: int = 0,
          reason: str = "finished") -> dict[str, Any]:
    s: dict[str, Any] = {"finish_reason": reason, "item_scraped_count": exported, "downloader/response_count": responses,
                         "response_received_count": responses, "newscrawl/pages/articles": exported + rejected}
    if rejected:
        s["newscrawl/rejects/total"] = rejected
    if ignored:
        s["httperror/response_ignored_count"] = ignored
    if exceptions:
        s["downloader/exception_count"] = exceptions
    return s


def by_name(checks: list) -> dict[str, Any]:
    return {c.name: c for c in checks}


def test_a_healthy_crawl_passes_every_check() -> None:
    checks = check_health(stats(), coverage(items(40)), "finished")
    assert {c.name for c in checks} == {"finish_reason", "http_error_rate", "lost_rate", "not_article_rate",
                                         "reject_rate", "coverage:title",
                                         "coverage:published_at", "coverage:body", "coverage:authors"}
    assert all(c.status == PASSED for c in checks)
    assert failures(checks) == [] and exit_status(checks) == EXIT_OK == 0


def test_authors_coverage_below_its_floor_fails_with_one_clear_message() -> None:
    batch = items(40, authors=1)  # no authors at all ...
    for item in batch[:5]:
        item["authors"] = ["홍길동"]  # ... but on 5 of 40 (0.125)
    failed = failures(check_health(stats(), coverage(batch), "finished"))
    assert [c.name for c in failed] == ["coverage:authors"]
    assert failed[0].message == "authors coverage 0.12 < 0.50 (site news21tongsin, 40 items)"
    assert failed[0].value == pytest.approx(0.125) and failed[0].limit == 0.5 and failed[0].site == SITE
    assert exit_status(failed) == EXIT_HEALTH == 3


def test_finish_reason_other_than_finished_fails() -> None:
    failed = failures(check_health(stats(reason="shutdown"), coverage(items(40)), "shutdown"))
    assert [c.name for c in failed] == ["finish_reason"]
    assert failed[0].message == "finish reason 'shutdown' != 'finished'"


@pytest.mark.parametrize(("ignored", "exceptions", "responses", "status"), [
    (10, 2, 60, PASSED),  # 0.2: at the limit
    (10, 3, 60, FAILED),
    (0, 0, 0, SKIPPED),  # nothing downloaded at all
    (0, 6, 0, FAILED),  # the site is down: exceptions only
])
def test_http_error_rate(ignored: int, exceptions: int, responses: int, status: str) -> None:
    checks = by_name(check_health(stats(responses=responses, ignored=ignored, exceptions=exceptions),
                                  coverage(items(40)), "finished"))
    assert checks["http_error_rate"].status == status
    if status == FAILED:
        assert checks["http_error_rate"].message.startswith("HTTP error rate ")


def test_reject_rate_is_judged_from_the_minimum_number_of_items() -> None:
    assert by_name(check_health(stats(exported=30, rejected=10), coverage(items(30)), "finished"))[
        "reject_rate"].status == FAILED  # 10 / 40 = 0.25
    assert by_name(check_health(stats(exported=32, rejected=8), coverage(items(32)), "finished"))[
        "reject_rate"].status == PASSED  # 0.2
    small = by_name(check_health(stats(exported=1, rejected=2), coverage(items(1)), "finished"))
    assert small["reject_rate"].status == SKIPPED


@pytest.mark.parametrize(("not_article", "articles", "status"), [
    (1, 76, PASSED),  # a deleted article now and then
    (30, 30, PASSED),  # at the limit (0.5)
    (40, 2, FAILED),  # a redesign without article metadata: the pages stopped reading as articles
    (4, 0, SKIPPED),  # fewer pages than NEWSCRAWL_HEALTH_MIN_ITEMS
])
def test_not_article_rate(not_article: int, articles: int, status: str) -> None:
    s = {**stats(exported=articles, rejected=0), "newscrawl/pages/articles": articles,
         "newscrawl/pages/not_article": not_article}
    check = by_name(check_health(s, coverage(items(articles)), "finished"))["not_article_rate"]
    assert check.status == status
    if status == FAILED:
        assert "40 of 42 article pages did not read as articles: has the outlet's markup changed?" in check.message


def test_a_rerun_exporting_nothing_new_is_healthy() -> None:
    checks = check_health(stats(exported=0, rejected=0, responses=90), Coverage(), "finished")
    assert exit_status(checks) == EXIT_OK
    assert not any(c.name.startswith("coverage:") for c in checks)


def test_coverage_is_per_site_and_needs_the_minimum_of_items() -> None:
    cov = coverage(items(20, title=1), items(3, site="tiny", body=1), items(20, site="good"))
    checks = check_health(stats(exported=43), cov, "finished")
    failed = failures(checks)
    assert [(c.name, c.site) for c in failed] == [("coverage:title", SITE)]
    tiny = [c for c in checks if c.site == "tiny"]
    assert tiny and all(c.status == SKIPPED for c in tiny)
    assert cov.as_dict()[SITE] == {"items": 20, "fields": {"title": 0.0, "published_at": 1.0, "authors": 1.0,
                                                          "body": 1.0}}


def test_empty_values_do_not_count_as_present() -> None:
    cov = coverage([{"site": "s", "title": "  ", "authors": [], "body": None, "published_at": "x"}])
    assert cov.shares("s") == {"title": 0.0, "published_at": 1.0, "authors": 0.0, "body": 0.0}


def test_thresholds_from_settings_merge_the_coverage_floors() -> None:
    t = Thresholds.from_settings(project_settings_with(**{"NEWSCRAWL_HEALTH_MIN_COVERAGE": '{"authors": 1.01, "body": null}',
                                           "NEWSCRAWL_HEALTH_MAX_REJECT_RATE": "0.5",
                                           "NEWSCRAWL_HEALTH_MIN_ITEMS": "10"}))
    assert dict(t.min_coverage) == {"title": 0.99, "published_at": 0.99, "authors": 1.01}
    assert t.max_reject_rate == 0.5 and t.min_items == 10 and t.max_http_error_rate == 0.2
    failed = failures(check_health(stats(), coverage(items(40)), "finished", t))
    assert [c.message for c in failed] == ["authors coverage 1.00 < 1.01 (site news21tongsin, 40 items)"]


def test_health_monitor_logs_one_error_per_failed_check_and_counts_it(caplog: pytest.LogCaptureFixture) -> None:
    crawler = project_crawler(**{"NEWSCRAWL_HEALTH_MIN_COVERAGE": {"authors": 0.9}})
    monitor = HealthMonitor.from_crawler(crawler)
    assert crawler.stats is not None
    for key, value in stats(reason="finished").items():
        crawler.stats.set_value(key, value)
    for item in items(40, authors=2):  # half without authors
        monitor.item_scraped(item)
    with caplog.at_level(logging.INFO, logger="newscrawl.extensions.health"):
        monitor.spider_closed("finished")
    errors = [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert [r.getMessage() for r in errors] == [
        "health check failed: authors coverage 0.50 < 0.90 (site news21tongsin, 40 items)"]
    assert crawler.stats.get_value("newscrawl/health/failed/coverage:authors") == 1
    assert crawler.stats.get_value("newscrawl/health/failed_checks") == 1


def test_health_monitor_can_be_disabled() -> None:
    from scrapy.exceptions import NotConfigured

    with pytest.raises(NotConfigured):
        HealthMonitor.from_crawler(project_crawler(**{"NEWSCRAWL_HEALTH_ENABLED": False}))
