"""Offline demo outlets: deterministic synthetic news sites with their ground truth.

뉴스21 통신 on the 다다미디어 CMS markup (:class:`DemoSite`), the fictional 한빛일보 on the
NDSoft markup with EUC-KR pages (:class:`NdsoftDemoSite`, ``demo.ndsoft``) and
the fictional 누리신문, another 다다미디어 outlet (:class:`NuriDemoSite`, ``demo.nuri``),
and the fictional 바다일보, whose lists (and some bodies) are built by JavaScript
(:class:`JscmsDemoSite`, ``demo.jscms``). The first three run the same city press releases, each in its own edit, for near-duplicate
detection across outlets (``demo.releases``; truth key ``release``).
Used by ``make demo``, the end-to-end tests and benchmarks, so nothing here touches
the network beyond 127.0.0.1. ``python -m demo serve|truth [--outlet ndsoft|nurinews|jscms]``
is the CLI; :func:`serve_in_thread` runs a server inside a test. ``epoch=N`` (``--epoch N``,
``/__demo/advance`` on a live server) evolves a site between crawls: 3 new, 1 edited and 1
deleted article per epoch, with ``changed_in_epoch`` in the truth (``demo.content``).
"""

from __future__ import annotations

from demo.content import (
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
from demo.jscms import JscmsDemoSite
from demo.ndsoft import NdsoftDemoSite
from demo.nuri import NuriDemoSite
from demo.server import make_server, serve_in_thread

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
    "JscmsDemoSite",
    "NdsoftDemoSite",
    "NuriDemoSite",
    "make_server",
    "serve_in_thread",
]
