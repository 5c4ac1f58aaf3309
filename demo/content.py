"""Deterministic content and ground truth of the demo outlets on 다다미디어 (뉴스21 통신, 누리신문).

Every article is a pure function of ``(seed, size, idx)``: its text comes from a
``random.Random(seed * 1_000_003 + idx)`` of its own and its time from a closed
formula, so one article can be rendered without generating the others. Only the
per-section id lists are built up front (ints, ~0.1 s for 100,000 articles), which
keeps start-up fast and every request O(page).

Who publishes is a :class:`Masthead` (name, slug, menu codes, idx range, reporters):
뉴스21 통신 is the default, 누리신문 (``demo.nuri``) another one, and the
NDSoft outlet draws its texts from a :class:`DemoSite` with the 한빛일보 masthead. A
few fixed slots per outlet carry the shared press releases and their hard negatives
(:mod:`demo.releases`) instead of a random article.

The *truth* (:meth:`DemoSite.truth`) states what a perfect crawler must export for
each article, so end-to-end tests can score the crawler field by field; ``release``
labels the copies of one press release across outlets.

*Epochs* let the site evolve between crawls (cron-style incremental crawling, issue 5):
``DemoSite(..., epoch=e)`` is the epoch-0 site plus, for each epoch 1..e in turn,
:data:`NEW_PER_EPOCH` new articles (the next ids, newest, so on page 1 of their lists),
one edited article (the oldest eligible one on page 1 of section ``(e - 1) % 4``: new
``수정`` time after everything before, one paragraph revised) and one deleted article
(not on page 1 of any list, picked from section ``(e + 1) % 4``; served as the CMS's
deleted page and dropped from the lists). Special articles and press-release slots are
never edited or deleted, an edited article is never deleted, and epoch 0 is byte for
byte the site without epochs. Truth records carry ``changed_in_epoch``;
:meth:`DemoSite.changes` lists what one epoch changed.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta, timezone
from functools import lru_cache
from random import Random
from typing import Any, TypedDict

from demo import releases, texts
from demo.normalize import content_hash, normalize_body, normalize_space
from demo.releases import Story

KST = timezone(timedelta(hours=9))
SITE = "news21tongsin"
SITE_NAME = "뉴스21 통신"
EMAIL_DOMAIN = "news21tongsin.example"
LANGUAGE = "ko"

#: Article ids run from FIRST_IDX to FIRST_IDX + size - 1.
FIRST_IDX = 1001
#: Smallest size for which every special article exists.
MIN_SIZE = 60
PAGE_SIZE = 10
#: The newest article is published around this time (plus/minus JITTER_SECONDS).
NEWEST_AT = datetime(2024, 3, 31, 18, 0, 0, tzinfo=KST)
#: Articles are STEP_SECONDS apart on average; jitter keeps every gap within 2-4 hours.
STEP_SECONDS = 3 * 3600
JITTER_SECONDS = 3600 // 2
#: Every CROSS_LIST_EVERY-th idx is also listed under a second section.
CROSS_LIST_EVERY = 7

# Special articles (fixed idx; all exist for any size >= MIN_SIZE).
#: Listed normally, but view.php answers 200 with an alert() script and no article markup.
IDX_DELETED = 1013
#: No '수정' line: modified_at is null.
IDX_NO_MODIFIED = 1021
#: Photo-only article: one body paragraph under 30 characters -> reject 'body_too_short'.
IDX_SHORT_BODY = 1034
#: The original of the re-post IDX_DUPLICATE.
IDX_DUPLICATE_OF = 1038
#: No '등록' line (the '수정' line is still there) -> reject 'missing:published_at'.
IDX_NO_PUBLISHED = 1047
#: Re-post of IDX_DUPLICATE_OF: title differs ("(종합)" suffix), body/images/subtitles identical -> 'duplicate'.
IDX_DUPLICATE = 1052

SPECIAL_IDS: dict[str, int] = {
    "deleted": IDX_DELETED,
    "no_modified": IDX_NO_MODIFIED,
    "short_body": IDX_SHORT_BODY,
    "duplicate_of": IDX_DUPLICATE_OF,
    "no_published": IDX_NO_PUBLISHED,
    "duplicate": IDX_DUPLICATE,
}
_SPECIAL_BASES = frozenset(SPECIAL_IDS.values())

_MASK64 = (1 << 64) - 1

#: Articles published in every epoch >= 1.
NEW_PER_EPOCH = 3
#: Upper bound of every time shown at epoch 0 (newest article + max jitter + max 수정 delay):
#: the first epoch's edit must come after it.
EPOCH0_LATEST = NEWEST_AT + timedelta(minutes=300, seconds=JITTER_SECONDS + 59)
#: An epoch's edit is stamped this long after the newest time of that epoch (plus 0-59 s).
EDIT_AFTER = timedelta(minutes=7)
#: What an editor adds to the revised paragraph of an edited article (nothing the cleaning strips:
#: no '기자', '=', e-mail or copyright wording).
EDIT_SENTENCES: tuple[str, ...] = (
    "이후 담당 부서는 세부 일정과 지원 대상을 일부 조정했다고 추가로 밝혔다.",
    "당초 알려진 내용 가운데 일부 수치는 담당 부서의 확인을 거쳐 바로잡았다.",
    "담당 부서는 문의가 이어지자 신청 방법과 일정을 다시 안내하겠다고 덧붙였다.",
    "관련 내용은 추가 협의 결과에 따라 일부 보완됐다.",
    "주민 의견을 반영해 세부 계획 일부를 손질했다는 설명도 나왔다.",
)


class EpochChanges(TypedDict):
    """Ids (``idx``) one epoch touched."""

    new: list[int]
    edited: list[int]
    deleted: list[int]


@dataclass(frozen=True)
class Section:
    """A menu entry: display name and the CMS menu code (``mcode``)."""

    name: str
    code: str


SECTIONS: tuple[Section, ...] = (
    Section("사회", "m101sc2a"),
    Section("경제", "m102ec7b"),
    Section("문화", "m103cu4c"),
    Section("지역", "m104rg9d"),
)
SECTIONS_BY_CODE: dict[str, Section] = {s.code: s for s in SECTIONS}


@dataclass(frozen=True)
class Reporter:
    name: str
    desk: str | None
    email_user: str
    #: The outlet's mail domain (each paper has its own staff and addresses).
    domain: str = EMAIL_DOMAIN

    @property
    def email(self) -> str:
        return f"{self.email_user}@{self.domain}"


REPORTERS: tuple[Reporter, ...] = tuple(Reporter(*r) for r in texts.REPORTERS)


@dataclass(frozen=True)
class Masthead:
    """Who publishes a generated site: the outlet's identity and where its ids and texts come from.

    One generator serves several fictional papers, so everything that differs between
    them is data here rather than a subclass per paper.
    """

    slug: str  #: ``site`` of the items (also selects the newsroom's press-release edits)
    name: str  #: ``site_name``; dateline ``[name=…]`` and photo credits
    sections: tuple[Section, ...]  #: menu, in the order of ``texts.SECTION_TOPICS``
    reporters: tuple[Reporter, ...] = REPORTERS
    #: idx = base idx (1001 ...) + idx_offset.
    idx_offset: int = 0
    #: Texts come from seed + seed_offset (different bodies per outlet for the same --seed).
    seed_offset: int = 0
    #: Base idx the outlet uses for its own special pages, never given to a press release.
    reserved: frozenset[int] = frozenset()


@dataclass(frozen=True)
class Image:
    """A Froala image block; ``caption`` is raw (may carry a '/사진=' credit)."""

    path: str
    caption: str


@dataclass(frozen=True)
class Article:
    """One article as the CMS stores it; text fields are *raw* (what the page shows).

    Raw text may contain NBSP, doubled spaces or NFD Hangul on purpose; the truth
    normalises it the way a perfect extractor must.
    """

    idx: int
    section: Section
    mcodes: tuple[str, ...]
    title: str
    subtitles: tuple[str, ...]
    reporters: tuple[Reporter, ...]
    #: Body paragraphs without dateline; paragraph 0 follows the dateline in the first <p>.
    paragraphs: tuple[str, ...]
    #: (paragraph index the image follows, image).
    images: tuple[tuple[int, Image], ...]
    trailer: Reporter | None
    published: datetime
    modified: datetime | None
    show_published: bool = True
    deleted: bool = False
    #: Ids shown in the "가장 많이 본 뉴스" sidebar.
    most_viewed: tuple[int, ...] = field(default=())
    #: The publishing outlet's name (dateline).
    site_name: str = SITE_NAME
    #: Label of the press release this article is a copy of ("pr-3"), else None.
    release: str | None = None

    @property
    def byline(self) -> str:
        """The info-text byline: 'NAME DESK기자', 'NAME 기자' or 'NAME1·NAME2 기자'."""
        if len(self.reporters) == 1 and self.reporters[0].desk:
            return f"{self.reporters[0].name} {self.reporters[0].desk}기자"
        return "·".join(r.name for r in self.reporters) + " 기자"

    @property
    def dateline(self) -> str:
        return f"[{self.site_name}={self.byline}] "

    @property
    def published_raw(self) -> str | None:
        return f"등록 {self.published:%Y-%m-%d %H:%M:%S}" if self.show_published else None

    @property
    def modified_raw(self) -> str | None:
        return f"수정 {self.modified:%Y-%m-%d %H:%M:%S}" if self.modified else None

    @property
    def trailer_text(self) -> str | None:
        return f"{self.trailer.name} 기자 {self.trailer.email}" if self.trailer else None

    @property
    def clean_title(self) -> str:
        return normalize_space(self.title)

    @property
    def lead(self) -> str:
        return normalize_space(self.paragraphs[0]) if self.paragraphs else ""


def _mix(*values: int) -> int:
    """SplitMix64 over the arguments: a cheap, stable hash (``hash()`` is salted per process)."""
    x = 0
    for v in values:
        x = (x ^ (v & _MASK64)) + 0x9E3779B97F4A7C15 & _MASK64
        x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9 & _MASK64
        x = (x ^ (x >> 27)) * 0x94D049BB133111EB & _MASK64
        x ^= x >> 31
    return x


_PLACEHOLDER = re.compile(r"\{(\w+)(?:\|(\w+))?\}")
_ALTERNATION = re.compile(r"<([^<>]*)>")
_JOSA = {"은는": ("은", "는"), "이가": ("이", "가"), "을를": ("을", "를"), "과와": ("과", "와"), "으로": ("으로", "로")}
#: Final consonant of each digit's reading (영 일 이 삼 사 오 육 칠 팔 구): 0 none, 8 ㄹ.
_DIGIT_FINAL = (21, 8, 0, 16, 0, 0, 1, 8, 8, 0)


def _final(word: str) -> int:
    """Final consonant index (0 none, 8 ㄹ) of the last syllable, ignoring closing quotes and brackets."""
    word = word.rstrip("'\")’”")
    last = word[-1] if word else ""
    if "가" <= last <= "힣":
        return (ord(last) - 0xAC00) % 28
    return _DIGIT_FINAL[int(last)] if last.isdigit() else 0


def has_batchim(word: str) -> bool:
    """True when the last syllable ends in a consonant (picks 은/는, 이/가 ...)."""
    return _final(word) != 0


def fill(template: str, ctx: dict[str, Any]) -> str:
    """Fill ``{key}`` and ``{key|은는}`` placeholders (the latter adds a fitting particle; ``|으로`` too)."""

    def sub(m: re.Match[str]) -> str:
        value = str(ctx[m.group(1)])
        if m.group(2):
            with_final, without = _JOSA[m.group(2)]
            final = _final(value)
            value += with_final if final and not (final == 8 and m.group(2) == "으로") else without
        return value

    return _PLACEHOLDER.sub(sub, template)


def expand(template: str, rng: Random) -> str:
    """Pick one option of every ``<a/b/c>`` alternation (options may be empty)."""
    if "<" not in template:
        return template
    return _ALTERNATION.sub(lambda m: rng.choice(m.group(1).split("/")), template)


def _won(man: int) -> str:
    """An amount given in 만 원, written the Korean way: 84000 -> '8억 4천만 원', 4500 -> '4천500만 원'."""
    eok, rest = divmod(man, 10000)
    parts = [f"{eok}억"] if eok else []
    if rest:
        thousands, rest = divmod(rest, 1000)
        parts.append((f"{thousands}천" if thousands else "") + (str(rest) if rest else "") + "만")
    return " ".join(parts) + " 원"


def _person(rng: Random) -> str:
    return rng.choice(texts.SURNAMES) + rng.choice(texts.GIVEN_FIRST) + rng.choice(texts.GIVEN_SECOND)


def _neighbourhoods(rng: Random, gov: str, n: int) -> list[str]:
    """``n`` different fictional 동 (in a 시) or 읍/면 (in a 군) names."""
    names: list[str] = []
    while len(names) < n:
        first, second = rng.choice(texts.PLACE_FIRST), rng.choice(texts.PLACE_SECOND)
        if first == second:
            continue
        if gov == "시":
            name = first + second + (str(rng.randint(1, 3)) if rng.random() < 0.15 else "") + "동"
        else:
            name = first + second + rng.choice("읍면")
        if name not in names:
            names.append(name)
    return names


#: Places of ordinary articles (the press releases keep to texts.CITIES).
_ALL_CITIES = texts.CITIES + texts.MORE_CITIES
#: Who may be quoted, weighted (each kind at most once per article).
_SPEAKERS = ("mayor", "mayor", "official", "official", "official", "resident", "resident", "resident", "expert",
             "leader")

#: 뉴스21 통신, the default outlet.
NEWS21 = Masthead(SITE, SITE_NAME, SECTIONS)


def truth_record(site: str, idx: int, base_idx: int, offset: int, deleted: bool, release: str | None,
                 mcodes: Any, item: Any, changed_in_epoch: int) -> dict[str, Any]:
    """One truth record, shared by every demo outlet (their ids differ only by ``offset``).

    ``base_idx`` is the outlet-independent idx (1001 ...) that decides the special articles;
    ``item`` makes the expected exported item (not called for a deleted article).
    """
    expect, reason, duplicate_of = "item", None, None
    if deleted:
        expect = "deleted"
    elif base_idx == IDX_SHORT_BODY:
        expect, reason = "reject", "body_too_short"
    elif base_idx == IDX_NO_PUBLISHED:
        expect, reason = "reject", "missing:published_at"
    elif base_idx == IDX_DUPLICATE:
        expect, duplicate_of = "duplicate", f"{site}:{IDX_DUPLICATE_OF + offset}"
    return {
        "idx": idx,
        "article_id": f"{site}:{idx}",
        "expect": expect,
        "reject_reason": reason,
        "duplicate_of": duplicate_of,
        "release": release,
        "mcodes": list(mcodes),
        "item": {} if deleted else item(),
        "changed_in_epoch": changed_in_epoch,
    }


class DemoSite:
    """The synthetic outlet: section lists, articles and their truth.

    ``size`` articles with idx ``first_idx .. first_idx + size - 1`` (1001 ... for
    뉴스21 통신); the highest idx is the newest. The same ``(size, seed, masthead)``
    always gives the same site. Internally every rule (special articles, cross-listing,
    time, random texts) works on the *base* idx ``idx - masthead.idx_offset``, so every
    masthead has the same structure.

    ``epoch`` (keyword, default 0) applies that many epochs of news, edits and deletions
    (see the module docstring); ``size`` stays the epoch-0 article count, ``last_idx``
    grows by :data:`NEW_PER_EPOCH` per epoch.
    """

    def __init__(self, size: int = 80, seed: int = 21, masthead: Masthead = NEWS21, *, epoch: int = 0) -> None:
        if size < MIN_SIZE:
            raise ValueError(f"size must be >= {MIN_SIZE} so every special article exists (got {size})")
        if epoch < 0:
            raise ValueError(f"epoch must be >= 0 (got {epoch})")
        self.size = size
        self.seed = seed
        self.masthead = masthead
        self.site = masthead.slug
        self.site_name = masthead.name
        self.sections = masthead.sections
        self._by_code = {s.code: s for s in masthead.sections}
        self._topics = {s.code: texts.SECTION_TOPICS[base.code]
                        for s, base in zip(masthead.sections, SECTIONS, strict=True)}
        self._text_seed = seed + masthead.seed_offset
        self._offset = masthead.idx_offset
        self.first_idx = FIRST_IDX + self._offset
        self.last_idx = FIRST_IDX + size - 1 + self._offset
        #: The newest idx at epoch 0: times are anchored on it, so later epochs never move old articles.
        self._last0 = self.last_idx
        #: Special articles of this outlet (same kinds as SPECIAL_IDS, shifted by the idx offset).
        self.special_ids = {kind: idx + self._offset for kind, idx in SPECIAL_IDS.items()}
        self._stories = self._place_stories()
        # Newest first == descending idx (publication time decreases strictly with idx).
        lists: dict[str, list[int]] = {s.code: [] for s in self.sections}
        for idx in range(self.last_idx, self.first_idx - 1, -1):
            for code in self.section_codes(idx):
                lists[code].append(idx)
        self._lists = lists
        self.epoch = 0
        #: idx -> epoch of its last change (created, edited or deleted); absent: epoch-0 content.
        self._changed: dict[int, int] = {}
        #: idx -> (epoch, new 수정 time) of its edit.
        self._edits: dict[int, tuple[int, datetime]] = {}
        self._deleted: set[int] = set()
        self._epoch_changes: dict[int, EpochChanges] = {}
        #: Latest time shown so far; each epoch's edit is stamped after it.
        self._clock = EPOCH0_LATEST
        for e in range(1, epoch + 1):
            self._apply_epoch(e)
        self.article = lru_cache(maxsize=4096)(self._build)  # type: ignore[method-assign]

    def at_epoch(self, epoch: int) -> DemoSite:
        """The same site (size, seed, masthead) at another epoch; what the server swaps in on advance."""
        return DemoSite(self.size, self.seed, self.masthead, epoch=epoch)

    # -- epochs ---------------------------------------------------------------

    def _protected(self, idx: int) -> bool:
        """Special articles, press-release slots and the masthead's reserved ids keep their epoch-0 form."""
        base = idx - self._offset
        return base in _SPECIAL_BASES or base in self._stories or base in self.masthead.reserved

    def _apply_epoch(self, e: int) -> None:
        """Publish, edit and delete as epoch ``e`` does (``e == self.epoch + 1``); O(list) work, no rendering."""
        deleted = self._pick_delete(e)  # off page 1 before the new articles push pages down, so after too
        new = list(range(self.last_idx + 1, self.last_idx + 1 + NEW_PER_EPOCH))
        for idx in new:  # ascending, each inserted first: newest first
            for code in self.section_codes(idx):
                self._lists[code].insert(0, idx)
        self.last_idx = new[-1]
        self.epoch = e
        for idx in new:
            self._changed[idx] = e

        edited = self._pick_edit(e, set(new))
        latest = max(max(self.published_at(i), self._fresh_modified(i)) for i in new)
        when = max(latest, self._clock) + EDIT_AFTER + timedelta(seconds=_mix(self._text_seed, e, 5) % 60)
        self._clock = when
        self._edits[edited] = (e, when)
        self._changed[edited] = e

        for code in self.section_codes(deleted):
            self._lists[code].remove(deleted)
        self._deleted.add(deleted)
        self._changed[deleted] = e
        self._epoch_changes[e] = {"new": new, "edited": [edited], "deleted": [deleted]}

    def _pick_edit(self, e: int, new: set[int]) -> int:
        """The oldest article on page 1 of section ``(e - 1) % n`` (its primary one) that is not new, not
        protected and not edited before; the next sections if that page has none."""
        n = len(self.sections)
        for k in range(n):
            code = self.sections[(e - 1 + k) % n].code
            page = [i for i in self._lists[code][:PAGE_SIZE]
                    if self.section_codes(i)[0] == code and i not in new and i not in self._edits
                    and not self._protected(i)]
            if page:
                return page[-1]
        raise RuntimeError(f"epoch {e}: no article left to edit on any first page")  # pragma: no cover

    def _pick_delete(self, e: int) -> int:
        """An unprotected, never-edited article on no list's page 1 (as the previous epoch shows them): from a
        seeded position past page 1 of section ``(e + 1) % n``, the first such one (wrapping; then the next
        sections).

        Lists only grow at the top and lose entries below page 1, so an article off page 1 never comes
        back to it: this epoch's edit (picked from page 1) and later ones can never hit a deleted article.
        """
        n = len(self.sections)
        for k in range(n):
            code = self.sections[(e + 1 + k) % n].code
            tail = self._lists[code][PAGE_SIZE:]
            if not tail:
                continue
            start = _mix(self._text_seed, e, 7) % len(tail)
            for j in range(len(tail)):
                idx = tail[(start + j) % len(tail)]
                if idx in self._edits or self._protected(idx):
                    continue
                if all(idx not in self._lists[c][:PAGE_SIZE] for c in self.section_codes(idx)):
                    return idx
        raise RuntimeError(f"epoch {e}: no article left to delete")  # pragma: no cover

    def _fresh_modified(self, idx: int) -> datetime:
        """수정 time of an article published in an epoch >= 1: 5-44 minutes after publication, so every
        time of epoch e comes before the first article of epoch e + 1 (a clock that only moves on)."""
        h = _mix(self._text_seed, idx - self._offset, 6)
        return self.published_at(idx) + timedelta(minutes=5 + h % 40, seconds=(h >> 16) % 60)

    def _revise(self, article: Article, e: int, when: datetime) -> Article:
        """The edit of epoch ``e``: new 수정 time, and one paragraph after the lead gets an added sentence."""
        h = _mix(self._text_seed, article.idx - self._offset, e, 8)
        paragraphs = list(article.paragraphs)
        k = 1 + h % (len(paragraphs) - 1) if len(paragraphs) > 1 else 0
        paragraphs[k] = f"{paragraphs[k]} {EDIT_SENTENCES[(h >> 16) % len(EDIT_SENTENCES)]}"
        return replace(article, paragraphs=tuple(paragraphs), modified=when)

    def changed_in_epoch(self, idx: int) -> int:
        """Epoch of ``idx``'s last change (created, edited or deleted); 0 for untouched epoch-0 content."""
        return self._changed.get(idx, 0)

    def change_ids(self, epoch: int) -> EpochChanges:
        """Ids new, edited and deleted in ``epoch`` (all empty for epoch 0, the baseline)."""
        if epoch < 0:
            raise ValueError(f"epoch must be >= 0 (got {epoch})")
        if epoch == 0:
            return {"new": [], "edited": [], "deleted": []}
        if epoch > self.epoch:
            return self.at_epoch(epoch).change_ids(epoch)
        changes = self._epoch_changes[epoch]
        return {"new": list(changes["new"]), "edited": list(changes["edited"]), "deleted": list(changes["deleted"])}

    def changes(self, epoch: int) -> dict[str, list[str]]:
        """Article ids (``site:idx``) new, edited and deleted in ``epoch``: what ``/__demo/advance`` reports."""
        return {kind: [f"{self.site}:{i}" for i in ids] for kind, ids in self.change_ids(epoch).items()}

    # -- sections and lists -------------------------------------------------

    def section(self, code: str) -> Section | None:
        """The menu entry of ``code``, or None when this outlet has no such menu code."""
        return self._by_code.get(code)

    def _hashed_section(self, base: int) -> int:
        return _mix(self._text_seed, base, 1) % len(self.sections)

    def section_codes(self, idx: int) -> tuple[str, ...]:
        """Primary section code first, then the cross-listing one (every 7th idx).

        A press release or hard negative keeps its own section (a welfare story stays in 사회).
        """
        base = idx - self._offset
        n = len(self.sections)
        h = _mix(self._text_seed, base, 1)
        story = self._stories.get(base)
        primary = story.section if story else h % n
        codes = (self.sections[primary].code,)
        if base % CROSS_LIST_EVERY == 0:
            codes += (self.sections[(primary + 1 + (h >> 8) % (n - 1)) % n].code,)
        return codes

    def list_ids(self, code: str) -> list[int]:
        """All ids listed under ``code``, newest first."""
        return self._lists[code]

    def page_count(self, code: str) -> int:
        return max(1, -(-len(self._lists[code]) // PAGE_SIZE))

    def list_page(self, code: str, page: int) -> list[int]:
        """Ids on list page ``page`` (1-based); empty past the last page."""
        if page < 1:
            return []
        start = (page - 1) * PAGE_SIZE
        return self._lists[code][start:start + PAGE_SIZE]

    def latest(self, n: int = 10) -> list[int]:
        """The ``n`` newest ids (home page), skipping articles deleted in an epoch."""
        out: list[int] = []
        idx = self.last_idx
        while idx >= self.first_idx and len(out) < n:
            if idx not in self._deleted:
                out.append(idx)
            idx -= 1
        return out

    def exists(self, idx: int) -> bool:
        return self.first_idx <= idx <= self.last_idx

    # -- press releases and hard negatives ------------------------------------

    def _place_stories(self) -> dict[int, Story]:
        """Base idx -> story, for the masthead's release copies and hard negatives.

        Each story goes to the first free slot from its time on (up to 18 hours later, then
        earlier: a copy rarely predates its release) whose hashed section is already the
        story's, so the random lists barely change; failing that, the first free slot (its
        section is then overridden). Special articles and the masthead's reserved ids are
        never used. Depends on (seed, masthead) only, not on size: every slot lies in
        1007..1060, inside any size >= MIN_SIZE.
        """
        taken = set(SPECIAL_IDS.values()) | set(self.masthead.reserved)
        low, high = releases.SLOT_RANGE
        placed: dict[int, Story] = {}
        for story in releases.stories_for(self.masthead.slug):
            candidates = [n for n in (*range(story.at, story.at + 7), *range(story.at - 1, story.at - 7, -1))
                          if low <= n <= high and n not in taken]
            if not candidates:  # pragma: no cover - the slot plan leaves room for every story
                raise RuntimeError(f"no free slot for {story.title!r} near {story.at}")
            n = next((c for c in candidates if self._hashed_section(c) == story.section), candidates[0])
            taken.add(n)
            placed[n] = story
        return placed

    def release_ids(self) -> dict[str, int]:
        """Release label -> idx of this outlet's copy."""
        return {s.release: n + self._offset for n, s in sorted(self._stories.items()) if s.release}

    def hard_negative_ids(self) -> dict[int, str]:
        """idx of each hard negative this outlet publishes -> the release it shadows (same city and topic)."""
        return {n + self._offset: s.shadows for n, s in sorted(self._stories.items()) if s.release is None}

    def _story_day(self, story: Story, base: int) -> int:
        """Day of the month the story's text names: the release's own day (same in every outlet, whichever
        hour each runs it), or a hard negative's publication day."""
        at = releases.RELEASE_AT[story.release] if story.release else base
        return (NEWEST_AT - timedelta(seconds=(self._last0 - self._offset - at) * STEP_SECONDS)).day

    # -- time ---------------------------------------------------------------

    def published_at(self, idx: int) -> datetime:
        """Closed form, so any idx is O(1): consecutive gaps stay within 2-4 hours.

        Anchored on the epoch-0 newest idx: an epoch's new articles come after NEWEST_AT and
        the old ones keep their times.
        """
        jitter = _mix(self._text_seed, idx - self._offset, 2) % (2 * JITTER_SECONDS + 1) - JITTER_SECONDS
        return NEWEST_AT - timedelta(seconds=(self._last0 - idx) * STEP_SECONDS - jitter)

    # -- articles -----------------------------------------------------------

    def article(self, idx: int) -> Article | None:  # replaced by a cached bound method in __init__
        return self._build(idx)

    def _reporters(self, rng: Random) -> tuple[tuple[Reporter, ...], Reporter | None]:
        staff = self.masthead.reporters
        reporters = tuple(rng.sample(staff, 2)) if rng.random() < 0.1 else (rng.choice(staff),)
        trailer = reporters[0] if rng.random() < (0.5 if len(reporters) == 1 else 0.4) else None
        return reporters, trailer

    def _build(self, idx: int) -> Article | None:
        """The article as epoch 0 has it (:meth:`_build_original`), then this epoch's changes on top."""
        article = self._build_original(idx)
        if article is None:
            return None
        if idx > self._last0:
            article = replace(article, modified=self._fresh_modified(idx))
        if idx in self._edits:
            article = self._revise(article, *self._edits[idx])
        if idx in self._deleted:
            article = replace(article, deleted=True)
        return article

    def _build_original(self, idx: int) -> Article | None:
        if not self.exists(idx):
            return None
        base = idx - self._offset
        if base == IDX_DUPLICATE:
            return self._repost(idx, IDX_DUPLICATE_OF + self._offset)
        rng = Random(self._text_seed * 1_000_003 + base)
        codes = self.section_codes(idx)
        section = self._by_code[codes[0]]
        published = self.published_at(idx)
        story = self._stories.get(base)
        if story is not None:
            return self._story_article(idx, story, rng, codes, published)
        key = rng.choice(self._topics[section.code])
        topic, grammar = texts.TOPICS[key], texts.TOPIC_GRAMMAR[key]
        ctx = self._context(rng, topic, grammar, published)

        title = self._title(rng, topic, grammar, ctx)
        decks = (*grammar["decks"], *topic["subtitles"])
        # dict.fromkeys: a grammar deck and a stock subtitle may come out the same
        subtitles = tuple(dict.fromkeys(fill(expand(s, rng), ctx)
                                        for s in rng.sample(decks, rng.choice((0, 1, 1, 2, 2)))))
        reporters, trailer = self._reporters(rng)

        paragraphs = self._paragraphs(rng, topic, grammar, ctx)
        n_images = rng.choice((0, 1, 1, 2))
        captions = dict.fromkeys(fill(expand(c, rng), ctx)
                                 for c in rng.sample((*grammar["shots"], *topic["captions"]), n_images))
        images = []
        for n, caption in enumerate(captions, start=1):
            if rng.random() < 0.5:
                caption += fill(rng.choice(texts.CREDITS), ctx)
            after = 0 if n == 1 else min(2, len(paragraphs) - 1)
            images.append((after, Image(f"/data/photos/{published:%Y/%m}/{idx}_{n}.jpg", caption)))

        modified: datetime | None = published + timedelta(minutes=rng.randint(5, 300), seconds=rng.randint(0, 59))
        most_viewed = self._most_viewed(rng, idx)

        article = Article(
            idx=idx, section=section, mcodes=codes, title=title, subtitles=subtitles, reporters=reporters,
            paragraphs=paragraphs, images=tuple(images), trailer=trailer, published=published, modified=modified,
            most_viewed=most_viewed, site_name=self.site_name,
        )
        if base == IDX_DELETED:
            article = replace(article, deleted=True)
        elif base == IDX_NO_MODIFIED:
            article = replace(article, modified=None)
        elif base == IDX_NO_PUBLISHED:
            article = replace(article, show_published=False)
        elif base == IDX_SHORT_BODY:
            article = replace(
                article, title=fill(texts.PHOTO_TITLE, ctx), subtitles=(), trailer=None,
                paragraphs=(fill(texts.PHOTO_TEXT, ctx),),
                images=((0, Image(f"/data/photos/{published:%Y/%m}/{idx}_1.jpg", fill(texts.PHOTO_CAPTION, ctx))),),
            )
        return article

    def _story_article(self, idx: int, story: Story, rng: Random, codes: tuple[str, ...],
                       published: datetime) -> Article:
        """A press-release copy or hard negative, with this outlet's own reporter, subtitles, photo and times."""
        day = self._story_day(story, idx - self._offset)
        paragraphs = tuple(p.replace("{day}", str(day)) for p in story.paragraphs)
        reporters, trailer = self._reporters(rng)
        subtitles = story.subtitles[:rng.choice((0, 1, 1, 2))]
        images: tuple[tuple[int, Image], ...] = ()
        if story.caption and rng.random() < 0.7:
            credit = rng.choice((f" /사진={story.city} 제공", f" /사진={story.city}청", ""))
            images = ((0, Image(f"/data/photos/{published:%Y/%m}/{idx}_1.jpg", story.caption + credit)),)
        modified = published + timedelta(minutes=rng.randint(5, 300), seconds=rng.randint(0, 59))
        return Article(
            idx=idx, section=self._by_code[codes[0]], mcodes=codes, title=story.title, subtitles=subtitles,
            reporters=reporters, paragraphs=paragraphs, images=images, trailer=trailer, published=published,
            modified=modified, most_viewed=self._most_viewed(rng, idx), site_name=self.site_name,
            release=story.release,
        )

    def _repost(self, idx: int, original_idx: int) -> Article:
        """Same body, images, subtitles and reporters as the original; own title, times and lists."""
        original = self.article(original_idx)
        assert original is not None
        rng = Random(self._text_seed * 1_000_003 + idx - self._offset)
        codes = self.section_codes(idx)
        published = self.published_at(idx)
        return replace(
            original, idx=idx, section=self._by_code[codes[0]], mcodes=codes,
            title=original.clean_title + " (종합)", published=published,
            modified=published + timedelta(minutes=rng.randint(5, 300), seconds=rng.randint(0, 59)),
            most_viewed=self._most_viewed(rng, idx),
        )

    def _context(self, rng: Random, topic: texts.Topic, grammar: texts.Grammar,
                 published: datetime) -> dict[str, Any]:
        """The article's own entities: place, program, people, numbers and dates (see texts.TOPIC_GRAMMAR)."""
        city, head, mayor = rng.choice(_ALL_CITIES)
        stem, gov = city[:-1], city[-1]
        dongs = _neighbourhoods(rng, gov, 3)
        suffix = rng.choice(grammar["names"])
        middle = f" {rng.choice(texts.NAME_MIDDLES)}" if rng.random() < 0.4 else ""
        jo, rest = rng.randint(1, 2), rng.randint(1, 99) * 100
        month = published.month
        when_month = month % 12 + 1 if rng.random() < 0.6 else month
        ampm = rng.choice(("오전", "오후"))
        hour = f"{ampm} {rng.randint(9, 11) if ampm == '오전' else rng.randint(1, 6)}시"
        ctx: dict[str, Any] = {
            # the keys of the stock templates (texts.TOPICS)
            "city": city, "stem": stem, "gov": gov, "head": head, "mayor": mayor,
            "dept": rng.choice(grammar["depts"]), "day": published.day,
            "next_year": published.year + rng.randint(1, 2),
            "budget": f"{rng.randint(3, 95) * rng.choice((1, 10))}억 원", "budget_big": f"{jo}조 {rest}억 원",
            "count": rng.randint(5, 99) * 10, "n_small": rng.randint(2, 9), "pct": rng.randint(5, 45),
            "outlet": self.site_name,
            # the grammar's keys
            "dong": dongs[0], "dong2": dongs[1], "dong3": dongs[2], "unit": "동" if gov == "시" else "읍·면",
            "prog": f"'{rng.choice(texts.NAME_PREFIXES)}{middle} {suffix}'",
            "thing": rng.choice(grammar["things"]),
            "people": f"{rng.randint(120, 9800):,}", "n_mid": rng.randint(11, 59), "pct2": rng.randint(50, 95),
            "money": _won(rng.randint(10, 950) * 1000), "money_mid": _won(rng.randint(10, 300) * 100),
            "money_mid2": _won(rng.randint(10, 300) * 100), "money_small": _won(rng.randint(3, 95)),
            "dist": f"{rng.randint(4, 98) / 10:.1f}㎞", "area": f"{rng.randint(8, 240) * 10:,}㎡",
            "when": f"{when_month}월 {rng.randint(1, 28)}일",
            "until": f"{when_month % 12 + 1}월 {rng.randint(1, 28)}일", "next_month": month % 12 + 1,
            "hour": hour + (" 30분" if rng.random() < 0.3 else ""), "weekday": rng.choice(texts.WEEKDAYS),
            "year": published.year, "prev_year": published.year - 1,
            "nb_city": rng.choice([c for c, _, _ in _ALL_CITIES if c != city]),
        }
        ctx["target"], ctx["target2"] = rng.sample(grammar["targets"], 2)
        ctx["site"], ctx["site2"] = (fill(s, ctx) for s in rng.sample(grammar["sites"], 2))
        org, org_head = rng.choice(grammar["orgs"])
        ctx["org"] = fill(org, ctx)
        ctx["leader"] = f"{ctx['org']} {_person(rng)} {org_head}"
        office = ctx["dept"] if rng.random() < 0.5 else f"{city} {ctx['dept']}"
        ctx["official"] = f"{office} {_person(rng)} {rng.choice(texts.RANKS)}"
        age = f"({rng.randint(23, 84)})씨"
        ctx["resident"] = rng.choice((f"{dongs[0]} 주민 {_person(rng)}{age}",
                                      f"{rng.choice(grammar['roles'])} {_person(rng)}{age}",
                                      f"{dongs[1]}에 사는 {_person(rng)}{age}"))
        ctx["expert"] = (f"{rng.choice(texts.UNIVERSITIES)} {grammar['field']} {_person(rng)} 교수"
                         if rng.random() < 0.7 else f"{stem}연구원 {_person(rng)} 연구위원")
        return ctx

    def _title(self, rng: Random, topic: texts.Topic, grammar: texts.Grammar, ctx: dict[str, Any]) -> str:
        """A 15-35 character headline (leaves room for the re-post's ' (종합)')."""
        templates = [*grammar["heads"], *topic["titles"]]
        rng.shuffle(templates)
        options = [fill(expand(t, rng), ctx) for t in templates[:4]]
        title = next((t for t in options if 15 <= len(t) <= 35), options[0])
        if len(title) < 15:
            title = f"{ctx['city']} {title}"
        title = title[:35].rstrip()
        if rng.random() < 0.1:  # editors' doubled space; the truth collapses it
            title = title.replace(" ", "  ", 1)
        return title

    def _quote(self, rng: Random, kind: str, grammar: texts.Grammar, topic: texts.Topic,
               used: set[str], ctx: dict[str, Any]) -> str:
        """One quoted sentence by a speaker of ``kind`` (mayor, official, resident, expert, leader)."""
        if kind in ("mayor", "official"):
            cores = [*grammar["says"], *topic["quotes"], *texts.ANY_SAYS]
        elif kind == "resident":
            cores = [*grammar["voices"], *texts.ANY_VOICES]
        elif kind == "expert":
            cores = [*grammar["experts"], *texts.ANY_EXPERTS]
        else:
            cores = [*texts.ANY_LEADERS]
        fresh = [c for c in cores if c not in used] or cores
        first, second = rng.sample(fresh, 2) if len(fresh) > 1 else (fresh[0], fresh[0])
        used.update((first, second))
        form = rng.choice(texts.SPEAKER_FORMS[kind])
        return fill(expand(form.replace("{q}", first).replace("{q2}", second), rng), ctx)

    def _paragraphs(self, rng: Random, topic: texts.Topic, grammar: texts.Grammar,
                    ctx: dict[str, Any]) -> tuple[str, ...]:
        """3-7 paragraphs of 1-3 sentences; some with NBSP or doubled spaces, rarely one in NFD.

        Paragraph 0 is the lead (plus up to two facts). One to three later paragraphs carry a
        quote (mayor, official, resident, expert or a local organisation), alone or next to a
        fact; the rest mix the topic's facts with sentences that fit any story.
        """
        facts = rng.sample(grammar["facts"], len(grammar["facts"]))
        anys = rng.sample(texts.ANY_FACTS, len(texts.ANY_FACTS))

        def sentence() -> str:
            pool = facts if (rng.random() < 0.65 and facts) or not anys else anys
            # Small counts are drawn again for every body sentence: "54명" and "54곳" side by side read oddly.
            local = {**ctx, "n_small": rng.randint(2, 9), "n_mid": rng.randint(11, 59), "pct2": rng.randint(50, 95),
                     "people": f"{rng.randint(120, 9800):,}", "money_small": _won(rng.randint(3, 95))}
            return fill(expand(pool.pop(), rng), local)

        n = rng.randint(3, 7)
        lead = [fill(expand(rng.choice(grammar["opens"] if rng.random() < 0.75 else texts.ANY_OPENS), rng), ctx)]
        lead += [sentence() for _ in range(rng.choice((0, 0, 1, 1, 2)))]
        paragraphs = [lead]
        speakers = list(dict.fromkeys(rng.sample(_SPEAKERS, len(_SPEAKERS))))
        n_quotes = min(n - 1, rng.choice((1, 1, 2, 2, 3)))
        quoted = set(rng.sample(range(1, n), n_quotes))
        used: set[str] = set()
        for i in range(1, n):
            if i in quoted:
                quote = self._quote(rng, speakers.pop(), grammar, topic, used, ctx)
                shape = rng.random()
                paragraphs.append([quote] if shape < 0.6 else [quote, sentence()] if shape < 0.8
                                  else [sentence(), quote])
            else:
                paragraphs.append([sentence() for _ in range(rng.choice((1, 2, 2, 3)))])

        out = []
        for sentences in paragraphs:
            r = rng.random()
            joiner = "\xa0 " if r < 0.12 else "  " if r < 0.2 else " "
            out.append(joiner.join(sentences))
        if rng.random() < 0.05:
            i = rng.randint(1, len(out) - 1)
            out[i] = unicodedata.normalize("NFD", out[i])
        return tuple(out)

    def _most_viewed(self, rng: Random, idx: int) -> tuple[int, ...]:
        picks = rng.sample(range(self.first_idx, self._last0 + 1), 7)  # epoch 0's ids: stable sidebars
        return tuple(p for p in picks if p not in (idx, self.special_ids["deleted"]))[:5]

    # -- truth --------------------------------------------------------------

    def expected_item(self, article: Article, base_url: str) -> dict[str, Any]:
        """The exported fields a perfect extractor produces for ``article``."""
        base_url = base_url.rstrip("/")
        body = normalize_body(list(article.paragraphs))
        emails = {article.trailer.name: article.trailer.email} if article.trailer else {}
        single_desk = len(article.reporters) == 1
        return {
            "canonical_url": f"{base_url}/news/view.php?idx={article.idx}",
            "article_id": f"{self.site}:{article.idx}",
            "site": self.site,
            "site_name": self.site_name,
            "language": LANGUAGE,
            "section": article.section.name,
            "title": article.clean_title,
            "subtitles": [normalize_space(s) for s in article.subtitles],
            "authors": [r.name for r in article.reporters],
            "bylines": [
                {"name": r.name, "desk": r.desk if single_desk else None, "email": emails.get(r.name)}
                for r in article.reporters
            ],
            "published_at": article.published.isoformat() if article.show_published else None,
            "published_at_raw": article.published_raw,
            "modified_at": article.modified.isoformat() if article.modified else None,
            "modified_at_raw": article.modified_raw,
            "body": body,
            "images": [{"url": base_url + img.path, "caption": normalize_space(img.caption)}
                       for _, img in article.images],
            "content_hash": content_hash(body),
        }

    def truth_record(self, idx: int, base_url: str) -> dict[str, Any]:
        """What a perfect crawl does with ``idx``; ``release`` names the press release it copies (else None).

        ``changed_in_epoch``: the epoch that created, last edited or deleted it (0: untouched since
        epoch 0). A crawl run right after epoch ``e`` (its state holding the earlier runs) must export
        exactly the records with ``expect == "item"`` and ``changed_in_epoch == e``.

        ``release`` is not part of ``item``: a copy is an ordinary article for the crawl,
        only a near-duplicate detector should group it with the other outlets' copies.
        """
        article = self.article(idx)
        if article is None:
            raise KeyError(idx)
        return truth_record(self.site, idx, idx - self._offset, self._offset, article.deleted, article.release,
                            article.mcodes, lambda: self.expected_item(article, base_url), self.changed_in_epoch(idx))

    def truth(self, base_url: str) -> Iterator[dict[str, Any]]:
        """One record per idx, ascending, generated lazily."""
        for idx in range(self.first_idx, self.last_idx + 1):
            yield self.truth_record(idx, base_url)
