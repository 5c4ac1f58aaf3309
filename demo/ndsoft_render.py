"""HTML of the demo NDSoft outlet (한빛일보), in the two NDSoft skins.

Class names follow ``../shared/docs/SITES.md`` §2 so the family's real selectors run;
where the notes say nothing (2017 breadcrumb, image table, reporter box inside the body,
2017 subtitle class, list markup details) the markup is our assumption, the same one
``newscrawl.families.ndsoft`` documents. Pages are returned as ``str``; the server encodes
them (CP949 with numeric character references for what CP949 lacks, like the real CMS).
"""

from __future__ import annotations

from demo.ndsoft import SECTIONS, SITE_NAME, NdArticle, NdsoftDemoSite, email
from demo.normalize import normalize_space
from demo.render import _a, _snippet, _t

PAGING_BLOCK = 10


def _list_href(code: str, page: int | None = None, total: int | None = None) -> str:
    """Relative list URL the way NDSoft writes it (pagination links put page and total first)."""
    query = [f"sc_section_code={code}", "view_type=sm"]
    if page is not None:
        query = [f"page={page}", f"total={total or 0}", "box_idxno=", *query]
    return "/news/articleList.html?" + "&amp;".join(query)


def article_href(site: NdsoftDemoSite, idxno: int) -> str:
    """Current form, or the old install's form for the legacy (2017-skin) articles."""
    if site.is_legacy(idxno):
        return f"/?mod=news&amp;act=articleView&amp;idxno={idxno}"
    return f"/news/articleView.html?idxno={idxno}"


def _head(title: str, extra: str = "") -> str:
    return (
        "<!DOCTYPE html>\n"
        '<html lang="ko">\n'
        "<head>\n"
        '<meta charset="euc-kr">\n'
        '<meta http-equiv="X-UA-Compatible" content="IE=edge">\n'
        f"<title>{title}</title>\n"
        f"{extra}"
        "</head>\n"
    )


def _header() -> str:
    menu = []
    for n, s in enumerate(SECTIONS, start=1):
        menu.append(
            f'        <li><a href="{_list_href(s.code)}">{_t(s.name)}</a>\n'
            '          <ul class="sub">\n'
            f'            <li><a href="/news/articleList.html?sc_sub_section_code=S2N{n}&amp;view_type=sm">'
            f"{_t(s.name)} 일반</a></li>\n"
            "          </ul>\n"
            "        </li>\n"
        )
    return (
        '<header id="user-header">\n'
        f'  <h1 class="logo"><a href="/">{SITE_NAME}</a></h1>\n'
        '  <nav id="user-nav">\n'
        '    <ul class="nav-menu">\n'
        '        <li><a href="/news/articleList.html?view_type=sm">전체기사</a></li>\n'
        f"{''.join(menu)}"
        '        <li><a href="/news/articleList.html?sc_serial_code=SRN1&amp;view_type=sm">연재</a></li>\n'
        "    </ul>\n"
        "  </nav>\n"
        "</header>\n"
    )


_FOOTER = (
    '<footer id="user-footer">\n'
    f'  <p class="copyright">Copyright © {SITE_NAME}. All rights reserved.</p>\n'
    "</footer>\n"
)


def render_home(site: NdsoftDemoSite) -> str:
    rows = []
    for idxno in site.latest(10):
        nd = site.article(idxno)
        assert nd is not None
        rows.append(f'      <li><a href="{article_href(site, idxno)}">{_t(nd.article.clean_title)}</a></li>\n')
    return (
        _head(SITE_NAME)
        + "<body>\n"
        + _header()
        + '<section id="user-container">\n'
        '  <div class="auto-article">\n'
        "    <ul>\n"
        f"{''.join(rows)}"
        "    </ul>\n"
        "  </div>\n"
        "</section>\n"
        + _FOOTER
        + "</body>\n</html>\n"
    )


def _pagination(code: str, page: int, last_page: int, total: int) -> str:
    if page > last_page:
        return '  <ul class="pagination"></ul>\n'
    first = (page - 1) // PAGING_BLOCK * PAGING_BLOCK + 1
    items = [f'    <li class="pagination-start"><a href="{_list_href(code, 1, total)}">처음</a></li>\n']
    if first > 1:
        items.append(f'    <li class="pagination-previous"><a href="{_list_href(code, first - 1, total)}">이전</a></li>\n')
    for n in range(first, min(first + PAGING_BLOCK - 1, last_page) + 1):
        if n == page:
            items.append(f'    <li class="current"><a>{n}</a></li>\n')
        else:
            items.append(f'    <li><a href="{_list_href(code, n, total)}">{n}</a></li>\n')
    if first + PAGING_BLOCK <= last_page:
        items.append(f'    <li class="pagination-next"><a href="{_list_href(code, first + PAGING_BLOCK, total)}">다음</a>'
                     "</li>\n")
    items.append(f'    <li class="pagination-end"><a href="{_list_href(code, last_page, total)}">맨끝</a></li>\n')
    return '  <ul class="pagination">\n' + "".join(items) + "  </ul>\n"


def render_list(site: NdsoftDemoSite, code: str, page: int) -> str:
    """2020-skin list (``#section-list > ul > li``); past the last page: an empty list, status 200."""
    section = next(s for s in SECTIONS if s.code == code)
    rows = []
    # Like many NDSoft installs, the list shows an edited article's latest time (its 수정 time).
    edited = {aid for e in range(1, site.epoch + 1) for aid in site.changes(e)["edited"]}
    for idxno in site.list_page(code, page):
        nd = site.article(idxno)
        assert nd is not None
        a = nd.article
        shown = a.modified if f"{site.site}:{idxno}" in edited and a.modified else a.published
        href = article_href(site, idxno)
        thumb = (f'        <a href="{href}" class="thumb"><img src="{_a(a.images[0][1].path)}" alt=""></a>\n'
                 if a.images else "")
        rows.append(
            "      <li>\n"
            f"{thumb}"
            f'        <h4 class="titles"><a href="{href}">{_t(a.clean_title)}</a></h4>\n'
            f'        <p class="lead line-6x2"><a href="{href}">{_t(_snippet(a.lead, 60))}</a></p>\n'
            f'        <span class="byline"><em>{_t(a.section.name)}</em><em>{_t(nd.byline)}</em>'
            f"<em>{shown:%Y.%m.%d %H:%M}</em></span>\n"
            "      </li>\n"
        )
    total = len(site.list_ids(code))
    return (
        _head(f"{_t(section.name)} - {SITE_NAME}")
        + "<body>\n"
        + _header()
        + '<section id="user-container">\n'
        f'  <header class="article-list-header"><h3 class="title">{_t(section.name)}</h3></header>\n'
        '  <section id="section-list">\n'
        '    <ul class="type1">\n'
        f"{''.join(rows)}"
        "    </ul>\n"
        "  </section>\n"
        f"{_pagination(code, page, site.page_count(code), total)}"
        "</section>\n"
        + _FOOTER
        + "</body>\n</html>\n"
    )


def render_deleted() -> str:
    """What NDSoft answers (status 200) for a deleted article: an alert and a redirect."""
    return (
        _head(SITE_NAME)
        + "<body>\n<script>alert('삭제된 기사입니다.');location.href='/';</script>\n</body>\n</html>\n"
    )


def _meta(nd: NdArticle, base_url: str) -> str:
    a = nd.article
    canonical = f"{base_url}/news/articleView.html?idxno={a.idx}"
    tags = [
        '<meta property="og:type" content="article">',
        f'<meta property="og:site_name" content="{SITE_NAME}">',
        f'<meta property="og:title" content="{_a(a.clean_title)}">',
        f'<meta property="og:url" content="{_a(canonical)}">',
        f'<meta name="description" content="{_a(_snippet(a.lead, 80))}">',
        f'<meta property="article:section" content="{_a(a.section.name)}">',
    ]
    if a.images:
        tags.append(f'<meta property="og:image" content="{_a(base_url + a.images[0][1].path)}">')
    if a.show_published:  # the no-입력 article lacks the meta as well (a CMS glitch; rejected)
        tags.append(f'<meta property="article:published_time" content="{a.published.isoformat()}">')
    if a.modified:
        tags.append(f'<meta property="article:modified_time" content="{a.modified.isoformat()}">')
    tags.append(f'<link rel="canonical" href="{_a(canonical)}">')
    return "\n".join(tags) + "\n"


def _body_2020(nd: NdArticle) -> str:
    a = nd.article
    images_after: dict[int, list[str]] = {}
    for after, image in a.images:
        images_after.setdefault(after, []).append(
            '    <figure class="photo-layout image photo-mid-center">'
            f'<img src="{_a(image.path)}" alt="{_a(normalize_space(image.caption))}">'
            f"<figcaption>{_t(image.caption)}</figcaption></figure>\n")
    out = []
    for n, paragraph in enumerate(a.paragraphs):
        out.append(f"    <p>{_t(paragraph)}</p>\n")
        out.extend(images_after.get(n, ()))
        if n == 1:  # an ad slot between paragraphs (assumption: NDSoft 'ad-template' boxes)
            out.append('    <div class="ad-template"><div class="ad-view">광고</div></div>\n')
    if nd.trailer_text:
        out.append(f"    <p>{_t(nd.trailer_text)}</p>\n")
    if nd.reporter_line:
        out.append(f"    <p>/{_t(a.reporters[0].name)} 기자</p>\n")
    out.append(f'    <div class="view-copyright">저작권자 © {SITE_NAME} 무단전재 및 재배포 금지</div>\n')
    return "".join(out)


def _writers_2020(nd: NdArticle) -> str:
    return "".join(
        '<article class="writer">\n'
        '  <div class="profile"><img src="/image/default-profile.png" alt=""></div>\n'
        f'  <div class="info"><strong class="name">{_t(r.name)} 기자</strong>'
        f'<span class="email">{_t(email(r))}</span></div>\n'
        f'  <a href="/news/articleList.html?sc_area=I&amp;sc_word={_a(r.email_user)}" class="more">다른기사 보기</a>\n'
        "</article>\n"
        for r in nd.article.reporters
    )


def render_article_2020(site: NdsoftDemoSite, nd: NdArticle, base_url: str) -> str:
    a = nd.article
    base_url = base_url.rstrip("/")
    info = [f'    <li><i class="icon-user-o"></i><span class="show-for-sr">기자명</span> {_t(r.name)} 기자</li>\n'
            for r in a.reporters]
    if nd.published_raw:
        info.append(f'    <li><i class="icon-clock-o"></i>{nd.published_raw}</li>\n')
    if nd.modified_raw:
        info.append(f'    <li><i class="icon-clock-o"></i>{nd.modified_raw}</li>\n')
    info.append('    <li><i class="icon-comment"></i><span class="show-for-sr">댓글</span> 0</li>\n')
    subs = ""
    if a.subtitles:
        subs = '  <h2 class="subheading">' + "<br>".join(_t(s) for s in a.subtitles) + "</h2>\n"
    return (
        _head(f"{_t(a.clean_title)} - {SITE_NAME}", _meta(nd, base_url))
        + "<body>\n"
        + _header()
        + '<section id="user-container">\n'
        '<header class="article-view-header">\n'
        '  <nav class="breadcrumbs"><a href="/">홈</a> '
        f'<a href="{_list_href(a.section.code)}">{_t(a.section.name)}</a></nav>\n'
        f'  <h1 class="heading">{_t(a.title)}</h1>\n'
        f"{subs}"
        '  <ul class="infomation">\n'
        f"{''.join(info)}"
        "  </ul>\n"
        "</header>\n"
        '<section class="article-view-content">\n'
        '  <article id="article-view-content-div" class="article-veiw-body view-page font-size17" '
        'itemprop="articleBody">\n'
        f"{_body_2020(nd)}"
        "  </article>\n"
        f"{_writers_2020(nd)}"
        f'<article class="article-copy">저작권자 © {SITE_NAME} 무단전재 및 재배포 금지</article>\n'
        "</section>\n"
        f"{_most_viewed(site, nd)}"
        "</section>\n"
        + _FOOTER
        + "</body>\n</html>\n"
    )


def _most_viewed(site: NdsoftDemoSite, nd: NdArticle) -> str:
    rows = []
    for idxno in nd.article.most_viewed:
        other = site.article(idxno)
        if other is not None and not other.article.deleted:
            rows.append(f'    <li><a href="{article_href(site, idxno)}">{_t(other.article.clean_title)}</a></li>\n')
    return ('<aside class="side"><h4>많이 본 기사</h4>\n  <ul class="auto-article">\n'
            + "".join(rows) + "  </ul>\n</aside>\n")


def _body_2017(nd: NdArticle) -> str:
    """Old editor markup: <br><br> between paragraphs, images in div.IMGFLOATING tables (assumption)."""
    a = nd.article
    images_after: dict[int, list[str]] = {}
    for after, image in a.images:
        images_after.setdefault(after, []).append(
            '<div class="IMGFLOATING" style="width:600px;margin:0 auto;"><table align="center"><tr><td>'
            f'<img src="{_a(image.path)}" style="width:600px" alt=""></td></tr>'
            f'<tr><td class="caption">{_t(image.caption)}</td></tr></table></div>')
    chunks = []
    for n, paragraph in enumerate(a.paragraphs):
        text = f"[{SITE_NAME}={nd.byline}] {paragraph}" if n == 0 else paragraph
        chunks.append(_t(text))
        chunks.extend(images_after.get(n, ()))
    if nd.trailer_text:
        chunks.append(_t(nd.trailer_text))
    if nd.reporter_line:
        chunks.append(f"/{_t(a.reporters[0].name)} 기자")
    body = "<br><br>\n".join(chunks)
    editors = "".join(
        '<div class="view-editors"><div class="float-left"><img src="/image/default-profile.png" alt=""></div>'
        f'<div class="float-left"><strong>{_t(r.name)} 기자</strong> <a href="mailto:{_a(email(r))}">{_t(email(r))}</a>'
        f' <a href="/news/articleList.html?sc_area=I&amp;sc_word={_a(r.email_user)}">다른기사 보기</a></div></div>\n'
        for r in a.reporters
    )
    return f"{body}<br><br>\n&lt;저작권자 © {SITE_NAME} 무단전재 및 재배포 금지&gt;\n{editors}"


def render_article_2017(site: NdsoftDemoSite, nd: NdArticle, base_url: str) -> str:
    a = nd.article
    base_url = base_url.rstrip("/")
    info = [f'<li><i class="fa fa-user-o fa-fw"></i> {_t(r.name)} 기자</li>' for r in a.reporters]
    if nd.published_raw:
        info.append(f'<li><i class="fa fa-clock-o fa-fw"></i> {nd.published_raw}</li>')
    if nd.modified_raw:
        info.append(f'<li><i class="fa fa-clock-o fa-fw"></i> {nd.modified_raw}</li>')
    info.append('<li><i class="fa fa-comments-o fa-fw"></i> 댓글 0</li>')
    subs = ""
    if a.subtitles:  # div.article-head-sub-title: our assumption for the 2017 skin
        subs = '  <div class="article-head-sub-title">' + "<br>".join(_t(s) for s in a.subtitles) + "</div>\n"
    return (
        _head(f"{_t(a.clean_title)} - {SITE_NAME}", _meta(nd, base_url))
        + "<body>\n"
        + _header()
        + '<div id="user-container">\n'
        '<div class="article-head">\n'
        f'  <div class="article-head-title">{_t(a.title)}</div>\n'
        f"{subs}"
        f'  <div class="info-text"><ul>{"".join(info)}</ul></div>\n'
        "</div>\n"
        '<div id="article-view-content-div" class="article-veiw-body view-page font-size17" itemprop="articleBody">\n'
        f"{_body_2017(nd)}"
        "</div>\n"
        f"{_most_viewed(site, nd)}"
        "</div>\n"
        + _FOOTER
        + "</body>\n</html>\n"
    )


def render_article(site: NdsoftDemoSite, nd: NdArticle, base_url: str) -> str:
    if nd.skin == "2017":
        return render_article_2017(site, nd, base_url)
    return render_article_2020(site, nd, base_url)
