"""ValidatePipeline: invalid items go to the rejects feed with a reason, never silently away.

Checks, in order, each failure a ``reject_reason``: ``extract_error``; ``missing:<field>``;
``body_too_short``/``body_too_long``; ``title_too_short``/``title_too_long``;
``published_in_future``/``modified_in_future`` (beyond a tolerance);
``published_too_old``/``modified_too_old`` (before ``NEWSCRAWL_MIN_DATE``); ``truncated`` (the page
was cut short: no closing ``</body>``/``</html>``, or fewer bytes than its Content-Length); ``modified_before_published``;
``naive_datetime:<field>``; ``replacement_char:<field>``/``mojibake:<field>`` (text lost or garbled
by a wrong charset); ``offsite_url`` (the URL is outside the outlet's domains); ``schema:<field>``
(the exported record does not match ``newscrawl/schema/article.schema.json``: checked on every item
with the schema compiled once, :mod:`newscrawl.pipelines.schema`; ``jsonschema`` names the reasons).

Settings:

``NEWSCRAWL_REQUIRED_FIELDS``  fields that must be non-empty (default url, title, body, published_at)
``NEWSCRAWL_MIN_BODY_CHARS``   body length floor in characters (default 50)
``NEWSCRAWL_MAX_BODY_CHARS``   body length ceiling (default 200000: a whole page dumped as "body")
``NEWSCRAWL_MIN_TITLE_CHARS`` / ``NEWSCRAWL_MAX_TITLE_CHARS``  title bounds (default 4 / 300)
``NEWSCRAWL_FUTURE_TOLERANCE`` seconds a time may lie in the future (clock skew; default 3600)
``NEWSCRAWL_MIN_DATE``         earliest accepted time (default 1990-01-01, Korea time)
``NEWSCRAWL_REJECTS_URI``      JSON Lines file of rejected items, each with ``reject_reason``;
                               ``%(site)s`` outlet, ``%(date)s`` crawl day (KST), ``%(name)s`` spider,
                               ``%(time)s`` start time (default: beside the chosen output,
                               ``<first -o/-O feed's folder, else NEWSCRAWL_OUTPUT_DIR>/%(site)s/%(date)s.rejects.jsonl``);
                               empty disables the file
``NEWSCRAWL_REJECTS_OVERWRITE`` truncate the rejects file at start (default false: append, so
                               scheduled runs keep every reject)

Stats: ``newscrawl/rejects/total`` and ``newscrawl/rejects/<reason>``; texts that look wrongly
decoded are also counted as ``newscrawl/charset/suspicious``.
"""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime, timedelta
from functools import cache
from pathlib import Path
from typing import Any

import attrs
import jsonschema
from itemadapter import ItemAdapter
from scrapy.crawler import Crawler
from scrapy.exceptions import DropItem
from scrapy.settings import BaseSettings

from newscrawl.catalog import load_catalog
from newscrawl.config import project_path, project_settings
from newscrawl.items import StoredArticle, StoredReject
from newscrawl.output.exporters import export_dict
from newscrawl.output.feeds import default_rejects_uri, uri_params
from newscrawl.output.storage import DurableFile, forget, open_durable
from newscrawl.parsing.charset import mojibake_reason
from newscrawl.parsing.dates import parse_datetime
from newscrawl.parsing.urls import host_of
from newscrawl.pipelines import Rejected
from newscrawl.pipelines.schema import Check, compile_schema

logger = logging.getLogger(__name__)

SCHEMA_PATH = Path(__file__).resolve().parents[1] / "schema" / "article.schema.json"


@attrs.frozen
class Limits:
    """Validation thresholds, read from the settings (their defaults live in ``newscrawl/settings.py``)."""

    required: tuple[str, ...]
    min_body_chars: int
    max_body_chars: int
    min_title_chars: int
    max_title_chars: int
    future_tolerance: timedelta
    #: Times before it are rejected (``published_too_old``): a 1900 date is a CMS placeholder, not news.
    min_date: datetime

    @classmethod
    def from_settings(cls, settings: BaseSettings) -> Limits:
        return cls(
            required=tuple(settings.getlist("NEWSCRAWL_REQUIRED_FIELDS")),
            min_body_chars=settings.getint("NEWSCRAWL_MIN_BODY_CHARS"),
            max_body_chars=settings.getint("NEWSCRAWL_MAX_BODY_CHARS"),
            min_title_chars=settings.getint("NEWSCRAWL_MIN_TITLE_CHARS"),
            max_title_chars=settings.getint("NEWSCRAWL_MAX_TITLE_CHARS"),
            future_tolerance=timedelta(seconds=settings.getfloat("NEWSCRAWL_FUTURE_TOLERANCE")),
            min_date=_min_date(settings["NEWSCRAWL_MIN_DATE"]),
        )



def _min_date(value: Any) -> datetime:
    """``NEWSCRAWL_MIN_DATE`` as an aware time (a bare date: 00:00 Korea time), or one clear error."""
    moment = parse_datetime(str(value)) if value else None
    if moment is None:
        raise ValueError(f"NEWSCRAWL_MIN_DATE={value!r} is not a date (YYYY-MM-DD or ISO datetime)")
    return moment


@cache
def default_limits() -> Limits:
    """The limits of a crawl with the project's default settings (tests, ``scrapy extract``)."""
    return Limits.from_settings(project_settings())


@cache
def _schema() -> dict[str, Any]:
    schema: dict[str, Any] = json.loads(SCHEMA_PATH.read_text("utf-8"))
    return schema


@cache
def _schema_validator() -> jsonschema.Draft202012Validator:
    return jsonschema.Draft202012Validator(_schema())


@cache
def _schema_check() -> Check:
    """The schema compiled once (:mod:`newscrawl.pipelines.schema`): whether a record is valid, an order
    of magnitude cheaper than jsonschema; jsonschema names the reasons of a record that is not."""
    return compile_schema(_schema())


def schema_reasons(record: dict[str, Any]) -> list[str]:
    """``schema:<field>`` reasons of an exported record (``schema:<keyword>`` for the record itself), sorted."""
    if _schema_check()(record):
        return []
    errors = _schema_validator().iter_errors(record)
    return sorted({f"schema:{e.path[0] if e.path else e.validator}" for e in errors})


def _host_in(url: str, domains: tuple[str, ...]) -> bool:
    host = host_of(url)
    return any(host == d or host.endswith("." + d) for d in (x.removeprefix("www.") for x in domains))


def validate_article(item: Any, limits: Limits | None = None, domains: tuple[str, ...] = (),
                     now: datetime | None = None) -> list[str]:
    """Reasons ``item`` is invalid, most fundamental first; empty when valid.

    ``domains``: the outlet's hosts; when given, the item's URL must be on one of them.
    """
    limits = limits or default_limits()
    adapter = ItemAdapter(item)
    error = (adapter.get("extractor") or {}).get("error")
    if error:
        return ["extract_error"]
    if (adapter.get("extractor") or {}).get("truncated"):
        return ["truncated"]  # whatever else is wrong follows from the missing part
    reasons = [f"missing:{field}" for field in limits.required if not adapter.get(field)]
    body, title = adapter.get("body"), adapter.get("title")
    if body and len(body) < limits.min_body_chars:
        reasons.append("body_too_short")
    if body and len(body) > limits.max_body_chars:
        reasons.append("body_too_long")
    if title and len(title) < limits.min_title_chars:
        reasons.append("title_too_short")
    if title and len(title) > limits.max_title_chars:
        reasons.append("title_too_long")
    published, modified = adapter.get("published_at"), adapter.get("modified_at")
    aware = {}
    for field, value in (("published_at", published), ("modified_at", modified)):
        if value is None:
            continue
        if not isinstance(value, datetime) or value.tzinfo is None:
            reasons.append(f"naive_datetime:{field}")
        else:
            aware[field] = value
    horizon = (now or datetime.now(UTC)) + limits.future_tolerance
    for field, value in aware.items():
        if value > horizon:
            reasons.append(f"{field.removesuffix('_at')}_in_future")
        elif value < limits.min_date:
            reasons.append(f"{field.removesuffix('_at')}_too_old")
    if len(aware) == 2 and aware["modified_at"] < aware["published_at"]:
        reasons.append("modified_before_published")
    for field in ("title", "body"):
        why = mojibake_reason(adapter.get(field))
        if why:
            reasons.append(f"{why}:{field}")
    url = adapter.get("url")
    if domains and url and not _host_in(url, domains):
        reasons.append("offsite_url")
    if not reasons:
        reasons += schema_reasons(export_dict(item))
    return reasons


def reject_record(item: Any, reasons: list[str]) -> dict[str, Any]:
    """A reject as the rejects file (and the store) keep it: the exported item plus ``reject_reason``."""
    record = export_dict(item)
    record["reject_reason"] = ",".join(reasons)
    return record


class RejectsWriter:
    """Append-only JSON Lines file of rejected items (the full item plus ``reject_reason``).

    Written through :func:`newscrawl.output.storage.open_durable`: every line reaches the OS at
    once (a killed crawl keeps every reject written so far), the file is fsynced before each
    state commit (a remembered reject is always in it), and a failing write stops the crawl.
    """

    def __init__(self, path: Path | None, overwrite: bool = False, crawler: Crawler | None = None) -> None:
        self.path = path
        self.overwrite = overwrite
        self.crawler = crawler
        self._fh: DurableFile | None = None
        self.count = 0

    def open(self) -> None:
        if self.path is None:
            return
        self._fh = open_durable(self.crawler, self.path, self.overwrite)

    def write(self, item: Any, reasons: list[str]) -> None:
        self.write_record(reject_record(item, reasons))

    def write_record(self, record: dict[str, Any]) -> None:
        """One rejects-file line (an exported item dict with its ``reject_reason``)."""
        self.count += 1
        if self._fh is None:
            return
        self._fh.write((json.dumps(record, ensure_ascii=False) + "\n").encode("utf-8"))

    def close(self) -> None:
        if self._fh is not None:
            forget(self.crawler, self._fh)
            self._fh.close()
            self._fh = None


def rejects_path(crawler: Crawler) -> Path | None:
    """The crawl's rejects file (``NEWSCRAWL_REJECTS_URI`` with its parameters), None when disabled.

    Unset (None): beside the chosen output (:func:`newscrawl.output.feeds.default_rejects_uri`);
    a relative URI is relative to the project directory, as ``NEWSCRAWL_OUTPUT_DIR``.
    """
    template = crawler.settings["NEWSCRAWL_REJECTS_URI"]
    if template is None:
        template = default_rejects_uri(crawler.settings)
    if not template:
        return None
    spider = crawler.spider
    params = uri_params({"name": spider.name if spider else "crawl",
                         "time": datetime.now(UTC).strftime("%Y-%m-%dT%H-%M-%S")}, spider)
    return project_path(str(template % params).removeprefix("file://"))


class ValidatePipeline:
    def __init__(self, crawler: Crawler) -> None:
        settings = crawler.settings
        self.crawler = crawler
        self.stats = crawler.stats
        self.limits = Limits.from_settings(settings)
        _schema_check()  # a schema keyword the compiler lacks stops the crawl at start, not at its first item
        self.uri_template = settings["NEWSCRAWL_REJECTS_URI"]
        self.overwrite = settings.getbool("NEWSCRAWL_REJECTS_OVERWRITE")
        self.rejects = RejectsWriter(None)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> ValidatePipeline:
        return cls(crawler)

    def open_spider(self) -> None:
        path = rejects_path(self.crawler)
        self.rejects = RejectsWriter(path, self.overwrite, self.crawler)
        self.rejects.open()
        if path:
            logger.info("rejected items go to %s", path)

    def close_spider(self) -> None:
        self.rejects.close()

    def _domains(self, site: str | None) -> tuple[str, ...]:
        """Hosts the item's outlet lives on: the spider's outlet, a catalog outlet, or the host-named site."""
        if not site:
            return ()
        spider_site = getattr(self.crawler.spider, "site", None)
        if spider_site is not None and spider_site.slug == site:
            return tuple(spider_site.domains)
        outlet = load_catalog().get(site)
        return tuple(outlet.domains) if outlet else (site,)

    def process_item(self, item: Any) -> Any:
        if isinstance(item, StoredArticle):  # validated when it was exported
            return item
        if isinstance(item, StoredReject):  # a remembered reject for an overwritten rejects file
            try:
                self.rejects.write_record(dict(item))
            except OSError:
                pass  # reported by the file (one ERROR, the crawl stops)
            raise DropItem("remembered reject written from the store", log_level="DEBUG")
        reasons = validate_article(item, self.limits, self._domains(ItemAdapter(item).get("site")))
        if not reasons:
            return item
        try:
            self.rejects.write(item, reasons)
        except OSError:  # reported by the file (one ERROR, the crawl stops); the item is fetched again next run
            raise DropItem(f"not written (the crawl stops after a write error): {ItemAdapter(item).get('url')}",
                           log_level="DEBUG") from None
        self.stats.inc_value("newscrawl/rejects/total")
        for reason in reasons:
            self.stats.inc_value(f"newscrawl/rejects/{reason}")
            if reason.startswith(("mojibake", "replacement_char")):
                self.stats.inc_value("newscrawl/charset/suspicious")
        raise Rejected(reasons, ItemAdapter(item).get("url"))
