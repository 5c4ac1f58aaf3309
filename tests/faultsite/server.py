"""The fault site: the 뉴스21 통신 demo outlet plus one article per fault, and a ledger.

Why: the README promises that every article a list links ends as an item, a reject with a
reason, or a counted stat. The demo serves only well-behaved pages; this server serves the
same outlet (``demo.content.DemoSite``, rendered by ``demo.render`` so the ``news21tongsin``
spider parses it) plus extra sections whose links each hit one fault, chosen by article id:

* ``m900flt1`` (장애): one link per :data:`FAULTS` entry (idx 9001 ...): transient and permanent
  5xx, 404, connection reset, hang, slow drip, charsets, invalid bytes, malformed and truncated
  HTML, a huge page, a gzip bomb, redirect loops and chains, offsite redirects, a link to
  another port of the same host, a robots.txt-forbidden path, duplicate links, ...
* ``m901huge`` (대형목록): one list page with :data:`HUGE_LIST_ROWS` rows, all links to the
  normal outlet's articles (so every one is a counted duplicate link);
* ``m902loop`` (반복목록): page N lists the same :data:`LOOP_ARTICLES` and links page N + 1, up
  to :data:`LOOP_MAX_PAGE` (a pagination that never ends without a no-progress stop).

Deterministic: the same faults, bytes and ids on every run; only the ports change. Every
request is written to the :class:`Ledger` (port, path, status, fault), and every article link
a list page shows is recorded there too, so a test can hold the crawl's outputs to what was
served. A second server on another port (:attr:`FaultServer.other`) serves the same site: an
offsite request that leaks shows up in its ledger entries.
"""

from __future__ import annotations

import dataclasses
import socket
import struct
import threading
import time
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from functools import cache
from html import escape
from http import HTTPStatus
from typing import Any
from urllib.parse import parse_qs, urlsplit

from demo import render
from demo.content import Article, DemoSite
from demo.server import DemoHandler, DemoServer

#: Sizes of the normal outlet and of the outlet the fault articles borrow their texts from
#: (another seed: no fault article is a content duplicate of a normal one).
SITE_SIZE = 60
SOURCE_SEED = 77
FAULT_SECTION = ("장애", "m900flt1")
HUGE_SECTION = ("대형목록", "m901huge")
LOOP_SECTION = ("반복목록", "m902loop")
HUGE_LIST_ROWS = 3000
LOOP_ARTICLES = (9101, 9102, 9103)
LOOP_MAX_PAGE = 60
#: Failures before a transient fault answers 200 (RETRY_TIMES = 2 allows three attempts).
TRANSIENT_FAILURES = 2
#: Seconds a hang keeps the connection open without answering (the test passes DOWNLOAD_TIMEOUT=3).
HANG_SECONDS = 10.0
#: Slow drip: the page in this many pieces, this many seconds apart (well within the timeout).
DRIP_PIECES, DRIP_PAUSE = 8, 0.1
HUGE_BYTES = 20 * 1024 * 1024  # > DOWNLOAD_MAXSIZE (16 MB)
BOMB_INFLATED = 1024 * 1024 * 1024  # 1 GiB of zeros, about 1 MB gzipped
REDIRECT_CHAIN = 25  # > REDIRECT_MAX_TIMES (20)


@dataclasses.dataclass(frozen=True)
class Fault:
    """One fault article: ``kind`` picks the behaviour, ``expect`` what the crawl must make of it.

    ``expect``: ``item``; ``reject:<reason>``; ``lost:<kind>`` (a kind of
    ``newscrawl.extensions.summary.LOST_STATS``); ``stat:<name>`` (a stat counted for it).
    ``pending``: why this expectation waits for another part of issue 9 (the test marks it xfail).
    """

    idx: int
    kind: str
    expect: str
    note: str
    pending: str | None = None


FAULTS: tuple[Fault, ...] = (
    Fault(9001, "ok", "item", "a plain article (the control)"),
    Fault(9002, "transient_5xx", "item", f"503 {TRANSIENT_FAILURES} times, then 200: the retries get it"),
    Fault(9003, "permanent_500", "stat:httperror/response_ignored_count", "500 every time: retried, then given up"),
    Fault(9004, "not_found", "stat:httperror/response_ignored_count", "404"),
    Fault(9005, "reset", "lost:download_error", "connection reset (RST) after the request is read"),
    Fault(9006, "hang", "lost:download_error", f"no answer for {HANG_SECONDS:.0f}s (> DOWNLOAD_TIMEOUT)"),
    Fault(9007, "slow_drip", "item", f"the page in {DRIP_PIECES} pieces {DRIP_PAUSE}s apart"),
    Fault(9008, "wrong_charset", "item", "CP949 bytes labelled utf-8 (header and meta): charset repair"),
    Fault(9009, "mixed_charset", "reject:replacement_char", "UTF-8 head, CP949 body under a utf-8 label: no "
          "charset reads it, the body is U+FFFD soup: kept in rejects"),
    Fault(9010, "invalid_bytes", "reject:replacement_char", "UTF-8 with stray 0xFF/0xC3 bytes in the body: "
          "text lost, kept in rejects"),
    Fault(9011, "malformed_html", "item", "unclosed <p> and <div>, stray end tags, unquoted attributes"),
    Fault(9012, "truncated_cut", "reject:truncated",
          "cut mid-tag in the body, Content-Length matching the bytes (item 5: retried once, then rejected)"),
    Fault(9013, "truncated_short", "lost:download_error",
          "Content-Length larger than the body, then the connection closes (data loss, retried)"),
    Fault(9014, "huge", "lost:too_large", f"{HUGE_BYTES >> 20} MB with Content-Length"),
    Fault(9015, "huge_unsized", "lost:too_large", f"{HUGE_BYTES >> 20} MB without Content-Length"),
    Fault(9016, "gzip_bomb", "lost:too_large", f"Content-Encoding: gzip, {BOMB_INFLATED >> 30} GiB inflated"),
    Fault(9017, "redirect_self", "lost:redirect_loop", "302 to itself"),
    Fault(9018, "redirect_aba", "lost:redirect_loop", "A -> B -> A"),
    Fault(9019, "redirect_chain", "lost:redirect_max", f"{REDIRECT_CHAIN} redirects in a row"),
    Fault(9020, "redirect_other_port", "lost:offsite", "302 to the same host on another port"),
    Fault(9021, "redirect_other_host", "lost:offsite", "302 to localhost (another host name)"),
    Fault(9022, "other_port_link", "lost:offsite", "the list links the same host on another port"),
    Fault(9023, "robots_forbidden", "lost:robots", "linked under /admin/ (Disallow in robots.txt)"),
    Fault(9024, "redirect_to_known", "lost:dupefilter", "302 to the list URL of 9001, already requested"),
    Fault(9025, "duplicate_link", "item", "listed twice: fetched once, the second link counted"),
    Fault(9026, "leading_zero", "item", "listed as idx=09026 and idx=9026: one article"),
    Fault(9027, "not_article", "stat:newscrawl/pages/not_article", "200 with the CMS's 'deleted' alert page"),
    Fault(9028, "control_chars", "item",
          "BEL, bidi override and zero-width space in the title: stripped (item 8)"),
)
FAULTS_BY_IDX = {f.idx: f for f in FAULTS}


@dataclasses.dataclass(frozen=True)
class Served:
    """One ledger line: what one request got."""

    port: int
    path: str
    status: int | None  # None: no HTTP answer (reset, hang)
    fault: str | None
    bytes: int


class Ledger:
    """Everything both servers sent, and every article link the list pages showed (thread-safe)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.served: list[Served] = []
        #: idx -> the hrefs (as written in the lists) that linked it.
        self.linked: dict[int, list[str]] = {}
        self.attempts: dict[str, int] = {}

    def serve(self, entry: Served) -> None:
        with self._lock:
            self.served.append(entry)

    def link(self, idx: int, href: str) -> None:
        with self._lock:
            self.linked.setdefault(idx, []).append(href)

    def attempt(self, key: str) -> int:
        """How many times ``key`` was asked for before, counting this time (1 = first)."""
        with self._lock:
            self.attempts[key] = self.attempts.get(key, 0) + 1
            return self.attempts[key]

    def snapshot(self) -> list[Served]:
        with self._lock:
            return list(self.served)


@cache
def gzip_bomb() -> bytes:
    """:data:`BOMB_INFLATED` zero bytes after an HTML start, as one gzip member (~1 MB, built in ~0.4 s).

    After a full flush the deflate stream restarts, so one compressed MiB of zeros can be repeated
    instead of compressing a GiB; the trailer carries the real CRC-32 and size.
    """
    prefix, chunk = b"<!DOCTYPE html><html><body><p>", bytes(1 << 20)
    deflate = zlib.compressobj(9, zlib.DEFLATED, -15)
    head = deflate.compress(prefix) + deflate.flush(zlib.Z_FULL_FLUSH)
    piece = deflate.compress(chunk) + deflate.flush(zlib.Z_FULL_FLUSH)
    tail = deflate.flush()
    crc = zlib.crc32(prefix)
    for _ in range(BOMB_INFLATED >> 20):
        crc = zlib.crc32(chunk, crc)
    size = len(prefix) + (BOMB_INFLATED >> 20 << 20)
    return (b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x02\xff" + head + piece * (BOMB_INFLATED >> 20) + tail
            + struct.pack("<II", crc & 0xFFFFFFFF, size & 0xFFFFFFFF))


class FaultSite:
    """The normal outlet, the source of the fault articles' texts, and the ledger they share."""

    def __init__(self) -> None:
        self.site = DemoSite(SITE_SIZE)
        self.source = DemoSite(SITE_SIZE, seed=SOURCE_SEED)
        self.ledger = Ledger()
        self.other_port = 0  # set by serve(): where the twin server listens
        usable = [i for i in range(self.source.first_idx, self.source.last_idx + 1)
                  if i not in self.source.special_ids.values() and (a := self.source.article(i)) is not None
                  and not a.release and not a.deleted]
        extra = [*(f.idx for f in FAULTS), *LOOP_ARTICLES]
        self._borrow = dict(zip(extra, usable, strict=False))

    def article(self, idx: int) -> Article | None:
        """A fault article: a source article's text under a new idx, its title marked with the fault."""
        base = self._borrow.get(idx)
        source = self.source.article(base) if base else None
        if source is None:
            return None
        fault = FAULTS_BY_IDX.get(idx)
        label = fault.kind if fault else "loop"
        title = f"{source.title} ({label})"
        if fault and fault.kind == "control_chars":
            title = f"{source.title}\x07 \u202e역방향\u202c\u200b ({label})"
        # A sentence of its own: the source outlet shares some hand-written texts with the normal one,
        # and a fault article must not be a content duplicate of a normal article.
        paragraphs = (*source.paragraphs, f"이 기사는 장애 점검용 {idx}번 기사다.")
        return dataclasses.replace(source, idx=idx, title=title, paragraphs=paragraphs, most_viewed=(),
                                   mcodes=(FAULT_SECTION[1],))

    def home(self) -> str:
        html = render.render_home(self.site)
        extra = "".join(f'      <li><a href="/news/list.php?mcode={code}">{name}</a></li>\n'
                        for name, code in (FAULT_SECTION, HUGE_SECTION, LOOP_SECTION))
        marker = '    <ul class="gnb">\n'
        assert marker in html
        return html.replace(marker, marker + extra, 1)


def _row(href: str, title: str, published: Any) -> str:
    return ("      <dl>\n"
            f'        <dt class="title"><a href="{escape(href)}">{escape(title, quote=False)}</a></dt>\n'
            f'        <dd class="content">{escape(title, quote=False)}</dd>\n'
            f'        <dd class="registDate">{published:%Y-%m-%d}</dd>\n'
            "      </dl>\n")


def list_page(title: str, rows: list[str], next_href: str | None) -> str:
    """A list page in the 다다미디어 markup (``demo.render.render_list``'s structure)."""
    paging = f'      <a href="{escape(next_href)}" class="next">다음</a>\n' if next_href else ""
    return ("<!DOCTYPE html>\n<html lang=\"ko\">\n<head>\n<meta charset=\"utf-8\">\n"
            f"<title>{escape(title)}</title>\n</head>\n<body>\n<div id=\"wrap\">\n"
            f'  <div id="container">\n    <h2 class="list-title">{escape(title)}</h2>\n'
            '    <div class="basicList">\n' + "".join(rows) + "    </div>\n"
            '    <div class="paging">\n' + paging + "    </div>\n  </div>\n</div>\n</body>\n</html>\n")


class FaultServer(DemoServer):
    """A :class:`demo.server.DemoServer` over a :class:`FaultSite` (one per port, sharing the site)."""

    def __init__(self, address: tuple[str, int], fault_site: FaultSite) -> None:
        self.fault_site = fault_site
        super().__init__(address, fault_site.site)
        self.RequestHandlerClass = FaultHandler
        self.other: FaultServer | None = None

    def handle_error(self, request: Any, client_address: Any) -> None:
        """Quiet: a client hanging up mid-body (at DOWNLOAD_MAXSIZE, after a reset) is what the faults are for."""

    @property
    def ledger(self) -> Ledger:
        return self.fault_site.ledger

    @property
    def port(self) -> int:
        return int(self.server_address[1])


class FaultHandler(DemoHandler):
    """Routes the fault sections and articles; everything else is the demo outlet's."""

    server: FaultServer
    _fault: str | None = None
    _sent = 0

    # -- ledger ---------------------------------------------------------------------------
    def do_GET(self) -> None:
        self._fault = None  # one handler serves every request of a keep-alive connection
        super().do_GET()

    def send_response(self, code: int, message: str | None = None) -> None:
        self.server.ledger.serve(Served(self.server.port, self.path, int(code), self._fault, 0))
        super().send_response(code, message)

    def _silent(self, what: str) -> None:
        self.server.ledger.serve(Served(self.server.port, self.path, None, what, 0))

    # -- routes ---------------------------------------------------------------------------
    def route(self, path: str, query: dict[str, str]) -> None:
        fs = self.server.fault_site
        if path == "/":
            self.server.stats.hit("home")
            return self._html(fs.home())
        if path == "/news/list.php" and query.get("mcode") in (FAULT_SECTION[1], HUGE_SECTION[1], LOOP_SECTION[1]):
            return self._fault_list(query["mcode"], _int(query.get("page"), 1))
        if path in ("/news/view.php", "/admin/news/view.php"):
            idx = _int(query.get("idx"))
            if idx >= 9000:
                return self._fault_article(idx, query)
        return super().route(path, query)

    def _link(self, idx: int, href: str) -> str:
        self.server.ledger.link(idx, href)
        return href

    def _fault_list(self, code: str, page: int) -> None:
        fs = self.server.fault_site
        base = self._base_url()
        rows: list[str] = []
        next_href = None
        if code == FAULT_SECTION[1]:
            if page <= 1:
                for fault in FAULTS:
                    article = fs.article(fault.idx)
                    assert article is not None
                    hrefs = [f"/news/view.php?idx={fault.idx}&mcode={code}"]
                    if fault.kind == "other_port_link":
                        host = urlsplit(base).hostname
                        hrefs = [f"http://{host}:{fs.other_port}/news/view.php?idx={fault.idx}&mcode={code}"]
                    elif fault.kind == "robots_forbidden":
                        hrefs = [f"/admin/news/view.php?idx={fault.idx}&mcode={code}"]
                    elif fault.kind == "duplicate_link":
                        hrefs = hrefs * 2
                    elif fault.kind == "leading_zero":
                        hrefs = [f"/news/view.php?idx=0{fault.idx}&mcode={code}", hrefs[0]]
                    rows += [_row(self._link(fault.idx, h), article.clean_title, article.published) for h in hrefs]
        elif code == HUGE_SECTION[1]:
            if page <= 1:
                ids = list(range(fs.site.first_idx, fs.site.last_idx + 1))
                for n in range(HUGE_LIST_ROWS):
                    idx = ids[n % len(ids)]
                    article = fs.site.article(idx)
                    assert article is not None
                    rows.append(_row(self._link(idx, f"/news/view.php?idx={idx}&mcode={code}"),
                                     article.clean_title, article.published))
        elif 1 <= page <= LOOP_MAX_PAGE:  # the list that repeats itself
            for idx in LOOP_ARTICLES:
                article = fs.article(idx)
                assert article is not None
                rows.append(_row(self._link(idx, f"/news/view.php?idx={idx}&mcode={code}"),
                                 article.clean_title, article.published))
            if page < LOOP_MAX_PAGE:
                next_href = f"/news/list.php?mcode={code}&page={page + 1}"
        self._fault = f"list:{code}"
        self.server.stats.hit("list")
        self._html(list_page(code, rows, next_href))

    def _fault_article(self, idx: int, query: dict[str, str]) -> None:
        fs = self.server.fault_site
        article = fs.article(idx)
        if article is None:
            return self._not_found("view")
        self.server.stats.hit("view")
        fault = FAULTS_BY_IDX.get(idx)
        # The twin on the other port serves every article plainly: a leaked offsite request shows as an item.
        kind = fault.kind if fault and self.server.port != fs.other_port else "ok"
        self._fault = kind
        html = render.render_article(fs.source, article, self._base_url())
        key = f"{self.server.port}{self.path}"
        base = self._base_url()
        here = f"/news/view.php?idx={idx}&mcode={FAULT_SECTION[1]}"
        if kind == "transient_5xx" and fs.ledger.attempt(key) <= TRANSIENT_FAILURES:
            return self._html(render.render_not_found(), HTTPStatus.SERVICE_UNAVAILABLE)
        if kind == "permanent_500":
            return self._html(render.render_not_found(), HTTPStatus.INTERNAL_SERVER_ERROR)
        if kind == "not_found":
            return self._not_found("view")
        if kind == "reset":
            return self._reset()
        if kind == "hang":
            self._silent("hang")
            time.sleep(HANG_SECONDS)
            self.close_connection = True
            return None
        if kind == "slow_drip":
            return self._drip(html.encode("utf-8"))
        if kind == "wrong_charset":
            return self._send(HTTPStatus.OK, html.encode("cp949", errors="xmlcharrefreplace"),
                              "text/html; charset=utf-8")
        if kind == "mixed_charset":
            head, sep, body = html.partition('<div class="fr-view">')
            data = (head + sep).encode("utf-8") + body.encode("cp949", errors="xmlcharrefreplace")
            return self._send(HTTPStatus.OK, data, "text/html; charset=utf-8")
        if kind == "invalid_bytes":
            data = html.encode("utf-8").replace(b"</p>", b"\xff\xc3</p>", 2)
            return self._send(HTTPStatus.OK, data, "text/html; charset=utf-8")
        if kind == "malformed_html":
            broken = (html.replace("</p>", "", 3).replace('<div class="side">', "<div class=side></span></td>")
                      .replace("</div>\n    </div>\n", "\n", 1))
            return self._html(broken)
        if kind == "truncated_cut":
            cut = html.index("</p>", html.index('<div class="fr-view">')) + 3  # inside the first </p>
            cut = html.index("<p>", cut) + 2  # ... then mid-tag at the next paragraph: '<p'
            return self._send(HTTPStatus.OK, html[:cut].encode("utf-8"), "text/html; charset=utf-8")
        if kind == "truncated_short":
            data = html.encode("utf-8")
            return self._short(data[: len(data) // 2], len(data))
        if kind in ("huge", "huge_unsized"):
            return self._huge(html, sized=kind == "huge")
        if kind == "gzip_bomb":
            return self._send(HTTPStatus.OK, gzip_bomb(), "text/html; charset=utf-8", {"Content-Encoding": "gzip"})
        if kind == "redirect_self":
            return self._redirect(base + here)
        if kind == "redirect_aba":
            return self._redirect(base + (here if query.get("hop") == "b" else here + "&hop=b"))
        if kind == "redirect_chain":
            hop = _int(query.get("hop"))
            if hop < REDIRECT_CHAIN:
                return self._redirect(f"{base}{here}&hop={hop + 1}")
        if kind == "redirect_other_port":
            host = urlsplit(base).hostname
            return self._redirect(f"http://{host}:{fs.other_port}{here}")
        if kind == "redirect_other_host":
            return self._redirect(f"http://localhost:{self.server.port}{here}")
        if kind == "redirect_to_known":
            return self._redirect(f"{base}/news/view.php?idx=9001&mcode={FAULT_SECTION[1]}")
        if kind == "not_article":
            return self._html(render.render_deleted(fs.site.site_name))
        return self._html(html)

    # -- raw faults ---------------------------------------------------------------------------
    def _reset(self) -> None:
        self._silent("reset")
        self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        self.close_connection = True
        self.connection.close()

    def _drip(self, data: bytes) -> None:
        self.send_response(HTTPStatus.OK)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        step = -(-len(data) // DRIP_PIECES)
        for start in range(0, len(data), step):
            self.wfile.write(data[start:start + step])
            self.wfile.flush()
            time.sleep(DRIP_PAUSE)

    def _short(self, data: bytes, claimed: int) -> None:
        self.send_response(HTTPStatus.OK)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(claimed))
        self.send_header("Connection", "close")
        self.end_headers()
        self.wfile.write(data)
        self.close_connection = True

    def _huge(self, html: str, *, sized: bool) -> None:
        head, sep, tail = html.partition("</p>")
        filler = ("<p>" + "가" * 1000 + "</p>\n").encode("utf-8")
        start, end = (head + sep).encode("utf-8"), tail.encode("utf-8")
        count = HUGE_BYTES // len(filler) + 1
        self.send_response(HTTPStatus.OK)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        if sized:
            self.send_header("Content-Length", str(len(start) + count * len(filler) + len(end)))
        else:
            self.send_header("Connection", "close")
            self.close_connection = True
        self.end_headers()
        try:
            self.wfile.write(start)
            for _ in range(count):
                self.wfile.write(filler)
            self.wfile.write(end)
        except OSError:
            pass  # the crawler hung up at DOWNLOAD_MAXSIZE: what it should do


def _int(value: str | None, default: int = 0) -> int:
    try:
        return int(value) if value is not None else default
    except ValueError:
        return default


@contextmanager
def serve(host: str = "127.0.0.1") -> Iterator[FaultServer]:
    """Run the fault site (and its twin on another port) in threads for a ``with`` block.

    ``server.base_url`` is the outlet (``scrapy crawl news21tongsin -a base_url=...``);
    ``server.ledger`` is shared by both servers.
    """
    fs = FaultSite()
    main, other = FaultServer((host, 0), fs), FaultServer((host, 0), fs)
    fs.other_port = other.port
    main.other = other
    threads = [threading.Thread(target=s.serve_forever, kwargs={"poll_interval": 0.1}, daemon=True)
               for s in (main, other)]
    for t in threads:
        t.start()
    try:
        yield main
    finally:
        for s in (main, other):
            s.shutdown()
            s.server_close()


def parse_query(path: str) -> dict[str, str]:
    """The query of a ledger path, one value per name."""
    return {k: v[0] for k, v in parse_qs(urlsplit(path).query).items()}
