"""Demo epochs: the site evolves between crawls (issue 5, cron-ready incremental crawling).

Each epoch adds 3 articles, edits 1 and deletes 1 per outlet; epoch 0 is the plain site.
The checks here are what the incremental-crawl tests rely on: which ids change, that the
pages and lists change with them, and that the truth says what a run after each epoch
must export.
"""

from __future__ import annotations

import json
import re
import signal
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from itertools import pairwise
from pathlib import Path
from typing import Any

import pytest
from parsel import Selector

from demo import DemoSite, NdsoftDemoSite, NuriDemoSite, ndsoft, serve_in_thread
from demo.content import EDIT_SENTENCES, EPOCH0_LATEST, NEW_PER_EPOCH, PAGE_SIZE
from demo.outlets import OUTLETS
from newscrawl.parsing.text import content_hash

ROOT = Path(__file__).resolve().parents[2]
BASE = "http://127.0.0.1:8021"
EPOCHS = 10
Site = DemoSite | NdsoftDemoSite
OUTLET_CLASSES: tuple[type[Site], ...] = (DemoSite, NdsoftDemoSite, NuriDemoSite)


def _truth(site: Site) -> dict[int, dict[str, Any]]:
    return {r["idx"]: r for r in site.truth(BASE)}


def _idx(article_id: str) -> int:
    return int(article_id.rsplit(":", 1)[1])


def _times(records: list[dict[str, Any]]) -> list[str]:
    """Every published/modified time shown (ISO strings of one offset compare like the times)."""
    return [t for r in records for t in (r["item"].get("published_at"), r["item"].get("modified_at")) if t]


@pytest.fixture(scope="module", params=OUTLET_CLASSES, ids=lambda c: c.__name__)
def history(request: pytest.FixtureRequest) -> list[tuple[Site, dict[int, dict[str, Any]]]]:
    """(site, truth by idx) for epochs 0..EPOCHS of one outlet (size 80)."""
    cls = request.param
    return [(site, _truth(site)) for site in (cls(80, epoch=e) for e in range(EPOCHS + 1))]


def _special(site: Site) -> set[int]:
    """Ids an epoch must leave alone: special articles, press-release copies, hard negatives (and NDSoft's
    charset pages and 2017-skin articles)."""
    ids = set(site.release_ids().values()) | set(site.hard_negative_ids())
    if isinstance(site, NdsoftDemoSite):
        return ids | set(ndsoft.SPECIAL_IDXNOS.values()) | set(range(site.first_idx, site.first_idx + ndsoft.LEGACY_COUNT))
    return ids | set(site.special_ids.values())


def _listed(site: Site) -> dict[int, list[str]]:
    out: dict[int, list[str]] = {}
    for section in site.sections:
        for idx in site.list_ids(section.code):
            out.setdefault(idx, []).append(section.code)
    return out


# -- epoch 0 and determinism ----------------------------------------------------


@pytest.mark.parametrize("cls", OUTLET_CLASSES, ids=lambda c: c.__name__)
def test_epoch_zero_is_the_plain_site(cls: type[Site]) -> None:
    plain, zero = cls(80), cls(80, epoch=0)
    assert plain.epoch == zero.epoch == 0
    truth = list(plain.truth(BASE))
    assert truth == list(zero.truth(BASE))
    assert {r["changed_in_epoch"] for r in truth} == {0}
    assert all(plain.list_ids(s.code) == zero.list_ids(s.code) for s in plain.sections)
    assert plain.changes(0) == {"new": [], "edited": [], "deleted": []}


def test_epochs_are_deterministic_and_cumulative() -> None:
    three = DemoSite(80, epoch=3)
    assert list(three.truth(BASE)) == list(DemoSite(80, epoch=3).truth(BASE))
    assert three.changes(2) == DemoSite(80, epoch=2).changes(2)  # a later site knows the earlier epochs
    assert DemoSite(80, epoch=1).changes(3) == three.changes(3)  # and an earlier one computes the later
    assert DemoSite(80, epoch=1).at_epoch(3).changes(3) == three.changes(3)
    assert type(NuriDemoSite(80).at_epoch(2)) is NuriDemoSite and NdsoftDemoSite(80).at_epoch(2).epoch == 2
    with pytest.raises(ValueError):
        DemoSite(80, epoch=-1)


def test_big_site_at_epoch_ten_starts_fast() -> None:
    started = time.perf_counter()
    site = DemoSite(100_000, epoch=EPOCHS)
    assert time.perf_counter() - started < 2.0
    assert site.last_idx == 101_000 + NEW_PER_EPOCH * EPOCHS
    new = [_idx(a) for a in site.changes(EPOCHS)["new"]]
    assert all(idx in site.list_page(site.section_codes(idx)[0], 1) for idx in new)
    deleted = site.article(_idx(site.changes(EPOCHS)["deleted"][0]))
    assert deleted is not None and deleted.deleted


# -- what each epoch changes ------------------------------------------------------


def test_each_epoch_adds_three_edits_one_deletes_one(
        history: list[tuple[Site, dict[int, dict[str, Any]]]]) -> None:
    all_edited = {_idx(a) for site, _ in history[1:] for a in site.changes(site.epoch)["edited"]}
    assert len(all_edited) == EPOCHS  # a different article every epoch
    for (before, old), (site, truth) in pairwise(history):
        e = site.epoch
        changes = site.changes(e)
        new = [_idx(a) for a in changes["new"]]
        (edited,) = (_idx(a) for a in changes["edited"])
        (deleted,) = (_idx(a) for a in changes["deleted"])
        assert new == list(range(before.last_idx + 1, before.last_idx + 1 + NEW_PER_EPOCH)) == sorted(truth)[-3:]
        assert sorted(truth) == sorted(old) + new
        earlier = _times(list(old.values()))

        # NEW: published after the previous newest, listed first on page 1 of each of their lists
        for idx in new:
            record = truth[idx]
            assert record["expect"] == "item" and record["changed_in_epoch"] == e and record["release"] is None
            assert record["item"]["published_at"] > max(r["item"]["published_at"] for r in old.values()
                                                         if r["item"].get("published_at"))
            assert record["item"]["modified_at"] > record["item"]["published_at"]
            assert all(idx in site.list_page(code, 1) for code in record["mcodes"])
        assert site.latest(3) == new[::-1]

        # EDITED: an existing ordinary article on page 1 of its section; new 수정 after everything before
        was, now = old[edited], truth[edited]
        assert was["expect"] == "item" and was["release"] is None and edited <= before.last_idx
        assert edited not in _special(before)
        assert edited in site.list_page(now["mcodes"][0], 1)
        assert now["expect"] == "item" and now["changed_in_epoch"] == e
        assert now["item"]["modified_at"] > max(earlier + _times([truth[i] for i in new]))
        assert now["item"]["modified_at_raw"] != was["item"]["modified_at_raw"]
        assert now["item"]["body"] != was["item"]["body"]
        assert now["item"]["content_hash"] == content_hash(now["item"]["body"]) != was["item"]["content_hash"]
        assert any(s in now["item"]["body"] for s in EDIT_SENTENCES)
        changed_paragraphs = [(a, b) for a, b in zip(was["item"]["body"].split("\n\n"),
                                                     now["item"]["body"].split("\n\n"), strict=True) if a != b]
        assert len(changed_paragraphs) == 1  # one paragraph revised, the rest as it was
        same = ("title", "published_at", "published_at_raw", "authors", "images", "section", "canonical_url")
        assert all(now["item"][k] == was["item"][k] for k in same)

        # DELETED: ordinary, never edited, off every page 1; served deleted and gone from the lists
        assert old[deleted]["expect"] == "item" and deleted not in _special(before) | all_edited
        assert truth[deleted] == {**old[deleted], "expect": "deleted", "item": {}, "changed_in_epoch": e}
        assert all(deleted not in before.list_page(code, 1) for code in old[deleted]["mcodes"])
        assert all(deleted not in site.list_ids(s.code) for s in site.sections)
        assert deleted not in site.latest(PAGE_SIZE)

        # everything else is exactly as it was
        untouched = set(old) - {edited, deleted}
        assert all(truth[i] == old[i] for i in untouched)

        # a run right after epoch e exports exactly what epoch e created or edited
        exported = {r["article_id"] for r in truth.values() if r["expect"] == "item" and r["changed_in_epoch"] == e}
        assert exported == set(changes["new"]) | set(changes["edited"])


def test_lists_and_pagination_stay_consistent(history: list[tuple[Site, dict[int, dict[str, Any]]]]) -> None:
    epoch0 = _listed(history[0][0])
    for site, truth in history:
        listed = _listed(site)
        gone = {i for i, r in truth.items() if r["expect"] == "deleted" and r["changed_in_epoch"]}
        assert set(listed) == set(truth) - gone
        for idx, codes in listed.items():
            assert sorted(codes) == sorted(truth[idx]["mcodes"])  # once per section it belongs to
        for section in site.sections:
            ids = site.list_ids(section.code)
            assert ids == sorted(ids, reverse=True)
            pages = [site.list_page(section.code, p) for p in range(1, site.page_count(section.code) + 2)]
            assert [i for page in pages for i in page] == ids and pages[-1] == []
            assert all(len(page) == PAGE_SIZE for page in pages[:-2])
        total = sum(map(len, listed.values()))
        new_listings = sum(len(truth[i]["mcodes"]) for i in truth if i > history[0][0].last_idx and i not in gone)
        assert total == sum(map(len, epoch0.values())) + new_listings - sum(len(epoch0[i]) for i in gone)


def test_epoch_clock_only_moves_on(history: list[tuple[Site, dict[int, dict[str, Any]]]]) -> None:
    """What epoch e publishes or edits comes before anything epoch e + 1 publishes (from epoch 1 on)."""
    assert max(_times(list(history[0][1].values()))) < EPOCH0_LATEST.isoformat()
    for (site, truth), (_, after) in pairwise(history[1:]):
        changes = site.changes(site.epoch)
        this = _times([truth[_idx(a)] for a in changes["new"] + changes["edited"]])
        nxt = _times([after[_idx(a)] for a in history[site.epoch + 1][0].changes(site.epoch + 1)["new"]])
        assert EPOCH0_LATEST.isoformat() < max(this) < min(nxt)


# -- rendered pages and the live server -------------------------------------------------


def _get(url: str, method: str = "GET") -> tuple[int, bytes]:
    try:
        with urllib.request.urlopen(urllib.request.Request(url, method=method), timeout=10) as r:
            return r.status, r.read()
    except urllib.error.HTTPError as e:
        return e.code, e.read()


def _page(url: str, encoding: str = "utf-8") -> Selector:
    status, body = _get(url)
    assert status == 200, url
    return Selector(body.decode(encoding))


def test_live_server_advance_changes_the_pages() -> None:
    site = DemoSite(60)
    with serve_in_thread(site) as server:
        url = server.base_url
        first_new = site.last_idx + 1
        assert _get(f"{url}/news/view.php?idx={first_new}")[0] == 404
        assert _get(f"{url}/__demo/advance", method="HEAD")[0] == 405  # a probe does not advance
        assert json.loads(_get(f"{url}/__demo/stats?reset=1")[1])["total"] == 0

        status, body = _get(f"{url}/__demo/advance")
        report = json.loads(body)
        assert status == 200 and report == {"epoch": 1, **DemoSite(60).changes(1)}
        assert server.site.epoch == 1
        expected = _truth(DemoSite(60, epoch=1))

        for aid in report["new"]:
            record = expected[_idx(aid)]
            page = _page(f"{url}/news/view.php?idx={_idx(aid)}")
            assert page.css("h3.article-head-title::text").get().replace("  ", " ") == record["item"]["title"]
            listing = _page(f"{url}/news/list.php?mcode={record['mcodes'][0]}")
            assert f"/news/view.php?idx={_idx(aid)}&mcode={record['mcodes'][0]}" in listing.css(
                "dt.title a::attr(href)").getall()
        edited = expected[_idx(report["edited"][0])]
        info = _page(f"{url}/news/view.php?idx={edited['idx']}").css("ul.info-text li::text").getall()
        assert edited["item"]["modified_at_raw"] in info
        deleted = _idx(report["deleted"][0])
        assert b"alert(" in _get(f"{url}/news/view.php?idx={deleted}")[1]
        for code in expected[deleted]["mcodes"]:
            for n in range(1, site.page_count(code) + 1):
                links = _page(f"{url}/news/list.php?mcode={code}&page={n}").css("dt.title a::attr(href)").getall()
                assert not any(f"idx={deleted}&" in link for link in links)

        stats = json.loads(_get(f"{url}/__demo/stats")[1])
        assert stats["view"] == 5 and stats["list"] >= 4 and stats["home"] == 0  # advance is not counted

        status, body = _get(f"{url}/__demo/advance", method="POST")
        assert status == 200 and json.loads(body)["epoch"] == 2
        threads = [threading.Thread(target=_get, args=(f"{url}/__demo/advance",)) for _ in range(4)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert server.site.epoch == 6  # one epoch per call, even concurrently
        assert _get(f"{url}/news/view.php?idx={DemoSite(60).last_idx + 18}")[0] == 200
        assert _get(f"{url}/news/view.php?idx={DemoSite(60).last_idx + 19}")[0] == 404


def test_live_ndsoft_server_advances_with_euckr_pages() -> None:
    with serve_in_thread(NdsoftDemoSite(60, epoch=2)) as server:
        report = json.loads(_get(f"{server.base_url}/__demo/advance")[1])
        assert report["epoch"] == 3 and all(a.startswith("hanbitilbo:") for a in report["new"])
        truth = _truth(NdsoftDemoSite(60, epoch=3))
        edited = truth[_idx(report["edited"][0])]
        page = _page(f"{server.base_url}/news/articleView.html?idxno={edited['idx']}", "cp949")
        assert page.css('meta[property="article:modified_time"]::attr(content)').get() == edited["item"]["modified_at"]
        assert edited["item"]["modified_at_raw"] in page.css("ul.infomation li::text").getall()
        new = _idx(report["new"][-1])
        home = _page(f"{server.base_url}/", "cp949")
        assert home.css("div.auto-article a::attr(href)").get() == f"/news/articleView.html?idxno={new}"
        deleted = _get(f"{server.base_url}/news/articleView.html?idxno={_idx(report['deleted'][0])}")[1]
        assert "삭제된 기사".encode("cp949") in deleted


# -- CLI ------------------------------------------------------------------------------


def test_cli_truth_and_serve_take_an_epoch(tmp_path: Path) -> None:
    out = tmp_path / "truth.jsonl"
    subprocess.run([sys.executable, "-m", "demo", "truth", "--size", "60", "--epoch", "2",
                    "--outlet", "nurinews", "--base-url", BASE, "-o", str(out)], cwd=ROOT, check=True)
    records = [json.loads(line) for line in out.read_text("utf-8").splitlines()]
    assert records == list(OUTLETS["nurinews"].make_site(60, epoch=2).truth(BASE))
    assert len(records) == 66 and max(r["changed_in_epoch"] for r in records) == 2

    proc = subprocess.Popen([sys.executable, "-m", "demo", "serve", "--port", "0", "--size", "60",
                             "--epoch", "1"], cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        line = proc.stdout.readline()  # type: ignore[union-attr]
        match = re.fullmatch(r"demo serving (http://127\.0\.0\.1:\d+) \(size=60, epoch=1\)\n", line)
        assert match, line
        report = json.loads(_get(match.group(1) + "/__demo/advance", method="POST")[1])
        assert report == {"epoch": 2, **DemoSite(60).changes(2)}
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=10) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
