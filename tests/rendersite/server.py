"""The render site: small pages that need (or trip up) a browser, and a ledger of what was fetched.

For the rendering machinery's end-to-end tests (``tests/e2e/test_render.py``); the happy path of a
JavaScript outlet is the jscms demo outlet. Routes (``ID`` a number):

* ``/robots.txt`` forbids ``/private/``.
* ``/article/ID``: an article whose headline and date are in the HTML and whose body is written by
  an inline script (no body without JavaScript). It pulls in an image, a web font, a same-site
  script ``/static/app.js``, a robots-forbidden script ``/private/track.js`` and a third-party
  script on ``localhost`` (this same server under another host name: if the browser fetched it,
  the ledger shows it).
* ``/mislabelled/ID``: the same article as UTF-8 bytes under ``charset=euc-kr`` (header and
  ``<meta>``): the browser pitfall of issue 11.
* ``/slow/ID``: answers after :data:`SLOW_SECONDS` (a navigation timeout).
* ``/api/body/ID``: unused by the pages (they inline their text); kept to count that nothing
  else is asked for.

Every request is counted per path in :attr:`RenderSite.hits` (thread-safe).
"""

from __future__ import annotations

import json
import threading
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from html import escape
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

SLOW_SECONDS = 6
KST_DATE = "2026-11-{day:02d}T{hour:02d}:15:00+09:00"
TITLES = ("시립도서관 야간 개방 연장", "전통시장 주차장 확충 착공", "하천 산책로 조명 교체 완료", "청년 창업 공간 입주자 모집",
          "마을버스 노선 두 곳 신설", "폭염 대비 무더위 쉼터 운영", "초등학교 통학로 안전 점검", "지역 축제 예산 심의 통과")
PARAGRAPHS = ("시는 이번 사업으로 주민 불편이 크게 줄어들 것으로 기대한다고 밝혔다. 담당 부서는 다음 달까지 세부 계획을 확정할 예정이다.",
              "주민 설명회에서는 운영 시간과 안전 대책에 대한 질문이 이어졌다. 시는 의견을 모아 보완책을 마련하기로 했다.",
              "관계자는 예산 집행 상황을 매달 공개하고 사업이 끝난 뒤 효과를 평가하겠다고 말했다.")


def article_id_text(ident: int) -> tuple[str, str, list[str]]:
    """(title, published ISO time, paragraphs) of article ``ident``."""
    title = TITLES[ident % len(TITLES)] + f" ({ident}호)"
    published = KST_DATE.format(day=1 + ident % 28, hour=8 + ident % 10)
    return title, published, [f"{p} 기사 번호 {ident}." for p in PARAGRAPHS]


def article_html(ident: int, host: str, port: int, charset: str = "utf-8") -> str:
    title, published, paragraphs = article_id_text(ident)
    body = json.dumps(paragraphs, ensure_ascii=False).replace("</", "<\\/")
    return f"""<!doctype html>
<html lang="ko"><head><meta charset="{charset}"><title>{escape(title)} - 렌더일보</title>
<meta property="og:title" content="{escape(title)}">
<script type="application/ld+json">{{"@type": "NewsArticle", "author": {{"@type": "Person", "name": "김철수"}}}}</script>
<meta property="article:published_time" content="{published}">
<style>@font-face {{ font-family: f; src: url(/static/font.woff2); }} body {{ font-family: f; }}</style>
<script src="/static/app.js"></script>
<script src="/private/track.js"></script>
<script src="http://localhost:{port}/thirdparty.js"></script>
</head><body>
<article><h1 class="headline">{escape(title)}</h1>
<p class="byline">렌더일보 김철수 기자 <time datetime="{published}">{published[:10]} {published[11:16]}</time></p>
<img src="/photo/{ident}.jpg" alt="">
<div class="article-body" id="article-body"></div></article>
<script>
const paragraphs = {body};
const target = document.getElementById("article-body");
for (const text of paragraphs) {{ const p = document.createElement("p"); p.textContent = text; target.appendChild(p); }}
</script>
</body></html>"""


class RenderSite(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.hits: Counter[str] = Counter()
        self.lock = threading.Lock()

    @property
    def port(self) -> int:
        return int(self.server_address[1])

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def hit(self, path: str) -> None:
        with self.lock:
            self.hits[path] += 1

    def count(self, prefix: str) -> int:
        with self.lock:
            return sum(n for path, n in self.hits.items() if path.startswith(prefix))


class _Handler(BaseHTTPRequestHandler):
    server: RenderSite
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: object) -> None:
        pass

    def _send(self, status: int, body: bytes, content_type: str) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self) -> None:
        host = (self.headers.get("Host") or "").split(":")[0]
        path = self.path.split("?")[0]
        self.server.hit(path if host == "127.0.0.1" else f"//{host}{path}")
        parts = path.strip("/").split("/")
        port = self.server.port
        if path == "/robots.txt":
            self._send(200, b"User-agent: *\nDisallow: /private/\n", "text/plain")
        elif len(parts) == 2 and parts[0] in ("article", "mislabelled", "slow") and parts[1].isdigit():
            ident = int(parts[1])
            if parts[0] == "slow":
                time.sleep(SLOW_SECONDS)
            if parts[0] == "mislabelled":
                html = article_html(ident, host, port, charset="euc-kr")
                self._send(200, html.encode("utf-8"), "text/html; charset=euc-kr")
            else:
                self._send(200, article_html(ident, host, port).encode("utf-8"), "text/html; charset=utf-8")
        elif path.endswith(".js"):
            self._send(200, b"window.loaded = (window.loaded || 0) + 1;", "application/javascript")
        elif path.endswith(".woff2"):
            self._send(200, b"wOF2" + b"\0" * 60, "font/woff2")
        elif path.endswith(".jpg"):
            self._send(200, b"\xff\xd8\xff\xd9", "image/jpeg")
        else:
            self._send(404, b"<html><body>not found</body></html>", "text/html; charset=utf-8")


@contextmanager
def render_site() -> Iterator[RenderSite]:
    server = RenderSite()
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()
