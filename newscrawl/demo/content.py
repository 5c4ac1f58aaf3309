"""Deterministic content and ground truth of the demo outlet (뉴스21 통신 on 다다미디어).

Every article is a pure function of ``(seed, size, idx)``: its text comes from a
``random.Random(seed * 1_000_003 + idx)`` of its own and its time from a closed
formula, so one article can be rendered without generating the others. Only the
per-section id lists are built up front (ints, ~0.1 s for 100,000 articles), which
keeps start-up fast and every request O(page).

The *truth* (:meth:`DemoSite.truth`) states what a perfect crawler must export for
each article, so end-to-end tests can score the crawler field by field.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta, timezone
from functools import lru_cache
from random import Random
from typing import Any

from newscrawl.demo import texts
from newscrawl.parsing.text import content_hash, normalize_body, normalize_space

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

_MASK64 = (1 << 64) - 1


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

    @property
    def email(self) -> str:
        return f"{self.email_user}@{EMAIL_DOMAIN}"


REPORTERS: tuple[Reporter, ...] = tuple(Reporter(*r) for r in texts.REPORTERS)


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

    @property
    def byline(self) -> str:
        """The info-text byline: 'NAME DESK기자', 'NAME 기자' or 'NAME1·NAME2 기자'."""
        if len(self.reporters) == 1 and self.reporters[0].desk:
            return f"{self.reporters[0].name} {self.reporters[0].desk}기자"
        return "·".join(r.name for r in self.reporters) + " 기자"

    @property
    def dateline(self) -> str:
        return f"[{SITE_NAME}={self.byline}] "

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
_JOSA = {"은는": ("은", "는"), "이가": ("이", "가"), "을를": ("을", "를"), "과와": ("과", "와")}


def has_batchim(word: str) -> bool:
    """True when the last syllable ends in a consonant (picks 은/는, 이/가 ...)."""
    last = word[-1] if word else ""
    if "가" <= last <= "힣":
        return (ord(last) - 0xAC00) % 28 != 0
    return last.isdigit() and last in "013678"


def fill(template: str, ctx: dict[str, Any]) -> str:
    """Fill ``{key}`` and ``{key|은는}`` placeholders (the latter adds a fitting particle)."""

    def sub(m: re.Match[str]) -> str:
        value = str(ctx[m.group(1)])
        if m.group(2):
            with_final, without = _JOSA[m.group(2)]
            value += with_final if has_batchim(value) else without
        return value

    return _PLACEHOLDER.sub(sub, template)


class DemoSite:
    """The synthetic outlet: section lists, articles and their truth.

    ``size`` articles with idx ``FIRST_IDX .. FIRST_IDX + size - 1``; the highest idx is
    the newest. The same ``(size, seed)`` always gives the same site.
    """

    def __init__(self, size: int = 80, seed: int = 21) -> None:
        if size < MIN_SIZE:
            raise ValueError(f"size must be >= {MIN_SIZE} so every special article exists (got {size})")
        self.size = size
        self.seed = seed
        self.first_idx = FIRST_IDX
        self.last_idx = FIRST_IDX + size - 1
        self.sections = SECTIONS
        # Newest first == descending idx (publication time decreases strictly with idx).
        lists: dict[str, list[int]] = {s.code: [] for s in SECTIONS}
        for idx in range(self.last_idx, self.first_idx - 1, -1):
            for code in self.section_codes(idx):
                lists[code].append(idx)
        self._lists = lists
        self.article = lru_cache(maxsize=4096)(self._build)  # type: ignore[method-assign]

    # -- sections and lists -------------------------------------------------

    def section_codes(self, idx: int) -> tuple[str, ...]:
        """Primary section code first, then the cross-listing one (every 7th idx)."""
        n = len(SECTIONS)
        h = _mix(self.seed, idx, 1)
        primary = h % n
        codes = (SECTIONS[primary].code,)
        if idx % CROSS_LIST_EVERY == 0:
            codes += (SECTIONS[(primary + 1 + (h >> 8) % (n - 1)) % n].code,)
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
        return list(range(self.last_idx, max(self.first_idx, self.last_idx - n + 1) - 1, -1))

    def exists(self, idx: int) -> bool:
        return self.first_idx <= idx <= self.last_idx

    # -- time ---------------------------------------------------------------

    def published_at(self, idx: int) -> datetime:
        """Closed form, so any idx is O(1): consecutive gaps stay within 2-4 hours."""
        jitter = _mix(self.seed, idx, 2) % (2 * JITTER_SECONDS + 1) - JITTER_SECONDS
        return NEWEST_AT - timedelta(seconds=(self.last_idx - idx) * STEP_SECONDS - jitter)

    # -- articles -----------------------------------------------------------

    def article(self, idx: int) -> Article | None:  # replaced by a cached bound method in __init__
        return self._build(idx)

    def _build(self, idx: int) -> Article | None:
        if not self.exists(idx):
            return None
        if idx == IDX_DUPLICATE:
            return self._repost(idx, IDX_DUPLICATE_OF)
        rng = Random(self.seed * 1_000_003 + idx)
        codes = self.section_codes(idx)
        section = SECTIONS_BY_CODE[codes[0]]
        published = self.published_at(idx)
        topic = texts.TOPICS[rng.choice(texts.SECTION_TOPICS[section.code])]
        city, head, mayor = rng.choice(texts.CITIES)
        jo, rest = rng.randint(1, 2), rng.randint(1, 99) * 100
        ctx: dict[str, Any] = {
            "city": city, "stem": city[:-1], "gov": city[-1], "head": head, "mayor": mayor,
            "dept": topic["dept"], "day": published.day, "next_year": published.year + rng.randint(1, 2),
            "budget": f"{rng.randint(3, 95) * rng.choice((1, 10))}억 원", "budget_big": f"{jo}조 {rest}억 원",
            "count": rng.randint(5, 99) * 10, "n_small": rng.randint(2, 9), "pct": rng.randint(5, 45),
        }

        title = self._title(rng, topic, ctx)
        subtitles = tuple(fill(s, ctx) for s in rng.sample(topic["subtitles"], rng.choice((0, 1, 1, 2, 2))))

        if rng.random() < 0.1:
            reporters = tuple(rng.sample(REPORTERS, 2))
        else:
            reporters = (rng.choice(REPORTERS),)
        trailer = reporters[0] if rng.random() < (0.5 if len(reporters) == 1 else 0.4) else None

        paragraphs = self._paragraphs(rng, topic, ctx)
        n_images = rng.choice((0, 1, 1, 2))
        captions = rng.sample(topic["captions"], n_images)
        images = []
        for n, caption in enumerate(captions, start=1):
            caption = fill(caption, ctx)
            if rng.random() < 0.5:
                caption += fill(rng.choice(texts.CREDITS), ctx)
            after = 0 if n == 1 else min(2, len(paragraphs) - 1)
            images.append((after, Image(f"/data/photos/{published:%Y/%m}/{idx}_{n}.jpg", caption)))

        modified: datetime | None = published + timedelta(minutes=rng.randint(5, 300), seconds=rng.randint(0, 59))
        most_viewed = self._most_viewed(rng, idx)

        article = Article(
            idx=idx, section=section, mcodes=codes, title=title, subtitles=subtitles, reporters=reporters,
            paragraphs=paragraphs, images=tuple(images), trailer=trailer, published=published, modified=modified,
            most_viewed=most_viewed,
        )
        if idx == IDX_DELETED:
            article = replace(article, deleted=True)
        elif idx == IDX_NO_MODIFIED:
            article = replace(article, modified=None)
        elif idx == IDX_NO_PUBLISHED:
            article = replace(article, show_published=False)
        elif idx == IDX_SHORT_BODY:
            article = replace(
                article, title=fill(texts.PHOTO_TITLE, ctx), subtitles=(), trailer=None,
                paragraphs=(fill(texts.PHOTO_TEXT, ctx),),
                images=((0, Image(f"/data/photos/{published:%Y/%m}/{idx}_1.jpg", fill(texts.PHOTO_CAPTION, ctx))),),
            )
        return article

    def _repost(self, idx: int, original_idx: int) -> Article:
        """Same body, images, subtitles and reporters as the original; own title, times and lists."""
        original = self.article(original_idx)
        assert original is not None
        rng = Random(self.seed * 1_000_003 + idx)
        codes = self.section_codes(idx)
        published = self.published_at(idx)
        return replace(
            original, idx=idx, section=SECTIONS_BY_CODE[codes[0]], mcodes=codes,
            title=original.clean_title + " (종합)", published=published,
            modified=published + timedelta(minutes=rng.randint(5, 300), seconds=rng.randint(0, 59)),
            most_viewed=self._most_viewed(rng, idx),
        )

    def _title(self, rng: Random, topic: texts.Topic, ctx: dict[str, Any]) -> str:
        """A 15-35 character headline (leaves room for the re-post's ' (종합)')."""
        options = [fill(t, ctx) for t in topic["titles"]]
        rng.shuffle(options)
        title = next((t for t in options if 15 <= len(t) <= 35), options[0])
        if len(title) < 15:
            title = f"{ctx['city']} {title}"
        title = title[:35]
        if rng.random() < 0.1:  # editors' doubled space; the truth collapses it
            title = title.replace(" ", "  ", 1)
        return title

    def _paragraphs(self, rng: Random, topic: texts.Topic, ctx: dict[str, Any]) -> tuple[str, ...]:
        """3-7 paragraphs of 1-3 sentences; some with NBSP or doubled spaces, rarely one in NFD."""
        topic_sentences = [fill(s, ctx) for s in topic["sentences"]]
        rng.shuffle(topic_sentences)
        generic = [fill(s, ctx) for s in texts.GENERIC_SENTENCES]
        rng.shuffle(generic)
        quotes = []
        for q in rng.sample(topic["quotes"], rng.randint(1, 2)):
            form = rng.choice(texts.QUOTE_FORMS)
            quotes.append(fill(form.replace("{q}", q), ctx))
        pool = topic_sentences[1:3] + quotes[:1] + topic_sentences[3:] + quotes[1:] + generic

        lead = [fill(rng.choice(topic["leads"]), ctx)]
        if rng.random() < 0.4:
            lead.append(topic_sentences[0])
        else:
            pool.insert(0, topic_sentences[0])
        groups = [lead]
        for _ in range(rng.randint(2, 6)):
            k = rng.randint(1, 3)
            groups.append(pool[:k])
            pool = pool[k:]

        paragraphs = []
        for sentences in groups:
            r = rng.random()
            joiner = "\xa0 " if r < 0.12 else "  " if r < 0.2 else " "
            paragraphs.append(joiner.join(sentences))
        if rng.random() < 0.05:
            i = rng.randint(1, len(paragraphs) - 1)
            paragraphs[i] = unicodedata.normalize("NFD", paragraphs[i])
        return tuple(paragraphs)

    def _most_viewed(self, rng: Random, idx: int) -> tuple[int, ...]:
        picks = rng.sample(range(self.first_idx, self.last_idx + 1), 7)
        return tuple(p for p in picks if p not in (idx, IDX_DELETED))[:5]

    # -- truth --------------------------------------------------------------

    def expected_item(self, article: Article, base_url: str) -> dict[str, Any]:
        """The exported fields a perfect extractor produces for ``article``."""
        base_url = base_url.rstrip("/")
        body = normalize_body(list(article.paragraphs))
        emails = {article.trailer.name: article.trailer.email} if article.trailer else {}
        single_desk = len(article.reporters) == 1
        return {
            "canonical_url": f"{base_url}/news/view.php?idx={article.idx}",
            "article_id": f"{SITE}:{article.idx}",
            "site": SITE,
            "site_name": SITE_NAME,
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
        article = self.article(idx)
        if article is None:
            raise KeyError(idx)
        expect, reason, duplicate_of = "item", None, None
        if article.deleted:
            expect = "deleted"
        elif idx == IDX_SHORT_BODY:
            expect, reason = "reject", "body_too_short"
        elif idx == IDX_NO_PUBLISHED:
            expect, reason = "reject", "missing:published_at"
        elif idx == IDX_DUPLICATE:
            expect, duplicate_of = "duplicate", f"{SITE}:{IDX_DUPLICATE_OF}"
        return {
            "idx": idx,
            "article_id": f"{SITE}:{idx}",
            "expect": expect,
            "reject_reason": reason,
            "duplicate_of": duplicate_of,
            "mcodes": list(article.mcodes),
            "item": {} if article.deleted else self.expected_item(article, base_url),
        }

    def truth(self, base_url: str) -> Iterator[dict[str, Any]]:
        """One record per idx, ascending, generated lazily."""
        for idx in range(self.first_idx, self.last_idx + 1):
            yield self.truth_record(idx, base_url)
