"""Any news site: no family selectors, only the generic fallbacks of ``ArticlePage``
(JSON-LD, OpenGraph/meta, visible Korean date and byline labels, main-text extraction).
"""

from __future__ import annotations

import hashlib

from newscrawl.pages.article import ArticlePage

FAMILY = "generic"


def matches_url(url: str) -> bool:
    return True


class GenericArticlePage(ArticlePage):
    family = FAMILY

    def key(self) -> str | None:
        # No known article key: a short hash of the canonical URL is stable across runs.
        return hashlib.sha1(self.canonical().encode("utf-8")).hexdigest()[:16]


ArticlePageClass = GenericArticlePage
SectionPageClass = None
