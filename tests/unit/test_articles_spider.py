"""The `articles` spider's pieces without a crawl: feed and sitemap pages, URL input, dedupe keys,
argument errors, ``max_articles``, and the shared response -> item path."""

from __future__ import annotations

import gzip
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from scrapy.http import HtmlResponse, Response, XmlResponse

from newscrawl.families import resolve
from newscrawl.families.generic import page_key
from newscrawl.pages.feeds import FeedPage, LinkEntry, NotAFeed, NotASitemap, SitemapPage, parse_feed_date
from newscrawl.parsing.dates import KST
from newscrawl.spiders.articles import ArticlesSpider, is_http_url, link_key, read_url_lines
from newscrawl.spiders.base import article_from_response, link_status
from newscrawl.state.shared import close_crawl_store
from newscrawl.state.store import SeenRecord
from tests.helpers import project_crawler

FIXTURES = Path(__file__).parents[1] / "pages" / "fixtures"


def xml(url: str, body: str | bytes) -> XmlResponse:
    return XmlResponse(url=url, body=body.encode("utf-8") if isinstance(body, str) else body)


# -- feeds ----------------------------------------------------------------------------------
RSS = """<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0" xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:atom="http://www.w3.org/2005/Atom"><channel>
<item><link>https://a.example/news/view.php?idx=1</link><pubDate>Tue, 05 Dec 2023 09:42:31 +0900</pubDate></item>
<item><link>/relative/2</link><dc:date>2023-12-05T10:00:00+09:00</dc:date></item>
<item><guid>https://a.example/3</guid></item>
<item><guid isPermaLink="false">https://a.example/not-a-permalink</guid></item>
<item><atom:link rel="alternate" href="https://a.example/4"/><pubDate>garbage</pubDate></item>
</channel></rss>"""


def test_rss_links_and_dates() -> None:
    entries = FeedPage(xml("https://a.example/rss", RSS)).entries()
    assert entries == [
        LinkEntry("https://a.example/news/view.php?idx=1", datetime(2023, 12, 5, 9, 42, 31, tzinfo=KST)),
        LinkEntry("https://a.example/relative/2", datetime(2023, 12, 5, 10, 0, tzinfo=KST)),
        LinkEntry("https://a.example/3", None),
        LinkEntry(None, None),
        LinkEntry("https://a.example/4", None),
    ]


def test_atom_prefers_alternate_link_and_published_and_keeps_updated() -> None:
    atom = """<feed xmlns="http://www.w3.org/2005/Atom"><entry><id>tag:a.example,2023:1</id>
    <link rel="self" href="https://a.example/self"/><link rel="alternate" href="https://a.example/1"/>
    <updated>2023-12-06T00:00:00Z</updated><published>2023-12-05T00:00:00Z</published></entry>
    <entry><id>https://a.example/2</id></entry></feed>"""
    assert FeedPage(xml("https://a.example/atom", atom)).entries() == [
        LinkEntry("https://a.example/1", datetime(2023, 12, 5, tzinfo=UTC), updated=datetime(2023, 12, 6, tzinfo=UTC)),
        LinkEntry("https://a.example/2", None),
    ]
    # `since` reads the publication; an edit shows in the newest listed time.
    assert FeedPage(xml("https://a.example/atom", atom)).entries()[0].changed_at == datetime(2023, 12, 6, tzinfo=UTC)


def test_feed_in_euc_kr_served_as_octet_stream_and_gzipped() -> None:
    body = '<?xml version="1.0" encoding="euc-kr"?><rss><channel><item><title>속보</title>' \
           "<link>https://a.example/1</link></item></channel></rss>"
    response = Response(url="https://a.example/rss.xml.gz", body=gzip.compress(body.encode("euc-kr")))
    page = FeedPage(response)
    assert page.entries() == [LinkEntry("https://a.example/1", None)]
    assert page.sel.xpath("//title/text()").get() == "속보"


@pytest.mark.parametrize("body", ["<html><body>not a feed</body></html>", "", "<urlset/>"])
def test_not_a_feed(body: str) -> None:
    with pytest.raises(NotAFeed):
        FeedPage(HtmlResponse(url="https://a.example/", body=body.encode()))


def test_feed_dates() -> None:
    assert parse_feed_date("Tue, 05 Dec 2023 00:42:31 -0000") == datetime(2023, 12, 5, 0, 42, 31, tzinfo=UTC)
    assert parse_feed_date("Tue, 05 Dec 2023 00:42:31 GMT") == datetime(2023, 12, 5, 0, 42, 31, tzinfo=UTC)
    assert parse_feed_date("2023-12-05") == datetime(2023, 12, 5, tzinfo=KST)
    assert parse_feed_date("yesterday") is None
    assert parse_feed_date(None) is None


# -- sitemaps -------------------------------------------------------------------------------
NEWS_SITEMAP = """<?xml version="1.0" encoding="UTF-8"?>
<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9" xmlns:news="http://www.google.com/schemas/sitemap-news/0.9">
<url><loc>https://a.example/1</loc><lastmod>2023-12-09</lastmod><news:news>
  <news:publication><news:name>A</news:name><news:language>ko</news:language></news:publication>
  <news:publication_date>2023-12-05T09:42:31+09:00</news:publication_date><news:title>t</news:title>
</news:news></url>
<url><loc>https://a.example/2</loc><lastmod>2023-12-06</lastmod></url>
<url><loc> https://a.example/3 </loc></url>
<url><loc>javascript:alert(1)</loc></url>
</urlset>"""


def test_news_sitemap_prefers_publication_date_over_lastmod() -> None:
    page = SitemapPage(xml("https://a.example/sitemap.xml", NEWS_SITEMAP))
    assert not page.is_index
    assert page.entries() == [
        LinkEntry("https://a.example/1", datetime(2023, 12, 5, 9, 42, 31, tzinfo=KST),
                  updated=datetime(2023, 12, 9, tzinfo=KST)),
        LinkEntry("https://a.example/2", datetime(2023, 12, 6, tzinfo=KST)),
        LinkEntry("https://a.example/3", None),
        LinkEntry(None, None),
    ]


def test_gzip_sitemap_index() -> None:
    index = """<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">
    <sitemap><loc>https://a.example/news.xml.gz</loc><lastmod>2023-12-05</lastmod></sitemap></sitemapindex>"""
    page = SitemapPage(Response(url="https://a.example/index.xml.gz", body=gzip.compress(index.encode())))
    assert page.is_index
    assert page.entries() == [LinkEntry("https://a.example/news.xml.gz", datetime(2023, 12, 5, tzinfo=KST))]


@pytest.mark.parametrize("body", [b"<html><body>404</body></html>", b"", b"\x1f\x8b\x08garbage", b"plain text"])
def test_not_a_sitemap(body: bytes) -> None:
    with pytest.raises(NotASitemap):
        SitemapPage(Response(url="https://a.example/sitemap.xml", body=body))


def test_gzip_bomb_is_refused() -> None:
    body = gzip.compress(b"<urlset>" + b" " * 100_000 + b"</urlset>")
    with pytest.raises(NotASitemap):
        SitemapPage(Response(url="https://a.example/s.xml.gz", body=body), max_size=10_000)


# -- URL input and dedupe keys ---------------------------------------------------------------
def test_url_lines_skip_blanks_and_comments() -> None:
    text = "# header\n\nhttps://a.example/1\n   # indented comment\n  https://a.example/2#frag  \nnot a url\n"
    assert list(read_url_lines(text)) == [
        (3, "https://a.example/1"), (5, "https://a.example/2#frag"), (6, "not a url")]


@pytest.mark.parametrize(("url", "ok"), [
    ("https://a.example/x", True), ("http://127.0.0.1:8021/news/view.php?idx=1", True),
    ("ftp://a.example/x", False), ("https:///nohost", False), ("a.example/x", False),
    ("https://a.example/x y", False), ("http://a.example:99999999/", False), ("", False),
])
def test_is_http_url(url: str, ok: bool) -> None:
    assert is_http_url(url) is ok


def test_link_key_collapses_variants_of_one_article() -> None:
    # A catalog outlet: www/http variants, menu codes and tracking collapse to the outlet's canonical URL.
    a = link_key("https://www.news21tongsin.co.kr/news/view.php?idx=278440&mcode=m48qmuj")
    b = link_key("http://news21tongsin.co.kr/news/view.php?mcode=m77kceo&idx=278440&utm_source=x")
    assert a == b
    # A dada site not in the catalog: the article key only.
    assert link_key("http://127.0.0.1:8021/news/view.php?idx=7&mcode=m1") == link_key(
        "http://127.0.0.1:8021/news/view.php?idx=7")
    # Any other site: tracking parameters and fragments dropped, content parameters kept.
    assert link_key("https://x.example/a?id=1&utm_medium=rss#top") == link_key("https://x.example/a?id=1")
    assert link_key("https://x.example/a?id=1") != link_key("https://x.example/a?id=2")


# -- arguments and the crawl plan ------------------------------------------------------------
def make_spider(**kwargs: str) -> ArticlesSpider:
    """The spider as a crawl builds it, its state in memory (an incremental run opens the store)."""
    return ArticlesSpider.from_crawler(project_crawler(ArticlesSpider, NEWSCRAWL_STATE_URI="memory://"), **kwargs)


@pytest.mark.parametrize(("kwargs", "message"), [
    ({}, "(got none)"),
    ({"feed": "https://a.example/rss", "sitemap": "https://a.example/s.xml"}, "(got feed and sitemap)"),
    ({"urls": "/no/such/file.txt"}, "urls='/no/such/file.txt': no such file"),
    ({"feed": "a.example/rss"}, "give http(s) URLs"),
    ({"sitemap": " , "}, "give http(s) URLs"),
    ({"feed": "https://a.example/rss", "since": "soon"}, "since='soon' is not a date"),
    ({"feed": "https://a.example/rss", "max_articles": "many"}, "max_articles='many' is not a whole number"),
])
def test_argument_errors(kwargs: dict[str, str], message: str) -> None:
    with pytest.raises(ValueError, match=message.replace("(", r"\(").replace(")", r"\)")):
        make_spider(**kwargs)


def test_no_allowed_domains_so_listed_urls_are_never_offsite() -> None:
    assert not getattr(make_spider(feed="https://a.example/rss"), "allowed_domains", None)


def test_max_articles_dedupe_and_since_on_listed_dates() -> None:
    spider = make_spider(feed="https://a.example/rss", max_articles="2", since="2023-12-05T12:00:00")
    entries = [
        LinkEntry("https://x.example/1", datetime(2023, 12, 5, 1, tzinfo=KST)),  # same day as since: fetched
        LinkEntry("https://x.example/1?utm_source=rss"),  # duplicate
        LinkEntry("https://x.example/old", datetime(2023, 12, 4, 23, tzinfo=KST)),  # older day: skipped
        LinkEntry(None),
        LinkEntry("https://x.example/2"),
        LinkEntry("https://x.example/3"),  # over max_articles
    ]
    urls = [r.url for r in spider._article_requests(entries, "test")]
    assert urls == ["https://x.example/1", "https://x.example/2"]
    stats = spider.crawler.stats
    assert stats.get_value("newscrawl/links/duplicate") == 1
    assert stats.get_value("newscrawl/links/older_than_since") == 1
    assert stats.get_value("newscrawl/articles/bad_input") == 1
    assert stats.get_value("newscrawl/articles/over_max_articles") == 1
    assert stats.get_value("newscrawl/articles/input_urls") == 5


# -- the shared response -> item path -------------------------------------------------------
def test_article_from_response_counts_what_is_not_an_item() -> None:
    crawler = project_crawler(ArticlesSpider)
    crawler.stats.open_spider()
    stats = crawler.stats
    url = "http://127.0.0.1:8021/news/view.php?idx=1013"
    site = resolve(url)
    assert site.family == "dada"
    assert article_from_response(Response(url=url, body=b"\x89PNG"), site, stats) is None
    deleted = (FIXTURES / "dada" / "deleted" / "page.html").read_bytes()
    assert article_from_response(HtmlResponse(url=url, body=deleted), site, stats) is None
    assert stats.get_value("newscrawl/pages/not_html") == 1
    assert stats.get_value("newscrawl/pages/not_article") == 1

    page = (FIXTURES / "dada" / "article" / "page.html").read_bytes()
    response = HtmlResponse(url=url.replace("1013", "278440"), body=page)
    item = article_from_response(response, site, stats)
    assert item is not None and item.title and item.site == "127.0.0.1"
    assert article_from_response(response, site, stats, since=datetime(2100, 1, 1, tzinfo=KST)) is None
    assert stats.get_value("newscrawl/pages/older_than_since") == 1


# -- incremental polling: the skip decision ---------------------------------------------------
T0 = datetime(2024, 3, 5, 9, 0, tzinfo=KST)


def stored(published: datetime | None = T0, modified: datetime | None = None) -> SeenRecord:
    return SeenRecord(key=1, article_id="a:1", url_hash=None, content_hash=None, cluster_id=1, first_seen=T0,
                      last_seen=T0, published_at=published, modified_at=modified, revision=1)


@pytest.mark.parametrize(("record", "listed", "revisit_after", "expected"), [
    (None, T0, None, "new"),
    (stored(), None, None, "known"),  # a URL file lists no date
    (stored(), T0, None, "known"),
    (stored(), T0 + timedelta(seconds=59), None, "known"),  # lists show minutes: no edit
    (stored(), T0 + timedelta(seconds=60), None, "changed"),
    (stored(), T0 - timedelta(days=1), None, "known"),  # a day-only lastmod is older than the stored time
    (stored(modified=T0 + timedelta(hours=2)), T0 + timedelta(hours=1), None, "known"),  # edit already stored
    (stored(modified=T0 + timedelta(hours=2)), T0 + timedelta(hours=3), None, "changed"),
    (stored(published=None), T0, None, "known"),  # nothing stored to compare with
    (stored(), None, T0 - timedelta(hours=1), "revisit"),
    (stored(), T0, T0 + timedelta(hours=1), "known"),  # published before the revisit window
])
def test_link_status(record: SeenRecord | None, listed: datetime | None, revisit_after: datetime | None,
                     expected: str) -> None:
    assert link_status(record, listed, revisit_after) == expected


DADA = "http://127.0.0.1:8021/news/view.php?idx="


@pytest.fixture
def polling() -> Iterator[ArticlesSpider]:
    """An incremental articles spider whose state knows dada article 7 (published T0) and one generic page."""
    spider = make_spider(feed="https://a.example/rss")
    assert spider.state is not None
    spider.state.record("127.0.0.1:7", url=f"{DADA}7", content_hash="h7", published_at=T0)
    # A generic page: its id hashes the page's canonical URL, which the store also holds.
    spider.state.record("x.example:0123456789abcdef", url="https://x.example/story", content_hash="hx",
                        published_at=T0, modified_at=T0 + timedelta(hours=1))
    yield spider
    close_crawl_store(spider.crawler)


def test_known_entry_keys_links_as_the_dedupe_pipeline_keys_items(polling: ArticlesSpider) -> None:
    spider = polling
    # The family's article id, whatever menu code or host spelling the link has.
    assert spider.known_entry(LinkEntry(f"{DADA}7&mcode=m1", T0)) == "known"
    assert spider.known_entry(LinkEntry(f"{DADA}007")) == "known"
    assert spider.known_entry(LinkEntry(f"{DADA}8", T0)) == "new"
    assert spider.known_entry(LinkEntry(f"{DADA}7", T0 + timedelta(minutes=5))) == "changed"
    # Atom `updated` / a news sitemap's `lastmod` beside the publication date shows the edit.
    assert spider.known_entry(LinkEntry(f"{DADA}7", T0, updated=T0 + timedelta(minutes=5))) == "changed"
    # Generic pages by canonical URL (tracking parameters and fragment dropped).
    assert spider.known_entry(LinkEntry("https://x.example/story?utm_source=rss#top")) == "known"
    assert spider.known_entry(LinkEntry("https://x.example/story", T0 + timedelta(minutes=30))) == "known"
    assert spider.known_entry(LinkEntry("https://x.example/story", T0 + timedelta(hours=2))) == "changed"
    assert spider.known_entry(LinkEntry("https://x.example/other")) == "new"
    # A generic page stored under the id its canonical URL hashes to: scheme and www. variants find it.
    stored_id = f"y.example:{page_key('http://www.y.example/a/1')}"
    spider.state.record(stored_id, url="http://www.y.example/a/1", content_hash="hy", published_at=T0)
    assert spider.stored_record("https://y.example/a/1?utm_medium=rss").article_id == stored_id
    assert spider.known_entry(LinkEntry("https://y.example/a/1")) == "known"
    assert spider.known_entry(LinkEntry("https://y.example/a/2")) == "new"


def test_known_links_are_not_requested_nor_counted_against_max_articles(polling: ArticlesSpider) -> None:
    spider = polling
    spider.args = spider.args.model_copy(update={"max_articles": 2})
    entries = [LinkEntry(f"{DADA}7", T0),  # known: no request, and not one of the 2 allowed
               LinkEntry("https://x.example/story", T0 + timedelta(hours=3)),  # changed: fetched again
               LinkEntry(f"{DADA}7&mcode=m2"), LinkEntry("https://x.example/story"),  # listed again in this run
               LinkEntry(f"{DADA}8"), LinkEntry(f"{DADA}9")]
    assert [r.url for r in spider._article_requests(entries, "test")] == ["https://x.example/story", f"{DADA}8"]
    stats = spider.crawler.stats
    assert stats.get_value("newscrawl/links/known") == 1
    assert stats.get_value("newscrawl/links/changed") == 1
    assert stats.get_value("newscrawl/links/duplicate") == 2
    assert stats.get_value("newscrawl/links/new") == 1
    assert stats.get_value("newscrawl/articles/over_max_articles") == 1


def test_full_ignores_the_state() -> None:
    spider = make_spider(feed="https://a.example/rss", full="true")
    assert spider.full is True and spider.state is None
    assert spider.known_entry(LinkEntry(f"{DADA}7", T0)) == "new"
