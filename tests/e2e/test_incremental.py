"""Cron-style consecutive crawls over an evolving demo site (issue 5).

Three crawls of the NDSoft demo outlet with one state store:
1. epoch 0: everything is exported;
2. after the site advanced one epoch (3 new articles, 1 edited, 1 deleted): exactly the new
   ones and the edited one (as revision 2) are exported, with one list request per section;
3. nothing changed: nothing is exported, one list request per section, no article request.
"""

from __future__ import annotations

import json
import os
import subprocess
import urllib.request
from pathlib import Path

import pytest

from demo.ndsoft import SECTIONS
from demo.outlets import OUTLETS
from demo.run import PROJECT_ROOT, outlet_crawl_command, read_jsonl, start_server

SIZE = 80
OUTLET = OUTLETS["ndsoft"]


def get_json(url: str) -> dict:
    with urllib.request.urlopen(url, timeout=10) as resp:
        return json.load(resp)


@pytest.fixture
def evolving_site():
    server, base_url = start_server(SIZE, outlet="ndsoft")
    try:
        yield base_url
    finally:
        server.terminate()
        server.wait(timeout=10)


def crawl(base_url: str, out: Path, state: Path, *extra: str) -> list[dict]:
    get_json(f"{base_url}/__demo/stats?reset=1")
    sections = ",".join(s.code for s in SECTIONS)
    # -o: what each run exports new (a complete -O file would hold every article; tests/e2e/test_complete_file.py)
    cmd = outlet_crawl_command(OUTLET, base_url, out, [*extra, "-a", f"sections={sections}"], state=state,
                               incremental=True)
    proc = subprocess.run(cmd, cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=300,
                          env={**os.environ, "PYTHONPATH": str(PROJECT_ROOT)})
    (out / "crawl.log").write_text(proc.stderr, "utf-8")
    assert proc.returncode == 0, proc.stderr[-3000:]
    return read_jsonl(out / "articles.jsonl")


def expected(epoch: int, base_url: str) -> dict[str, dict]:
    truth = OUTLET.make_site(SIZE, epoch=epoch).truth(base_url)
    return {r["article_id"]: r for r in truth if r["expect"] == "item" and r["changed_in_epoch"] == epoch}


def test_three_consecutive_crawls(evolving_site: str, tmp_path: Path) -> None:
    base = evolving_site
    state = tmp_path / "state.sqlite"

    first = crawl(base, tmp_path / "run1", state)
    first_by_id = {i["article_id"]: i for i in first}
    truth0 = list(OUTLET.make_site(SIZE).truth(base))
    items0 = {r["article_id"] for r in truth0 if r["expect"] == "item"}
    repost = [(r["article_id"], r["duplicate_of"]) for r in truth0 if r["expect"] == "duplicate"]
    assert len(first) == len(items0)
    assert set(first_by_id) <= items0 | {x for pair in repost for x in pair}
    assert all(i["revision"] == 1 and i["previous_content_hash"] is None for i in first)

    changes = get_json(f"{base}/__demo/advance")
    assert changes["epoch"] == 1 and len(changes["new"]) == 3 and len(changes["edited"]) == 1
    second = crawl(base, tmp_path / "run2", state)
    stats = get_json(f"{base}/__demo/stats")
    want = expected(1, base)
    assert {i["article_id"] for i in second} == set(want) == set(changes["new"]) | set(changes["edited"])
    for item in second:
        record = want[item["article_id"]]["item"]
        assert item["body"] == record["body"] and item["modified_at"] == record["modified_at"]
    [edited] = [i for i in second if i["article_id"] in changes["edited"]]
    assert edited["revision"] == 2
    assert edited["previous_content_hash"] == first_by_id[edited["article_id"]]["content_hash"][:16]
    assert edited["content_hash"] != first_by_id[edited["article_id"]]["content_hash"]
    assert stats["list"] == len(SECTIONS)  # page 1 of each section shows known articles: no deeper page
    assert stats["view"] == 4  # the 3 new articles and the edited one, nothing else
    assert not set(changes["deleted"]) & {i["article_id"] for i in second}

    third = crawl(base, tmp_path / "run3", state)
    stats = get_json(f"{base}/__demo/stats")
    assert third == []
    assert stats["list"] == len(SECTIONS)
    assert stats["view"] == 0
    assert stats.get("robots", 0) <= 1


def test_full_recrawl_ignores_the_state(evolving_site: str, tmp_path: Path) -> None:
    state = tmp_path / "state.sqlite"
    first = crawl(evolving_site, tmp_path / "run1", state)
    again = crawl(evolving_site, tmp_path / "run2", state, "-a", "full=true")
    assert {i["article_id"] for i in again} == {i["article_id"] for i in first}


def test_revisit_window_catches_edits_lists_do_not_show(tmp_path: Path) -> None:
    """다다미디어 lists show only the publication day: an edit is caught by re-fetching recent articles."""
    server, base = start_server(SIZE)  # the dada outlet
    dada = OUTLETS["dada"]
    state = tmp_path / "state.sqlite"
    env = {**os.environ, "PYTHONPATH": str(PROJECT_ROOT)}

    def run(out: Path, *extra: str) -> list[dict]:
        get_json(f"{base}/__demo/stats?reset=1")
        proc = subprocess.run(outlet_crawl_command(dada, base, out, list(extra), state=state, incremental=True),
                              cwd=PROJECT_ROOT,
                              capture_output=True, text=True, timeout=300, env=env)
        assert proc.returncode == 0, proc.stderr[-3000:]
        return read_jsonl(out / "articles.jsonl")

    try:
        first = {i["article_id"]: i for i in run(tmp_path / "run1")}
        changes = get_json(f"{base}/__demo/advance")
        plain = run(tmp_path / "run2")
        assert {i["article_id"] for i in plain} == set(changes["new"])  # the edit is not visible in the list
        # The demo's articles are from 2024: a window reaching back that far re-fetches every article on page 1.
        revisited = run(tmp_path / "run3", "-s", "NEWSCRAWL_REVISIT_HOURS=100000")
        [edited] = revisited
        assert edited["article_id"] in changes["edited"]
        assert edited["revision"] == 2
        assert edited["previous_content_hash"] == first[edited["article_id"]]["content_hash"][:16]
        assert get_json(f"{base}/__demo/stats")["list"] == 4  # still one list page per section
    finally:
        server.terminate()
        server.wait(timeout=10)
