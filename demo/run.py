"""`make demo`: serve the demo outlets, crawl each with the real `scrapy crawl`, summarise the feeds.

Runs the same commands a user would: ``scrapy crawl news21tongsin`` (catalog spider,
다다미디어 CMS), ``scrapy crawl ndsoft -a base_url=... -a slug=hanbitilbo`` (family
spider, NDSoft CMS, EUC-KR pages) and ``scrapy crawl dada -a base_url=... -a slug=nurinews``
(family spider, 다다미디어 CMS), each against its own demo server, one after the other with one
shared state (``--out/state.sqlite``, kept between runs). Each
crawl writes ``articles.jsonl``, ``articles.csv``, ``rejects.jsonl`` and ``crawl.log`` into
``--out/<slug>/``; the three feeds are then merged into ``--out`` (the combined dataset of
all outlets, CSV with one header row), the logs into ``--out/crawl.log``. Each outlet's feeds are checked against the truth
its demo knows, and the press releases every outlet runs (truth key ``release``) are
counted in the combined feed. Exits non-zero when a crawl failed or a feed disagrees with its truth.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import re
import shutil
import sqlite3
import subprocess
import sys
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from demo.outlets import BROWSER_OUTLETS, OUTLETS, RUN_OUTLETS, DemoOutlet

PROJECT_ROOT = Path(__file__).resolve().parents[1]
#: The demo's state store, shared by its outlets and kept between `make demo` runs.
STATE_FILE = "state.sqlite"
SERVE_LINE = re.compile(r"demo serving (http://\S+)")
#: Fields compared with the truth (crawl-time fields like url and crawled_at differ by design).
COMPARED_FIELDS = ("canonical_url", "article_id", "site", "site_name", "section", "title", "subtitles", "authors",
                   "bylines", "published_at", "published_at_raw", "modified_at", "modified_at_raw", "body", "images",
                   "language", "content_hash")


#: The demo outlets' ports in ``make demo`` (tests use free ones).
DEMO_PORTS = {"dada": 8721, "ndsoft": 8722, "nurinews": 8723, "jscms": 8724}
#: Where Debian's chromium lives (what newscrawl launches for rendered pages).
CHROMIUM_PATHS = ("/usr/lib/chromium/chromium", "/usr/bin/chromium")


def start_server(size: int, seed: int | None = None, outlet: str = "dada",
                 port: int = 0) -> tuple[subprocess.Popen[str], str]:
    """Start ``python -m demo serve --port PORT [--outlet X]`` and return (process, base_url); port 0: a free one."""
    cmd = [sys.executable, "-m", "demo", "serve", "--port", str(port), "--size", str(size)]
    if seed is not None:
        cmd += ["--seed", str(seed)]
    if outlet != "dada":
        cmd += ["--outlet", outlet]
    proc = subprocess.Popen(cmd, cwd=PROJECT_ROOT, stdout=subprocess.PIPE, text=True)
    assert proc.stdout is not None
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        line = proc.stdout.readline()
        if not line:
            break
        match = SERVE_LINE.search(line)
        if match:
            return proc, match.group(1)
    proc.kill()
    raise RuntimeError("demo server did not start (no 'demo serving' line)")


def crawl_command(base_url: str | None, out: Path, extra: list[str] | None = None,
                  spider: str = "news21tongsin", state: Path | None = None, incremental: bool = False) -> list[str]:
    """The `scrapy crawl` command line used by the demo and the end-to-end tests.

    Feeds: ``-O`` (complete files: every article, known ones from the state); ``incremental``: ``-o``
    (appended: only what this run found new; the caller empties the files first to see one run's).

    ``base_url=None`` for a spider that takes no ``base_url`` (``articles``: its input lists the URLs).
    ``state``: the SQLite state file (default ``out/state.sqlite``: each output folder remembers its own runs).
    """
    state = state or out / "state.sqlite"
    return [
        sys.executable, "-m", "scrapy", "crawl", spider,
        *(["-a", f"base_url={base_url}"] if base_url else []),
        "-o" if incremental else "-O", str(out / "articles.jsonl"),
        "-o" if incremental else "-O", str(out / "articles.csv"),
        "-s", f"NEWSCRAWL_REJECTS_URI={out / 'rejects.jsonl'}",
        "-s", "NEWSCRAWL_REJECTS_OVERWRITE=true",
        "-s", f"NEWSCRAWL_STATE_URI=sqlite:///{state.resolve()}",
        # A local copy needs no politeness delay.
        "-s", "DOWNLOAD_DELAY=0", "-s", "AUTOTHROTTLE_ENABLED=false", "-s", "CONCURRENT_REQUESTS_PER_DOMAIN=8",
        *(extra or []),
    ]


def read_jsonl(path: Path) -> list[dict]:
    if not path.exists():
        return []
    with path.open(encoding="utf-8") as fh:
        return [json.loads(line) for line in fh if line.strip()]


def outlet_crawl_command(outlet: DemoOutlet, base_url: str, out: Path, extra: list[str] | None = None,
                         state: Path | None = None, incremental: bool = False) -> list[str]:
    """The `scrapy crawl` command line for one demo outlet (its spider and spider arguments)."""
    return crawl_command(base_url, out, [*outlet.spider_args, *(extra or [])], spider=outlet.spider, state=state,
                         incremental=incremental)


def known_ids(state: Path) -> set[str]:
    """Article ids a state file already holds (empty when there is none yet).

    Read with plain ``sqlite3`` from the documented layout (``newscrawl/state/store.py``:
    ``article.site`` numbers the ``site.prefix`` before the last ``:``, 0 = none;
    ``article.local`` is the part after it, ``local_text`` when it is not decimal) rather
    than through ``newscrawl.state``, whose near-duplicate index imports the crawler's
    text code that the demo must stay independent of. Only read, but opened read-write
    (never created): the last connection to close removes SQLite's ``-wal``/``-shm`` files,
    which a read-only one would leave behind in the output folder.
    """
    if not state.exists():
        return set()
    conn = sqlite3.connect(f"{state.resolve().as_uri()}?mode=rw", uri=True)
    try:
        tables = {name for (name,) in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        if not {"article", "site"} <= tables:  # a file no crawl has written to yet
            return set()
        rows = conn.execute("SELECT coalesce(s.prefix || ':', '') || coalesce(a.local_text, a.local) "
                            "FROM article a LEFT JOIN site s ON s.id = a.site AND a.site != 0")
        return {article_id for (article_id,) in rows}
    finally:
        conn.close()


def check_clusters(items: list[dict], truths: list[list[dict]]) -> list[str]:
    """Near-duplicate marks against the truth: one cluster per press release, no cluster for anything else."""
    problems: list[str] = []
    release_of = {r["article_id"]: r.get("release") for truth in truths for r in truth}
    by_release: dict[str, list[dict]] = {}
    for item in items:
        label = release_of.get(item.get("article_id"))
        if label:
            by_release.setdefault(label, []).append(item)
        elif item.get("duplicate_of") or item.get("cluster_id") != item.get("article_id"):
            problems.append(f"{item.get('article_id')} is no press release but was clustered with "
                            f"{item.get('cluster_id')}")
    for label, members in sorted(by_release.items()):
        clusters = {m.get("cluster_id") for m in members}
        if len(clusters) != 1:
            problems.append(f"release {label}: its {len(members)} copies fell into clusters {sorted(map(str, clusters))}")
            continue
        firsts = [m for m in members if not m.get("duplicate_of")]
        if len(firsts) > 1:
            problems.append(f"release {label}: {len(firsts)} copies lack duplicate_of (only the first may)")
    return problems


def merge_feeds(parts: list[Path], out: Path) -> dict[str, int]:
    """Concatenate each part's JSONL feeds and CSV (one header row) into ``out``; rows per file."""
    counts: dict[str, int] = {}
    for name in ("articles.jsonl", "rejects.jsonl"):
        lines = [line for part in parts if (part / name).exists()
                 for line in (part / name).read_text("utf-8").splitlines() if line.strip()]
        (out / name).write_text("".join(line + "\n" for line in lines), "utf-8")
        counts[name] = len(lines)
    header: list[str] | None = None
    rows = 0
    with (out / "articles.csv").open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh)
        for part in parts:
            if not (part / "articles.csv").exists():
                continue
            with (part / "articles.csv").open(encoding="utf-8", newline="") as src:
                reader = csv.reader(src)
                part_header = next(reader, None)
                if part_header is None:
                    continue
                if header is None:
                    header = part_header
                    writer.writerow(header)
                elif part_header != header:
                    raise ValueError(f"{part / 'articles.csv'}: columns differ from the first feed's")
                for row in reader:
                    writer.writerow(row)
                    rows += 1
    counts["articles.csv"] = rows
    return counts


def expand_known(truth: list[dict], known: set[str] | frozenset[str]) -> set[str]:
    """A re-post and its original are one article: if either was exported before, neither is expected now."""
    pairs = [(r["article_id"], r["duplicate_of"]) for r in truth if r["expect"] == "duplicate"]
    return set(known) | {x for pair in pairs if set(pair) & set(known) for x in pair}


def compare_with_truth(items: list[dict], rejects: list[dict], truth: list[dict],
                       known: set[str] | frozenset[str] = frozenset()) -> list[str]:
    """Human-readable problems (empty when the feeds match the truth).

    ``known``: article ids exported by earlier runs with the same state; they must not come again.
    """
    problems: list[str] = [f"{i.get('article_id')} was exported by an earlier run and again now"
                           for i in items if i.get("article_id") in known]
    known = expand_known(truth, known)
    truth = [r for r in truth if r["article_id"] not in known]
    by_id = Counter(i.get("article_id") for i in items)
    problems += [f"{aid} exported {n} times" for aid, n in by_id.items() if n > 1]
    exported = {i.get("article_id"): i for i in items}
    rejected = {r.get("article_id"): r for r in rejects}
    # A re-post and its original: whichever the crawl reached first is kept (checked below).
    reposted = {r["duplicate_of"]: r["article_id"] for r in truth if r["expect"] == "duplicate"}
    for record in truth:
        aid, expect = record["article_id"], record["expect"]
        if expect == "item":
            item = exported.get(aid)
            if item is None:
                if reposted.get(aid) in exported:
                    continue
                problems.append(f"{aid} missing from the feed")
                continue
            for field in COMPARED_FIELDS:
                if item.get(field) != record["item"].get(field):
                    problems.append(f"{aid}.{field}: got {item.get(field)!r}, truth {record['item'].get(field)!r}")
        elif expect == "deleted" and aid in exported:
            problems.append(f"{aid} is deleted on the site but was exported")
        elif expect == "reject":
            if aid in exported:
                problems.append(f"{aid} should be rejected ({record['reject_reason']}) but was exported")
            elif aid not in rejected:
                if not known:  # an incremental run stops before old pages: old rejects are not fetched again
                    problems.append(f"{aid} missing from the rejects feed")
            elif record["reject_reason"] not in rejected[aid].get("reject_reason", ""):
                problems.append(f"{aid} rejected for {rejected[aid].get('reject_reason')!r}, "
                                f"expected {record['reject_reason']!r}")
        elif expect == "duplicate":
            original = record["duplicate_of"]
            if (aid in exported) == (original in exported):
                problems.append(f"{aid} and its original {original}: exactly one must be exported")
    truth_ids = {r["article_id"] for r in truth}
    problems += [f"{aid} exported but unknown to the demo" for aid in exported if aid not in truth_ids]
    return problems


@dataclass
class OutletRun:
    """One outlet's server, crawl and results within ``make demo``."""

    outlet: DemoOutlet
    out: Path
    server: subprocess.Popen[str] | None = None
    base_url: str = ""
    crawl: subprocess.Popen[bytes] | None = None
    returncode: int = -1
    elapsed: float = 0.0

    @property
    def log(self) -> Path:
        return self.out / "crawl.log"


def _summary_line(log: Path) -> str:
    text = log.read_text("utf-8") if log.exists() else ""
    return next((line.split("newscrawl summary", 1)[1].strip() for line in text.splitlines()
                 if "newscrawl summary" in line), "(no summary line)")


def _stat(log: Path, name: str) -> int:
    m = re.search(rf"'{re.escape(name)}': (\d+)", log.read_text("utf-8") if log.exists() else "")
    return int(m.group(1)) if m else 0


def _report(run: OutletRun, size: int) -> tuple[list[str], list[dict]]:
    """Print one outlet's summary lines; returns its problems against the truth, and the truth."""
    items = read_jsonl(run.out / "articles.jsonl")
    rejects = read_jsonl(run.out / "rejects.jsonl")
    truth = list(run.outlet.make_site(size).truth(run.base_url))
    sections = Counter(i.get("section") for i in items)
    o = run.outlet
    print(f"{o.slug} ({o.name}, {o.cms} CMS, `scrapy crawl {o.spider}`) finished in {run.elapsed:.1f}s: "
          f"{_summary_line(run.log)}")
    print(f"  {run.out / 'articles.jsonl'}: {len(items)} articles "
          f"({', '.join(f'{k} {v}' for k, v in sections.items())})")
    print(f"  {run.out / 'rejects.jsonl'}: {len(rejects)} rejects "
          f"({', '.join(sorted(r.get('reject_reason', '?') for r in rejects)) or 'none'})")
    repaired = _stat(run.log, "newscrawl/charset/repaired")
    if repaired:
        print(f"  charset repaired on {repaired} page(s) (see the log)")
    rendered = _stat(run.log, "newscrawl/render/pages")
    if rendered:
        text = run.log.read_text("utf-8")
        cheaper = re.search(r"'newscrawl/render/probe/cheaper_path': '(\w+)'", text)
        print(f"  rendered in Chromium: {_stat(run.log, 'newscrawl/render/pages/list')} list page(s) "
              f"({_stat(run.log, 'newscrawl/render/clicks')} clicks on 더보기), "
              f"{_stat(run.log, 'newscrawl/render/pages/article')} article page(s) "
              f"({_stat(run.log, 'newscrawl/render/article_fallback')} with a body written by script); "
              f"charset fixed before rendering on {_stat(run.log, 'newscrawl/render/charset_repaired')}; "
              + (f"cheaper path: {cheaper.group(1)} gives the same links without a browser (see the log)"
                 if cheaper else "no cheaper path checked or found"))
    # -O writes a complete file: known articles come from the state, so every run holds the whole truth.
    problems = compare_with_truth(items, rejects, truth)
    expected = sum(1 for r in truth if r["expect"] == "item")
    stored = _stat(run.log, "newscrawl/store/from_store")
    new = _stat(run.log, "item_scraped_count") - stored
    if new < stored:
        print(f"  {stored - new} articles known from earlier runs (state {run.out.parent / STATE_FILE}) written "
              f"from the state without fetching them again; {new} new")
    copies = sum(1 for r in truth if r.get("release"))
    if problems:
        print(f"  feeds DISAGREE with the {o.slug} truth ({len(problems)} problems):", file=sys.stderr)
        for p in problems[:30]:
            print(f"  - {p}", file=sys.stderr)
    else:
        print(f"  feeds match the {o.slug} truth: {expected} articles expected ({copies} press-release copies"
              " in the site), every field equal")
    return problems, truth


def release_summary(truths: list[list[dict]], items: list[dict]) -> str:
    """One line on the shared press releases: labels in the truths, and their copies found in the combined feed."""
    copies: dict[str, set[str]] = {}
    for truth in truths:
        for record in truth:
            if record.get("release"):
                copies.setdefault(record["release"], set()).add(record["article_id"])
    if not copies:
        return "press releases: none in the truth"
    exported = {i.get("article_id") for i in items}
    found = sum(len(ids & exported) for ids in copies.values())
    per_label = sorted({len(ids) for ids in copies.values()})
    labels = sorted(copies, key=lambda label: (len(label), label))
    return (f"press releases: {len(copies)} labels ({labels[0]}..{labels[-1]}), "
            f"{'/'.join(map(str, per_label))} outlet copies each; {found} of "
            f"{sum(map(len, copies.values()))} copies in the combined feed (truth key 'release')")


def has_chromium() -> bool:
    return any(os.access(path, os.X_OK) for path in CHROMIUM_PATHS) or shutil.which("chromium") is not None


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m demo run", description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path("output/demo"), help="folder for the feeds")
    parser.add_argument("--size", type=int, default=80, help="number of articles per demo outlet (default 80)")
    parser.add_argument("--outlet", action="append", choices=sorted(RUN_OUTLETS),
                        help="crawl only this outlet (repeatable; default: every demo outlet)")
    parser.add_argument("--fresh", action="store_true",
                        help=f"forget earlier runs (delete OUT/{STATE_FILE}) before crawling")
    args = parser.parse_args(argv)

    out: Path = args.out.resolve()
    out.mkdir(parents=True, exist_ok=True)
    state = out / STATE_FILE
    if args.fresh:
        for suffix in ("", "-wal", "-shm"):
            Path(f"{state}{suffix}").unlink(missing_ok=True)
    known = known_ids(state)
    keys = args.outlet or list(RUN_OUTLETS)
    if not has_chromium():
        for key in [k for k in keys if k in BROWSER_OUTLETS]:
            print(f"skipping {OUTLETS[key].slug} ({OUTLETS[key].name}): its lists are built by JavaScript and "
                  "Chromium is not installed: apt-get install chromium", file=sys.stderr)
            keys.remove(key)
    runs = [OutletRun(OUTLETS[key], out / OUTLETS[key].slug) for key in keys]
    env = {**os.environ, "PYTHONPATH": str(PROJECT_ROOT)}
    try:
        for run in runs:
            run.out.mkdir(parents=True, exist_ok=True)
            # A fixed port per outlet, as a real site keeps its address: known articles written from the
            # state on a later run carry the same URLs as fetched ones.
            port = DEMO_PORTS.get(run.outlet.key, 0)
            try:
                run.server, run.base_url = start_server(args.size, outlet=run.outlet.key, port=port)
            except RuntimeError:
                print(f"port {port} is busy: {run.outlet.slug} is served on another port, so articles known "
                      "from earlier runs keep their earlier URLs (run with --fresh to compare)", file=sys.stderr)
                run.server, run.base_url = start_server(args.size, outlet=run.outlet.key)
        print(f"demo outlets ({args.size} articles each): "
              + ", ".join(f"{r.outlet.slug} at {r.base_url}" for r in runs)
              + f"; state {state} ({len(known)} articles known); crawling with scrapy ...", flush=True)
        for run in runs:
            # One after the other, sharing one state: press releases cluster across outlets the same way every run.
            started = time.monotonic()
            with run.log.open("w", encoding="utf-8") as fh:
                run.crawl = subprocess.Popen(outlet_crawl_command(run.outlet, run.base_url, run.out, state=state),
                                             cwd=PROJECT_ROOT, stdout=fh, stderr=subprocess.STDOUT, env=env)
                run.returncode = run.crawl.wait()
            run.elapsed = time.monotonic() - started
    finally:
        for run in runs:
            if run.crawl is not None and run.crawl.poll() is None:
                run.crawl.kill()
            if run.server is not None:
                run.server.terminate()
                run.server.wait(timeout=10)
    failed = [r for r in runs if r.returncode != 0]
    for run in failed:
        print(f"scrapy crawl {run.outlet.spider} failed (exit {run.returncode}); see {run.log}", file=sys.stderr)
    if failed:
        return failed[0].returncode or 1
    reports = [_report(run, args.size) for run in runs]
    problems = [p for run_problems, _ in reports for p in run_problems]
    counts = merge_feeds([r.out for r in runs], out)
    cluster_problems = check_clusters(read_jsonl(out / "articles.jsonl"), [truth for _, truth in reports])
    problems += cluster_problems
    # The combined log, as before there were several outlets: each crawl's log in turn.
    (out / "crawl.log").write_text("".join(f"===== {r.outlet.slug}: {r.log} =====\n" + r.log.read_text("utf-8")
                                           for r in runs), "utf-8")
    print(f"combined dataset of {len(runs)} outlet(s):")
    print(f"  {out / 'articles.jsonl'}: {counts['articles.jsonl']} articles")
    print(f"  {out / 'articles.csv'}: {counts['articles.csv']} rows")
    print(f"  {out / 'rejects.jsonl'}: {counts['rejects.jsonl']} rejects")
    print(f"  {out / 'crawl.log'}: the crawl logs, one after the other")
    print(release_summary([truth for _, truth in reports], read_jsonl(out / "articles.jsonl")))
    if cluster_problems:
        print(f"near-duplicate clusters DISAGREE with the truth ({len(cluster_problems)} problems):", file=sys.stderr)
        for p in cluster_problems[:30]:
            print(f"  - {p}", file=sys.stderr)
    else:
        print("near-duplicate clusters match the truth: one cluster per press release, none for other articles")
    # The crawl dashboard of every demo run so far (each outlet's run reports are beside its feeds).
    report = [sys.executable, "-m", "scrapy", "report", "-O", str(out / "report.html"),
              *(arg for run in runs for arg in ("--runs", str(run.out / "runs"))), "--uri", f"sqlite:///{state}"]
    dashboard = subprocess.run(report, cwd=PROJECT_ROOT, capture_output=True, text=True, env=env, timeout=300)
    if dashboard.returncode == 0:
        print(f"  {out / 'report.html'}: the crawl dashboard (open it in a browser; `scrapy report`)")
    else:
        problems.append("scrapy report failed: " + (dashboard.stderr.strip().splitlines() or ["?"])[-1])
        print(f"scrapy report failed (exit {dashboard.returncode}): {dashboard.stderr[-500:]}", file=sys.stderr)
    print(f"state: {state} (run `make demo` again: the same dataset, known articles from the state without "
          "fetching them; `make demo-reset` forgets)")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
