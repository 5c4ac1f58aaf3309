"""Peak memory of a crawl of the fault site (issue 9 item 4: bounded resources).

Why: a 200 MB page once took the crawler to 1.3 GB RSS and a 1 MB gzip bomb to 7.1 GB. This
starts the fault site (``tests/faultsite``: the demo outlet plus a 20 MB page with and without
Content-Length, a 1 GiB gzip bomb, a 3,000-row list, hangs, resets, ...), runs the real
``scrapy crawl news21tongsin`` against it in a child process, samples the child's RSS from
``/proc/<pid>/status`` while it runs, and prints its peak (``VmHWM``, the kernel's high-water
mark, checked against ``getrusage(RUSAGE_CHILDREN).ru_maxrss`` after exit)::

    .venv/bin/python scripts/bench_memory.py [--limit-mb 300] [--keep DIR] [-s NAME=VALUE ...]

(``-s DOWNLOAD_MAXSIZE=1073741824`` shows what Scrapy's default limit costs.)

Exits 1 when the peak is above ``--limit-mb`` (default 300) or the crawl did not finish.
"""

from __future__ import annotations

import argparse
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(PROJECT_ROOT))

from demo.run import crawl_command  # noqa: E402
from tests.faultsite import serve  # noqa: E402


def _status_kb(pid: int, field: str) -> int | None:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(field + ":"):
                return int(line.split()[1])
    except (OSError, ValueError):
        return None
    return None


def measure(out: Path, extra: list[str] | None = None) -> dict[str, float]:
    """Crawl the fault site into ``out``; returns peak RSS figures (MB), exit status and seconds."""
    with serve() as server:
        cmd = crawl_command(server.base_url, out, extra=[
            "-s", "DOWNLOAD_TIMEOUT=3", "-s", f"NEWSCRAWL_REPORT_URI={out / 'report.json'}",
            "-s", f"LOG_FILE={out / 'crawl.log'}", *(extra or [])])
        started = time.monotonic()
        proc = subprocess.Popen(cmd, cwd=PROJECT_ROOT, env={**os.environ, "PYTHONPATH": str(PROJECT_ROOT)})
        hwm = rss = 0
        while proc.poll() is None:
            hwm = max(hwm, _status_kb(proc.pid, "VmHWM") or 0)
            rss = max(rss, _status_kb(proc.pid, "VmRSS") or 0)
            time.sleep(0.05)
        seconds = time.monotonic() - started
    maxrss = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss  # KB on Linux
    return {"vmhwm_mb": hwm / 1024, "sampled_rss_mb": rss / 1024, "ru_maxrss_mb": maxrss / 1024,
            "peak_mb": max(hwm, maxrss) / 1024, "returncode": float(proc.returncode), "seconds": seconds}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--limit-mb", type=float, default=300.0, help="fail above this peak RSS (default 300)")
    parser.add_argument("-s", dest="settings", action="append", default=[], metavar="NAME=VALUE",
                        help="a setting passed on to scrapy crawl (repeatable)")
    parser.add_argument("--keep", type=Path, help="write the crawl's feeds, log and report here (default: a temp dir)")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="bench-memory-") as tmp:
        out = args.keep or Path(tmp)
        out.mkdir(parents=True, exist_ok=True)
        r = measure(out, [arg for setting in args.settings for arg in ("-s", setting)])
    # Exit 3 is expected: the fault site loses more than NEWSCRAWL_HEALTH_MAX_LOST_RATE on purpose.
    finished = r["returncode"] in (0, 3)
    print(f"peak RSS of the crawl: {r['peak_mb']:.0f} MB (VmHWM {r['vmhwm_mb']:.0f} MB, "
          f"ru_maxrss {r['ru_maxrss_mb']:.0f} MB); limit {args.limit_mb:.0f} MB; "
          f"crawl exit {r['returncode']:.0f} in {r['seconds']:.1f}s")
    if not finished:
        print("the crawl did not finish", file=sys.stderr)
    return 0 if finished and r["peak_mb"] <= args.limit_mb else 1


if __name__ == "__main__":
    sys.exit(main())
