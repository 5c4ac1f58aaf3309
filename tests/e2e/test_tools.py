"""Scrapy's own tools on the project, as a user runs them: `scrapy parse URL` picks the callback from the
URL and exits non-zero on failure; `scrapy check` runs every spider's callbacks on the saved page
fixtures, offline, and fails when a page no longer gives its expected.json."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
import threading
from collections.abc import Iterator
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from scrapy.spiderloader import SpiderLoader

from demo.run import PROJECT_ROOT
from tests.e2e.conftest import Demo
from tests.e2e.test_state_cli import ENV, FAST
from tests.helpers import project_settings_with
from tests.pages.cases import FIXTURES, load_cases


def scrapy(*args: str, cwd: Path = PROJECT_ROOT) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "scrapy", *args], cwd=cwd, capture_output=True, text=True,
                          timeout=300, env=ENV)


def parse(demo: Demo, url: str, *extra: str, spider: str = "news21tongsin") -> subprocess.CompletedProcess[str]:
    base = ["-a", f"base_url={demo.base_url}"] if spider == "news21tongsin" else []
    return scrapy("parse", "--spider", spider, *base, "--nocolour", *FAST, *extra, url)


def printed_requests(proc: subprocess.CompletedProcess[str]) -> list[str]:
    return re.findall(r"<GET (\S+)>", proc.stdout)


def errors(proc: subprocess.CompletedProcess[str]) -> list[str]:
    return [line for line in proc.stderr.splitlines() if "] ERROR: " in line]


# -- scrapy parse -----------------------------------------------------------------------------------
def test_parse_without_callback_dispatches_by_url(demo: Demo) -> None:
    truth = {r["idx"]: r for r in demo.truth()}
    article = parse(demo, f"{demo.base_url}/news/view.php?idx=1001&mcode=m102ec7b")
    assert article.returncode == 0, article.stderr[-2000:]
    # (Scrapy 2.19's `parse -o` stores 0 items, in any project: the printed item is read instead.)
    assert article.stdout.count("'article_id': 'news21tongsin:1001'") == 1, article.stdout[-2000:]
    assert f"'title': '{truth[1001]['item']['title']}'" in article.stdout

    listing = parse(demo, f"{demo.base_url}/news/list.php?mcode=m102ec7b")
    assert listing.returncode == 0, listing.stderr[-2000:]
    requested = printed_requests(listing)
    assert requested and all("/news/view.php?idx=" in u for u in requested[:-1]), listing.stdout[-2000:]
    assert requested[-1].endswith("page=2") and "mcode=m102ec7b" in requested[-1]  # section and page from the URL

    home = parse(demo, f"{demo.base_url}/")
    assert home.returncode == 0, home.stderr[-2000:]
    assert printed_requests(home) and all("/news/list.php?mcode=" in u for u in printed_requests(home))


def test_parse_with_a_named_callback_still_works(demo: Demo) -> None:
    chosen = parse(demo, f"{demo.base_url}/news/list.php?mcode=m102ec7b", "-c", "parse_list")
    assert chosen.returncode == 0, chosen.stderr[-2000:]
    assert any("/news/view.php?idx=" in u for u in printed_requests(chosen))
    article = parse(demo, f"{demo.base_url}/news/view.php?idx=1003", "-c", "parse_article")
    assert article.returncode == 0 and "'article_id': 'news21tongsin:1003'" in article.stdout, article.stderr[-2000:]


def test_parse_failures_exit_non_zero_with_one_line(demo: Demo) -> None:
    unknown = parse(demo, f"{demo.base_url}/robots.txt")
    assert unknown.returncode == 1
    assert len(errors(unknown)) == 1 and "not an article, section list or home page URL" in errors(unknown)[0]
    raising = parse(demo, f"{demo.base_url}/news/list.php?mcode=m102ec7b", "-c", "parse_list",
                    "--cbkwargs", '{"section": "m102ec7b", "page": "two"}')
    assert raising.returncode == 1
    assert [e for e in errors(raising) if "parse_list raised TypeError" in e], raising.stderr[-2000:]
    missing = parse(demo, f"{demo.base_url}/news/view.php?idx=999999&no=page")
    assert missing.returncode == 1 and "No response downloaded" in missing.stderr
    for proc in (unknown, raising, missing):
        assert "Traceback" not in proc.stderr, proc.stderr[-2000:]


def test_parse_refuses_bad_spiders_arguments_and_urls_before_crawling(demo: Demo) -> None:
    bad_argument = parse(demo, f"{demo.base_url}/", "-a", "max_pages=many")
    assert bad_argument.returncode == 1 and "max_pages='many'" in bad_argument.stderr
    no_spider = parse(demo, f"{demo.base_url}/", spider="nosuch")
    assert no_spider.returncode == 1 and "Unable to find spider: nosuch" in no_spider.stderr
    not_a_url = scrapy("parse", "--spider", "news21tongsin", "idx=1001")
    assert not_a_url.returncode == 2 and "need exactly one URL" in not_a_url.stderr
    for proc in (bad_argument, no_spider, not_a_url):
        assert "Traceback" not in proc.stderr, proc.stderr[-2000:]


def test_parse_family_spider_takes_the_address_from_the_url(demo: Demo) -> None:
    proc = parse(demo, f"{demo.base_url}/news/view.php?idx=1002", spider="dada")
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert "'canonical_url': '" + f"{demo.base_url}/news/view.php?idx=1002'" in proc.stdout


@pytest.fixture(scope="module")
def feed_server(demo: Demo, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """An RSS feed and a sitemap listing demo articles, and a file that is neither."""
    root = tmp_path_factory.mktemp("feeds")
    base = demo.base_url
    (root / "rss.xml").write_text(
        '<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel><title>t</title>'
        f"<item><title>a</title><link>{base}/news/view.php?idx=1001&mcode=m102ec7b</link></item>"
        f"<item><title>b</title><link>{base}/news/view.php?idx=1002</link></item></channel></rss>", "utf-8")
    (root / "sitemap.xml").write_text(
        '<?xml version="1.0" encoding="UTF-8"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
        f"<url><loc>{base}/news/view.php?idx=1004</loc></url></urlset>", "utf-8")
    (root / "data.bin").write_bytes(b"\x00\x01 not a page")

    class Handler(SimpleHTTPRequestHandler):
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, directory=str(root), **kwargs)

        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def test_parse_articles_spider_needs_no_input_and_reads_feeds_sitemaps_and_pages(demo: Demo, feed_server: str) -> None:
    feed = parse(demo, f"{feed_server}/rss.xml", spider="articles")
    assert feed.returncode == 0, feed.stderr[-2000:]
    # The raw & of the feed link is kept: idx=1001&mcode=..., not idx=1001=...
    assert printed_requests(feed) == [f"{demo.base_url}/news/view.php?idx=1001&mcode=m102ec7b",
                                      f"{demo.base_url}/news/view.php?idx=1002"]
    sitemap = parse(demo, f"{feed_server}/sitemap.xml", spider="articles")
    assert sitemap.returncode == 0 and printed_requests(sitemap) == [f"{demo.base_url}/news/view.php?idx=1004"]
    page = parse(demo, f"{demo.base_url}/news/view.php?idx=1005", spider="articles")
    # Not in the catalog at 127.0.0.1: the outlet is named after the host, the dada family by URL pattern.
    assert page.returncode == 0 and re.search(r"'article_id': '[^']+:1005'", page.stdout), page.stderr[-2000:]
    neither = parse(demo, f"{feed_server}/data.bin", spider="articles")
    assert neither.returncode == 1 and len(errors(neither)) == 1 and "not a feed, sitemap" in errors(neither)[0]


# -- scrapy check -----------------------------------------------------------------------------------
def check_counts(proc: subprocess.CompletedProcess[str]) -> dict[str, int]:
    """Checks per spider from `-v` lines ``[spider] callback fixture case ... ok``."""
    counts: dict[str, int] = {}
    for spider in re.findall(r"^\[(\S+)\] \w+ fixture \S+ \.\.\. ok$", proc.stderr, re.MULTILINE):
        counts[spider] = counts.get(spider, 0) + 1
    return counts


def test_check_runs_every_spider_on_the_fixtures_and_passes() -> None:
    spiders = SpiderLoader.from_settings(project_settings_with()).list()
    proc = scrapy("check", "-v")
    assert proc.returncode == 0, proc.stderr[-3000:]
    counts = check_counts(proc)
    assert sorted(counts) == sorted(spiders), counts  # every spider, articles included, has checks
    ran = int(re.search(r"Ran (\d+) contracts", proc.stderr).group(1))  # type: ignore[union-attr]
    assert ran == sum(counts.values()) >= len(load_cases()) and proc.stderr.rstrip().endswith("OK")
    # Every fixture is checked by some spider.
    checked = set(re.findall(r" fixture (\S+) \.\.\. ok$", proc.stderr, re.MULTILINE))
    assert checked == {case.id for case in load_cases()}

    one = scrapy("check", "news21tongsin")
    dada = sum(case.family == "dada" for case in load_cases())  # every 다다미디어 page is news21tongsin's
    assert one.returncode == 0 and f"Ran {dada} contracts" in one.stderr, one.stderr[-2000:]
    listed = scrapy("check", "-l", "news21tongsin")
    assert listed.returncode == 0 and "  * parse_list fixture dada/list" in listed.stdout
    assert "  * parse_article fixture dada/deleted" in listed.stdout


def test_check_fails_when_a_page_no_longer_gives_its_expectation(tmp_path: Path) -> None:
    broken = tmp_path / "fixtures"
    shutil.copytree(FIXTURES, broken)
    article = broken / "dada" / "article" / "expected.json"
    record = json.loads(article.read_text("utf-8"))
    record["title"] = "다른 제목"
    article.write_text(json.dumps(record, ensure_ascii=False), "utf-8")
    listing = broken / "dada" / "list" / "expected.json"
    entries = json.loads(listing.read_text("utf-8"))
    entries["next_page_url"] = None
    listing.write_text(json.dumps(entries, ensure_ascii=False), "utf-8")

    proc = scrapy("check", "news21tongsin", "-s", f"NEWSCRAWL_CHECK_FIXTURES={broken}")
    assert proc.returncode == 1, proc.stderr[-3000:]
    assert "FAIL: [news21tongsin] parse_article fixture dada/article" in proc.stderr
    assert "FAIL: [news21tongsin] parse_list fixture dada/list" in proc.stderr
    assert '  expected: "다른 제목"' in proc.stderr  # the field diff names what moved
    assert "FAILED (failures=2)" in proc.stderr

    missing = scrapy("check", "news21tongsin", "-s", f"NEWSCRAWL_CHECK_FIXTURES={tmp_path / 'none'}")
    assert missing.returncode == 1 and "no fixture folder" in missing.stderr and "Traceback" not in missing.stderr
