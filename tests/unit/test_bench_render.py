"""scripts/bench_render.py's measuring of a process tree, on a dummy tree whose costs are known.

The tree: a root that burns 0.3 CPU-s and starts a child; the child burns 0.3 CPU-s, starts a
grandchild and exits without waiting for it (as Chromium's processes are left by their parent);
the grandchild, orphaned, burns 0.5 CPU-s and holds 80 MB. The root's wait4 rusage alone sees
0.6 CPU-s; the script must count all 1.1, and see the grandchild's memory in the browser tree.
The measurement runs in its own interpreter: the child-subreaper flag it sets stays out of pytest's.
"""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

BURN = "import time\nt = time.process_time()\nwhile time.process_time() - t < {s}: pass\n"
GRANDCHILD = BURN.format(s=0.5) + "block = bytearray(b'x') * (80 << 20)\ntime.sleep(1.5)\n"
CHILD = (BURN.format(s=0.3) + "import subprocess, sys\n"
         f"subprocess.Popen([sys.executable, '-c', {GRANDCHILD!r}])\n")  # exits without waiting for it
ROOT_CMD = (BURN.format(s=0.3) + "import subprocess, sys\n"
            f"subprocess.run([sys.executable, '-c', {CHILD!r}])\ntime.sleep(1.0)\n")

MEASURE = textwrap.dedent("""
    import json, sys
    from dataclasses import asdict
    sys.path.insert(0, sys.argv[1])
    import bench_render
    subreaper = sys.argv[2] == "1"
    if subreaper:
        assert bench_render.set_subreaper()
    m = bench_render.measure([sys.executable, "-c", sys.argv[3]], interval=0.05)
    print(json.dumps(asdict(m)))
""")


def measure_dummy(subreaper: bool = True) -> dict:
    done = subprocess.run([sys.executable, "-c", MEASURE, str(ROOT / "scripts"), "1" if subreaper else "0", ROOT_CMD],
                          capture_output=True, text=True, timeout=60, cwd=ROOT)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def test_the_cpu_of_an_orphaned_grandchild_is_counted() -> None:
    m = measure_dummy()
    assert m["returncode"] == 0
    assert m["orphans"] == 1 and m["orphans_killed"] == 0
    assert 0.55 <= m["cpu_root_wait4_s"] < 0.95  # root + child (waited for); not the orphan
    assert m["cpu_orphans_s"] >= 0.45
    assert 1.05 <= m["cpu_s"] < 1.6
    # The /proc samples saw the orphan after it was re-parented and agree with the exact figure.
    assert m["cpu_s"] - 0.3 <= m["cpu_sampled_s"] <= m["cpu_s"] + 0.05
    assert 0.25 <= m["cpu_python_sampled_s"] < 0.5  # the root alone


def test_the_memory_of_descendants_is_the_browser_tree() -> None:
    m = measure_dummy()
    assert m["browser_rss_mb"] >= 80 and m["browser_pss_mb"] >= 75  # the grandchild's 80 MB
    assert m["python_rss_mb"] < 60  # the root holds no such block
    assert m["total_pss_mb"] >= m["browser_pss_mb"]
    assert m["max_processes"] >= 2


def test_without_the_subreaper_the_orphan_is_lost() -> None:
    """What the figure would be without prctl(PR_SET_CHILD_SUBREAPER): the grandchild's CPU is missing."""
    m = measure_dummy(subreaper=False)
    assert m["orphans"] == 0
    assert m["cpu_s"] < 0.95


@pytest.mark.parametrize("log, expected", [
    ("x\n2026 [scrapy.statscollectors] INFO: Dumping Scrapy stats:\n{'a/b': 3,\n 'elapsed_time_seconds': 1.5,\n"
     " 'start_time': datetime.datetime(2026, 1, 1)}\n", {"a/b": 3.0, "elapsed_time_seconds": 1.5}),
    ("no stats dump", {}),
])
def test_scrapy_stats(log: str, expected: dict) -> None:
    sys.path.insert(0, str(ROOT / "scripts"))
    import bench_render

    assert bench_render.scrapy_stats(log) == expected
