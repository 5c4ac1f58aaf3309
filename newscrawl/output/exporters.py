"""Feed serialisation: one JSON-ready dict per item, and a flat, Excel-safe CSV exporter.

JSON feeds use Scrapy's ``JsonLinesItemExporter``/``JsonItemExporter`` with the field
serializers declared on ``Article`` (times as ISO 8601 with offset);
``FEED_EXPORT_ENCODING = "utf-8"`` keeps Korean readable. CSV needs one flat row per
item: :class:`CsvArticleExporter` joins string lists with ``NEWSCRAWL_CSV_LIST_SEPARATOR``
(default ``" | "``), writes lists of objects and dicts as JSON, and neutralises
cells that a spreadsheet would run as a formula.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import datetime
from functools import cache
from io import BytesIO
from typing import Any

import attrs
from itemadapter import ItemAdapter
from scrapy.crawler import Crawler
from scrapy.exporters import BaseItemExporter, CsvItemExporter, JsonItemExporter, JsonLinesItemExporter
from scrapy.item import Field

from newscrawl.items import article_field_names

DEFAULT_LIST_SEPARATOR = " | "
#: Fields of objects: always a JSON cell in CSV ("[]" when empty), so readers can json.loads every row.
JSON_FIELDS = frozenset({"bylines", "images", "extractor"})
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
_MISSING = object()


def to_json_value(value: object) -> Any:
    """Datetimes -> ISO 8601 strings (offset kept), recursively through lists and dicts."""
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, dict):
        return {k: to_json_value(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [to_json_value(v) for v in value]
    return value


def _json_value(value: object) -> Any:
    """What :func:`export_dict` did per field (ItemAdapter's recursive asdict, then :func:`to_json_value`), without
    itemadapter's item-type probes on every leaf: exact JSON types and datetimes directly, anything
    else (a nested item, a set, a subclass) through the general path."""
    kind = type(value)
    if value is None or kind is str or kind is int or kind is float or kind is bool:
        return value
    if kind is datetime:
        return value.isoformat()  # type: ignore[attr-defined]
    if kind is list or kind is tuple:
        return [_json_value(v) for v in value]  # type: ignore[attr-defined]
    if kind is dict:
        return {k: _json_value(v) for k, v in value.items()}  # type: ignore[attr-defined]
    # The general path, as before: ItemAdapter's recursive asdict of the value (through a one-key dict
    # adapter, its public API), then to_json_value.
    return to_json_value(ItemAdapter({"value": value}).asdict()["value"])


@cache
def _attrs_field_names(cls: type) -> tuple[str, ...]:
    return tuple(f.name for f in attrs.fields(cls))


def export_dict(item: object) -> dict[str, Any]:
    """The item exactly as a JSON feed writes it.

    Equal to ``{k: to_json_value(v) for k, v in ItemAdapter(item).asdict().items()}`` (tested on
    many items): an attrs item's fields are read directly, in declaration order, skipping unset ones
    as ItemAdapter does; other items go through ItemAdapter.
    """
    cls = type(item)
    if attrs.has(cls):
        missing = _MISSING
        values = ((name, getattr(item, name, missing)) for name in _attrs_field_names(cls))
        return {name: _json_value(value) for name, value in values if value is not missing}
    return {k: _json_value(v) for k, v in ItemAdapter(item).items()}


@cache
def _attrs_serializers(cls: type) -> tuple[tuple[str, Any], ...]:
    """``(name, serializer or None)`` of an attrs item class's fields, in declaration order."""
    return tuple((f.name, f.metadata.get("serializer")) for f in attrs.fields(cls))


class AttrsFieldsMixin:
    """Scrapy's ``get_serialized_fields`` without an ItemAdapter look-up per field, for attrs items.

    Scrapy builds each exported record through ``ItemAdapter`` (populated field names, then per field
    a membership test, its metadata and its value): most of a JSON line's cost. For an attrs item
    with no ``fields_to_export``, no ``export_empty_fields`` and the default ``serialize_field`` the
    same ``(name, value)`` pairs come from the class's fields directly: declaration order, unset
    fields skipped, each field's ``serializer`` applied. Anything else goes through Scrapy's method
    unchanged. The encoder and the bytes written are Scrapy's.
    """

    fields_to_export: Any
    export_empty_fields: bool

    def get_serialized_fields(self, item: Any, default_value: Any = None,
                              include_empty: bool | None = None) -> Any:
        cls = type(item)
        if (self.fields_to_export is not None or not attrs.has(cls)
                or (self.export_empty_fields if include_empty is None else include_empty)
                or type(self).serialize_field is not BaseItemExporter.serialize_field):  # type: ignore[attr-defined]
            return super().get_serialized_fields(item, default_value, include_empty)  # type: ignore[misc]
        fields = []
        missing = _MISSING
        for name, serializer in _attrs_serializers(cls):
            value = getattr(item, name, missing)
            if value is not missing:
                fields.append((name, value if serializer is None else serializer(value)))
        return fields


class JsonLinesArticleExporter(AttrsFieldsMixin, JsonLinesItemExporter):
    """Scrapy's JSON Lines exporter, the same bytes, with :class:`AttrsFieldsMixin`'s field iteration."""


class JsonArticleExporter(AttrsFieldsMixin, JsonItemExporter):
    """Scrapy's JSON exporter, the same bytes, with :class:`AttrsFieldsMixin`'s field iteration."""


def _position(file: BytesIO) -> int:
    try:
        return int(file.tell())
    except (AttributeError, OSError, ValueError):
        return 0


def excel_safe(cell: str) -> str:
    """Prefix a quote to cells a spreadsheet would evaluate (CSV formula injection)."""
    return "'" + cell if cell.startswith(FORMULA_PREFIXES) else cell


class CsvArticleExporter(CsvItemExporter):
    """Flat CSV: one header row, one row per item, every cell a string."""

    def __init__(self, file: BytesIO, *, list_separator: str = DEFAULT_LIST_SEPARATOR, excel: bool = False,
                 **kwargs: Any) -> None:
        if not kwargs.get("fields_to_export"):
            # A fixed header: the same columns in every file, whatever the first item holds.
            kwargs["fields_to_export"] = article_field_names()
        # Appending to a partition that already has rows: no second header, no second BOM.
        appending = _position(file) > 0
        if appending:
            kwargs["include_headers_line"] = False
        if excel:
            # Excel reads UTF-8 CSV correctly only with a byte-order mark.
            kwargs["encoding"] = "utf-8" if appending else "utf-8-sig"
        # The header is written when the file is opened (start_exporting), not with the first row:
        # a run that exports nothing still leaves a CSV pandas can read (columns, no rows).
        self.write_header = bool(kwargs.pop("include_headers_line", True))
        super().__init__(file, include_headers_line=False, **kwargs)
        self.list_separator = list_separator

    def start_exporting(self) -> None:
        super().start_exporting()
        if self.write_header and self.fields_to_export:
            fields = self.fields_to_export
            names = list(fields.values()) if isinstance(fields, Mapping) else list(fields)
            self.csv_writer.writerow(names)
            self.write_header = False

    @classmethod
    def from_crawler(cls, crawler: Crawler, file: BytesIO, *args: Any, **kwargs: Any) -> CsvArticleExporter:
        settings = crawler.settings
        kwargs.setdefault("list_separator", settings["NEWSCRAWL_CSV_LIST_SEPARATOR"])
        kwargs.setdefault("excel", settings.getbool("NEWSCRAWL_CSV_EXCEL"))
        return cls(file, *args, **kwargs)

    def serialize_field(self, field: Mapping[str, Any] | Field, name: str, value: Any) -> Any:
        if name in JSON_FIELDS:
            return json.dumps(to_json_value(value if value is not None else []), ensure_ascii=False)
        return self.flatten(value)

    def flatten(self, value: object) -> str:
        if value is None:
            return ""
        if isinstance(value, datetime):
            return value.isoformat()
        if isinstance(value, (list, tuple)) and all(isinstance(v, str) for v in value):
            return excel_safe(self.list_separator.join(value))
        if isinstance(value, (list, tuple, dict)):
            return json.dumps(to_json_value(value), ensure_ascii=False, sort_keys=False)
        return excel_safe(str(value))
