"""The NDSoft demo outlet (한빛일보): truth, special pages, EUC-KR/CP949 bytes, the mislabelled page, CLI, merge."""

from __future__ import annotations

import csv
import json
import re
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

import pytest
from parsel import Selector

from demo import ndsoft
from demo.__main__ import main as demo_main
from demo.content import DemoSite
from demo.ndsoft import NdsoftDemoSite
from demo.run import merge_feeds
from demo.server import serve_in_thread
from newscrawl.parsing.text import content_hash

BASE = "http://127.0.0.1:8022"


@pytest.fixture(scope="module")
def site() -> NdsoftDemoSite:
    return NdsoftDemoSite()


@pytest.fixture(scope="module")
def truth(site: NdsoftDemoSite) -> dict[int, dict[str, Any]]:
    return {r["idx"]: r for r in site.truth(BASE)}


def _get(url: str) -> tuple[int, dict[str, str], bytes]:
    try:
        with urllib.request.urlopen(url, timeout=10) as r:
            return r.status, dict(r.headers), r.read()
    except urllib.error.HTTPError as e:
        return e.code, dict(e.headers), e.read()


def test_truth_same_record_format_as_the_dada_demo(truth: dict[int, dict[str, Any]]) -> None:
    dada = next(DemoSite().truth(BASE))
    assert sorted(truth) == list(range(21001, 21081))
    for idxno, record in truth.items():
        assert set(record) == set(dada)
        assert record["article_id"] == f"hanbitilbo:{idxno}"
        assert record["mcodes"] and all(re.fullmatch(r"S1N\d", c) for c in record["mcodes"])
        if record["item"]:
            item = record["item"]
            assert set(item) == set(dada["item"])
            assert item["canonical_url"] == f"{BASE}/news/articleView.html?idxno={idxno}"
            assert item["content_hash"] == content_hash(item["body"])
            assert all(b["email"] and b["email"].endswith("@hanbitilbo.example") for b in item["bylines"])
            if item["published_at"]:
                assert item["published_at"].endswith(":00+09:00")  # shown to the minute
                label = "승인" if site_is_legacy(idxno) else "입력"
                shown = item["published_at"][:16].replace("-", ".").replace("T", " ")
                assert item["published_at_raw"] == f"{label} {shown}"


def site_is_legacy(idxno: int) -> bool:
    return idxno < 21001 + ndsoft.LEGACY_COUNT


def test_truth_is_deterministic_and_differs_from_the_dada_texts() -> None:
    assert list(NdsoftDemoSite(60).truth(BASE)) == list(NdsoftDemoSite(60).truth(BASE))
    dada_bodies = {r["item"]["body"] for r in DemoSite().truth(BASE) if r["item"]}
    assert not dada_bodies & {r["item"]["body"] for r in NdsoftDemoSite().truth(BASE) if r["item"]}


def test_special_articles(truth: dict[int, dict[str, Any]]) -> None:
    assert truth[ndsoft.IDXNO_DELETED]["expect"] == "deleted"
    assert (truth[ndsoft.IDXNO_SHORT_BODY]["expect"], truth[ndsoft.IDXNO_SHORT_BODY]["reject_reason"]) == (
        "reject", "body_too_short")
    assert truth[ndsoft.IDXNO_NO_PUBLISHED]["reject_reason"] == "missing:published_at"
    assert truth[ndsoft.IDXNO_NO_MODIFIED]["item"]["modified_at"] is None
    assert truth[ndsoft.IDXNO_DUPLICATE]["duplicate_of"] == f"hanbitilbo:{ndsoft.IDXNO_DUPLICATE_OF}"
    assert "똠양꿍" in truth[ndsoft.IDXNO_CP949]["item"]["body"]
    assert truth[ndsoft.IDXNO_MISLABELLED]["expect"] == "item"
    assert any(len(r["mcodes"]) > 1 for r in truth.values())  # cross-listed articles


def test_lists_hold_each_article_once_per_section(site: NdsoftDemoSite, truth: dict[int, dict[str, Any]]) -> None:
    for section in ndsoft.SECTIONS:
        listed = [i for p in range(1, site.page_count(section.code) + 1) for i in site.list_page(section.code, p)]
        assert len(listed) == len(set(listed))
        assert set(listed) == {i for i, r in truth.items() if section.code in r["mcodes"]}


def test_live_server_pages_are_cp949_labelled_euckr(site: NdsoftDemoSite) -> None:
    with serve_in_thread(site) as server:
        base = server.base_url
        status, headers, home = _get(base + "/")
        assert status == 200 and headers["Content-Type"] == "text/html; charset=euc-kr"
        menu = Selector(home.decode("cp949")).css('a[href*="sc_section_code=S1N"]::attr(href)').getall()
        assert len(menu) == 4

        status, headers, raw = _get(f"{base}/news/articleView.html?idxno={ndsoft.IDXNO_CP949}")
        assert status == 200 and headers["Content-Type"] == "text/html; charset=euc-kr"
        assert "똠양꿍".encode("cp949") in raw
        with pytest.raises(UnicodeDecodeError):
            raw.decode("utf-8")

        status, headers, raw = _get(f"{base}/news/articleView.html?idxno={ndsoft.IDXNO_MISLABELLED}")
        assert status == 200 and headers["Content-Type"] == "text/html"  # no charset in the header
        text = raw.decode("utf-8")  # ... and the bytes are UTF-8
        assert '<meta charset="euc-kr">' in text and Selector(text).css("h1.heading")

        legacy = _get(f"{base}/?mod=news&act=articleView&idxno=21001")
        assert legacy[0] == 200 and Selector(legacy[2].decode("cp949")).css("div.article-head-title")

        deleted = _get(f"{base}/news/articleView.html?idxno={ndsoft.IDXNO_DELETED}")[2].decode("cp949")
        assert "삭제된 기사입니다" in deleted and not Selector(deleted).css("h1.heading")

        listing = Selector(_get(f"{base}/news/articleList.html?sc_section_code=S1N1&view_type=sm")[2].decode("cp949"))
        assert len(listing.css("#section-list > ul > li")) == 10 and listing.css(".pagination")
        assert _get(f"{base}/news/articleList.html?sc_section_code=S1N9")[0] == 404
        assert _get(f"{base}/news/articleView.html?idxno=1")[0] == 404
        with_image = next(i for i in range(21010, 21081) if (a := site.article(i)) and a.article.images
                          and not a.article.deleted and i != ndsoft.IDXNO_MISLABELLED)
        photo = Selector(_get(f"{base}/news/articleView.html?idxno={with_image}")[2].decode("cp949")).css(
            "figure img::attr(src)").get()
        assert photo and re.fullmatch(r"/news/photo/\d{6}/\d+_\d_\d{4}\.jpg", photo)
        assert _get(base + photo)[1]["Content-Type"] == "image/jpeg"
        stats = json.loads(_get(base + "/__demo/stats")[2])
        assert (stats["home"], stats["view"], stats["list"], stats["image"]) == (1, 6, 2, 1)


def test_cli_truth_for_the_ndsoft_outlet(tmp_path: Path) -> None:
    out = tmp_path / "truth.jsonl"
    assert demo_main(["truth", "--outlet", "ndsoft", "--size", "60", "--base-url", BASE, "-o", str(out)]) == 0
    records = [json.loads(line) for line in out.read_text("utf-8").splitlines()]
    assert [r["idx"] for r in records] == list(range(21001, 21061))
    assert records[0]["item"]["site_name"] == "한빛일보"


def test_merge_feeds_one_csv_header_and_all_rows(tmp_path: Path) -> None:
    parts = []
    for n, slug in enumerate(("a", "b")):
        part = tmp_path / slug
        part.mkdir()
        (part / "articles.jsonl").write_text(f'{{"article_id": "{slug}:1"}}\n', "utf-8")
        (part / "rejects.jsonl").write_text("" if n else '{"article_id": "a:2"}\n', "utf-8")
        (part / "articles.csv").write_text(f'article_id,body\r\n{slug}:1,"line one\r\n\r\nline two"\r\n', "utf-8")
        parts.append(part)
    counts = merge_feeds(parts, tmp_path)
    assert counts == {"articles.jsonl": 2, "rejects.jsonl": 1, "articles.csv": 2}
    with (tmp_path / "articles.csv").open(encoding="utf-8", newline="") as fh:
        rows = list(csv.reader(fh))
    assert rows == [["article_id", "body"], ["a:1", "line one\r\n\r\nline two"], ["b:1", "line one\r\n\r\nline two"]]
