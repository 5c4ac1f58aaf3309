"""The dataset as one file: the state store's items written as JSON Lines, CSV or Parquet (``scrapy export``).

The store keeps every exported item as the JSON object its feed line held
(:mod:`newscrawl.state.store`), so a dataset file is a view of the store, in the crawl's own
item schema:

* **JSON Lines** (:class:`JsonLinesWriter`): the lines a crawl's JSONL feed writes, through
  Scrapy's ``JsonLinesItemExporter`` with ``FEED_EXPORT_ENCODING``; keys in the order of
  :func:`newscrawl.items.article_field_names`, a reject's ``reject_reason`` last (as in the
  rejects files).
* **CSV** (:class:`CsvWriter`): through :class:`~newscrawl.output.exporters.CsvArticleExporter`,
  the crawl's CSV exporter: one header (also in a file with no rows), the crawl's columns,
  ``NEWSCRAWL_CSV_LIST_SEPARATOR`` and ``NEWSCRAWL_CSV_EXCEL`` honoured; a ``reject_reason``
  column when rejects are included.
* **Parquet** (:class:`ParquetWriter`): typed columns (:func:`parquet_schema`, derived from
  ``newscrawl/schema/article.schema.json``), zstd, one row group per
  :data:`PARQUET_BATCH_ROWS` items (or :data:`PARQUET_BATCH_CHARS` of body text), so memory stays
  flat at any dataset size.

Every target is written by :func:`atomic_file`: a hidden temporary file beside it, fsynced and
renamed over the target only when the whole export succeeded, so a failed or interrupted export
leaves the previous file as it was (and never half a file).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping, Sequence
from contextlib import suppress
from datetime import datetime
from io import BytesIO
from pathlib import Path
from typing import Any, BinaryIO, NamedTuple, Protocol, cast

import pyarrow as pa
import pyarrow.parquet as pq
from scrapy.exporters import JsonLinesItemExporter

import newscrawl
from newscrawl.items import DATETIME_FIELDS, article_field_names
from newscrawl.output.exporters import DEFAULT_LIST_SEPARATOR, CsvArticleExporter

SCHEMA_PATH = Path(__file__).resolve().parents[1] / "schema" / "article.schema.json"
#: The formats ``scrapy export`` writes, and the file name endings that choose them.
FORMATS = ("jsonl", "csv", "parquet")
EXTENSIONS = {".jsonl": "jsonl", ".jsonlines": "jsonl", ".csv": "csv", ".parquet": "parquet"}
#: The field a reject adds to the item (its reasons, comma-separated), as in the rejects files.
REJECT_FIELD = "reject_reason"
REJECT_DOC = "Rejects only (null for articles): why the item was rejected, comma-separated, e.g. 'missing:title'."
#: A Parquet row group holds at most this many items, or this many characters of body text,
#: whichever comes first: the batch is what the export holds in memory, ~16 KB per item of 1,800 body
#: characters (dicts and Arrow buffers). Measured on 100,000 such items: peak RSS 420 MB with 10,000
#: rows per group, 330 MB at the character bound (3,900 rows), 275 MB with 1,000 rows, whatever the
#: total; a reader skips row groups by their min/max statistics.
PARQUET_BATCH_ROWS = 10_000
PARQUET_BATCH_CHARS = 4_000_000
#: Every time column: instants in UTC (see :func:`parquet_schema`).
TIMESTAMP = pa.timestamp("us", tz="UTC")


class Stored(Protocol):
    """What a writer needs of a stored item (:class:`newscrawl.state.store.StoredItem` has it)."""

    @property
    def article_id(self) -> str: ...

    @property
    def kind(self) -> str: ...

    @property
    def item(self) -> dict[str, Any]: ...


def format_of(target: str, forced: str | None = None) -> str:
    """The format for ``target`` (``-`` is stdout): ``forced`` (``-t``), else from the file name ending.

    ValueError with a one-line reason for an unknown format or ending, and for Parquet on stdout.
    """
    if forced is not None:
        name = {"jsonlines": "jsonl"}.get(forced.lower(), forced.lower())
        if name not in FORMATS:
            raise ValueError(f"unknown format {forced!r}: use {', '.join(FORMATS)}")
    elif target == "-":
        name = "jsonl"
    else:
        suffix = Path(target).suffix.lower()
        if suffix not in EXTENSIONS:
            hint = " (JSON arrays are not written: use .jsonl)" if suffix == ".json" else ""
            raise ValueError(f"cannot tell the format of {target!r} from {suffix or 'its name'}{hint}: "
                             f"end it in {', '.join(EXTENSIONS)}, or give -t {'|'.join(FORMATS)}")
        name = EXTENSIONS[suffix]
    if name == "parquet" and target == "-":
        raise ValueError("Parquet cannot be written to stdout (a reader needs to seek): give a file name")
    return name


def output_fields(include_rejects: bool = False) -> list[str]:
    """The columns of a dataset file: the crawl's, plus ``reject_reason`` when rejects are in it."""
    return article_field_names() + ([REJECT_FIELD] if include_rejects else [])


def ordered(item: Mapping[str, Any], fields: Sequence[str]) -> dict[str, Any]:
    """``item`` with ``fields`` first, in that order; keys it has beyond them after, as they come."""
    record = {name: item[name] for name in fields if name in item}
    record.update((k, v) for k, v in item.items() if k not in record)
    return record


# -- writers: write(item dict) for every item, then close() -------------------------------------------
class DatasetWriter(Protocol):
    def write(self, item: Mapping[str, Any]) -> None: ...

    def close(self) -> None: ...

    def abort(self) -> None:
        """Let go of the file after a failure (the file is thrown away; nothing more is written to it)."""


class JsonLinesWriter:
    """One line per item, as the crawl's JSONL feed writes it (Scrapy's exporter, the feed encoding)."""

    def __init__(self, file: BinaryIO, fields: Sequence[str], encoding: str | None = "utf-8") -> None:
        self.fields = list(fields)
        self.exporter = JsonLinesItemExporter(cast(BytesIO, file), encoding=encoding)
        self.exporter.start_exporting()

    def write(self, item: Mapping[str, Any]) -> None:
        self.exporter.export_item(ordered(item, self.fields))

    def close(self) -> None:
        self.exporter.finish_exporting()

    def abort(self) -> None:
        pass


class CsvWriter:
    """The crawl's flat CSV (:class:`CsvArticleExporter`); the header is written even when no row follows."""

    def __init__(self, file: BinaryIO, fields: Sequence[str], *, list_separator: str = DEFAULT_LIST_SEPARATOR,
                 excel: bool = False, encoding: str | None = "utf-8") -> None:
        self.fields = list(fields)
        self.exporter = CsvArticleExporter(cast(BytesIO, file), fields_to_export=self.fields,
                                           list_separator=list_separator, excel=excel, encoding=encoding)
        self.exporter.start_exporting()

    def write(self, item: Mapping[str, Any]) -> None:
        self.exporter.export_item(dict(item))

    def close(self) -> None:
        # The header was written by start_exporting (CsvArticleExporter), so an empty selection is still
        # a file pandas.read_csv can open.
        self.exporter.finish_exporting()

    def abort(self) -> None:
        with suppress(Exception):  # detach its text layer, which would flush into a closed file later
            self.exporter.finish_exporting()


def _json_type(name: str, prop: Mapping[str, Any]) -> pa.DataType:
    """The Arrow type of one JSON Schema property (``name`` chooses the time columns)."""
    if name in DATETIME_FIELDS:
        return TIMESTAMP
    kinds = prop.get("type", [])
    kinds = [kinds] if isinstance(kinds, str) else [k for k in kinds if k != "null"]
    if len(kinds) != 1:
        raise ValueError(f"no Parquet type for field {name!r} of types {kinds}")
    kind = kinds[0]
    if kind == "string":
        return pa.string()
    if kind == "integer":
        return pa.int64()
    if kind == "number":
        return pa.float64()
    if kind == "boolean":
        return pa.bool_()
    if kind == "array":
        return pa.list_(_json_type(f"{name}[]", prop["items"]))
    if kind == "object" and "properties" in prop:
        return pa.struct([pa.field(key, _json_type(key, sub)) for key, sub in prop["properties"].items()])
    if kind == "object" and isinstance(prop.get("additionalProperties"), Mapping):
        return pa.map_(pa.string(), _json_type(f"{name}{{}}", prop["additionalProperties"]))
    raise ValueError(f"no Parquet type for field {name!r} ({kind})")


def parquet_schema(include_rejects: bool = False, metadata: Mapping[str, str] | None = None) -> pa.Schema:
    """The Arrow schema of a Parquet dataset: the Article fields in order, typed from the JSON Schema.

    * times (``published_at``, ``modified_at``, ``crawled_at``): ``timestamp[us, tz=UTC]``. Parquet
      keeps an instant (``isAdjustedToUTC``) and one time zone per column; the feeds' offsets vary
      (+09:00 from pages, +00:00 for ``crawled_at``), so every column holds UTC instants and pandas
      reads them as ``datetime64[us, UTC]`` (``.dt.tz_convert("Asia/Seoul")`` for Korea time),
      DuckDB as ``TIMESTAMP WITH TIME ZONE``; the page's own text stays in the ``*_raw`` columns;
    * lists of strings (``subtitles``, ``authors``): ``list<string>``; ``bylines``, ``images``:
      ``list<struct<...>>`` with the schema's keys (pandas: arrays of dicts; DuckDB: lists of structs);
    * ``extractor``: ``map<string, string>``: its keys vary per item (one per extracted field, plus
      ``truncated``), which a struct could hold only as a column per possible key, mostly null;
      DuckDB reads a MAP natively (``extractor['title']``), pandas as (key, value) pairs or, with
      ``to_pandas_kwargs={"maps_as_pydicts": "strict"}``, as dicts;
    * ``revision``: int64; every other field: string. Every column is nullable, as in the feeds.

    Each field carries its description (field metadata ``description``).
    """
    schema = json.loads(SCHEMA_PATH.read_text("utf-8"))
    fields = []
    for name in article_field_names():
        prop = schema["properties"][name]
        fields.append(pa.field(name, _json_type(name, prop), metadata={"description": prop["description"]}))
    if include_rejects:
        fields.append(pa.field(REJECT_FIELD, pa.string(), metadata={"description": REJECT_DOC}))
    meta: dict[bytes | str, bytes | str] = {"newscrawl.version": newscrawl.__version__}
    meta.update((metadata or {}).items())
    return pa.schema(fields, metadata=meta)


def _timestamp(item: Mapping[str, Any], name: str) -> datetime | None:
    value = item.get(name)
    if value is None or isinstance(value, datetime):
        moment = value
    else:
        try:
            moment = datetime.fromisoformat(str(value))
        except ValueError:
            moment = None
        if moment is None or moment.tzinfo is None:
            raise ValueError(f"item {item.get('article_id')!r}: {name}={value!r} is not an ISO 8601 time with offset")
    return moment


class ParquetWriter:
    """Typed Parquet (:func:`parquet_schema`), zstd, a row group per ``batch_rows`` items."""

    def __init__(self, file: BinaryIO, *, include_rejects: bool = False, batch_rows: int = PARQUET_BATCH_ROWS,
                 batch_chars: int = PARQUET_BATCH_CHARS, metadata: Mapping[str, str] | None = None) -> None:
        self.schema = parquet_schema(include_rejects, metadata)
        self.batch_rows = batch_rows
        self.batch_chars = batch_chars
        self.rows: list[dict[str, Any]] = []
        self.chars = 0
        self.writer = pq.ParquetWriter(file, self.schema, compression="zstd")

    def write(self, item: Mapping[str, Any]) -> None:
        row = dict(item)
        for name in DATETIME_FIELDS:
            row[name] = _timestamp(item, name)
        self.rows.append(row)
        body = item.get("body")
        self.chars += len(body) if isinstance(body, str) else 0
        if len(self.rows) >= self.batch_rows or self.chars >= self.batch_chars:
            self.flush()

    def flush(self) -> None:
        if self.rows:
            self.writer.write_table(pa.Table.from_pylist(self.rows, schema=self.schema))
            self.rows = []
            self.chars = 0

    def close(self) -> None:
        self.flush()
        self.writer.close()

    def abort(self) -> None:
        self.rows = []
        self.chars = 0
        with suppress(Exception):  # else its finaliser writes a footer into a closed file
            self.writer.close()


class WriterOptions(NamedTuple):
    """How the files look, from the settings (``FEED_EXPORT_ENCODING``, ``NEWSCRAWL_CSV_*``)."""

    encoding: str | None = "utf-8"
    list_separator: str = DEFAULT_LIST_SEPARATOR
    excel: bool = False
    metadata: Mapping[str, str] | None = None


def open_writer(fmt: str, file: BinaryIO, include_rejects: bool, options: WriterOptions) -> DatasetWriter:
    fields = output_fields(include_rejects)
    if fmt == "jsonl":
        return JsonLinesWriter(file, fields, options.encoding)
    if fmt == "csv":
        return CsvWriter(file, fields, list_separator=options.list_separator, excel=options.excel,
                         encoding=options.encoding)
    if fmt == "parquet":
        return ParquetWriter(file, include_rejects=include_rejects, metadata=options.metadata)
    raise ValueError(f"unknown format {fmt!r}")


class Counts(NamedTuple):
    """What an export wrote: distinct articles, article rows (revisions), rejects."""

    articles: int
    revisions: int
    rejects: int

    @property
    def items(self) -> int:
        return self.revisions + self.rejects


def write_dataset(stored: Iterable[Stored], file: BinaryIO, fmt: str, *, include_rejects: bool = False,
                  options: WriterOptions | None = None, progress: Callable[[int], None] | None = None) -> Counts:
    """Write every item of ``stored`` to ``file`` in ``fmt``; ``progress(n)`` now and then (every 256 items).

    Streams: only the current Parquet batch is held in memory. ``stored`` comes in the store's
    order (:meth:`newscrawl.state.store.SQLiteSeenStore.items`), where the revisions of one
    article follow each other, so distinct articles are counted as changes of ``article_id``.
    """
    writer = open_writer(fmt, file, include_rejects, options or WriterOptions())
    articles = revisions = rejects = 0
    previous: str | None = None
    try:
        for n, entry in enumerate(stored, 1):
            writer.write(entry.item)
            if entry.kind == "reject":
                rejects += 1
            else:
                revisions += 1
                articles += entry.article_id != previous
                previous = entry.article_id
            if progress is not None and not n & 0xFF:
                progress(n)
        writer.close()
    except BaseException:
        writer.abort()
        raise
    return Counts(articles, revisions, rejects)


