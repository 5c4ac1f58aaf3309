"""Spider classes made from data: one per catalog outlet, one per site family.

Scrapy's spider loader finds spider classes among a module's attributes, so each
catalog entry (``newscrawl/catalog.toml``) becomes a ``NewsSpider`` subclass
here and ``scrapy list`` shows it.

Each crawlable family (one with a section page class) also gets a spider named after
it, for an outlet not in the catalog yet::

    scrapy crawl ndsoft -a base_url=https://www.example.co.kr [-a slug=example] [-a name=예시일보]

``base_url`` is required; ``slug`` (the ``site`` field and ``article_id`` prefix)
defaults to the host without ``www.``; ``name`` (``site_name``) defaults to the slug.
The usual ``NewsSpider`` arguments (``sections``, ``max_pages``, ``since``) apply.
"""

from __future__ import annotations

import re
from typing import Any

from newscrawl.catalog import Outlet, load_catalog
from newscrawl.families import FAMILIES, check_catalog
from newscrawl.parsing.urls import host_of
from newscrawl.spiders.base import NewsSpider, check_base_url

_SLUG_RE = re.compile(r"^[a-z0-9][a-z0-9._-]{0,62}$")


def _make(slug: str) -> type[NewsSpider]:
    site = load_catalog()[slug]
    return type(f"{slug.title().replace('-', '')}Spider", (NewsSpider,),
                {"name": slug, "site": site, "__doc__": f"{site.name} ({site.family} family, {site.base_url})."})


class FamilySpider(NewsSpider):
    """An outlet known only by its address: the site is built from ``-a`` arguments."""

    family_name: str

    def __init__(self, *args: Any, slug: str | None = None, name: str | None = None, **kwargs: Any) -> None:
        # ``name`` must not reach scrapy.Spider, which would rename the spider (and its output paths).
        self._arg_slug = slug
        self._arg_site_name = name
        super().__init__(*args, **kwargs)

    def configure_site(self, base_url: str | None) -> Outlet:
        if not base_url:
            raise ValueError(f"the {self.name!r} spider crawls an outlet that is not in the catalog and needs its "
                             f"address: scrapy crawl {self.name} -a base_url=https://www.example.co.kr "
                             "[-a slug=example] [-a name=outlet name]")
        base_url = check_base_url(base_url)
        host = host_of(base_url)
        slug = (self._arg_slug or host).strip()
        if not _SLUG_RE.match(slug):
            raise ValueError(f"slug={slug!r} must be lowercase letters, digits, '.', '_' or '-'")
        return Outlet(slug=slug, name=(self._arg_site_name or "").strip() or slug, family=self.family_name,
                          base_url=base_url, domains=(host,))


def _make_family(family: str) -> type[NewsSpider]:
    return type(f"{family.title()}FamilySpider", (FamilySpider,),
                {"name": family, "family_name": family,
                 "__doc__": f"Any outlet on the {family} CMS: -a base_url=URL [-a slug=...] [-a name=...]."})


for _slug in check_catalog(load_catalog()):
    globals()[f"spider_{_slug}"] = _make(_slug)

for _family, _spec in FAMILIES.items():
    if not _spec.crawlable:
        continue  # no list pages to walk (the generic extractor): nothing to crawl from a home page
    if _family in load_catalog():
        raise RuntimeError(f"catalog outlet {_family!r} has the name of a family spider; rename the outlet")
    globals()[f"family_spider_{_family}"] = _make_family(_family)
