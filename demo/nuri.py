"""Third demo outlet: a deterministic synthetic 누리신문 (fictional) on the 다다미디어 CMS markup.

Why a third outlet: near-duplicate clusters across outlets (issue 4) need more than a
pair of papers running the same press release, and a second 다다미디어 outlet shows the
``dada`` *family* spider crawling a paper the catalog lacks::

    scrapy crawl dada -a base_url=http://127.0.0.1:PORT -a slug=nurinews -a name=누리신문

Same generator and renderer as 뉴스21 통신 (:class:`demo.content.DemoSite`,
:mod:`demo.render`), another masthead: its own name, menu codes (``m201sc3k``
사회, ``m202ec4p`` 경제, ``m203cu5t`` 문화·관광, ``m204rg6w`` 지역), idx range (31001 ...),
reporters (``@nurinews.example``) and text seed (seed + :data:`SEED_OFFSET`, so the bodies
differ from both other outlets). The special articles sit at the same places relative to
the first idx (31013 deleted, 31021 no 수정, 31034 too short, 31047 no 등록, 31052 re-post
of 31038, every 7th cross-listed), and it runs the shared press releases in its own edit.
"""

from __future__ import annotations

from demo import texts
from demo.content import DemoSite, Masthead, Reporter, Section

OUTLET = "nurinews"
SITE = "nurinews"
SITE_NAME = "누리신문"
EMAIL_DOMAIN = "nurinews.example"
#: idx = base demo idx + IDX_OFFSET.
IDX_OFFSET = 30000
#: Texts come from the base generator with this seed offset (NDSoft uses 100).
SEED_OFFSET = 200

SECTIONS: tuple[Section, ...] = (
    Section("사회", "m201sc3k"),
    Section("경제", "m202ec4p"),
    Section("문화·관광", "m203cu5t"),
    Section("지역", "m204rg6w"),
)

MASTHEAD = Masthead(
    SITE, SITE_NAME, SECTIONS,
    reporters=tuple(Reporter(name, desk, user, EMAIL_DOMAIN) for name, desk, user in texts.NURI_REPORTERS),
    idx_offset=IDX_OFFSET, seed_offset=SEED_OFFSET,
)


class NuriDemoSite(DemoSite):
    """누리신문: a :class:`DemoSite` under its own masthead (same ``size``/``seed`` API)."""

    outlet = OUTLET

    def __init__(self, size: int = 80, seed: int = 21, *, epoch: int = 0) -> None:
        super().__init__(size, seed, MASTHEAD, epoch=epoch)

    def at_epoch(self, epoch: int) -> NuriDemoSite:
        """The same 누리신문 at another epoch (keeps the subclass, which the server and CLI rely on)."""
        return NuriDemoSite(self.size, self.seed, epoch=epoch)
