"""End to end: ``scrapy crawl jscms -a base_url=... -a slug=badailbo -a name=바다일보`` against 바다일보, rendered.

The outlet's lists exist only after its script ran (더보기 pagination in script), some bodies are
written by script, one of those pages is UTF-8 under an euc-kr label: the feeds must still equal
its truth field by field; without rendering the same crawl finds no article. Skipped without Chromium.
"""

from __future__ import annotations

import json
import os
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from demo.jscms import JscmsDemoSite
from demo.run import compare_with_truth, start_server
from tests.e2e.conftest import CrawlResult, Demo, run_crawl

CHROMIUM = "/usr/lib/chromium/chromium"
SIZE = 80

pytestmark = [pytest.mark.slow,
              pytest.mark.skipif(not os.access(CHROMIUM, os.X_OK), reason=f"no Chromium at {CHROMIUM} (apt-get install chromium)")]


@pytest.fixture(scope="module")
def jscms_demo() -> Iterator[Demo]:
    server, base_url = start_server(SIZE, outlet="jscms")
    try:
        yield Demo(base_url, SIZE, "jscms")
    finally:
        server.terminate()
        server.wait(timeout=10)


@pytest.fixture(scope="module")
def jscms_crawl(jscms_demo: Demo, tmp_path_factory: pytest.TempPathFactory) -> CrawlResult:
    result = jscms_demo.crawl(tmp_path_factory.mktemp("jscms_full"))
    assert result.returncode == 0, result.log[-3000:]
    return result


def test_rendered_crawl_matches_the_truth(jscms_demo: Demo, jscms_crawl: CrawlResult) -> None:
    truth = jscms_demo.truth()
    assert compare_with_truth(jscms_crawl.items, jscms_crawl.rejects, truth) == []
    site = JscmsDemoSite(SIZE)
    exported = {i["article_id"]: i for i in jscms_crawl.items}
    scripted = [r for r in truth if r["needs_render"] and r["expect"] == "item"]
    assert scripted and all(exported[r["article_id"]]["body"] == r["item"]["body"] for r in scripted)
    (mislabelled,) = site.mislabelled_ids()
    record = next(r for r in truth if r["idx"] == mislabelled)
    assert exported[record["article_id"]]["title"] == record["item"]["title"]  # no mojibake
    assert jscms_crawl.stat("newscrawl/render/pages/list") == len(site.sections)
    assert jscms_crawl.stat("newscrawl/render/article_fallback") == len(scripted)
    stats = jscms_demo.stats()
    assert stats["list"] == len(site.sections)  # one list page per section, the rest via the 더보기 button


def test_without_rendering_the_lists_give_nothing(jscms_demo: Demo, tmp_path: Path) -> None:
    result = jscms_demo.crawl(tmp_path, "-a", "render=none")
    assert result.returncode == 0, result.log[-3000:]
    assert result.items == [] and result.stat("newscrawl/lists/empty") == len(JscmsDemoSite(SIZE).sections)


def test_the_run_reports_the_cheaper_path(jscms_crawl: CrawlResult) -> None:
    """바다일보's JSON endpoint lists every article the browser found; its RSS only the newest ten."""
    assert "json gives all" in jscms_crawl.log
    assert jscms_crawl.stat("newscrawl/render/probe/json/matched") == jscms_crawl.stat(
        "newscrawl/render/probe/rendered_links") > 10
    assert 0 < jscms_crawl.stat("newscrawl/render/probe/feed/matched") <= 10
    (report_path,) = (jscms_crawl.out / "runs").rglob("*.json")
    render = json.loads(report_path.read_text("utf-8"))["render"]
    assert render["mode"] == "lists" and render["cheaper_paths"]["cheaper_path"] == "json"
    assert [s["source"] for s in render["cheaper_paths"]["sources"]] == ["html", "feed", "sitemap", "embedded", "json"]


def test_cron_reruns_render_the_first_screen_only(tmp_path: Path) -> None:
    """An unchanged re-run renders each list once without clicking 더보기 and fetches nothing else;
    after the site moves on, the new articles are found (every one on the first screen is new only
    when more than a screen appeared, then that section is rendered again with its clicks)."""
    server, base_url = start_server(SIZE, outlet="jscms")
    try:
        demo = Demo(base_url, SIZE, "jscms")
        out, state = tmp_path / "out", tmp_path / "state.sqlite"

        def crawl() -> CrawlResult:
            return run_crawl(base_url, out, *demo.outlet.spider_args, "-s",
                             f"NEWSCRAWL_STATE_URI=sqlite:///{state}", spider="jscms", incremental=True)

        first = crawl()
        assert first.returncode == 0, first.log[-3000:]
        assert len(first.items) == 76 and first.stat("newscrawl/render/first_screen") == 0
        assert first.stat("newscrawl/render/clicks") > 0
        urllib.request.urlopen(f"{base_url}/__demo/stats?reset=1", timeout=10).read()
        again = crawl()
        assert again.returncode == 0, again.log[-3000:]
        assert again.items == []
        assert again.stat("newscrawl/render/first_screen") == 4
        assert again.stat("newscrawl/render/clicks") == 0 and again.stat("newscrawl/render/first_screen_not_enough") == 0
        assert demo.stats()["view"] == 0  # no article fetched
        with urllib.request.urlopen(f"{base_url}/__demo/advance", timeout=10) as resp:
            changes = json.load(resp)
        third = crawl()
        assert third.returncode == 0, third.log[-3000:]
        got = {i["article_id"] for i in third.items}
        assert set(changes["new"]) <= got and set(changes["edited"]) <= got
    finally:
        server.terminate()
        server.wait(timeout=10)
