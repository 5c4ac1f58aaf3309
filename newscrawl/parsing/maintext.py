"""Main-text extraction for pages without family selectors (trafilatura underneath).

Only used where cheaper paths fail: family selectors first, then this. The tree is
copied before trafilatura cleans it, so the page's selectors stay usable.
"""

from __future__ import annotations

import copy
import logging
from typing import Any

from newscrawl.parsing.text import normalize_space

logger = logging.getLogger(__name__)


def main_text(tree: Any, url: str | None = None, *, favor: str = "balanced") -> list[str]:
    """Paragraphs of the page's main text ([] when none is found).

    ``tree`` is an lxml HTML element (copied here), or HTML text/bytes.
    """
    import trafilatura

    document = copy.deepcopy(tree) if hasattr(tree, "tag") else tree
    try:
        text = trafilatura.extract(
            document, url=url, include_comments=False, include_tables=False, include_images=False,
            include_links=False, with_metadata=False, deduplicate=False,
            favor_precision=favor == "precision", favor_recall=favor == "recall", fast=False,
        )
    except Exception:  # trafilatura on hostile HTML: the page degrades to "no body", it never aborts
        logger.debug("trafilatura failed on %s", url, exc_info=True)
        return []
    if not text:
        return []
    return [p for p in (normalize_space(line) for line in text.split("\n")) if p]
