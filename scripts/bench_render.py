#!/usr/bin/env python3
"""What rendering costs (issue 11 item 6): rendered list pages, and a plain crawl with the feature installed.

    .venv/bin/python scripts/bench_render.py [--size 5200] [--plain-size 150] [--repeat 3] [--quick] [--json FILE]

Every crawl is the real ``scrapy crawl`` (``demo.run.crawl_command``: ``DOWNLOAD_DELAY=0``,
``AUTOTHROTTLE_ENABLED=false``, ``CONCURRENT_REQUESTS_PER_DOMAIN=8``) against a demo server of
뉴스21 통신 (``python -m demo serve``, 10 links per list page, 4 sections), run as a child of
this script while the process tree under it is sampled from ``/proc`` every ``--interval``
seconds.

1. **Rendered list pages**: a demo outlet of ``--size`` articles (5200: about 600 list pages) is
   crawled once plainly into a fresh state, then twice more with ``-a render=lists`` and complete
   ``-O`` files: such a crawl walks every section list to its end through the browser and fetches
   no known article (``newscrawl/render/pages/list`` and the article pages fetched are printed).
   Once with request blocking (the defaults, ``NEWSCRAWL_RENDER_BLOCK`` images/media/fonts,
   ``NEWSCRAWL_RENDER_THIRD_PARTY=false``) and once without (``-s NEWSCRAWL_RENDER_BLOCK=``: Scrapy's
   ``getlist`` splits a string on commas and takes the empty string as the empty list, it parses
   no JSON; ``-s NEWSCRAWL_RENDER_THIRD_PARTY=true``). The plain fill crawl is printed as the
   baseline.
2. **A crawl that renders nothing**: a first full crawl (fresh state, ``-O``) and an unchanged
   re-run (the same state, incremental ``-o``, what cron does every 15 minutes) of a
   ``--plain-size`` demo outlet, by this code (HEAD), by the code before the feature (tag v0.2.0,
   checked out with ``git worktree add --detach`` into ``--baseline`` when missing, run with the
   same interpreter from that folder) and by HEAD with scrapy-playwright's handler installed for
   every request (``DOWNLOAD_HANDLERS`` of both schemes: what a naive install in settings.py
   would cost). ``--repeat`` rounds, the three codes interleaved (order rotated each round);
   median and range printed.
3. Machine load (``os.getloadavg``) before and after, and ``chromium --version``.

How CPU is counted: user+system seconds of the crawl process and every descendant (the
Playwright node driver, Chromium and its zygote/renderer/GPU/utility processes). The figure
is exact, not sampled: ``os.wait4`` on the ``scrapy`` process gives its own time plus the
time of every descendant that was waited for down the tree (Chromium reaps its renderers,
the driver reaps Chromium, Python reaps the driver); this script is a child subreaper
(``prctl(PR_SET_CHILD_SUBREAPER)``), so a descendant whose parent died without waiting for
it is re-parented here and its ``wait4`` time is added. The ``/proc`` samples (live
processes' ``utime+stime+cutime+cstime``) are kept as a cross-check (a lower bound) and for
the split between the Python process and the browser tree.

Peak memory: the maximum over samples of the Python process's RSS (and its ``VmHWM``), and of
PSS (``/proc/PID/smaps_rollup``, RSS when unreadable) of the Python process, of the browser
tree (every descendant) and of both together in one sample. PSS shares the pages Chromium's
processes have in common instead of counting them once per process as summed RSS would.

When the demo has the JavaScript outlet 바다일보 (``jscms``), part 1 adds its rows: a rendered
crawl of ``--jscms-size`` articles fills a fresh state (its lists cannot be read plainly), then
an ``-O`` crawl renders each section's single list page and clicks 더보기 until the list ends.

``--quick``: a smoke run (about 70 rendered pages, a size-80 plain outlet, one round).
"""

from __future__ import annotations

import argparse
import ctypes
import json
import os
import re
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

PROJECT_ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(PROJECT_ROOT))

from demo.outlets import OUTLETS  # noqa: E402
from demo.run import crawl_command, start_server  # noqa: E402

CLK_TCK = os.sysconf("SC_CLK_TCK")
PR_SET_CHILD_SUBREAPER = 36
BASELINE_TAG = "v0.2.0"
NAIVE_HANDLERS = json.dumps({"http": "scrapy_playwright.handler.ScrapyPlaywrightDownloadHandler",
                             "https": "scrapy_playwright.handler.ScrapyPlaywrightDownloadHandler"})
#: -s arguments that turn request blocking off (see the module docstring on the empty list).
NO_BLOCKING = ["-s", "NEWSCRAWL_RENDER_BLOCK=", "-s", "NEWSCRAWL_RENDER_THIRD_PARTY=true"]
HOW_CPU = ("CPU = user+sys of the scrapy process and all its descendants (node driver, Chromium and its "
           "processes): os.wait4 rusage of the scrapy process (its own time and every descendant waited for "
           "down the tree) plus wait4 of descendants orphaned to this script (a child subreaper)")


# --- /proc -------------------------------------------------------------------------------------

@dataclass(frozen=True)
class ProcStat:
    pid: int
    ppid: int
    start: int  #: start time in clock ticks since boot (with pid: a key that survives pid reuse)
    cpu: float  #: utime + stime, seconds
    children_cpu: float  #: cutime + cstime, seconds (descendants this process waited for)


def read_stat(pid: int) -> ProcStat | None:
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    fields = text[text.rindex(")") + 2:].split()  # the command name may hold spaces and parentheses
    return ProcStat(pid, int(fields[1]), int(fields[19]), (int(fields[11]) + int(fields[12])) / CLK_TCK,
                    (int(fields[13]) + int(fields[14])) / CLK_TCK)


def all_stats() -> dict[int, ProcStat]:
    out = {}
    for name in os.listdir("/proc"):
        if name.isdigit():
            stat = read_stat(int(name))
            if stat is not None:
                out[stat.pid] = stat
    return out


def _kb(path: str, field_name: str) -> int | None:
    try:
        with open(path) as fh:
            for line in fh:
                if line.startswith(field_name + ":"):
                    return int(line.split()[1])
    except (OSError, ValueError):
        return None
    return None


def rss_kb(pid: int) -> int:
    return _kb(f"/proc/{pid}/status", "VmRSS") or 0


def hwm_kb(pid: int) -> int:
    return _kb(f"/proc/{pid}/status", "VmHWM") or 0


def pss_kb(pid: int) -> int:
    """Proportional set size (shared pages divided among their users); RSS when smaps_rollup is unreadable."""
    pss = _kb(f"/proc/{pid}/smaps_rollup", "Pss")
    return pss if pss is not None else rss_kb(pid)


def set_subreaper() -> bool:
    """Make orphaned descendants this process's children (Linux prctl), so their CPU time can be waited for."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        return bool(libc.prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) == 0)
    except (OSError, AttributeError):
        return False


def _rusage_cpu(rusage: Any) -> float:
    return float(rusage.ru_utime + rusage.ru_stime)


# --- measuring one process tree ---------------------------------------------------------------

@dataclass
class Measurement:
    """One command's process tree: exact CPU, sampled peaks, wall time."""

    returncode: int = -1
    wall_s: float = 0.0
    cpu_s: float = 0.0  #: exact: wait4 of the root plus wait4 of orphans re-parented here
    cpu_root_wait4_s: float = 0.0  #: the root's wait4 alone (without orphans)
    cpu_orphans_s: float = 0.0
    orphans: int = 0
    orphans_killed: int = 0
    cpu_sampled_s: float = 0.0  #: the last /proc sample of the tree (cross-check, a lower bound)
    cpu_python_sampled_s: float = 0.0  #: the root's own utime+stime in the last sample
    python_rss_mb: float = 0.0  #: max of sampled VmRSS and the last VmHWM of the root
    python_pss_mb: float = 0.0
    browser_pss_mb: float = 0.0  #: every descendant of the root (PSS), max over samples
    browser_rss_mb: float = 0.0
    total_pss_mb: float = 0.0  #: root + descendants in one sample, max over samples
    max_processes: int = 0
    samples: int = 0
    stats: dict[str, float] = field(default_factory=dict)

    @property
    def cpu_browser_s(self) -> float:
        return max(0.0, self.cpu_s - self.cpu_python_sampled_s)


class TreeSampler:
    """Samples the tree under ``root`` (and orphans of it re-parented to this process) from /proc."""

    def __init__(self, root: int, exclude: Iterable[int] = ()) -> None:
        self.root = root
        self.me = os.getpid()
        self.exclude = set(exclude)
        self.m = Measurement()

    def members(self, stats: dict[int, ProcStat]) -> list[ProcStat]:
        children: dict[int, list[int]] = {}
        for s in stats.values():
            children.setdefault(s.ppid, []).append(s.pid)
        tree: list[ProcStat] = []
        todo = [self.root] if self.root in stats else []
        # Orphans of the tree re-parented to this script (a subreaper): every child but the root and the servers.
        todo += [pid for pid in children.get(self.me, ()) if pid != self.root and pid not in self.exclude]
        while todo:
            pid = todo.pop()
            tree.append(stats[pid])
            todo.extend(children.get(pid, ()))
        return tree

    def sample(self) -> None:
        tree = self.members(all_stats())
        if not tree:
            return
        m = self.m
        m.samples += 1
        m.max_processes = max(m.max_processes, len(tree))
        m.cpu_sampled_s = max(m.cpu_sampled_s, sum(s.cpu + s.children_cpu for s in tree))
        py_pss = browser_pss = browser_rss = 0
        for s in tree:
            if s.pid == self.root:
                m.cpu_python_sampled_s = s.cpu
                m.python_rss_mb = max(m.python_rss_mb, rss_kb(s.pid) / 1024, hwm_kb(s.pid) / 1024)
                py_pss = pss_kb(s.pid)
            else:
                browser_pss += pss_kb(s.pid)
                browser_rss += rss_kb(s.pid)
        m.python_pss_mb = max(m.python_pss_mb, py_pss / 1024)
        m.browser_pss_mb = max(m.browser_pss_mb, browser_pss / 1024)
        m.browser_rss_mb = max(m.browser_rss_mb, browser_rss / 1024)
        m.total_pss_mb = max(m.total_pss_mb, (py_pss + browser_pss) / 1024)


def reap_orphans(exclude: set[int], grace: float = 20.0) -> tuple[float, int, int]:
    """Wait for this process's children other than ``exclude`` (descendants orphaned by the crawl).

    Returns (their CPU seconds from wait4, how many, how many had to be killed after ``grace`` seconds).
    """
    me = os.getpid()
    cpu, count, killed = 0.0, 0, 0
    deadline = time.monotonic() + grace
    while True:
        pids = [s.pid for s in all_stats().values() if s.ppid == me and s.pid not in exclude]
        if not pids:
            return cpu, count, killed
        for pid in pids:
            try:
                done, _, rusage = os.wait4(pid, os.WNOHANG)
            except ChildProcessError:
                continue
            if done:
                cpu += _rusage_cpu(rusage)
                count += 1
            elif time.monotonic() > deadline:
                os.kill(pid, signal.SIGKILL)  # a descendant of the crawl that outlived it (by pid, never by name)
                killed += 1
        time.sleep(0.05)


def measure(cmd: list[str], *, cwd: Path = PROJECT_ROOT, env: dict[str, str] | None = None,
            log: Path | None = None, interval: float = 0.2, exclude: Iterable[int] = ()) -> Measurement:
    """Run ``cmd`` and measure its process tree (see the module docstring: how CPU and memory are counted).

    ``exclude``: children of this process that are not part of the measured tree (servers).
    """
    excluded = set(exclude)
    out = log.open("wb") if log else subprocess.DEVNULL
    started = time.monotonic()
    try:
        proc = subprocess.Popen(cmd, cwd=cwd, env=env, stdout=out, stderr=subprocess.STDOUT)
    finally:
        if log:
            out.close()  # type: ignore[union-attr]
    sampler = TreeSampler(proc.pid, excluded)
    while True:
        sampler.sample()
        done, status, rusage = os.wait4(proc.pid, os.WNOHANG)
        if done:
            break
        time.sleep(interval)
    m = sampler.m
    m.wall_s = time.monotonic() - started
    proc.returncode = m.returncode = os.waitstatus_to_exitcode(status)
    m.cpu_root_wait4_s = _rusage_cpu(rusage)
    m.cpu_orphans_s, m.orphans, m.orphans_killed = reap_orphans(excluded | {proc.pid})
    m.cpu_s = m.cpu_root_wait4_s + m.cpu_orphans_s
    if log and log.exists():
        m.stats = scrapy_stats(log.read_text("utf-8", errors="replace"))
    return m


def scrapy_stats(log: str) -> dict[str, float]:
    """The numbers of Scrapy's last stats dump in a crawl log."""
    start = log.rfind("Dumping Scrapy stats:")
    if start < 0:
        return {}
    return {k: float(v) for k, v in re.findall(r"'([^']+)': (\d+(?:\.\d+)?)\b", log[start:])}


# --- the benchmark ----------------------------------------------------------------------------

@contextmanager
def demo_server(size: int, outlet: str = "dada") -> Iterator[tuple[int, str]]:
    proc, base_url = start_server(size, outlet=outlet)
    try:
        yield proc.pid, base_url
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def crawl(base_url: str, out: Path, name: str, *, state: Path, extra: list[str] | None = None,
          incremental: bool = False, cwd: Path = PROJECT_ROOT, exclude: Iterable[int] = (),
          interval: float = 0.2, outlet: str = "dada") -> Measurement:
    out.mkdir(parents=True, exist_ok=True)
    log = out / f"{name}.log"
    demo = OUTLETS[outlet]
    cmd = crawl_command(base_url, out, [*demo.spider_args, *(extra or []),
                                        "-s", f"NEWSCRAWL_REPORT_URI={out / (name + '.report.json')}"],
                        spider=demo.spider, state=state, incremental=incremental)
    env = {**os.environ, "PYTHONPATH": str(cwd)}
    return measure(cmd, cwd=cwd, env=env, log=log, interval=interval, exclude=exclude)


def _mb(x: float) -> str:
    return f"{x:,.0f}"


def render_section(args: argparse.Namespace, work: Path, results: dict[str, Any]) -> list[str]:
    """Part 1: a plain fill crawl, then the same outlet's lists rendered with and without blocking."""
    lines: list[str] = []
    state = work / "render-state.sqlite"
    rows: list[tuple[str, Measurement]] = []
    if "dada" not in args.skip:
        with demo_server(args.size) as (server_pid, base_url):
            fill = crawl(base_url, work / "render-fill", "fill", state=state, exclude={server_pid},
                         interval=args.interval)
            rows.append(("plain (fill crawl)", fill))
            for label, folder, extra in (("rendered, blocking", "render-blocking", []),
                                         ("rendered, no blocking", "render-noblocking", NO_BLOCKING)):
                m = crawl(base_url, work / folder, "render", state=state,
                          extra=["-a", "render=lists", *extra], exclude={server_pid}, interval=args.interval)
                rows.append((label, m))
    if "jscms" in OUTLETS and "jscms" not in args.skip:
        # 바다일보: one rendered page per section, 더보기 clicked until the list ends (its family's list_actions).
        jstate = work / "jscms-state.sqlite"
        with demo_server(args.jscms_size, outlet="jscms") as (server_pid, base_url):
            fill = crawl(base_url, work / "jscms-fill", "fill", state=jstate, exclude={server_pid},
                         interval=args.interval, outlet="jscms")
            rows.append(("jscms fill (rendered)", fill))
            for label, folder, extra in (("jscms lists, blocking", "jscms-blocking", []),
                                         ("jscms lists, no blocking", "jscms-noblocking", NO_BLOCKING)):
                m = crawl(base_url, work / folder, "render", state=jstate, extra=extra, exclude={server_pid},
                          interval=args.interval, outlet="jscms")
                rows.append((label, m))
    lines.append("1. Rendered list pages")
    if "dada" not in args.skip:
        lines.append(f"   dada (뉴스21 통신), {args.size} articles: one plain crawl fills a fresh state, then two -O "
                     "crawls with -a render=lists walk every list (browser) and fetch no known article")
    if "jscms" in OUTLETS and "jscms" not in args.skip:
        lines.append(f"   jscms (바다일보, lists built by script), {args.jscms_size} articles: a rendered crawl fills a "
                     "fresh state, then an -O crawl renders each section's one list page, clicking 더보기 to its end")
    header = (f"  {'crawl':<24} {'exit':>4} {'list pg':>7} {'rendered':>8} {'articles':>8} {'wall s':>7} "
              f"{'pages/s':>7} {'CPU-s':>7} {'CPU-s/pg':>8} {'py CPU':>6} {'py RSS':>6} {'py PSS':>6} "
              f"{'brw PSS':>7} {'tot PSS':>7} {'procs':>5} {'subreq':>6} {'blocked':>7}")
    lines.append(header)
    for label, m in rows:
        s = m.stats
        rendered = s.get("newscrawl/render/pages", 0)
        list_pages = s.get("newscrawl/lists/pages", 0)
        pages = rendered if rendered else s.get("downloader/response_count", 0)
        blocked = sum(v for k, v in s.items() if k.startswith("newscrawl/render/blocked/"))
        lines.append(
            f"  {label:<24} {m.returncode:>4} {list_pages:>7.0f} {rendered:>8.0f} "
            f"{s.get('newscrawl/pages/articles', 0):>8.0f} {m.wall_s:>7.1f} {pages / m.wall_s:>7.1f} "
            f"{m.cpu_s:>7.1f} {m.cpu_s / max(pages, 1):>8.3f} {m.cpu_python_sampled_s:>6.1f} "
            f"{_mb(m.python_rss_mb):>6} {_mb(m.python_pss_mb):>6} {_mb(m.browser_pss_mb):>7} "
            f"{_mb(m.total_pss_mb):>7} {m.max_processes:>5} {s.get('newscrawl/render/subrequests', 0):>6.0f} "
            f"{blocked:>7.0f}")
        results["render"].append({"crawl": label, **asdict(m)})
    lines.append("  (pages/s and CPU-s/pg: per rendered page, per response for the plain crawl; whole crawl "
                 "incl. start-up; MB; 'articles': article pages fetched; procs: most processes at once)")
    for label, m in rows:
        s = m.stats
        if not s.get("newscrawl/render/pages"):
            continue
        lines.append(f"  {label}: browser launches {s.get('newscrawl/render/browser_launches', 0):.0f}, "
                     f"restarts {s.get('newscrawl/render/browser_restarts', 0):.0f}, crashes "
                     f"{s.get('newscrawl/render/browser_crashes', 0):.0f}, render errors "
                     f"{sum(v for k, v in s.items() if k.startswith('newscrawl/render/errors/')):.0f}, items "
                     f"{s.get('item_scraped_count', 0):.0f} ({s.get('newscrawl/store/from_store', 0):.0f} from the "
                     f"state); orphans reaped {m.orphans} ({m.cpu_orphans_s:.1f} CPU-s), killed {m.orphans_killed}; "
                     f"sampled CPU {m.cpu_sampled_s:.1f} s; clicks {s.get('newscrawl/render/clicks', 0):.0f}, "
                     f"rendered articles {s.get('newscrawl/render/pages/article', 0):.0f}")
    return lines


def baseline_dir(path: Path) -> Path:
    """The code before the feature: ``git worktree add --detach PATH v0.2.0`` unless it is there already."""
    if not (path / "scrapy.cfg").exists():
        subprocess.run(["git", "worktree", "add", "--detach", str(path), BASELINE_TAG], cwd=PROJECT_ROOT,
                       check=True, capture_output=True)
    return path


def _spread(values: list[float], fmt: str) -> str:
    return f"{format(statistics.median(values), fmt)} [{format(min(values), fmt)}-{format(max(values), fmt)}]"


def plain_section(args: argparse.Namespace, work: Path, results: dict[str, Any]) -> list[str]:
    """Part 2: first crawl and unchanged re-run by v0.2.0, HEAD and HEAD with the naive handler."""
    codes: list[tuple[str, Path, list[str]]] = [
        (BASELINE_TAG, baseline_dir(args.baseline), []),
        ("HEAD", PROJECT_ROOT, []),
        ("HEAD + naive handler", PROJECT_ROOT, ["-s", f"DOWNLOAD_HANDLERS={NAIVE_HANDLERS}"]),
    ]
    runs: dict[tuple[str, str], list[Measurement]] = {}
    with demo_server(args.plain_size) as (server_pid, base_url):
        for r in range(args.repeat):
            for code, cwd, extra in codes[r % len(codes):] + codes[:r % len(codes)]:
                out = work / f"plain-{code.split()[0]}-{len(extra)}-{r}"
                state = out / "state.sqlite"
                for kind, incremental in (("first crawl", False), ("unchanged re-run", True)):
                    m = crawl(base_url, out, kind.split()[0], state=state, extra=extra, incremental=incremental,
                              cwd=cwd, exclude={server_pid}, interval=args.interval)
                    runs.setdefault((kind, code), []).append(m)
                    results["plain"].append({"code": code, "run": kind, "round": r, **asdict(m)})
    lines = [f"2. A crawl that renders nothing: demo outlet dada, {args.plain_size} articles; first crawl (fresh "
             "state, -O) and unchanged re-run (same state, -o); median [min-max] of "
             f"{args.repeat} interleaved round(s); art pg: article pages fetched"]
    lines.append(f"  {'run':<17} {'code':<21} {'CPU-s (tree)':>18} {'py peak RSS MB':>16} {'tree PSS MB':>16} "
                 f"{'wall s':>16} {'procs':>5} {'art pg':>6} {'exit':>4}")
    for kind in ("first crawl", "unchanged re-run"):
        for code, _, _ in codes:
            ms = runs[(kind, code)]
            lines.append(f"  {kind:<17} {code:<21} {_spread([m.cpu_s for m in ms], '.2f'):>18} "
                         f"{_spread([m.python_rss_mb for m in ms], '.0f'):>16} "
                         f"{_spread([m.total_pss_mb for m in ms], '.0f'):>16} "
                         f"{_spread([m.wall_s for m in ms], '.1f'):>16} {max(m.max_processes for m in ms):>5} "
                         f"{statistics.median(m.stats.get('newscrawl/pages/articles', 0) for m in ms):>6.0f} "
                         f"{','.join(sorted({str(m.returncode) for m in ms})):>4}")
    return lines


def chromium_version() -> str:
    """``chromium --version`` (Debian's wrapper), else the binary the crawl launches."""
    exe = shutil.which("chromium") or next((p for p in ("/usr/lib/chromium/chromium",) if os.path.exists(p)), None)
    if exe is None:
        return "chromium not found"
    done = subprocess.run([exe, "--version"], capture_output=True, text=True, timeout=30)
    return done.stdout.strip().splitlines()[0] if done.stdout.strip() else f"? ({exe} --version printed nothing)"


def _load() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=5200, help="articles of the rendered outlet (5200: ~600 list pages)")
    parser.add_argument("--jscms-size", type=int, default=600,
                        help="articles of the JS outlet 바다일보 (its lists end after 30 clicks: 310 per section)")
    parser.add_argument("--plain-size", type=int, default=150, help="articles of the plain outlet (part 2)")
    parser.add_argument("--repeat", type=int, default=3, help="rounds of part 2 (default 3)")
    parser.add_argument("--quick", action="store_true", help="a smoke run: --size 600 --plain-size 80 --repeat 1")
    parser.add_argument("--interval", type=float, default=0.2, help="seconds between /proc samples")
    parser.add_argument("--baseline", type=Path, default=Path("/tmp/bench-v020"),
                        help=f"checkout of {BASELINE_TAG} (made with git worktree add when missing)")
    parser.add_argument("--skip", choices=("render", "dada", "jscms", "plain"), action="append", default=[],
                        help="leave out part 1 (render), its dada or jscms rows, or part 2 (plain)")
    parser.add_argument("--keep", type=Path, help="write the crawls' feeds, logs and states here (default: a temp dir)")
    parser.add_argument("--json", type=Path, metavar="FILE", help="write every measurement here")
    args = parser.parse_args(argv)
    if args.quick:
        args.size, args.jscms_size, args.plain_size, args.repeat = 600, 120, 80, 1
    if not set_subreaper():
        print("warning: not a child subreaper: CPU of orphaned descendants is not counted", file=sys.stderr)
    results: dict[str, Any] = {"how_cpu": HOW_CPU, "render": [], "plain": [], "chromium": chromium_version(),
                               "cpus": os.cpu_count(), "load_before": os.getloadavg()}
    started = time.monotonic()
    lines = [f"{results['chromium']}; {os.cpu_count()} CPUs; load average before {_load()}", HOW_CPU, ""]
    with tempfile.TemporaryDirectory(prefix="bench-render-") as tmp:
        work = args.keep or Path(tmp)
        work.mkdir(parents=True, exist_ok=True)
        if "render" not in args.skip:
            lines += [*render_section(args, work, results), ""]
            print("\n".join(lines), flush=True)
            lines = []
        if "plain" not in args.skip:
            lines += [*plain_section(args, work, results), ""]
    results["load_after"] = os.getloadavg()
    results["seconds"] = time.monotonic() - started
    lines.append(f"load average after {_load()}; benchmark took {results['seconds']:.0f} s")
    print("\n".join(lines))
    if args.json:
        args.json.write_text(json.dumps(results, indent=1, ensure_ascii=False) + "\n", "utf-8")
    failed = [m for part in ("render", "plain") for m in results[part] if m["returncode"] not in (0, 3)]
    if failed:
        print(f"{len(failed)} crawl(s) failed (exit status not 0 or 3); see the logs (--keep DIR)", file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
