"""The data-quality promise end to end: `python -m demo run` twice with the same state.

First run: every outlet's feeds equal its truth, every press-release copy carries its
release's single cluster_id, every invalid article is in the rejects feed. Second run:
the same combined dataset (byte for byte), every known article written from the state, nothing new.
"""

from __future__ import annotations

import subprocess
import sys
from collections import defaultdict
from pathlib import Path

from demo.outlets import OUTLETS, RUN_OUTLETS
from demo.run import PROJECT_ROOT, check_clusters, read_jsonl


def run_demo(out: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "demo", "run", "--out", str(out), "--size", "80"],
                          cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=600)


def test_two_demo_runs_with_one_state(tmp_path: Path) -> None:
    first = run_demo(tmp_path)
    assert first.returncode == 0, first.stdout[-3000:] + first.stderr[-3000:]
    assert "near-duplicate clusters match the truth" in first.stdout
    items = read_jsonl(tmp_path / "articles.jsonl")
    # 76 per outlet; 바다일보's lists rendered in Chromium (CI installs it)
    assert len(items) == 304 and len({i["article_id"] for i in items}) == 304

    truths = [list(o.make_site(80).truth("http://x")) for o in (OUTLETS[k] for k in RUN_OUTLETS)]
    assert check_clusters(items, truths) == []
    release_of = {r["article_id"]: r["release"] for t in truths for r in t if r.get("release")}
    clusters: dict[str, set[str]] = defaultdict(set)
    for item in items:
        if item["article_id"] in release_of:
            clusters[release_of[item["article_id"]]].add(item["cluster_id"])
    assert len(clusters) == 6 and all(len(c) == 1 for c in clusters.values())
    assert len({next(iter(c)) for c in clusters.values()}) == 6  # six different stories
    assert sum(1 for i in items if i["duplicate_of"]) == 12  # two later copies of each release

    rejects = read_jsonl(tmp_path / "rejects.jsonl")
    expected_rejects = {r["article_id"]: r["reject_reason"] for t in truths for r in t if r["expect"] == "reject"}
    assert {r["article_id"]: r["reject_reason"] for r in rejects} == expected_rejects

    before = {name: (tmp_path / name).read_bytes() for name in ("articles.jsonl", "articles.csv")}
    rejects_before = sorted((tmp_path / "rejects.jsonl").read_text("utf-8").splitlines())
    second = run_demo(tmp_path)
    assert second.returncode == 0, second.stdout[-3000:] + second.stderr[-3000:]
    for name, content in before.items():
        assert (tmp_path / name).read_bytes() == content, f"{name} differs on the second run"
    # Rejects of the first run were written as they happened, the second run's from the state: same lines.
    assert sorted((tmp_path / "rejects.jsonl").read_text("utf-8").splitlines()) == rejects_before
    assert second.stdout.count("written from the state without fetching them again; 0 new") == 4
    page = (tmp_path / "report.html").read_text("utf-8")  # the dashboard of both runs
    assert page.count("<svg") >= 6 and "news21tongsin" in page and "hanbitilbo" in page
    for outlet in (OUTLETS[k] for k in RUN_OUTLETS):
        log = (tmp_path / outlet.slug / "crawl.log").read_text("utf-8")
        assert "exported=0" in log and "from_store=76" in log
