"""End to end: ``scrapy crawl jscms -a base_url=... -a slug=badailbo -a name=바다일보`` against 바다일보, rendered.

The outlet's lists exist only after its script ran (더보기 pagination in script), some bodies are
written by script, one of those pages is UTF-8 under an euc-kr label: the feeds must still equal
its truth field by field; without rendering the same crawl finds no article. Skipped without Chromium.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from demo.jscms import JscmsDemoSite
from demo.run import compare_with_truth, start_server
from tests.e2e.conftest import CrawlResult, Demo

CHROMIUM = "/usr/lib/chromium/chromium"
SIZE = 80

pytestmark = pytest.mark.skipif(not os.access(CHROMIUM, os.X_OK),
                                reason=f"no Chromium at {CHROMIUM} (apt-get install chromium)")


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
