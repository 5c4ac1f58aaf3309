"""The offline demo outlet: determinism, special articles, pagination, rendering and the live server."""

from __future__ import annotations

import json
import re
import signal
import subprocess
import sys
import time
import unicodedata
import urllib.error
import urllib.request
from itertools import pairwise
from pathlib import Path
from random import Random
from typing import Any

import pytest
from parsel import Selector

from demo import (
    IDX_DELETED,
    IDX_DUPLICATE,
    IDX_DUPLICATE_OF,
    IDX_NO_MODIFIED,
    IDX_NO_PUBLISHED,
    IDX_SHORT_BODY,
    SECTIONS,
    DemoSite,
    serve_in_thread,
)
from demo.content import MIN_SIZE, PAGE_SIZE, expand, fill
from demo.render import render_article, render_list
from newscrawl.parsing.text import content_hash

ROOT = Path(__file__).resolve().parents[2]
BASE = "http://127.0.0.1:8021"
ITEM_KEYS = {
    "canonical_url", "article_id", "site", "site_name", "language", "section", "title", "subtitles", "authors",
    "bylines", "published_at", "published_at_raw", "modified_at", "modified_at_raw", "body", "images",
    "content_hash",
}


@pytest.fixture(scope="module")
def site() -> DemoSite:
    return DemoSite()


@pytest.fixture(scope="module")
def truth(site: DemoSite) -> dict[int, dict[str, Any]]:
    return {r["idx"]: r for r in site.truth(BASE)}


def _get(url: str) -> tuple[int, dict[str, str], str]:
    try:
        with urllib.request.urlopen(url, timeout=10) as r:
            return r.status, dict(r.headers), r.read().decode("utf-8", "replace")
    except urllib.error.HTTPError as e:
        return e.code, dict(e.headers), e.read().decode("utf-8")


# -- content and truth ------------------------------------------------------


def test_truth_is_deterministic() -> None:
    assert list(DemoSite(80, 21).truth(BASE)) == list(DemoSite(80, 21).truth(BASE))
    assert list(DemoSite(80, 22).truth(BASE)) != list(DemoSite(80, 21).truth(BASE))


def test_truth_covers_every_idx_with_exact_keys(truth: dict[int, dict[str, Any]]) -> None:
    assert sorted(truth) == list(range(1001, 1081))
    for idx, record in truth.items():
        assert record["article_id"] == f"news21tongsin:{idx}"
        assert record["mcodes"] and all(re.fullmatch(r"m\d{3}[0-9a-z]{4}", c) for c in record["mcodes"])
        if record["expect"] == "deleted":
            assert record["item"] == {}
            continue
        item = record["item"]
        assert set(item) == ITEM_KEYS
        assert item["canonical_url"] == f"{BASE}/news/view.php?idx={idx}"
        assert item["content_hash"] == content_hash(item["body"])
        assert 15 <= len(item["title"]) <= 40
        assert unicodedata.is_normalized("NFC", item["body"]) and "\xa0" not in item["body"]
        assert "[뉴스21 통신=" not in item["body"] and "@news21tongsin.example" not in item["body"]
        assert item["authors"] == [b["name"] for b in item["bylines"]]
        if item["published_at"]:
            assert item["published_at"].endswith("+09:00")
            assert item["published_at_raw"] == "등록 " + item["published_at"][:19].replace("T", " ")
        if item["modified_at"] and item["published_at"]:
            assert item["modified_at"] > item["published_at"]


def test_special_articles(truth: dict[int, dict[str, Any]]) -> None:
    assert truth[IDX_DELETED]["expect"] == "deleted"
    assert truth[IDX_NO_MODIFIED]["item"]["modified_at"] is None
    assert truth[IDX_NO_MODIFIED]["item"]["modified_at_raw"] is None
    short = truth[IDX_SHORT_BODY]
    assert (short["expect"], short["reject_reason"]) == ("reject", "body_too_short")
    assert len(short["item"]["body"]) < 30 and short["item"]["images"]
    nopub = truth[IDX_NO_PUBLISHED]
    assert (nopub["expect"], nopub["reject_reason"]) == ("reject", "missing:published_at")
    assert nopub["item"]["published_at"] is None and nopub["item"]["published_at_raw"] is None
    dup, original = truth[IDX_DUPLICATE], truth[IDX_DUPLICATE_OF]
    assert (dup["expect"], dup["duplicate_of"]) == ("duplicate", f"news21tongsin:{IDX_DUPLICATE_OF}")
    assert original["expect"] == "item"
    assert dup["item"]["title"] != original["item"]["title"]
    for key in ("body", "content_hash", "images", "subtitles"):
        assert dup["item"][key] == original["item"][key]
    others = {r["expect"] for i, r in truth.items() if i not in (IDX_DELETED, IDX_SHORT_BODY, IDX_NO_PUBLISHED,
                                                                  IDX_DUPLICATE)}
    assert others == {"item"}


def test_variety_of_markup_quirks(site: DemoSite, truth: dict[int, dict[str, Any]]) -> None:
    """The cleaning code needs every quirk at the default size."""
    articles = [a for a in map(site.article, range(1001, 1081)) if a is not None]
    items = [r["item"] for r in truth.values() if r["item"]]
    assert any(len(i["authors"]) == 2 for i in items)
    assert any(b["desk"] for i in items for b in i["bylines"])
    assert any(len(i["authors"]) == 1 and i["bylines"][0]["desk"] is None for i in items)
    assert any(b["email"] for i in items for b in i["bylines"])
    assert any("/사진=" in img["caption"] for i in items for img in i["images"])
    assert {len(i["subtitles"]) for i in items} >= {0, 1, 2}
    assert {len(i["images"]) for i in items} >= {0, 1, 2}
    assert any("\xa0" in p for a in articles for p in a.paragraphs)
    assert any("  " in p for a in articles for p in a.paragraphs)
    assert any(not unicodedata.is_normalized("NFC", p) for a in articles for p in a.paragraphs)
    assert sum(1 for r in truth.values() if len(r["mcodes"]) == 2) == len([i for i in range(1001, 1081) if i % 7 == 0])


def test_templates_pick_particles_and_alternations() -> None:
    ctx = {"prog": "'다솜 돌봄'", "site": "경로당", "dong": "송곡동", "gov": "시", "room": "물놀이터", "n": 7}
    assert fill("{prog|은는} {site|이가} {dong|과와} {gov|을를}", ctx) == "'다솜 돌봄'은 경로당이 송곡동과 시를"
    assert fill("{prog|으로} {room|으로} {site|으로} {n|으로}", ctx) == "'다솜 돌봄'으로 물놀이터로 경로당으로 7로"
    picks = {expand("<가/나/>다", Random(i)) for i in range(50)}
    assert picks == {"가다", "나다", "다"}
    assert expand("<가/나>", Random(3)) == expand("<가/나>", Random(3))


def test_ordinary_articles_are_fast_and_have_their_own_details() -> None:
    """Well under 1 ms per article, built alone; no template syntax left; the lead names the place."""
    big = DemoSite(size=100_000)
    started = time.perf_counter()
    articles = [big.article(i) for i in range(50_000, 52_000)]
    assert (time.perf_counter() - started) / len(articles) < 0.001
    for article in articles:
        assert article is not None and 3 <= len(article.paragraphs) <= 7
        text = " ".join((article.title, *article.subtitles, *article.paragraphs))
        assert not re.search(r"[{}<>|]", text), text
    assert len({a.paragraphs[0] for a in articles}) == len(articles)
    assert big.article(51_000) == DemoSite(size=100_000).article(51_000)


def test_time_is_newest_first_and_fixed(site: DemoSite) -> None:
    times = [site.published_at(i) for i in range(site.first_idx, site.last_idx + 1)]
    gaps = [(b - a).total_seconds() for a, b in pairwise(times)]
    assert all(2 * 3600 <= g <= 4 * 3600 for g in gaps)
    assert times[-1].strftime("%Y-%m-%d %H") in ("2024-03-31 17", "2024-03-31 18")


def test_size_below_minimum_is_refused() -> None:
    with pytest.raises(ValueError):
        DemoSite(MIN_SIZE - 1)


# -- pagination ---------------------------------------------------------------


def test_pagination_lists_each_article_once_per_section(site: DemoSite, truth: dict[int, dict[str, Any]]) -> None:
    for section in SECTIONS:
        seen: list[int] = []
        last = site.page_count(section.code)
        for page in range(1, last + 2):
            sel = Selector(render_list(site, section, page))
            hrefs = sel.css("div.basicList dt.title a::attr(href)").getall()
            assert all(h.endswith(f"&mcode={section.code}") for h in hrefs)
            ids = [int(re.search(r"idx=(\d+)", h).group(1)) for h in hrefs]  # type: ignore[union-attr]
            seen.extend(ids)
            has_next = bool(sel.css("div.paging a.next"))
            if page < last:
                assert len(ids) == PAGE_SIZE and has_next
                assert sel.css("div.paging a.next::attr(href)").get().endswith(f"page={page + 1}")
                assert sel.css("div.paging a.on::text").get() == str(page)
            elif page == last:
                assert 1 <= len(ids) <= PAGE_SIZE and not has_next
            else:  # past the end: empty list, still a list page
                assert ids == [] and not has_next and sel.css("div.basicList")
        assert len(seen) == len(set(seen))
        assert set(seen) == {i for i, r in truth.items() if section.code in r["mcodes"]}
        dates = [site.published_at(i) for i in seen]
        assert dates == sorted(dates, reverse=True)


# -- rendering ------------------------------------------------------------------


def test_article_html_has_chrome_that_truth_drops(site: DemoSite, truth: dict[int, dict[str, Any]]) -> None:
    idx = next(i for i, r in truth.items() if r["expect"] == "item" and r["item"]["images"]
               and r["item"]["subtitles"] and any(b["email"] for b in r["item"]["bylines"]))
    article = site.article(idx)
    assert article is not None
    item = truth[idx]["item"]
    sel = Selector(render_article(site, article, BASE))
    first_p = "".join(sel.css("#viewContent .fr-view > p")[0].css("::text").getall())
    assert first_p.startswith(f"[뉴스21 통신={sel.css('ul.info-text li::text').get()}] ")
    captions = sel.css("span.fr-img-caption span.fr-inner::text").getall()
    assert captions == [img["caption"] for img in item["images"]]
    for caption in captions:
        assert caption not in item["body"]
    assert not item["body"].startswith("[")
    trailer = sel.css("#viewContent .fr-view > p:last-child::text").get()
    assert trailer and trailer.endswith("@news21tongsin.example") and trailer not in item["body"]
    assert sel.css("link[rel=canonical]::attr(href)").get() == item["canonical_url"]
    assert sel.css("meta[property='og:url']::attr(content)").get() == item["canonical_url"]
    assert sel.css(".article-head-nav a::text").getall()[-1] == item["section"]
    assert sel.css("ul.subj li::text").getall() == item["subtitles"]
    assert sel.css("ul.info-text li::text").getall()[1:] == [item["published_at_raw"], item["modified_at_raw"]]
    assert [sel.css("img::attr(src)").getall()[i] for i in range(len(captions))] == [
        img["url"].removeprefix(BASE) for img in item["images"]]
    assert len(sel.css(".most-viewed ol li a")) >= 3
    assert sel.css("#footer p.copyright::text").get().startswith("Copyright ⓒ 뉴스21 통신")


def test_special_pages_markup(site: DemoSite) -> None:
    nomod = Selector(render_article(site, site.article(IDX_NO_MODIFIED), BASE))  # type: ignore[arg-type]
    assert not any(t.startswith("수정") for t in nomod.css("ul.info-text li::text").getall())
    nopub = Selector(render_article(site, site.article(IDX_NO_PUBLISHED), BASE))  # type: ignore[arg-type]
    assert not any(t.startswith("등록") for t in nopub.css("ul.info-text li::text").getall())


# -- live server ------------------------------------------------------------------


def test_live_server_routes() -> None:
    with serve_in_thread(DemoSite()) as server:
        base = server.base_url
        status, headers, home = _get(base + "/")
        assert status == 200 and headers["Content-Type"] == "text/html; charset=utf-8"
        gnb = Selector(home).css("ul.gnb li a::attr(href)").getall()
        assert gnb == [f"/news/list.php?mcode={s.code}" for s in SECTIONS]
        assert Selector(home).css('a[href^="/news/view.php?idx="]')

        status, _, listing = _get(base + f"/news/list.php?mcode={SECTIONS[0].code}")
        assert status == 200 and len(Selector(listing).css("div.basicList dl")) == PAGE_SIZE

        status, _, page = _get(base + "/news/view.php?idx=1042&mcode=m101sc2a")
        sel = Selector(page)
        assert status == 200 and sel.css(".article-head-title")
        assert sel.css("link[rel=canonical]::attr(href)").get() == f"{base}/news/view.php?idx=1042"

        status, _, deleted = _get(base + f"/news/view.php?idx={IDX_DELETED}")
        assert status == 200 and "<script>alert('삭제된 기사입니다.');history.back();</script>" in deleted
        assert not Selector(deleted).css(".article-head-title")

        assert _get(base + "/robots.txt")[:3:2] == (200, "User-agent: *\nDisallow: /admin/\n")
        assert _get(base + "/news/view.php?idx=999999")[0] == 404
        assert _get(base + "/news/list.php?mcode=m999zzzz")[0] == 404
        assert _get(base + "/nope")[0] == 404
        status, headers, _ = _get(base + "/data/photos/2024/03/1042_1.jpg")
        assert status == 200 and headers["Content-Type"] == "image/jpeg"

        request = urllib.request.Request(base + "/m/view.php?idx=1042")
        opener = urllib.request.build_opener(_NoRedirect)
        with pytest.raises(urllib.error.HTTPError) as redirect:
            opener.open(request, timeout=10)
        assert redirect.value.code == 301
        assert redirect.value.headers["Location"] == f"{base}/news/view.php?idx=1042"

        stats = json.loads(_get(base + "/__demo/stats")[2])
        assert {k: stats[k] for k in ("home", "list", "view", "robots", "other")} == {
            "home": 1, "list": 2, "view": 3, "robots": 1, "other": 1}
        json.loads(_get(base + "/__demo/stats?reset=1")[2])
        assert json.loads(_get(base + "/__demo/stats")[2])["total"] == 0


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


def test_big_site_starts_fast_and_serves_first_and_last_page() -> None:
    started = time.perf_counter()
    site = DemoSite(size=100_000)
    assert time.perf_counter() - started < 2.0
    code = SECTIONS[2].code
    last = site.page_count(code)
    with serve_in_thread(site) as server:
        t0 = time.perf_counter()
        first = Selector(_get(f"{server.base_url}/news/list.php?mcode={code}&page=1")[2])
        assert first.css("div.paging a.next") and len(first.css("div.basicList dl")) == PAGE_SIZE
        assert first.css("dt.title a::attr(href)").get().startswith("/news/view.php?idx=")
        end = Selector(_get(f"{server.base_url}/news/list.php?mcode={code}&page={last}")[2])
        assert not end.css("div.paging a.next") and end.css("div.basicList dl")
        assert end.css("div.paging a.on::text").get() == str(last)
        status, _, page = _get(f"{server.base_url}/news/view.php?idx=101000")
        assert status == 200 and Selector(page).css(".article-head-title")
        assert time.perf_counter() - t0 < 2.0


def test_cli_serve_port_zero_and_sigterm() -> None:
    proc = subprocess.Popen(
        [sys.executable, "-m", "demo", "serve", "--port", "0", "--size", "60"],
        cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    try:
        line = proc.stdout.readline()  # type: ignore[union-attr]
        match = re.fullmatch(r"demo serving (http://127\.0\.0\.1:(\d+)) \(size=60\)\n", line)
        assert match, line
        assert int(match.group(2)) > 0
        assert _get(match.group(1) + "/robots.txt")[0] == 200
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=10) == 0
        assert proc.stderr.read() == ""  # type: ignore[union-attr]  # quiet without --verbose
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


def test_cli_truth_jsonl(tmp_path: Path) -> None:
    out = tmp_path / "truth.jsonl"
    subprocess.run(
        [sys.executable, "-m", "demo", "truth", "--size", "60", "--base-url", "http://h:1", "-o", str(out)],
        cwd=ROOT, check=True,
    )
    lines = out.read_text(encoding="utf-8").splitlines()
    records = [json.loads(line) for line in lines]
    assert len(records) == 60 and "뉴스21 통신" in lines[0]  # ensure_ascii=False
    assert records == list(DemoSite(60).truth("http://h:1"))
