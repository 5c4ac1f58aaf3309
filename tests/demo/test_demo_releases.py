"""Shared press releases across the three demo outlets that run them, and the third outlet (누리신문).

The releases exist for near-duplicate detection (issue 4): every copy must escape an
exact-hash dedupe (bodies differ) yet stay near-identical (>= 70% of 5-character
shingles shared), while the hard negatives (same city and topic, another story) stay far
(< 30%). Jaccard is computed here, independently of any detector.
"""

from __future__ import annotations

import json
import re
import urllib.error
import urllib.request
from collections.abc import Iterable
from datetime import datetime
from itertools import combinations
from pathlib import Path
from random import Random
from typing import Any

import pytest
from parsel import Selector

from demo import DemoSite, NdsoftDemoSite, NuriDemoSite, serve_in_thread
from demo.__main__ import main as demo_main
from demo.content import MIN_SIZE, SPECIAL_IDS
from demo.outlets import OUTLETS, RUN_OUTLETS
from demo.release_texts import HARD_NEGATIVES, RELEASES
from demo.releases import NEWSROOMS, write_numbers
from demo.render import render_article
from demo.run import release_summary
from newscrawl.families.dada import MCODE_RE
from newscrawl.state.near import SHINGLE, normalize

BASE = "http://127.0.0.1:8023"
SiteLike = DemoSite | NdsoftDemoSite
#: The outlets that run the shared press releases (바다일보, the JavaScript outlet, runs none).
RELEASE_OUTLETS = [o for o in OUTLETS.values() if o.slug in NEWSROOMS]


def shingles(text: str, k: int = 5) -> set[str]:
    """Character k-shingles of the text without whitespace (what a shingle-based detector compares)."""
    text = re.sub(r"\s+", "", text)
    return {text[i:i + k] for i in range(len(text) - k + 1)}


def jaccard(a: str, b: str) -> float:
    sa, sb = shingles(a), shingles(b)
    return len(sa & sb) / len(sa | sb)


def all_sites(size: int = 80, seed: int = 21) -> list[SiteLike]:
    return [outlet.make_site(size, seed) for outlet in RELEASE_OUTLETS]


@pytest.fixture(scope="module")
def truths() -> dict[str, dict[str, dict[str, Any]]]:
    """Outlet slug -> article_id -> truth record, for the three outlets at the default size."""
    return {o.slug: {r["article_id"]: r for r in o.make_site().truth(BASE)} for o in RELEASE_OUTLETS}


@pytest.fixture(scope="module")
def copies(truths: dict[str, dict[str, dict[str, Any]]]) -> dict[str, list[dict[str, Any]]]:
    """Release label -> its truth records, one per outlet."""
    out: dict[str, list[dict[str, Any]]] = {}
    for records in truths.values():
        for record in records.values():
            if record["release"]:
                out.setdefault(record["release"], []).append(record)
    return out


def test_three_outlets_of_two_cms() -> None:
    assert list(OUTLETS) == ["dada", "ndsoft", "nurinews", "jscms"]
    assert [o.key for o in RELEASE_OUTLETS] == ["dada", "ndsoft", "nurinews"]
    assert list(RUN_OUTLETS) == ["dada", "ndsoft", "nurinews", "jscms"]
    nuri = OUTLETS["nurinews"]
    assert (nuri.slug, nuri.name, nuri.spider) == ("nurinews", "누리신문", "dada")
    assert nuri.spider_args == ("-a", "slug=nurinews", "-a", "name=누리신문")
    assert isinstance(nuri.make_site(), NuriDemoSite)
    assert set(NEWSROOMS) == {o.slug for o in RELEASE_OUTLETS}


def test_every_release_once_in_every_outlet(truths: dict[str, dict[str, dict[str, Any]]],
                                            copies: dict[str, list[dict[str, Any]]]) -> None:
    labels = [r["label"] for r in RELEASES]
    assert len(labels) >= 6 and sorted(copies) == sorted(labels)
    for label, records in copies.items():
        assert sorted(r["article_id"].split(":")[0] for r in records) == sorted(truths), label
        assert all(r["expect"] == "item" and r["item"]["title"] for r in records)
    for records in truths.values():
        assert {"release"} <= set(next(iter(records.values())))
        assert sum(1 for r in records.values() if r["release"]) == len(labels)


def test_copies_differ_in_body_but_share_most_shingles(copies: dict[str, list[dict[str, Any]]]) -> None:
    for label, records in copies.items():
        items = [r["item"] for r in records]
        assert len({i["body"] for i in items}) == len({i["content_hash"] for i in items}) == 3, label
        assert len({i["title"] for i in items}) == 3, label
        for a, b in combinations(items, 2):
            assert jaccard(a["body"], b["body"]) >= 0.70, (label, a["article_id"], b["article_id"])


def test_hard_negatives_same_city_and_week_but_far(truths: dict[str, dict[str, dict[str, Any]]],
                                                   copies: dict[str, list[dict[str, Any]]]) -> None:
    negatives: dict[str, list[dict[str, Any]]] = {}
    for site in all_sites():
        for idx, label in site.hard_negative_ids().items():
            record = truths[site.site][f"{site.site}:{idx}"]
            assert record["release"] is None and record["expect"] == "item"
            section = next(r for r in RELEASES if r["label"] == label)["section"]
            assert record["mcodes"][0] == site.sections[section].code  # same topic, same section
            negatives.setdefault(label, []).append(record)
    assert sum(map(len, negatives.values())) == len(HARD_NEGATIVES)
    for release in RELEASES:
        label, city = release["label"], release["city"]
        found = negatives[label]
        assert len(found) >= 2, label
        release_time = min(r["item"]["published_at"] for r in copies[label])
        for negative in found:
            item = negative["item"]
            assert city[:-1] in item["title"] and city in item["body"]
            days = abs((_dt(item["published_at"]) - _dt(release_time)).total_seconds()) / 86400
            assert days < 2, (negative["article_id"], days)
            for copy in copies[label]:
                assert jaccard(item["body"], copy["item"]["body"]) < 0.30, (negative["article_id"], label)


def _dt(iso: str) -> datetime:
    return datetime.fromisoformat(iso)


def test_releases_far_from_every_other_article(truths: dict[str, dict[str, dict[str, Any]]],
                                               copies: dict[str, list[dict[str, Any]]]) -> None:
    """No ordinary article (nor another release) comes near a release: only its own copies do."""
    others = [r["item"]["body"] for records in truths.values() for r in records.values()
              if r["item"] and r["expect"] == "item" and not r["release"]]
    for label, records in copies.items():
        body = records[0]["item"]["body"]
        assert max(jaccard(body, other) for other in others) < 0.30, label
        for other_label, other_records in copies.items():
            if other_label != label:
                assert jaccard(body, other_records[0]["item"]["body"]) < 0.30


# -- ordinary articles are different stories ---------------------------------------------


def ordinary_shingle_sets(size: int, seed: int = 21) -> list[frozenset[str]]:
    """Shingle sets of every ordinary article of the three outlets, as the near-duplicate detector sees them.

    ``near.normalize`` (NFC, case-folded, no whitespace or punctuation), then 5-character
    shingles. Left out: release copies, hard negatives, the deleted and the photo-only page and
    the deliberate re-post (its original stays, so the only same-story pair is not compared).
    """
    sets = []
    for site in all_sites(size, seed):
        stories = {*site.release_ids().values(), *site.hard_negative_ids()}
        for record in site.truth(BASE):
            if (record["idx"] in stories or record["expect"] in ("deleted", "duplicate")
                    or record["reject_reason"] == "body_too_short"):
                continue
            text = normalize(record["item"]["body"])
            sets.append(frozenset(text[i:i + SHINGLE] for i in range(len(text) - SHINGLE + 1)))
    return sets


def max_and_p99(pairs: Iterable[tuple[frozenset[str], frozenset[str]]]) -> tuple[float, float]:
    scores = sorted(len(a & b) / len(a | b) for a, b in pairs)
    return scores[-1], scores[int(0.99 * len(scores))]


def test_ordinary_articles_are_not_near_duplicates_at_the_default_size() -> None:
    """Every pair across the three outlets: unrelated articles share few shingles (copies share >= 70%)."""
    sets = ordinary_shingle_sets(80)
    assert len(sets) > 200
    top, p99 = max_and_p99(combinations(sets, 2))
    assert top < 0.30 and p99 < 0.15, (top, p99)


def test_ordinary_articles_are_not_near_duplicates_at_size_1000() -> None:
    """A fixed sample of 20,000 pairs among the ~3,000 ordinary articles of the three outlets."""
    sets = ordinary_shingle_sets(1000)
    rng = Random(4)
    pairs: set[tuple[int, int]] = set()
    while len(pairs) < 20_000:
        i, j = sorted(rng.sample(range(len(sets)), 2))
        pairs.add((i, j))
    top, p99 = max_and_p99((sets[i], sets[j]) for i, j in sorted(pairs))
    assert top < 0.30 and p99 < 0.15, (top, p99)


def test_newsroom_edits(copies: dict[str, list[dict[str, Any]]]) -> None:
    by_site = {label: {r["article_id"].split(":")[0]: r["item"] for r in records} for label, records in copies.items()}
    pr1 = by_site["pr-1"]
    assert "2,000가구" in pr1["news21tongsin"]["body"] and "2000가구" in pr1["nurinews"]["body"]
    assert "1천200가구" in pr1["hanbitilbo"]["body"] and "2천가구" in pr1["hanbitilbo"]["body"]
    assert "전했다" in pr1["hanbitilbo"]["body"] and "밝혔다" not in pr1["hanbitilbo"]["body"]
    assert "8억 4천만원" in pr1["nurinews"]["body"] and "8억 4천만 원" in pr1["news21tongsin"]["body"]
    trimmed = 0
    for label, items in by_site.items():
        leads = {site: item["body"].split("\n\n")[0] for site, item in items.items()}
        assert len(set(leads.values())) == 3, label  # every newsroom writes its own lead
        counts = {site: item["body"].count("\n\n") + 1 for site, item in items.items()}
        trimmed += counts["hanbitilbo"] < counts["news21tongsin"]
        # Same release day in every copy that names it, whatever hour each outlet ran it.
        assert len({m for item in items.values() for m in re.findall(r"(\d+)일 (?:밝혔|전했)다", item["body"])}) <= 1
    assert 0 < trimmed < len(by_site)  # some copies lose their last paragraph, not all


def test_write_numbers() -> None:
    assert write_numbers("1,200가구와 2,000가구, 1,500원", "korean") == "1천200가구와 2천가구, 1천500원"
    assert write_numbers("1,200가구, 3.5%", "plain") == "1200가구, 3.5%"
    assert write_numbers("12,345명", "korean") == "12,345명"  # only what a newsroom would rewrite


@pytest.mark.parametrize("size", [MIN_SIZE, 80, 1000])
def test_copies_listed_in_their_section_at_any_size(size: int) -> None:
    for site in all_sites(size):
        ids = site.release_ids()
        assert len(ids) == len(RELEASES)
        stories = {*ids.values(), *site.hard_negative_ids()}
        base_specials = {v + site.first_idx - 1001 for v in SPECIAL_IDS.values()}
        assert not stories & base_specials
        for label, idx in ids.items():
            record = site.truth_record(idx, BASE)
            assert record["release"] == label
            section = next(r for r in RELEASES if r["label"] == label)["section"]
            assert record["mcodes"][0] == site.sections[section].code
            assert all(idx in site.list_ids(code) for code in record["mcodes"])


def test_release_placement_is_deterministic_and_seeded() -> None:
    assert [s.release_ids() for s in all_sites(80, 21)] == [s.release_ids() for s in all_sites(60, 21)]
    assert list(NuriDemoSite(60).truth(BASE)) == list(NuriDemoSite(60).truth(BASE))
    assert list(NuriDemoSite(60, 22).truth(BASE)) != list(NuriDemoSite(60, 21).truth(BASE))


# -- the third outlet: 누리신문 ---------------------------------------------------------


def test_nurinews_truth_mirrors_the_dada_outlet(truths: dict[str, dict[str, dict[str, Any]]]) -> None:
    dada = truths["news21tongsin"]
    nuri = truths["nurinews"]
    assert sorted(r["idx"] for r in nuri.values()) == list(range(31001, 31081))
    assert {tuple(r) for r in nuri.values()} == {tuple(r) for r in dada.values()}
    expects = {r["idx"] - 30000: (r["expect"], r["reject_reason"], r["duplicate_of"]) for r in nuri.values()}
    assert expects == {r["idx"]: (r["expect"], r["reject_reason"],
                                  r["duplicate_of"].replace("news21tongsin:1", "nurinews:31") if r["duplicate_of"] else None)
                       for r in dada.values()}
    bodies = {r["item"]["body"] for t in ("news21tongsin", "hanbitilbo") for r in truths[t].values() if r["item"]}
    assert not bodies & {r["item"]["body"] for r in nuri.values() if r["item"]}
    for record in nuri.values():
        assert all(MCODE_RE.match(code) for code in record["mcodes"])
        if record["item"]:
            item = record["item"]
            assert (item["site"], item["site_name"]) == ("nurinews", "누리신문")
            assert item["canonical_url"] == f"{BASE}/news/view.php?idx={record['idx']}"
            assert all(b["email"] is None or b["email"].endswith("@nurinews.example") for b in item["bylines"])
            assert "뉴스21 통신" not in json.dumps(item, ensure_ascii=False)


def test_nurinews_pages_carry_its_own_masthead() -> None:
    site = NuriDemoSite()
    idx = site.release_ids()["pr-3"]
    article = site.article(idx)
    assert article is not None
    sel = Selector(render_article(site, article, BASE))
    assert "".join(sel.css("#viewContent .fr-view > p")[0].css("::text").getall()).startswith("[누리신문=")
    assert sel.css("meta[property='og:site_name']::attr(content)").get() == "누리신문"
    assert sel.css(".article-head-nav a::text").getall()[-1] == "문화·관광"
    with serve_in_thread(site) as server:
        with urllib.request.urlopen(server.base_url + "/", timeout=10) as resp:
            home = Selector(resp.read().decode("utf-8"))
        assert home.css("h1.logo a::text").get() == "누리신문"
        assert home.css("ul.gnb a::attr(href)").getall() == [f"/news/list.php?mcode={s.code}" for s in site.sections]
        deleted = site.special_ids["deleted"]
        with urllib.request.urlopen(f"{server.base_url}/news/view.php?idx={deleted}", timeout=10) as resp:
            assert "삭제된 기사입니다" in resp.read().decode("utf-8")
        with pytest.raises(urllib.error.HTTPError):
            urllib.request.urlopen(f"{server.base_url}/news/list.php?mcode=m101sc2a", timeout=10)  # not its menu


def test_cli_truth_for_the_nurinews_outlet(tmp_path: Path) -> None:
    out = tmp_path / "truth.jsonl"
    assert demo_main(["truth", "--outlet", "nurinews", "--size", "60", "--base-url", BASE, "-o", str(out)]) == 0
    records = [json.loads(line) for line in out.read_text("utf-8").splitlines()]
    assert [r["idx"] for r in records] == list(range(31001, 31061))
    assert records == list(NuriDemoSite(60).truth(BASE))
    assert sum(1 for r in records if r["release"]) == len(RELEASES)


def test_release_summary_counts_labels_and_copies_in_the_feed() -> None:
    truths = [list(site.truth(BASE)) for site in all_sites(60)]
    items = [r["item"] for truth in truths for r in truth if r["release"]]
    line = release_summary(truths, items[:-1])
    assert line.startswith(f"press releases: {len(RELEASES)} labels (pr-1..pr-{len(RELEASES)}), 3 outlet copies each;")
    assert f"{3 * len(RELEASES) - 1} of {3 * len(RELEASES)} copies" in line
