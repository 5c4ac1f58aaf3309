"""Item pipelines: validate, then deduplicate (cleaning is part of extraction, newscrawl.pages.clean).

A pipeline says why it dropped an item by the exception's *type*, never by its message:
:class:`Rejected` (invalid, written to the rejects file with its reasons) and
:class:`Duplicate` (already exported, in this run or an earlier one). Other components
(the dedupe pipeline remembering rejects, tests) match on these types.
"""

from __future__ import annotations

from scrapy.exceptions import DropItem


class Rejected(DropItem):
    """The item is invalid; ``reasons`` are its ``reject_reason`` values, most fundamental first."""

    def __init__(self, reasons: list[str], url: str | None) -> None:
        self.reasons = list(reasons)
        super().__init__(f"rejected ({','.join(reasons)}): {url}", log_level="INFO")


class Duplicate(DropItem):
    """The item repeats an article already exported (``kind``: article_id, canonical_url, content_hash, near)."""

    def __init__(self, kind: str, message: str, log_level: str = "INFO") -> None:
        self.kind = kind
        super().__init__(message, log_level=log_level)


class Backfilled(DropItem):
    """A known article fetched again only because the store had no copy of it (exported before the store
    kept items): now stored, and written to a complete ``-O`` file from there, not to the appended feeds."""

    def __init__(self, key: str) -> None:
        self.key = key
        super().__init__(f"stored for the complete file (exported by an earlier run): {key}", log_level="DEBUG")


__all__ = ["Backfilled", "Duplicate", "Rejected"]
