"""CMS families: the registry and URL resolution.

Adding a CMS family is one module here (page classes, URL helpers, ``FAMILY = Family(...)``)
plus one line in :data:`FAMILIES`; see the README, "Adding a CMS family".
"""

from __future__ import annotations

from urllib.parse import urlsplit

from newscrawl.catalog import CatalogError, Outlet, load_catalog
from newscrawl.families import dada, generic, jscms, ndsoft
from newscrawl.families.base import Family
from newscrawl.parsing.urls import host_of
from newscrawl.render.actions import RenderMode, RenderPlan

#: Every family, in the order :func:`resolve` tries their URL patterns; generic (matches anything) last.
FAMILIES: dict[str, Family] = {family.name: family for family in (dada.FAMILY, ndsoft.FAMILY, jscms.FAMILY,
                                                                      generic.FAMILY)}


def get_family(name: str) -> Family:
    """The family called ``name``, or :class:`CatalogError` naming the known ones."""
    try:
        return FAMILIES[name]
    except KeyError:
        raise CatalogError(f"unknown site family {name!r}; known: {', '.join(sorted(FAMILIES))}") from None


def family_of(outlet: Outlet) -> Family:
    return get_family(outlet.family)


def render_plan(outlet: Outlet, mode: RenderMode | None = None) -> RenderPlan:
    """What a crawl of ``outlet`` renders: ``mode`` (a spider argument) over the catalog entry's
    ``render`` over the family's default; actions from the catalog entry, else the family."""
    default = family_of(outlet).render
    return RenderPlan(
        mode=mode or outlet.render or default.mode,
        list_actions=default.list_actions if outlet.list_actions is None else outlet.list_actions,
        article_actions=default.article_actions if outlet.article_actions is None else outlet.article_actions,
    )


def check_catalog(catalog: dict[str, Outlet]) -> dict[str, Outlet]:
    """``catalog`` itself, after checking that every outlet names a known family."""
    for outlet in catalog.values():
        try:
            get_family(outlet.family)
        except CatalogError as exc:
            raise CatalogError(f"catalog outlet {outlet.slug!r}: {exc}") from None
    return catalog


def _host_matches(host: str, domains: tuple[str, ...]) -> bool:
    return any(host == d or host.endswith("." + d) for d in domains)


def resolve(url: str, catalog: dict[str, Outlet] | None = None) -> Outlet:
    """The outlet for ``url``: a catalog outlet by domain, else an outlet named after the host on
    the first family whose URL pattern matches and claims such URLs (an outlet not in the catalog yet), else
    generic."""
    host = host_of(url)
    outlets = check_catalog(load_catalog()) if catalog is None else catalog
    for outlet in outlets.values():
        if _host_matches(host, tuple(d.removeprefix("www.") for d in outlet.domains)):
            return outlet
    parts = urlsplit(url)
    base_url = f"{parts.scheme}://{parts.netloc}"
    family = next((f for f in FAMILIES.values() if f.claims_urls and f.matches_url(url)), FAMILIES["generic"])
    return Outlet(slug=host, name=host, family=family.name, base_url=base_url, domains=(host,))


__all__ = ["FAMILIES", "CatalogError", "Family", "Outlet", "check_catalog", "family_of", "get_family", "render_plan",
           "resolve"]
