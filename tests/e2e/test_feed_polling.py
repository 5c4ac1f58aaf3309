"""End to end: polling the same feed or sitemap with `scrapy crawl articles`, as cron does (issue 10).

An NDSoft demo server serves the articles (``/__demo/stats`` counts the article requests,
``/__demo/advance`` edits one article per epoch: a new body and a newer 수정 time); a small
127.0.0.1 server serves the RSS feeds and sitemaps written here from the demo's truth. Every
run writes its own ``-o`` file (only what that run exported) and shares one state file.
127.0.0.1 is not in the catalog: the articles resolve to the ndsoft family by URL pattern,
``article_id`` "127.0.0.1:<idxno>".
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import urllib.request
from collections.abc import Iterator
from datetime import datetime
from email.utils import format_datetime
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from demo.outlets import OUTLETS
from demo.run import COMPARED_FIELDS, PROJECT_ROOT, start_server
from tests.e2e.conftest import CrawlResult

SIZE = 80
OUTLET = OUTLETS["ndsoft"]
#: The articles the feeds list (two rejects among them: the state remembers those too).
LISTED = range(21045, 21061)
#: Fields that differ by design: the demo host is not the catalog outlet.
OUTLET_FIELDS = ("article_id", "site", "site_name")
FAST = ["-s", "DOWNLOAD_DELAY=0", "-s", "AUTOTHROTTLE_ENABLED=false", "-s", "CONCURRENT_REQUESTS_PER_DOMAIN=8"]


def get_json(url: str) -> dict[str, Any]:
    with urllib.request.urlopen(url, timeout=10) as resp:
        result: dict[str, Any] = json.load(resp)
        return result


def truth(base: str, epoch: int = 0) -> dict[int, dict[str, Any]]:
    return {r["idx"]: r for r in OUTLET.make_site(SIZE, epoch=epoch).truth(base)}


def edited_in(epoch: int) -> int:
    """The listed article the demo edits in ``epoch`` (the test lists it on purpose)."""
    before, after = truth("http://h", epoch - 1), truth("http://h", epoch)
    [idx] = [i for i in LISTED if after[i]["changed_in_epoch"] == epoch and before[i]["expect"] == "item"
             and after[i]["expect"] == "item"]
    return idx


def exported(epoch: int) -> set[int]:
    """The listed articles a first crawl exports: not the rejects; the demo's re-post is, its original is not listed."""
    site = truth("http://h", epoch)
    return {i for i in LISTED if site[i]["expect"] in ("item", "duplicate")}


def view_url(base: str, idx: int) -> str:
    return f"{base}/news/articleView.html?idxno={idx}"


def rfc822(iso: str) -> str:
    return format_datetime(datetime.fromisoformat(iso))


def rss(base: str, epoch: int, raw_ampersand: bool = False) -> str:
    """An RSS feed of :data:`LISTED` whose ``pubDate`` is the last change (수정 time, else publication)."""
    site = truth(base, epoch)
    amp = "&" if raw_ampersand else "&amp;"
    items = []
    for idx in LISTED:
        item = site[idx]["item"]
        when = item.get("modified_at") or item["published_at"]
        items.append(f"<item><title>t{idx}</title><link>{view_url(base, idx)}{amp}sc_section_code=S1N1</link>"
                     f"<pubDate>{rfc822(when)}</pubDate></item>")
    return ('<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel><title>demo</title>'
            + "".join(items) + "</channel></rss>")


def urlset(base: str, epoch: int, ids: list[int], news: bool) -> str:
    """A sitemap of ``ids``: Google News (publication date + lastmod) or plain (lastmod only)."""
    site = truth(base, epoch)
    rows = []
    for idx in ids:
        item = site[idx]["item"]
        lastmod = item.get("modified_at") or item["published_at"]
        news_part = (f"<news:news><news:publication><news:name>demo</news:name><news:language>ko</news:language>"
                     f"</news:publication><news:publication_date>{item['published_at']}</news:publication_date>"
                     f"<news:title>t</news:title></news:news>") if news else ""
        rows.append(f"<url><loc>{view_url(base, idx)}</loc><lastmod>{lastmod}</lastmod>{news_part}</url>")
    return ('<?xml version="1.0" encoding="UTF-8"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9" '
            'xmlns:news="http://www.google.com/schemas/sitemap-news/0.9">' + "".join(rows) + "</urlset>")


class Site:
    """A live NDSoft demo and the feed server in front of it."""

    def __init__(self, base: str, feeds: str, root: Path) -> None:
        self.base = base
        self.feeds = feeds
        self.root = root
        self.epoch = 0

    def write(self, name: str, text: str) -> str:
        (self.root / name).write_text(text, "utf-8")
        return f"{self.feeds}/{name}"

    def advance(self) -> None:
        changes = get_json(f"{self.base}/__demo/advance")
        self.epoch = changes["epoch"]

    def article_requests(self) -> int:
        return get_json(f"{self.base}/__demo/stats").get("view", 0)


@pytest.fixture
def site(tmp_path: Path) -> Iterator[Site]:
    """A fresh demo (tests advance it) and a feed server over ``tmp_path/feeds``."""
    server, base = start_server(SIZE, outlet="ndsoft")
    root = tmp_path / "feeds"
    root.mkdir()

    class Quiet(SimpleHTTPRequestHandler):
        def log_message(self, format: str, *args: Any) -> None:
            pass

    feeds = ThreadingHTTPServer(("127.0.0.1", 0), partial(Quiet, directory=str(root)))
    thread = threading.Thread(target=feeds.serve_forever, kwargs={"poll_interval": 0.1}, daemon=True)
    thread.start()
    try:
        yield Site(base, f"http://127.0.0.1:{feeds.server_address[1]}", root)
    finally:
        feeds.shutdown()
        feeds.server_close()
        server.terminate()
        server.wait(timeout=10)


def poll(site: Site, out: Path, state: Path, *args: str, output: tuple[str, ...] = ()) -> CrawlResult:
    """One `scrapy crawl articles` run: its own -o file (or ``output``), the shared state; the demo's
    counter reset first."""
    get_json(f"{site.base}/__demo/stats?reset=1")
    out.mkdir(parents=True)
    cmd = [sys.executable, "-m", "scrapy", "crawl", "articles", *(output or ("-o", str(out / "articles.jsonl"))),
           "-s", f"NEWSCRAWL_REJECTS_URI={out / 'rejects.jsonl'}", "-s", "NEWSCRAWL_REJECTS_OVERWRITE=true",
           "-s", f"NEWSCRAWL_STATE_URI=sqlite:///{state.resolve()}", *FAST, *args]
    proc = subprocess.run(cmd, cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=300,
                          env={**os.environ, "PYTHONPATH": str(PROJECT_ROOT)})
    result = CrawlResult(out, proc.returncode, proc.stdout + proc.stderr)
    assert result.returncode == 0, result.log[-3000:]
    return result


def by_idx(result: CrawlResult) -> dict[int, dict[str, Any]]:
    items = {int(i["article_id"].rsplit(":", 1)[1]): i for i in result.items}
    assert len(items) == len(result.items), "an article exported twice"
    return items


def assert_truth(site: Site, items: dict[int, dict[str, Any]]) -> None:
    """Every item equals the demo's truth at the site's current epoch (except the outlet fields)."""
    expected = truth(site.base, site.epoch)
    for idx, item in items.items():
        for field in COMPARED_FIELDS:
            if field not in OUTLET_FIELDS:
                assert item[field] == expected[idx]["item"][field], (idx, field)
        assert item["article_id"] == f"127.0.0.1:{idx}"


def test_an_unchanged_feed_polled_again_requests_no_article(site: Site, tmp_path: Path) -> None:
    feed = site.write("rss.xml", rss(site.base, 0))
    state = tmp_path / "state.sqlite"
    first = poll(site, tmp_path / "run1", state, "-a", f"feed={feed}")
    assert set(by_idx(first)) == exported(0)
    assert site.article_requests() == len(LISTED)
    assert first.stat("newscrawl/links/new") == len(LISTED)

    second = poll(site, tmp_path / "run2", state, "-a", f"feed={feed}")
    assert second.items == [] and second.rejects == []
    assert site.article_requests() == 0
    # The rejects are remembered too: nothing listed is fetched again.
    assert second.stat("newscrawl/links/known") == len(LISTED)
    assert second.stat("newscrawl/links/new") == 0
    assert second.stat("downloader/request_count") <= 3  # the feed (and robots.txt of the two servers)
    assert "newscrawl summary (finished)" in second.summary_line


def test_an_updated_feed_entry_is_fetched_again_as_a_revision(site: Site, tmp_path: Path) -> None:
    state = tmp_path / "state.sqlite"
    feed = site.write("rss.xml", rss(site.base, 0))
    first = by_idx(poll(site, tmp_path / "run1", state, "-a", f"feed={feed}"))

    edited = edited_in(1)
    site.advance()
    site.write("rss.xml", rss(site.base, 1))  # the edited entry's pubDate moves to its 수정 time
    second = poll(site, tmp_path / "run2", state, "-a", f"feed={feed}")
    assert site.article_requests() == 1  # the edited article, no other
    assert second.stat("newscrawl/links/changed") == 1
    assert second.stat("newscrawl/links/known") == len(LISTED) - 1
    items = by_idx(second)
    assert set(items) == {edited}
    assert_truth(site, items)
    revision = items[edited]
    assert revision["revision"] == 2
    assert revision["body"] != first[edited]["body"]
    assert revision["previous_content_hash"] == first[edited]["content_hash"][:16]
    assert second.stat("newscrawl/dedupe/revision") == 1


def test_raw_ampersand_links_lose_no_article(site: Site, tmp_path: Path) -> None:
    """`<link>…?idxno=21045&sc_section_code=S1N1</link>` (a bare &, as NDSoft feeds have it) is fetched as is."""
    text = rss(site.base, 0, raw_ampersand=True)
    assert "&sc_section_code=S1N1</link>" in text and "&amp;" not in text
    feed = site.write("rss.xml", text)
    result = poll(site, tmp_path / "run", tmp_path / "state.sqlite", "-a", f"feed={feed}")
    items = by_idx(result)
    assert set(items) == exported(0)
    assert_truth(site, items)
    for idx, item in items.items():
        assert item["url"] == f"{view_url(site.base, idx)}&sc_section_code=S1N1"
    assert {int(r["article_id"].rsplit(":", 1)[1]) for r in result.rejects} == \
        {i for i in LISTED if truth(site.base)[i]["expect"] == "reject"}
    assert result.stat("httperror/response_ignored_count") == 0
    assert result.stat("newscrawl/pages/not_article") == 0
    assert result.stat("newscrawl/links/new") == len(LISTED)


def test_sitemap_lastmod_newer_than_the_stored_article_fetches_it_again(site: Site, tmp_path: Path) -> None:
    """An index of a Google News sitemap (edit shown by lastmod beside an unchanged publication
    date) and a plain sitemap (lastmod only); one demo edit lands in each, one epoch apart."""
    first_edit, second_edit = edited_in(1), edited_in(2)
    news = [i for i in LISTED if i <= 21052]
    plain = [i for i in LISTED if i > 21052]
    assert first_edit in news and second_edit in plain
    state = tmp_path / "state.sqlite"

    def publish() -> str:
        site.write("news.xml", urlset(site.base, site.epoch, news, news=True))
        site.write("pages.xml", urlset(site.base, site.epoch, plain, news=False))
        return site.write("index.xml", '<?xml version="1.0" encoding="UTF-8"?><sitemapindex '
                          'xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
                          f"<sitemap><loc>{site.feeds}/news.xml</loc></sitemap>"
                          f"<sitemap><loc>{site.feeds}/pages.xml</loc></sitemap></sitemapindex>")

    index = publish()
    first = by_idx(poll(site, tmp_path / "run1", state, "-a", f"sitemap={index}"))
    assert set(first) == exported(0)

    for run, edited in ((2, first_edit), (3, second_edit)):
        site.advance()
        publish()
        result = poll(site, tmp_path / f"run{run}", state, "-a", f"sitemap={index}")
        assert site.article_requests() == 1, run
        assert result.stat("newscrawl/links/changed") == 1
        assert result.stat("newscrawl/links/known") == len(LISTED) - 1
        items = by_idx(result)
        assert set(items) == {edited}
        assert_truth(site, items)
        assert items[edited]["revision"] == 2
        assert items[edited]["previous_content_hash"] == first[edited]["content_hash"][:16]


def test_full_fetches_and_exports_everything_again(site: Site, tmp_path: Path) -> None:
    feed = site.write("rss.xml", rss(site.base, 0))
    state = tmp_path / "state.sqlite"
    first = by_idx(poll(site, tmp_path / "run1", state, "-a", f"feed={feed}"))
    again = poll(site, tmp_path / "run2", state, "-a", f"feed={feed}", "-a", "full=true")
    assert site.article_requests() == len(LISTED)
    assert again.stat("newscrawl/links/known") == 0
    items = by_idx(again)
    assert set(items) == set(first) == exported(0)
    assert all(item["revision"] == 1 and item["content_hash"] == first[idx]["content_hash"]
               for idx, item in items.items())
    # ... and the next poll is incremental again.
    poll(site, tmp_path / "run3", state, "-a", f"feed={feed}")
    assert site.article_requests() == 0


def test_O_polled_twice_writes_the_same_complete_file_without_article_requests(site: Site, tmp_path: Path) -> None:
    """`-O` is a complete file for the articles spider too: known entries come from the store, not refetched."""
    feed = site.write("rss.xml", rss(site.base, 0))
    state = tmp_path / "state.sqlite"
    out = tmp_path / "all.jsonl"
    poll(site, tmp_path / "run1", state, "-a", f"feed={feed}", output=("-O", str(out)))
    first = out.read_bytes()
    second = poll(site, tmp_path / "run2", state, "-a", f"feed={feed}", output=("-O", str(out)))
    assert site.article_requests() == 0
    assert out.read_bytes() == first
    ids = [json.loads(line)["article_id"] for line in first.decode("utf-8").splitlines()]
    assert sorted(ids) == sorted(f"127.0.0.1:{i}" for i in exported(0))
    assert second.stat("newscrawl/links/known") == len(LISTED)
    assert second.stat("newscrawl/store/from_store") == len(ids)
