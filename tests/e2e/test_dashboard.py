"""`scrapy report -O report.html` as a user runs it, and the page in a real browser (issue 10 item 7).

The browser test opens the written page in headless Chromium (Debian's ``chromium`` through
Playwright; ``playwright install`` is not needed) with every network request blocked and
recorded: no console error, no page error, nothing fetched, and each chart section holds an
``<svg>`` with drawn shapes. It is skipped only when no Chromium binary is installed.
"""

from __future__ import annotations

import importlib.util
import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from newscrawl import __version__
from newscrawl.dashboard.page import SECTIONS
from newscrawl.state.store import SCHEMA
from tests.e2e.conftest import CrawlResult

ROOT = Path(__file__).resolve().parents[2]
_spec = importlib.util.spec_from_file_location("dashboard_screenshot", ROOT / "scripts" / "dashboard_screenshot.py")
assert _spec is not None and _spec.loader is not None
sample = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(sample)

ENV = {**os.environ, "PYTHONPATH": str(ROOT)}


def report(*args: str, cwd: Path = ROOT) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "scrapy", "report", *args], cwd=cwd, capture_output=True,
                          text=True, timeout=300, env=ENV)


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, subprocess.CompletedProcess[str]]:
    folder = tmp_path_factory.mktemp("dashboard")
    html = folder / "out" / "report.html"
    proc = sample.build_report(folder, html)
    assert proc.returncode == 0, proc.stderr[-3000:]
    return html, proc


def test_report_from_runs_and_store(built: tuple[Path, subprocess.CompletedProcess[str]]) -> None:
    html, proc = built
    assert proc.stderr == ""
    assert "report written to" in proc.stdout and "112 runs" in proc.stdout
    page = html.read_text("utf-8")
    assert page.startswith("<!DOCTYPE html>") and f"newscrawl {__version__}" in page
    assert "<script" not in page and "http://www.w3.org/2000/svg" in page
    assert "도청, 내년 예산안 12조 원 편성" in page  # a cross-outlet cluster, listed by title
    assert [p.name for p in html.parent.iterdir()] == ["report.html"]  # no temporary file left


def test_no_runs_and_no_store_still_writes_a_page(tmp_path: Path) -> None:
    out = tmp_path / "report.html"
    state = tmp_path / "state.sqlite"
    proc = report("-O", str(out), "-s", f"NEWSCRAWL_OUTPUT_DIR={tmp_path / 'output'}", "--uri", f"sqlite:///{state}")
    assert proc.returncode == 0, proc.stderr
    lines = proc.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("report: warning: no runs yet"), proc.stderr
    assert str(tmp_path / "output" / "runs") in lines[0]
    assert "No runs yet" in out.read_text("utf-8")
    assert not state.exists()  # reading never creates a state


def test_a_corrupt_run_report_is_skipped_named_and_counted(tmp_path: Path) -> None:
    runs = tmp_path / "runs" / "a"
    runs.mkdir(parents=True)
    good = sample.run_report("a", sample.LAST_DAY, 30.0, 5, {})
    (runs / "2026-11-30T00-00-00.json").write_text(json.dumps(good), "utf-8")
    bad = runs / "2026-11-30T01-00-00.json"
    bad.write_text('{"started_at": ', "utf-8")
    out = tmp_path / "report.html"
    out.write_text("the old page", "utf-8")
    proc = report("-O", str(out), "--runs", str(tmp_path / "runs"), "--uri", "memory://")
    assert proc.returncode == 0, proc.stderr
    assert f"report: skipped {bad}: not JSON" in proc.stderr
    page = out.read_text("utf-8")
    assert "1 run report file(s) could not be read" in page and str(bad) in page
    assert "<b>1</b>runs" in page


@pytest.mark.parametrize(("args", "message"), [
    (["--since", "yesterday"], "--since='yesterday' is not a date"),
    (["--since", "2026-11-01", "--days", "3"], "give --since or --days, not both"),
    (["--days", "0"], "--days=0"),
    ([], "give the page to write: -O report.html"),
    (["--uri", "redis://x"], "unsupported state URI"),
])
def test_bad_arguments_are_one_line(tmp_path: Path, args: list[str], message: str) -> None:
    out = ["-O", str(tmp_path / "r.html")] if args != [] else []
    proc = report(*out, *args)
    assert proc.returncode == 2
    assert message in proc.stderr and "Traceback" not in proc.stderr
    assert not (tmp_path / "r.html").exists()


# -- the browser test ----------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def browser_page(built: tuple[Path, subprocess.CompletedProcess[str]]) -> Any:
    binary = sample.chromium()
    if binary is None:
        pytest.skip(f"no Chromium binary at {' or '.join(sample.CHROMIUM_PATHS)}")
    from playwright.sync_api import sync_playwright

    html, _proc = built
    messages: list[tuple[str, str]] = []
    errors: list[str] = []
    requests: list[str] = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=binary, args=sample.CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1100, "height": 900})
            page.on("console", lambda m: messages.append((m.type, m.text)))
            page.on("pageerror", lambda e: errors.append(str(e)))

            def route(r: Any) -> None:
                if r.request.url != html.resolve().as_uri():
                    requests.append(r.request.url)
                    r.abort()
                else:
                    r.continue_()

            page.route("**/*", route)
            page.goto(html.resolve().as_uri(), wait_until="load")
            found = {}
            for key, _heading in SECTIONS:
                svgs = page.locator(f"section.chart#{key} > svg")
                found[key] = {"svgs": svgs.count(),
                              "shapes": page.locator(f"section.chart#{key} > svg :is(path, rect, use)").count(),
                              "box": svgs.first.bounding_box() if svgs.count() else None}
            shot = page.screenshot(full_page=True)
            yield {"messages": messages, "errors": errors, "requests": requests, "found": found, "shot": shot,
                   "title": page.title()}
        finally:
            browser.close()


def test_the_page_renders_in_chromium_offline_without_errors(browser_page: Any) -> None:
    assert browser_page["errors"] == []
    assert [m for m in browser_page["messages"] if m[0] == "error"] == []
    assert browser_page["requests"] == []  # self-contained: nothing else is fetched
    assert browser_page["title"] == "newscrawl crawl dashboard"


def test_every_chart_is_drawn(browser_page: Any) -> None:
    for key, found in browser_page["found"].items():
        assert found["svgs"] == 1, key
        assert found["shapes"] > 10, (key, found)
        box = found["box"]
        assert box is not None and box["width"] > 500 and box["height"] > 100, (key, box)  # laid out, visible
    assert len(browser_page["shot"]) > 50_000  # a PNG of a drawn page, not a blank one


def test_an_older_state_is_read_never_migrated(tmp_path: Path) -> None:
    """Opening a schema-1 state as a store would upgrade it; the report leaves it byte for byte as it was."""
    state = tmp_path / "state.sqlite"
    conn = sqlite3.connect(state)
    for statement in SCHEMA.split(";"):
        if statement.strip() and "TABLE IF NOT EXISTS item" not in statement:
            conn.execute(statement)
    conn.execute("PRAGMA user_version=1")
    conn.commit()
    conn.close()
    before = state.read_bytes()
    out = tmp_path / "report.html"
    proc = report("-O", str(out), "--runs", str(tmp_path / "runs"), "--uri", f"sqlite:///{state}")
    assert proc.returncode == 0, proc.stderr
    assert "has schema 1" in proc.stderr and "has schema 1" in out.read_text("utf-8")
    assert state.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["report.html", "state.sqlite"]  # no -wal/-shm either


def test_a_damaged_state_is_one_line_and_the_runs_still_show(tmp_path: Path) -> None:
    state = tmp_path / "state.sqlite"
    state.write_bytes(b"this is not a database" * 10)
    runs = tmp_path / "runs"
    runs.mkdir()
    (runs / "r.json").write_text(json.dumps(sample.run_report("a", sample.LAST_DAY, 30.0, 5, {})), "utf-8")
    out = tmp_path / "report.html"
    proc = report("-O", str(out), "--runs", str(runs), "--uri", f"sqlite:///{state}")
    assert proc.returncode == 0, proc.stderr
    (line,) = proc.stderr.splitlines()
    assert line.startswith("report: warning: the state file cannot be read") and "is not an SQLite database" in line
    page = out.read_text("utf-8")
    assert page.count('<section class="chart" id="runs"><h2>Run durations and exit statuses</h2><svg') == 1


def test_report_of_a_real_crawl_with_the_default_folders(full_crawl: CrawlResult, tmp_path: Path) -> None:
    """A demo crawl's own run report and store, found through NEWSCRAWL_OUTPUT_DIR and NEWSCRAWL_STATE_URI."""
    out = tmp_path / "report.html"
    state = full_crawl.out / "state.sqlite"
    before = sorted(p.name for p in full_crawl.out.iterdir())
    proc = report("-O", str(out), "-s", f"NEWSCRAWL_OUTPUT_DIR={full_crawl.out}",
                  "-s", f"NEWSCRAWL_STATE_URI=sqlite:///{state}")
    assert proc.returncode == 0 and proc.stderr == "", proc.stderr
    exported = len(full_crawl.items)
    assert f"1 run, {exported:,} stored articles" in proc.stdout
    page = out.read_text("utf-8")
    assert "뉴스21 통신 <small>(news21tongsin)</small>" in page
    assert f"<td class=\"n\">{exported}</td>" in page  # articles per outlet, from the store
    run = json.loads(next((full_crawl.out / "runs").rglob("*.json")).read_text("utf-8"))
    assert run["versions"]["newscrawl"] == __version__ and f"{__version__} (1 run)" in page
    assert sorted(p.name for p in full_crawl.out.iterdir()) == before  # the crawl's folder is left as it was


def test_a_page_that_cannot_be_written_is_one_line_and_leaves_no_temporary_file(tmp_path: Path) -> None:
    target = tmp_path / "report.html"
    target.mkdir()  # a folder where the page should go: the rename fails
    proc = report("-O", str(target), "--runs", str(tmp_path / "runs"), "--uri", "memory://")
    assert proc.returncode == 1
    assert f"report: cannot write {target}:" in proc.stderr and "Traceback" not in proc.stderr
    assert [p.name for p in tmp_path.iterdir()] == ["report.html"]
