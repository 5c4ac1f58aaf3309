"""Run report: one JSON file per crawl saying what it did, for cron operators and dashboards.

:class:`RunReport` writes, when the spider closes, a JSON object with: ``spider``, ``site``
(and ``sites`` seen in items), ``started_at``/``finished_at`` (UTC), ``duration_seconds``,
``finish_reason``, ``exit_status`` (what ``scrapy crawl`` exits with: 0, or 3 when a health
check failed), ``counts`` (requests, responses by status, download exceptions, list and
article pages, exported, rejected by reason, duplicates by kind, near duplicates, known
before this run, not-article pages, ``too_large``, ``lost`` with ``total`` and ``by_kind``:
requests that never reached a callback, see :data:`newscrawl.extensions.summary.LOST_STATS`,
...), ``coverage`` (per site: items and the share of them with each field), ``extraction`` (per site:
its family, items, and per field the paths that gave it with count and share, ``clean`` for a value only
cleaning gave, ``none`` for no value; see
:class:`newscrawl.extensions.health.Extraction`), ``health``
(every check of :mod:`newscrawl.extensions.health` with status, value and limit), ``versions``
(newscrawl, scrapy, python, lxml, trafilatura, ...) and ``settings`` (state URI and lock,
since/until/full, limits, feeds).

Where (``NEWSCRAWL_REPORT_URI``, params ``%(site)s``, ``%(date)s`` (crawl day, KST),
``%(name)s`` (spider), ``%(time)s`` (start, UTC, ``YYYY-MM-DDTHH-MM-SS``)):

* unset (default): ``<output>/runs/%(site)s/%(time)s.json``, where ``<output>`` is
  ``NEWSCRAWL_OUTPUT_DIR`` (relative: to the project directory) with the default feeds, else
  the folder of the first local ``-o``/``-O`` feed (so a crawl with ``-O out/articles.jsonl``
  reports to ``out/runs/``);
* a template: that path (``file://`` allowed); an existing file is never overwritten
  (``-2``, ``-3`` ... are appended);
* empty: no report. ``scrapy shell``, ``parse``, ``check`` and ``list`` set it empty (they
  write no files at all, see :mod:`newscrawl.commands.nofiles`); a crawl stopped before its
  start (bad arguments, state lock, untrusted state) writes none either.
"""

from __future__ import annotations

import json
import logging
import os
import platform
import socket
import subprocess
from collections.abc import Mapping
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path
from typing import Any

from scrapy import signals
from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured

from newscrawl import __version__
from newscrawl.extensions.health import (
    EXIT_OK,
    Extraction,
    Thresholds,
    check_health,
    coverage_for,
    exit_status,
    outlet_family,
)
from newscrawl.extensions.summary import summary_counts
from newscrawl.items import StoredArticle
from newscrawl.output.feeds import chosen_output_folder, uri_params
from newscrawl.output.storage import write_failure
from newscrawl.state.lock import lock_path
from newscrawl.state.store import public_uri

logger = logging.getLogger(__name__)

#: newscrawl's version (the one in the User-Agent); the report adds the git commit when it can.
NEWSCRAWL_VERSION = __version__
PROJECT_ROOT = Path(__file__).resolve().parents[1]
TIME_FORMAT = "%Y-%m-%dT%H-%M-%S"
#: Settings copied into the report as they were for this run.
REPORTED_SETTINGS = ("NEWSCRAWL_STATE_URI", "NEWSCRAWL_SINCE", "NEWSCRAWL_UNTIL", "NEWSCRAWL_FULL",
                     "NEWSCRAWL_MAX_PAGES", "NEWSCRAWL_MAX_ARTICLES", "NEWSCRAWL_NEAR_DUPLICATES",
                     "NEWSCRAWL_NEAR_THRESHOLD", "NEWSCRAWL_LOCK_WAIT", "NEWSCRAWL_HEALTH_ENABLED",
                     "NEWSCRAWL_OUTPUT_DIR", "NEWSCRAWL_REJECTS_URI", "LOG_FILE", "LOG_LEVEL")
#: Spider attributes that record effective arguments (``-a since=...`` beats the setting).
SPIDER_ARGUMENTS = ("since", "until", "full", "max_pages", "max_articles", "sections")


class _Blank(dict[str, str]):
    def __missing__(self, key: str) -> str:
        return ""


def _version(dist: str) -> str | None:
    try:
        return metadata.version(dist)
    except metadata.PackageNotFoundError:
        return None


def _git_commit() -> str | None:
    try:
        out = subprocess.run(["git", "-C", str(PROJECT_ROOT), "describe", "--always", "--dirty", "--abbrev=12"],
                             capture_output=True, text=True, timeout=5, check=False)
    except (OSError, subprocess.SubprocessError):
        return None
    return out.stdout.strip() or None if out.returncode == 0 else None


def versions() -> dict[str, str | None]:
    """Versions that explain a run's output: newscrawl (and its git commit), scrapy, python, parsers."""
    return {
        "newscrawl": NEWSCRAWL_VERSION,
        "newscrawl_commit": _git_commit(),
        "scrapy": _version("scrapy"),
        "python": platform.python_version(),
        "lxml": _version("lxml"),
        "trafilatura": _version("trafilatura"),
        "twisted": _version("twisted"),
    }


def _json_value(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, (str, int, float, bool)) or value is None:
        return value
    if isinstance(value, Mapping):
        return {str(k): _json_value(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set)):
        return [_json_value(v) for v in value]
    return str(value)


def _prefixed(stats: Mapping[str, Any], prefix: str) -> dict[str, Any]:
    return {k[len(prefix):]: v for k, v in sorted(stats.items()) if k.startswith(prefix)}


def _render_block(spider: Any) -> dict[str, Any] | None:
    """What a crawl that renders rendered (``RenderingMixin.render_report``); None for a plain crawl."""
    plan = getattr(spider, "render", None)
    if plan is None or not plan.enabled:
        return None
    block: dict[str, Any] = spider.render_report()
    return block


def report_counts(stats: Mapping[str, Any]) -> dict[str, Any]:
    """The ``counts`` block of a report, from a crawl's final stats."""
    summary = summary_counts(dict(stats))
    by_status = {k: v for k, v in _prefixed(stats, "downloader/response_status_count/").items()}
    return {
        "requests": stats.get("downloader/request_count", 0),
        "responses": stats.get("downloader/response_count", 0),
        "responses_by_status": dict(sorted(by_status.items())),
        "download_exceptions": stats.get("downloader/exception_count", 0),
        "download_exceptions_by_type": _prefixed(stats, "downloader/exception_type_count/"),
        "http_errors_ignored": stats.get("httperror/response_ignored_count", 0),
        "retries": stats.get("retry/count", 0),
        "list_pages": stats.get("newscrawl/lists/pages", 0),
        "article_pages": stats.get("newscrawl/pages/articles", 0),
        "not_article_pages": summary["not_article"],
        "extract_errors": summary["extract_errors"],
        "exported": summary["exported"],
        "from_store": summary["from_store"],
        "backfilled": summary["backfilled"],
        "rejected": summary["rejected"],
        "rejected_by_reason": dict(sorted(summary["reject_reasons"].items())),
        "duplicates": summary["duplicates"],
        "duplicates_by_kind": {k: stats.get(f"newscrawl/dedupe/{k}", 0)
                               for k in ("article_id", "canonical_url", "content_hash", "near_duplicate_dropped")},
        "near_duplicates": summary["near_duplicates"],
        "known_before_run": summary["known_before_run"],
        "link_variants_skipped": summary["link_variants_skipped"],
        "too_large": stats.get("newscrawl/pages/too_large", 0),
        "retries_given_up": stats.get("retry/max_reached", 0),
        "lost": {"total": summary["lost"], "by_kind": summary["lost_kinds"]},
        "lists_no_progress": summary["lists_no_progress"],
        "lists_truncated": stats.get("newscrawl/lists/truncated", 0),
        "truncated_retried": stats.get("newscrawl/pages/truncated_retried", 0),
        "write_errors": summary["write_errors"],
        "state_articles_before": stats.get("newscrawl/state/articles_before"),
        "state_articles_after": stats.get("newscrawl/state/articles"),
    }


def default_report_uri(settings: Any) -> str:
    """``<output>/runs/%(site)s/%(time)s.json``: see the module docstring for ``<output>``."""
    return f"{chosen_output_folder(settings)}/runs/%(site)s/%(time)s.json"


def _free_path(path: Path) -> Path:
    if not path.exists():
        return path
    n = 2
    while (candidate := path.with_name(f"{path.stem}-{n}{path.suffix}")).exists():
        n += 1
    return candidate


class RunReport:
    """Extension writing the run report at spider close (settings: ``NEWSCRAWL_REPORT_URI``, see module docstring)."""

    def __init__(self, crawler: Crawler, uri: str) -> None:
        self.crawler = crawler
        self.uri = uri
        self.coverage = coverage_for(crawler.settings)
        self.extraction = Extraction()
        self.started_at: datetime | None = None
        self.path: Path | None = None

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> RunReport:
        uri = crawler.settings.get("NEWSCRAWL_REPORT_URI")
        if uri is None:
            uri = default_report_uri(crawler.settings)
        if not uri:
            raise NotConfigured
        ext = cls(crawler, uri)
        crawler.signals.connect(ext.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(ext.item_scraped, signal=signals.item_scraped)
        crawler.signals.connect(ext.spider_closed, signal=signals.spider_closed)
        return ext

    def spider_opened(self, spider: Any) -> None:
        self.started_at = datetime.now(UTC)
        params = uri_params(_Blank(name=spider.name, time=self.started_at.strftime(TIME_FORMAT)), spider)
        self.path = Path((self.uri % params).removeprefix("file://"))

    def item_scraped(self, item: Any) -> None:
        if not isinstance(item, StoredArticle):  # this run's extraction only, not the -O file's stored items
            self.coverage.add(item)
            self.extraction.add(item, lambda: outlet_family(item, self.crawler.spider))

    def build(self, reason: str) -> dict[str, Any]:
        """The report as a JSON-ready dict (at spider close)."""
        crawler = self.crawler
        settings = crawler.settings
        spider = crawler.spider
        assert crawler.stats is not None
        stats = crawler.stats.get_stats()
        finished = datetime.now(UTC)
        started = self.started_at or stats.get("start_time") or finished
        health_on = settings.getbool("NEWSCRAWL_HEALTH_ENABLED")
        thresholds = Thresholds.from_settings(settings)
        checks = check_health(stats, self.coverage, reason, thresholds, self.extraction) if health_on else []
        site = uri_params({}, spider)["site"]
        state_uri = settings["NEWSCRAWL_STATE_URI"]
        lock = lock_path(state_uri) if settings.getbool("NEWSCRAWL_LOCK_ENABLED") else None
        report: dict[str, Any] = _json_value({
            "spider": getattr(spider, "name", None),
            "site": site,
            "sites": sorted(self.coverage.items),
            "started_at": started,
            "finished_at": finished,
            "duration_seconds": round((finished - started).total_seconds(), 3),
            "finish_reason": reason,
            "exit_status": exit_status(checks) if health_on else EXIT_OK,
            "host": socket.gethostname(),
            "pid": os.getpid(),
            "counts": report_counts(stats),
            "coverage": self.coverage.as_dict(),
            "extraction": self.extraction.as_dict(),
            "health": {
                "enabled": health_on,
                "passed": not any(c.failed for c in checks),
                "failed": [c.name for c in checks if c.failed],
                "thresholds": {"max_http_error_rate": thresholds.max_http_error_rate,
                               "max_reject_rate": thresholds.max_reject_rate,
                               "max_lost_rate": thresholds.max_lost_rate,
                               "min_coverage": dict(thresholds.min_coverage),
                               "min_family_share": dict(thresholds.min_family_share),
                               "min_items": thresholds.min_items},
                "checks": [c.as_dict() for c in checks],
            },
            "versions": versions(),
            "settings": {
                **{name: settings.get(name) for name in REPORTED_SETTINGS},
                "NEWSCRAWL_STATE_URI": public_uri(state_uri),  # never a PostgreSQL password
                "state_lock": str(lock) if lock else None,
                "FEEDS": list(settings.getdict("FEEDS")),
            },
            # JavaScript outlets: what was rendered and whether a cheaper path would do (newscrawl/render/probe.py)
            "render": _render_block(spider),
            "spider_arguments": {name: value for name in SPIDER_ARGUMENTS
                                 if not callable(value := getattr(spider, name, None)) and value is not None},
        })
        return report

    def spider_closed(self, reason: str) -> None:
        if self.path is None:
            return
        report = self.build(reason)
        try:
            path = _free_path(self.path)
            path.parent.mkdir(parents=True, exist_ok=True)
            tmp = path.with_name(f".{path.name}.tmp")
            tmp.write_text(json.dumps(report, ensure_ascii=False, indent=2) + "\n", "utf-8")
            os.replace(tmp, path)
        except OSError as exc:
            # The report is a view of the stats, which the log's last lines hold too: a full or
            # read-only output folder must not add a traceback to the one ERROR that says so.
            # After a write error has stopped the crawl (one ERROR already said so), this is its echo.
            log = logger.warning if write_failure(self.crawler) is not None else logger.error
            log("run report not written to %s: %s", self.path, exc)
            self.crawler.stats.inc_value("newscrawl/report/write_error")
            return
        self.path = path
        logger.info("run report written to %s (exit status %s)", path, report["exit_status"])
