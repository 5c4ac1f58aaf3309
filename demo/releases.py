"""Press releases every demo outlet publishes, each newsroom with its own small edits.

Why: near-duplicate detection across outlets (issue 4) needs copies that an exact
content hash misses but a shingle-based detector should cluster, plus *hard negatives*
(another story of the same city on the same topic in the same week) it must not
cluster. Real newsrooms run a city's press release almost verbatim; so do ours:

* 뉴스21 통신 keeps the release's lead, every paragraph and its numbers (``1,200``);
* 한빛일보 writes its own lead, says 전했다 for 밝혔다, writes ``1,200`` as ``1천200`` and
  cuts the last paragraph of the odd releases (pr-1, pr-3, pr-5);
* 누리신문 writes another lead, closes up units (``8억 원`` -> ``8억원``), drops the
  thousands comma and swaps a few words.

So any two copies share at least ~70% of their 5-character shingles (the tests check
it), while no two are byte-identical.

Each newsroom also gives the copy its own title, subtitles, reporter, photo and dateline
(the renderers add those). Everything here is a pure function of the newsroom, so the
copies are deterministic; *where* a copy goes (which idx) is decided by
:class:`demo.content.DemoSite`. The truth labels every copy of release
``pr-N`` with ``release: "pr-N"`` in all three outlets.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from demo.release_texts import HARD_NEGATIVES, RELEASES, NegativeText, ReleaseText

#: Base idx (1007..1060, so every size >= 60 has them) around which each release is published.
RELEASE_AT: dict[str, int] = {"pr-1": 1009, "pr-2": 1017, "pr-3": 1024, "pr-4": 1031, "pr-5": 1041, "pr-6": 1056}
#: Hard negatives are published this many idx (3 hours each) after their release.
NEGATIVE_AFTER: tuple[int, int] = (4, -3)
#: Smallest and largest base idx a story may take (inside every size >= 60; 1001-1006 are
#: the NDSoft outlet's 2017-skin articles).
SLOT_RANGE = (1007, 1060)


@dataclass(frozen=True)
class Newsroom:
    """How one outlet edits a release, and which hard negatives it publishes."""

    slug: str
    #: Which of the release's titles and leads this newsroom writes.
    variant: int
    #: Idx shift after the release time: outlets run the release a few hours apart.
    shift: int
    #: Word swaps applied to the whole copy (lead, body and subtitles), like the house style.
    substitutions: tuple[tuple[str, str], ...]
    #: ``comma`` (1,200), ``korean`` (1천200) or ``plain`` (1200).
    numbers: str
    #: Cut the last paragraph of the releases with this parity (``odd``: pr-1, pr-3, pr-5; ``even``), or ``never``.
    trim_last: str


NEWSROOMS: dict[str, Newsroom] = {
    "news21tongsin": Newsroom("news21tongsin", 0, 0, (), "comma", "never"),
    "hanbitilbo": Newsroom("hanbitilbo", 1, 1, (("밝혔다", "전했다"),), "korean", "odd"),
    "nurinews": Newsroom("nurinews", 2, 2, (("억 원", "억원"), ("만 원", "만원"), ("만 명", "만명"),
                                          ("계획이다", "방침이다"), ("㎞", "km")), "plain", "never"),
}
#: Which newsroom publishes the first and the second hard negative of release N (rotates).
NEGATIVE_OUTLETS: tuple[str, ...] = tuple(NEWSROOMS)

_THOUSANDS = re.compile(r"(?<![\d,])(\d),(\d{3})(?![\d,])")


@dataclass(frozen=True)
class Story:
    """What the generator publishes at a slot instead of a random article.

    ``paragraphs`` may hold ``{day}``; ``release`` is the truth label of a release copy
    (None for a hard negative, which ``shadows`` a release).
    """

    release: str | None
    shadows: str
    city: str
    section: int
    title: str
    subtitles: tuple[str, ...]
    paragraphs: tuple[str, ...]
    caption: str | None
    #: Base idx the story is published around.
    at: int


def write_numbers(text: str, style: str) -> str:
    """Thousands the newsroom's way: ``1,200`` -> ``1천200`` (korean) or ``1200`` (plain)."""
    if style == "korean":
        return _THOUSANDS.sub(lambda m: f"{m[1]}천{int(m[2]) or ''}", text)
    if style == "plain":
        return _THOUSANDS.sub(r"\1\2", text)
    return text


def edit(text: str, room: Newsroom) -> str:
    for old, new in room.substitutions:
        text = text.replace(old, new)
    return write_numbers(text, room.numbers)


def release_copy(release: ReleaseText, room: Newsroom) -> Story:
    """The newsroom's copy of ``release``: own title and lead, its swaps, maybe the last paragraph cut."""
    number = int(release["label"].split("-")[1])
    first, *rest = release["body"]
    body = [edit(p, room) for p in (f"{release['leads'][room.variant]} {first}", *rest)]
    if room.trim_last == ("even", "odd")[number % 2]:
        body = body[:-1]
    return Story(
        release=release["label"], shadows=release["label"], city=release["city"], section=release["section"],
        title=release["titles"][room.variant], subtitles=tuple(edit(s, room) for s in release["subtitles"]),
        paragraphs=tuple(body), caption=release["caption"],
        at=RELEASE_AT[release["label"]] + room.shift,
    )


def negative_story(negative: NegativeText, n: int) -> Story:
    """A hard negative as published (no newsroom edits: only one outlet runs it)."""
    release = next(r for r in RELEASES if r["label"] == negative["shadows"])
    return Story(
        release=None, shadows=negative["shadows"], city=release["city"], section=release["section"],
        title=negative["title"], subtitles=negative["subtitles"], paragraphs=negative["paragraphs"], caption=None,
        at=RELEASE_AT[negative["shadows"]] + NEGATIVE_AFTER[n],
    )


def stories_for(slug: str) -> list[Story]:
    """Every release copy ``slug`` publishes, then its share of the hard negatives; [] for unknown outlets."""
    room = NEWSROOMS.get(slug)
    if room is None:
        return []
    stories = [release_copy(r, room) for r in RELEASES]
    counts: dict[str, int] = {}
    for negative in HARD_NEGATIVES:
        n = counts[negative["shadows"]] = counts.get(negative["shadows"], -1) + 1
        number = int(negative["shadows"].split("-")[1])
        if NEGATIVE_OUTLETS[(number + n) % len(NEGATIVE_OUTLETS)] == slug:
            stories.append(negative_story(negative, n))
    return stories


__all__ = [
    "HARD_NEGATIVES",
    "NEWSROOMS",
    "RELEASES",
    "Newsroom",
    "Story",
    "release_copy",
    "stories_for",
    "write_numbers",
]
