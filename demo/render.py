"""HTML of the demo outlets on the 다다미디어 CMS (뉴스21 통신, 누리신문).

The structure, class names and chrome copy ``tests/sites/fixtures/dada_article.html``
and ``dada_list.html`` so the crawler's real selectors (and its cleaning of
datelines, captions and e-mail trailers) are exercised. Links are relative like on
the real site; only canonical, og:url and og:image are absolute (``base_url``).
Outlet name and menu come from the site's masthead, so every 다다미디어 outlet of the
demo shares this one renderer.
"""

from __future__ import annotations

from html import escape

from demo.content import SITE_NAME, Article, DemoSite, Section

#: Page-number links shown at once in div.paging (one block of the real CMS).
PAGING_BLOCK = 10


def _t(text: str) -> str:
    """Text node: escaped, NBSP written as ``&nbsp;`` like the Froala editor does."""
    return escape(text, quote=False).replace("\xa0", "&nbsp;")


def _a(value: str) -> str:
    """Attribute value."""
    return escape(value, quote=True)


def _snippet(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[:limit].rstrip() + "..."


def _header(site: DemoSite) -> str:
    items = "\n".join(
        f'      <li><a href="/news/list.php?mcode={s.code}">{_t(s.name)}</a></li>' for s in site.sections
    )
    return (
        '  <div id="header">\n'
        f'    <h1 class="logo"><a href="/">{_t(site.site_name)}</a></h1>\n'
        '    <ul class="gnb">\n'
        f"{items}\n"
        "    </ul>\n"
        "  </div>\n"
    )


def _footer(site: DemoSite) -> str:
    return (
        '  <div id="footer">\n'
        '    <p><a href="/m/">모바일 버전 바로가기</a></p>\n'
        f'    <p class="copyright">Copyright ⓒ {_t(site.site_name)}. All rights reserved. 무단전재 및 재배포 금지</p>\n'
        "  </div>\n"
    )


def _list_content(article: Article) -> str:
    """The dd.content teaser: dateline and the start of the lead, cut with '...'."""
    return _snippet(article.dateline + article.lead, 45)


def render_home(site: DemoSite) -> str:
    """Home: the section menu and the latest headlines (how a crawler discovers sections)."""
    rows = []
    for idx in site.latest(10):
        article = site.article(idx)
        assert article is not None
        rows.append(f'        <li><a href="/news/view.php?idx={idx}">{_t(article.clean_title)}</a></li>')
    latest = "\n".join(rows)
    return (
        "<!DOCTYPE html>\n"
        '<html lang="ko">\n'
        "<head>\n"
        '<meta charset="utf-8">\n'
        f"<title>{_t(site.site_name)}</title>\n"
        "</head>\n"
        "<body>\n"
        '<div id="wrap">\n'
        f"{_header(site)}"
        '  <div id="container">\n'
        '    <div class="main-latest">\n'
        "      <h2>최신 기사</h2>\n"
        "      <ul>\n"
        f"{latest}\n"
        "      </ul>\n"
        "    </div>\n"
        "  </div>\n"
        f"{_footer(site)}"
        "</div>\n"
        "</body>\n"
        "</html>\n"
    )


def _paging(section: Section, page: int, last_page: int) -> str:
    """Page numbers of the current block of ten, plus a.next '다음' when a next page exists."""
    if page > last_page:
        return '    <div class="paging">\n    </div>\n'
    first = (page - 1) // PAGING_BLOCK * PAGING_BLOCK + 1
    links = []
    for n in range(first, min(first + PAGING_BLOCK - 1, last_page) + 1):
        on = ' class="on"' if n == page else ""
        links.append(f'      <a href="/news/list.php?mcode={section.code}&amp;page={n}"{on}>{n}</a>')
    if page < last_page:
        links.append(f'      <a href="/news/list.php?mcode={section.code}&amp;page={page + 1}" class="next">다음</a>')
    return '    <div class="paging">\n' + "\n".join(links) + "\n    </div>\n"


def render_list(site: DemoSite, section: Section, page: int) -> str:
    """Section list page ``page``; past the last page the list is empty (the CMS answers 200)."""
    rows = []
    for idx in site.list_page(section.code, page):
        article = site.article(idx)
        assert article is not None
        rows.append(
            "      <dl>\n"
            f'        <dt class="title"><a href="/news/view.php?idx={idx}&amp;mcode={section.code}">'
            f"{_t(article.clean_title)}</a></dt>\n"
            f'        <dd class="content">{_t(_list_content(article))}</dd>\n'
            f'        <dd class="registDate">{article.published:%Y-%m-%d}</dd>\n'
            "      </dl>\n"
        )
    return (
        "<!DOCTYPE html>\n"
        '<html lang="ko">\n'
        "<head>\n"
        '<meta charset="utf-8">\n'
        f"<title>{_t(section.name)} - {_t(site.site_name)}</title>\n"
        "</head>\n"
        "<body>\n"
        '<div id="wrap">\n'
        f"{_header(site)}"
        '  <div id="container">\n'
        f'    <h2 class="list-title">{_t(section.name)}</h2>\n'
        '    <div class="basicList">\n'
        f"{''.join(rows)}"
        "    </div>\n"
        f"{_paging(section, page, site.page_count(section.code))}"
        "  </div>\n"
        "</div>\n"
        "</body>\n"
        "</html>\n"
    )


def render_deleted(site_name: str = SITE_NAME) -> str:
    """What the CMS answers (status 200) for a deleted article: an alert and nothing else."""
    return (
        "<!DOCTYPE html>\n"
        '<html lang="ko">\n'
        "<head>\n"
        '<meta charset="utf-8">\n'
        f"<title>{_t(site_name)}</title>\n"
        "</head>\n"
        "<body>\n"
        "<script>alert('삭제된 기사입니다.');history.back();</script>\n"
        "</body>\n"
        "</html>\n"
    )


def _image_block(path: str, caption: str) -> str:
    return (
        '            <p><span class="fr-img-caption fr-fic fr-dib" style="width: 600px;">'
        f'<span class="fr-img-wrap"><img src="{_a(path)}" alt="">'
        f'<span class="fr-inner">{_t(caption)}</span></span></span></p>\n'
    )


def _most_viewed(site: DemoSite, article: Article) -> str:
    """Sidebar links; the first one carries the CMS's teaser quirk '[OUTLET=NAME ]...'."""
    rows = []
    for n, idx in enumerate(article.most_viewed):
        other = site.article(idx)
        if other is None or other.deleted:  # epoch deletions (the special deleted one is never picked)
            continue
        text = other.clean_title
        if n == 0:
            text += f" [{site.site_name}={other.reporters[0].name} ]" + _snippet(other.lead, 20)
        rows.append(f'          <li><a href="/news/view.php?idx={idx}">{_t(text)}</a></li>\n')
    return "".join(rows)


def render_article(site: DemoSite, article: Article, base_url: str) -> str:
    """Article page (view.php). ``base_url`` is only used for canonical and og: URLs."""
    base_url = base_url.rstrip("/")
    canonical = f"{base_url}/news/view.php?idx={article.idx}"
    title = article.clean_title
    head_meta = [
        '<meta property="og:type" content="article">',
        f'<meta property="og:site_name" content="{_a(site.site_name)}">',
        f'<meta property="og:title" content="{_a(title)}">',
        f'<meta property="og:url" content="{_a(canonical)}">',
    ]
    if article.images:
        head_meta.append(f'<meta property="og:image" content="{_a(base_url + article.images[0][1].path)}">')
    head_meta.append(f'<meta name="description" content="{_a(_snippet(article.lead, 80))}">')
    head_meta.append(f'<link rel="canonical" href="{_a(canonical)}">')

    info = [f"          <li>{_t(article.byline)}</li>\n"]
    if article.published_raw:
        info.append(f"          <li>{article.published_raw}</li>\n")
    if article.modified_raw:
        info.append(f"          <li>{article.modified_raw}</li>\n")

    subj = ""
    if article.subtitles:
        subj = (
            '          <ul class="subj">\n'
            + "".join(f"            <li>{_t(s)}</li>\n" for s in article.subtitles)
            + "          </ul>\n"
        )

    body = []
    images_after: dict[int, list[str]] = {}
    for after, image in article.images:
        images_after.setdefault(after, []).append(_image_block(image.path, image.caption))
    for n, paragraph in enumerate(article.paragraphs):
        text = article.dateline + paragraph if n == 0 else paragraph
        body.append(f"            <p>{_t(text)}</p>\n")
        body.extend(images_after.get(n, ()))
    if article.trailer_text:
        body.append(f"            <p>{_t(article.trailer_text)}</p>\n")

    prev_next = []
    if site.exists(article.idx - 1):
        prev_next.append(f'<a href="/news/view.php?idx={article.idx - 1}">이전 기사 보기</a>')
    if site.exists(article.idx + 1):
        prev_next.append(f'<a href="/news/view.php?idx={article.idx + 1}">다음 기사 보기</a>')
    code = article.section.code

    return (
        "<!DOCTYPE html>\n"
        '<html lang="ko">\n'
        "<head>\n"
        '<meta charset="utf-8">\n'
        f"<title>{_t(title)} - {_t(site.site_name)}</title>\n"
        + "\n".join(head_meta) + "\n"
        "</head>\n"
        "<body>\n"
        '<div id="wrap">\n'
        f"{_header(site)}"
        '  <div id="container">\n'
        '    <div class="article-head">\n'
        f'      <div class="article-head-nav"><a href="/">홈</a> &gt; '
        f'<a href="/news/list.php?mcode={code}">{_t(article.section.name)}</a></div>\n'
        '      <div class="article-head-util"><a href="#" class="btn-mail">기사 메일전송</a></div>\n'
        f'      <h3 class="article-head-title">{_t(article.title)}</h3>\n'
        '      <div class="article-head-info">\n'
        '        <ul class="info-text">\n'
        f"{''.join(info)}"
        "        </ul>\n"
        "      </div>\n"
        "    </div>\n"
        '    <div class="basicView">\n'
        '      <div class="viewContentWrap">\n'
        '        <div class="article-edit"><a href="#">기사수정</a></div>\n'
        '        <div id="viewContent">\n'
        f"{subj}"
        '          <div class="fr-view">\n'
        f"{''.join(body)}"
        "          </div>\n"
        "        </div>\n"
        '        <div class="article-like"><span class="cnt">0</span></div>\n'
        '        <ul class="article-util">\n'
        f'          <li><a href="/news/list.php?mcode={code}">목록 바로가기</a></li>\n'
        '          <li><a href="#" onclick="window.print()">인쇄</a></li>\n'
        "        </ul>\n"
        f'        <div class="article-prev-next">{" ".join(prev_next)}</div>\n'
        "      </div>\n"
        "    </div>\n"
        '    <div class="side">\n'
        '      <div class="most-viewed">\n'
        '        <h4>가장 많이 본 뉴스<a href="/news/list.php?mcode=best">더보기</a></h4>\n'
        "        <ol>\n"
        f"{_most_viewed(site, article)}"
        "        </ol>\n"
        "      </div>\n"
        "    </div>\n"
        "  </div>\n"
        f"{_footer(site)}"
        "</div>\n"
        "</body>\n"
        "</html>\n"
    )


def render_not_found() -> str:
    return (
        "<!DOCTYPE html>\n<html lang=\"ko\">\n<head>\n<meta charset=\"utf-8\">\n"
        "<title>404 Not Found</title>\n</head>\n<body>\n<h1>Not Found</h1>\n</body>\n</html>\n"
    )

