"""The one path from a fetched article page to the final item.

``extract(response, outlet)`` is what every spider, ``scrapy extract`` and every page test
calls: the outlet's family reads the page (:class:`~newscrawl.pages.article.ArticlePage`),
then the cleaning rules (:mod:`newscrawl.pages.clean`) give the item its exported form.
A saved page and a crawled page therefore come out the same by construction.
"""

from __future__ import annotations

from scrapy.http import TextResponse
from scrapy.statscollectors import StatsCollector

from newscrawl.catalog import Outlet
from newscrawl.families import family_of
from newscrawl.items import Article
from newscrawl.pages.article import NotAnArticle
from newscrawl.pages.clean import clean_article

__all__ = ["NotAnArticle", "extract"]


def extract(response: TextResponse, outlet: Outlet, stats: StatsCollector | None = None) -> Article:
    """The final (cleaned) item of one article page; :class:`NotAnArticle` when it is none.

    ``stats``: where to count the cleaning rules that fired (``newscrawl/clean/<rule>``).
    """
    item = family_of(outlet).article_page(response, outlet).to_item()
    for rule in clean_article(item):
        if stats is not None:
            stats.inc_value(f"newscrawl/clean/{rule}")
    return item
