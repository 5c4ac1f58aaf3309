"""The crawl's one state store, shared by the spider and the dedupe pipeline.

The spider reads it (which articles need no fetch, which sections were paginated to
their end) and the dedupe pipeline writes it; both ask :func:`crawl_store` and get the
same open store, so a crawl opens the state once. It is opened on first use from
``NEWSCRAWL_STATE_URI`` (with ``NEWSCRAWL_NEAR_THRESHOLD`` for its near-duplicate index)
and closed when the engine stops, after the pipelines' last commit and every
``spider_closed`` handler.
"""

from __future__ import annotations

import logging
from pathlib import Path
from weakref import WeakKeyDictionary

from scrapy import signals
from scrapy.crawler import Crawler

from newscrawl.state.store import SeenStore, open_store, public_uri, state_location

logger = logging.getLogger(__name__)

_STORES: WeakKeyDictionary[Crawler, SeenStore] = WeakKeyDictionary()
#: State files ``scrapy crawl`` already checked before the crawl, under the lock (see :func:`state_checked`).
_CHECKED: WeakKeyDictionary[Crawler, Path] = WeakKeyDictionary()


def state_checked(crawler: Crawler, path: Path) -> None:
    """Say that the existing state file ``path`` passed its integrity check just now, under the state
    lock, so opening it for this crawl need not run ``PRAGMA quick_check`` a second time (the check
    reads the whole file: 74 ms at 100,000 articles)."""
    _CHECKED[crawler] = path


def crawl_store(crawler: Crawler) -> SeenStore:
    """The state store of ``crawler``'s crawl, opened on the first call."""
    store = _STORES.get(crawler)
    if store is None:
        settings = crawler.settings
        uri = settings["NEWSCRAWL_STATE_URI"]
        checked = _CHECKED.pop(crawler, None)
        fresh = checked is not None and checked == state_location(uri).path and checked.exists()
        store = open_store(uri, near_threshold=settings.getfloat("NEWSCRAWL_NEAR_THRESHOLD"), check=not fresh)
        _STORES[crawler] = store
        logger.debug("state store %s opened", public_uri(uri))

        def close() -> None:
            if _STORES.pop(crawler, None) is not None:
                store.close()

        crawler.signals.connect(close, signal=signals.engine_stopped, weak=False)
    return store


def close_crawl_store(crawler: Crawler) -> None:
    """Close the crawl's store now (tests, and commands that run no engine); a later call reopens it."""
    store = _STORES.pop(crawler, None)
    if store is not None:
        store.close()
