"""One spider class per catalog outlet, made from data (``newscrawl/sites/catalog.toml``).

Scrapy's spider loader finds spider classes among a module's attributes, so each
catalog entry becomes a ``NewsSpider`` subclass here and ``scrapy list`` shows it.
"""

from __future__ import annotations

from newscrawl.sites import load_catalog
from newscrawl.spiders.base import NewsSpider


def _make(slug: str) -> type[NewsSpider]:
    site = load_catalog()[slug]
    return type(f"{slug.title().replace('-', '')}Spider", (NewsSpider,),
                {"name": slug, "site": site, "__doc__": f"{site.name} ({site.family} family, {site.base_url})."})


for _slug in load_catalog():
    globals()[f"spider_{_slug}"] = _make(_slug)
