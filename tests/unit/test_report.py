"""Run report pieces: where it goes by default, and the counts taken from the final stats."""

from __future__ import annotations

from scrapy.settings import Settings

from newscrawl.config import project_dir
from newscrawl.extensions.report import default_report_uri, report_counts, versions


def test_default_report_goes_to_runs_under_the_output_or_the_users_feed_folder() -> None:
    settings = Settings({"NEWSCRAWL_OUTPUT_DIR": "data/"})
    # A relative output folder is the project's (the folder of scrapy.cfg), not the working directory's.
    assert default_report_uri(settings) == f"{project_dir()}/data/runs/%(site)s/%(time)s.json"
    settings.set("FEEDS", {"-": {"format": "jsonlines"}, "/tmp/x/articles.jsonl": {"format": "jsonlines"}},
                 priority="cmdline")
    assert default_report_uri(settings) == "/tmp/x/runs/%(site)s/%(time)s.json"
    settings.set("FEEDS", {"s3://bucket/a.jsonl": {}, "file:///srv/feeds/a.jsonl": {}}, priority="cmdline")
    assert default_report_uri(settings) == "/srv/feeds/runs/%(site)s/%(time)s.json"
    settings.set("FEEDS", {"articles.jsonl": {}}, priority="cmdline")
    assert default_report_uri(settings) == "./runs/%(site)s/%(time)s.json"


def test_counts_come_from_the_stats() -> None:
    counts = report_counts({
        "downloader/request_count": 12, "downloader/response_count": 11, "downloader/exception_count": 1,
        "downloader/response_status_count/200": 10, "downloader/response_status_count/404": 1,
        "downloader/exception_type_count/twisted.internet.error.TimeoutError": 1,
        "httperror/response_ignored_count": 1, "newscrawl/lists/pages": 2, "newscrawl/pages/articles": 8,
        "newscrawl/pages/not_article": 1, "item_scraped_count": 5, "newscrawl/rejects/total": 2,
        "newscrawl/rejects/body_too_short": 2, "newscrawl/dedupe/content_hash": 1,
        "newscrawl/dedupe/known_before_run": 1, "newscrawl/dedupe/near_duplicate": 1,
    })
    assert counts["responses_by_status"] == {"200": 10, "404": 1}
    assert counts["download_exceptions_by_type"] == {"twisted.internet.error.TimeoutError": 1}
    assert (counts["requests"], counts["list_pages"], counts["article_pages"], counts["not_article_pages"]) == (12, 2, 8, 1)
    assert (counts["exported"], counts["rejected"], counts["duplicates"]) == (5, 2, 1)
    assert counts["rejected_by_reason"] == {"body_too_short": 2}
    assert counts["duplicates_by_kind"]["content_hash"] == 1
    assert (counts["near_duplicates"], counts["known_before_run"]) == (1, 1)


def test_versions_name_the_stack() -> None:
    v = versions()
    assert {"newscrawl", "scrapy", "python", "lxml", "trafilatura"} <= set(v)
    assert v["scrapy"] and v["lxml"] and v["trafilatura"]
