"""HTTP server of the demo outlets: standard library only, one thread per connection.

One server serves one outlet. The 다다미디어 outlets (:class:`DemoHandler`: 뉴스21 통신 and
누리신문) mirror that CMS (``/news/list.php``, ``/news/view.php``, ``/m/view.php``); the NDSoft outlet
(:class:`NdsoftHandler`) serves ``/news/articleList.html``, ``/news/articleView.html`` and
the legacy ``/?mod=news&act=articleView&idxno=N`` in CP949 bytes labelled ``euc-kr``
(one page mislabelled on purpose, see ``demo.ndsoft``); 바다일보 (:class:`JscmsHandler`, ``demo.jscms``)
serves script-built lists (``/section/CODE`` + ``/api/list``), ``/article/ID`` (some bodies
filled by script from ``/api/article/ID``), ``/rss.xml`` and ``/static/*``. All have
``/robots.txt``, tiny JPEGs and ``/__demo/stats``, a JSON request counter per kind of path
so tests can assert how much a crawl fetched (``/__demo/stats?reset=1`` zeroes it;
stats requests are not counted).

``/__demo/advance`` (GET or POST, not counted either) moves the live site to its next
epoch (see :mod:`demo.content`) and answers ``{"epoch": n, "new": [...],
"edited": [...], "deleted": [...]}`` (article ids), so a test can run consecutive crawls
over an evolving site against one server.
"""

from __future__ import annotations

import json
import re
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

from demo import jscms_render, ndsoft, ndsoft_render, render
from demo.content import DemoSite
from demo.jscms import JscmsDemoSite
from demo.ndsoft import NdsoftDemoSite

ROBOTS_TXT = "User-agent: *\nDisallow: /admin/\n"
#: 바다일보 also keeps crawlers out of /private/ (robots.txt applies to rendered requests too).
JSCMS_ROBOTS_TXT = ROBOTS_TXT + "Disallow: /private/\n"
#: Path kinds counted by /__demo/stats (api, static and feed: 바다일보's JSON, /static/* and /rss.xml).
STAT_KINDS = ("home", "list", "view", "mobile", "robots", "image", "api", "static", "feed", "other")

_PHOTO_PATH = re.compile(r"^/data/photos/\d{4}/\d{2}/\d+_\d+\.jpg$|^/news/photo/\d{6}/\d+_\d+_\d{4}\.jpg$")
_HOST_OK = re.compile(r"^[A-Za-z0-9.\-]+(:\d{1,5})?$|^\[[0-9A-Fa-f:.]+\](:\d{1,5})?$")


def _tiny_jpeg() -> bytes:
    """A valid 8x8 mid-grey baseline JPEG (~130 bytes), built by hand to avoid an image library.

    One 8x8 block whose DCT is all zero: DC difference 0 and EOB, each coded with a
    one-entry Huffman table as the single bit '0'.
    """
    app0 = b"\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00"
    dqt = b"\xff\xdb\x00\x43\x00" + b"\x01" * 64
    sof0 = b"\xff\xc0\x00\x0b\x08\x00\x08\x00\x08\x01\x01\x11\x00"
    one_code = b"\x01" + b"\x00" * 15 + b"\x00"  # one code of length 1, symbol 0x00
    dht = b"\xff\xc4\x00\x14\x00" + one_code + b"\xff\xc4\x00\x14\x10" + one_code
    sos = b"\xff\xda\x00\x08\x01\x01\x00\x00\x3f\x00"
    scan = b"\x3f"  # bits '0' (DC diff 0) '0' (EOB), padded with ones
    return b"\xff\xd8" + app0 + dqt + sof0 + dht + sos + scan + b"\xff\xd9"


TINY_JPEG = _tiny_jpeg()


class RequestStats:
    """Thread-safe counters per path kind."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._counts = dict.fromkeys(STAT_KINDS, 0)

    def hit(self, kind: str) -> None:
        with self._lock:
            self._counts[kind] = self._counts.get(kind, 0) + 1

    def snapshot(self) -> dict[str, int]:
        with self._lock:
            counts = dict(self._counts)
        counts["total"] = sum(counts.values())
        return counts

    def reset(self) -> None:
        with self._lock:
            self._counts = dict.fromkeys(STAT_KINDS, 0)


class DemoServer(ThreadingHTTPServer):
    """ThreadingHTTPServer that carries the site, the stats and the verbosity."""

    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, address: tuple[str, int], site: DemoSite | NdsoftDemoSite, *, verbose: bool = False) -> None:
        #: The site being served; replaced as a whole by :meth:`advance`, so a request that read it once
        #: sees one consistent epoch.
        self.site = site
        self.verbose = verbose
        self.stats = RequestStats()
        self._advance_lock = threading.Lock()
        handler: type[DemoHandler] = (JscmsHandler if isinstance(site, JscmsDemoSite)
                                      else NdsoftHandler if isinstance(site, NdsoftDemoSite) else DemoHandler)
        super().__init__(address, handler)

    def handle_error(self, request: Any, client_address: Any) -> None:
        """A client that hangs up mid-answer (a browser closing its page, a crawler's timeout) is no error."""
        if isinstance(sys.exc_info()[1], (BrokenPipeError, ConnectionResetError)):
            return
        super().handle_error(request, client_address)

    def advance(self) -> dict[str, Any]:
        """Swap in the site's next epoch; returns the epoch and what it changed.

        The lock makes concurrent advances count one epoch each; the next site is built
        before the swap, so requests in flight keep rendering the previous epoch.
        """
        with self._advance_lock:
            site = self.site.at_epoch(self.site.epoch + 1)
            self.site = site
        return {"epoch": site.epoch, **site.changes(site.epoch)}

    @property
    def base_url(self) -> str:
        """URL of the listening socket (for ``--port 0`` this has the real port)."""
        host, port = self.server_address[:2]
        host = str(host)
        return f"http://{'[' + host + ']' if ':' in host else host}:{port}"


class DemoHandler(BaseHTTPRequestHandler):
    """Routes one request; every page is rendered on demand (O(page) work)."""

    server: DemoServer
    robots_txt = ROBOTS_TXT
    server_version = "Apache"
    sys_version = ""
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: object) -> None:
        if self.server.verbose:
            sys.stderr.write(f"{self.address_string()} - {format % args}\n")

    # -- plumbing -----------------------------------------------------------

    def _base_url(self) -> str:
        """Own base URL from the Host header, so canonical URLs match what the client used."""
        host = self.headers.get("Host", "")
        if host and _HOST_OK.match(host):
            return f"http://{host}"
        return self.server.base_url

    def _send(self, status: int, body: bytes, content_type: str, headers: dict[str, str] | None = None) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def _html(self, html: str, status: int = HTTPStatus.OK) -> None:
        self._send(status, html.encode("utf-8"), "text/html; charset=utf-8")

    def _not_found(self, kind: str = "other") -> None:
        self.server.stats.hit(kind)
        self._html(render.render_not_found(), HTTPStatus.NOT_FOUND)

    def _redirect(self, location: str) -> None:
        self._send(HTTPStatus.MOVED_PERMANENTLY, b"", "text/html; charset=utf-8", {"Location": location})

    # -- routes -------------------------------------------------------------

    def do_HEAD(self) -> None:
        self.do_GET()

    def do_POST(self) -> None:
        """Only ``/__demo/advance`` takes POST; anything else answers like a handler without do_POST."""
        length = _int(self.headers.get("Content-Length"), default=0)
        if length > 0:
            self.rfile.read(length)  # keep the connection usable
        if urlsplit(self.path).path == "/__demo/advance":
            self._advance()
        else:
            self.send_error(HTTPStatus.NOT_IMPLEMENTED, f"Unsupported method ({self.command!r})")

    def _advance(self) -> None:
        self._send(HTTPStatus.OK, json.dumps(self.server.advance()).encode(), "application/json")

    def do_GET(self) -> None:
        parts = urlsplit(self.path)
        path = parts.path
        query = {k: v[0] for k, v in parse_qs(parts.query, keep_blank_values=True).items()}
        stats = self.server.stats

        if path == "/__demo/advance":
            if self.command == "HEAD":  # a probe must not move the clock
                self._send(HTTPStatus.METHOD_NOT_ALLOWED, b"", "text/plain", {"Allow": "GET, POST"})
            else:
                self._advance()
        elif path == "/__demo/stats":
            if query.get("reset"):
                stats.reset()
            self._send(HTTPStatus.OK, json.dumps(stats.snapshot()).encode(), "application/json")
        elif path == "/robots.txt":
            stats.hit("robots")
            self._send(HTTPStatus.OK, self.robots_txt.encode(), "text/plain; charset=utf-8")
        elif _PHOTO_PATH.match(path):
            stats.hit("image")
            self._send(HTTPStatus.OK, TINY_JPEG, "image/jpeg")
        else:
            self.route(path, query)

    def route(self, path: str, query: dict[str, str]) -> None:
        """The outlet's own pages (다다미디어 CMS here)."""
        site = self.server.site
        assert isinstance(site, DemoSite)
        stats = self.server.stats
        if path == "/":
            stats.hit("home")
            self._html(render.render_home(site))
        elif path == "/news/list.php":
            section = site.section(query.get("mcode", ""))
            if section is None:
                return self._not_found("list")
            stats.hit("list")
            page = _int(query.get("page"), default=1)
            self._html(render.render_list(site, section, max(page, 1)))
        elif path == "/news/view.php":
            article = site.article(_int(query.get("idx"), default=0))
            if article is None:
                return self._not_found("view")
            stats.hit("view")
            if article.deleted:
                self._html(render.render_deleted(site.site_name))
            else:
                self._html(render.render_article(site, article, self._base_url()))
        elif path in ("/m", "/m/", "/m/view.php"):
            stats.hit("mobile")
            idx = _int(query.get("idx"), default=0)
            target = f"/news/view.php?idx={idx}" if path == "/m/view.php" and site.exists(idx) else "/"
            self._redirect(self._base_url() + target)
        else:
            self._not_found()
        return None


class NdsoftHandler(DemoHandler):
    """The NDSoft outlet: CP949 pages labelled ``euc-kr``, like many regional papers."""

    def _html(self, html: str, status: int = HTTPStatus.OK) -> None:
        # Characters CP949 lacks (decomposed Hangul, '©') become numeric references, as browsers send them.
        self._send(status, html.encode("cp949", errors="xmlcharrefreplace"), "text/html; charset=euc-kr")

    def _mislabelled(self, html: str) -> None:
        """UTF-8 bytes under <meta charset="euc-kr"> and no charset in the header."""
        self._send(HTTPStatus.OK, html.encode("utf-8"), "text/html")

    def route(self, path: str, query: dict[str, str]) -> None:
        site = self.server.site
        assert isinstance(site, NdsoftDemoSite)
        stats = self.server.stats
        legacy_view = path in ("", "/") and query.get("mod") == "news" and query.get("act") == "articleView"
        if path == "/" and not legacy_view:
            stats.hit("home")
            self._html(ndsoft_render.render_home(site))
        elif path == "/news/articleList.html":
            code = query.get("sc_section_code", "")
            if code not in ndsoft.SECTIONS_BY_CODE or query.get("sc_sub_section_code"):
                return self._not_found("list")
            stats.hit("list")
            self._html(ndsoft_render.render_list(site, code, max(_int(query.get("page"), default=1), 1)))
        elif path == "/news/articleView.html" or legacy_view:
            idxno = _int(query.get("idxno"), default=0)
            nd = site.article(idxno)
            if nd is None:
                return self._not_found("view")
            stats.hit("view")
            if nd.article.deleted:
                self._html(ndsoft_render.render_deleted())
            elif idxno == ndsoft.IDXNO_MISLABELLED:
                self._mislabelled(ndsoft_render.render_article(site, nd, self._base_url()))
            else:
                self._html(ndsoft_render.render_article(site, nd, self._base_url()))
        else:
            self._not_found()
        return None


class JscmsHandler(DemoHandler):
    """바다일보: HTML shells, JSON for the scripts, static files and an RSS feed (see ``demo.jscms``)."""

    robots_txt = JSCMS_ROBOTS_TXT
    server_version = "nginx"

    def _json(self, data: object, status: int = HTTPStatus.OK) -> None:
        self._send(status, jscms_render.api_json(data), "application/json; charset=utf-8")

    def _not_found(self, kind: str = "other") -> None:
        self.server.stats.hit(kind)
        site = self.server.site
        self._html(jscms_render.render_not_found(site.site_name), HTTPStatus.NOT_FOUND)

    def _static(self, path: str) -> bool:
        files = {
            "/static/list.js": (jscms_render.LIST_JS.encode(), "text/javascript; charset=utf-8"),
            "/static/site.css": (jscms_render.STYLESHEET.encode(), "text/css; charset=utf-8"),
            jscms_render.FONT_PATH: (jscms_render.FONT_BYTES, "font/woff2"),
        }
        if path not in files:
            return False
        self.server.stats.hit("static")
        body, content_type = files[path]
        self._send(HTTPStatus.OK, body, content_type, {"Cache-Control": "max-age=3600"})
        return True

    def route(self, path: str, query: dict[str, str]) -> None:
        site = self.server.site
        assert isinstance(site, JscmsDemoSite)
        stats = self.server.stats
        if path == "/":
            stats.hit("home")
            self._html(jscms_render.render_home(site))
        elif path.startswith("/section/"):
            section = site.section(path.removeprefix("/section/"))
            if section is None:
                return self._not_found("list")
            stats.hit("list")
            self._html(jscms_render.render_list(site, section))
        elif path == "/api/list":
            section = site.section(query.get("section", ""))
            stats.hit("api")
            if section is None:
                return self._json({"error": "unknown section"}, HTTPStatus.NOT_FOUND)
            self._json(site.api_list(section.code, max(_int(query.get("page"), default=1), 1)))
        elif path.startswith("/api/article/"):
            article = site.article(_int(path.removeprefix("/api/article/"), default=0))
            stats.hit("api")
            if article is None or article.deleted:
                return self._json({"error": "not found"}, HTTPStatus.NOT_FOUND)
            self._json(jscms_render.article_json(article))
        elif path.startswith("/article/"):
            article = site.article(_int(path.removeprefix("/article/"), default=0))
            if article is None or article.deleted:
                return self._not_found("view")
            stats.hit("view")
            if article.idx in site.mislabelled_ids():
                # The charset trap: UTF-8 bytes, labelled euc-kr in the header and the <meta>.
                html = jscms_render.render_article(site, article, self._base_url(), charset="euc-kr")
                self._send(HTTPStatus.OK, html.encode("utf-8"), "text/html; charset=euc-kr")
            else:
                self._html(jscms_render.render_article(site, article, self._base_url()))
        elif path == "/rss.xml":
            stats.hit("feed")
            self._send(HTTPStatus.OK, jscms_render.render_rss(site, self._base_url()).encode("utf-8"),
                       "application/rss+xml; charset=utf-8")
        elif not self._static(path):
            self._not_found()
        return None


def _int(value: str | None, default: int) -> int:
    """PHP-like leniency: a missing or malformed number means the default."""
    try:
        return int(value) if value is not None else default
    except ValueError:
        return default


def make_server(site: DemoSite | NdsoftDemoSite, host: str = "127.0.0.1", port: int = 0, *, verbose: bool = False) -> DemoServer:
    """Bind (port 0 = any free port) without serving yet; ``server.base_url`` has the real port."""
    return DemoServer((host, port), site, verbose=verbose)


@contextmanager
def serve_in_thread(site: DemoSite | NdsoftDemoSite | None = None, host: str = "127.0.0.1", port: int = 0,
                    *, verbose: bool = False) -> Iterator[DemoServer]:
    """Run the demo in a background thread for the duration of a ``with`` block (tests, benchmarks)."""
    server = make_server(site or DemoSite(), host, port, verbose=verbose)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.1}, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
