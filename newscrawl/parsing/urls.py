"""Canonical URLs and stable article ids.

One article is reachable under many URLs: with and without ``www.``, over http and
https, with menu codes (``mcode``), list pages (``page``), tracking parameters, and
percent-encoded in different ways (``%7E`` or ``~``, ``%ed%95%9c``, ``%ED%95%9C`` or a raw
``한``, ``+`` or ``%20``). :func:`canonical_url` spells every variant one way, through
w3lib's :func:`~w3lib.url.canonicalize_url`, plus what w3lib leaves alone (default ports,
tracking parameters, repeated parameters). A family knows its article key (``idx`` for
다다미디어, ``idxno`` for NDSoft); the canonical URL then keeps only that key, on the
outlet's own scheme and host, so the same article always gets the same ``canonical_url``
and ``article_id``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import lru_cache
from urllib.parse import parse_qsl, unquote, unquote_plus, unquote_to_bytes, urlsplit, urlunsplit

from w3lib.url import canonicalize_url, safe_url_string

#: Query parameters that never identify content (dropped when the key is unknown).
TRACKING_PARAMS = frozenset(
    {"fbclid", "gclid", "dclid", "msclkid", "yclid", "igshid", "mc_cid", "mc_eid", "ref", "ref_src", "_ga", "mcode",
     "sc_section_code", "sc_sub_section_code", "page", "total", "view_type", "vg", "from", "cds", "type"}
)
_DEFAULT_PORTS = {"http": ":80", "https": ":443"}
#: A URL w3lib returns unchanged but for the order of its parameters (fragment already cut): http(s),
#: a lower-case ASCII host, a port without leading zeros, a path (not empty) of characters w3lib never
#: escapes (no ';', '|', '[', ']', no dot segment) and upper-case escapes of non-ASCII bytes, each query
#: pair 'name=value' of unreserved characters, '+' and such escapes. Held equal to w3lib by a property test.
_ESCAPE = r"%[89A-F][0-9A-F]"
_QUERY_WORD = rf"(?:[A-Za-z0-9\-._~+]|{_ESCAPE})*"
_CANONICAL_SPELLING = re.compile(
    r"https?://[a-z0-9-]+(?:\.[a-z0-9-]+)*(?::[1-9][0-9]{0,3})?"
    rf"/(?:[A-Za-z0-9\-._~!$&'()*+,=:@/]|{_ESCAPE})*"
    rf"(?:\?{_QUERY_WORD}={_QUERY_WORD}(?:&{_QUERY_WORD}={_QUERY_WORD})*)?"
)


def _is_tracking(name: str) -> bool:
    lname = name.lower()
    return lname in TRACKING_PARAMS or lname.startswith(("utm_", "pk_", "hmb_"))


def query_param(url: str, name: str) -> str | None:
    """First value of query parameter ``name`` (case-sensitive, percent-decoded), or None."""
    for key, value in parse_qsl(urlsplit(url).query, keep_blank_values=True):
        if key == name:
            return value
    return None


def url_path(url: str) -> str:
    """The path of ``url`` percent-decoded (``/news/view%2Ephp`` is ``/news/view.php``), for matching."""
    path = urlsplit(url).path
    return unquote(path) if "%" in path else path


def _strip_default_port(scheme: str, netloc: str) -> str:
    port = _DEFAULT_PORTS.get(scheme)
    return netloc[: -len(port)] if port and netloc.endswith(port) else netloc


@lru_cache(maxsize=256)
def _origin(base_url: str) -> tuple[str, str]:
    """(scheme, netloc) of an outlet's ``base_url``, spelled as :func:`canonical_url` spells hosts."""
    parts = urlsplit(canonicalize_url(base_url.strip()))
    return parts.scheme, _strip_default_port(parts.scheme, parts.netloc)


def _kept_query(query: str, keep: frozenset[str] | None) -> str:
    """The pairs of a raw query that survive: those named in ``keep``, else all but tracking ones.

    Names are compared percent-decoded (``%69dx`` is ``idx``), as the CMS reads them. Done before
    w3lib, so it never encodes and sorts pairs that are dropped anyway.
    """
    out = []
    for pair in query.split("&"):
        if not pair:
            continue
        name = pair.partition("=")[0]
        if "%" in name or "+" in name:
            name = unquote_plus(name)
        if (name in keep) if keep is not None else not _is_tracking(name):
            out.append(pair)
    return "&".join(out)


def _decoded(word: str) -> bytes:
    return unquote_to_bytes(word.replace("+", " ")) if "%" in word or "+" in word else word.encode()


def _w3lib_canonical(url: str) -> str:
    """:func:`w3lib.url.canonicalize_url` of a URL without fragment; done here (2 us instead of 15-60)
    when ``url`` is already spelled canonically but for the order of its parameters, which is most
    URLs a crawl sees (Scrapy made them safe, families build them). A property test holds the two equal."""
    if not _CANONICAL_SPELLING.fullmatch(url) or "/." in url:
        return canonicalize_url(url)
    head, sep, query = url.partition("?")
    if not sep:
        return url
    pairs = [pair.partition("=")[::2] for pair in query.split("&")]
    # w3lib sorts by the decoded bytes of name, then value.
    pairs.sort(key=lambda p: (_decoded(p[0]), _decoded(p[1])))
    return f"{head}?{'&'.join(f'{k}={v}' for k, v in pairs)}"


def canonical_url(url: str, keep: Iterable[str] | None = None, base_url: str | None = None) -> str:
    """Canonical form of ``url``.

    Through :func:`w3lib.url.canonicalize_url`: scheme and host lower-cased, IDNA hosts as
    ``xn--``, path and query percent-encoded one way (UTF-8, upper-case escapes, unreserved
    characters such as ``~`` unescaped, a space in the query as ``+``), ``.``/``..`` segments
    resolved, parameters sorted, an empty query (``?``) and the fragment dropped. Then default
    ports are removed and repeated identical parameters kept once.

    ``keep``: the article key parameters to keep (all others dropped; names compared
    percent-decoded and case-sensitive, as PHP reads them); when None only tracking parameters
    are dropped. ``base_url``: the outlet's scheme and host, which replace the URL's own
    (``www``/http/port variants collapse to one).

    Recent results are cached (a page asks for its canonical URL more than once; menus and
    feeds repeat links).
    """
    return _canonical(url, None if keep is None else frozenset(keep), base_url)


@lru_cache(maxsize=4096)
def _canonical(url: str, keep: frozenset[str] | None, base_url: str | None) -> str:
    head, sep, query = url.strip().partition("#")[0].partition("?")
    if sep:
        query = _kept_query(query, keep)
        url = f"{head}?{query}" if query else head
    else:
        url = head
    scheme, netloc, path, query, _ = urlsplit(_w3lib_canonical(url))
    if base_url:
        scheme, netloc = _origin(base_url)
    else:
        netloc = _strip_default_port(scheme, netloc)
    if "&" in query:
        # Sorted by w3lib, so identical repeats are neighbours; dict.fromkeys keeps the order.
        query = "&".join(dict.fromkeys(query.split("&")))
    return urlunsplit((scheme, netloc, path or "/", query, ""))


def identity_url(canonical: str) -> str:
    """The canonical URL as an identity for pages without an article key: on https and without
    ``www.``, so http/https and ``www.`` variants of one page hash alike (``https://x.kr/a`` stays
    itself, so ids of such pages did not change when this rule came)."""
    _scheme, sep, rest = canonical.partition("://")
    if not sep:
        return canonical
    return "https://" + rest.removeprefix("www.")


def article_id(site: str, key: str | int) -> str:
    """Stable id '<site>:<key>', e.g. 'news21tongsin:278440'."""
    return f"{site}:{key}"


def host_of(url: str) -> str:
    """Host without port and without a leading 'www.', lower-cased, an IDNA host as ``xn--``
    (as a crawl's requests spell it)."""
    host = (urlsplit(url).hostname or "").lower()
    if not host.isascii():
        host = (urlsplit(safe_url_string(url)).hostname or "").lower()
    return host[4:] if host.startswith("www.") else host
