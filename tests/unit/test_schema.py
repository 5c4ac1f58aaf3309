"""The JSON Schema describes exactly the Article fields, and real exports validate against it."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest

from newscrawl.items import field_docs
from tests.helpers import extract

SCHEMA = json.loads((Path(__file__).resolve().parents[2] / "newscrawl/schema/article.schema.json").read_text("utf-8"))


def test_schema_lists_every_field_with_its_doc() -> None:
    docs = field_docs()
    assert set(SCHEMA["properties"]) == set(docs)
    for name, doc in docs.items():
        assert SCHEMA["properties"][name]["description"] == doc, name


def test_schema_is_valid_and_accepts_an_extracted_item() -> None:
    jsonschema.Draft202012Validator.check_schema(SCHEMA)
    record = extract("dada/article", "http://www.news21tongsin.co.kr/news/view.php?idx=1042",
                     base_url="http://www.news21tongsin.co.kr")
    record["crawled_at"] = "2024-03-05T00:00:00+00:00"
    jsonschema.validate(record, SCHEMA)


@pytest.mark.parametrize(
    "change",
    [{"published_at": "2024-03-05 09:42:31"}, {"authors": "김하늘"}, {"surprise": 1}, {"content_hash": "xyz"}],
)
def test_schema_rejects_malformed_items(change: dict) -> None:
    record = extract("dada/article", "http://www.news21tongsin.co.kr/news/view.php?idx=1042",
                     base_url="http://www.news21tongsin.co.kr")
    record["crawled_at"] = "2024-03-05T00:00:00+00:00"
    record.update(change)
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(record, SCHEMA)
