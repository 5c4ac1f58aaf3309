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


class GenericArticlePage(ArticlePage):
    family = NAME

    def key(self) -> str | None:
        # No known article key: a short hash of the canonical URL (w3lib-normalised, so encoding
        # variants hash alike), taken on https and without www. so scheme and www variants do too.
        return hashlib.sha1(identity_url(self.canonical()).encode("utf-8")).hexdigest()[:16]




FAMILY = Family(name=NAME, article_page=GenericArticlePage, article_key=article_key)
