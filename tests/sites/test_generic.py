"""Generic extractor beyond the fixture snapshots: provenance of each field, read through
``scrapy extract``'s path (``extract_file``), and a client-rendered shell. Saved pages ->
expected items: ``tests/pages/test_fixtures.py``."""

from __future__ import annotations

import json

from newscrawl.commands.extract import extract_file
from newscrawl.families import resolve
from tests.pages.cases import get_case

JSONLD = get_case("generic/jsonld")
KOREAN = get_case("generic/korean")


def test_unknown_sites_resolve_to_generic() -> None:
    for case in (JSONLD, KOREAN):
        assert resolve(case.url).family == "generic"


def test_jsonld_page_provenance_and_fields() -> None:
    record = extract_file(JSONLD.page, JSONLD.url)
    # JSON-LD @id reference and givenName/familyName resolved; the Organization author is not a person.
    assert record["authors"] == ["Jane Park", "Tom Lee"]
    assert record["extractor"]["authors"] == "jsonld"
    # Visible headline confirmed by og:title (site suffix stripped); the logo <h1> is skipped.
    assert record["title"] == "River park plan approved by council"
    assert record["published_at"] == "2024-03-05T10:00:00+09:00"
    assert record["canonical_url"] == "https://news.hanbit-daily.example/city/river-park-plan"
    assert "Most read" not in record["body"] and "newsletter" not in record["body"]


def test_korean_page_prefers_visible_labels_and_skips_footer_dates() -> None:
    record = extract_file(KOREAN.page, KOREAN.url)
    assert record["published_at"] == "2024-03-05T09:42:00+09:00"  # not the meta 00:00:01, not the 2009 footer
    assert record["modified_at"] == "2024-03-05T13:10:00+09:00"
    assert record["bylines"] == [{"name": "오지민", "desk": None, "email": "jimin@saesol.example"}]
    assert record["title"] == "새솔시, 전통시장 주차장 200면 확충"


def test_app_state_only_page(tmp_path) -> None:
    """A client-rendered shell whose article lives only in the Next.js flight stream."""
    chunk = ('<p>누리군은 올해 농촌 빈집 120채를 정비해 청년 주거 공간으로 바꾼다고 밝혔다.</p>'
             '<p>군은 리모델링 비용의 절반을 지원하고 입주자에게 2년간 임대료를 받지 않는다.</p>'
             '<div class="writer">한가람 기자 garam@nuri.example</div>')
    length = format(len(chunk.encode("utf-8")), "x")
    flight = json.dumps([1, f'{{"detail":{{"deployDt":"2024.05.02 10:15","updateDt":"2024.05.02 11:00"}}}}\n'
                            f"2a:T{length},{chunk}"], ensure_ascii=False)
    html = (f'<html lang="ko"><head><title>누리군, 빈집 120채 청년 주거로 | 누리일보</title>'
            f'<meta property="og:title" content="누리군, 빈집 120채 청년 주거로 | 누리일보"></head><body>'
            f'<main><div class="spinner"></div></main><script>self.__next_f.push({flight})</script></body></html>')
    page = tmp_path / "shell.html"
    page.write_text(html, "utf-8")
    record = extract_file(page, "https://www.nuri.example/article/777")
    assert record["extractor"]["body"] == "appstate"
    assert record["body"].startswith("누리군은 올해 농촌 빈집")
    assert "garam@" not in record["body"]
    assert record["authors"] == ["한가람"]
    assert record["published_at"] == "2024-05-02T10:15:00+09:00"
    assert record["modified_at"] == "2024-05-02T11:00:00+09:00"
