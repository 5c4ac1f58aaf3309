"""scripts/bench_scale.py workers: its outputs, not its timing.

One ``--quick`` run (6 demo outlets of 60 articles, one run on 1 worker and one on 2): every job
ended ok, each worker count ran every outlet once (on 2 workers, both workers took jobs), the
crawls fetched exactly the snapshots' crawl sets, both runs exported the same items as their
feeds hold, and the summary table has its rows. Skipped when nginx, redis-server or PostgreSQL's
server binaries are missing (``.ci/run`` installs them).
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.pgserver import find_bindir
from tests.redisserver import find_redis

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "scripts"))

import bench_crawl  # noqa: E402

MISSING = [name for name, found in (("nginx", bench_crawl.find_nginx(install=False)),
                                    ("redis-server", find_redis()[0]), ("PostgreSQL", find_bindir()[0])) if not found]
pytestmark = [pytest.mark.e2e, pytest.mark.slow,
              pytest.mark.skipif(bool(MISSING), reason=f"{', '.join(MISSING)} not installed (.ci/run installs "
                                                       "nginx, redis-server and postgresql)")]

ROWS = ("items/s (median)", "wall s, enqueue to last job's end (median)", "pages/s (median; nginx's count)",
        "CPU s per run: workers and their crawls", "CPU s per run: PostgreSQL server", "CPU s per run: nginx / Redis",
        "crawl s per job (median; its run report)", "job overhead s (median; job record minus its crawl)",
        "samples with a crawl waiting on the near-duplicate lock", "machine load 1/5/15 min")


def test_quick_run_crawls_every_outlet_once_per_run_and_both_export_the_same_items(tmp_path: Path) -> None:
    figures = tmp_path / "figures.json"
    done = subprocess.run([sys.executable, str(ROOT / "scripts" / "bench_scale.py"), "workers", "--quick",
                           "--json", str(figures)], capture_output=True, text=True, timeout=600, cwd=tmp_path)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    data = json.loads(figures.read_text())
    assert len(data["outlets"]) == 6 and len({o["slug"] for o in data["outlets"]}) == 6
    assert {o["masthead"] for o in data["outlets"]} == {"dada", "nurinews"}
    runs = data["runs"]
    assert [r["workers"] for r in runs] == [1, 2]
    for run in runs:
        assert run["problems"] == [] and run["outcomes"] == {"ok": 6} and run["jobs"] == 6
        assert sum(run["per_worker"].values()) == 6 and len(run["per_worker"]) == run["workers"]
        assert run["items"] == run["feed_lines"] > 6 * 40  # most of each outlet's 60 articles are items
        assert run["wall_s"] > 0 and run["pages"] > 6 * 60
    assert runs[0]["items"] == runs[1]["items"] and runs[0]["pages"] == runs[1]["pages"]
    out = done.stdout
    assert f"every run exported {runs[0]['items']} items" in out
    table = [line for line in out.splitlines() if line.startswith("|")]
    assert table[0].startswith("| 1 interleaved repetitions, 6 outlets × 60 articles, ")
    assert table[0].endswith("| 1 worker | 2 workers | 2 workers / 1 |") and table[1] == "|---|---:|---:|---:|"
    labels = [line.split(" | ")[0].removeprefix("| ").split(" (", 1)[0] for line in table[2:]]
    assert labels == [row.split(" (", 1)[0] for row in ROWS]
    assert all(len(line.split(" | ")) == 4 for line in table[2:])
    assert "(min " in table[2] and "max " in table[2]
