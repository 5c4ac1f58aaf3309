"""NewsSpider: sections -> paginated lists -> article pages, for any site family.

The spider decides *what to fetch* and contains no field selectors: list and article
pages come from the outlet's family (``newscrawl.families``).

Spider arguments (``-a name=value``) override the matching settings:

``base_url``   crawl a copy of the outlet at another address (e.g. the local demo)
``sections``   comma-separated section codes; default: the catalog's, else the home page menu
``max_pages``  list pages per section at most (``NEWSCRAWL_MAX_PAGES``, 0 = no limit)
``since``      YYYY-MM-DD or ISO datetime (Korea time when no offset): stop paginating at
               older lists and skip older articles (``NEWSCRAWL_SINCE``)
``until``      the same form (a bare date means the end of that day): skip newer list entries
               and don't export newer articles (``NEWSCRAWL_UNTIL``)
``full``       ``true`` ignores the state store: every list page and article is fetched and
               exported again (a backfill or a full snapshot)

They are declared once, in :class:`newscrawl.spiders.args.OutletArgs`, and checked before the
crawl starts: an unknown argument or a bad value stops ``scrapy crawl`` with one line, exit 1.

Incremental runs (cron): articles already in the state store (``NEWSCRAWL_STATE_URI``) are not
fetched again unless their list entry shows a newer time than the stored one (an edit), or they
were published within ``NEWSCRAWL_REVISIT_HOURS`` (default 0: off; for CMSes whose lists show no
edit time, at the cost of those requests); and a
section's pagination ends at the first list page that shows an already-known article (lists are
newest first, so later pages hold only known ones). That stop applies only to sections an earlier
run paginated to their end (recorded in the state when a crawl finishes cleanly): after a killed or
``max_pages``-limited run the next one goes on paginating, skipping known articles, until it
reaches the end. On an unchanged site a re-run costs one list request per section.

A section also stops after ``NEWSCRAWL_MAX_UNPRODUCTIVE_PAGES`` (default 3) list pages in a row that
list no article its earlier pages did not (a list that repeats itself and always links page+1):
``newscrawl/lists/no_progress``, one WARNING per section.

Stats: ``newscrawl/sections``, ``newscrawl/lists/...`` (``stopped_known``, ``stopped_since``,
``no_progress``, ``truncated``, ...),
``newscrawl/links/...`` (``new``, ``known``, ``changed``, ``duplicate``, ``older_than_since``,
``newer_than_until``), ``newscrawl/pages/...``.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Callable, Iterable, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any, Literal, Self

import attrs
import scrapy
from scrapy import signals
from scrapy.crawler import Crawler
from scrapy.http import Response, TextResponse
from scrapy.statscollectors import StatsCollector

from newscrawl.catalog import Outlet
from newscrawl.extract import NotAnArticle, extract
from newscrawl.families import family_of, render_plan
from newscrawl.items import Article
from newscrawl.output.feeds import complete_file
from newscrawl.pages.section import ListEntry, SectionPage
from newscrawl.parsing.text import title_parts
from newscrawl.parsing.truncation import truncation_reason
from newscrawl.parsing.urls import article_id
from newscrawl.render.actions import Action, RenderPlan
from newscrawl.render.probe import CheaperPaths
from newscrawl.render.setup import INFO_META, PLAIN_META, enable_rendering, render_meta
from newscrawl.spiders.args import OutletArgs, TypedArgsSpider
from newscrawl.state.shared import crawl_store
from newscrawl.state.store import SeenRecord, SeenStore, needs_backfill

logger = logging.getLogger(__name__)

#: What the state store says about a listed article link; see :func:`link_status`.
LinkStatus = Literal["new", "known", "changed", "revisit"]
#: Request meta of a rendered first list page without its load-more actions (see ``first_list_request``).
FIRST_SCREEN_META = "newscrawl_render_first_screen"
#: Lists and feeds often show times to the minute: a listed time at most this much after the stored one is no edit.
LISTED_TIME_SLACK = timedelta(seconds=59)


def meta_of(response: Response) -> dict[str, Any]:
    """The meta of the request behind ``response``; empty for a response built without one (tests, fixtures)."""
    return response.request.meta if response.request is not None else {}


def link_status(record: SeenRecord | None, listed: datetime | None,
                revisit_after: datetime | None = None) -> LinkStatus:
    """Whether a listed article needs a fetch, from its stored ``record`` (None: not in the state)
    and the time its list, feed or sitemap shows (``listed``, None when it shows none).

    ``new``: not stored. ``revisit``: stored and published at or after ``revisit_after``
    (``NEWSCRAWL_REVISIT_HOURS``: fetched again to catch edits no list shows). ``changed``:
    stored, and the listed time is more than :data:`LISTED_TIME_SLACK` after the stored
    publication and modification times (an edit). ``known``: stored, nothing says it changed
    (also when the list or the stored article has no time): no fetch.
    """
    if record is None:
        return "new"
    if revisit_after and record.published_at and record.published_at >= revisit_after:
        return "revisit"
    stored = [t for t in (record.published_at, record.modified_at) if t is not None]
    if listed and stored and listed > max(stored) + LISTED_TIME_SLACK:
        return "changed"
    return "known"


class IncrementalMixin:
    """The state store as a spider reads it to skip known articles (every spider but a ``full=true`` one).

    :meth:`open_state` (from ``from_crawler``) opens the crawl's shared store (unless ``full``)
    and reads ``NEWSCRAWL_REVISIT_HOURS``; :meth:`link_change` is :func:`link_status` with it;
    :meth:`keep_known` notes a known article for a complete ``-O`` file.
    """

    #: The crawl's store (:func:`newscrawl.state.shared.crawl_store`); None with ``full=true`` or after close.
    state: SeenStore | None = None
    #: Articles published at or after this are fetched again though known (``NEWSCRAWL_REVISIT_HOURS``).
    revisit_after: datetime | None = None
    #: Writing a complete -O file (:func:`newscrawl.output.feeds.complete_file`): the known articles the
    #: lists, feeds or sitemaps show are collected in ``known_in_scope``, written from the store at the end
    #: (:mod:`newscrawl.extensions.complete`).
    complete: bool = False
    known_in_scope: set[str]

    def open_state(self, crawler: Crawler, *, full: bool) -> None:
        self.known_in_scope = set()
        hours = crawler.settings.getfloat("NEWSCRAWL_REVISIT_HOURS")
        if hours > 0:
            self.revisit_after = datetime.now(UTC) - timedelta(hours=hours)
        if not full:
            # A read view of the state the dedupe pipeline writes: which articles need no fetch.
            self.state = crawl_store(crawler)
            crawler.signals.connect(self.close_state, signal=signals.spider_closed)
            self.complete = complete_file(crawler.settings)

    def keep_known(self, ident: str) -> bool:
        """A known article not fetched again, by its stored id: for a complete ``-O`` file, noted in
        ``known_in_scope``; True (fetch it once more) when it was exported before the store kept items
        (a schema-1 state: the dedupe pipeline then stores it, ``newscrawl/store/backfilled``)."""
        if not self.complete or self.state is None:
            return False
        if needs_backfill(self.state, ident):
            return True
        self.known_in_scope.add(ident)
        return False

    def close_state(self, spider: Any = None, reason: str = "finished") -> None:
        self.state = None  # the crawl's shared store closes itself when the engine stops

    def link_change(self, record: SeenRecord | None, listed: datetime | None) -> LinkStatus:
        return link_status(record, listed, self.revisit_after)


class RenderingMixin:
    """Which of a spider's requests go through the browser (``newscrawl.render``).

    :meth:`setup_rendering` (from ``from_crawler``) installs the rendering download handler only
    when the plan renders something; :meth:`page_request` builds a list or article request,
    rendered when the plan says so; :meth:`render_fallback` is the second chance of an article
    page whose content is written by script (``NEWSCRAWL_RENDER_FALLBACK``).
    """

    #: What this crawl renders; ``RenderPlan()`` (nothing) unless the outlet or ``-a render`` says so.
    render: RenderPlan = RenderPlan()
    #: Hosts the browser may fetch from besides the page's own (the outlet's domains).
    render_hosts: tuple[str, ...] = ()
    render_fallback_enabled: bool = False
    #: The cheaper-path check of a crawl that renders lists (``NEWSCRAWL_RENDER_PROBE``), else None.
    probe: CheaperPaths | None = None

    def setup_rendering(self, crawler: Crawler, plan: RenderPlan, hosts: Iterable[str] = ()) -> None:
        if plan.enabled and not crawler.settings.getbool("NEWSCRAWL_RENDER_ENABLED"):
            logger.warning("rendering is off (NEWSCRAWL_RENDER_ENABLED=false): pages this outlet builds with "
                           "JavaScript (render=%s) are read as served", plan.mode)
            plan = RenderPlan()
        self.render = plan
        self.render_hosts = tuple(hosts)
        if plan.enabled:
            executable = enable_rendering(crawler)
            self.render_fallback_enabled = crawler.settings.getbool("NEWSCRAWL_RENDER_FALLBACK")
            if plan.renders("list") and crawler.settings.getbool("NEWSCRAWL_RENDER_PROBE"):
                family = getattr(self, "family", None)
                if family is not None:
                    self.probe = CheaperPaths(crawler, family.article_key, getattr(self, "name", "?"))
            logger.info("rendering %s through Chromium (%s)", " and ".join(
                f"{kind} pages" for kind in ("list", "article") if plan.renders(kind)) or "article fallbacks only",
                executable)

    def page_request(self, url: str, kind: str, *, render: bool | None = None, plan: RenderPlan | None = None,
                     **kwargs: Any) -> scrapy.Request:
        """A request for a ``kind`` page (``list``/``article``): through the browser when ``render``
        (default: when the crawl's plan renders that kind), with the plan's actions for it."""
        plan = plan or self.render
        if render if render is not None else plan.renders(kind):
            kwargs["meta"] = {**kwargs.get("meta", {}), **render_meta(kind, plan.actions(kind), self.render_hosts)}
        return scrapy.Request(url, **kwargs)

    def render_report(self) -> dict[str, Any]:
        """The run report's ``render`` block: the plan, and the cheaper-path check when one ran."""
        return {"mode": self.render.mode,
                "list_actions": [a.as_data() for a in self.render.list_actions],
                "article_actions": [a.as_data() for a in self.render.article_actions],
                "cheaper_paths": self.probe.report() if self.probe is not None and self.probe.started else None}

    def probe_cheaper_paths(self, response: Response, keys: list[str]) -> Iterator[scrapy.Request]:
        """On the first rendered list page that lists articles: the cheaper-path check's requests."""
        if self.probe is None or self.probe.started or "playwright" not in response.flags or not keys:
            return
        assert isinstance(response, TextResponse)
        info = meta_of(response).get(INFO_META) or {}
        yield from self.probe.start(response, keys, info.get("raw_body"), info.get("raw_encoding"),
                                    info.get("xhr", ()))

    def needs_render(self, response: Response, plan: RenderPlan | None = None) -> bool:
        """Whether a plainly fetched article page of an outlet that renders is missing what its first
        ``wait`` action waits for (a body written by script): then it is fetched once through the browser."""
        plan = plan or self.render
        if not (self.render_fallback_enabled and plan.enabled) or plan.renders("article"):
            return False
        if "playwright" in response.flags or meta_of(response).get(PLAIN_META) or not isinstance(response, TextResponse):
            return False
        waits = [a.selector for a in plan.article_actions if a.kind == "wait"]
        return bool(waits) and not response.css(waits[0]) and self.is_article_page(response)

    def is_article_page(self, response: TextResponse) -> bool:
        """Whether a page is an article at all (a deleted page's "not found" needs no browser); spiders
        that know the outlet's family ask its article page."""
        return True

    def render_fallback(self, response: Response, plan: RenderPlan | None = None,
                        **kwargs: Any) -> scrapy.Request:
        crawler: Crawler = getattr(self, "crawler")  # noqa: B009 - set by scrapy.Spider; the mixin declares none
        crawler.stats.inc_value("newscrawl/render/article_fallback")
        logger.info("article %s has no content without JavaScript: fetching it through the browser", response.url)
        return self.page_request(response.url, "article", render=True, plan=plan, dont_filter=True, **kwargs)


def article_from_response(response: Response, site: Outlet, stats: StatsCollector,
                          since: datetime | None = None, until: datetime | None = None) -> Article | None:
    """One fetched article page -> an item, or None with the reason counted under ``newscrawl/pages/``.

    Every spider ends an article page here, so an outlet crawl and a list of URLs count
    the same stats and the crawl summary adds up the same way. A page that raises still
    becomes an item (with ``extractor.error``) so the validate pipeline rejects it with
    the evidence instead of the page silently vanishing.
    """
    if not isinstance(response, TextResponse):
        stats.inc_value("newscrawl/pages/not_html")
        logger.warning("article %s is not HTML (%s)", response.url, response.headers.get("Content-Type"))
        return None
    try:
        item = extract(response, site, stats)
    except NotAnArticle:
        stats.inc_value("newscrawl/pages/not_article")
        logger.info("not an article page (deleted?): %s", response.url)
        return None
    except Exception as exc:  # a broken page must not stop the crawl; the reject keeps the evidence
        stats.inc_value("newscrawl/pages/extract_error")
        logger.exception("extraction failed on %s", response.url)
        return Article(url=response.url, site=site.slug, site_name=site.name,
                       extractor={"error": f"{type(exc).__name__}: {exc}"})
    if since and item.published_at and item.published_at < since:
        stats.inc_value("newscrawl/pages/older_than_since")
        return None
    if until and item.published_at and item.published_at > until:
        stats.inc_value("newscrawl/pages/newer_than_until")
        return None
    stats.inc_value("newscrawl/pages/articles")
    return item


class NewsSpider(IncrementalMixin, RenderingMixin, TypedArgsSpider[OutletArgs], scrapy.Spider):
    """Base of every outlet spider.

    Catalog spiders set ``name`` and ``site``; family spiders (``newscrawl.spiders.catalog``)
    build ``site`` from their arguments by overriding :meth:`configure_site`. Everything
    after that (sections, pagination, articles) is the same code.
    """

    site: Outlet
    args_model = OutletArgs
    args: OutletArgs

    def __init__(self, *args: Any, arguments: OutletArgs, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.args = arguments
        self.site = self.configure_site()
        self.family = family_of(self.site)
        self.allowed_domains = list(self.site.domains)
        self.seen_keys: set[str] = set()
        self.completed_sections: set[str] = set()  # paginated to the end in this run
        # Loop guard: keys each section's list pages showed, and the run of pages that showed no new one.
        self.section_keys: dict[str, set[str]] = {}
        self.unproductive_pages: dict[str, int] = {}
        self.max_unproductive_pages = 0

    # The effective arguments, read by the pipelines and the run report.
    @property
    def since(self) -> datetime | None:
        return self.args.since

    @property
    def until(self) -> datetime | None:
        return self.args.until

    @property
    def max_pages(self) -> int:
        return self.args.max_pages

    @property
    def full(self) -> bool:
        return self.args.full

    def configure_site(self) -> Outlet:
        """The outlet this spider crawls: :meth:`outlet_for` its arguments."""
        return self.outlet_for(self.args)

    @classmethod
    def outlet_for(cls, arguments: OutletArgs) -> Outlet:
        """The outlet a crawl with ``arguments`` crawls: the class's ``site``, moved to ``base_url`` if given."""
        if arguments.base_url:
            return cls.site.with_base_url(arguments.base_url)
        return cls.site

    @classmethod
    def planned_render(cls, arguments: OutletArgs) -> RenderPlan:
        """What a crawl with ``arguments`` renders (``scrapy crawl`` checks for Chromium before starting)."""
        return render_plan(cls.outlet_for(arguments), arguments.render)

    @classmethod
    def from_crawler(cls, crawler: Crawler, *args: Any, **kwargs: Any) -> Self:
        arguments, passthrough = cls.parse_arguments(kwargs, crawler.settings)
        spider = super().from_crawler(crawler, *args, arguments=arguments, **passthrough)
        settings = crawler.settings
        spider.max_unproductive_pages = settings.getint("NEWSCRAWL_MAX_UNPRODUCTIVE_PAGES")
        spider.open_state(crawler, full=spider.full)  # with a complete -O file, lists are walked to their end
        spider.setup_rendering(crawler, render_plan(spider.site, spider.args.render), spider.site.domains)
        return spider

    def _section_key(self, section: str) -> str:
        return f"section-complete:{self.site.slug}:{section}"

    def section_complete(self, section: str) -> bool:
        """Whether an earlier run paginated ``section`` to its end (so known articles mark the rest as known)."""
        return self.state is not None and self.state.get_meta(self._section_key(section)) == "1"

    def close_state(self, spider: Any = None, reason: str = "finished") -> None:
        if self.state is not None and reason == "finished":
            for section in sorted(self.completed_sections):
                self.state.set_meta(self._section_key(section), "1")
        super().close_state(spider, reason)

    def known_change(self, entry: ListEntry) -> LinkStatus:
        """:func:`link_status` of a list entry: its article as this outlet keys it, and its listed time."""
        if self.state is None:
            return "new"
        return self.link_change(self.state.get(article_id=article_id(self.site.slug, entry.key)), entry.date)

    # -- crawl plan -------------------------------------------------------------------
    def is_article_page(self, response: TextResponse) -> bool:
        return self.family.article_page(response, self.site).is_article()

    def section_page(self, response: TextResponse) -> SectionPage:
        if self.family.section_page is None:
            raise ValueError(f"family {self.family.name!r} has no list pages to crawl")
        return self.family.section_page(response, self.site)

    def family_home_url(self) -> str:
        if self.family.home_url is None:
            raise ValueError(f"family {self.family.name!r} has no home page with a section menu")
        return self.family.home_url(self.site.base_url)

    def family_list_url(self, code: str, page: int) -> str:
        if self.family.list_url is None:
            raise ValueError(f"family {self.family.name!r} has no section lists")
        return self.family.list_url(self.site.base_url, code, page)

    def section_codes(self) -> list[str] | None:
        return list(self.args.sections or self.site.sections) or None

    async def start(self) -> AsyncIterator[Any]:
        codes = self.section_codes()
        logger.info("crawling %s (%s) at %s; sections=%s max_pages=%s since=%s until=%s %s", self.name,
                    self.site.family, self.site.base_url, ",".join(codes) if codes else "from home page menu",
                    self.max_pages or "all", self.since.isoformat() if self.since else "-",
                    self.until.isoformat() if self.until else "-",
                    "full re-crawl (state ignored)" if self.full else f"incremental ({len(self.state) if self.state is not None else 0} known)")
        if codes:
            for request in self._section_requests(codes):
                yield request
        else:
            yield scrapy.Request(self.family_home_url(), callback=self.parse_home)

    def _section_requests(self, codes: list[str]) -> Iterator[scrapy.Request]:
        self.crawler.stats.set_value("newscrawl/sections", len(codes))
        for code in codes:
            yield self.first_list_request(code)

    def first_list_request(self, section: str) -> scrapy.Request:
        """Page 1 of a section. Rendered on an incremental run of a section an earlier run saw to its end,
        it is the first screen only (the ``wait`` actions, no load-more clicks or scrolls): lists are newest
        first, so when it shows a known article that is all there is to fetch; when every article on it is
        new, :meth:`parse_list` renders it again with every action (``newscrawl/render/first_screen_not_enough``)."""
        url = self.family_list_url(section, 1)
        kwargs: dict[str, Any] = {"callback": self.parse_list, "cb_kwargs": {"section": section, "page": 1}}
        plan = self.render
        actions = plan.actions("list")
        loads_more = any(a.kind in ("click", "scroll") for a in actions)
        if plan.renders("list") and loads_more and self.section_complete(section) and not self.complete:
            waits = tuple(a for a in actions if a.kind in ("wait", "idle")) or (Action("idle", timeout=5.0),)
            request = self.page_request(url, "list", plan=attrs.evolve(plan, list_actions=waits), **kwargs)
            request.meta[FIRST_SCREEN_META] = True
            self.crawler.stats.inc_value("newscrawl/render/first_screen")
            return request
        return self.page_request(url, "list", **kwargs)

    def learn_site_title(self, response: TextResponse) -> None:
        """The outlet's own ``<title>`` parts ('정치 - 경기신문') become title affixes of its articles.

        Article ``<title>``s repeat the site name and section of the home and list pages
        ("Headline - 정치 - 경기신문") even where no metadata names them; learned here, they are
        stripped from every article of this crawl like og:site_name is (``Outlet.title_affixes``).
        """
        site = self.site.with_title_affixes(title_parts(response.xpath("//head/title/text()").get()))
        if site is not self.site:
            self.site = site
            logger.debug("title affixes of %s: %s", site.slug, ", ".join(site.title_affixes))

    def parse_home(self, response: Response) -> Iterator[scrapy.Request]:
        """The home page -> a list request per section of its menu.

        @fixtures home
        """
        if not isinstance(response, TextResponse):
            logger.error("home page %s is not HTML; pass -a sections=CODE,... instead", response.url)
            return
        self.learn_site_title(response)
        found = self.section_page(response).sections()
        if not found:
            self.crawler.stats.inc_value("newscrawl/sections/none_found")
            logger.error("no section links found on %s; pass -a sections=CODE,... instead", response.url)
            return
        logger.info("discovered %d sections: %s", len(found), ", ".join(f"{s.code}({s.name})" for s in found))
        yield from self._section_requests([s.code for s in found])

    def parse(self, response: Response, **kwargs: Any) -> Iterator[Any]:
        """Any page of the outlet, dispatched by its URL through the family (what ``scrapy parse URL``
        calls without ``-c``): an article -> :meth:`parse_article`, a section list -> :meth:`parse_list`
        (section and page from the URL), the home page -> :meth:`parse_home`; else one ERROR line."""
        callback = self.callback_for(response.url)
        if callback is None:
            self.crawler.stats.inc_value("newscrawl/parse/unknown_url")
            logger.error("%s is not an article, section list or home page URL of the %s family (spider %s); "
                         "use -c parse_article, -c parse_list or -c parse_home to choose", response.url,
                         self.family.name, self.name)
            return
        yield from callback(response)

    def callback_for(self, url: str) -> Callable[[Response], Iterable[Any]] | None:
        """The callback for a page at ``url``, by the family's URL patterns; None when none applies."""
        if self.family.matches_url(url):
            return self.parse_article
        if self.family.list_page is not None and self.family.list_page(url) is not None:
            return self.parse_list
        if self.family.is_home(url):
            return self.parse_home
        return None

    def parse_list(self, response: Response, section: str | None = None,
                   page: int | None = None) -> Iterator[scrapy.Request]:
        """One page of a section list -> article requests and the next page (module docstring); with
        a complete ``-O`` file the known articles it shows are noted (:meth:`keep_known`), not fetched.

        @fixtures list
        """
        if section is None or page is None:  # scrapy parse -c parse_list: both from the URL
            listed = self.family.list_page(response.url) if self.family.list_page is not None else None
            if listed is None:
                self.crawler.stats.inc_value("newscrawl/parse/unknown_url")
                logger.error("%s is not a section list URL of the %s family; pass --cbkwargs "
                             "'{\"section\": CODE, \"page\": N}'", response.url, self.family.name)
                return
            section, page = section or listed[0], page or listed[1]
        stats = self.crawler.stats
        stats.inc_value("newscrawl/lists/pages")
        if not isinstance(response, TextResponse):
            stats.inc_value("newscrawl/lists/not_html")
            logger.warning("list page %s is not HTML", response.url)
            return
        if page == 1:
            self.learn_site_title(response)
        listing = self.section_page(response)
        entries = listing.entries()
        if not entries:
            stats.inc_value("newscrawl/lists/empty")
            logger.info("section %s page %d lists no article: end of section", section, page)
            self.completed_sections.add(section)
            return
        if not meta_of(response).get(FIRST_SCREEN_META):
            yield from self.probe_cheaper_paths(response, [entry.key for entry in entries])
        stalled = self._no_progress(section, [entry.key for entry in entries])
        cutoff = self.args.list_cutoff
        older = known = 0
        for entry in entries:
            if cutoff and entry.date and entry.date < cutoff:
                older += 1
                stats.inc_value("newscrawl/links/older_than_since")
                continue
            if self.until and entry.date and entry.date > self.until:
                stats.inc_value("newscrawl/links/newer_than_until")
                continue
            if entry.key in self.seen_keys:
                # Same article under another menu code (or listed twice): fetched once.
                stats.inc_value("newscrawl/links/duplicate")
                continue
            self.seen_keys.add(entry.key)
            status = self.known_change(entry)
            if status in ("known", "revisit"):
                known += 1
            if status == "known":
                stats.inc_value("newscrawl/links/known")
                if self.keep_known(article_id(self.site.slug, entry.key)):
                    stats.inc_value("newscrawl/links/backfill")
                    yield self.page_request(entry.url, "article", callback=self.parse_article,
                                            cb_kwargs={"section": section})
                continue
            stats.inc_value(f"newscrawl/links/{status}")
            yield self.page_request(entry.url, "article", callback=self.parse_article, cb_kwargs={"section": section})
        if meta_of(response).get(FIRST_SCREEN_META) and not known and not older:
            # Every article on the first screen is new: more may be behind the load-more button.
            stats.inc_value("newscrawl/render/first_screen_not_enough")
            logger.info("section %s: every article on the first screen is new: rendering it again with its "
                        "load-more actions", section)
            yield self.page_request(response.url, "list", callback=self.parse_list, dont_filter=True,
                                    cb_kwargs={"section": section, "page": page})
            return
        if older:
            # Lists are newest first: once a page reaches past `since`, later pages are older still.
            self.completed_sections.add(section)
            stats.inc_value("newscrawl/lists/stopped_since")
            logger.info("section %s page %d reaches past since=%s: end of section", section, page,
                        self.since.date() if self.since else "-")
            return
        if known and self.section_complete(section) and not self.complete:
            # ... and once a page shows an article an earlier run exported, later pages hold known ones only.
            stats.inc_value("newscrawl/lists/stopped_known")
            logger.info("section %s page %d reaches articles known from earlier runs: end of section", section, page)
            return
        if stalled:
            stats.inc_value("newscrawl/lists/no_progress")
            logger.warning("section %s: %d list pages in a row (up to page %d, %s) list no new article: "
                           "pagination stopped (NEWSCRAWL_MAX_UNPRODUCTIVE_PAGES)", section,
                           self.unproductive_pages[section], page, response.url)
            self.completed_sections.add(section)
            return
        if self.max_pages and page >= self.max_pages:
            stats.inc_value("newscrawl/lists/stopped_max_pages")
            return
        next_url = listing.next_page_url()
        if next_url:
            yield self.page_request(next_url, "list", callback=self.parse_list,
                                    cb_kwargs={"section": section, "page": page + 1})
        elif self._list_truncated(response):
            # A list cut before its pagination is not the last page: the section stays incomplete,
            # so the next run paginates past here instead of stopping at the first known article.
            stats.inc_value("newscrawl/lists/truncated")
            logger.warning("section %s page %d looks cut short (%s): pagination lost, section left incomplete",
                           section, page, response.url)
        else:
            self.completed_sections.add(section)  # the last page: the whole section was seen once

    def _list_truncated(self, response: TextResponse) -> bool:
        r = response
        return truncation_reason(r.body, r.headers.get("Content-Length"), bool(r.headers.get("Content-Encoding")),
                                 r.flags, structure=self.family.article_page.closing_tags_required) is not None

    def _no_progress(self, section: str, keys: list[str]) -> bool:
        """Whether ``section`` has shown ``NEWSCRAWL_MAX_UNPRODUCTIVE_PAGES`` list pages in a row
        that list no article its earlier pages did not: then pagination stops here.

        Why: a list that repeats the same articles and always links page+1 (a CMS that clamps or
        ignores ``page``) would otherwise be paginated until the server gives up. Novelty is judged
        per section, so a section whose articles other sections listed first still paginates; the
        stopped section counts as completed, like a CMS's last page (the repeats are all it shows).
        """
        if self.max_unproductive_pages <= 0:
            return False
        listed = self.section_keys.setdefault(section, set())
        if any(key not in listed for key in keys):
            listed.update(keys)
            self.unproductive_pages[section] = 0
            return False
        run = self.unproductive_pages.get(section, 0) + 1
        self.unproductive_pages[section] = run
        return run >= self.max_unproductive_pages

    def parse_article(self, response: Response, section: str | None = None) -> Iterator[Article | scrapy.Request]:
        """One article page -> its item (none for a page that is not an article; its rendered
        request when its content is written by script, see :meth:`needs_render`).

        @fixtures article not_article
        """
        if self.needs_render(response):
            yield self.render_fallback(response, callback=self.parse_article, cb_kwargs={"section": section})
            return
        item = article_from_response(response, self.site, self.crawler.stats, self.since, self.until)
        if item is not None:
            yield item
