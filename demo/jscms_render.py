"""HTML, JSON, JavaScript and RSS of 바다일보, the demo's JavaScript-built CMS (see :mod:`demo.jscms`).

A CMS of our own design (not the 다다미디어 or NDSoft markup):

* home ``/``: ``nav.gnb`` with one ``a[href="/section/CODE"]`` per section, an RSS ``<link rel=alternate>``;
* list ``/section/CODE``: an empty ``ul#article-list.article-list[data-section=CODE]``, a
  ``button.btn-more`` (더보기) and ``/static/list.js``; after the script ran each entry is
  ``li.list-item > a.list-title[href="/article/ID"] + time.list-date[datetime=ISO]``;
* article ``/article/ID``: ``article.news-article`` with ``p.article-section > a``, ``h1.article-title``,
  ``p.article-subtitle`` (0-2), ``div.article-meta`` (``span.reporter`` with ``span.name`` and
  ``span.email``, then ``span.date-published`` 입력 and ``span.date-modified`` 수정), and the body
  ``div#article-body.article-body`` of ``<p>`` and ``figure.photo`` (``img`` + ``figcaption``);
  a script-body article has the body div empty and an inline script that builds the same markup
  from ``/api/article/ID``. Every article page also links a third-party tracker
  (:data:`TRACKER_URL`, never to be fetched), a web font and the stylesheet.

Every script is plain ASCII (it must run even when the page is decoded with the wrong charset) and
talks to the same origin only. Links are relative, like the other demo outlets; only canonical,
og:url and the RSS links are absolute (``base_url``).
"""

from __future__ import annotations

import json
from email.utils import format_datetime
from html import escape

from demo.content import Article, Section
from demo.jscms import JscmsDemoSite, modified_raw, published_raw

#: A third-party script every article page references; ``.invalid`` never resolves (RFC 2606).
TRACKER_URL = "http://ads.invalid/track.js"
FONT_PATH = "/static/font.woff2"
#: A few bytes with the WOFF2 signature: enough for a request-blocking test, not a usable font.
FONT_BYTES = b"wOF2\x00\x01\x00\x00" + b"\x00" * 40
STYLESHEET = """\
@font-face { font-family: "Bada Sans"; src: url("/static/font.woff2") format("woff2"); }
body { font-family: "Bada Sans", sans-serif; margin: 0 auto; max-width: 960px; }
nav.gnb a { margin-right: 1em; }
ul.article-list { list-style: none; padding: 0; }
li.list-item { padding: .4em 0; border-bottom: 1px solid #ddd; }
time.list-date { color: #777; font-size: .9em; }
figure.photo img { max-width: 100%; }
"""

#: /static/list.js: fills the list from /api/list, one page per click of the 더보기 button.
LIST_JS = """\
(function () {
  "use strict";
  var list = document.getElementById("article-list");
  var more = document.querySelector("button.btn-more");
  if (!list || !more) { return; }
  var section = list.getAttribute("data-section");
  var page = 0;
  var busy = false;

  function shown(iso) {
    return iso.slice(0, 10) + " " + iso.slice(11, 16);
  }

  function add(item) {
    var when = item.modified || item.published;
    var li = document.createElement("li");
    li.className = "list-item";
    var a = document.createElement("a");
    a.className = "list-title";
    a.setAttribute("href", item.url);
    a.textContent = item.title;
    var time = document.createElement("time");
    time.className = "list-date";
    time.setAttribute("datetime", when);
    time.textContent = shown(when);
    li.appendChild(a);
    li.appendChild(document.createTextNode(" "));
    li.appendChild(time);
    list.appendChild(li);
  }

  function load() {
    if (busy) { return; }
    busy = true;
    var next = page + 1;
    fetch("/api/list?section=" + encodeURIComponent(section) + "&page=" + next, {credentials: "same-origin"})
      .then(function (response) {
        if (!response.ok) { throw new Error("HTTP " + response.status); }
        return response.json();
      })
      .then(function (data) {
        page = next;
        data.items.forEach(add);
        if (!data.has_more) { more.style.display = "none"; }
      })
      .catch(function (error) { list.setAttribute("data-error", String(error)); })
      .then(function () { busy = false; });
  }

  more.addEventListener("click", load);
  load();
})();
"""

#: Inline script of a script-body article; %d is the article id.
ARTICLE_JS = """\
<script>
(function () {
  "use strict";
  var body = document.getElementById("article-body");
  function figure(image) {
    var fig = document.createElement("figure");
    fig.className = "photo";
    var img = document.createElement("img");
    img.setAttribute("src", image.src);
    img.setAttribute("alt", "");
    var cap = document.createElement("figcaption");
    cap.textContent = image.caption;
    fig.appendChild(img);
    fig.appendChild(cap);
    return fig;
  }
  fetch("/api/article/%d", {credentials: "same-origin"})
    .then(function (response) {
      if (!response.ok) { throw new Error("HTTP " + response.status); }
      return response.json();
    })
    .then(function (data) {
      data.paragraphs.forEach(function (text, n) {
        var p = document.createElement("p");
        p.textContent = text;
        body.appendChild(p);
        (data.images || []).forEach(function (image) {
          if (image.after === n) { body.appendChild(figure(image)); }
        });
      });
    })
    .catch(function (error) { body.setAttribute("data-error", String(error)); });
})();
</script>
"""


def _t(text: str) -> str:
    """Text node: escaped, NBSP written as ``&nbsp;``."""
    return escape(text, quote=False).replace("\xa0", "&nbsp;")


def _a(value: str) -> str:
    return escape(value, quote=True)


def _head(title: str, charset: str = "utf-8", extra: str = "") -> str:
    return (
        "<!DOCTYPE html>\n"
        '<html lang="ko">\n'
        "<head>\n"
        f'<meta charset="{charset}">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{_t(title)}</title>\n"
        '<link rel="stylesheet" href="/static/site.css">\n'
        '<link rel="alternate" type="application/rss+xml" title="RSS" href="/rss.xml">\n'
        f"{extra}"
        "</head>\n"
    )


def _nav(site: JscmsDemoSite) -> str:
    links = "".join(f'<a href="/section/{s.code}">{_t(s.name)}</a>' for s in site.sections)
    return (
        '<header class="site-header">\n'
        f'  <p class="logo"><a href="/">{_t(site.site_name)}</a></p>\n'
        f'  <nav class="gnb">{links}</nav>\n'
        "</header>\n"
    )


def _footer(site: JscmsDemoSite) -> str:
    return (f'<footer class="site-footer"><p>© {_t(site.site_name)}. 무단 전재 및 재배포 금지.</p></footer>\n'
            "</body>\n</html>\n")


def render_home(site: JscmsDemoSite) -> str:
    """Home: the section menu (the latest headlines are left to the RSS feed)."""
    return (
        _head(site.site_name)
        + "<body>\n"
        + _nav(site)
        + '<main class="home">\n'
        f"  <h1>{_t(site.site_name)}</h1>\n"
        '  <p class="intro">바다와 함께하는 지역 소식. 분야별 기사는 위 메뉴에서 볼 수 있습니다.</p>\n'
        "</main>\n"
        + _footer(site)
    )


def render_list(site: JscmsDemoSite, section: Section) -> str:
    """A section list as the server sends it: no article link, no page link; list.js fills it."""
    return (
        _head(f"{section.name} - {site.site_name}")
        + "<body>\n"
        + _nav(site)
        + '<main class="section">\n'
        f'  <h1 class="section-title">{_t(section.name)}</h1>\n'
        f'  <ul class="article-list" id="article-list" data-section="{_a(section.code)}"></ul>\n'
        '  <button type="button" class="btn-more">더보기</button>\n'
        "  <noscript>기사 목록을 보려면 자바스크립트를 켜 주세요.</noscript>\n"
        "</main>\n"
        '<script src="/static/list.js"></script>\n'
        + _footer(site)
    )


def _figure(path: str, caption: str) -> str:
    return f'    <figure class="photo"><img src="{_a(path)}" alt=""><figcaption>{_t(caption)}</figcaption></figure>\n'


def render_body(article: Article) -> str:
    """The server-rendered body: paragraphs, each followed by the photos placed after it."""
    out = []
    for n, paragraph in enumerate(article.paragraphs):
        out.append(f"    <p>{_t(paragraph)}</p>\n")
        out.extend(_figure(image.path, image.caption) for after, image in article.images if after == n)
    return "".join(out)


def article_json(article: Article) -> dict[str, object]:
    """``/api/article/ID``: the raw paragraphs (NBSP, NFD as the CMS stores them) and the photos."""
    return {
        "id": article.idx,
        "paragraphs": list(article.paragraphs),
        "images": [{"src": image.path, "caption": image.caption, "after": after} for after, image in article.images],
    }


def render_article(site: JscmsDemoSite, article: Article, base_url: str, *, charset: str = "utf-8") -> str:
    """Article page; a script-body article gets an empty body and the inline script instead."""
    base_url = base_url.rstrip("/")
    canonical = f"{base_url}/article/{article.idx}"
    extra = (
        f'<link rel="canonical" href="{_a(canonical)}">\n'
        '<meta property="og:type" content="article">\n'
        f'<meta property="og:site_name" content="{_a(site.site_name)}">\n'
        f'<meta property="og:title" content="{_a(article.clean_title)}">\n'
        f'<meta property="og:url" content="{_a(canonical)}">\n'
        f'<link rel="preload" href="{FONT_PATH}" as="font" type="font/woff2" crossorigin>\n'
        f'<script async src="{TRACKER_URL}"></script>\n'
    )
    reporters = "".join(
        f'<span class="reporter"><span class="name">{_t(r.name)}</span> 기자 '
        f'<span class="email">{_t(r.email)}</span></span>'
        for r in article.reporters
    )
    dates = ""
    if (published := published_raw(article)) is not None:
        dates += f'<span class="date-published">{published}</span>'
    if (modified := modified_raw(article)) is not None:
        dates += f'<span class="date-modified">{modified}</span>'
    subtitles = "".join(f'  <p class="article-subtitle">{_t(s)}</p>\n' for s in article.subtitles)
    scripted = site.needs_render(article.idx)
    body = "" if scripted else render_body(article)
    section = article.section
    return (
        _head(f"{article.clean_title} - {site.site_name}", charset, extra)
        + "<body>\n"
        + _nav(site)
        + '<article class="news-article">\n'
        '  <header class="article-header">\n'
        f'  <p class="article-section"><a href="/section/{section.code}">{_t(section.name)}</a></p>\n'
        f'  <h1 class="article-title">{_t(article.title)}</h1>\n'
        f"{subtitles}"
        f'  <div class="article-meta">{reporters}{dates}</div>\n'
        "  </header>\n"
        f'  <div class="article-body" id="article-body">{chr(10) + body + "  " if body else ""}</div>\n'
        + (ARTICLE_JS % article.idx if scripted else "")
        + '  <p class="article-copyright">저작권자 © 바다일보 무단전재 및 재배포 금지</p>\n'
        "</article>\n"
        + _footer(site)
    )


def render_not_found(site_name: str) -> str:
    """The CMS's page for a deleted or unknown article (served with status 404)."""
    return (
        _head(site_name)
        + "<body>\n"
        '<main class="not-found">\n'
        "  <h1>기사를 찾을 수 없습니다</h1>\n"
        "  <p>삭제되었거나 주소가 바뀐 기사입니다.</p>\n"
        '  <p><a href="/">첫 화면으로</a></p>\n'
        "</main>\n"
        "</body>\n</html>\n"
    )


def render_rss(site: JscmsDemoSite, base_url: str, n: int = 10) -> str:
    """RSS 2.0 of the ``n`` newest articles only: a partial feed."""
    base_url = base_url.rstrip("/")
    items = []
    for idx in site.latest(n):
        article = site.article(idx)
        assert article is not None
        link = f"{base_url}/article/{idx}"
        items.append(
            "    <item>\n"
            f"      <title>{escape(article.clean_title)}</title>\n"
            f"      <link>{escape(link)}</link>\n"
            f'      <guid isPermaLink="true">{escape(link)}</guid>\n'
            f"      <category>{escape(article.section.name)}</category>\n"
            f"      <pubDate>{format_datetime(article.published)}</pubDate>\n"
            f"      <description>{escape(article.lead[:80])}</description>\n"
            "    </item>\n"
        )
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<rss version="2.0">\n'
        "  <channel>\n"
        f"    <title>{escape(site.site_name)}</title>\n"
        f"    <link>{escape(base_url)}/</link>\n"
        f"    <description>{escape(site.site_name)} 최신 기사</description>\n"
        "    <language>ko</language>\n"
        f"{''.join(items)}"
        "  </channel>\n"
        "</rss>\n"
    )


def api_json(data: object) -> bytes:
    return json.dumps(data, ensure_ascii=False).encode("utf-8")
