"""Canonical URLs and stable article ids.

One article is reachable under many URLs: with and without ``www.``, over http and
https, with menu codes (``mcode``), list pages (``page``) and tracking parameters.
A family knows its article key (``idx`` for 다다미디어, ``idxno`` for NDSoft); the
canonical URL keeps only that key, on the outlet's own scheme and host, so the same
article always gets the same ``canonical_url`` and ``article_id``.
"""

from __future__ import annotations

from collections.abc import Iterable
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

#: Query parameters that never identify content (dropped when the key is unknown).
TRACKING_PARAMS = frozenset(
    {"fbclid", "gclid", "dclid", "msclkid", "yclid", "igshid", "mc_cid", "mc_eid", "ref", "ref_src", "_ga", "mcode",
     "sc_section_code", "sc_sub_section_code", "page", "total", "view_type", "vg", "from", "cds", "type"}
)


def _is_tracking(name: str) -> bool:
    lname = name.lower()
    return lname in TRACKING_PARAMS or lname.startswith(("utm_", "pk_", "hmb_"))


def query_param(url: str, name: str) -> str | None:
    """First value of query parameter ``name`` (case-sensitive), or None."""
    for key, value in parse_qsl(urlsplit(url).query, keep_blank_values=True):
        if key == name:
            return value
    return None


def canonical_url(url: str, keep: Iterable[str] | None = None, base_url: str | None = None) -> str:
    """Canonical form of ``url``.

    ``keep``: the article key parameters to keep (all others dropped); when None only
    tracking parameters are dropped. ``base_url``: the outlet's scheme and host, which
    replace the URL's own (``www``/http variants collapse to one). The fragment is
    dropped, the host lower-cased, default ports removed and parameters sorted.
    """
    parts = urlsplit(url.strip())
    scheme, netloc = parts.scheme.lower(), parts.netloc.lower()
    if base_url:
        base = urlsplit(base_url)
        scheme, netloc = base.scheme.lower(), base.netloc.lower()
    if (scheme, netloc.rsplit(":", 1)[-1]) in {("http", "80"), ("https", "443")}:
        netloc = netloc.rsplit(":", 1)[0]
    params = parse_qsl(parts.query, keep_blank_values=True)
    if keep is not None:
        wanted = set(keep)
        params = [(k, v) for k, v in params if k in wanted]
    else:
        params = [(k, v) for k, v in params if not _is_tracking(k)]
    query = urlencode(sorted(params))
    return urlunsplit((scheme, netloc, parts.path or "/", query, ""))


def article_id(site: str, key: str | int) -> str:
    """Stable id '<site>:<key>', e.g. 'news21tongsin:278440'."""
    return f"{site}:{key}"


def host_of(url: str) -> str:
    """Host without port and without a leading 'www.'."""
    host = (urlsplit(url).hostname or "").lower()
    return host[4:] if host.startswith("www.") else host
