"""Any news site: no family selectors, only the generic fallbacks (:mod:`newscrawl.pages.fallbacks`)
(JSON-LD, OpenGraph/meta, visible Korean date and byline labels, main-text extraction).
"""

from __future__ import annotations

import hashlib

from newscrawl.families.base import Family
from newscrawl.pages.article import ArticlePage
from newscrawl.parsing.urls import identity_url

NAME = "generic"


def article_key(url: str) -> str | None:
    """No URL pattern is known: the key comes from the page (a hash of its canonical URL)."""
    return None


def page_key(canonical: str) -> str:
    """The key of a page without a known article key: a short hash of its canonical URL (w3lib-normalised,
    so encoding variants hash alike), taken on https and without www. so scheme and www variants do too.
    Also what the ``articles`` spider looks a listed generic link up by before fetching it."""
    return hashlib.sha1(identity_url(canonical).encode("utf-8")).hexdigest()[:16]


class GenericArticlePage(ArticlePage):
    family = NAME

    def key(self) -> str | None:
        return page_key(self.canonical())




FAMILY = Family(name=NAME, article_page=GenericArticlePage, article_key=article_key)
