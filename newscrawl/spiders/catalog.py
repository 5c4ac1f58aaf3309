"""Spider classes made from data: one per catalog outlet, one per site family.

Scrapy's spider loader finds spider classes among a module's attributes, so each
catalog entry (``newscrawl/catalog.toml``) becomes a ``NewsSpider`` subclass
here and ``scrapy list`` shows it.

Each crawlable family (one with a section page class) also gets a spider named after
it, for an outlet not in the catalog yet::

    scrapy crawl ndsoft -a base_url=https://www.example.co.kr [-a slug=example] [-a name=예시일보]

``base_url`` is required; ``slug`` (the ``site`` field and ``article_id`` prefix)
defaults to the host without ``www.``; ``name`` (``site_name``) defaults to the slug.
The usual ``NewsSpider`` arguments (``sections``, ``max_pages``, ``since``, ``until``, ``full``)
apply; all are declared in :class:`newscrawl.spiders.args.FamilyArgs`.
"""

from __future__ import annotations

from newscrawl.catalog import Outlet, load_catalog
from newscrawl.families import FAMILIES, Family, check_catalog
from newscrawl.spiders.args import FamilyArgs, OutletArgs
from newscrawl.spiders.base import NewsSpider


def _make(slug: str) -> type[NewsSpider]:
    site = load_catalog()[slug]
    return type(f"{slug.title().replace('-', '')}Spider", (NewsSpider,),
                {"name": slug, "site": site, "__doc__": f"{site.name} ({site.family} family, {site.base_url})."})


class FamilySpider(NewsSpider):
    """An outlet known only by its address: the site is built from ``-a`` arguments (:class:`FamilyArgs`)."""

    family_record: Family
    args_model = FamilyArgs
    args: FamilyArgs

    @classmethod
    def outlet_for(cls, arguments: OutletArgs) -> Outlet:
        # ``-a name=`` is the outlet's name: it stays in the arguments and never reaches scrapy.Spider,
        # which would rename the spider (and its output paths).
        assert isinstance(arguments, FamilyArgs)
        return arguments.outlet(cls.family_record.name)


def _make_family(family: Family) -> type[NewsSpider]:
    return type(f"{family.name.title()}FamilySpider", (FamilySpider,),
                {"name": family.name, "family_record": family,
                 "__doc__": f"Any outlet on the {family.name} CMS: -a base_url=URL [-a slug=...] [-a name=...]."})


for _slug in check_catalog(load_catalog()):
    globals()[f"spider_{_slug}"] = _make(_slug)

for _family in FAMILIES.values():
    if not _family.crawlable:
        continue  # no list pages to walk (the generic extractor): nothing to crawl from a home page
    if _family.name in load_catalog():
        raise RuntimeError(f"catalog outlet {_family.name!r} has the name of a family spider; rename the outlet")
    globals()[f"family_spider_{_family.name}"] = _make_family(_family)
