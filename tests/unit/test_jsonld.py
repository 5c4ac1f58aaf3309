from __future__ import annotations

import json

from newscrawl.parsing import jsonld


def scripts(*objs: object) -> list[str]:
    return [json.dumps(o) for o in objs]


def test_article_in_graph_with_list_type_wins_over_webpage() -> None:
    found = jsonld.article_object(scripts(
        {"@graph": [{"@type": "WebPage", "name": "page"},
                    {"@type": ["ReportageNewsArticle"], "headline": "H", "datePublished": "2024-01-01"}]}))
    assert found["headline"] == "H"


def test_lists_and_lenient_json() -> None:
    broken = '<!-- [{"@type": "Organization", "name": "X"}, {"@type": "NewsArticle", "headline": "H\nI",},] -->'
    assert jsonld.article_object([broken])["headline"] == "H\nI"
    assert jsonld.article_object(["not json at all"]) == {}


def test_person_names_resolve_references_and_skip_organisations() -> None:
    objs = jsonld.objects(scripts({"@graph": [{"@id": "#a", "@type": "Person", "givenName": "Jane", "familyName": "Park"}]}))
    index = jsonld.index_by_id(objs)
    value = [{"@id": "#a"}, "Tom Lee", {"@type": "Organization", "name": "Daily"}, {"name": "Tom Lee"}]
    assert jsonld.person_names(value, index) == ["Jane Park", "Tom Lee"]
    assert jsonld.person_names(value, index, organizations=True) == ["Jane Park", "Tom Lee", "Daily"]


def test_text_value_forms() -> None:
    assert jsonld.text_value(["", "A &amp; B"]) == "A & B"
    assert jsonld.text_value({"@value": "x"}) == "x"
    assert jsonld.text_value(None) is None
