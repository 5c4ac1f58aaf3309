"""Feed serialisation: ISO times with offset, UTF-8 Korean, flat Excel-safe CSV."""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import attrs
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from itemadapter import ItemAdapter
from scrapy.exporters import JsonItemExporter, JsonLinesItemExporter

from newscrawl.items import Article, StoredArticle, StoredReject, article_field_names
from newscrawl.output.exporters import (
    CsvArticleExporter,
    JsonArticleExporter,
    JsonLinesArticleExporter,
    excel_safe,
    export_dict,
    to_json_value,
)
from newscrawl.parsing.dates import KST


def sample() -> Article:
    return Article(
        url="http://x.kr/news/view.php?idx=1", article_id="x:1", title="=SUM(A1) 한빛시 소식",
        subtitles=["부제 하나", "부제 둘"], authors=["김하늘", "이도윤"],
        bylines=[{"name": "김하늘", "desk": "사회부", "email": "sky@x.kr"}],
        published_at=datetime(2024, 3, 5, 9, 42, 31, tzinfo=KST), body="첫 문단.\n\n둘째 문단.",
        images=[{"url": "http://x.kr/a.jpg", "caption": "사진 설명"}], extractor={"title": "dada"},
    )


def test_jsonlines_feed_has_iso_offsets_and_raw_korean() -> None:
    buf = io.BytesIO()
    exporter = JsonLinesItemExporter(buf, encoding="utf-8")
    exporter.start_exporting()
    exporter.export_item(sample())
    exporter.finish_exporting()
    text = buf.getvalue().decode("utf-8")
    assert "\\u" not in text and "한빛시" in text
    record = json.loads(text)
    assert record["published_at"] == "2024-03-05T09:42:31+09:00"
    assert record["modified_at"] is None
    assert record == export_dict(sample())


def test_csv_is_flat_with_fixed_header_and_excel_safe_cells() -> None:
    buf = io.BytesIO()
    exporter = CsvArticleExporter(buf, encoding="utf-8")
    exporter.start_exporting()
    exporter.export_item(sample())
    exporter.export_item(Article(url="http://x.kr/2"))
    exporter.finish_exporting()
    rows = list(csv.DictReader(io.StringIO(buf.getvalue().decode("utf-8"))))
    assert list(rows[0]) == article_field_names()
    row = rows[0]
    assert row["title"] == "'=SUM(A1) 한빛시 소식"
    assert row["authors"] == "김하늘 | 이도윤"
    assert json.loads(row["bylines"]) == [{"name": "김하늘", "desk": "사회부", "email": "sky@x.kr"}]
    assert json.loads(row["images"])[0]["caption"] == "사진 설명"
    assert row["published_at"] == "2024-03-05T09:42:31+09:00"
    assert row["body"] == "첫 문단.\n\n둘째 문단."
    assert rows[1]["title"] == "" and rows[1]["authors"] == ""
    assert json.loads(rows[1]["bylines"]) == [] and json.loads(rows[1]["extractor"]) == {}


def test_excel_safe() -> None:
    assert excel_safe("+82-10") == "'+82-10"
    assert excel_safe("@user") == "'@user"
    assert excel_safe("한빛시") == "한빛시"


def test_a_csv_without_rows_still_has_its_header() -> None:
    """A crawl that exports nothing leaves a CSV pandas can read (columns, no rows), not a 0-byte file."""
    import io

    import pandas as pd

    from newscrawl.items import article_field_names
    from newscrawl.output.exporters import CsvArticleExporter

    buffer = io.BytesIO()
    exporter = CsvArticleExporter(buffer)
    exporter.start_exporting()
    exporter.finish_exporting()
    buffer.seek(0)
    table = pd.read_csv(buffer)
    assert list(table.columns) == article_field_names() and len(table) == 0


# -- the fast paths (issue 13): export_dict and the JSON exporters give what ItemAdapter/Scrapy gave -------------

_TEXT = st.text(st.characters(codec="utf-8", exclude_categories=["Cs"]), max_size=40) | st.sampled_from(
    ["한빛시 청년 정책", "😀👍🏽", "\x00\x07\x1b\x7f", "\u2028\u2029", 'q"uote\\back/slash', "\ufeffBOM", "e\u0301", ""])
_ZONES = st.sampled_from([UTC, KST, timezone(timedelta(hours=-3, minutes=-30)), None])
_TIMES = st.builds(lambda d, tz: d.replace(tzinfo=tz), st.datetimes(min_value=datetime(1900, 1, 1)), _ZONES)
_SCALARS = st.none() | _TEXT | st.integers(-10**20, 10**20) | st.floats(allow_nan=False) | st.booleans() | _TIMES
_NESTED = st.recursive(_SCALARS, lambda inner: st.lists(inner, max_size=3) | st.tuples(inner, inner)
                       | st.dictionaries(_TEXT, inner, max_size=3), max_leaves=8)


@attrs.define
class _Inner:
    name: str = "안"
    when: datetime | None = None


@attrs.define
class _Partial:
    """An attrs item with a field that can be unset: ItemAdapter leaves such a field out."""

    url: str = "http://x.kr/1"
    later: str = attrs.field(init=False)
    nested: list[Any] = attrs.field(factory=list)


def _articles() -> st.SearchStrategy[Article]:
    return st.builds(
        Article, url=_TEXT, canonical_url=st.none() | _TEXT, article_id=st.none() | _TEXT, title=st.none() | _TEXT,
        subtitles=st.lists(_TEXT, max_size=3), authors=st.lists(_TEXT, max_size=3) | st.tuples(_TEXT, _TEXT),
        bylines=st.lists(st.fixed_dictionaries({"name": _TEXT, "desk": st.none() | _TEXT, "email": st.none() | _TEXT}),
                         max_size=2),
        published_at=st.none() | _TIMES, modified_at=st.none() | _TIMES, crawled_at=st.none() | _TIMES,
        body=st.none() | _TEXT, images=st.lists(st.fixed_dictionaries({"url": _TEXT, "caption": _NESTED}), max_size=2),
        revision=st.none() | st.integers(0, 5), extractor=st.dictionaries(_TEXT, _NESTED, max_size=3),
        section=_NESTED,  # any value a field could hold, nested lists, tuples, dicts and datetimes included
    )


def _reference_export_dict(item: object) -> dict[str, Any]:
    """export_dict as it was: ItemAdapter's recursive asdict, then to_json_value."""
    return {k: to_json_value(v) for k, v in ItemAdapter(item).asdict().items()}


def _same(a: dict[str, Any], b: dict[str, Any]) -> bool:
    """Equal values of equal types in the same key order (what a JSON feed would write from them)."""
    return list(a) == list(b) and repr(a) == repr(b)


@given(_articles())
@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
def test_export_dict_equals_itemadapter_asdict_on_any_article(item: Article) -> None:
    assert _same(export_dict(item), _reference_export_dict(item))


def test_export_dict_equals_itemadapter_asdict_on_other_items() -> None:
    partial = _Partial(nested=[_Inner(when=datetime(2024, 3, 5, tzinfo=KST)), {"a", "b"}, frozenset()])
    stored = StoredArticle(url="http://x.kr/1", published_at=datetime(2024, 3, 5, tzinfo=KST), authors=["김"])
    dict_item = {"url": "http://x.kr/1", "when": datetime(2024, 3, 5, tzinfo=KST), "inner": [_Inner()], "t": (1, 2)}
    reject = StoredReject({"url": "http://x.kr/1", "reject_reason": "missing:title"})
    for item in (sample(), partial, _Partial(), stored, dict_item, reject, Article(url="u", section=[_Inner()])):  # type: ignore[arg-type]
        assert _same(export_dict(item), _reference_export_dict(item)), item
    assert "later" not in export_dict(_Partial())


def _feed(exporter_class: type, items: list[Any], **options: Any) -> bytes:
    buf = io.BytesIO()
    exporter = exporter_class(buf, **options)
    exporter.start_exporting()
    for item in items:
        exporter.export_item(item)
    exporter.finish_exporting()
    return buf.getvalue()


@given(st.lists(_articles(), min_size=1, max_size=5))
@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
def test_json_feeds_are_byte_identical_to_scrapys(items: list[Article]) -> None:
    """The feed exporters newscrawl installs write exactly Scrapy's bytes: UTF-8 (no \\u escapes), the
    same key order, separators, floats, null, nested values, times through the field serializers."""
    for options in ({"encoding": "utf-8"}, {}, {"encoding": "utf-8", "export_empty_fields": True}):
        assert _feed(JsonLinesArticleExporter, items, **options) == _feed(JsonLinesItemExporter, items, **options)
        assert _feed(JsonArticleExporter, items, **options) == _feed(JsonItemExporter, items, **options)


def test_json_feeds_are_byte_identical_on_other_items_and_options() -> None:
    items: list[Any] = [sample(), _Partial(), _Partial(nested=[_Inner(when=datetime(2024, 3, 5, tzinfo=KST))]),
                        {"url": "http://x.kr/1", "when": datetime(2024, 3, 5, tzinfo=KST)},
                        StoredArticle(url="http://x.kr/3", title="저장된 기사 😀", published_at=datetime(2024, 3, 5, tzinfo=UTC)),
                        Article(url="http://x.kr/2", body="제어\x00문자\x1b와 \u2028줄", extractor={"title": "dada"})]
    for options in ({"encoding": "utf-8"}, {"encoding": "utf-8", "indent": 2}):
        assert _feed(JsonLinesArticleExporter, items, **options) == _feed(JsonLinesItemExporter, items, **options)
        assert _feed(JsonArticleExporter, items, **options) == _feed(JsonItemExporter, items, **options)
    whole = [item for item in items if not isinstance(item, _Partial)]  # Scrapy fails on an unset field here
    for options in ({"encoding": "utf-8", "export_empty_fields": True},
                    {"encoding": "utf-8", "fields_to_export": ["title", "url", "published_at"]},
                    {"encoding": "utf-8", "fields_to_export": {"title": "headline", "url": "link"}}):
        items = whole
        assert _feed(JsonLinesArticleExporter, items, **options) == _feed(JsonLinesItemExporter, items, **options)
        assert _feed(JsonArticleExporter, items, **options) == _feed(JsonItemExporter, items, **options)
    line = _feed(JsonLinesArticleExporter, [sample()], encoding="utf-8").decode("utf-8")
    assert "한빛시" in line and "\\u" not in line and line.endswith("}\n") and line.count("\n") == 1


def test_the_project_exports_json_feeds_with_these_exporters() -> None:
    from newscrawl.config import project_settings

    exporters = project_settings().getdict("FEED_EXPORTERS")
    assert exporters["jsonlines"] == exporters["jsonl"] == "newscrawl.output.exporters.JsonLinesArticleExporter"
    assert exporters["json"] == "newscrawl.output.exporters.JsonArticleExporter"
