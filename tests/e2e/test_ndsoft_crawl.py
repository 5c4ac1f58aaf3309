"""End to end: `scrapy crawl ndsoft -a base_url=...` (family spider) against the NDSoft demo outlet.

The outlet (한빛일보) serves CP949 pages labelled euc-kr, one page of UTF-8 bytes under
``<meta charset="euc-kr">`` with no header charset, 2017-skin articles behind legacy URLs,
a deleted article, rejects, a re-post and cross-listed articles; the feeds are compared
with its truth field by field.
"""

from __future__ import annotations

import csv
import json
from pathlib import Path

import jsonschema

from demo import ndsoft
from demo.run import COMPARED_FIELDS, PROJECT_ROOT, compare_with_truth
from tests.e2e.conftest import CrawlResult, Demo, run_crawl

SCHEMA = json.loads((PROJECT_ROOT / "newscrawl/schema/article.schema.json").read_text("utf-8"))


def by_expect(truth: list[dict], expect: str) -> list[dict]:
    return [r for r in truth if r["expect"] == expect]


def test_feeds_match_the_truth(ndsoft_demo: Demo, ndsoft_crawl: CrawlResult) -> None:
    truth = ndsoft_demo.truth()
    assert compare_with_truth(ndsoft_crawl.items, ndsoft_crawl.rejects, truth) == []
    assert len(ndsoft_crawl.items) == len(by_expect(truth, "item"))
    assert "newscrawl summary (finished)" in ndsoft_crawl.summary_line


def test_field_by_field_against_truth(ndsoft_demo: Demo, ndsoft_crawl: CrawlResult) -> None:
    truth = {r["article_id"]: r for r in ndsoft_demo.truth()}
    checked = 0
    for item in ndsoft_crawl.items:
        record = truth[item["article_id"]]
        if record["expect"] != "item":
            continue
        for field in COMPARED_FIELDS:
            assert item[field] == record["item"][field], (item["article_id"], field)
        checked += 1
    assert checked >= 70
    assert {i["site"] for i in ndsoft_crawl.items} == {"hanbitilbo"}  # -a slug=
    assert {i["site_name"] for i in ndsoft_crawl.items} == {"한빛일보"}  # -a name=


def test_mislabelled_page_repaired_counted_and_logged(ndsoft_demo: Demo, ndsoft_crawl: CrawlResult) -> None:
    assert ndsoft_crawl.stat("newscrawl/charset/repaired") == 1
    assert ndsoft_crawl.stat("newscrawl/charset/replacement_chars") == 0
    url = f"{ndsoft_demo.base_url}/news/articleView.html?idxno={ndsoft.IDXNO_MISLABELLED}"
    assert f"[newscrawl.middlewares] INFO: charset repaired (cp949->utf-8): {url}" in ndsoft_crawl.log
    item = next(i for i in ndsoft_crawl.items if i["article_id"] == f"hanbitilbo:{ndsoft.IDXNO_MISLABELLED}")
    assert item["title"] and item["published_at"]


def test_cp949_text_and_no_replacement_characters(ndsoft_crawl: CrawlResult) -> None:
    raw = (ndsoft_crawl.out / "articles.jsonl").read_text("utf-8")
    assert "\ufffd" not in raw and "\\u" not in raw
    item = next(i for i in ndsoft_crawl.items if i["article_id"] == f"hanbitilbo:{ndsoft.IDXNO_CP949}")
    assert "똠양꿍" in item["body"] and any("똠양꿍" in s for s in item["subtitles"])


def test_2017_skin_articles_behind_legacy_urls(ndsoft_demo: Demo, ndsoft_crawl: CrawlResult) -> None:
    legacy = [i for i in ndsoft_crawl.items if "mod=news" in i["url"]]
    assert len(legacy) == ndsoft.LEGACY_COUNT
    for item in legacy:
        assert item["canonical_url"].startswith(f"{ndsoft_demo.base_url}/news/articleView.html?idxno=")
        assert item["published_at_raw"].startswith("승인 ")
        assert item["extractor"]["section"] == "meta"  # no breadcrumb in that skin


def test_deleted_rejects_repost_and_cross_listing(ndsoft_demo: Demo, ndsoft_crawl: CrawlResult) -> None:
    truth = ndsoft_demo.truth()
    assert ndsoft_crawl.stat("newscrawl/pages/not_article") == len(by_expect(truth, "deleted")) == 1
    assert {r["article_id"]: r["reject_reason"] for r in ndsoft_crawl.rejects} == {
        r["article_id"]: r["reject_reason"] for r in by_expect(truth, "reject")}
    assert ndsoft_crawl.stat("newscrawl/dedupe/content_hash") == len(by_expect(truth, "duplicate")) == 1
    cross_listed = [r for r in truth if len(r["mcodes"]) > 1]
    assert cross_listed
    assert ndsoft_crawl.stat("newscrawl/links/duplicate") == sum(len(r["mcodes"]) - 1 for r in cross_listed)
    assert ndsoft_crawl.stat("newscrawl/links/new") == len(truth)
    assert ndsoft_crawl.stat("newscrawl/sections") == 4  # discovered from the home page menu


def test_items_validate_and_csv_has_one_header(ndsoft_crawl: CrawlResult) -> None:
    validator = jsonschema.Draft202012Validator(SCHEMA)
    for item in ndsoft_crawl.items:
        assert [e.message for e in validator.iter_errors(item)] == [], item["article_id"]
    path = ndsoft_crawl.out / "articles.csv"
    assert path.read_text("utf-8").count("url,canonical_url,article_id") == 1
    with path.open(encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert [r["article_id"] for r in rows] == [i["article_id"] for i in ndsoft_crawl.items]


def test_sections_argument_and_max_pages(ndsoft_demo: Demo, tmp_path: Path) -> None:
    result = ndsoft_demo.crawl(tmp_path, "-a", "sections=S1N2", "-a", "max_pages=1")
    assert result.returncode == 0, result.log[-2000:]
    assert result.stat("newscrawl/lists/pages") == 1
    in_section = {r["article_id"] for r in ndsoft_demo.truth() if "S1N2" in r["mcodes"]}
    got = {i["article_id"] for i in result.items}
    assert 0 < len(got) <= 10 and got <= in_section


def test_family_spider_without_base_url_fails_clearly(tmp_path: Path) -> None:
    result = run_crawl(None, tmp_path, spider="ndsoft")
    assert result.returncode != 0
    assert "the 'ndsoft' spider crawls an outlet that is not in the catalog and needs its address" in result.log
    assert not result.items
