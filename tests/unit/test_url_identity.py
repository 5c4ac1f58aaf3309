"""URL identity: every variant of one article URL gets one canonical URL and one ``article_id``;
two different articles never share either.

Variants are what links and feeds really carry: percent-encoding (``%7E``/``~``, lower/upper-case
escapes, raw Hangul), the case of scheme and host, ``www.``, http/https, default ports, fragments,
menu codes and tracking parameters in any order, repeated parameters, leading zeros in the key.
Identity is read the way a crawl reads it: the outlet from :func:`resolve`, the page's ``key()``
and ``canonical()`` (:func:`identity`), and the articles spider's :func:`link_key`.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path
from urllib.parse import quote

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from scrapy.http import HtmlResponse
from w3lib.url import canonicalize_url

from newscrawl.families import family_of, resolve
from newscrawl.parsing.urls import (
    _w3lib_canonical,
    article_id,
    canonical_url,
    host_of,
    identity_url,
)
from newscrawl.spiders.articles import link_key
from tests.helpers import page_file

ROOT = Path(__file__).resolve().parents[2]
SETTINGS = settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])

#: Catalog outlets (newscrawl/catalog.toml) of each keyed family: their scheme and host win.
DADA_OUTLET = ("news21tongsin", "https://www.news21tongsin.co.kr")
NDSOFT_OUTLETS = (("joongboo", "https://www.joongboo.com"), ("kado", "https://www.kado.net"),
                  ("cctoday", "https://www.cctoday.co.kr"))
TRACKING = ("utm_source=rss", "utm_medium=social", "utm_campaign=spring%20sale", "fbclid=IwAR0x", "gclid=Cj0K",
            "mc_cid=abc", "ref=main", "from=rss")
UNRESERVED_IN_PATH = "-._~"


def identity(url: str) -> tuple[str | None, str]:
    """(article_id, canonical_url) of the page fetched from ``url``, as ``ArticlePage.to_item`` sets them."""
    outlet = resolve(url)
    page = family_of(outlet).article_page(HtmlResponse(url=url, body=b"<html><head></head><body></body></html>",
                                                       encoding="utf-8"), outlet)
    key = page.key()
    return (article_id(outlet.slug, key) if key else None), page.canonical()


# -- variant strategies ------------------------------------------------------------------------
@st.composite
def encoded(draw: st.DrawFn, text: str, safe: str = "") -> str:
    """``text`` with a random choice of its characters percent-encoded (lower- or upper-case escapes);
    non-ASCII characters stay raw or are encoded as UTF-8, and ``safe`` ones are never touched."""
    bits = draw(st.integers(0, 4 ** len(text) - 1))  # two bits a character: encode?, lower-case?
    out = []
    for i, char in enumerate(text):
        if char in safe or not bits >> 2 * i & 1:
            out.append(char)
            continue
        escape = quote(char, safe="")
        if escape == char:  # an unreserved ASCII character: encoded only on purpose
            escape = f"%{ord(char):02X}"
        out.append(escape.lower() if bits >> 2 * i + 1 & 1 else escape)
    return "".join(out)


@st.composite
def random_case(draw: st.DrawFn, text: str) -> str:
    bits = draw(st.integers(0, 2 ** len(text) - 1))
    return "".join(c.upper() if bits >> i & 1 else c for i, c in enumerate(text))


@st.composite
def origin_variant(draw: st.DrawFn, host: str, *, scheme: str | None = None, www: bool = True) -> str:
    """``scheme://host``: random scheme (unless given), case, ``www.`` and default port."""
    scheme = scheme or draw(st.sampled_from(("http", "https")))
    bare = host.removeprefix("www.")
    if www:
        host = draw(st.sampled_from((bare, "www." + bare)))
    port = draw(st.sampled_from(("", {"http": ":80", "https": ":443"}[scheme])))
    return f"{draw(random_case(scheme))}://{draw(random_case(host))}{port}"


@st.composite
def query_variant(draw: st.DrawFn, pairs: list[str], noise: tuple[str, ...]) -> str:
    """``pairs`` plus some ``noise`` pairs, shuffled, some repeated, as a query string (maybe empty)."""
    extra = draw(st.lists(st.sampled_from(noise), max_size=4)) if noise else []
    repeated = draw(st.lists(st.sampled_from(pairs), max_size=2)) if pairs else []
    return "&".join(draw(st.permutations([*pairs, *extra, *repeated])))


@st.composite
def fragment(draw: st.DrawFn) -> str:
    return draw(st.sampled_from(("", "#", "#top", "#comment-3", "#%ED%95%9C")))


@st.composite
def keyed_url(draw: st.DrawFn, origin: str, path: str, name: str, key: int, noise: tuple[str, ...]) -> str:
    zeros = "0" * draw(st.integers(0, 3))
    value = draw(encoded(zeros + str(key)))
    param = f"{draw(encoded(name))}={value}"
    query = draw(query_variant([param], noise))
    return f"{origin}{draw(encoded(path, safe='/'))}?{query}{draw(fragment())}"


keys = st.integers(min_value=1, max_value=10**10)
menu_codes = st.sampled_from(("mcode=m48qmuj", "mcode=m101sc2a", "page=2"))
sections = st.sampled_from(("sc_section_code=S1N1", "sc_sub_section_code=S2N5", "view_type=sm", "page=3"))


@st.composite
def dada_article(draw: st.DrawFn, key: int) -> str:
    """A 다다미디어 article URL of the catalog outlet (``/news/view.php``, mobile ``/m/view.php``)."""
    path = draw(st.sampled_from(("/news/view.php", "/m/view.php")))
    noise = (draw(menu_codes), *TRACKING)
    return draw(keyed_url(draw(origin_variant(DADA_OUTLET[1].partition("://")[2])), path, "idx", key, noise))


@st.composite
def ndsoft_article(draw: st.DrawFn, outlet: tuple[str, str], key: int) -> str:
    """An NDSoft article URL: ``/news/articleView.html?idxno=N`` or the legacy ``/?mod=news&act=articleView``."""
    origin = draw(origin_variant(outlet[1].partition("://")[2]))
    noise = (draw(sections), *TRACKING)
    if draw(st.booleans()):
        return draw(keyed_url(origin, "/news/articleView.html", "idxno", key, noise))
    legacy = draw(st.sampled_from(("/", "", "/index.html")))
    pairs = ["mod=news", "act=articleView", f"idxno={'0' * draw(st.integers(0, 2))}{key}"]
    return f"{origin}{legacy}?{draw(query_variant(pairs, noise))}{draw(fragment())}"


#: Path segments of generic pages: ASCII (some unreserved characters), Hangul, mixed case.
segments = st.lists(st.sampled_from(("news", "article", "2024", "03", "a~b", "x-y_z.html", "뉴스", "한빛시-주차장",
                                     "View", "view", "12345", "기사.html")), min_size=1, max_size=4)
content_params = st.lists(st.sampled_from(("id=5", "id=6", "q=한글", "q=a+b", "cat=%EA%B0%80", "lang=ko")),
                          max_size=2, unique_by=lambda p: p.partition("=")[0])


@st.composite
def generic_article(draw: st.DrawFn, host: str, segs: list[str], params: list[str]) -> str:
    """A page of a site no family knows: identity is host (without www.), path and content parameters."""
    origin = draw(origin_variant(host))
    path = "/" + "/".join(draw(encoded(s, safe="")) for s in segs)
    spelled = []
    for pair in params:
        name, _, value = pair.partition("=")
        if "+" in value:
            value = draw(st.sampled_from((value, value.replace("+", "%20"))))
        elif "%" in value:
            value = draw(st.sampled_from((value, value.lower())))
        else:
            value = draw(encoded(value))
        spelled.append(f"{name}={value}")
    query = draw(query_variant(spelled, TRACKING))
    mark = "?" if query or draw(st.booleans()) else ""
    return f"{origin}{path}{mark}{query}{draw(fragment())}"


generic_hosts = st.sampled_from(("news.hanbit-daily.example", "www.saesol.example", "saesol.example.kr",
                                 "한빛일보.kr", "xn--on3brzl4r5no.kr"))


# -- one article, many URLs -> one identity -----------------------------------------------------
@SETTINGS
@given(key=keys, data=st.data())
def test_dada_variants_share_one_identity(key: int, data: st.DataObject) -> None:
    a, b = data.draw(dada_article(key)), data.draw(dada_article(key))
    expected = (f"{DADA_OUTLET[0]}:{key}", f"{DADA_OUTLET[1]}/news/view.php?idx={key}")
    assert identity(a) == identity(b) == expected, (a, b)
    assert link_key(a) == link_key(b) == expected[0]


@SETTINGS
@given(outlet=st.sampled_from(NDSOFT_OUTLETS), key=keys, data=st.data())
def test_ndsoft_variants_share_one_identity(outlet: tuple[str, str], key: int, data: st.DataObject) -> None:
    a, b = data.draw(ndsoft_article(outlet, key)), data.draw(ndsoft_article(outlet, key))
    expected = (f"{outlet[0]}:{key}", f"{outlet[1]}/news/articleView.html?idxno={key}")
    assert identity(a) == identity(b) == expected, (a, b)
    assert link_key(a) == link_key(b) == expected[0]


@SETTINGS
@given(key=keys, data=st.data())
def test_keyed_sites_outside_the_catalog_share_one_article_id(key: int, data: st.DataObject) -> None:
    """A CMS recognised by URL pattern on an unknown host: the host (no www., no port) and the key.
    The canonical URL keeps the URL's own scheme (the outlet's preferred one is unknown), so only
    encoding, case, default port, www and fragment variants of one scheme share it."""
    scheme = data.draw(st.sampled_from(("http", "https")))
    origins = [data.draw(origin_variant("www.gyeongin-news.example", scheme=scheme, www=False)) for _ in "ab"]
    a, b = (data.draw(keyed_url(o, "/news/articleView.html", "idxno", key, (*TRACKING, "page=2"))) for o in origins)
    (id_a, canon_a), (id_b, canon_b) = identity(a), identity(b)
    assert id_a == id_b == f"gyeongin-news.example:{key}"
    assert canon_a == canon_b == f"{scheme}://www.gyeongin-news.example/news/articleView.html?idxno={key}"
    assert link_key(a) == link_key(b)


@SETTINGS
@given(host=generic_hosts, segs=segments, params=content_params, data=st.data())
def test_generic_variants_share_one_identity(host: str, segs: list[str], params: list[str],
                                             data: st.DataObject) -> None:
    a, b = (data.draw(generic_article(host, segs, params)) for _ in "ab")
    (id_a, canon_a), (id_b, canon_b) = identity(a), identity(b)
    assert id_a == id_b, (a, b)
    assert id_a is not None and id_a.startswith(host_of(canonical_url(f"https://{host}/")) + ":")
    # The canonical URL is one spelling per scheme and host form; the id ignores those two.
    assert identity_url(canon_a) == identity_url(canon_b), (canon_a, canon_b)
    assert canonical_url(canon_a) == canon_a  # already canonical
    assert "#" not in canon_a and "utm_" not in canon_a and "fbclid" not in canon_a


# -- different articles never collide --------------------------------------------------------------
@SETTINGS
@given(keys=st.lists(keys, min_size=2, max_size=2, unique=True), data=st.data())
def test_different_keys_never_collide(keys: list[int], data: st.DataObject) -> None:
    outlet = data.draw(st.sampled_from(NDSOFT_OUTLETS))
    urls = [data.draw(dada_article(keys[0])), data.draw(dada_article(keys[1])),
            data.draw(ndsoft_article(outlet, keys[0])), data.draw(ndsoft_article(outlet, keys[1]))]
    ids = [identity(u) for u in urls]
    assert len({i for i, _ in ids}) == 4 and len({c for _, c in ids}) == 4, urls
    assert len({link_key(u) for u in urls}) == 4


@SETTINGS
@given(pages=st.lists(st.tuples(generic_hosts, segments, content_params), min_size=2, max_size=2), data=st.data())
def test_different_generic_pages_never_collide(pages: list[tuple[str, list[str], list[str]]],
                                               data: st.DataObject) -> None:
    """Another host (other than www.), another path (case counts) or other content parameters: another id."""
    (h1, s1, p1), (h2, s2, p2) = pages
    same = host_of(f"https://{h1}/") == host_of(f"https://{h2}/") and s1 == s2 and sorted(p1) == sorted(p2)
    a, b = data.draw(generic_article(h1, s1, p1)), data.draw(generic_article(h2, s2, p2))
    assert (identity(a)[0] == identity(b)[0]) is same, (a, b)


def test_case_sensitive_paths_and_parameter_names_stay_distinct() -> None:
    assert identity("https://x.example/News/1")[0] != identity("https://x.example/news/1")[0]
    assert canonical_url("https://x.example/a?ID=1") != canonical_url("https://x.example/a?id=1")
    # PHP reads $_GET case-sensitively: IDXNO= is not the NDSoft key, so not its article.
    assert resolve("https://x.example/news/articleView.html?IDXNO=5").family == "generic"
    assert identity("https://www.joongboo.com/news/articleView.html?IDXNO=5")[0] is None
    assert identity("https://x.example/a?id=1&id=2")[0] != identity("https://x.example/a?id=1")[0]


def test_a_malformed_link_rel_canonical_falls_back_to_the_page_url() -> None:
    url = "https://x.example/news/%EA%B0%80?utm_source=rss"
    for href in ("http://x.example:99999/a", "http://[::1/a"):
        body = f'<html><head><link rel="canonical" href="{href}"><title>가</title></head><body></body></html>'
        outlet = resolve(url)
        page = family_of(outlet).article_page(HtmlResponse(url=url, body=body.encode(), encoding="utf-8"), outlet)
        assert page.canonical() == "https://x.example/news/%EA%B0%80"


# -- the rules one by one ------------------------------------------------------------------------
def test_canonical_url_normalisation_examples() -> None:
    same = [
        "https://x.example/%7Euser/%ed%95%9c?q=%ed%95%9c",
        "https://x.example/~user/%ED%95%9C?q=%ED%95%9C",
        "HTTPS://X.Example:443/~user/한?q=한#frag",
        "https://x.example/a/../~user/./한?q=한&utm_source=x&fbclid=y&q=한",
    ]
    assert {canonical_url(u) for u in same} == {"https://x.example/~user/%ED%95%9C?q=%ED%95%9C"}
    assert canonical_url("https://x.example/a?q=a+b") == canonical_url("https://x.example/a?q=a%20b")
    assert canonical_url("https://x.example/a?q=a%2Bb") != canonical_url("https://x.example/a?q=a+b")
    assert canonical_url("http://x.example:80/a?") == "http://x.example/a"
    assert canonical_url("http://x.example:8080/a") == "http://x.example:8080/a"
    assert canonical_url("https://x.example:80/a") == "https://x.example:80/a"  # not https's default
    assert canonical_url("http://한빛일보.kr/a") == "http://xn--on3brzl4r5no.kr/a"
    assert host_of("http://www.한빛일보.kr/a") == host_of("http://xn--on3brzl4r5no.kr/") == "xn--on3brzl4r5no.kr"
    assert canonical_url("https://x.example/a?b=2&a=1&b=1") == "https://x.example/a?a=1&b=1&b=2"
    assert canonical_url("https://x.example/a?%69dx=5", keep=("idx",)) == "https://x.example/a?idx=5"
    assert identity_url("http://www.x.example/a") == identity_url("https://x.example/a") == "https://x.example/a"


#: Characters that make canonicalisation interesting: every class w3lib treats differently.
url_chars = st.sampled_from([*"aZ09-._~!$&'()*+,;=:@/?#[]|%^`{} \"<>\\", "%7e", "%7E", "%2F", "%25", "%ed", "%95",
                             "%9C", "한", "é", "\t"])


@settings(max_examples=400, deadline=None)
@given(scheme=st.sampled_from(("http", "https", "HTTP")), host=st.sampled_from(
    ("x.example", "X.Example", "www.x.kr", "a-b.example", "127.0.0.1", "xn--on3brzl4r5no.kr", "한빛일보.kr")),
    port=st.sampled_from(("", ":80", ":443", ":8080", ":080", ":65535")),
    rest=st.lists(url_chars, max_size=25).map("".join))
def test_fast_path_equals_w3lib(scheme: str, host: str, port: str, rest: str) -> None:
    """The shortcut for URLs already spelled canonically gives exactly what w3lib gives."""
    url = f"{scheme}://{host}{port}/{rest}".partition("#")[0]
    assert _w3lib_canonical(url) == canonicalize_url(url)


words = st.lists(st.sampled_from(["a", "Z", "0", "-", ".", "_", "~", "+", "%ED", "%95", "%9C", "%ed", "%7E", "%2F",
                                  "%20", "%41", "%", "한", "!", "*", ","]), max_size=4).map("".join)


@settings(max_examples=400, deadline=None)
@example(path="%ED%95%9C/a+b", query="%EA=1&a=2&+=3&b=a+b&b=%ED&b=a")  # sorted by decoded bytes: '+' is a space
@example(path="%ED%95%9C", query="q=%ED%95%9C&utm=1")
@given(path=st.lists(words, min_size=1, max_size=3).map("/".join),
       query=st.lists(st.tuples(words, words).map("=".join), max_size=4).map("&".join))
def test_fast_path_equals_w3lib_on_well_formed_urls(path: str, query: str) -> None:
    """The same on URLs shaped like real links (path segments, name=value pairs), which the
    shortcut takes far more often than the random strings above."""
    url = f"https://x.example/{path}" + (f"?{query}" if query else "")
    assert _w3lib_canonical(url) == canonicalize_url(url)


@settings(max_examples=300, deadline=None)
@given(rest=st.lists(url_chars, max_size=25).map("".join), keep=st.sampled_from((None, ("idx",), ("a", "b"))))
def test_canonical_url_is_idempotent(rest: str, keep: tuple[str, ...] | None) -> None:
    once = canonical_url(f"https://X.example:443/{rest}", keep=keep)
    assert canonical_url(once, keep=keep) == once


# -- through `scrapy extract` ----------------------------------------------------------------------
def test_scrapy_extract_gives_one_article_id_per_saved_page(tmp_path: Path) -> None:
    """One saved page under differently encoded URLs, through the real command: one article_id."""
    pages = tmp_path / "pages"
    pages.mkdir()
    shutil.copy(page_file("generic/korean"), pages / "korean.html")  # no <link rel=canonical>: the URL decides
    shutil.copy(page_file("ndsoft/article_2020"), pages / "ndsoft.html")
    rows = [
        ("korean.html", "https://www.saesol.example/뉴스/지역/12345?utm_source=rss"),
        ("korean.html", "https://www.saesol.example/%eb%89%b4%ec%8a%a4/%ec%a7%80%ec%97%ad/12345#body"),
        ("korean.html", "HTTP://SAESOL.example:80/%EB%89%B4%EC%8A%A4/%EC%A7%80%EC%97%AD/%31%32345?"),
        ("ndsoft.html", "https://www.nuriilbo.example/news/articleView.html?idxno=48213"),
        ("ndsoft.html", "http://nuriilbo.example/news/articleView%2ehtml?%69dxno=%34%38213&sc_section_code=S1N1#x"),
    ]
    manifest = tmp_path / "manifest.tsv"
    manifest.write_text("".join(f"pages/{path}\t{url}\n" for path, url in rows), "utf-8")
    out = tmp_path / "items.jsonl"
    proc = subprocess.run([sys.executable, "-m", "scrapy", "extract", "--manifest", str(manifest), "-o", str(out)],
                          cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    items = [json.loads(line) for line in out.read_text("utf-8").splitlines()]
    assert len(items) == 5
    korean, ndsoft = items[:3], items[3:]
    assert len({i["article_id"] for i in korean}) == 1 and korean[0]["article_id"].startswith("saesol.example:")
    assert {i["canonical_url"] for i in korean[:2]} == {
        "https://www.saesol.example/%EB%89%B4%EC%8A%A4/%EC%A7%80%EC%97%AD/12345"}
    assert {i["article_id"] for i in ndsoft} == {"nuriilbo.example:48213"}
    assert {i["url"] for i in items} == {url for _, url in rows}  # the fetched URL is kept as given
