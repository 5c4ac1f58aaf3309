"""Rendered crawls with real Chromium against the render site (tests/rendersite/server.py).

What the browser must do right, checked from outside: bodies written by script are read, a UTF-8
page under an ``euc-kr`` label keeps its Korean text, images/fonts/third-party/robots-forbidden
requests never reach the server, Playwright timeouts are retried and counted, the browser is
restarted after N pages and relaunched after a crash with every page still rendered, and a
missing Chromium is one line. The JavaScript demo outlet's crawl is in test_render_demo.py.
"""

from __future__ import annotations

import os
import signal
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from demo.run import PROJECT_ROOT, crawl_command
from newscrawl.render.setup import CHROMIUM_PATHS
from tests.e2e.conftest import CrawlResult
from tests.rendersite.server import RenderSite, article_id_text, render_site

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not any(os.path.exists(p) for p in CHROMIUM_PATHS), reason="Debian's chromium is not installed"),
]


@pytest.fixture()
def site() -> Iterator[RenderSite]:
    with render_site() as server:
        yield server


def _command(site: RenderSite, out: Path, paths: list[str], *extra: str, render: bool = True) -> list[str]:
    out.mkdir(parents=True, exist_ok=True)
    urls = out / "urls.txt"
    urls.write_text("".join(f"{site.base_url}{p}\n" for p in paths), "utf-8")
    return crawl_command(None, out, ["-a", f"urls={urls}", "-a", f"render={str(render).lower()}", *extra],
                         spider="articles")


def crawl(site: RenderSite, out: Path, paths: list[str], *extra: str, render: bool = True) -> CrawlResult:
    proc = subprocess.run(_command(site, out, paths, *extra, render=render), cwd=PROJECT_ROOT, capture_output=True,
                          text=True, timeout=300, env={**os.environ, "PYTHONPATH": str(PROJECT_ROOT)})
    return CrawlResult(out, proc.returncode, proc.stdout + proc.stderr)


def bodies(result: CrawlResult) -> dict[str, str]:
    return {item["url"].rsplit("/", 2)[-2] + "/" + item["url"].rsplit("/", 1)[-1]: item["body"] for item in result.items}


def test_script_bodies_correct_korean_and_blocked_requests(site: RenderSite, tmp_path: Path) -> None:
    result = crawl(site, tmp_path / "out", ["/article/1", "/article/2", "/article/3", "/mislabelled/4"])
    assert result.returncode == 0, result.log[-3000:]
    got = bodies(result)
    assert set(got) == {"article/1", "article/2", "article/3", "mislabelled/4"}
    for key, body in got.items():
        ident = int(key.split("/")[1])
        assert all(p in body for p in article_id_text(ident)[2]), key  # every paragraph the script wrote
    assert "\ufffd" not in got["mislabelled/4"]
    assert result.stat("newscrawl/render/charset_repaired") == 1
    assert result.stat("newscrawl/render/pages/article") == 4
    assert result.stat("newscrawl/render/damaged_text") == 0
    # what the browser was not allowed to fetch never reached the server
    assert site.count("/photo/") == 0 and site.count("/static/font") == 0
    assert site.count("//localhost") == 0  # third party (the same server under another name)
    assert site.count("/private/") == 0  # robots.txt
    assert site.count("/static/app.js") == 4  # same-site scripts load
    assert result.stat("newscrawl/render/blocked/image") == 4
    assert result.stat("newscrawl/render/blocked/third_party") == 4
    assert result.stat("newscrawl/render/blocked/robots") == 4
    assert result.stat("newscrawl/render/subrequests") == 4
    assert "Traceback" not in result.log


def test_without_rendering_the_script_body_is_missing(site: RenderSite, tmp_path: Path) -> None:
    result = crawl(site, tmp_path / "out", ["/article/1", "/article/2"], render=False)
    assert result.returncode in (0, 3)
    assert not result.items and len(result.rejects) == 2
    assert "scrapy-playwright" not in result.log and "playwright/" not in result.log  # nothing loaded


def test_playwright_timeouts_are_retried_and_counted(site: RenderSite, tmp_path: Path) -> None:
    result = crawl(site, tmp_path / "out", ["/article/5", "/slow/6"], "-s", "DOWNLOAD_TIMEOUT=2", "-s", "RETRY_TIMES=1")
    assert set(bodies(result)) == {"article/5"}
    assert result.stat("newscrawl/render/timeouts") == 2  # the first try and the retry
    assert result.stat("retry/count") >= 1
    assert result.stat("newscrawl/requests/download_error") == 1  # the final failure is accounted for
    assert site.count("/slow/") == 2


def test_the_browser_is_restarted_after_n_pages(site: RenderSite, tmp_path: Path) -> None:
    paths = [f"/article/{i}" for i in range(10, 20)]
    result = crawl(site, tmp_path / "out", paths, "-s", "NEWSCRAWL_RENDER_RESTART_PAGES=3")
    assert result.returncode == 0, result.log[-3000:]
    assert len(result.items) == 10
    assert result.stat("newscrawl/render/browser_restarts") >= 2
    assert result.stat("newscrawl/render/browser_launches") >= 3
    assert result.stat("newscrawl/render/browser_crashes") == 0


def _descendants(pid: int) -> list[int]:
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                stat = Path(f"/proc/{entry}/stat").read_text()
            except OSError:
                continue
            ppid = int(stat.rsplit(")", 1)[1].split()[1])
            children.setdefault(ppid, []).append(int(entry))
    found, todo = [], [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            found.append(child)
            todo.append(child)
    return found


def _browsers(pid: int) -> list[int]:
    """The crawl's Chromium main processes (not its renderer/zygote/utility children)."""
    main = []
    for child in _descendants(pid):
        try:
            cmdline = Path(f"/proc/{child}/cmdline").read_bytes().split(b"\0")
        except OSError:
            continue
        if cmdline and b"chrom" in cmdline[0] and not any(arg.startswith(b"--type=") for arg in cmdline):
            main.append(child)
    return main


def test_a_killed_browser_is_relaunched_and_every_page_rendered(site: RenderSite, tmp_path: Path) -> None:
    out = tmp_path / "out"
    paths = [f"/article/{i}" for i in range(30, 42)]
    proc = subprocess.Popen(_command(site, out, paths, "-s", "DOWNLOAD_DELAY=0.4", "-s", "CONCURRENT_REQUESTS_PER_DOMAIN=1"),
                            cwd=PROJECT_ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                            env={**os.environ, "PYTHONPATH": str(PROJECT_ROOT)})
    killed = False
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and not killed:
        if site.count("/article/") >= 3:
            for pid in _browsers(proc.pid):
                os.kill(pid, signal.SIGKILL)
                killed = True
        time.sleep(0.05)
    log, _ = proc.communicate(timeout=300)
    assert killed, "the browser was never seen"
    result = CrawlResult(out, proc.returncode, log)
    assert result.returncode == 0, log[-3000:]
    assert len(result.items) == 12, log[-3000:]
    assert all(item["body"] for item in result.items)
    assert result.stat("newscrawl/render/browser_crashes") >= 1
    assert result.stat("newscrawl/render/browser_launches") >= 2


def test_a_missing_browser_is_one_line(site: RenderSite, tmp_path: Path) -> None:
    result = crawl(site, tmp_path / "out", ["/article/1"], "-s", "NEWSCRAWL_RENDER_BROWSER=/nonexistent/chromium")
    assert result.returncode == 1
    assert "NEWSCRAWL_RENDER_BROWSER='/nonexistent/chromium' is not an executable file" in result.log
    assert "Traceback" not in result.log
    assert site.count("/article/") == 0
