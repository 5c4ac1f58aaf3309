"""Default feeds: partitioned by outlet and day, so cron runs build a dataset over time.

Without ``-o``/``-O`` on the command line, :class:`DefaultFeedsAddon` sets ``FEEDS`` to

* ``output/<site>/<YYYY-MM-DD>.jsonl``  (always; appended, so several runs a day add up)
* ``output/<site>/<YYYY-MM-DD>.csv``    (when ``NEWSCRAWL_CSV=true``)

and rejected items go to ``output/<site>/<YYYY-MM-DD>.rejects.jsonl``
(``NEWSCRAWL_REJECTS_URI``). ``<YYYY-MM-DD>`` is the crawl's start date in Korea time and
``<site>`` the spider's outlet slug. A ``-o``/``-O`` given by the user replaces the
defaults entirely, as in plain Scrapy.

Settings: ``NEWSCRAWL_FEEDS_ENABLED`` (default true), ``NEWSCRAWL_OUTPUT_DIR`` (``output``),
``NEWSCRAWL_CSV`` (default false), ``NEWSCRAWL_CSV_EXCEL`` (CSV with a UTF-8 BOM for Excel).
URI templates may use ``%(site)s`` and ``%(date)s`` besides Scrapy's ``%(name)s``/``%(time)s``
(and ``%(batch_time)s``/``%(batch_id)d``); nothing else. Scrapy offers every spider attribute as
a URI parameter, so any ``-a`` argument could reach a path: :func:`uri_params` keeps only these,
and each must be one safe path component (``date`` exactly ``YYYY-MM-DD``; ``site``/``name`` a
slug; no ``/``, ``..``, NUL), else ``ValueError``. A relative ``NEWSCRAWL_OUTPUT_DIR`` is relative
to the project directory (the folder of ``scrapy.cfg``), not the working directory.
"""

from __future__ import annotations

import csv
import json
import os
import re
from collections.abc import Mapping
from datetime import datetime
from pathlib import Path
from typing import Any

from scrapy.crawler import Crawler
from scrapy.extensions.feedexport import ItemFilter
from scrapy.settings import BaseSettings, Settings

from newscrawl.config import project_path
from newscrawl.files import fsync_path
from newscrawl.items import StoredArticle
from newscrawl.parsing.dates import KST

CMDLINE_PRIORITY = 40


def crawl_date() -> str:
    return datetime.now(KST).strftime("%Y-%m-%d")


#: The URI parameters a feed, rejects or report path may use, each with the form its value must have.
URI_PARAMS: dict[str, re.Pattern[str]] = {
    "site": re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,99}"),
    "name": re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,99}"),
    "date": re.compile(r"\d{4}-\d{2}-\d{2}"),
    "time": re.compile(r"[0-9T:.+-]{1,40}"),
    "batch_time": re.compile(r"[0-9T:.+-]{1,40}"),
    "batch_id": re.compile(r"\d{1,12}"),
}


def safe_param(name: str, value: Any) -> Any:
    """``value`` when it is a safe ``%(name)s`` (one path component of the expected form), else ``ValueError``."""
    text = str(value)
    pattern = URI_PARAMS.get(name)
    if pattern is None or not pattern.fullmatch(text) or ".." in text.split("/") or "\x00" in text:
        raise ValueError(f"feed URI parameter {name}={text!r} is not a safe path component"
                         + (f" (expected {pattern.pattern})" if pattern is not None else ""))
    return value


def uri_params(params: dict[str, Any], spider: Any) -> dict[str, Any]:
    """FEED_URI_PARAMS hook: adds ``site`` (outlet slug) and ``date`` (crawl day, KST), keeps only
    :data:`URI_PARAMS` (Scrapy passes every spider attribute) and checks each (``ValueError``)."""
    site = getattr(spider, "site", None)
    params["site"] = getattr(site, "slug", None) or getattr(spider, "name", "crawl")
    params.setdefault("date", getattr(spider, "crawl_date", None) or crawl_date())
    for key in list(params):
        if key not in URI_PARAMS:
            del params[key]
        else:
            safe_param(key, params[key])
    return params


def output_dir(settings: BaseSettings) -> Path:
    """``NEWSCRAWL_OUTPUT_DIR``, absolute: a relative one is relative to the project directory."""
    return project_path(str(settings["NEWSCRAWL_OUTPUT_DIR"]))


def chosen_output_folder(settings: BaseSettings) -> str:
    """Where this crawl's side files (rejects, run report) go, as a URI template: the folder of
    the first local ``-o``/``-O`` file feed, else ``NEWSCRAWL_OUTPUT_DIR`` (absolute, project-relative).

    A feed URI is itself a template (``-O "out/%(site)s/%(date)s.jsonl"``), so its folder keeps
    its placeholders and is filled like the feed; ``NEWSCRAWL_OUTPUT_DIR`` is a plain folder, so
    a ``%`` in it is escaped.
    """
    if (settings.getpriority("FEEDS") or 0) >= CMDLINE_PRIORITY:
        for uri in settings.getdict("FEEDS"):
            uri = str(uri)
            if uri == "-" or uri.startswith("stdout:"):
                continue
            if "://" in uri and not uri.startswith("file://"):
                continue
            return os.path.dirname(uri.removeprefix("file://")).rstrip("/") or "."
    return str(output_dir(settings)).rstrip("/").replace("%", "%%")


def default_rejects_uri(settings: BaseSettings) -> str:
    """``<chosen output>/%(site)s/%(date)s.rejects.jsonl`` (see :func:`chosen_output_folder`)."""
    return f"{chosen_output_folder(settings)}/%(site)s/%(date)s.rejects.jsonl"


def default_feeds(settings: BaseSettings) -> dict[str, dict[str, Any]]:
    out = str(output_dir(settings)).rstrip("/").replace("%", "%%")
    feeds: dict[str, dict[str, Any]] = {
        f"{out}/%(site)s/%(date)s.jsonl": {"format": "jsonlines", "encoding": "utf-8", "overwrite": False},
    }
    if settings.getbool("NEWSCRAWL_CSV"):
        feeds[f"{out}/%(site)s/%(date)s.csv"] = {"format": "csv", "encoding": "utf-8", "overwrite": False}
    return feeds


class NewItemsOnly(ItemFilter):
    """Item filter of appended feeds (``-o``, the default partitions): only what this run found new.

    A complete ``-O`` file also gets the known articles of the crawl's scope from the store
    (:class:`newscrawl.items.StoredArticle`); an appended file already has them from the run that
    exported them, so it leaves them out.
    """

    def accepts(self, item: Any) -> bool:
        return not isinstance(item, StoredArticle) and super().accepts(item)


class StoredOnly(ItemFilter):
    """Item filter of overwritten feeds (``-O``): the crawl's scope written from the store at the end
    (:mod:`newscrawl.extensions.complete`), one line per article in a fixed order."""

    def accepts(self, item: Any) -> bool:
        return isinstance(item, StoredArticle) and super().accepts(item)


def complete_file(settings: BaseSettings) -> bool:
    """Whether the crawl writes a complete file: a feed that is overwritten (``-O``, ``overwrite: true``).

    Then known articles of the crawl's scope are written from the store instead of being skipped
    (without fetching them again), so two runs in a row write the same file.
    """
    return any(bool(options.get("overwrite")) for options in (settings.getdict("FEEDS") or {}).values()
               if isinstance(options, dict))


def with_item_filters(feeds: Mapping[str, Any]) -> dict[str, Any]:
    """``feeds`` with :class:`NewItemsOnly` on every appended feed and :class:`StoredOnly` on every
    overwritten one, unless it has a filter of its own."""
    out: dict[str, Any] = {}
    for uri, options in feeds.items():
        options = dict(options) if isinstance(options, Mapping) else options
        if isinstance(options, dict) and "item_filter" not in options:
            options["item_filter"] = StoredOnly if options.get("overwrite") else NewItemsOnly
        out[uri] = options
    return out


class DefaultFeedsAddon:
    """Installs :func:`default_feeds` unless the command line chose its own feeds; marks appended feeds
    :class:`NewItemsOnly`."""

    def update_settings(self, settings: Settings) -> None:
        priority = settings.getpriority("FEEDS") or 0
        if priority >= CMDLINE_PRIORITY or not settings.getbool("NEWSCRAWL_FEEDS_ENABLED"):
            # -o/-O (or -s FEEDS=...) given: the user's feeds only
            settings.set("FEEDS", with_item_filters(settings.getdict("FEEDS")), priority=priority)
            return
        settings.set("FEEDS", with_item_filters(default_feeds(settings)), priority="addon")


# -- reconciliation after a crash (newscrawl.pipelines.dedupe) -------------------------------


def appended_feeds(crawler: Crawler) -> list[tuple[str, Path, dict[str, Any]]]:
    """``(format, path, options)`` of the crawl's local feeds that are appended (not ``-O``), as this run names them.

    Only these outlive a run, so only they can hold lines of a killed one; templates with
    ``%(time)s`` or ``%(batch...)`` name a new file each run and are left out.
    """
    spider = crawler.spider
    feeds: list[tuple[str, Path, dict[str, Any]]] = []
    for uri, options in (crawler.settings.getdict("FEEDS") or {}).items():
        template = str(uri)
        if options.get("overwrite", False) or "%(time)s" in template or "%(batch" in template:
            continue
        if "://" in template and not template.startswith("file://"):
            continue
        try:
            params = uri_params({"name": getattr(spider, "name", "crawl")}, spider)
            path = Path(template.removeprefix("file://") % params)
        except (KeyError, ValueError):
            continue
        feeds.append((str(options.get("format")), path, dict(options)))
    return feeds


def trim_cut_line(path: Path) -> bool:
    """Drop a last line without its newline (a write cut by a kill or a full disk); True when one was dropped."""
    if not path.exists():
        return False
    with path.open("r+b") as fh:
        size = fh.seek(0, os.SEEK_END)
        if size == 0:
            return False
        fh.seek(size - 1)
        if fh.read(1) == b"\n":
            return False
        # Read backwards to the last newline: partitions can be large, the cut line is short.
        end = size
        while end > 0:
            start = max(0, end - 65536)
            fh.seek(start)
            at = fh.read(end - start).rfind(b"\n")
            if at >= 0:
                fh.truncate(start + at + 1)
                break
            end = start
        else:
            fh.truncate(0)
        fh.flush()
        os.fsync(fh.fileno())
    return True


def read_jsonl(path: Path) -> list[dict[str, Any]]:
    """The complete JSON objects of a JSON Lines file (unparsable lines are skipped)."""
    records: list[dict[str, Any]] = []
    if not path.exists():
        return records
    with path.open("rb") as fh:
        for line in fh:
            try:
                record = json.loads(line)
            except ValueError:
                continue
            if isinstance(record, dict):
                records.append(record)
    return records


def record_key(record: dict[str, Any]) -> str | None:
    """The state key of an exported record (as the dedupe pipeline files it)."""
    key = record.get("article_id") or record.get("canonical_url") or record.get("url")
    return str(key) if key else None


def csv_keys(path: Path) -> list[str | None] | None:
    """The state key of each CSV row, in order; None when the file is not whole CSV: cut mid-record
    (also between two fields, which a CSV reader reads as a short row) or not ending its last row."""
    try:
        with path.open("rb") as raw:
            size = raw.seek(0, os.SEEK_END)
            if size:
                raw.seek(size - 1)
                if raw.read(1) != b"\n":
                    return None
        with path.open(encoding="utf-8-sig", newline="") as fh:
            reader = csv.DictReader(fh, strict=True)
            keys = []
            for row in reader:
                if None in row or None in row.values():  # more or fewer cells than the header
                    return None
                keys.append(record_key(row))
            return keys
    except (csv.Error, UnicodeDecodeError, OSError):
        return None


def rebuild_csv(crawler: Crawler, records: list[dict[str, Any]], path: Path, options: dict[str, Any]) -> None:
    """Write ``path`` anew from the JSON Lines ``records`` (written aside, fsynced, then renamed over it).

    The records are the exported dicts, and :class:`CsvArticleExporter` writes a dict exactly as
    the item it came from (times are already ISO strings), so the file equals a live export.
    """
    from newscrawl.output.exporters import CsvArticleExporter  # exporters import items; keep feeds light

    spare = path.with_name(f".{path.name}.rebuild")
    with spare.open("wb") as fh:
        exporter = CsvArticleExporter.from_crawler(crawler, fh, fields_to_export=options.get("fields"))  # type: ignore[arg-type]
        exporter.start_exporting()
        for record in records:
            exporter.export_item(record)
        exporter.finish_exporting()  # flushes and detaches its text layer
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(spare, path)
    fsync_path(path.parent)
