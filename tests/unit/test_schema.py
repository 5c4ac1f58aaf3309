"""The JSON Schema describes exactly the Article fields, and real exports validate against it."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from newscrawl.items import field_docs
from newscrawl.pipelines.schema import Check, compile_schema
from newscrawl.pipelines.validate import schema_reasons
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


# -- the compiled schema the validate pipeline checks every item with (newscrawl/pipelines/schema.py) --------------

VALID = {
    "url": "http://www.news21tongsin.co.kr/news/view.php?idx=1042", "canonical_url": "http://www.news21tongsin.co.kr/a",
    "article_id": "news21tongsin:1042", "site": "news21tongsin", "site_name": "뉴스21 통신", "section": "사회",
    "title": "한빛시 청년 정책 토론회", "subtitles": ["부제"], "authors": ["김하늘"],
    "bylines": [{"name": "김하늘", "desk": "사회부", "email": "sky@example.kr"}],
    "published_at": "2024-03-05T09:42:31+09:00", "published_at_raw": "등록 2024-03-05 09:42:31",
    "modified_at": None, "modified_at_raw": None, "body": "본문", "images": [{"url": "https://x.kr/a.jpg", "caption": None}],
    "language": "ko", "crawled_at": "2024-03-05T00:00:00.123456+00:00", "content_hash": "a" * 64, "revision": 1,
    "previous_content_hash": None, "cluster_id": "news21tongsin:1042", "duplicate_of": None,
    "extractor": {"title": "dada"},
}
#: Values a field may be replaced with: every JSON type, each pattern's edge (matching, not matching, a match
#: not at the start, since ``pattern`` searches), empty strings, integer-valued floats, booleans.
ODD_VALUES = [
    None, "", "x", "http://x", "https://x.kr/a", "ftp://x", " http://x", "news21tongsin:1", "News21:1", "a:b", ":1",
    "2024-03-05T09:42:31+09:00", "2024-03-05T09:42:31.5-03:30", "2024-03-05 09:42:31", "x2024-03-05T09:42:31+09:00",
    "a" * 64, "A" * 64, "a" * 63, "a" * 16, "g" * 16, "a@b", "a@", "a b@c", "김@하늘", 0, 1, 2, -1, 1.0, 1.5, 0.0,
    True, False, [], [""], ["a"], ["a", ""], [1], {}, {"a": "b"}, {"a": 1}, {"a": None},
    [{"name": "김", "desk": None, "email": None}], [{"name": "", "desk": None, "email": None}],
    [{"name": "김", "desk": None}], [{"name": "김", "desk": None, "email": "a@b", "x": 1}],
    [{"url": "https://x/a", "caption": None}], [{"url": "x/a", "caption": "c"}], [{"url": "https://x/a"}],
    [{"url": "https://x/a", "caption": 1}], [None], [[]],
]
FIELDS = sorted(VALID)


VALIDATOR = jsonschema.Draft202012Validator(SCHEMA)


def _compiled() -> Check:
    return compile_schema(SCHEMA)


@given(changes=st.dictionaries(st.sampled_from([*FIELDS, "surprise"]), st.sampled_from(ODD_VALUES), max_size=4),
       removed=st.sets(st.sampled_from(FIELDS), max_size=2),
       nested=st.sampled_from(["bylines", "images", "extractor", "authors", "subtitles"]),
       value=st.sampled_from(ODD_VALUES))
@settings(max_examples=400, deadline=None)
def test_compiled_schema_agrees_with_jsonschema(changes: dict, removed: set, nested: str, value: object) -> None:
    """The compiled predicate accepts exactly what jsonschema accepts: whole fields replaced or removed,
    unknown keys, and odd values inside the lists and objects."""
    check, validator = _compiled(), VALIDATOR
    record = json.loads(json.dumps(VALID))
    record.update(changes)
    for name in removed:
        record.pop(name, None)
    inner = record.get(nested)
    if isinstance(inner, list) and inner and isinstance(inner[0], dict):
        inner[0][sorted(inner[0])[0]] = value
    elif isinstance(inner, list):
        inner.append(value)
    elif isinstance(inner, dict):
        inner["k"] = value
    assert check(record) == validator.is_valid(record), record


def test_compiled_schema_agrees_on_every_value_of_every_field() -> None:
    check, validator = _compiled(), VALIDATOR
    assert check(VALID)
    verdicts = set()
    for name in FIELDS:
        for value in ODD_VALUES:
            record = {**VALID, name: value}
            verdict = validator.is_valid(record)
            verdicts.add(verdict)
            assert check(record) == verdict, (name, value)
    assert verdicts == {True, False}
    assert not check([VALID]) and not check(None) and not check("x")


@pytest.mark.parametrize("schema", [{"type": "object", "maxLength": 3}, {"properties": {"a": {"enum": [1]}}},
                                    {"patternProperties": {"^x": {}}}, {"type": "date"}, [1]])
def test_a_schema_keyword_the_compiler_does_not_know_is_an_error(schema: object) -> None:
    """A schema edit using another keyword fails here (and when a crawl starts), never goes unchecked."""
    with pytest.raises(ValueError, match=r"unsupported|not a JSON Schema"):
        compile_schema(schema)


def test_schema_reasons_come_from_jsonschema() -> None:
    assert schema_reasons(VALID) == []
    bad = {**VALID, "content_hash": "xyz", "authors": [""], "surprise": 1}
    del bad["title"]
    assert schema_reasons(bad) == ["schema:additionalProperties", "schema:authors", "schema:content_hash",
                                   "schema:required"]
