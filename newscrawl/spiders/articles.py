"""The ``articles`` spider: any list of article URLs, RSS/Atom feeds or (news) sitemaps.

Outlet spiders walk a known site's sections; this one fetches what the user lists, from
any site. Each article URL is resolved (:func:`newscrawl.families.resolve`) to a catalog
outlet, a known CMS family by URL pattern, or the generic extractor, and ends through
the same :func:`~newscrawl.spiders.base.article_from_response` and pipelines as an
outlet crawl.

Spider arguments (``-a name=value``); exactly one of ``urls``, ``feed``, ``sitemap``:

``urls``          a text file, one article URL per line; blank lines and ``#`` comments
                  are ignored, a malformed line is logged and counted, never fatal
``feed``          RSS or Atom feed URL(s), comma-separated: the entries' article links
``sitemap``       sitemap or sitemap index URL(s), comma-separated, ``.xml.gz`` included;
                  Google News sitemaps (``news:publication_date``) too; a ``/robots.txt``
                  URL is read for its ``Sitemap:`` lines
``since``         YYYY-MM-DD or ISO datetime (Korea time when no offset): links whose
                  feed/sitemap date is older are not fetched, articles published earlier
                  are not exported (``NEWSCRAWL_SINCE``)
``max_articles``  article pages requested at most, 0 = no limit (``NEWSCRAWL_MAX_ARTICLES``);
                  known articles not fetched do not count
``full``          ``true`` ignores the state store: every listed article is fetched and exported
                  again (``NEWSCRAWL_FULL``)

They are declared once, in :class:`newscrawl.spiders.args.ArticlesArgs`, and checked before the
crawl starts: an unknown argument or a bad value stops ``scrapy crawl`` with one line, exit 1.

``allowed_domains`` is left unset on purpose: the user's list is the crawl plan, so no
listed URL may be filtered as offsite.

Polling (cron): articles already in the state store (``NEWSCRAWL_STATE_URI``: exported, or
remembered as rejects or re-posts) are not fetched again, so an unchanged feed costs its own
request (and robots.txt). A link is looked up as the dedupe pipeline keys its item: the ``article_id`` its
outlet's family reads from the URL (menu codes, tracking parameters, ``www``/http variants
collapse), else (generic pages) its canonical URL. It is fetched again when the feed or
sitemap shows a newer time than the stored publication and modification times (more than
59 s later): the newest of RSS ``pubDate``, Atom ``published``/``updated``, sitemap ``lastmod``
and ``news:publication_date``; the dedupe pipeline exports it as a new revision when its body
changed. A URL file lists no times: known URLs are skipped. ``NEWSCRAWL_REVISIT_HOURS`` re-fetches
known articles published that recently, as for outlet spiders. The rule is
:func:`newscrawl.spiders.base.link_status`; :meth:`ArticlesSpider.known_entry` applies it.
With ``-O`` (a complete file) the known articles listed are written from the store at the end
(:mod:`newscrawl.extensions.complete`), so polling twice writes the same file and fetches none.

Stats: ``newscrawl/articles/input_urls`` (article URLs read from the input),
``newscrawl/articles/bad_input`` (lines or entries without a usable http(s) URL),
``newscrawl/articles/over_max_articles``,
``newscrawl/links/{new,known,changed,revisit,backfill,duplicate,older_than_since}`` (``known``: in
the state, not fetched; ``changed``: in the state, listed with a newer time, fetched; ``backfill``:
known, fetched once for a complete file because the store has no item of it),
``newscrawl/feeds/{fetched,entries,invalid,failed}``,
``newscrawl/sitemaps/{fetched,indexes,urls,invalid,failed,from_robots,older_than_since}``,
and ``newscrawl/pages/...`` as for every spider.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Callable, Iterable, Iterator
from datetime import datetime
from pathlib import Path
from typing import Any, Literal, Self
from urllib.parse import urlsplit

import scrapy
from scrapy.crawler import Crawler
from scrapy.http import HtmlResponse, Response
from scrapy.spidermiddlewares.httperror import HttpError
from scrapy.utils.sitemap import sitemap_urls_from_robots
from twisted.python.failure import Failure

from newscrawl.families import family_of, generic, render_plan, resolve
from newscrawl.items import Article
from newscrawl.pages.feeds import FeedPage, LinkEntry, NotAFeed, NotASitemap, SitemapPage
from newscrawl.parsing.urls import article_id, canonical_url
from newscrawl.render.actions import RenderPlan
from newscrawl.spiders.args import ArticlesArgs, TypedArgsSpider, is_http_url
from newscrawl.spiders.base import IncrementalMixin, LinkStatus, RenderingMixin, article_from_response
from newscrawl.state.store import SeenRecord

logger = logging.getLogger(__name__)

__all__ = ["ArticlesSpider", "is_http_url", "link_key", "read_url_lines"]


def link_key(url: str) -> str:
    """Dedupe key of an article URL before it is fetched, so variants of one article (menu codes,
    tracking, www/http/port, percent-encoding, ``idx=01042``) are fetched once: the ``article_id``
    its outlet's family reads from the URL, as the item will carry it; else (generic pages, other
    pages of a family's outlet) its canonical URL."""
    site = resolve(url)
    key = family_of(site).article_key(url)
    return article_id(site.slug, key) if key is not None else canonical_url(url)


def read_url_lines(text: str) -> Iterator[tuple[int, str]]:
    """(line number, stripped line) of every line that is not blank or a ``#`` comment."""
    for number, line in enumerate(text.splitlines(), start=1):
        line = line.strip()
        if line and not line.startswith("#"):
            yield number, line


class ArticlesSpider(IncrementalMixin, RenderingMixin, TypedArgsSpider[ArticlesArgs], scrapy.Spider):
    """Fetches the articles a URL file, feeds or sitemaps list, each with its outlet's extractor."""

    name = "articles"
    args_model = ArticlesArgs
    args: ArticlesArgs

    def __init__(self, *args: Any, arguments: ArticlesArgs, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.args = arguments
        self.requested = 0
        self.seen_keys: set[str] = set()
        self.seen_sources: set[str] = set()
        self._max_size = 0

    @classmethod
    def from_crawler(cls, crawler: Crawler, *args: Any, **kwargs: Any) -> Self:
        # scrapy parse and scrapy check replace start() with their own requests: no input needed then.
        requests_given = cls.start is not OWN_START
        arguments, passthrough = cls.parse_arguments(kwargs, crawler.settings, requests_given)
        spider = super().from_crawler(crawler, *args, arguments=arguments, **passthrough)
        spider._max_size = crawler.settings.getint("DOWNLOAD_MAXSIZE")
        spider.open_state(crawler, full=spider.full)
        spider.setup_rendering(crawler, cls.planned_render(arguments))
        return spider

    @classmethod
    def planned_render(cls, arguments: ArticlesArgs) -> RenderPlan:
        """``-a render=true``: every article page through the browser (each with its family's article actions)."""
        return RenderPlan(mode="articles" if arguments.render else "none")

    def article_request(self, url: str) -> scrapy.Request:
        """An article request; rendered with ``-a render=true``, running the article actions of the
        family its URL resolves to."""
        if not self.render.enabled:
            return scrapy.Request(url, callback=self.parse_article)
        actions = render_plan(resolve(url)).article_actions
        return self.page_request(url, "article", plan=RenderPlan(mode="articles", article_actions=actions),
                                 callback=self.parse_article)

    # The effective arguments, read by the run report.
    @property
    def since(self) -> datetime | None:
        return self.args.since

    @property
    def full(self) -> bool:
        return self.args.full

    @property
    def max_articles(self) -> int:
        return self.args.max_articles

    @property
    def mode(self) -> str:
        return self.args.mode

    @property
    def urls_file(self) -> Path | None:
        return self.args.urls

    @property
    def sources(self) -> tuple[str, ...]:
        return self.args.sources

    # -- crawl plan ---------------------------------------------------------------------
    async def start(self) -> AsyncIterator[Any]:
        logger.info("articles from %s %s; since=%s max_articles=%s %s", self.mode,
                    self.urls_file or ",".join(self.sources), self.since.isoformat() if self.since else "-",
                    self.max_articles or "all",
                    "full (state ignored)" if self.state is None else f"incremental ({len(self.state)} known)")
        if self.urls_file is not None:
            for article in self._article_requests(self._file_entries(self.urls_file), f"urls file {self.urls_file}"):
                yield article
            return
        callback = self.parse_feed if self.mode == "feed" else self.parse_sitemap
        for url in self.sources:
            request = self._source_request(url, callback)
            if request is not None:
                yield request

    def _file_entries(self, path: Path) -> Iterator[LinkEntry]:
        for number, line in read_url_lines(path.read_text(encoding="utf-8-sig", errors="replace")):
            if is_http_url(line):
                yield LinkEntry(url=line)
            else:
                self.crawler.stats.inc_value("newscrawl/articles/bad_input")
                logger.warning("%s line %d: %r is not an http(s) URL; skipped", path, number, line)

    def _source_request(self, url: str, callback: Any) -> scrapy.Request | None:
        """A feed or sitemap request, once per URL (sitemap indexes may list a sitemap twice or loop)."""
        if url in self.seen_sources:
            return None
        self.seen_sources.add(url)
        return scrapy.Request(url, callback=callback, errback=self.source_failed, dont_filter=True)

    def _article_requests(self, entries: Iterable[LinkEntry], source: str) -> Iterator[scrapy.Request]:
        """Requests for the entries' article URLs: valid, not older than ``since``, each once, not
        known to the state unchanged (:meth:`known_entry`), at most ``max_articles`` in all."""
        stats = self.crawler.stats
        cutoff = self.args.list_cutoff
        for entry in entries:
            if entry.url is None or not is_http_url(entry.url):
                stats.inc_value("newscrawl/articles/bad_input")
                logger.warning("%s: entry without an http(s) article link (%r); skipped", source, entry.url)
                continue
            stats.inc_value("newscrawl/articles/input_urls")
            if cutoff and entry.date and entry.date < cutoff:
                stats.inc_value("newscrawl/links/older_than_since")
                continue
            key = link_key(entry.url)
            if key in self.seen_keys:
                stats.inc_value("newscrawl/links/duplicate")
                continue
            self.seen_keys.add(key)
            status = self.known_entry(entry)
            if status in ("known", "backfill"):
                stats.inc_value("newscrawl/links/known")
                if status == "known":
                    continue
            if self.limit_reached():
                stats.inc_value("newscrawl/articles/over_max_articles")
                continue
            self.requested += 1
            stats.inc_value(f"newscrawl/links/{status}")
            yield self.article_request(entry.url)

    def known_entry(self, entry: LinkEntry) -> LinkStatus | Literal["backfill"]:
        """The one decision whether a listed article is fetched: ``known`` ones are not.

        :func:`~newscrawl.spiders.base.link_status` of the entry's stored article
        (:meth:`stored_record`) and its newest listed time (``changed_at``: RSS ``pubDate``,
        Atom ``updated``, sitemap ``lastmod``, ``news:publication_date``; none for a URL file).
        A known article is noted for a complete ``-O`` file (written from the store at the end),
        or is a ``backfill`` (fetched once more) when the store has no item of it. Always ``new``
        with ``full=true`` (no state).
        """
        assert entry.url is not None
        record = self.stored_record(entry.url)
        status = self.link_change(record, entry.changed_at)
        if status == "known" and record is not None and self.keep_known(record.article_id):
            return "backfill"
        return status

    def stored_record(self, url: str) -> SeenRecord | None:
        """The state's record of the article at ``url`` (None: not stored, or ``full=true``), found as
        the dedupe pipeline keys its item: the ``article_id`` its outlet's family reads from the URL;
        for a generic page the id its canonical URL hashes to (:func:`newscrawl.families.generic.page_key`:
        http/https and ``www.`` variants alike), then the stored canonical URL (a page whose own
        canonical link differs from the listed URL)."""
        if self.state is None:
            return None
        site = resolve(url)
        family = family_of(site)
        key = family.article_key(url)
        if key is not None:
            return self.state.get(article_id=article_id(site.slug, key))
        canonical = canonical_url(url)
        if family.name == generic.NAME:  # the id a page whose canonical URL is the link's gets
            record = self.state.get(article_id=article_id(site.slug, generic.page_key(canonical)))
            if record is not None:
                return record
        return self.state.get(url=canonical)

    def limit_reached(self) -> bool:
        return bool(self.max_articles) and self.requested >= self.max_articles

    # -- callbacks ----------------------------------------------------------------------
    def parse(self, response: Response, **kwargs: Any) -> Iterator[Any]:
        """Any URL, by what it is (what ``scrapy parse URL`` calls without ``-c``): robots.txt or a
        sitemap -> :meth:`parse_sitemap`, an RSS/Atom feed -> :meth:`parse_feed`, an article of a known
        family or any HTML page -> :meth:`parse_article`; anything else is one ERROR line."""
        callback = self.callback_for(response)
        if callback is None:
            self.crawler.stats.inc_value("newscrawl/parse/unknown_url")
            logger.error("%s is not a feed, sitemap, robots.txt or HTML page (%s); use -c parse_feed, "
                         "-c parse_sitemap or -c parse_article to choose", response.url,
                         (response.headers.get("Content-Type") or b"no Content-Type").decode("latin-1"))
            return
        yield from callback(response)

    def callback_for(self, response: Response) -> Callable[[Response], Iterable[Any]] | None:
        """The callback for ``response``: by its URL, then by its content; None when none applies."""
        if urlsplit(response.url).path == "/robots.txt":
            return self.parse_sitemap
        if family_of(resolve(response.url)).matches_url(response.url):
            return self.parse_article
        try:
            SitemapPage(response, self._max_size)
            return self.parse_sitemap
        except NotASitemap:
            pass
        try:
            FeedPage(response, self._max_size)
            return self.parse_feed
        except NotAFeed:
            pass
        return self.parse_article if isinstance(response, HtmlResponse) else None

    def parse_feed(self, response: Response) -> Iterator[scrapy.Request]:
        stats = self.crawler.stats
        stats.inc_value("newscrawl/feeds/fetched")
        try:
            entries = FeedPage(response, self._max_size).entries()
        except NotAFeed as exc:
            stats.inc_value("newscrawl/feeds/invalid")
            logger.error("not an RSS or Atom feed: %s", exc)
            return
        stats.inc_value("newscrawl/feeds/entries", len(entries))
        logger.info("feed %s lists %d entries", response.url, len(entries))
        yield from self._article_requests(entries, f"feed {response.url}")

    def parse_sitemap(self, response: Response) -> Iterator[scrapy.Request]:
        stats = self.crawler.stats
        if urlsplit(response.url).path == "/robots.txt":
            found = list(sitemap_urls_from_robots(response.body, base_url=response.url))
            stats.inc_value("newscrawl/sitemaps/from_robots", len(found))
            if not found:
                logger.error("%s has no Sitemap: line", response.url)
            for url in found:
                request = self._source_request(url, self.parse_sitemap)
                if request is not None:
                    yield request
            return
        stats.inc_value("newscrawl/sitemaps/fetched")
        try:
            page = SitemapPage(response, self._max_size)
        except NotASitemap as exc:
            stats.inc_value("newscrawl/sitemaps/invalid")
            logger.error("not a sitemap: %s", exc)
            return
        entries = page.entries()
        if not page.is_index:
            stats.inc_value("newscrawl/sitemaps/urls", len(entries))
            logger.info("sitemap %s lists %d URLs", response.url, len(entries))
            yield from self._article_requests(entries, f"sitemap {response.url}")
            return
        stats.inc_value("newscrawl/sitemaps/indexes")
        cutoff = self.args.list_cutoff
        for entry in entries:
            if entry.url is None:
                stats.inc_value("newscrawl/sitemaps/invalid")
                continue
            if cutoff and entry.date and entry.date < cutoff:
                # A sitemap last modified before `since` lists no article published since.
                stats.inc_value("newscrawl/sitemaps/older_than_since")
                continue
            if self.limit_reached():
                logger.info("max_articles=%d reached: sitemaps left unread", self.max_articles)
                return
            request = self._source_request(entry.url, self.parse_sitemap)
            if request is not None:
                yield request

    def source_failed(self, failure: Failure) -> None:
        """A feed or sitemap that cannot be fetched: logged as an error, the crawl goes on with the others."""
        kind = "feeds" if self.mode == "feed" else "sitemaps"
        self.crawler.stats.inc_value(f"newscrawl/{kind}/failed")
        request = getattr(failure, "request", None)
        error = failure.value
        reason = (f"HTTP {error.response.status}" if isinstance(error, HttpError)
                  else f"{type(error).__name__}: {failure.getErrorMessage()}")
        logger.error("%s %s failed (%s); going on with the others", kind[:-1], request.url if request else "?", reason)

    def parse_article(self, response: Response) -> Iterator[Article]:
        """One article page, with the extractor of the outlet its URL resolves to.

        @fixtures article not_article
        """
        # Resolved on the final URL: a feed's tracking redirect lands on the outlet whose extractor applies.
        item = article_from_response(response, resolve(response.url), self.crawler.stats, self.since)
        if item is not None:
            yield item


#: The spider's own start(): ``scrapy parse`` and ``scrapy check`` replace it on the class.
OWN_START = ArticlesSpider.start
