"""kill -9 in the middle of a crawl, then a re-run: no article missing, none twice, JSONL = CSV (issues 5 and 9).

The crawls write the default appended partitions (``<out>/<site>/<date>.jsonl`` and ``.csv``,
rejects beside them); the union of what all runs wrote must hold every live demo article exactly
once, the CSV the same articles as the JSONL, every reject once. The kill lands at a random moment
*while articles are being exported* (after the partition grew), not in a fixed small window.

* the quick test: one kill of a 300-article crawl, then a complete re-run;
* the soak (``slow``): 10 kills at random moments of a 2,000-article crawl, a re-run after each
  (itself the next victim), then a final complete run.
"""

from __future__ import annotations

import os
import random
import signal
import subprocess
import time
from pathlib import Path

import pytest

from demo.run import PROJECT_ROOT, start_server
from tests.e2e.durability import Partitions, command, exactly_once_problems, truth

ENV = {**os.environ, "PYTHONPATH": str(PROJECT_ROOT)}


def lines(path: Path) -> int:
    return path.read_bytes().count(b"\n") if path.exists() else 0


def kill_while_exporting(cmd: list[str], partition: Path, delay: float, timeout: float = 120) -> bool:
    """Start ``cmd``, wait until the partition grows, then ``kill -9`` it ``delay`` seconds later.

    False when the crawl ended by itself first (nothing left to kill).
    """
    before = lines(partition)
    victim = subprocess.Popen(cmd, cwd=PROJECT_ROOT, env=ENV, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline and victim.poll() is None and lines(partition) <= before:
            time.sleep(0.02)
        time.sleep(delay)
        if victim.poll() is not None:
            return False
        os.kill(victim.pid, signal.SIGKILL)
        return True
    finally:
        victim.wait(timeout=30)


def complete_run(cmd: list[str]) -> subprocess.CompletedProcess[str]:
    run = subprocess.run(cmd, cwd=PROJECT_ROOT, env=ENV, capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stderr[-3000:]
    return run


def check_union(out: Path, size: int, base_url: str, note: str) -> None:
    parts = Partitions(out)
    records = truth(size, base_url)
    ids = parts.jsonl_ids()
    assert exactly_once_problems(ids, records) == [], note
    assert parts.csv_ids() == ids, f"JSONL and CSV partitions differ ({note})"
    rejects = parts.reject_ids()
    assert sorted(rejects) == sorted(r["article_id"] for r in records if r["expect"] == "reject"), note


def test_kill_dash_nine_then_rerun_loses_and_repeats_nothing(tmp_path: Path) -> None:
    size, rng = 300, random.Random()
    seed = rng.randrange(1 << 30)
    rng.seed(seed)
    server, base_url = start_server(size)
    try:
        cmd = command(base_url, tmp_path, "-s", "NEWSCRAWL_STATE_COMMIT_EVERY=7")
        partition = Partitions(tmp_path).jsonl
        assert kill_while_exporting(cmd, partition, rng.uniform(0.0, 1.5)), \
            "the crawl finished before it could be killed: make the demo larger"
        killed_with = lines(partition)
        assert 0 < killed_with < 250
        complete_run(cmd)
    finally:
        server.terminate()
        server.wait(timeout=10)
    check_union(tmp_path, size, base_url, f"seed {seed}, killed with {killed_with} lines")


@pytest.mark.slow
def test_kill_soak_ten_kills_then_a_complete_run(tmp_path: Path) -> None:
    size, kills, rng = 2000, 10, random.Random()
    seed = rng.randrange(1 << 30)
    rng.seed(seed)
    started = time.monotonic()
    server, base_url = start_server(size)
    history: list[str] = []
    try:
        # Small transactions: many commits, so a kill often lands just after one (where the ordering before
        # issue 9 lost articles: 5 of 2,000 with these settings, measured with tests.e2e.durability.OldOrderingPipeline).
        cmd = command(base_url, tmp_path, "-s", "NEWSCRAWL_STATE_COMMIT_EVERY=5")
        partition = Partitions(tmp_path).jsonl
        for n in range(kills):
            delay = rng.uniform(0.5, 5.0)  # about 200 of the 2,000 articles per run: kills over the whole crawl
            killed = kill_while_exporting(cmd, partition, delay)
            history.append(f"run {n + 1}: {'killed' if killed else 'finished'} {delay:.2f}s after its first "
                           f"export, partition {lines(partition)} lines")
            if not killed:
                break
        complete_run(cmd)
    finally:
        server.terminate()
        server.wait(timeout=10)
    note = f"seed {seed}; " + "; ".join(history)
    check_union(tmp_path, size, base_url, note)
    assert sum("killed" in h for h in history) >= kills - 2, note  # most kills landed mid-crawl
    print(f"kill soak: {time.monotonic() - started:.0f}s; {note}")
