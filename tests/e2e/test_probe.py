"""`scrapy probe URL` as a user runs it (a real subprocess) against local servers: the demo outlets, a
page of no known CMS, nothing at all."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import threading
import tomllib
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from demo.run import PROJECT_ROOT
from tests.e2e.conftest import Demo

CHROMIUM = "/usr/lib/chromium/chromium"
#: A local server needs no politeness delay (as the demo crawls); the demo tests keep the project's delays.
NO_DELAY = ("-s", "DOWNLOAD_DELAY=0", "-s", "AUTOTHROTTLE_ENABLED=false")


def probe(*args: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "scrapy", "probe", *args], cwd=PROJECT_ROOT, capture_output=True,
                          text=True, timeout=timeout, env={**os.environ, "PYTHONPATH": str(PROJECT_ROOT)})


def lines_starting(out: str, word: str) -> list[str]:
    return [line for line in out.splitlines() if line.startswith(word)]


def catalog_entry(out: str) -> str:
    """The TOML the command prints after ``# add to newscrawl/catalog.toml:``."""
    marker = "# add to newscrawl/catalog.toml:\n"
    assert marker in out, out
    return out.split(marker, 1)[1]


def field_line(out: str, article: int, field: str) -> list[str]:
    """``[field, from, check, value...]`` of one field of article ``article`` in the printout."""
    block = out.split(f"\narticle {article} ", 1)[1].split("\n\n", 1)[0]
    line = next(x for x in block.splitlines() if x.startswith(f"  {field} "))
    return line.split()


def test_probe_dada_demo(demo: Demo) -> None:
    result = probe(demo.base_url + "/", "--slug", "probedada")
    out = result.stdout
    assert result.returncode == 0, out + result.stderr
    assert lines_starting(out, "family")[0].split()[1] == "dada"
    assert lines_starting(out, "sections")[0].startswith("sections  4: m101sc2a 사회")
    assert "/news/list.php?mcode=m101sc2a" in lines_starting(out, "list")[0]
    verdicts = [line.split()[-1] for line in lines_starting(out, "article ")]
    assert verdicts == ["PASS", "PASS", "PASS"], out
    # Provenance is the item's own record: the family's selectors gave the title, nothing is recorded for the URL.
    assert field_line(out, 1, "title")[1:3] == ["dada", "ok"]
    assert field_line(out, 1, "canonical_url")[1:3] == ["-", "ok"]
    assert "3 of 3 articles pass validation" in out
    entry = tomllib.loads(catalog_entry(out))["outlets"]["probedada"]
    assert entry["family"] == "dada" and entry["name"] == "뉴스21 통신"
    assert entry["base_url"] == demo.base_url and entry["domains"] == ["127.0.0.1"]


def test_probe_ndsoft_demo_saves_fixtures_the_page_runner_accepts(ndsoft_demo: Demo, tmp_path: Path) -> None:
    fixtures = tmp_path / "fixtures"
    result = probe(ndsoft_demo.base_url + "/", "--slug", "probehanbit", "--save", str(fixtures), *NO_DELAY)
    out = result.stdout
    assert result.returncode == 0, out + result.stderr
    assert lines_starting(out, "family")[0].split()[1] == "ndsoft"
    assert lines_starting(out, "sections")[0].startswith("sections  4: S1N1")
    entry = catalog_entry(out)
    assert tomllib.loads(entry)["outlets"]["probehanbit"]["charset"] == "euc-kr"
    cases = sorted(p.name for p in (fixtures / "ndsoft").iterdir())
    assert cases == ["probehanbit-article-1", "probehanbit-article-2", "probehanbit-article-3", "probehanbit-home",
                     "probehanbit-list"]
    meta = json.loads((fixtures / "ndsoft" / "probehanbit-list" / "meta.json").read_text("utf-8"))
    assert meta["kind"] == "list" and meta["headers"]["Content-Type"].endswith("euc-kr")
    expected = json.loads((fixtures / "ndsoft" / "probehanbit-article-1" / "expected.json").read_text("utf-8"))
    assert expected["site"] == "probehanbit" and expected["article_id"].startswith("probehanbit:")
    # The catalog entry added (here: the folder's own catalog), the fixture runner checks every saved case.
    (fixtures / "catalog.toml").write_text(entry, "utf-8")
    runner = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider",
                             "tests/pages/test_fixtures.py", "-k", "page_gives_expected or well_formed"],
                            cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=120,
                            env={**os.environ, "PYTHONPATH": str(PROJECT_ROOT), "PAGE_FIXTURES_DIR": str(fixtures)})
    assert runner.returncode == 0, runner.stdout[-3000:]
    assert "10 passed" in runner.stdout, runner.stdout[-500:]


ARTICLE = """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<title>Harbour ferry returns after repairs | Seaside Gazette</title>
<meta property="og:site_name" content="Seaside Gazette">
<script type="application/ld+json">{"@context": "https://schema.org", "@type": "NewsArticle",
 "headline": "Harbour ferry returns after repairs", "datePublished": "2026-11-20T08:30:00+00:00",
 "author": {"@type": "Person", "name": "Mara Quinn"}}</script>
</head><body><header><a href="/">Seaside Gazette</a> <a href="/about">About</a></header>
<article><h1>Harbour ferry returns after repairs</h1>
<p>The harbour ferry carried its first passengers in three months on Thursday, after a refit of both engines.</p>
<p>The operator said timetables return to the summer pattern next week, with an extra evening crossing.</p>
</article></body></html>
"""


class OnePage(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        if self.path == "/story/harbour-ferry":
            body = ARTICLE.encode("utf-8")
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
            return
        self.send_error(404)

    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture
def one_page_site() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), OnePage)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def test_probe_generic_page(one_page_site: str) -> None:
    result = probe(one_page_site + "/story/harbour-ferry", *NO_DELAY)
    out = result.stdout
    assert result.returncode == 3, out + result.stderr  # one article, not three
    assert lines_starting(out, "family")[0].split()[1] == "generic"
    assert lines_starting(out, "article 1 ")[0].split()[-1] == "PASS"
    assert field_line(out, 1, "title")[1:] == ["jsonld", "ok", "Harbour", "ferry", "returns", "after", "repairs"]
    assert field_line(out, 1, "published_at")[1:3] == ["jsonld", "ok"]
    assert "1 of 3 articles pass validation" in out
    assert tomllib.loads(catalog_entry(out))["outlets"]["127-0-0-1-" + one_page_site.rsplit(":", 1)[1]] == {
        "name": "Seaside Gazette", "family": "generic", "base_url": one_page_site, "domains": ["127.0.0.1"],
        "sections": [], "charset": "utf-8", "language": "en"}


def test_probe_unreachable_url_is_one_line() -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]  # closed again: nothing listens there
    result = probe(f"http://127.0.0.1:{port}/", *NO_DELAY)
    assert result.returncode == 1
    assert result.stdout == ""
    assert len(result.stderr.strip().splitlines()) == 1, result.stderr
    assert result.stderr.startswith(f"scrapy probe: cannot read http://127.0.0.1:{port}/: ")
    assert "Traceback" not in result.stderr


def test_probe_not_html_and_not_a_url(demo: Demo) -> None:
    result = probe(demo.base_url + "/robots.txt", *NO_DELAY)
    assert (result.returncode, result.stdout) == (1, "")
    assert result.stderr.strip() == f"scrapy probe: cannot read {demo.base_url}/robots.txt: not an HTML page " \
                                    "(text/plain; charset=utf-8)"
    bad = probe("ftp://example.invalid/")
    assert bad.returncode == 1 and bad.stderr.strip().startswith("scrapy probe: need exactly one http(s) URL")


@pytest.fixture(scope="module")
def jscms_demo() -> Iterator[Demo]:
    from demo.run import start_server

    server, base_url = start_server(80, outlet="jscms")
    try:
        yield Demo(base_url, 80, outlet="jscms")
    finally:
        server.terminate()
        server.wait(timeout=10)


def test_probe_js_outlet_without_chromium_is_one_line(jscms_demo: Demo) -> None:
    result = probe(jscms_demo.base_url + "/", "-s", "NEWSCRAWL_RENDER_BROWSER=/nonexistent/chromium", *NO_DELAY)
    assert result.returncode == 1
    assert lines_starting(result.stdout, "family")[0].split()[1] == "jscms"
    assert "render=lists" in lines_starting(result.stdout, "render")[0]
    assert result.stderr.strip() == ("scrapy probe: NEWSCRAWL_RENDER_BROWSER='/nonexistent/chromium' is not an "
                                     "executable file")


@pytest.mark.slow
@pytest.mark.skipif(not os.access(CHROMIUM, os.X_OK), reason=f"no Chromium at {CHROMIUM} (apt-get install chromium)")
def test_probe_js_outlet_renders_its_lists(jscms_demo: Demo) -> None:
    result = probe(jscms_demo.base_url + "/", "--slug", "probebada", *NO_DELAY)
    out = result.stdout
    assert result.returncode == 0, out + result.stderr
    assert lines_starting(out, "family")[0].split()[1] == "jscms"
    listed = lines_starting(out, "list")[0]
    assert listed.endswith("articles listed") and int(listed.split(": ")[1].split()[0]) > 10  # rows the script added
    assert [line.split()[-1] for line in lines_starting(out, "article ")] == ["PASS", "PASS", "PASS"]
