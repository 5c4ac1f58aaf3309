"""`scrapy probe URL`: what a crawl would make of a new outlet, before it is in the catalog.

    scrapy probe URL [--slug SLUG] [--name NAME] [--save [DIR]]

Fetches ``URL`` (the outlet's home page) and detects its CMS family (:mod:`newscrawl.detect`:
URL patterns of its links, generator ``<meta>``, markup markers; else ``generic``), finds the
sections in the home page menu (the family's section page), fetches the first section's list page
and three of the articles it lists (a ``generic`` outlet: the page itself when it is an article,
and links that look like articles), and prints for each article, field by field, the value, the
step that produced it (the item's ``extractor``, as a crawl records it) and the validation
reasons that concern it (:func:`newscrawl.pipelines.validate.validate_article`, with the crawl's
limits). A family that renders lists (``jscms``) is probed through Chromium with its render plan.

``--save [DIR]`` writes the fetched pages as page fixtures (:mod:`newscrawl.fixtures`) under
``DIR/<family>/<slug>-home|list|article-N/`` (default ``tests/pages/fixtures``), their
``expected.json`` read as the new outlet; it never overwrites a case folder. The catalog entry
to add to ``newscrawl/catalog.toml`` is printed at the end (an outlet already in the catalog is
probed as its entry says).

The fetching is a crawl with the project's settings (robots.txt obeyed, download delays), writing
no files (:mod:`newscrawl.commands.nofiles`): one crawl for the home page, a second one for the
list and articles (its rendering, when the family needs it, is decided by the home page).

Exit status: 0 when three articles were read and all pass validation; 3 otherwise; 1 on bad input
(one line: not a URL, unreachable, an HTTP error, not HTML, no Chromium for an outlet that needs it,
a fixture folder that exists).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import re
import sys
from collections.abc import AsyncIterator, Callable, Iterator
from ipaddress import ip_address
from pathlib import Path
from typing import Any, ClassVar
from urllib.parse import urlsplit

import attrs
import scrapy
from scrapy.commands import ScrapyCommand
from scrapy.crawler import Crawler
from scrapy.http import Response, TextResponse
from twisted.python.failure import Failure

from newscrawl.catalog import Outlet, catalog_entry, load_catalog
from newscrawl.commands.nofiles import NoFilesMixin
from newscrawl.config import project_path
from newscrawl.detect import Detection, article_like_links, detect_family, is_article_metadata, page_links
from newscrawl.extract import NotAnArticle, extract
from newscrawl.families import get_family, render_plan, resolve
from newscrawl.fixtures import META_KEYS, read_case
from newscrawl.fixtures import render as render_json
from newscrawl.items import Article
from newscrawl.output.exporters import export_dict
from newscrawl.pages.section import SectionLink
from newscrawl.parsing.text import normalize_space, title_parts
from newscrawl.parsing.urls import host_of
from newscrawl.pipelines.validate import Limits, validate_article
from newscrawl.render.actions import RenderPlan
from newscrawl.render.setup import RenderUnavailable, check_rendering
from newscrawl.spiders.args import is_http_url
from newscrawl.spiders.base import RenderingMixin

EXIT_BAD_INPUT = 1
EXIT_INVALID = 3
ARTICLES = 3
DEFAULT_FIXTURES = "tests/pages/fixtures"
#: Fields printed per article, in this order (the rest of the item is in ``--save``'s expected.json).
FIELDS = ("title", "subtitles", "section", "authors", "published_at", "modified_at", "body", "images", "site_name",
          "language", "canonical_url", "article_id")
#: Labels that end a home page title's site name ("한빛일보 - 경기 지역 신문").
_TITLE_SEPARATORS = re.compile(r"\s+[-|:·]{1,2}\s+|\s*::\s*")
#: Public suffix labels dropped when a slug is made from a host name.
_SUFFIX_LABELS = frozenset({"kr", "com", "net", "org", "co", "or", "ne", "go", "re", "pe", "example", "test", "local"})


class ProbeFailed(Exception):
    """Bad input: one line for the user, exit status 1."""


@attrs.define
class Fetched:
    url: str
    response: TextResponse | None = None
    error: str | None = None


@attrs.define
class Probe:
    """What the two crawls fetched, filled in by the spiders."""

    url: str
    home: Fetched | None = None
    outlet: Outlet | None = None
    plan: RenderPlan = attrs.field(factory=RenderPlan)
    sections: list[SectionLink] = attrs.field(factory=list)
    candidates: list[str] = attrs.field(factory=list)
    listing: Fetched | None = None
    listed: int = 0
    articles: list[Fetched] = attrs.field(factory=list)


def failure_reason(failure: Failure) -> str:
    """A download failure as a few words (``Connection was refused by other side``, ``HTTP 404``)."""
    response = getattr(failure.value, "response", None)
    if isinstance(response, Response):
        return f"HTTP {response.status}"
    return f"{failure.type.__name__ if failure.type else 'error'}: {failure.getErrorMessage()}"


def not_html(response: Response) -> str | None:
    if isinstance(response, TextResponse) and b"<" in response.body[:2048]:
        return None
    kind = (response.headers.get("Content-Type") or b"").decode("latin-1") or "no Content-Type"
    return f"not an HTML page ({kind})"


class HomeSpider(scrapy.Spider):
    """Crawl 1: the page given on the command line."""

    name = "probe"

    def __init__(self, *args: Any, findings: Probe, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.findings = findings

    async def start(self) -> AsyncIterator[Any]:
        yield scrapy.Request(self.findings.url, callback=self.home, errback=self.failed, dont_filter=True)

    def home(self, response: Response) -> None:
        why = not_html(response)
        page = response if why is None and isinstance(response, TextResponse) else None
        self.findings.home = Fetched(response.url, page, why)

    def failed(self, failure: Failure) -> None:
        self.findings.home = Fetched(self.findings.url, None, failure_reason(failure))


class SampleSpider(RenderingMixin, scrapy.Spider):
    """Crawl 2: one list page and three articles of the outlet, through the browser as its plan says."""

    name = "probe"

    def __init__(self, *args: Any, findings: Probe, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.findings = findings
        assert findings.outlet is not None
        self.site = findings.outlet  # the offsite check follows the outlet's scheme, host and port
        self.family = get_family(findings.outlet.family)

    @classmethod
    def from_crawler(cls, crawler: Crawler, *args: Any, **kwargs: Any) -> SampleSpider:
        spider: SampleSpider = super().from_crawler(crawler, *args, **kwargs)
        spider.setup_rendering(crawler, spider.findings.plan, spider.site.domains)
        return spider

    def is_article_page(self, response: TextResponse) -> bool:
        return self.family.article_page(response, self.site).is_article()

    async def start(self) -> AsyncIterator[Any]:
        if self.findings.sections:
            section = self.findings.sections[0]
            url = self.family.list_url(self.site.base_url, section.code, 1) if self.family.list_url else section.url
            self.findings.listing = Fetched(url)
            yield self.page_request(url, "list", callback=self.listed, errback=self.list_failed, dont_filter=True)
            return
        for request in self.article_requests(self.findings.candidates):
            yield request

    def listed(self, response: Response) -> Iterator[scrapy.Request]:
        assert self.findings.listing is not None and self.family.section_page is not None
        urls: list[str] = []
        if isinstance(response, TextResponse):
            self.findings.listing.response = response
            urls = [entry.url for entry in self.family.section_page(response, self.site).entries()]
            self.findings.listed = len(urls)
        else:
            self.findings.listing.error = not_html(response)
        yield from self.article_requests(urls + self.findings.candidates)

    def list_failed(self, failure: Failure) -> Iterator[scrapy.Request]:
        assert self.findings.listing is not None
        self.findings.listing.error = failure_reason(failure)
        yield from self.article_requests(self.findings.candidates)

    def article_requests(self, urls: list[str]) -> Iterator[scrapy.Request]:
        wanted = ARTICLES - len(self.findings.articles)
        for url in list(dict.fromkeys(urls))[:wanted]:
            fetched = Fetched(url)
            self.findings.articles.append(fetched)
            yield self.page_request(url, "article", callback=self.article, errback=self.article_failed,
                                    cb_kwargs={"fetched": fetched}, dont_filter=True)

    def article(self, response: Response, fetched: Fetched) -> Iterator[scrapy.Request]:
        if self.needs_render(response):
            yield self.render_fallback(response, callback=self.article, errback=self.article_failed,
                                       cb_kwargs={"fetched": fetched})
            return
        why = not_html(response)
        fetched.url = response.url
        if why is not None or not isinstance(response, TextResponse):
            fetched.error = why
            return
        fetched.response = response

    def article_failed(self, failure: Failure) -> None:
        request = getattr(failure, "request", None)
        fetched = request.cb_kwargs.get("fetched") if request is not None else None
        if isinstance(fetched, Fetched):
            fetched.error = failure_reason(failure)


# -- the new outlet ---------------------------------------------------------------------------

def slug_for(url: str) -> str:
    """A catalog slug from a host: its registered name (``www.news21tongsin.co.kr`` -> ``news21tongsin``);
    an IP address or a one-label host: the address and port (a local copy)."""
    parts = urlsplit(url)
    host = host_of(url)
    try:
        ip_address(host)
        labels = []
    except ValueError:
        labels = [label for label in host.split(".") if label]
    while len(labels) > 1 and labels[-1] in _SUFFIX_LABELS:
        labels.pop()
    name = labels[-1] if len(labels) >= 1 and "." in host else re.sub(r"[^a-z0-9]+", "-", parts.netloc.lower())
    return re.sub(r"[^a-z0-9_-]+", "-", name.lower()).strip("-") or "outlet"


def site_name_of(response: TextResponse) -> str | None:
    """The site's name as its home page gives it: ``og:site_name``, else the title's first part."""
    name = normalize_space(response.xpath('//meta[@property="og:site_name"]/@content').get())
    if name:
        return name
    title = normalize_space(" ".join(response.css("title::text").getall()))
    return _TITLE_SEPARATORS.split(title, maxsplit=1)[0].strip() or None if title else None


def charset_of(response: TextResponse) -> str:
    declared = re.search(r"charset=([\w-]+)", (response.headers.get("Content-Type") or b"").decode("latin-1"))
    return (declared.group(1) if declared else response.encoding).lower()


def language_of(response: TextResponse) -> str:
    lang = (response.xpath("/html/@lang").get() or "").strip().split("-")[0].lower()
    return lang if re.fullmatch(r"[a-z]{2,3}", lang) else "ko"


def new_outlet(response: TextResponse, family: str, slug: str | None, name: str | None) -> Outlet:
    parts = urlsplit(response.url)
    slug = slug or slug_for(response.url)
    return Outlet(slug=slug, name=name or site_name_of(response) or slug, family=family,
                  base_url=f"{parts.scheme}://{parts.netloc}", domains=(host_of(response.url).removeprefix("www."),),
                  charset=charset_of(response), language=language_of(response))


# -- printing ---------------------------------------------------------------------------------

def shorten(value: Any, width: int = 60) -> str:
    if value is None or value == [] or value == "":
        return "-"
    if isinstance(value, list):
        text = "; ".join(v if isinstance(v, str) else json.dumps(v, ensure_ascii=False) for v in value)
        text = f"[{len(value)}] {text}"
    else:
        text = str(value)
    text = normalize_space(text)
    return text if len(text) <= width else f"{text[:width - 1]}… ({len(text)} chars)"


def field_reasons(field: str, reasons: list[str]) -> list[str]:
    """The validation reasons that name ``field`` (``missing:title``, ``title_too_short``, ``mojibake:body``)."""
    stem = field.removesuffix("_at")
    return [r for r in reasons if r.split(":", 1)[-1] == field or r.startswith(f"{stem}_")]


@attrs.frozen
class ArticleResult:
    fetched: Fetched
    item: Article | None
    reasons: tuple[str, ...]

    @property
    def passed(self) -> bool:
        return self.item is not None and not self.reasons


def read_article(fetched: Fetched, outlet: Outlet, limits: Limits) -> ArticleResult:
    if fetched.response is None:
        return ArticleResult(fetched, None, (f"not fetched: {fetched.error or 'no response'}",))
    try:
        item = extract(fetched.response, outlet)
    except NotAnArticle:
        return ArticleResult(fetched, None, ("not an article page",))
    return ArticleResult(fetched, item, tuple(validate_article(item, limits, outlet.domains)))


def print_article(number: int, result: ArticleResult, out: Callable[[str], None]) -> None:
    verdict = "PASS" if result.passed else "FAIL " + ", ".join(result.reasons)
    out(f"\narticle {number}  {result.fetched.url}  {verdict}")
    out(f"  {'field':<14} {'from':<14} {'check':<6} value")
    if result.item is None:
        return
    record = export_dict(result.item)
    provenance = result.item.extractor or {}
    for field in FIELDS:
        where = provenance.get(field, "")
        concerns = field_reasons(field, list(result.reasons))
        out(f"  {field:<14} {where or '-':<14} {', '.join(concerns) or 'ok':<6} {shorten(record.get(field))}")
    for key in ("truncated", "error"):
        if provenance.get(key):
            out(f"  {key:<14}{provenance[key]}")


# -- fixtures ---------------------------------------------------------------------------------

def fixture_cases(probe: Probe, results: list[ArticleResult]) -> list[tuple[str, str, TextResponse, str]]:
    """``(case name, kind, response, why)`` of every page worth a fixture."""
    assert probe.outlet is not None and probe.home is not None and probe.home.response is not None
    slug, family = probe.outlet.slug, get_family(probe.outlet.family)
    cases: list[tuple[str, str, TextResponse, str]] = []
    if family.section_page is not None and probe.sections:
        cases.append((f"{slug}-home", "home", probe.home.response,
                      f"{probe.outlet.name} home page: the section menu (scrapy probe)."))
    if probe.listing is not None and probe.listing.response is not None:
        cases.append((f"{slug}-list", "list", probe.listing.response,
                      f"{probe.outlet.name} section list page 1 (scrapy probe)."))
    for number, result in enumerate(results, 1):
        if result.item is not None and result.fetched.response is not None:
            cases.append((f"{slug}-article-{number}", "article", result.fetched.response,
                          f"{probe.outlet.name} article {number} as first probed (scrapy probe)."))
    return cases


def save_fixtures(root: Path, probe: Probe, results: list[ArticleResult]) -> list[Path]:
    """Write the cases under ``root/<family>/``; :class:`ProbeFailed` (nothing written) when one exists."""
    assert probe.outlet is not None
    folder = root / probe.outlet.family
    cases = fixture_cases(probe, results)
    existing = [name for name, *_ in cases if (folder / name).exists()]
    if existing:
        raise ProbeFailed(f"fixture folder {folder / existing[0]} exists; not overwriting it (remove it or use --save DIR)")
    written = []
    for name, kind, response, why in cases:
        path = folder / name
        path.mkdir(parents=True)
        (path / "page.html").write_bytes(response.body)
        meta: dict[str, Any] = {"url": response.url, "kind": kind, "source": "saved", "why": why}
        content_type = response.headers.get("Content-Type")
        if content_type:
            meta["headers"] = {"Content-Type": content_type.decode("latin-1")}
        if kind == "article":
            del meta["kind"]
        (path / "meta.json").write_text(render_json({k: meta[k] for k in META_KEYS if k in meta}), "utf-8")
        case = read_case(root, probe.outlet.family, path)
        (path / "expected.json").write_text(render_json(case.snapshot(probe.outlet)), "utf-8")
        written.append(path)
    return written


# -- the command ------------------------------------------------------------------------------

class Command(NoFilesMixin, ScrapyCommand):
    requires_project = True
    default_settings: ClassVar[dict[str, Any]] = {"LOG_ENABLED": False}

    def syntax(self) -> str:
        return "URL [--slug SLUG] [--name NAME] [--save [DIR]]"

    def short_desc(self) -> str:
        return "Probe a new outlet: its CMS family, sections, and three articles field by field"

    def long_desc(self) -> str:
        return (f"{self.short_desc()}. --save writes the pages as page fixtures and prints the catalog entry to add. "
                f"Exit status: 0 three articles pass validation; {EXIT_INVALID} otherwise; {EXIT_BAD_INPUT} bad input "
                "(not a URL, unreachable, not HTML, no Chromium when the outlet needs it).")

    def add_options(self, parser: argparse.ArgumentParser) -> None:
        super().add_options(parser)
        parser.add_argument("--slug", help="catalog slug of the new outlet (default: from the host name)")
        parser.add_argument("--name", dest="outlet_name", help="its name (default: og:site_name or the home page title)")
        parser.add_argument("--save", nargs="?", const=DEFAULT_FIXTURES, type=Path, metavar="DIR",
                            help=f"write the pages as page fixtures under DIR (default {DEFAULT_FIXTURES})")

    def run(self, args: list[str], opts: argparse.Namespace) -> None:
        try:
            self.exitcode = self._probe(args, opts)
        except ProbeFailed as exc:
            print(f"scrapy probe: {exc}", file=sys.stderr)
            self.exitcode = EXIT_BAD_INPUT

    def _probe(self, args: list[str], opts: argparse.Namespace) -> int:
        if len(args) != 1 or not is_http_url(args[0]):
            raise ProbeFailed(f"need exactly one http(s) URL, got {' '.join(args) or 'none'}")
        if opts.slug is not None and not re.fullmatch(r"[a-z0-9][a-z0-9_-]*", opts.slug):
            raise ProbeFailed(f"--slug {opts.slug!r}: lowercase letters, digits, '-' and '_' only")
        probe = Probe(args[0])
        self._crawl(probe, opts)
        if probe.home is None or probe.home.response is None:
            raise ProbeFailed(f"cannot read {args[0]}: {probe.home.error if probe.home else 'no response'}")
        assert probe.outlet is not None and self.settings is not None
        out = print
        outlet = probe.outlet
        limits = Limits.from_settings(self.settings)  # the crawl's validation limits (-s changes them as for a crawl)
        if probe.listing is not None:
            out(f"list      {probe.listing.url}: " + (f"{probe.listed} articles listed" if probe.listing.response
                                                      else f"not read ({probe.listing.error or 'no response'})"))
        if len(probe.articles) < ARTICLES:
            out(f"articles  only {len(probe.articles)} article links found")
        results = [read_article(f, outlet, limits) for f in probe.articles]
        for number, result in enumerate(results, 1):
            print_article(number, result, out)
        passed = sum(r.passed for r in results)
        out(f"\nresult    {passed} of {ARTICLES} articles pass validation"
            + ("" if len(results) == ARTICLES else f" ({len(results)} found)"))
        if opts.save is not None:
            root = project_path(opts.save)
            written = save_fixtures(root, probe, results)
            out(f"saved     {len(written)} fixture cases under {root / outlet.family}: "
                + ", ".join(p.name for p in written))
        if outlet.slug in load_catalog():
            out(f"catalog   {outlet.slug} is in newscrawl/catalog.toml already")
        else:
            out("\n# add to newscrawl/catalog.toml:\n" + catalog_entry(outlet))
        return 0 if passed == ARTICLES else EXIT_INVALID

    def _crawl(self, probe: Probe, opts: argparse.Namespace) -> None:
        """Crawl 1 (the home page), then, when it gave a page, crawl 2 (list and articles)."""
        assert self.crawler_process is not None and self.settings is not None
        process = self.crawler_process
        problem: list[ProbeFailed] = []

        def second(_: Any = None) -> None:
            try:
                if self._plan(probe, opts):
                    _chain(process.crawl(SampleSpider, findings=probe), None)
            except ProbeFailed as exc:
                problem.append(exc)

        _chain(process.crawl(HomeSpider, findings=probe), second)
        process.start()
        if problem:
            raise problem[0]

    def _plan(self, probe: Probe, opts: argparse.Namespace) -> bool:
        """After crawl 1: the family, the outlet, its sections and render plan (printed); whether to go on."""
        assert self.settings is not None
        if probe.home is None or probe.home.response is None:
            return False
        home = probe.home.response
        detection = detect_family(home)
        known = resolve(home.url)
        if known.slug in load_catalog():
            parts = urlsplit(home.url)
            base = f"{parts.scheme}://{parts.netloc}"
            outlet = known if known.base_url == base else known.with_base_url(base)
        else:
            outlet = new_outlet(home, detection.family, opts.slug, opts.outlet_name)
        family = get_family(outlet.family)
        if not family.article_page(home, outlet).is_article():
            # the home page's <title> parts are the outlet's own title affixes (never an article's headline)
            outlet = outlet.with_title_affixes(title_parts(home.xpath("//head/title/text()").get()))
        probe.outlet = outlet
        print(f"probe     {probe.url}")
        print(f"home      {home.url} ({home.status}, {charset_of(home)}, {len(home.body)} bytes)")
        print(f"family    {describe(detection)}")
        if outlet.slug in load_catalog():
            print(f"outlet    {outlet.slug}: in the catalog as {outlet.name!r} (family {outlet.family})")
            if detection.family != outlet.family:
                print(f"note      the page looks like {detection.family}, the catalog says {outlet.family}: "
                      "probed as the catalog says")
        else:
            print(f"outlet    {outlet.slug}: new, name {outlet.name!r} (--slug/--name to change)")
        if family.section_page is not None:
            probe.sections = family.section_page(home, outlet).sections()
            print(f"sections  {len(probe.sections)}: " + (", ".join(f"{s.code} {s.name or ''}".strip()
                                                                   for s in probe.sections) or "none in the menu"))
        links = page_links(home)
        if family.name == "generic":
            probe.candidates = article_like_links(home)
            if is_article_metadata(home):
                probe.articles.append(Fetched(home.url, home))  # the page itself is an article: no second fetch
        else:
            probe.candidates = [url for url in links if family.article_key(url) is not None]
        probe.plan = render_plan(outlet)
        if probe.plan.enabled:
            kinds = " and ".join(k for k in ("list", "article") if probe.plan.renders(k))
            print(f"render    family {family.name} builds its {kinds} pages with JavaScript (render={probe.plan.mode}): "
                  "probing them through Chromium")
            if self.settings.getbool("NEWSCRAWL_RENDER_ENABLED"):
                try:
                    check_rendering(self.settings)
                except RenderUnavailable as exc:
                    raise ProbeFailed(str(exc)) from None
        return len(probe.articles) < ARTICLES


def describe(detection: Detection) -> str:
    line = detection.describe()
    if detection.generator:
        line += f"; generator {detection.generator!r}"
    others = [e for e in detection.evidence if e.family != detection.family]
    if others:
        line += "; also " + "; ".join(f"{e.family}: {e.describe()}" for e in others)
    return line


def _chain(started: Any, then: Callable[[Any], None] | None) -> None:
    """Run ``then`` when a crawl started by ``CrawlerProcess.crawl`` ends (an asyncio task or a Deferred)."""
    if isinstance(started, asyncio.Task):
        def done(task: asyncio.Task[None]) -> None:
            if not task.cancelled():
                task.exception()  # retrieved: a crawl that failed to start is reported by the result, not asyncio
            if then is not None:
                then(task)

        started.add_done_callback(done)
    elif then is not None:
        started.addBoth(lambda result: (then(result), None)[1])
