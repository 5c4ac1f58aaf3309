"""Site families and the outlet catalog.

A *family* is a CMS (다다미디어, NDSoft, ...): it knows its URL scheme, its article key
and has one article page class and one section page class. An *outlet* is data in
``catalog.toml``: name, family, base URL, domains, sections. Adding an outlet on a
known CMS is a catalog entry, not code.
"""

from __future__ import annotations

import importlib
import tomllib
from functools import cache
from pathlib import Path
from types import ModuleType
from typing import Any

import attrs

CATALOG_PATH = Path(__file__).with_name("catalog.toml")


@attrs.frozen
class SiteConfig:
    """One outlet: what a spider and the page objects need to know about it."""

    slug: str
    name: str
    family: str
    base_url: str
    domains: tuple[str, ...] = ()
    sections: tuple[str, ...] = ()
    charset: str = "utf-8"
    language: str = "ko"

    def with_base_url(self, base_url: str) -> SiteConfig:
        """The same outlet served from another address (a local demo copy or a mirror)."""
        from urllib.parse import urlsplit

        host = urlsplit(base_url).hostname or ""
        return attrs.evolve(self, base_url=base_url.rstrip("/"), domains=(*self.domains, host))


class CatalogError(ValueError):
    """The catalog file is malformed: raised with the outlet and field at fault."""


def _outlet(slug: str, data: dict[str, Any]) -> SiteConfig:
    missing = [k for k in ("name", "family", "base_url") if not data.get(k)]
    if missing:
        raise CatalogError(f"catalog outlet {slug!r}: missing {', '.join(missing)}")
    unknown = set(data) - {"name", "family", "base_url", "domains", "sections", "charset", "language"}
    if unknown:
        raise CatalogError(f"catalog outlet {slug!r}: unknown keys {sorted(unknown)}")
    return SiteConfig(
        slug=slug,
        name=data["name"],
        family=data["family"],
        base_url=data["base_url"].rstrip("/"),
        domains=tuple(data.get("domains", ())),
        sections=tuple(data.get("sections", ())),
        charset=data.get("charset", "utf-8"),
        language=data.get("language", "ko"),
    )


@cache
def load_catalog(path: Path = CATALOG_PATH) -> dict[str, SiteConfig]:
    with path.open("rb") as fh:
        raw = tomllib.load(fh)
    outlets = {slug: _outlet(slug, data) for slug, data in raw.get("outlets", {}).items()}
    for site in outlets.values():
        family_module(site.family)  # fail early on a typo in a family name
    return outlets


#: Family modules, in the order their URL patterns are tried by :func:`resolve`; generic last.
FAMILIES = {
    "dada": "newscrawl.sites.dada",
    "ndsoft": "newscrawl.sites.ndsoft",
    "generic": "newscrawl.sites.generic",
}


def family_module(family: str) -> ModuleType:
    try:
        return importlib.import_module(FAMILIES[family])
    except KeyError:
        raise CatalogError(f"unknown site family {family!r}; known: {', '.join(sorted(FAMILIES))}") from None


def _host_matches(host: str, domains: tuple[str, ...]) -> bool:
    return any(host == d or host.endswith("." + d) for d in domains)


def resolve(url: str, catalog: dict[str, SiteConfig] | None = None) -> SiteConfig:
    """The outlet and family for ``url``: a catalog outlet by domain, else a family by URL
    pattern (an outlet not in the catalog yet), else the generic extractor."""
    from urllib.parse import urlsplit

    from newscrawl.parsing.urls import host_of

    host = host_of(url)
    outlets = load_catalog() if catalog is None else catalog
    for site in outlets.values():
        if _host_matches(host, tuple(d.removeprefix("www.") for d in site.domains)):
            return site
    parts = urlsplit(url)
    base_url = f"{parts.scheme}://{parts.netloc}"
    for family in FAMILIES:
        if family != "generic" and family_module(family).matches_url(url):
            return SiteConfig(slug=host, name=host, family=family, base_url=base_url, domains=(host,))
    return SiteConfig(slug=host, name=host, family="generic", base_url=base_url, domains=(host,))
