"""Second demo outlet: a deterministic synthetic 한빛일보 (fictional) on the NDSoft CMS markup.

Why a second outlet: the NDSoft family (``newscrawl.families.ndsoft``) and the charset
repair need a site to crawl end to end. Its texts come from the same generator as the
다다미디어 demo (:class:`demo.content.DemoSite`, another seed, so the bodies
differ); this module maps them onto NDSoft's conventions and states the truth:

* article key ``idxno`` = demo idx + :data:`IDXNO_OFFSET` (21001 ...); sections ``S1N1``..``S1N4``;
* times shown to the minute (``입력 2024.03.31 18:00``), so the truth drops the seconds;
* every reporter has a reporter box with an e-mail (bylines carry it); no desk is shown;
* the :data:`LEGACY_COUNT` oldest articles keep the 2017 skin (``승인 …``) and are linked
  with the old ``/?mod=news&act=articleView&idxno=N`` URL form;
* pages are CP949 bytes served as ``charset=euc-kr``; :data:`IDXNO_CP949` has text outside
  EUC-KR proper ('똠'); :data:`IDXNO_MISLABELLED` is UTF-8 bytes declaring
  ``<meta charset="euc-kr">`` with no charset in the HTTP header (needs the charset repair);
* the special articles of the base demo carry over: deleted, no 수정, too short, no 입력
  (rejected: this page has no ``article:published_time`` meta either), re-post, cross-listed;
* so do the shared press releases, in 한빛일보's own edit (:mod:`demo.releases`):
  the base generator runs with the 한빛일보 masthead (:data:`TEXTS`) for that;
* and so do the epochs (``epoch=e``): the base site's new, edited and deleted articles, as idxnos
  (an edit's 수정 time shows to the minute; list pages show only the 입력 time).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import datetime
from functools import lru_cache
from typing import Any

from demo import content
from demo.content import Article, DemoSite, Masthead, Reporter, Section
from demo.normalize import content_hash, normalize_body, normalize_space

OUTLET = "ndsoft"
SITE = "hanbitilbo"
SITE_NAME = "한빛일보"
EMAIL_DOMAIN = "hanbitilbo.example"
LANGUAGE = "ko"
#: idxno = base demo idx + IDXNO_OFFSET.
IDXNO_OFFSET = 20000
#: Texts come from the base generator with this seed offset (different bodies from the dada demo).
SEED_OFFSET = 100
#: The oldest articles are rendered in the 2017 skin and linked with the legacy URL.
LEGACY_COUNT = 6

IDXNO_DELETED = content.IDX_DELETED + IDXNO_OFFSET
IDXNO_NO_MODIFIED = content.IDX_NO_MODIFIED + IDXNO_OFFSET
IDXNO_SHORT_BODY = content.IDX_SHORT_BODY + IDXNO_OFFSET
IDXNO_DUPLICATE_OF = content.IDX_DUPLICATE_OF + IDXNO_OFFSET
IDXNO_NO_PUBLISHED = content.IDX_NO_PUBLISHED + IDXNO_OFFSET
IDXNO_DUPLICATE = content.IDX_DUPLICATE + IDXNO_OFFSET
#: Served as UTF-8 bytes under <meta charset="euc-kr"> and a Content-Type without charset.
IDXNO_MISLABELLED = 1027 + IDXNO_OFFSET
#: Title and body contain '똠' (CP949 only, not in EUC-KR/KS X 1001).
IDXNO_CP949 = 1045 + IDXNO_OFFSET

SPECIAL_IDXNOS: dict[str, int] = {
    "deleted": IDXNO_DELETED,
    "no_modified": IDXNO_NO_MODIFIED,
    "short_body": IDXNO_SHORT_BODY,
    "duplicate_of": IDXNO_DUPLICATE_OF,
    "no_published": IDXNO_NO_PUBLISHED,
    "duplicate": IDXNO_DUPLICATE,
    "mislabelled_charset": IDXNO_MISLABELLED,
    "cp949_only_char": IDXNO_CP949,
}

#: NDSoft section codes for the base demo's menu codes.
SECTIONS: tuple[Section, ...] = (
    Section("사회", "S1N1"),
    Section("경제", "S1N2"),
    Section("문화", "S1N3"),
    Section("지역", "S1N4"),
)
SECTIONS_BY_CODE: dict[str, Section] = {s.code: s for s in SECTIONS}
_FROM_MCODE: dict[str, Section] = {base.code: nd for base, nd in zip(content.SECTIONS, SECTIONS, strict=True)}

#: A subtitle and a sentence that put '똠' (outside KS X 1001) into IDXNO_CP949.
CP949_SUBTITLE = "다문화가정 주민이 강사로 나서는 똠양꿍 요리 교실도"
CP949_SENTENCE = "행사장 한편에서는 다문화가정 주민들이 강사로 나선 똠양꿍 요리 교실도 열린다."


#: The base generator's masthead: 한빛일보's press-release edits; its special pages and
#: 2017-skin articles are never given to a press release.
TEXTS = Masthead(
    SITE, SITE_NAME, content.SECTIONS,
    reporters=tuple(replace(r, domain=EMAIL_DOMAIN) for r in content.REPORTERS),
    reserved=frozenset({IDXNO_MISLABELLED - IDXNO_OFFSET, IDXNO_CP949 - IDXNO_OFFSET,
                        *range(content.FIRST_IDX, content.FIRST_IDX + LEGACY_COUNT)}),
)


def email(reporter: Reporter) -> str:
    return f"{reporter.email_user}@{EMAIL_DOMAIN}"


@dataclass(frozen=True)
class NdArticle:
    """One article of the NDSoft outlet: the base article mapped to NDSoft conventions.

    ``article.idx`` is the idxno, ``article.section``/``mcodes`` carry S1N codes and
    ``published``/``modified`` are cut to the minute, as the pages show them.
    """

    article: Article
    skin: str  # "2020" or "2017"
    #: Last body paragraph '/NAME 기자' (no e-mail) that cleaning must drop.
    reporter_line: bool

    @property
    def idxno(self) -> int:
        return self.article.idx

    @property
    def published_label(self) -> str:
        return "승인" if self.skin == "2017" else "입력"

    @property
    def published_raw(self) -> str | None:
        a = self.article
        return f"{self.published_label} {a.published:%Y.%m.%d %H:%M}" if a.show_published else None

    @property
    def modified_raw(self) -> str | None:
        return f"수정 {self.article.modified:%Y.%m.%d %H:%M}" if self.article.modified else None

    @property
    def byline(self) -> str:
        return "·".join(r.name for r in self.article.reporters) + " 기자"

    @property
    def trailer_text(self) -> str | None:
        t = self.article.trailer
        return f"{t.name} 기자 {email(t)}" if t else None


class NdsoftDemoSite:
    """The synthetic NDSoft outlet: lists, articles and their truth (same ``size``/``seed``/``epoch`` API as
    DemoSite; the epochs are the base site's, mapped to idxnos)."""

    outlet = OUTLET
    site = SITE
    site_name = SITE_NAME

    def __init__(self, size: int = 80, seed: int = 21, *, epoch: int = 0) -> None:
        self.base = DemoSite(size, seed + SEED_OFFSET, TEXTS, epoch=epoch)
        self.size = size
        self.seed = seed
        self.epoch = epoch
        self.first_idx = self.base.first_idx + IDXNO_OFFSET
        self.last_idx = self.base.last_idx + IDXNO_OFFSET
        self.sections = SECTIONS
        self._lists = {nd.code: [i + IDXNO_OFFSET for i in self.base.list_ids(base.code)]
                       for base, nd in zip(content.SECTIONS, SECTIONS, strict=True)}
        self.article = lru_cache(maxsize=4096)(self._build)  # type: ignore[method-assign]

    def at_epoch(self, epoch: int) -> NdsoftDemoSite:
        """The same outlet at another epoch; what the server swaps in on advance."""
        return NdsoftDemoSite(self.size, self.seed, epoch=epoch)

    def changed_in_epoch(self, idxno: int) -> int:
        """Epoch of ``idxno``'s last change (created, edited or deleted); 0 for untouched epoch-0 content."""
        return self.base.changed_in_epoch(idxno - IDXNO_OFFSET)

    def changes(self, epoch: int) -> dict[str, list[str]]:
        """Article ids (``hanbitilbo:idxno``) new, edited and deleted in ``epoch``."""
        return {kind: [f"{SITE}:{i + IDXNO_OFFSET}" for i in ids] for kind, ids in self.base.change_ids(epoch).items()}

    # -- lists ----------------------------------------------------------------

    def list_ids(self, code: str) -> list[int]:
        """All idxnos listed under ``code``, newest first."""
        return self._lists[code]

    def page_count(self, code: str) -> int:
        return max(1, -(-len(self.list_ids(code)) // content.PAGE_SIZE))

    def list_page(self, code: str, page: int) -> list[int]:
        if page < 1:
            return []
        start = (page - 1) * content.PAGE_SIZE
        return self.list_ids(code)[start:start + content.PAGE_SIZE]

    def latest(self, n: int = 10) -> list[int]:
        return [i + IDXNO_OFFSET for i in self.base.latest(n)]

    def exists(self, idxno: int) -> bool:
        return self.first_idx <= idxno <= self.last_idx

    def is_legacy(self, idxno: int) -> bool:
        return self.first_idx <= idxno < self.first_idx + LEGACY_COUNT

    def release_ids(self) -> dict[str, int]:
        """Release label -> idxno of 한빛일보's copy."""
        return {label: i + IDXNO_OFFSET for label, i in self.base.release_ids().items()}

    def hard_negative_ids(self) -> dict[int, str]:
        """idxno of each hard negative 한빛일보 publishes -> the release it shadows."""
        return {i + IDXNO_OFFSET: label for i, label in self.base.hard_negative_ids().items()}

    # -- articles -------------------------------------------------------------

    def article(self, idxno: int) -> NdArticle | None:  # replaced by a cached bound method in __init__
        return self._build(idxno)

    def _build(self, idxno: int) -> NdArticle | None:
        base = self.base.article(idxno - IDXNO_OFFSET)
        if base is None:
            return None
        a = replace(
            base,
            idx=idxno,
            section=_FROM_MCODE[base.section.code],
            mcodes=tuple(_FROM_MCODE[c].code for c in base.mcodes),
            published=_minute(base.published),
            modified=_minute(base.modified) if base.modified else None,
            images=tuple((after, replace(img, path=self._photo_path(idxno, n, base.published),
                                         caption=img.caption.replace("뉴스21 통신", SITE_NAME)))
                         for n, (after, img) in enumerate(base.images, start=1)),
            most_viewed=tuple(i + IDXNO_OFFSET for i in base.most_viewed),
        )
        if idxno == IDXNO_CP949:
            a = replace(a, subtitles=(*a.subtitles, CP949_SUBTITLE), paragraphs=(*a.paragraphs, CP949_SENTENCE))
        reporter_line = a.trailer is None and idxno % 3 == 0 and idxno != IDXNO_SHORT_BODY
        return NdArticle(a, "2017" if self.is_legacy(idxno) else "2020", reporter_line)

    @staticmethod
    def _photo_path(idxno: int, n: int, published: datetime) -> str:
        """NDSoft photo paths: /news/photo/YYYYMM/IDXNO_N_HHMM.jpg."""
        return f"/news/photo/{published:%Y%m}/{idxno}_{n}_{published:%H%M}.jpg"

    # -- truth ----------------------------------------------------------------

    def expected_item(self, nd: NdArticle, base_url: str) -> dict[str, Any]:
        base_url = base_url.rstrip("/")
        a = nd.article
        body = normalize_body(list(a.paragraphs))
        return {
            "canonical_url": f"{base_url}/news/articleView.html?idxno={a.idx}",
            "article_id": f"{SITE}:{a.idx}",
            "site": SITE,
            "site_name": SITE_NAME,
            "language": LANGUAGE,
            "section": a.section.name,
            "title": a.clean_title,
            "subtitles": [normalize_space(s) for s in a.subtitles],
            "authors": [r.name for r in a.reporters],
            "bylines": [{"name": r.name, "desk": None, "email": email(r)} for r in a.reporters],
            "published_at": a.published.isoformat() if a.show_published else None,
            "published_at_raw": nd.published_raw,
            "modified_at": a.modified.isoformat() if a.modified else None,
            "modified_at_raw": nd.modified_raw,
            "body": body,
            "images": [{"url": base_url + img.path, "caption": normalize_space(img.caption)} for _, img in a.images],
            "content_hash": content_hash(body),
        }

    def truth_record(self, idxno: int, base_url: str) -> dict[str, Any]:
        nd = self.article(idxno)
        if nd is None:
            raise KeyError(idxno)
        a = nd.article
        return content.truth_record(SITE, idxno, idxno - IDXNO_OFFSET, IDXNO_OFFSET, a.deleted, a.release, a.mcodes,
                                    lambda: self.expected_item(nd, base_url), self.changed_in_epoch(idxno))

    def truth(self, base_url: str) -> Iterator[dict[str, Any]]:
        for idxno in range(self.first_idx, self.last_idx + 1):
            yield self.truth_record(idxno, base_url)


def _minute(dt: datetime) -> datetime:
    return dt.replace(second=0, microsecond=0)
