"""Offline demo outlet: a deterministic synthetic 뉴스21 통신 on the 다다미디어 CMS markup.

Used by ``make demo``, the end-to-end tests and benchmarks, so nothing here touches
the network beyond 127.0.0.1. ``python -m newscrawl.demo serve|truth`` is the CLI;
:class:`DemoSite` generates pages and the ground truth, :func:`serve_in_thread`
runs the server inside a test.
"""

from __future__ import annotations

from newscrawl.demo.content import (
    IDX_DELETED,
    IDX_DUPLICATE,
    IDX_DUPLICATE_OF,
    IDX_NO_MODIFIED,
    IDX_NO_PUBLISHED,
    IDX_SHORT_BODY,
    SECTIONS,
    SPECIAL_IDS,
    DemoSite,
)
from newscrawl.demo.server import make_server, serve_in_thread

__all__ = [
    "IDX_DELETED",
    "IDX_DUPLICATE",
    "IDX_DUPLICATE_OF",
    "IDX_NO_MODIFIED",
    "IDX_NO_PUBLISHED",
    "IDX_SHORT_BODY",
    "SECTIONS",
    "SPECIAL_IDS",
    "DemoSite",
    "make_server",
    "serve_in_thread",
]
