"""Feed serialisation: ISO times with offset, UTF-8 Korean, flat Excel-safe CSV."""

from __future__ import annotations

import csv
import io
import json
from datetime import datetime

from scrapy.exporters import JsonLinesItemExporter

from newscrawl.items import Article, article_field_names
from newscrawl.output.exporters import CsvArticleExporter, excel_safe, export_dict
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
