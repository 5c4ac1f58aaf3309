"""End to end: the real `scrapy crawl news21tongsin` against the demo server, feeds vs. the demo's truth."""

from __future__ import annotations

import csv
import json
import subprocess
import sys
from collections import Counter
from pathlib import Path

import jsonschema

from demo.run import COMPARED_FIELDS, PROJECT_ROOT, compare_with_truth
from tests.e2e.conftest import CrawlResult, Demo, run_crawl

SCHEMA = json.loads((PROJECT_ROOT / "newscrawl/schema/article.schema.json").read_text("utf-8"))


def by_expect(truth: list[dict], expect: str) -> list[dict]:
    return [r for r in truth if r["expect"] == expect]


def test_scrapy_list_shows_the_outlet() -> None:
    out = subprocess.run([sys.executable, "-m", "scrapy", "list"], cwd=PROJECT_ROOT, capture_output=True, text=True,
                         check=True)
    assert "news21tongsin" in out.stdout.split()


def test_every_live_article_exactly_once_with_every_field_equal(demo: Demo, full_crawl: CrawlResult) -> None:
    truth = demo.truth()
    assert compare_with_truth(full_crawl.items, full_crawl.rejects, truth) == []
    ids = Counter(i["article_id"] for i in full_crawl.items)
    assert set(ids.values()) == {1}
    expected = {r["article_id"] for r in by_expect(truth, "item")}
    duplicates = by_expect(truth, "duplicate")
    # Every expected article is there (a re-post may stand in for its original: exactly one of the pair).
    for record in duplicates:
        expected.discard(record["duplicate_of"])
    assert expected <= set(ids)
    assert len(full_crawl.items) == len(by_expect(truth, "item"))


def test_field_by_field_against_truth(demo: Demo, full_crawl: CrawlResult) -> None:
    """The same check as compare_with_truth, spelled out so a failure names the field."""
    truth = {r["article_id"]: r for r in demo.truth()}
    checked = 0
    for item in full_crawl.items:
        record = truth[item["article_id"]]
        if record["expect"] != "item":
            continue
        for field in COMPARED_FIELDS:
            assert item[field] == record["item"][field], (item["article_id"], field)
        assert item["published_at"].endswith("+09:00")
        checked += 1
    assert checked >= 60


def test_deleted_article_absent_and_counted(demo: Demo, full_crawl: CrawlResult) -> None:
    deleted = {r["article_id"] for r in by_expect(demo.truth(), "deleted")}
    assert deleted
    assert not deleted & {i["article_id"] for i in full_crawl.items}
    assert full_crawl.stat("newscrawl/pages/not_article") == len(deleted)


def test_rejects_accounted_for(demo: Demo, full_crawl: CrawlResult) -> None:
    expected = {r["article_id"]: r["reject_reason"] for r in by_expect(demo.truth(), "reject")}
    got = {r["article_id"]: r["reject_reason"] for r in full_crawl.rejects}
    assert got == expected
    for record in full_crawl.rejects:
        assert record["url"].startswith(demo.base_url)
        assert record["title"]  # the full item is kept, not just an id
    assert full_crawl.stat("newscrawl/rejects/total") == len(expected)
    for reason in set(expected.values()):
        assert full_crawl.stat(f"newscrawl/rejects/{reason}") == list(expected.values()).count(reason)


def test_menu_code_variants_fetched_once_and_counted(demo: Demo, full_crawl: CrawlResult) -> None:
    truth = demo.truth()
    cross_listed = [r for r in truth if len(r["mcodes"]) > 1]
    assert cross_listed
    assert full_crawl.stat("newscrawl/links/duplicate") == sum(len(r["mcodes"]) - 1 for r in cross_listed)
    # Each article page fetched once: new links == articles on the site.
    assert full_crawl.stat("newscrawl/links/new") == len(truth)


def test_repost_dropped_as_duplicate(demo: Demo, full_crawl: CrawlResult) -> None:
    assert full_crawl.stat("newscrawl/dedupe/content_hash") == len(by_expect(demo.truth(), "duplicate")) >= 1


def test_every_page_accounted_for(demo: Demo, full_crawl: CrawlResult) -> None:
    """Each article page fetched ends as an item, a reject, a dropped duplicate or a counted non-article."""
    pages = full_crawl.stat("newscrawl/links/new")
    ends = (len(full_crawl.items) + len(full_crawl.rejects) + full_crawl.stat("newscrawl/dedupe/content_hash")
            + full_crawl.stat("newscrawl/dedupe/article_id") + full_crawl.stat("newscrawl/pages/not_article"))
    assert pages == ends
    assert "newscrawl summary (finished)" in full_crawl.summary_line


def test_exported_items_validate_against_schema(full_crawl: CrawlResult) -> None:
    validator = jsonschema.Draft202012Validator(SCHEMA)
    for item in full_crawl.items:
        errors = [e.message for e in validator.iter_errors(item)]
        assert errors == [], (item["article_id"], errors)


def test_jsonl_is_utf8_not_escaped(full_crawl: CrawlResult) -> None:
    raw = (full_crawl.out / "articles.jsonl").read_text("utf-8")
    assert "\\u" not in raw
    assert "뉴스21 통신" in raw


def test_csv_is_flat_and_matches_jsonl(full_crawl: CrawlResult) -> None:
    path = full_crawl.out / "articles.csv"
    with path.open(encoding="utf-8", newline="") as fh:
        lines = fh.read()
    assert lines.count("url,canonical_url,article_id") == 1  # one header row
    with path.open(encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert len(rows) == len(full_crawl.items)
    by_id = {i["article_id"]: i for i in full_crawl.items}
    for row in rows:
        item = by_id[row["article_id"]]
        assert row["title"] == item["title"]
        assert row["body"] == item["body"]
        assert row["published_at"] == item["published_at"]
        assert row["authors"] == " | ".join(item["authors"])
        assert json.loads(row["bylines"]) == item["bylines"]
        assert json.loads(row["images"]) == item["images"]


def test_sections_argument_and_max_pages(demo: Demo, tmp_path: Path) -> None:
    truth = demo.truth()
    result = run_crawl(demo.base_url, tmp_path, "-a", "sections=m102ec7b", "-a", "max_pages=1")
    assert result.returncode == 0, result.log[-2000:]
    assert result.stat("newscrawl/lists/pages") == 1
    in_section = {r["article_id"] for r in truth if "m102ec7b" in r["mcodes"]}
    got = {i["article_id"] for i in result.items}
    assert 0 < len(got) <= 10 and got <= in_section


def test_since_limits_pagination_and_export(demo: Demo, tmp_path: Path, full_crawl: CrawlResult) -> None:
    truth = [r for r in demo.truth() if r["expect"] == "item"]
    dates = sorted(r["item"]["published_at"] for r in truth)
    since = dates[len(dates) * 3 // 4][:10]  # about a quarter of the articles are on or after this day
    result = run_crawl(demo.base_url, tmp_path, "-a", f"since={since}")
    assert result.returncode == 0, result.log[-2000:]
    assert result.items
    assert all(i["published_at"][:10] >= since for i in result.items)
    wanted = {r["article_id"] for r in truth if r["item"]["published_at"][:10] >= since}
    got = {i["article_id"] for i in result.items}
    # Reposts aside, everything in the window is there.
    assert len(wanted - got) <= 1
    assert result.stat("newscrawl/lists/pages") < full_crawl.stat("newscrawl/lists/pages")
    assert result.stat("newscrawl/lists/stopped_since") >= 1


def test_bad_argument_gives_clear_error(demo: Demo, tmp_path: Path) -> None:
    result = run_crawl(demo.base_url, tmp_path, "-a", "since=yesterday-ish")
    assert "since='yesterday-ish' is not a date" in result.log
    assert not result.items


def test_until_limits_export_and_skips_newer_links(demo: Demo, tmp_path: Path) -> None:
    truth = [r for r in demo.truth() if r["expect"] == "item"]
    dates = sorted(r["item"]["published_at"] for r in truth)
    until = dates[len(dates) // 2][:10]
    result = run_crawl(demo.base_url, tmp_path, "-a", f"until={until}")
    assert result.returncode == 0, result.log[-2000:]
    assert result.items
    assert all(i["published_at"][:10] <= until for i in result.items)  # a bare date includes that whole day
    wanted = {r["article_id"] for r in truth if r["item"]["published_at"][:10] <= until}
    assert len(wanted - {i["article_id"] for i in result.items}) <= 1  # a re-post may stand in for its original
    assert result.stat("newscrawl/links/newer_than_until") > 0


def test_until_before_since_is_a_clear_error(demo: Demo, tmp_path: Path) -> None:
    result = run_crawl(demo.base_url, tmp_path, "-a", "since=2024-03-20", "-a", "until=2024-03-01")
    assert "is before since=" in result.log
    assert not result.items


def test_a_limited_run_is_completed_by_the_next(demo: Demo, tmp_path: Path) -> None:
    """Stop-at-known applies only to sections once paginated to their end: a max_pages run is finished later."""
    first = run_crawl(demo.base_url, tmp_path, "-a", "max_pages=1", incremental=True)
    assert first.returncode == 0, first.log[-2000:]
    second = run_crawl(demo.base_url, tmp_path, incremental=True)
    assert second.returncode == 0, second.log[-2000:]
    assert second.stat("newscrawl/lists/stopped_known") == 0  # no section was complete yet
    exported = {i["article_id"] for i in first.items} | {i["article_id"] for i in second.items}
    assert not {i["article_id"] for i in first.items} & {i["article_id"] for i in second.items}
    expected = {r["article_id"] for r in demo.truth() if r["expect"] == "item"}
    assert len(expected - exported) <= 1  # a re-post may stand in for its original
    third = run_crawl(demo.base_url, tmp_path, incremental=True)
    assert third.items == []
    assert third.stat("newscrawl/lists/stopped_known") == third.stat("newscrawl/lists/pages") == 4
