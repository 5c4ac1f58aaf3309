"""Health checks at the end of a crawl, and the exit status cron sees.

A crawl from cron that "finished" can still be broken: the site answers errors, a markup
change makes every page a reject, or an extractor silently loses the authors. At spider
close :class:`HealthMonitor` checks

* ``finish_reason``: the crawl ended with ``finished`` (not ``shutdown``, ``closespider_*``...);
* ``http_error_rate``: (``httperror/response_ignored_count`` + ``downloader/exception_count``) /
  ``downloader/response_count`` <= ``NEWSCRAWL_HEALTH_MAX_HTTP_ERROR_RATE`` (checked whenever
  anything was downloaded or failed to download: a site that is down fails it);
* ``lost_rate``: requests lost before any response (offsite, redirect loops and chains, dupefilter,
  robots.txt, too large, download errors after retries; the sum of
  :data:`newscrawl.extensions.summary.LOST_STATS`) / (those + ``response_received_count``)
  <= ``NEWSCRAWL_HEALTH_MAX_LOST_RATE`` (checked whenever anything was requested);
* ``reject_rate``: ``newscrawl/rejects/total`` / (``item_scraped_count`` + rejects) <=
  ``NEWSCRAWL_HEALTH_MAX_REJECT_RATE`` (checked from ``NEWSCRAWL_HEALTH_MIN_ITEMS`` validated items);
* ``coverage:<field>``, per site: the share of exported items with a non-empty ``<field>`` >=
  its floor in ``NEWSCRAWL_HEALTH_MIN_COVERAGE`` (checked for a site from
  ``NEWSCRAWL_HEALTH_MIN_ITEMS`` exported items: a re-run that exports nothing new is healthy).

* ``family_share:<field>``, per site whose outlet is on a CMS family (not ``generic``): the share of
  exported items whose ``<field>`` came from the family's selectors (``extractor[<field>]`` is the
  family's name, see :mod:`newscrawl.pages.article`) >= its floor in
  ``NEWSCRAWL_HEALTH_MIN_FAMILY_SHARE`` (from ``NEWSCRAWL_HEALTH_MIN_ITEMS`` exported items). A
  redesign of the outlet's markup does not empty the fields, the generic fallbacks (JSON-LD, meta,
  visible labels, main text) still fill them, so coverage stays high; this is what says so.

Every exported item's provenance is also counted: ``newscrawl/extract/<field>/<path>`` (one per
item and field; ``clean`` when cleaning filled a field no step gave, ``none`` when it stayed
empty; counted by this extension, so not with ``NEWSCRAWL_HEALTH_ENABLED=false``), and per site in
the run report's ``extraction`` block (:meth:`Extraction.as_dict`).

Each failed check logs one ERROR line
(``health check failed: authors coverage 0.12 < 0.50 (site news21tongsin, 40 items)``) and is
counted as ``newscrawl/health/failed/<check>``; ``newscrawl/health/failed_checks`` is their
number. ``scrapy crawl`` then exits with :data:`EXIT_HEALTH` (3) instead of 0.

Settings:

``NEWSCRAWL_HEALTH_ENABLED``              run the checks (default true)
``NEWSCRAWL_HEALTH_MAX_HTTP_ERROR_RATE``  default 0.2
``NEWSCRAWL_HEALTH_MAX_REJECT_RATE``      default 0.2
``NEWSCRAWL_HEALTH_MAX_LOST_RATE``        default 0.1
``NEWSCRAWL_HEALTH_MIN_COVERAGE``         dict field -> floor, merged into the project default (``newscrawl/settings.py``)
                                          (``-s NEWSCRAWL_HEALTH_MIN_COVERAGE='{"authors": 0.8}'``;
                                          a floor of ``null`` drops that field's check)
``NEWSCRAWL_HEALTH_MIN_FAMILY_SHARE``     dict field -> floor of the family path's share, merged the same way
``NEWSCRAWL_HEALTH_MIN_ITEMS``            items needed before rates, coverage and family shares are judged (default 5)
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from typing import Any

import attrs
from itemadapter import ItemAdapter
from scrapy import signals
from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured
from scrapy.settings import BaseSettings

from newscrawl.config import project_settings
from newscrawl.extensions.summary import lost_counts
from newscrawl.families import CatalogError, generic, resolve
from newscrawl.items import StoredArticle
from newscrawl.pages.article import FAMILY_FIELDS

logger = logging.getLogger(__name__)

#: Exit status of ``scrapy crawl`` when a health check failed.
EXIT_HEALTH = 3
#: Exit status when all is well.
EXIT_OK = 0

#: Fields whose coverage is always counted (and reported), whether or not they have a floor.
COVERAGE_FIELDS: tuple[str, ...] = ("title", "published_at", "authors", "body")

PASSED, FAILED, SKIPPED = "passed", "failed", "skipped"
#: The path counted for a field no step produced (absent from ``extractor``) and left empty.
NO_PATH = "none"
#: The path counted for a field no step produced that cleaning filled (authors from the body's dateline or
#: sign-off, :func:`newscrawl.pages.clean.clean_article`).
CLEAN_PATH = "clean"
#: ``extractor`` keys that are not fields (a reject's evidence; rejects are not exported anyway).
NOT_FIELDS = frozenset({"truncated", "error"})


@attrs.frozen
class Thresholds:
    """Limits of the checks, read from the settings (their defaults live in ``newscrawl/settings.py``)."""

    max_http_error_rate: float
    max_reject_rate: float
    max_lost_rate: float
    min_coverage: Mapping[str, float]
    min_items: int
    min_family_share: Mapping[str, float] = attrs.field(factory=dict)
    max_not_article_rate: float = 0.5

    @classmethod
    def from_settings(cls, settings: BaseSettings) -> Thresholds:
        return cls(
            max_http_error_rate=settings.getfloat("NEWSCRAWL_HEALTH_MAX_HTTP_ERROR_RATE"),
            max_reject_rate=settings.getfloat("NEWSCRAWL_HEALTH_MAX_REJECT_RATE"),
            max_lost_rate=settings.getfloat("NEWSCRAWL_HEALTH_MAX_LOST_RATE"),
            min_coverage=_floors(settings, "NEWSCRAWL_HEALTH_MIN_COVERAGE"),
            min_items=settings.getint("NEWSCRAWL_HEALTH_MIN_ITEMS"),
            min_family_share=_floors(settings, "NEWSCRAWL_HEALTH_MIN_FAMILY_SHARE"),
            max_not_article_rate=settings.getfloat("NEWSCRAWL_HEALTH_MAX_NOT_ARTICLE_RATE"),
        )

    @classmethod
    def defaults(cls) -> Thresholds:
        """The thresholds of a crawl with the project's default settings."""
        return cls.from_settings(project_settings())


def _floors(settings: BaseSettings, name: str) -> dict[str, float]:
    """A dict setting of floors merged into the project default: a partial one changes only the floors
    it names, a floor of ``null`` drops that field's check."""
    floors: dict[str, Any] = dict(project_settings().getdict(name))
    floors.update(settings.getdict(name))
    return {k: float(v) for k, v in floors.items() if v is not None}


def _present(value: Any) -> bool:
    if value is None:
        return False
    if isinstance(value, str):
        return bool(value.strip())
    if isinstance(value, (list, tuple, dict, set)):
        return bool(value)
    return True


class Coverage:
    """Per site: exported items, and how many of them have each field (counted in ``item_scraped``)."""

    def __init__(self, fields: Iterable[str] = COVERAGE_FIELDS) -> None:
        self.fields = tuple(dict.fromkeys(fields))
        self.items: Counter[str] = Counter()
        self.present: dict[str, Counter[str]] = {}

    def add(self, item: Any) -> None:
        adapter = ItemAdapter(item)
        site = str(adapter.get("site") or "?")
        self.items[site] += 1
        counts = self.present.setdefault(site, Counter())
        for field in self.fields:
            if _present(adapter.get(field)):
                counts[field] += 1

    def shares(self, site: str) -> dict[str, float]:
        n = self.items[site]
        return {f: (self.present.get(site, Counter())[f] / n if n else 0.0) for f in self.fields}

    def as_dict(self) -> dict[str, dict[str, Any]]:
        """``{site: {"items": n, "fields": {field: share}}}``, shares rounded to 4 places."""
        return {site: {"items": self.items[site], "fields": {f: round(v, 4) for f, v in self.shares(site).items()}}
                for site in sorted(self.items)}


def outlet_family(item: Any, spider: Any = None) -> str:
    """The family whose page class read ``item``: the spider's outlet when the item is of it (an outlet
    crawl, also at another ``base_url``), else the outlet its URL resolves to (what the ``articles``
    spider extracted it with)."""
    adapter = ItemAdapter(item)
    site = getattr(spider, "site", None)
    if site is not None and getattr(site, "slug", None) == adapter.get("site"):
        return str(site.family)
    url = adapter.get("url")
    try:
        return resolve(url).family if url else generic.NAME
    except (ValueError, CatalogError):  # a URL no outlet resolves (never in a crawl): counted, not judged
        return generic.NAME


class Extraction:
    """Per site: exported items and, per field, how many came from each path (``extractor``), counted in
    ``item_scraped`` like :class:`Coverage`. The fields a family hook can give (:data:`FAMILY_FIELDS`) are
    counted for every item: :data:`CLEAN_PATH` when no step gave it but cleaning did, else :data:`NO_PATH`."""

    def __init__(self) -> None:
        self.items: Counter[str] = Counter()
        self.family: dict[str, str] = {}
        self.paths: dict[str, dict[str, Counter[str]]] = {}

    def add(self, item: Any, family: Callable[[], str] = lambda: generic.NAME) -> list[tuple[str, str]]:
        """Count one exported item; ``family()`` names the family that read it (asked once per site).
        Returns the item's ``(field, path)`` pairs (for the stats)."""
        adapter = ItemAdapter(item)
        site = str(adapter.get("site") or "?")
        self.items[site] += 1
        if site not in self.family:
            self.family[site] = family()
        extractor = adapter.get("extractor") or {}
        if not isinstance(extractor, Mapping):
            extractor = {}
        pairs = [(field, str(extractor.get(field) or (CLEAN_PATH if _present(adapter.get(field)) else NO_PATH)))
                 for field in FAMILY_FIELDS]
        pairs += [(str(k), str(v)) for k, v in extractor.items()
                  if k not in FAMILY_FIELDS and k not in NOT_FIELDS and v]
        counts = self.paths.setdefault(site, {})
        for field, path in pairs:
            counts.setdefault(field, Counter())[path] += 1
        return pairs

    def family_share(self, site: str, field: str) -> float:
        n = self.items[site]
        family = self.family.get(site)
        return self.paths.get(site, {}).get(field, Counter())[family] / n if n and family else 0.0

    def others(self, site: str, field: str) -> dict[str, int]:
        """The paths other than the family's that gave ``field``, most frequent first."""
        counts = self.paths.get(site, {}).get(field, Counter())
        return {p: c for p, c in counts.most_common() if p != self.family.get(site)}

    def as_dict(self) -> dict[str, dict[str, Any]]:
        """``{site: {"family": f, "items": n, "fields": {field: {path: {"count": c, "share": s}}}}}``."""
        out: dict[str, dict[str, Any]] = {}
        for site in sorted(self.items):
            n = self.items[site]
            fields = {field: {path: {"count": c, "share": round(c / n, 4)}
                              for path, c in sorted(counts.items(), key=lambda pc: (-pc[1], pc[0]))}
                      for field, counts in self.paths.get(site, {}).items()}
            out[site] = {"family": self.family.get(site), "items": n, "fields": fields}
        return out


@attrs.frozen
class Check:
    """One check's outcome; ``value``/``limit`` are rates or shares (None for the finish reason)."""

    name: str
    status: str  # passed | failed | skipped
    value: Any
    limit: Any
    message: str
    site: str | None = None
    items: int | None = None

    @property
    def failed(self) -> bool:
        return self.status == FAILED

    def as_dict(self) -> dict[str, Any]:
        d = attrs.asdict(self)
        if isinstance(d["value"], float):
            d["value"] = round(d["value"], 4)
        return {k: v for k, v in d.items() if v is not None or k in ("value", "limit")}


def http_errors(stats: Mapping[str, Any]) -> tuple[int, int]:
    """(HTTP error responses ignored + download exceptions, responses)."""
    errors = int(stats.get("httperror/response_ignored_count", 0)) + int(stats.get("downloader/exception_count", 0))
    return errors, int(stats.get("downloader/response_count", 0))


def lost_requests(stats: Mapping[str, Any]) -> tuple[int, int]:
    """(requests lost before any response, those + responses received)."""
    lost = sum(lost_counts(stats).values())
    return lost, lost + int(stats.get("response_received_count", 0))


def check_health(stats: Mapping[str, Any], coverage: Coverage, reason: str | None,
                 thresholds: Thresholds | None = None, extraction: Extraction | None = None) -> list[Check]:
    """Every check (passed, failed or skipped) for a crawl's final ``stats``, ``coverage``, ``extraction``
    (provenance counts; none: no family-share checks) and finish ``reason``."""
    t = thresholds or Thresholds.defaults()
    checks: list[Check] = []
    reason = reason or str(stats.get("finish_reason") or "")
    ok = reason == "finished"
    checks.append(Check("finish_reason", PASSED if ok else FAILED, reason, "finished",
                        f"finish reason {reason!r}" + ("" if ok else " != 'finished'")))

    errors, responses = http_errors(stats)
    if errors or responses:
        rate = errors / responses if responses else 1.0
        ok = rate <= t.max_http_error_rate
        checks.append(Check("http_error_rate", PASSED if ok else FAILED, rate, t.max_http_error_rate,
                            f"HTTP error rate {rate:.2f} {'<=' if ok else '>'} {t.max_http_error_rate:.2f} "
                            f"({errors} errors and download exceptions, {responses} responses)"))
    else:
        checks.append(Check("http_error_rate", SKIPPED, None, t.max_http_error_rate, "nothing was downloaded"))

    lost, requested = lost_requests(stats)
    if requested:
        rate = lost / requested
        ok = rate <= t.max_lost_rate
        checks.append(Check("lost_rate", PASSED if ok else FAILED, rate, t.max_lost_rate,
                            f"lost rate {rate:.2f} {'<=' if ok else '>'} {t.max_lost_rate:.2f} "
                            f"({lost} of {requested} requests lost: "
                            + (", ".join(f"{k} {v}" for k, v in lost_counts(stats).items() if v) or "none") + ")"))
    else:
        checks.append(Check("lost_rate", SKIPPED, None, t.max_lost_rate, "nothing was requested"))

    # Article pages that did not read as articles: a few are deleted articles; most of them, an outlet whose
    # markup no longer matches its family and carries no article metadata either (a redesign).
    not_article = int(stats.get("newscrawl/pages/not_article", 0))
    pages = not_article + int(stats.get("newscrawl/pages/articles", 0))
    if pages >= max(1, t.min_items):
        rate = not_article / pages
        ok = rate <= t.max_not_article_rate
        checks.append(Check("not_article_rate", PASSED if ok else FAILED, rate, t.max_not_article_rate,
                            f"not-article rate {rate:.2f} {'<=' if ok else '>'} {t.max_not_article_rate:.2f} "
                            f"({not_article} of {pages} article pages did not read as articles"
                            + ("" if ok else ": has the outlet's markup changed?") + ")", items=pages))
    else:
        checks.append(Check("not_article_rate", SKIPPED, None, t.max_not_article_rate,
                            f"{pages} article pages < {t.min_items} (NEWSCRAWL_HEALTH_MIN_ITEMS)", items=pages))

    rejected = int(stats.get("newscrawl/rejects/total", 0))
    exported = int(stats.get("item_scraped_count", 0)) - int(stats.get("newscrawl/store/from_store", 0))
    judged = rejected + exported
    if judged >= max(1, t.min_items):
        rate = rejected / judged
        ok = rate <= t.max_reject_rate
        checks.append(Check("reject_rate", PASSED if ok else FAILED, rate, t.max_reject_rate,
                            f"reject rate {rate:.2f} {'<=' if ok else '>'} {t.max_reject_rate:.2f} "
                            f"({rejected} rejected, {exported} exported)", items=judged))
    else:
        checks.append(Check("reject_rate", SKIPPED, None, t.max_reject_rate,
                            f"{judged} validated items < {t.min_items} (NEWSCRAWL_HEALTH_MIN_ITEMS)", items=judged))

    for site in sorted(coverage.items):
        n = coverage.items[site]
        shares = coverage.shares(site)
        for field, floor in t.min_coverage.items():
            name = f"coverage:{field}"
            if n < max(1, t.min_items):
                checks.append(Check(name, SKIPPED, None, floor,
                                    f"{n} items < {t.min_items} (NEWSCRAWL_HEALTH_MIN_ITEMS)", site=site, items=n))
                continue
            share = shares.get(field)
            if share is None:
                checks.append(Check(name, SKIPPED, None, floor, f"{field} was not counted", site=site, items=n))
                continue
            ok = share >= floor
            checks.append(Check(name, PASSED if ok else FAILED, share, floor,
                                f"{field} coverage {share:.2f} {'>=' if ok else '<'} {floor:.2f} "
                                f"(site {site}, {n} items)", site=site, items=n))
    if extraction is not None:
        checks.extend(family_share_checks(extraction, t))
    return checks


def family_share_checks(extraction: Extraction, t: Thresholds) -> list[Check]:
    """``family_share:<field>`` per site on a CMS family: markup drift, the family selectors no longer matching."""
    checks: list[Check] = []
    for site in sorted(extraction.items):
        family = extraction.family.get(site) or generic.NAME
        if family == generic.NAME:
            continue  # no family selectors to drift from
        n = extraction.items[site]
        for field, floor in t.min_family_share.items():
            name = f"family_share:{field}"
            if n < max(1, t.min_items):
                checks.append(Check(name, SKIPPED, None, floor,
                                    f"{n} items < {t.min_items} (NEWSCRAWL_HEALTH_MIN_ITEMS)", site=site, items=n))
                continue
            share = extraction.family_share(site, field)
            ok = share >= floor
            others = ", ".join(f"{p} {c}" for p, c in extraction.others(site, field).items()) or "none"
            checks.append(Check(name, PASSED if ok else FAILED, share, floor,
                                f"{field} from the {family} selectors {share:.2f} {'>=' if ok else '<'} {floor:.2f} "
                                f"(site {site}, {n} items; other paths: {others})"
                                + ("" if ok else f": has the {site} markup changed?"), site=site, items=n))
    return checks


def failures(checks: Iterable[Check]) -> list[Check]:
    return [c for c in checks if c.failed]


def exit_status(checks: Iterable[Check]) -> int:
    """:data:`EXIT_HEALTH` when a check failed, else :data:`EXIT_OK`."""
    return EXIT_HEALTH if failures(checks) else EXIT_OK


def coverage_for(settings: Any) -> Coverage:
    """A :class:`Coverage` counting the reported fields plus every field with a floor."""
    return Coverage([*COVERAGE_FIELDS, *Thresholds.from_settings(settings).min_coverage])


class HealthMonitor:
    """Extension: counts field coverage and provenance of exported items, runs :func:`check_health` at spider close.

    Settings: ``NEWSCRAWL_HEALTH_ENABLED``, ``NEWSCRAWL_HEALTH_MAX_HTTP_ERROR_RATE``,
    ``NEWSCRAWL_HEALTH_MAX_REJECT_RATE``, ``NEWSCRAWL_HEALTH_MAX_LOST_RATE``, ``NEWSCRAWL_HEALTH_MIN_COVERAGE``,
    ``NEWSCRAWL_HEALTH_MIN_FAMILY_SHARE``, ``NEWSCRAWL_HEALTH_MIN_ITEMS`` (see the module docstring).
    Stats: ``newscrawl/extract/<field>/<path>`` (per exported item), ``newscrawl/health/checks``
    (checks judged), ``newscrawl/health/failed_checks`` and ``newscrawl/health/failed/<check>``.
    """

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self.thresholds = Thresholds.from_settings(crawler.settings)
        self.coverage = coverage_for(crawler.settings)
        self.extraction = Extraction()
        self.checks: list[Check] | None = None

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> HealthMonitor:
        if not crawler.settings.getbool("NEWSCRAWL_HEALTH_ENABLED"):
            raise NotConfigured
        ext = cls(crawler)
        crawler.signals.connect(ext.item_scraped, signal=signals.item_scraped)
        crawler.signals.connect(ext.spider_closed, signal=signals.spider_closed)
        return ext

    def item_scraped(self, item: Any) -> None:
        if not isinstance(item, StoredArticle):  # this run's extraction only, not the -O file's stored items
            self.coverage.add(item)
            stats = self.crawler.stats
            for field, path in self.extraction.add(item, lambda: outlet_family(item, self.crawler.spider)):
                stats.inc_value(f"newscrawl/extract/{field}/{path}")

    def spider_closed(self, reason: str) -> None:
        stats = self.crawler.stats
        assert stats is not None
        self.checks = check_health(stats.get_stats(), self.coverage, reason, self.thresholds, self.extraction)
        failed = failures(self.checks)
        stats.set_value("newscrawl/health/checks", sum(c.status != SKIPPED for c in self.checks))
        stats.set_value("newscrawl/health/failed_checks", len(failed))
        for check in failed:
            stats.inc_value(f"newscrawl/health/failed/{check.name}")
            logger.error("health check failed: %s", check.message)
        if not failed:
            logger.info("health checks passed: %d judged, %d skipped (too few items)",
                        sum(c.status == PASSED for c in self.checks), sum(c.status == SKIPPED for c in self.checks))
