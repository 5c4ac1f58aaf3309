"""ValidatePipeline: invalid items go to the rejects feed with a reason, never silently away.

Settings:

``NEWSCRAWL_REQUIRED_FIELDS``  fields that must be non-empty (default url, title, body, published_at)
``NEWSCRAWL_MIN_BODY_CHARS``   body length floor in characters (default 50)
``NEWSCRAWL_REJECTS_URI``      JSON Lines file of rejected items, each with ``reject_reason``;
                               ``%(name)s`` is the spider name, ``%(time)s`` the start time
                               (default ``output/%(name)s/rejects.jsonl``); empty disables the file
``NEWSCRAWL_REJECTS_OVERWRITE`` truncate the rejects file at start (default false: append, so
                               scheduled runs keep every reject)

Stats: ``newscrawl/rejects/total`` and ``newscrawl/rejects/<reason>``.
"""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any

from itemadapter import ItemAdapter
from scrapy.crawler import Crawler
from scrapy.exceptions import DropItem

from newscrawl.exporters import export_dict

logger = logging.getLogger(__name__)

DEFAULT_REQUIRED = ("url", "title", "body", "published_at")


def validate_article(item: Any, required: tuple[str, ...] = DEFAULT_REQUIRED, min_body_chars: int = 50) -> list[str]:
    """Reasons ``item`` is invalid, most fundamental first; empty when valid."""
    adapter = ItemAdapter(item)
    error = (adapter.get("extractor") or {}).get("error")
    if error:
        return ["extract_error"]
    reasons = [f"missing:{field}" for field in required if not adapter.get(field)]
    body = adapter.get("body")
    if body and len(body) < min_body_chars:
        reasons.append("body_too_short")
    published, modified = adapter.get("published_at"), adapter.get("modified_at")
    if published and modified and modified < published:
        reasons.append("modified_before_published")
    for field in ("published_at", "modified_at"):
        value = adapter.get(field)
        if value is not None and (not isinstance(value, datetime) or value.tzinfo is None):
            reasons.append(f"naive_datetime:{field}")
    return reasons


class RejectsWriter:
    """Append-only JSON Lines file of rejected items (the full item plus ``reject_reason``)."""

    def __init__(self, path: Path | None, overwrite: bool = False) -> None:
        self.path = path
        self.overwrite = overwrite
        self._fh: IO[str] | None = None
        self.count = 0

    def open(self) -> None:
        if self.path is None:
            return
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._fh = self.path.open("w" if self.overwrite else "a", encoding="utf-8")

    def write(self, item: Any, reasons: list[str]) -> None:
        self.count += 1
        if self._fh is None:
            return
        record = export_dict(item)
        record["reject_reason"] = ",".join(reasons)
        self._fh.write(json.dumps(record, ensure_ascii=False) + "\n")
        self._fh.flush()  # a killed crawl keeps every reject written so far

    def close(self) -> None:
        if self._fh is not None:
            self._fh.close()
            self._fh = None


class ValidatePipeline:
    def __init__(self, crawler: Crawler) -> None:
        settings = crawler.settings
        self.crawler = crawler
        self.stats = crawler.stats
        self.required = tuple(settings.getlist("NEWSCRAWL_REQUIRED_FIELDS", list(DEFAULT_REQUIRED)))
        self.min_body_chars = settings.getint("NEWSCRAWL_MIN_BODY_CHARS", 50)
        self.uri_template = settings.get("NEWSCRAWL_REJECTS_URI", "output/%(name)s/rejects.jsonl")
        self.overwrite = settings.getbool("NEWSCRAWL_REJECTS_OVERWRITE", False)
        self.rejects = RejectsWriter(None)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> ValidatePipeline:
        return cls(crawler)

    def open_spider(self) -> None:
        path = None
        if self.uri_template:
            spider = self.crawler.spider
            params = {"name": spider.name if spider else "crawl",
                      "time": datetime.now(UTC).strftime("%Y-%m-%dT%H-%M-%S")}
            uri = self.uri_template % params
            path = Path(uri.removeprefix("file://"))
        self.rejects = RejectsWriter(path, self.overwrite)
        self.rejects.open()
        if path:
            logger.info("rejected items go to %s", path)

    def close_spider(self) -> None:
        self.rejects.close()

    def process_item(self, item: Any) -> Any:
        reasons = validate_article(item, self.required, self.min_body_chars)
        if not reasons:
            return item
        self.rejects.write(item, reasons)
        self.stats.inc_value("newscrawl/rejects/total")
        for reason in reasons:
            self.stats.inc_value(f"newscrawl/rejects/{reason}")
        raise DropItem(f"rejected ({','.join(reasons)}): {ItemAdapter(item).get('url')}", log_level="INFO")
