"""End to end: the real `scrapy crawl articles` with a URL file, RSS/Atom feeds and sitemaps.

The demo server serves the articles; a second small 127.0.0.1 server (started here) serves
the feeds and sitemaps that list them. 127.0.0.1 is not in the catalog, so the demo
articles resolve to the dada family by URL pattern, with ``site`` "127.0.0.1".
"""

from __future__ import annotations

import gzip
import threading
from collections.abc import Iterator
from datetime import datetime
from email.utils import format_datetime
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from demo.run import COMPARED_FIELDS
from tests.e2e.conftest import CrawlResult, Demo, run_crawl

#: Fields that differ by design: the demo host is not the catalog outlet.
OUTLET_FIELDS = ("article_id", "site", "site_name")


class Feeds:
    """The feed/sitemap server: its base URL and the paths it was asked for."""

    def __init__(self, base_url: str, requested: list[str], root: Path) -> None:
        self.base_url = base_url
        self.requested = requested
        self.root = root


def _rss(demo: Demo, published: dict[int, str]) -> str:
    def pub(idx: int) -> str:
        return format_datetime(datetime.fromisoformat(published[idx]))

    return f"""<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0" xmlns:atom="http://www.w3.org/2005/Atom"><channel>
<title>demo</title><link>{demo.base_url}/</link>
<atom:link href="http://ignored.example/rss.xml" rel="self"/>
<item><title>a</title><link>{demo.base_url}/news/view.php?idx=1050&amp;mcode=m103cu4c</link><pubDate>{pub(1050)}</pubDate></item>
<item><title>b</title><link>{demo.base_url}/news/view.php?idx=1051</link><pubDate>{pub(1051)}</pubDate></item>
<item><title>c</title><link> {demo.base_url}/news/view.php?idx=1053 </link></item>
<item><title>guid only</title><guid>{demo.base_url}/news/view.php?idx=1054</guid><pubDate>{pub(1054)}</pubDate></item>
<item><title>no link</title><guid isPermaLink="false">tag-1</guid></item>
</channel></rss>"""


def _atom(demo: Demo, published: dict[int, str]) -> str:
    entries = "".join(
        f'<entry><title>e</title><id>urn:demo:{idx}</id><link rel="alternate" href="{demo.base_url}/news/view.php?idx={idx}"/>'
        f"<published>{published[idx]}</published><updated>{published[idx]}</updated></entry>"
        for idx in (1055, 1056, 1050)  # 1050 is in the RSS feed too
    )
    return f'<?xml version="1.0" encoding="utf-8"?><feed xmlns="http://www.w3.org/2005/Atom"><title>demo</title>{entries}</feed>'


def _urlset(demo: Demo, rows: list[tuple[int, str | None]], news: bool) -> str:
    def row(idx: int, date: str | None) -> str:
        loc = f"<loc>{demo.base_url}/news/view.php?idx={idx}</loc>"
        if date is None:
            return f"<url>{loc}</url>"
        if news:
            return (f"<url>{loc}<news:news><news:publication><news:name>demo</news:name><news:language>ko</news:language>"
                    f"</news:publication><news:publication_date>{date}</news:publication_date>"
                    f"<news:title>t</news:title></news:news></url>")
        return f"<url>{loc}<lastmod>{date}</lastmod></url>"

    return ('<?xml version="1.0" encoding="UTF-8"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9" '
            'xmlns:news="http://www.google.com/schemas/sitemap-news/0.9">'
            + "".join(row(idx, date) for idx, date in rows) + "</urlset>")


def _index(base: str, rows: list[tuple[str, str]]) -> str:
    return ('<?xml version="1.0" encoding="UTF-8"?><sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
            + "".join(f"<sitemap><loc>{base}/{path}</loc><lastmod>{lastmod}</lastmod></sitemap>" for path, lastmod in rows)
            + "</sitemapindex>")


@pytest.fixture(scope="module")
def feeds(demo: Demo, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Feeds]:
    root = tmp_path_factory.mktemp("feeds")
    requested: list[str] = []

    class Handler(SimpleHTTPRequestHandler):
        def log_message(self, format: str, *args: Any) -> None:
            requested.append(self.path)

    server = ThreadingHTTPServer(("127.0.0.1", 0), partial(Handler, directory=str(root)))
    base = f"http://127.0.0.1:{server.server_address[1]}"
    published = {r["idx"]: r["item"]["published_at"] for r in demo.truth() if r["item"].get("published_at")}

    (root / "rss.xml").write_text(_rss(demo, published), "utf-8")
    (root / "atom.xml").write_text(_atom(demo, published), "utf-8")
    # Sitemap index -> a gzip Google News sitemap + a plain sitemap with lastmod (1061 in both).
    (root / "news.xml.gz").write_bytes(gzip.compress(
        _urlset(demo, [(1060, published[1060]), (1061, published[1061]), (1063, published[1063])], news=True).encode()))
    (root / "pages.xml").write_text(
        _urlset(demo, [(1064, published[1064][:10]), (1065, published[1065]), (1061, None)], news=False), "utf-8")
    (root / "sitemap_index.xml").write_text(_index(base, [("news.xml.gz", "2024-03-31"), ("pages.xml", "2024-03-31")]))
    # For `since`: robots.txt -> index -> a recent news sitemap and an old sitemap never to be fetched.
    (root / "robots.txt").write_text(f"User-agent: *\nDisallow: /private/\nSitemap: {base}/since_index.xml\n")
    (root / "since_index.xml").write_text(
        _index(base, [("since_news.xml.gz", "2024-03-31T18:00:00+09:00"), ("old.xml", "2024-03-01")]))
    (root / "since_news.xml.gz").write_bytes(gzip.compress(_urlset(demo, [
        (1075, published[1075]), (1070, published[1070]),
        (1068, published[1068]),  # same day as `since` but earlier: fetched, then dropped on published_at
        (1040, published[1040]),  # listed date older: never fetched
        (1042, None),  # no listed date: fetched, dropped on published_at
    ], news=True).encode()))
    (root / "old.xml").write_text(_urlset(demo, [(1001, published[1001])], news=False))

    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.1}, daemon=True)
    thread.start()
    try:
        yield Feeds(base, requested, root)
    finally:
        server.shutdown()
        server.server_close()


def crawl(out: Path, *args: str) -> CrawlResult:
    return run_crawl(None, out, *args, spider="articles")


def assert_items_match_truth(demo: Demo, result: CrawlResult, expected: set[int]) -> None:
    """Exactly the expected demo articles, once each, every field equal to the demo truth."""
    assert result.returncode == 0, result.log[-3000:]
    truth = {r["idx"]: r for r in demo.truth()}
    got = [int(i["canonical_url"].rsplit("=", 1)[1]) for i in result.items]
    assert sorted(got) == sorted(expected)
    for item in result.items:
        idx = int(item["canonical_url"].rsplit("=", 1)[1])
        record = truth[idx]["item"]
        for field in COMPARED_FIELDS:
            if field not in OUTLET_FIELDS:
                assert item[field] == record[field], (idx, field)
        assert item["site"] == "127.0.0.1"
        assert item["article_id"] == f"127.0.0.1:{idx}"
    assert "newscrawl summary (finished)" in result.summary_line


def test_urls_file(demo: Demo, tmp_path: Path) -> None:
    view = f"{demo.base_url}/news/view.php?idx="
    lines = [
        "# demo articles, one per line",
        f"{view}1003",
        "",
        f"{view}1015&mcode=m102ec7b",
        f"{view}1015&mcode=m101sc2a&utm_source=newsletter",  # same article: duplicate
        f"  {view}1029  ",
        "not a url",  # line 7
        f"{view}1044",
        f"{view}1003",  # duplicate
        "ftp://example.invalid/file",  # line 10
        f"{view}1062",
        f"{view}1078",
        f"{view}99999",  # 404
        f"{view}1013",  # deleted on the site
    ]
    urls = tmp_path / "urls.txt"
    urls.write_text("\n".join(lines) + "\n", "utf-8")
    result = crawl(tmp_path, "-a", f"urls={urls}")
    assert_items_match_truth(demo, result, {1003, 1015, 1029, 1044, 1062, 1078})
    assert result.stat("newscrawl/articles/input_urls") == 10
    assert result.stat("newscrawl/articles/bad_input") == 2
    assert "line 7: 'not a url' is not an http(s) URL" in result.log
    assert "line 10: 'ftp://example.invalid/file' is not an http(s) URL" in result.log
    assert result.stat("newscrawl/links/duplicate") == 2
    assert result.stat("newscrawl/links/new") == 8
    assert result.stat("httperror/response_ignored_status_count/404") == 1
    assert result.stat("newscrawl/pages/not_article") == 1
    assert result.stat("newscrawl/pages/articles") == 6


def test_rss_and_atom_feeds(demo: Demo, feeds: Feeds, tmp_path: Path) -> None:
    sources = ",".join(f"{feeds.base_url}/{name}" for name in ("rss.xml", "atom.xml", "missing.xml"))
    result = crawl(tmp_path, "-a", f"feed={sources}")
    assert_items_match_truth(demo, result, {1050, 1051, 1053, 1054, 1055, 1056})
    assert result.stat("newscrawl/feeds/fetched") == 2
    assert result.stat("newscrawl/feeds/failed") == 1  # missing.xml: logged, the others still crawled
    assert result.stat("newscrawl/feeds/entries") == 8
    assert result.stat("newscrawl/articles/bad_input") == 1  # the entry with neither link nor permalink
    assert result.stat("newscrawl/links/duplicate") == 1


def test_sitemap_index_with_gzip_news_sitemap(demo: Demo, feeds: Feeds, tmp_path: Path) -> None:
    result = crawl(tmp_path, "-a", f"sitemap={feeds.base_url}/sitemap_index.xml")
    assert_items_match_truth(demo, result, {1060, 1061, 1063, 1064, 1065})
    assert result.stat("newscrawl/sitemaps/indexes") == 1
    assert result.stat("newscrawl/sitemaps/fetched") == 3
    assert result.stat("newscrawl/sitemaps/urls") == 6
    assert result.stat("newscrawl/links/duplicate") == 1


def test_since_from_robots_sitemap_dates_and_published_at(demo: Demo, feeds: Feeds, tmp_path: Path) -> None:
    result = crawl(tmp_path, "-a", f"sitemap={feeds.base_url}/robots.txt", "-a", "since=2024-03-30T09:00:00")
    assert_items_match_truth(demo, result, {1070, 1075})
    assert result.stat("newscrawl/sitemaps/from_robots") == 1
    assert result.stat("newscrawl/sitemaps/older_than_since") == 1
    assert "/old.xml" not in feeds.requested
    assert result.stat("newscrawl/links/older_than_since") == 1  # 1040, by its news:publication_date
    assert result.stat("newscrawl/pages/older_than_since") == 2  # 1068 and 1042, by published_at
    assert result.stat("newscrawl/links/new") == 4


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ((), "needs exactly one of -a urls=FILE, -a feed=URL[,URL...] or -a sitemap=URL[,URL...] (got none)"),
        (("-a", "urls=x.txt", "-a", "feed=http://127.0.0.1:9/rss"), "(got urls and feed)"),
    ],
)
def test_missing_or_conflicting_arguments(tmp_path: Path, args: tuple[str, ...], message: str) -> None:
    result = crawl(tmp_path, *args)
    assert result.returncode != 0
    assert message in result.log
    assert not result.items
