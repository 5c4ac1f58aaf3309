#!/usr/bin/env python3
"""Crawl throughput against bare Scrapy (issue 13 items 1 and 5): the same URLs, a static server, interleaved pairs.

    .venv/bin/python scripts/bench_crawl.py [--size 3000] [--pairs 3] [--quick] [--snapshot DIR] [--json FILE]
    .venv/bin/python scripts/bench_crawl.py --memory [--size 100000]     # RSS growth over a long crawl

1. **Snapshot.** The demo outlet 뉴스21 통신 (다다미디어 CMS, ``python -m demo serve``, ``--size``
   articles, seed 21) is started on a free port and walked over HTTP the way the crawl walks it:
   ``/robots.txt``, the home page, each section menu link, every list page by its ``a.next`` link
   and every article link of every list (a story listed in two sections under both URLs). Each
   response body is written to ``files/<path>@<query>`` (``/`` -> ``files/@``), its Content-Type
   kept per path in ``manifest.json``. Pages carry absolute canonical URLs built from the Host
   header, so the walk sends the Host the static server will have (its port is chosen first).
2. **Static server.** Debian's nginx (installed with apt-get when missing and this runs as root)
   with its own prefix in a temp folder: one worker process, access log off, ``sendfile``,
   keep-alive, ``try_files "$uri@$args"``, the recorded Content-Type (charset included) per path,
   and a ``stub_status`` location whose request counter says exactly how many requests each
   crawl made (the status requests of this script subtracted). Before the runs, one URL of each
   kind is fetched from nginx and compared with the snapshot (body and Content-Type).
3. **Runs.** ``--pairs`` pairs, interleaved (the order swapped every pair), of
   - newscrawl: ``scrapy crawl news21tongsin -a base_url=<nginx>`` (``demo.run.crawl_command``:
     complete ``-O`` JSONL and CSV feeds, rejects feed, a fresh SQLite state and output folder
     each run), from the project folder;
   - bare: ``scrapy runspider scripts/bare_spider.py`` (follows the same links, yields url+title
     into ``-O bare.jsonl``), from its run folder outside the project, so Scrapy's defaults apply
     and not newscrawl's settings.
   Both with the same benchmark settings (:data:`BENCH_SETTINGS`: no download delay, no
   AutoThrottle, ``CONCURRENT_REQUESTS=8`` and ``CONCURRENT_REQUESTS_PER_DOMAIN=8``, robots.txt
   obeyed, INFO logging to a file, no telnet console or remote control); every other setting is
   each crawler's own default (``CONCURRENT_ITEMS`` included).
4. **Figures per run.** pages/s = requests nginx counted / wall seconds of the child process (start
   to exit, Scrapy's start-up and newscrawl's complete-file writing included); CPU ms/page = the
   child's user+sys (``os.wait4``) per page; peak RSS = ``ru_maxrss`` of the child. Then a
   Markdown table: medians, the newscrawl/bare ratio of each pair (median, min, max), machine load
   (``os.getloadavg``) before and after.
5. **Checks.** Both crawlers made the same number of requests, equal to the snapshot's crawl set
   (robots.txt + home + list pages + one page per article id), with no non-200 answer; newscrawl's
   feeds match the demo truth (``demo.run.compare_with_truth``: every article the site holds
   exported, every field equal); the bare feed has one row per article page. Exit 1 when one fails.

``--memory`` (item 5): one pair by default, ``--size 100000`` recommended: 111,432 requests per crawl;
its snapshot (125,718 files, 647 MB of bodies, 1.0 GB on disk) costs about 780 CPU-s to build (the
demo renders every page; measured here: 43 min on 2 cores shared with other work, so give it
``--snapshot DIR`` to build it once and reuse it). Each child's VmRSS (``/proc/<pid>/status``) and nginx's request counter are sampled every
``--interval`` seconds; printed: RSS after the first 1,000 pages, at the end, the growth between
the two, and the peak, for newscrawl and bare.

``--quick``: a smoke run (200 articles, one pair).
"""

from __future__ import annotations

import argparse
import html
import json
import os
import pwd
import queue
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from http.client import HTTPConnection
from pathlib import Path
from urllib.parse import unquote, urlsplit

PROJECT_ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(PROJECT_ROOT))

from demo.outlets import OUTLETS  # noqa: E402
from demo.run import compare_with_truth, crawl_command, read_jsonl, start_server  # noqa: E402

OUTLET = "dada"  #: 뉴스21 통신: crawled by its catalog spider news21tongsin
SPIDER = "news21tongsin"
OUTLET_NAME = f"{OUTLETS[OUTLET].name} ({OUTLETS[OUTLET].slug})"
SEED = 21
BARE_SPIDER = PROJECT_ROOT / "scripts" / "bare_spider.py"
#: Version of the snapshot layout: a --snapshot folder built by another layout is rebuilt.
SNAPSHOT_LAYOUT = 1
STATUS_PATH = "/__bench/status"
#: The same for both crawlers: nothing that would make this a benchmark of delays.
BENCH_SETTINGS = {
    "DOWNLOAD_DELAY": "0",
    "AUTOTHROTTLE_ENABLED": "false",
    "CONCURRENT_REQUESTS": "8",  # newscrawl's default (Scrapy's is 16)
    "CONCURRENT_REQUESTS_PER_DOMAIN": "8",  # what make demo uses for a local copy (Scrapy's default)
    "ROBOTSTXT_OBEY": "true",
    "LOG_LEVEL": "INFO",  # Scrapy's default DEBUG logs a line per request
    "TELNETCONSOLE_ENABLED": "false",
    "REMOTE_CONTROL_ENABLED": "false",
}
#: Links the walk follows, as the crawl does (see the module docstring).
_MENU = re.compile(r'<ul class="gnb">(.*?)</ul>', re.S)
_HREF = re.compile(r'href="([^"]+)"')
_ARTICLE = re.compile(r'<dt class="title"><a href="([^"]+)"')
_NEXT = re.compile(r'<a href="([^"]+)" class="next">')
_IDX = re.compile(r"[?&]idx=(\d+)")


def say(text: str = "") -> None:
    print(text, flush=True)


# --- snapshot ----------------------------------------------------------------------------------

def snapshot_name(path_and_query: str) -> str:
    """The file (relative to ``files/``) of one URL: nginx's ``$uri@$args`` (``$uri`` decoded, ``$args`` raw)."""
    parts = urlsplit(path_and_query)
    return unquote(parts.path or "/").lstrip("/") + "@" + parts.query


@dataclass
class Snapshot:
    root: Path
    size: int
    port: int
    urls: int = 0  #: files written (every article URL variant)
    crawl_urls: int = 0  #: what a crawl requests: robots.txt + home + list pages + one page per article id
    lists: int = 0
    articles: int = 0
    bytes: int = 0
    build_s: float = 0.0
    content_types: dict[str, str] = field(default_factory=dict)  #: per path
    samples: dict[str, str] = field(default_factory=dict)  #: kind -> one URL of it (checked against nginx)

    @property
    def files(self) -> Path:
        return self.root / "files"

    def save(self) -> None:
        data = {"layout": SNAPSHOT_LAYOUT, **asdict(self)}
        data.pop("root")
        (self.root / "manifest.json").write_text(json.dumps(data, indent=1, ensure_ascii=False), "utf-8")

    @classmethod
    def load(cls, root: Path, size: int) -> Snapshot | None:
        try:
            data = json.loads((root / "manifest.json").read_text("utf-8"))
        except (OSError, ValueError):
            return None
        if data.pop("layout", None) != SNAPSHOT_LAYOUT or data.get("size") != size:
            return None
        return cls(root=root, **data)


class SnapshotError(Exception):
    pass


def build_snapshot(root: Path, size: int, port: int, servers: int = 0, threads_per_server: int = 2, *,
                   outlet: str = OUTLET, seed: int = SEED) -> Snapshot:
    """Walk the live demo outlet as the crawl does and write every response under ``root/files``.

    The demo renders each page on demand in one Python process (about 4 ms a page): ``servers``
    identical demo servers (default: one per core) share the walk, ``threads_per_server`` connections each.
    ``outlet``: a demo outlet on the 다다미디어 markup (``dada``, ``nurinews``: the walk follows its links).
    """
    if root.exists():
        shutil.rmtree(root)
    (root / "files").mkdir(parents=True)
    snap = Snapshot(root=root, size=size, port=port)
    started = time.monotonic()
    demos = [start_server(size, seed=seed, outlet=outlet) for _ in range(servers or os.cpu_count() or 1)]
    todo: queue.Queue[tuple[str, str] | None] = queue.Queue()
    lock = threading.Lock()
    queued: set[str] = set()
    article_ids: set[str] = set()
    errors: list[str] = []
    pending = [0]
    done = threading.Event()

    def add(kind: str, url: str) -> None:
        with lock:
            if url in queued:
                return
            queued.add(url)
            pending[0] += 1
        todo.put((kind, url))

    def handle(kind: str, url: str, status: int, ctype: str, body: bytes) -> None:
        if status != 200:
            raise SnapshotError(f"{url}: status {status} (the snapshot holds 200 answers only)")
        target = snap.files / snapshot_name(url)
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(body)
        path = urlsplit(url).path
        text = body.decode("utf-8", "replace") if kind != "robots" else ""
        with lock:
            if snap.content_types.setdefault(path, ctype) != ctype:
                raise SnapshotError(f"{path}: Content-Type {ctype!r} and {snap.content_types[path]!r} on one path")
            snap.urls += 1
            snap.bytes += len(body)
            snap.samples.setdefault(kind, url)
            if kind == "list":
                snap.lists += 1
            elif kind == "article":
                match = _IDX.search(url)
                article_ids.add(match.group(1) if match else url)
        if kind == "home":
            menu = _MENU.search(text)
            for href in _HREF.findall(menu.group(1) if menu else ""):
                add("list", html.unescape(href))
        elif kind == "list":
            for href in _ARTICLE.findall(text):
                add("article", html.unescape(href))
            for href in _NEXT.findall(text)[:1]:
                add("list", html.unescape(href))

    def worker(demo_url: str) -> None:
        demo = urlsplit(demo_url)
        conn = HTTPConnection(demo.hostname or "127.0.0.1", demo.port, timeout=30)
        while True:
            job = todo.get()
            if job is None:
                return
            kind, url = job
            try:
                conn.request("GET", url, headers={"Host": f"127.0.0.1:{port}"})
                response = conn.getresponse()
                body = response.read()
                handle(kind, url, response.status, response.getheader("Content-Type", ""), body)
            except Exception as exc:
                with lock:
                    errors.append(f"{url}: {exc}")
                done.set()
            with lock:
                pending[0] -= 1
                if pending[0] == 0:
                    done.set()

    workers = [threading.Thread(target=worker, args=(url,), daemon=True)
               for _, url in demos for _ in range(threads_per_server)]
    try:
        for w in workers:
            w.start()
        add("robots", "/robots.txt")
        add("home", "/")
        done.wait()
        for _ in workers:
            todo.put(None)
        for w in workers:
            w.join(timeout=30)
    finally:
        for server, _ in demos:
            server.terminate()
        for server, _ in demos:
            server.wait(timeout=10)
    if errors:
        raise SnapshotError(f"snapshot walk failed: {errors[0]}")
    snap.articles = len(article_ids)
    snap.crawl_urls = 2 + snap.lists + snap.articles
    snap.build_s = time.monotonic() - started
    snap.save()
    return snap


# --- nginx -------------------------------------------------------------------------------------

def find_nginx(install: bool = True) -> str | None:
    """nginx's path; when missing, ``apt-get install nginx`` if this runs as root (None when that fails)."""
    def found() -> str | None:
        return shutil.which("nginx") or next((p for p in ("/usr/sbin/nginx",) if os.access(p, os.X_OK)), None)

    if found() or not install or os.geteuid() != 0 or not shutil.which("apt-get"):
        return found()
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    for cmd in (["apt-get", "install", "-y", "-q", "nginx"], ["apt-get", "update", "-q"],
                ["apt-get", "install", "-y", "-q", "nginx"]):
        try:
            subprocess.run(cmd, env=env, capture_output=True, timeout=600, check=False)
        except (OSError, subprocess.TimeoutExpired):
            return found()
        if cmd[1] == "install" and found():
            break
    return found()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def port_is_free(port: int) -> bool:
    with socket.socket() as s:
        try:
            s.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def nginx_config(snap: Snapshot, prefix: Path, port: int) -> str:
    types = Counter(snap.content_types.values())
    default_type = types.most_common(1)[0][0] if types else "text/html; charset=utf-8"
    special = "".join(
        f'        location = {path} {{ default_type "{ctype}"; try_files "$uri@$args" =404; }}\n'
        for path, ctype in sorted(snap.content_types.items()) if ctype != default_type)
    # Running as root: workers as root too (the default user nobody cannot read a 0700 temp folder).
    user = f"user {pwd.getpwuid(os.geteuid()).pw_name};\n" if os.geteuid() == 0 else ""
    temp = "".join(f"    {name}_temp_path {prefix / 'tmp' / name};\n"
                   for name in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"))
    return (
        f"{user}worker_processes 1;\ndaemon off;\npid {prefix / 'nginx.pid'};\nerror_log {prefix / 'error.log'} warn;\n"
        "events { worker_connections 1024; }\n"
        "http {\n"
        "    access_log off;\n"
        f"{temp}"
        "    sendfile on;\n    tcp_nopush on;\n    keepalive_timeout 65;\n    keepalive_requests 1000000;\n"
        "    server_tokens off;\n    etag off;\n"
        "    types { }\n"
        f'    default_type "{default_type}";\n'
        "    server {\n"
        f"        listen 127.0.0.1:{port};\n"
        f"        root {snap.files};\n"
        f"        location = {STATUS_PATH} {{ stub_status; }}\n"
        f"{special}"
        '        location / { try_files "$uri@$args" =404; }\n'
        "    }\n"
        "}\n"
    )


class Nginx:
    """One nginx master + one worker serving a snapshot; ``requests()`` reads the stub_status counter."""

    def __init__(self, binary: str, snap: Snapshot, prefix: Path) -> None:
        self.binary, self.snap, self.prefix, self.port = binary, snap, prefix, snap.port
        self.base_url = f"http://127.0.0.1:{self.port}"
        self.proc: subprocess.Popen[bytes] | None = None
        self.status_requests = 0  #: status requests this script made (each counts itself)

    def start(self) -> None:
        for name in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"):
            (self.prefix / "tmp" / name).mkdir(parents=True, exist_ok=True)
        conf = self.prefix / "nginx.conf"
        conf.write_text(nginx_config(self.snap, self.prefix, self.port), "utf-8")
        self.proc = subprocess.Popen([self.binary, "-p", str(self.prefix), "-c", str(conf), "-e",
                                      str(self.prefix / "error.log")], stdout=subprocess.DEVNULL,
                                     stderr=subprocess.PIPE)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                err = (self.proc.stderr.read() if self.proc.stderr else b"").decode(errors="replace").strip()
                raise RuntimeError(f"nginx exited ({self.proc.returncode}): {err.splitlines()[-1] if err else '?'}")
            try:
                self.requests()
                return
            except OSError:
                time.sleep(0.05)
        raise RuntimeError(f"nginx did not answer on {self.base_url} within 10 s")

    def get(self, url: str) -> tuple[int, str, bytes]:
        with urllib.request.urlopen(self.base_url + url, timeout=10) as r:
            return r.status, r.headers.get("Content-Type", ""), r.read()

    def requests(self) -> int:
        """Requests nginx has served so far, minus this script's status requests (each counts itself)."""
        _, _, body = self.get(STATUS_PATH)
        self.status_requests += 1
        total = int(body.decode().splitlines()[2].split()[2])
        return total - self.status_requests

    def check(self) -> list[str]:
        """One URL of each kind from nginx against the snapshot: the same body and Content-Type."""
        problems = []
        for kind, url in sorted(self.snap.samples.items()):
            status, ctype, body = self.get(url)
            want = self.snap.content_types[urlsplit(url).path]
            if status != 200 or ctype != want or body != (self.snap.files / snapshot_name(url)).read_bytes():
                problems.append(f"{kind} {url}: nginx answered {status} {ctype!r} ({len(body)} bytes), "
                                f"the demo {want!r}")
        return problems

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


@contextmanager
def serving(binary: str, snap: Snapshot, prefix: Path) -> Iterator[Nginx]:
    nginx = Nginx(binary, snap, prefix)
    try:
        nginx.start()
        yield nginx
    finally:
        nginx.stop()


# --- runs --------------------------------------------------------------------------------------

def settings_args(log_file: Path) -> list[str]:
    return [arg for name, value in {**BENCH_SETTINGS, "LOG_FILE": str(log_file)}.items()
            for arg in ("-s", f"{name}={value}")]


def newscrawl_command(base_url: str, out: Path) -> tuple[list[str], Path]:
    cmd = crawl_command(base_url, out, extra=settings_args(out / "crawl.log"), spider=SPIDER)
    return cmd, PROJECT_ROOT


def bare_command(base_url: str, out: Path) -> tuple[list[str], Path]:
    cmd = [sys.executable, "-m", "scrapy", "runspider", str(BARE_SPIDER), "-a", f"base_url={base_url}",
           "-O", str(out / "bare.jsonl"), *settings_args(out / "crawl.log")]
    return cmd, out  # outside the project: no scrapy.cfg, Scrapy's own defaults


@dataclass
class Run:
    crawler: str
    pair: int
    returncode: int = -1
    wall_s: float = 0.0
    crawl_s: float = 0.0  #: Scrapy's elapsed_time_seconds (spider opened to closed: no start-up)
    pages: int = 0  #: requests nginx counted
    cpu_s: float = 0.0
    maxrss_mb: float = 0.0
    non_200: int = 0
    #: (seconds, VmRSS MB, requests so far) every --interval with --memory
    samples: list[tuple[float, float, int]] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    note: str = ""

    @property
    def pages_per_s(self) -> float:
        return self.pages / self.wall_s if self.wall_s else 0.0

    @property
    def crawl_pages_per_s(self) -> float:
        return self.pages / self.crawl_s if self.crawl_s else 0.0

    @property
    def cpu_ms_per_page(self) -> float:
        return 1000 * self.cpu_s / self.pages if self.pages else 0.0


def vm_rss_mb(pid: int) -> float | None:
    try:
        with open(f"/proc/{pid}/status") as fh:
            for line in fh:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) / 1024
    except (OSError, ValueError):
        return None
    return None


def _stat(log: Path, pattern: str) -> int:
    text = log.read_text("utf-8", "replace") if log.exists() else ""
    return sum(int(n) for n in re.findall(rf"'{pattern}': (\d+)", text))


def run_one(crawler: str, pair: int, nginx: Nginx, out: Path, memory: bool, interval: float) -> Run:
    out.mkdir(parents=True)
    cmd, cwd = (newscrawl_command if crawler == "newscrawl" else bare_command)(nginx.base_url, out)
    env = {k: v for k, v in os.environ.items() if not k.startswith("SCRAPY_")}
    if crawler == "newscrawl":
        env["PYTHONPATH"] = str(PROJECT_ROOT)
    else:
        env.pop("PYTHONPATH", None)
    run = Run(crawler, pair)
    before = nginx.requests()
    started = time.monotonic()
    with (out / "stdout.log").open("wb") as fh:
        proc = subprocess.Popen(cmd, cwd=cwd, env=env, stdout=fh, stderr=subprocess.STDOUT)
    if memory:
        while True:
            pid, status, rusage = os.wait4(proc.pid, os.WNOHANG)
            if pid:
                break
            rss = vm_rss_mb(proc.pid)
            if rss is not None:
                run.samples.append((time.monotonic() - started, rss, nginx.requests() - before))
            time.sleep(interval)
    else:
        _, status, rusage = os.wait4(proc.pid, 0)
    run.wall_s = time.monotonic() - started
    proc.returncode = os.waitstatus_to_exitcode(status)  # already reaped: keep Popen from waiting again
    run.returncode = proc.returncode
    run.pages = nginx.requests() - before
    run.cpu_s = rusage.ru_utime + rusage.ru_stime
    run.maxrss_mb = rusage.ru_maxrss / 1024  # KB on Linux
    log = out / "crawl.log"
    run.non_200 = _stat(log, r"downloader/response_status_count/(?!200)\d+")
    elapsed = re.search(r"'elapsed_time_seconds': ([\d.]+)", log.read_text("utf-8", "replace") if log.exists() else "")
    run.crawl_s = float(elapsed.group(1)) if elapsed else 0.0
    if run.returncode != 0:
        run.problems.append(f"{crawler} exited {run.returncode} (see {log})")
    return run


def check_outputs(run: Run, out: Path, snap: Snapshot, base_url: str) -> None:
    """Outputs, not timing: the crawl set fetched, newscrawl's feeds equal to the demo truth, bare's rows."""
    if run.pages != snap.crawl_urls:
        run.problems.append(f"{run.crawler} made {run.pages} requests, the snapshot's crawl set is {snap.crawl_urls}")
    if run.non_200:
        run.problems.append(f"{run.crawler} got {run.non_200} non-200 answers (see {out / 'crawl.log'})")
    if run.crawler == "newscrawl":
        items = read_jsonl(out / "articles.jsonl")
        truth = list(OUTLETS[OUTLET].make_site(snap.size, SEED).truth(base_url))
        expected = sum(1 for r in truth if r["expect"] == "item")
        problems = compare_with_truth(items, read_jsonl(out / "rejects.jsonl"), truth)
        run.problems += [f"newscrawl feed: {p}" for p in problems[:10]]
        run.note = (f"exported {len(items)} articles, {expected} expected by the demo truth"
                    + ("; feeds match the truth (every field equal)" if not problems
                       else f"; {len(problems)} problems against the truth"))
    else:
        rows = read_jsonl(out / "bare.jsonl")
        with_title = sum(1 for r in rows if r.get("title"))
        run.note = f"{len(rows)} rows ({with_title} with a title), {snap.articles} article pages"
        if len(rows) != snap.articles:
            run.problems.append(f"bare spider wrote {len(rows)} rows for {snap.articles} article pages")


# --- printing ----------------------------------------------------------------------------------

def _median(values: list[float]) -> float:
    return statistics.median(values) if values else 0.0


def memory_figures(run: Run, after_pages: int = 1000) -> dict[str, float]:
    """RSS after the first ``after_pages`` pages (or a tenth of the crawl when smaller), at the end, growth, peak."""
    if not run.samples:
        return {}
    mark = min(after_pages, max(1, run.pages // 10))
    base = next((s for s in run.samples if s[2] >= mark), run.samples[-1])
    end = run.samples[-1]
    return {"mark_pages": base[2], "rss_at_mark_mb": base[1], "rss_end_mb": end[1], "end_pages": end[2],
            "growth_mb": end[1] - base[1], "peak_mb": max(run.maxrss_mb, *(s[1] for s in run.samples))}


def summary_table(runs: list[Run], load_before: tuple[float, ...], load_after: tuple[float, ...]) -> str:
    by = {c: [r for r in runs if r.crawler == c] for c in ("newscrawl", "bare")}
    pairs = sorted({r.pair for r in runs})
    ratios: list[float] = []
    crawl_ratios: list[float] = []
    for p in pairs:
        n = next((r for r in by["newscrawl"] if r.pair == p), None)
        b = next((r for r in by["bare"] if r.pair == p), None)
        if n and b and b.pages_per_s:
            ratios.append(n.pages_per_s / b.pages_per_s)
        if n and b and b.crawl_pages_per_s:
            crawl_ratios.append(n.crawl_pages_per_s / b.crawl_pages_per_s)
    pages = sorted({r.pages for r in runs})

    def med(c: str, attr: str) -> float:
        return _median([getattr(r, attr) for r in by[c]])

    def fmt_load(load: tuple[float, ...]) -> str:
        return " / ".join(f"{x:.2f}" for x in load)

    ratio = (f"{_median(ratios):.2f} (min {min(ratios):.2f}, max {max(ratios):.2f})" if ratios else "n/a")
    lines = [
        f"| {len(pairs)} interleaved pairs, {'/'.join(map(str, pages))} URLs per crawl | newscrawl | bare Scrapy "
        "| newscrawl/bare |",
        "|---|---:|---:|---:|",
        f"| pages/s (median) | {med('newscrawl', 'pages_per_s'):.1f} | {med('bare', 'pages_per_s'):.1f} | {ratio} |",
        f"| pages/s without start-up (median; Scrapy's elapsed_time_seconds) | {med('newscrawl', 'crawl_pages_per_s'):.1f} "
        f"| {med('bare', 'crawl_pages_per_s'):.1f} | {_median(crawl_ratios):.2f} |",
        f"| CPU ms/page (median) | {med('newscrawl', 'cpu_ms_per_page'):.2f} | {med('bare', 'cpu_ms_per_page'):.2f} "
        f"| {med('newscrawl', 'cpu_ms_per_page') / (med('bare', 'cpu_ms_per_page') or 1):.2f} |",
        f"| peak RSS MB (median) | {med('newscrawl', 'maxrss_mb'):.0f} | {med('bare', 'maxrss_mb'):.0f} "
        f"| {med('newscrawl', 'maxrss_mb') / (med('bare', 'maxrss_mb') or 1):.2f} |",
        f"| wall s per crawl (median) | {med('newscrawl', 'wall_s'):.1f} | {med('bare', 'wall_s'):.1f} | |",
        f"| machine load 1/5/15 min | before {fmt_load(load_before)} | after {fmt_load(load_after)} | |",
    ]
    return "\n".join(lines)


def memory_table(runs: list[Run]) -> str:
    lines = ["| crawl | pair | pages | RSS after first pages | RSS at end | growth | peak RSS |",
             "|---|---:|---:|---:|---:|---:|---:|"]
    for r in runs:
        f = memory_figures(r)
        if f:
            lines.append(f"| {r.crawler} | {r.pair} | {r.pages} | {f['rss_at_mark_mb']:.0f} MB (page "
                         f"{f['mark_pages']:.0f}) | {f['rss_end_mb']:.0f} MB | {f['growth_mb']:+.0f} MB "
                         f"| {f['peak_mb']:.0f} MB |")
    return "\n".join(lines)


def du_mb(root: Path) -> float:
    total = 0
    for dirpath, _, names in os.walk(root):
        for name in names:
            try:
                total += os.lstat(os.path.join(dirpath, name)).st_blocks * 512
            except OSError:
                pass
    return total / 1e6


# --- main --------------------------------------------------------------------------------------

def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, help="articles in the demo outlet (default 3000; 100000 with --memory; "
                        "200 with --quick)")
    parser.add_argument("--pairs", type=int, help="interleaved newscrawl/bare pairs (default 3; 1 with --memory "
                        "or --quick)")
    parser.add_argument("--quick", action="store_true", help="smoke run: 200 articles, one pair")
    parser.add_argument("--memory", action="store_true", help="sample each crawl's RSS and print its growth "
                        "(issue 13 item 5; --size 100000 recommended)")
    parser.add_argument("--interval", type=float, default=1.0, help="RSS sampling interval with --memory (s)")
    parser.add_argument("--snapshot", type=Path, help="build the snapshot here, or reuse it when it holds one "
                        "of this size (default: a temp folder, deleted)")
    parser.add_argument("--keep", type=Path, help="keep every run's feeds and logs under this folder")
    parser.add_argument("--json", type=Path, help="also write every run's figures as JSON here")
    args = parser.parse_args(argv)
    if args.size is None:
        args.size = 100_000 if args.memory else 200 if args.quick else 3000
    if args.pairs is None:
        args.pairs = 1 if args.memory or args.quick else 3
    if args.size < 60 or args.pairs < 1:
        parser.error("--size must be at least 60 (the demo's minimum) and --pairs at least 1")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    began = time.monotonic()
    nginx_bin = find_nginx()
    if nginx_bin is None:
        print("bench-crawl needs nginx to serve the snapshot: apt-get install nginx (as root), then run again",
              file=sys.stderr)
        return 2
    with tempfile.TemporaryDirectory(prefix="bench-crawl-") as tmp_name:
        tmp = Path(tmp_name)
        snap_root = (args.snapshot or tmp / "snapshot").resolve()
        snap = Snapshot.load(snap_root, args.size)
        if snap is not None and not port_is_free(snap.port):
            print(f"{snap_root}: its pages name port {snap.port}, which is busy now; rebuilding on a free port",
                  file=sys.stderr)
            snap = None
        if snap is None:
            say(f"building the snapshot of {OUTLET_NAME} ({args.size} articles) in {snap_root} ...")
            try:
                snap = build_snapshot(snap_root, args.size, free_port())
            except (SnapshotError, RuntimeError) as exc:
                print(f"snapshot: {exc}", file=sys.stderr)
                return 1
            say(f"snapshot built in {snap.build_s:.1f} s")
        else:
            say(f"reusing the snapshot in {snap_root} (built in {snap.build_s:.1f} s)")
        say(f"snapshot: {snap.urls} files ({snap.lists} list pages, {snap.urls - snap.lists - 2} article URLs for "
            f"{snap.articles} article ids), {snap.bytes / 1e6:.1f} MB of bodies, {du_mb(snap_root):.1f} MB on disk; "
            f"a crawl requests {snap.crawl_urls} URLs")
        runs: list[Run] = []
        problems: list[str] = []
        try:
            with serving(nginx_bin, snap, tmp / "nginx") as nginx:
                mismatch = nginx.check()
                if mismatch:
                    print(f"nginx does not serve what the demo answered: {mismatch[0]}", file=sys.stderr)
                    return 1
                say(f"nginx {nginx_version(nginx_bin)} serving it at {nginx.base_url} (one worker, access log off; "
                    f"Content-Type per path as the demo: {', '.join(sorted(set(snap.content_types.values())))})")
                say("settings of both crawls: " + " ".join(f"{k}={v}" for k, v in BENCH_SETTINGS.items()))
                load_before = os.getloadavg()
                say(f"machine load before: {' / '.join(f'{x:.2f}' for x in load_before)} ({os.cpu_count()} cores)")
                for pair in range(1, args.pairs + 1):
                    order = ("newscrawl", "bare") if pair % 2 else ("bare", "newscrawl")
                    for crawler in order:
                        out = (args.keep.resolve() if args.keep else tmp / "runs") / f"{pair}-{crawler}"
                        if out.exists():
                            shutil.rmtree(out)
                        run = run_one(crawler, pair, nginx, out, args.memory, args.interval)
                        check_outputs(run, out, snap, nginx.base_url)
                        runs.append(run)
                        say(f"pair {pair} {crawler:9}: {run.pages} pages in {run.wall_s:.1f} s = "
                            f"{run.pages_per_s:.1f} pages/s ({run.crawl_pages_per_s:.1f} without start-up), CPU {run.cpu_ms_per_page:.2f} ms/page "
                            f"(user+sys {run.cpu_s:.1f} s), peak RSS {run.maxrss_mb:.0f} MB; {run.note}")
                        for p in run.problems:
                            say(f"  PROBLEM: {p}")
                        problems += run.problems
                load_after = os.getloadavg()
        except RuntimeError as exc:
            print(f"nginx: {exc}", file=sys.stderr)
            return 1
    counts = {c: sorted({r.pages for r in runs if r.crawler == c}) for c in ("newscrawl", "bare")}
    same = counts["newscrawl"] == counts["bare"] and len(counts["newscrawl"]) == 1
    say("")
    say(f"URLs fetched: newscrawl {counts['newscrawl']}, bare {counts['bare']} per crawl"
        + (" (the same in every run)" if same else " (DIFFERENT)"))
    if not same:
        problems.append("newscrawl and the bare spider fetched different numbers of URLs")
    say("")
    say(summary_table(runs, load_before, load_after))
    if args.memory:
        say("")
        say(memory_table(runs))
        for c in ("newscrawl", "bare"):
            growth = [memory_figures(r).get("growth_mb", 0.0) for r in runs if r.crawler == c]
            say(f"{c}: RSS growth after the first pages {', '.join(f'{g:+.0f}' for g in growth)} MB")
    if args.json:
        args.json.write_text(json.dumps({"snapshot": {k: v for k, v in asdict(snap).items() if k != "root"},
                                         "settings": BENCH_SETTINGS, "load_before": load_before,
                                         "load_after": load_after, "runs": [asdict(r) for r in runs]}, indent=1))
    say(f"\nbench-crawl took {(time.monotonic() - began) / 60:.1f} min")
    if problems:
        say(f"{len(problems)} problem(s): the figures above are not comparable")
        return 1
    say("checks: both crawlers fetched the same URLs; newscrawl exported every article of the snapshot "
        "(its feeds match the demo truth)")
    return 0


def nginx_version(binary: str) -> str:
    done = subprocess.run([binary, "-v"], capture_output=True, text=True, check=False)
    return (done.stderr or done.stdout).strip().rsplit("/", 1)[-1]


if __name__ == "__main__":
    sys.exit(main())
