"""`make demo`: serve the demo outlet, crawl it with the real `scrapy crawl`, summarise the feeds.

Runs the same command a user would (a subprocess ``scrapy crawl news21tongsin``), writes
``articles.jsonl``, ``articles.csv`` and ``rejects.jsonl`` into ``--out``, then checks the
feeds against the truth the demo knows and prints a summary. Exits non-zero when the
crawl failed or the feeds disagree with the truth.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parents[2]
SERVE_LINE = re.compile(r"demo serving (http://\S+)")
#: Fields compared with the truth (crawl-time fields like url and crawled_at differ by design).
COMPARED_FIELDS = ("canonical_url", "article_id", "site", "site_name", "section", "title", "subtitles", "authors",
                   "bylines", "published_at", "published_at_raw", "modified_at", "modified_at_raw", "body", "images",
                   "language", "content_hash")


def start_server(size: int, seed: int | None = None) -> tuple[subprocess.Popen[str], str]:
    """Start ``python -m newscrawl.demo serve --port 0`` and return (process, base_url)."""
    cmd = [sys.executable, "-m", "newscrawl.demo", "serve", "--port", "0", "--size", str(size)]
    if seed is not None:
        cmd += ["--seed", str(seed)]
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


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m newscrawl.demo run", description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path("output/demo"), help="folder for the feeds")
    parser.add_argument("--size", type=int, default=80, help="number of demo articles (default 80)")
    args = parser.parse_args(argv)

    from newscrawl.demo.content import DemoSite

    out: Path = args.out.resolve()
    out.mkdir(parents=True, exist_ok=True)
    server, base_url = start_server(args.size)
    try:
        print(f"demo outlet at {base_url} ({args.size} articles); crawling with scrapy ...", flush=True)
        log = out / "crawl.log"
        started = time.monotonic()
        with log.open("w", encoding="utf-8") as fh:
            rc = subprocess.call(crawl_command(base_url, out), cwd=PROJECT_ROOT, stdout=fh, stderr=subprocess.STDOUT,
                                 env={**os.environ, "PYTHONPATH": str(PROJECT_ROOT)})
        elapsed = time.monotonic() - started
    finally:
        server.terminate()
        server.wait(timeout=10)
    if rc != 0:
        print(f"scrapy crawl failed (exit {rc}); see {log}", file=sys.stderr)
        return rc
    items = read_jsonl(out / "articles.jsonl")
    rejects = read_jsonl(out / "rejects.jsonl")
    truth = list(DemoSite(size=args.size).truth(base_url))
    summary = next((line.split("newscrawl summary", 1)[1].strip() for line in log.read_text("utf-8").splitlines()
                    if "newscrawl summary" in line), "(no summary line)")
    sections = Counter(i.get("section") for i in items)
    print(f"crawl finished in {elapsed:.1f}s: {summary}")
    print(f"  {out / 'articles.jsonl'}: {len(items)} articles ({', '.join(f'{k} {v}' for k, v in sections.items())})")
    print(f"  {out / 'articles.csv'}: {len(items)} rows")
    print(f"  {out / 'rejects.jsonl'}: {len(rejects)} rejects "
          f"({', '.join(sorted(r.get('reject_reason', '?') for r in rejects)) or 'none'})")
    print(f"  log: {log}")
    problems = compare_with_truth(items, rejects, truth)
    expected = sum(1 for r in truth if r["expect"] == "item")
    if problems:
        print(f"feeds DISAGREE with the demo truth ({len(problems)} problems):", file=sys.stderr)
        for p in problems[:30]:
            print(f"  - {p}", file=sys.stderr)
        return 1
    print(f"feeds match the demo truth: {expected} expected articles, every field equal")
    return 0


if __name__ == "__main__":
    sys.exit(main())
