"""The README's dashboard picture: a report built from synthetic runs and a filled store, shot in Chromium.

    python scripts/dashboard_screenshot.py [--out docs/dashboard.png] [--html report.html] [--keep DIR]

Writes two weeks of made-up run reports for four outlets (one crawl that failed its health
checks, one that was stopped, rejects) and a state store holding their articles (some
press releases copied by several outlets, so near-duplicate clusters span outlets), runs
``scrapy report`` on them (the real command, as a user would), and saves a screenshot of
the page through Playwright with Debian's ``chromium``. Nothing touches the network; the
data is the same on every run (only the "Generated" line and the temporary paths differ).

:func:`write_sample` is also the data of the browser test (``tests/e2e/test_dashboard.py``).
"""

from __future__ import annotations

import argparse
import io
import json
import os
import subprocess
import sys
import tempfile
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from newscrawl import __version__  # noqa: E402
from newscrawl.parsing.dates import KST  # noqa: E402
from newscrawl.state.store import open_store  # noqa: E402

CHROMIUM_PATHS = ("/usr/bin/chromium", "/usr/lib/chromium/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"]
#: The sample's last day (fixed, so the picture does not depend on the day it is taken).
LAST_DAY = datetime(2026, 11, 30, tzinfo=KST)
DAYS = 14
OUTLETS = {"news21tongsin": "뉴스21 통신", "joongboo": "중부일보", "incheonilbo": "인천일보", "kado": "강원도민일보"}
#: Made-up headlines (not taken from any site).
TOPICS = ("지역 축제 일정 발표", "도시철도 연장 계획", "겨울철 난방비 지원", "청년 창업 공모전", "하천 정비 사업 착공",
          "시립도서관 야간 개관", "전통시장 주차장 확충", "초등학교 통학로 정비", "농산물 직거래 장터", "공공자전거 확대")
RELEASES = ("도청, 내년 예산안 12조 원 편성", "시, 미세먼지 저감 대책 발표", "교육청, 겨울방학 돌봄교실 운영",
            "소방본부, 화재 예방 주의 당부", "보건소, 독감 예방접종 연장")


def chromium() -> str | None:
    """The first installed Chromium binary of :data:`CHROMIUM_PATHS`, or None."""
    return next((p for p in CHROMIUM_PATHS if os.path.exists(p)), None)


def _checks(site: str, items: int, *, failed_authors: bool = False, reason: str = "finished") -> list[dict[str, Any]]:
    checks = [{"name": "finish_reason", "status": "passed" if reason == "finished" else "failed", "value": reason,
               "limit": "finished", "message": f"finish reason {reason!r}"},
              {"name": "http_error_rate", "status": "passed", "value": 0.01, "limit": 0.2, "message": "HTTP error rate"},
              {"name": "lost_rate", "status": "passed", "value": 0.0, "limit": 0.1, "message": "lost rate"},
              {"name": "reject_rate", "status": "passed" if items >= 5 else "skipped", "value": 0.02, "limit": 0.2,
               "message": "reject rate"}]
    for field, floor in (("title", 0.99), ("published_at", 0.99), ("body", 0.99), ("authors", 0.5)):
        bad = failed_authors and field == "authors"
        checks.append({"name": f"coverage:{field}", "status": "failed" if bad else "passed" if items >= 5 else "skipped",
                       "value": 0.12 if bad else 1.0, "limit": floor, "site": site, "items": items,
                       "message": f"{field} coverage {0.12 if bad else 1.0:.2f} {'<' if bad else '>='} {floor:.2f} "
                                  f"(site {site}, {items} items)"})
    return checks


def run_report(site: str, started: datetime, seconds: float, exported: int, rejected: dict[str, int], *,
               failed_authors: bool = False, reason: str = "finished") -> dict[str, Any]:
    """A run report shaped like :mod:`newscrawl.extensions.report` writes it (the fields the dashboard reads)."""
    checks = _checks(site, exported, failed_authors=failed_authors, reason=reason)
    failed = [c["name"] for c in checks if c["status"] == "failed"]
    return {"spider": site, "site": site, "sites": [site], "started_at": started.astimezone(UTC).isoformat(),
            "finished_at": (started + timedelta(seconds=seconds)).astimezone(UTC).isoformat(),
            "duration_seconds": round(seconds, 3), "finish_reason": reason, "exit_status": 3 if failed else 0,
            "counts": {"exported": exported, "rejected": sum(rejected.values()),
                       "rejected_by_reason": dict(sorted(rejected.items()))},
            "coverage": {site: {"items": exported, "fields": {"title": 1.0}}},
            "health": {"enabled": True, "passed": not failed, "failed": failed, "checks": checks},
            "versions": {"newscrawl": __version__}}


def _item(site: str, number: int, title: str, published: datetime, *, cluster: str | None,
          authors: bool = True, section: bool = True) -> dict[str, Any]:
    article_id = f"{site}:{number}"
    return {"url": f"https://{site}.example/news/articleView.html?idxno={number}",
            "canonical_url": f"https://{site}.example/news/articleView.html?idxno={number}",
            "article_id": article_id, "site": site, "site_name": OUTLETS[site], "section": "사회" if section else None,
            "title": title, "subtitles": [], "authors": ["김기자"] if authors else [], "bylines": [],
            "published_at": published.isoformat(), "modified_at": None, "body": f"{title}. 본문 " * 20,
            "images": [{"src": f"https://{site}.example/photo/{number}.jpg"}] if number % 3 else [],
            "language": "ko", "crawled_at": published.astimezone(UTC).isoformat(), "revision": 1,
            "cluster_id": cluster or article_id}


def write_sample(folder: Path) -> tuple[Path, str]:
    """Two weeks of run reports under ``folder/runs`` and a store ``folder/state.sqlite``: (runs folder, state URI)."""
    runs = folder / "runs"
    state_uri = f"sqlite:///{folder / 'state.sqlite'}"
    store = open_store(state_uri)
    first = LAST_DAY - timedelta(days=DAYS - 1)
    number = 1000
    release_ids: dict[int, str] = {}
    try:
        with store.batch():
            for day in range(DAYS):
                date = first + timedelta(days=day)
                for n, site in enumerate(OUTLETS):
                    count = 6 + (day * (n + 3)) % 7 + (4 if n == 0 else 0)
                    if site == "kado" and day in (5, 6):
                        count = 0  # two days without articles: the gap shows in the chart
                    for k in range(count):
                        number += 1
                        published = date + timedelta(hours=7 + k % 12, minutes=k * 7 % 60)
                        title = f"{TOPICS[(number + n) % len(TOPICS)]} ({k + 1})"
                        cluster = None
                        if k == 0 and day % 3 == 0:
                            release = (day // 3) % len(RELEASES)
                            title = RELEASES[release]
                            cluster = release_ids.setdefault(release, f"{site}:{number}")
                        item = _item(site, number, title, published, cluster=cluster,
                                     authors=not (site == "incheonilbo" and k % 2), section=site != "kado")
                        store.record(item["article_id"], url=item["url"], published_at=published)
                        store.put_item(item["article_id"], item, revision=1, stored_at=published.astimezone(UTC))
                    # Two crawls a day; one that lost its authors and one that was stopped.
                    for hour, share in ((6, 0.6), (18, 0.4)):
                        started = date.replace(hour=hour, minute=5 + n * 3)
                        seconds = 40 + count * 9 * share + (day % 4) * 20 + n * 15
                        reasons = {"body_too_short": (day + n) % 3} if (day + n) % 2 else {}
                        if site == "joongboo" and day % 4 == 1:
                            reasons["missing:published_at"] = 2
                        if site == "kado":
                            reasons["missing:title"] = day % 2
                        report = run_report(site, started, seconds, round(count * share), reasons,
                                            failed_authors=site == "incheonilbo" and day == 9 and hour == 18,
                                            reason="shutdown" if site == "kado" and day == 11 and hour == 6
                                            else "finished")
                        path = runs / site / f"{started.astimezone(UTC):%Y-%m-%dT%H-%M-%S}.json"
                        path.parent.mkdir(parents=True, exist_ok=True)
                        path.write_text(json.dumps(report, ensure_ascii=False, indent=2) + "\n", "utf-8")
    finally:
        store.close()
    return runs, state_uri


def build_report(folder: Path, html: Path) -> subprocess.CompletedProcess[str]:
    """``scrapy report`` on the sample in ``folder`` (written by :func:`write_sample`)."""
    runs, state_uri = write_sample(folder)
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.run([sys.executable, "-m", "scrapy", "report", "-O", str(html), "--runs", str(runs),
                           "--uri", state_uri], cwd=ROOT, capture_output=True, text=True, timeout=300, env=env,
                          check=False)


def screenshot(html: Path, png: Path, width: int = 1100) -> None:
    from playwright.sync_api import sync_playwright

    binary = chromium()
    if binary is None:
        raise SystemExit(f"no Chromium at {' or '.join(CHROMIUM_PATHS)} (Debian: apt-get install chromium)")
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=binary, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": width, "height": 900}, device_scale_factor=1)
            page.goto(html.resolve().as_uri())
            shot = page.screenshot(full_page=True)
        finally:
            browser.close()
    # 128 colours are plenty for flat charts and text: a third of the bytes in the repository.
    from PIL import Image

    png.parent.mkdir(parents=True, exist_ok=True)
    Image.open(io.BytesIO(shot)).convert("RGB").quantize(colors=128, method=Image.Quantize.MEDIANCUT).save(
        png, optimize=True)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "dashboard.png", help="the PNG to write")
    parser.add_argument("--html", type=Path, help="also keep the report page here")
    parser.add_argument("--keep", type=Path, help="write the sample runs and store here (default: a temporary folder)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = args.keep or Path(tmp)
        folder.mkdir(parents=True, exist_ok=True)
        html = args.html or Path(tmp) / "report.html"
        proc = build_report(folder, html)
        if proc.returncode != 0:
            print(proc.stderr, file=sys.stderr)
            return proc.returncode
        screenshot(html, args.out)
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
