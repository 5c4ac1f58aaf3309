"""`make demo`: serve the demo outlets, crawl each with the real `scrapy crawl`, summarise the feeds.

Runs the same commands a user would: ``scrapy crawl news21tongsin`` (catalog spider,
다다미디어 CMS) and ``scrapy crawl ndsoft -a base_url=... -a slug=hanbitilbo`` (family
spider, NDSoft CMS, EUC-KR pages), in parallel, each against its own demo server. Each
crawl writes ``articles.jsonl``, ``articles.csv``, ``rejects.jsonl`` and ``crawl.log`` into
``--out/<slug>/``; the three feeds are then merged into ``--out`` (the combined dataset of
all outlets, CSV with one header row), the logs into ``--out/crawl.log``. Each outlet's feeds are checked against the truth
its demo knows. Exits non-zero when a crawl failed or a feed disagrees with its truth.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import re
import subprocess
import sys
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from newscrawl.demo.outlets import OUTLETS, DemoOutlet

PROJECT_ROOT = Path(__file__).resolve().parents[2]
SERVE_LINE = re.compile(r"demo serving (http://\S+)")
#: Fields compared with the truth (crawl-time fields like url and crawled_at differ by design).
COMPARED_FIELDS = ("canonical_url", "article_id", "site", "site_name", "section", "title", "subtitles", "authors",
                   "bylines", "published_at", "published_at_raw", "modified_at", "modified_at_raw", "body", "images",
                   "language", "content_hash")


def start_server(size: int, seed: int | None = None, outlet: str = "dada") -> tuple[subprocess.Popen[str], str]:
    """Start ``python -m newscrawl.demo serve --port 0 [--outlet X]`` and return (process, base_url)."""
    cmd = [sys.executable, "-m", "newscrawl.demo", "serve", "--port", "0", "--size", str(size)]
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
                  spider: str = "news21tongsin") -> list[str]:
    """The `scrapy crawl` command line used by the demo and the end-to-end tests.

    ``base_url=None`` for a spider that takes no ``base_url`` (``articles``: its input lists the URLs).
    """
    return [
        sys.executable, "-m", "scrapy", "crawl", spider,
        *(["-a", f"base_url={base_url}"] if base_url else []),
        "-O", str(out / "articles.jsonl"),
        "-O", str(out / "articles.csv"),
        "-s", f"NEWSCRAWL_REJECTS_URI={out / 'rejects.jsonl'}",
        "-s", "NEWSCRAWL_REJECTS_OVERWRITE=true",
        # A local copy needs no politeness delay.
        "-s", "DOWNLOAD_DELAY=0", "-s", "AUTOTHROTTLE_ENABLED=false", "-s", "CONCURRENT_REQUESTS_PER_DOMAIN=8",
        *(extra or []),
    ]


def read_jsonl(path: Path) -> list[dict]:
    if not path.exists():
        return []
    with path.open(encoding="utf-8") as fh:
        return [json.loads(line) for line in fh if line.strip()]


def outlet_crawl_command(outlet: DemoOutlet, base_url: str, out: Path, extra: list[str] | None = None) -> list[str]:
    """The `scrapy crawl` command line for one demo outlet (its spider and spider arguments)."""
    return crawl_command(base_url, out, [*outlet.spider_args, *(extra or [])], spider=outlet.spider)


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


def compare_with_truth(items: list[dict], rejects: list[dict], truth: list[dict]) -> list[str]:
    """Human-readable problems (empty when the feeds match the truth)."""
    problems: list[str] = []
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


def _report(run: OutletRun, size: int) -> list[str]:
    """Print one outlet's summary lines; returns its problems against the truth."""
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
    problems = compare_with_truth(items, rejects, truth)
    expected = sum(1 for r in truth if r["expect"] == "item")
    if problems:
        print(f"  feeds DISAGREE with the {o.slug} truth ({len(problems)} problems):", file=sys.stderr)
        for p in problems[:30]:
            print(f"  - {p}", file=sys.stderr)
    else:
        print(f"  feeds match the {o.slug} truth: {expected} expected articles, every field equal")
    return problems


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m newscrawl.demo run", description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path("output/demo"), help="folder for the feeds")
    parser.add_argument("--size", type=int, default=80, help="number of articles per demo outlet (default 80)")
    parser.add_argument("--outlet", action="append", choices=sorted(OUTLETS),
                        help="crawl only this outlet (repeatable; default: every demo outlet)")
    args = parser.parse_args(argv)

    out: Path = args.out.resolve()
    runs = [OutletRun(OUTLETS[key], out / OUTLETS[key].slug) for key in (args.outlet or list(OUTLETS))]
    env = {**os.environ, "PYTHONPATH": str(PROJECT_ROOT)}
    try:
        for run in runs:
            run.out.mkdir(parents=True, exist_ok=True)
            run.server, run.base_url = start_server(args.size, outlet=run.outlet.key)
        print(f"demo outlets ({args.size} articles each): "
              + ", ".join(f"{r.outlet.slug} at {r.base_url}" for r in runs) + "; crawling with scrapy ...", flush=True)
        started = time.monotonic()
        for run in runs:  # the crawls run in parallel, one process each
            with run.log.open("w", encoding="utf-8") as fh:
                run.crawl = subprocess.Popen(outlet_crawl_command(run.outlet, run.base_url, run.out),
                                             cwd=PROJECT_ROOT, stdout=fh, stderr=subprocess.STDOUT, env=env)
        pending = list(runs)
        while pending:
            for run in list(pending):
                assert run.crawl is not None
                if run.crawl.poll() is not None:
                    run.returncode, run.elapsed = run.crawl.returncode, time.monotonic() - started
                    pending.remove(run)
            time.sleep(0.05)
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
    problems = [p for run in runs for p in _report(run, args.size)]
    counts = merge_feeds([r.out for r in runs], out)
    # The combined log, as before there were several outlets: each crawl's log in turn.
    (out / "crawl.log").write_text("".join(f"===== {r.outlet.slug}: {r.log} =====\n" + r.log.read_text("utf-8")
                                           for r in runs), "utf-8")
    print(f"combined dataset of {len(runs)} outlet(s):")
    print(f"  {out / 'articles.jsonl'}: {counts['articles.jsonl']} articles")
    print(f"  {out / 'articles.csv'}: {counts['articles.csv']} rows")
    print(f"  {out / 'rejects.jsonl'}: {counts['rejects.jsonl']} rejects")
    print(f"  {out / 'crawl.log'}: the crawl logs, one after the other")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
