"""A real crawl against a small misbehaving 다다미디어 site: a list that loops, pages cut short.

The server (127.0.0.1, a free port) answers every list page with the same three articles and a
link to page+1, forever; article 1 is whole, article 2 is cut mid-tag with a Content-Length that
matches what is sent (the server's own cut), article 3 declares more bytes than it sends. It
keeps a ledger of what was asked, so the test checks what the crawler did, not what it says.
"""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import ClassVar
from urllib.parse import parse_qs, urlsplit

import pytest

from tests.e2e.conftest import run_crawl
from tests.helpers import page_file

SECTION = "m101sc2a"


def list_page(page: int) -> bytes:
    rows = "".join(
        f'<dl><dt class="title"><a href="/news/view.php?idx={i}&amp;mcode={SECTION}">기사 {i}</a></dt>'
        f'<dd class="registDate">2024-03-05</dd></dl>' for i in (1, 2, 3))
    return (f'<!DOCTYPE html><html><head><meta charset="utf-8"><title>사회</title></head><body>'
            f'<div class="basicList">{rows}</div>'
            f'<div class="paging"><a href="/news/list.php?mcode={SECTION}&amp;page={page + 1}">{page + 1}</a></div>'
            f"</body></html>").encode()


def article_page(idx: int) -> bytes:
    return page_file("dada/article").read_bytes().replace(b"idx=1042", f"idx={idx}".encode())


class Site(BaseHTTPRequestHandler):
    ledger: ClassVar[Counter[str]] = Counter()  # what was asked, reset per test

    def log_message(self, format: str, *args: object) -> None:
        pass

    def do_GET(self) -> None:
        parts = urlsplit(self.path)
        query = parse_qs(parts.query)
        declared_extra = 0
        if parts.path == "/news/list.php":
            page = int(query.get("page", ["1"])[0])
            self.ledger[f"list:{page}"] += 1
            body = list_page(page)
        elif parts.path == "/news/view.php":
            idx = int(query["idx"][0])
            self.ledger[f"article:{idx}"] += 1
            body = article_page(idx)
            if idx == 2:
                body = body[: body.index("산책로와".encode())] + b"<sp"  # cut mid-tag, honest length
            elif idx == 3:
                declared_extra = 500  # promises more than it sends, then closes
        else:
            self.send_error(404)
            return
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body) + declared_extra))
        self.end_headers()
        self.wfile.write(body)


@pytest.fixture
def site() -> Iterator[tuple[str, Counter[str]]]:
    Site.ledger = Counter()
    server = ThreadingHTTPServer(("127.0.0.1", 0), Site)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", Site.ledger
    finally:
        server.shutdown()
        server.server_close()


def test_looping_list_stops_and_cut_pages_are_never_exported(site: tuple[str, Counter[str]], tmp_path: Path) -> None:
    base_url, ledger = site
    jobs = tmp_path / "remote-control-jobs"
    # RemoteControl removes its token file on a clean stop (kill -9 leaves it): look while the crawl runs.
    token_files: set[str] = set()
    done = threading.Event()

    def watch() -> None:
        while not done.wait(0.05):
            if jobs.exists():
                token_files.update(p.name for p in jobs.iterdir())

    watcher = threading.Thread(target=watch, daemon=True)
    watcher.start()
    try:
        result = run_crawl(base_url, tmp_path / "out", "-a", f"sections={SECTION}",
                           "-s", f"REMOTE_CONTROL_JOBS_DIR={jobs}", "-s", "LOG_LEVEL=DEBUG")
    finally:
        done.set()
        watcher.join()
    log = result.log

    # List loop: page 1 adds three links, pages 2-4 add none: stopped after 3 unproductive pages.
    assert sorted(k for k in ledger if k.startswith("list:")) == ["list:1", "list:2", "list:3", "list:4"], ledger
    assert result.stat("newscrawl/lists/no_progress") == 1
    assert log.count("pagination stopped (NEWSCRAWL_MAX_UNPRODUCTIVE_PAGES)") == 1

    # Whole article: exported once.
    assert [i["article_id"] for i in result.items] == ["news21tongsin:1"]
    # Cut with an honest Content-Length: fetched once more, then rejected `truncated` with the item.
    assert ledger["article:2"] == 2
    assert result.stat("retry/reason_count/truncated") == 1
    assert result.stat("newscrawl/pages/truncated_retried") == 1
    assert [(r["article_id"], r["reject_reason"]) for r in result.rejects] == [("news21tongsin:2", "truncated")]
    assert result.rejects[0]["extractor"]["truncated"] == "no </body> or </html>"
    assert result.stat("newscrawl/rejects/truncated") == 1
    # Shorter than its Content-Length: Scrapy's data-loss error, retried, then a counted failed download.
    assert ledger["article:3"] == 3  # RETRY_TIMES = 2
    assert result.stat("downloader/exception_type_count/scrapy.exceptions.ResponseDataLossError") == 3
    assert result.stat("retry/max_reached") == 1

    # No remote code execution endpoint, no telnet console, no token file.
    enabled = log[log.index("Enabled extensions"):log.index("Enabled downloader middlewares")]
    assert "RemoteControl" not in enabled and "TelnetConsole" not in enabled
    assert "Remote control HTTP server listening" not in log and "Telnet console listening" not in log
    assert not token_files and (not jobs.exists() or not any(jobs.iterdir()))


def test_short_body_let_through_by_scrapy_is_retried_then_rejected(site: tuple[str, Counter[str]],
                                                                   tmp_path: Path) -> None:
    """With ``DOWNLOAD_FAIL_ON_DATALOSS = False`` Scrapy hands over the short body (flag ``dataloss``)."""
    base_url, ledger = site
    result = run_crawl(base_url, tmp_path / "out", "-a", f"sections={SECTION}",
                       "-s", "DOWNLOAD_FAIL_ON_DATALOSS=false")
    assert ledger["article:3"] == 2
    assert sorted((r["article_id"], r["reject_reason"]) for r in result.rejects) == [
        ("news21tongsin:2", "truncated"), ("news21tongsin:3", "truncated")]
    assert [i["article_id"] for i in result.items] == ["news21tongsin:1"]
    assert result.stat("newscrawl/rejects/truncated") == 2
