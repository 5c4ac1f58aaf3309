"""kill -9 in the middle of a crawl, then a re-run: no article missing, none twice (issue 5).

The crawl writes the default appended partition (output/<site>/<date>.jsonl); the union of
what both runs wrote there must hold every live demo article exactly once.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

from demo.content import DemoSite
from demo.run import PROJECT_ROOT, start_server
from newscrawl.output.feeds import crawl_date

SIZE = 300


def command(base_url: str, out: Path) -> list[str]:
    return [sys.executable, "-m", "scrapy", "crawl", "news21tongsin", "-a", f"base_url={base_url}",
            "-s", f"NEWSCRAWL_OUTPUT_DIR={out}", "-s", f"NEWSCRAWL_STATE_URI=sqlite:///{out.resolve()}/state.sqlite",
            "-s", f"NEWSCRAWL_REJECTS_URI={out}/rejects.jsonl", "-s", "NEWSCRAWL_STATE_COMMIT_EVERY=7",
            "-s", "DOWNLOAD_DELAY=0.01", "-s", "AUTOTHROTTLE_ENABLED=false", "-s", "CONCURRENT_REQUESTS_PER_DOMAIN=4"]


def exported_ids(partition: Path) -> list[str]:
    ids = []
    for line in partition.read_text("utf-8", errors="replace").splitlines():
        try:
            ids.append(json.loads(line)["article_id"])
        except (ValueError, KeyError):
            continue  # a line cut by the kill is not an export
    return ids


def test_kill_dash_nine_then_rerun_loses_and_repeats_nothing(tmp_path: Path) -> None:
    server, base_url = start_server(SIZE)
    env = {**os.environ, "PYTHONPATH": str(PROJECT_ROOT)}
    partition = tmp_path / "news21tongsin" / f"{crawl_date()}.jsonl"
    try:
        victim = subprocess.Popen(command(base_url, tmp_path), cwd=PROJECT_ROOT, env=env,
                                  stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            if partition.exists() and len(partition.read_bytes().splitlines()) >= 40:
                break
            if victim.poll() is not None:
                break
            time.sleep(0.05)
        assert victim.poll() is None, "the crawl finished before it could be killed: make the demo larger"
        os.kill(victim.pid, signal.SIGKILL)
        victim.wait(timeout=30)
        killed_with = len(exported_ids(partition))
        assert 0 < killed_with < 250

        rerun = subprocess.run(command(base_url, tmp_path), cwd=PROJECT_ROOT, env=env, capture_output=True,
                               text=True, timeout=300)
        assert rerun.returncode == 0, rerun.stderr[-3000:]
    finally:
        server.terminate()
        server.wait(timeout=10)

    ids = exported_ids(partition)
    twice = {aid: n for aid, n in Counter(ids).items() if n > 1}
    assert twice == {}
    truth = list(DemoSite(size=SIZE).truth(base_url))
    expected = {r["article_id"] for r in truth if r["expect"] == "item"}
    pairs = [(r["article_id"], r["duplicate_of"]) for r in truth if r["expect"] == "duplicate"]
    for repost, original in pairs:  # either copy of a re-post stands for the article
        if repost in ids:
            expected.discard(original)
    assert set(ids) - {a for a, _ in pairs} == expected - {a for a, _ in pairs}
