"""Markup drift: provenance counted per field and path, and the ``family_share:<field>`` health check.

Items here are real extractions of saved pages (``extractor`` as :class:`ArticlePage` writes it), once as
saved and once with the family's CSS classes renamed, as a redesign of the outlet would.
"""

from __future__ import annotations

import logging
import re
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import attrs
import pytest
from scrapy.http import HtmlResponse

from newscrawl.extensions.health import (
    EXIT_HEALTH,
    EXIT_OK,
    FAILED,
    PASSED,
    SKIPPED,
    Coverage,
    Extraction,
    HealthMonitor,
    Thresholds,
    check_health,
    exit_status,
    failures,
    outlet_family,
)
from newscrawl.extract import NotAnArticle, extract
from newscrawl.families import dada
from newscrawl.items import Article
from newscrawl.pages.article import FAMILY_FIELDS
from tests.helpers import project_crawler, project_settings_with, redesigned_dada, site
from tests.pages.cases import get_case

SITE = "news21tongsin"


def redesigned(response: HtmlResponse) -> HtmlResponse:
    html = redesigned_dada(response.text)
    assert html != response.text
    return response.replace(body=html.encode("utf-8"), encoding="utf-8")


def dada_items(n: int, drifted: int = 0, case: str = "dada/article") -> list[Article]:
    """``n`` extractions of a saved dada page, the last ``drifted`` of them from the redesigned markup."""
    page = get_case(case)
    response = page.response()
    outlet = page.outlet(response.url)
    ok, changed = extract(response, outlet), extract(redesigned(response), outlet)
    return [changed if i >= n - drifted else ok for i in range(n)]


def extraction(items: list[Any], family: str = dada.NAME) -> Extraction:
    ext = Extraction()
    for item in items:
        ext.add(item, lambda: family)
    return ext


def stats(exported: int = 40) -> dict[str, Any]:
    return {"finish_reason": "finished", "item_scraped_count": exported, "downloader/response_count": 60,
            "response_received_count": 60}


def family_checks(ext: Extraction, t: Thresholds | None = None) -> dict[str, Any]:
    checks = check_health(stats(sum(ext.items.values())), Coverage(), "finished", t, ext)
    return {c.name: c for c in checks if c.name.startswith("family_share:")}


def test_a_saved_dada_page_gives_every_field_from_the_family_and_a_redesign_none() -> None:
    item, changed = dada_items(2, drifted=1)
    assert all(item.extractor[f] == dada.NAME for f in FAMILY_FIELDS)
    # The generic path is the safety net: the fields still come, from other paths.
    assert changed.title == item.title and changed.body
    assert dada.NAME not in changed.extractor.values()


def test_a_redesigned_page_is_still_an_article_through_its_metadata() -> None:
    page = get_case("dada/article")
    response = redesigned(page.response())
    assert page.outlet(response.url).family == dada.NAME
    # og:type article: the page says what it is even when the family's marker class is gone ...
    assert extract(response, page.outlet(response.url)).title
    # ... while a page that says nothing (the CMS's deleted-article answer) is still none.
    with pytest.raises(NotAnArticle):
        deleted = get_case("dada/deleted")
        extract(deleted.response(), deleted.outlet(deleted.response().url))


def test_counts_are_per_site_field_and_path_with_none_for_a_field_no_path_gave() -> None:
    ext = Extraction()
    pairs = ext.add({"site": "s", "extractor": {"title": "dada", "body": "maintext", "site_name": "meta:og",
                                                "truncated": "no closing tags"}}, lambda: "dada")
    assert dict(pairs)["title"] == "dada" and dict(pairs)["body"] == "maintext"
    assert dict(pairs)["authors"] == "none" and dict(pairs)["site_name"] == "meta:og"
    assert "truncated" not in dict(pairs)
    # authors no step gave but cleaning took from the body's dateline
    assert dict(ext.add({"site": "t", "authors": ["홍길동"], "extractor": {}}, lambda: "dada"))["authors"] == "clean"
    assert {f for f, _ in pairs} == {*FAMILY_FIELDS, "site_name"}
    ext.add({"site": "s", "extractor": {"title": "meta:og"}}, lambda: pytest.fail("family asked twice"))
    block = ext.as_dict()["s"]
    assert block["family"] == "dada" and block["items"] == 2
    assert block["fields"]["title"] == {"dada": {"count": 1, "share": 0.5}, "meta:og": {"count": 1, "share": 0.5}}
    assert block["fields"]["body"] == {"maintext": {"count": 1, "share": 0.5}, "none": {"count": 1, "share": 0.5}}
    assert ext.family_share("s", "title") == 0.5 and ext.family_share("s", "body") == 0.0


def test_a_healthy_family_outlet_passes_and_a_few_articles_off_the_family_path_are_allowed() -> None:
    checks = family_checks(extraction(dada_items(40, drifted=8)))  # 0.8: at the floor
    assert set(checks) == {"family_share:title", "family_share:published_at", "family_share:body"}
    assert all(c.status == PASSED for c in checks.values())
    assert checks["family_share:title"].value == pytest.approx(0.8)


def test_a_redesign_fails_per_field_naming_the_field_the_outlet_and_the_paths_taken() -> None:
    checks = check_health(stats(), Coverage(), "finished", None, extraction(dada_items(40, drifted=40)))
    failed = failures(checks)
    assert sorted(c.name for c in failed) == ["family_share:body", "family_share:published_at", "family_share:title"]
    assert all(c.site == SITE and c.value == 0.0 and c.limit == 0.8 for c in failed)
    title = next(c for c in failed if c.name == "family_share:title")
    assert title.message == ("title from the dada selectors 0.00 < 0.80 (site news21tongsin, 40 items; other paths: "
                             "meta:og 40): has the news21tongsin markup changed?")
    assert exit_status(checks) == EXIT_HEALTH == 3


def test_one_field_drifting_alone_fails_alone() -> None:
    items = [attrs.evolve(it, extractor={**it.extractor, "body": "maintext"}) if i < 20 else it
             for i, it in enumerate(dada_items(40))]
    failed = failures(check_health(stats(), Coverage(), "finished", None, extraction(items)))
    assert [(c.name, round(c.value, 2)) for c in failed] == [("family_share:body", 0.5)]


def test_generic_outlets_are_not_judged_and_small_crawls_are_skipped() -> None:
    drifted = dada_items(40, drifted=40)
    assert family_checks(extraction(drifted, family="generic")) == {}
    small = family_checks(extraction(drifted[:4]))
    assert small and all(c.status == SKIPPED for c in small.values())
    assert exit_status(check_health(stats(4), Coverage(), "finished", None, extraction(drifted[:4]))) == EXIT_OK


def test_floors_come_from_the_setting_merged_into_the_defaults() -> None:
    assert dict(Thresholds.defaults().min_family_share) == {"title": 0.8, "published_at": 0.8, "body": 0.8}
    t = Thresholds.from_settings(project_settings_with(
        NEWSCRAWL_HEALTH_MIN_FAMILY_SHARE='{"authors": 0.9, "published_at": null}'))
    assert dict(t.min_family_share) == {"title": 0.8, "body": 0.8, "authors": 0.9}
    checks = family_checks(extraction(dada_items(40, drifted=40)), t)
    assert set(checks) == {"family_share:title", "family_share:body", "family_share:authors"}
    assert checks["family_share:authors"].message.startswith("authors from the dada selectors 0.00 < 0.90 "
                                                             "(site news21tongsin, 40 items; other paths: ")
    # the generic path that found them instead (the dateline's reporter, or cleaning's) is named
    assert re.search(r"other paths: (visible|clean) 40\)", checks["family_share:authors"].message)


def test_the_family_is_the_spiders_outlet_else_the_one_the_url_resolves_to() -> None:
    moved = site(base_url="http://127.0.0.1:8721")  # an outlet crawl of a copy at another address
    item = {"site": SITE, "url": "http://127.0.0.1:8721/news/view.php?idx=3"}
    assert outlet_family(item, SimpleNamespace(site=moved)) == "dada"
    assert outlet_family({"site": "x", "url": "https://x.example/news/view.php?idx=3"}, None) == "dada"
    assert outlet_family({"site": "y", "url": "https://y.example/2024/05/a-story"}, None) == "generic"
    assert outlet_family({"site": "z"}, None) == "generic"


def test_health_monitor_counts_the_stats_and_fails_on_drift(caplog: pytest.LogCaptureFixture) -> None:
    crawler = project_crawler()
    monitor = HealthMonitor.from_crawler(crawler)
    crawler.spider = SimpleNamespace(site=site())  # type: ignore[assignment]
    assert crawler.stats is not None
    for key, value in stats().items():
        crawler.stats.set_value(key, value)
    for item in dada_items(40, drifted=30):
        monitor.item_scraped(item)
    assert crawler.stats.get_value("newscrawl/extract/title/dada") == 10
    assert crawler.stats.get_value("newscrawl/extract/title/meta:og") == 30
    assert crawler.stats.get_value("newscrawl/extract/body/maintext") == 30
    assert crawler.stats.get_value("newscrawl/extract/images/none") == 30
    with caplog.at_level(logging.ERROR, logger="newscrawl.extensions.health"):
        monitor.spider_closed("finished")
    messages = [r.getMessage() for r in caplog.records]
    assert any(m.startswith("health check failed: body from the dada selectors 0.25 < 0.80 (site news21tongsin")
               for m in messages)
    assert crawler.stats.get_value("newscrawl/health/failed/family_share:title") == 1
    assert monitor.checks is not None and exit_status(monitor.checks) == EXIT_HEALTH
    assert {c.name for c in monitor.checks if c.status == FAILED} >= {"family_share:title", "family_share:body",
                                                                      "family_share:published_at"}


def test_stored_items_of_a_complete_file_are_not_counted() -> None:
    from newscrawl.items import StoredArticle

    crawler = project_crawler()
    monitor = HealthMonitor.from_crawler(crawler)
    monitor.item_scraped(StoredArticle(url="https://a.example/x", site=SITE, extractor={"title": "dada"}))
    assert crawler.stats is not None and crawler.stats.get_value("newscrawl/extract/title/dada") is None


def test_the_dashboard_shows_a_failed_family_share_check(tmp_path: Path) -> None:
    import json
    from datetime import UTC, datetime

    from newscrawl.dashboard.data import Dashboard, read_runs
    from newscrawl.dashboard.page import render

    checks = check_health(stats(), Coverage(), "finished", None, extraction(dada_items(40, drifted=40)))
    report = {"spider": SITE, "site": SITE, "started_at": "2026-11-20T00:00:00+00:00",
              "finished_at": "2026-11-20T00:01:00+00:00", "duration_seconds": 60.0, "finish_reason": "finished",
              "exit_status": exit_status(checks), "counts": {"exported": 40, "rejected": 0, "rejected_by_reason": {}},
              "health": {"checks": [c.as_dict() for c in checks]}, "versions": {"newscrawl": "0.1.0"}}
    (tmp_path / "run.json").write_text(json.dumps(report), "utf-8")
    runs = read_runs([tmp_path])
    assert runs.runs[0].check_status("family_share:title") == FAILED
    page = render(Dashboard(runs=runs, store=None, state="memory://", notes=(), since=None,
                            generated_at=datetime(2026, 12, 1, tzinfo=UTC), version="9.9.9"))
    assert "family_share:title" in page
    assert "title from the dada selectors 0.00 &lt; 0.80 (site news21tongsin, 40 items" in page
