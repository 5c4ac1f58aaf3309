"""The demo outlets, as data: what ``--outlet`` selects, and how each one is crawled.

One place names, per demo outlet, its content class, its site slug (the output
subfolder of ``make demo``) and the ``scrapy crawl`` arguments that crawl it, so the
CLI, ``make demo`` and the end-to-end tests agree. 뉴스21 통신 is crawled by its catalog
spider; 한빛일보 (NDSoft) and 누리신문 (다다미디어) are fictional, not in the catalog, and
are crawled by their family spider (``ndsoft``, ``dada``), as a user would crawl an
outlet the catalog lacks. 바다일보 (``jscms``, :mod:`demo.jscms`) builds its lists with
JavaScript: its family spider ``jscms`` crawls it rendered (issue 11).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from demo.content import DemoSite
from demo.jscms import JscmsDemoSite
from demo.ndsoft import NdsoftDemoSite
from demo.nuri import NuriDemoSite

DemoSiteLike = DemoSite | NdsoftDemoSite


@dataclass(frozen=True)
class DemoOutlet:
    key: str  #: value of ``--outlet``
    slug: str  #: ``site`` of its items and the output subfolder
    name: str  #: ``site_name``
    cms: str  #: CMS family, for humans
    spider: str  #: ``scrapy crawl`` spider name
    spider_args: tuple[str, ...] = ()  #: extra ``-a`` arguments (besides base_url)

    def make_site(self, size: int = 80, seed: int = 21, *, epoch: int = 0) -> DemoSiteLike:
        return SITE_CLASSES[self.key](size, seed, epoch=epoch)


#: Content class per ``--outlet`` key (each takes ``(size, seed, *, epoch=0)``).
SITE_CLASSES: dict[str, Callable[..., DemoSiteLike]] = {
    "dada": DemoSite,
    "ndsoft": NdsoftDemoSite,
    "nurinews": NuriDemoSite,
    "jscms": JscmsDemoSite,
}

OUTLETS: dict[str, DemoOutlet] = {
    "dada": DemoOutlet("dada", "news21tongsin", "뉴스21 통신", "다다미디어", "news21tongsin"),
    "ndsoft": DemoOutlet("ndsoft", "hanbitilbo", "한빛일보", "NDSoft", "ndsoft",
                         ("-a", "slug=hanbitilbo", "-a", "name=한빛일보")),
    "nurinews": DemoOutlet("nurinews", "nurinews", "누리신문", "다다미디어", "dada",
                           ("-a", "slug=nurinews", "-a", "name=누리신문")),
    "jscms": DemoOutlet("jscms", "badailbo", "바다일보", "script-built (JavaScript)", "jscms",
                        ("-a", "slug=badailbo", "-a", "name=바다일보")),
}
DEFAULT_OUTLET = "dada"
#: What ``make demo`` (``demo.run``) crawls and compares with the truth; 바다일보's lists are rendered
#: in Chromium (skipped with a message when it is not installed).
RUN_OUTLETS: tuple[str, ...] = ("dada", "ndsoft", "nurinews", "jscms")
#: Outlets whose crawl needs a browser.
BROWSER_OUTLETS: frozenset[str] = frozenset({"jscms"})
