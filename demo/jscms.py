"""Fourth demo outlet: a deterministic synthetic 바다일보 (fictional) on a JavaScript-built CMS (issue 11).

Why: an outlet whose section lists are written by script yields no article links to a plain
HTTP crawl, so rendering (scrapy-playwright) needs a site to crawl end to end::

    scrapy crawl jscms -a base_url=http://127.0.0.1:PORT -a slug=badailbo -a name=바다일보

Texts come from the base generator (:class:`demo.content.DemoSite`) under 바다일보's own
masthead: sections ``society`` 사회, ``economy`` 경제, ``culture`` 문화, ``region`` 지역;
ids 41001 ... (:data:`IDX_OFFSET`); reporters ``@badailbo.example``; text seed + :data:`SEED_OFFSET`.
The special articles sit at the same places relative to the first id as in the other
outlets (41013 deleted, 41021 no 수정, 41034 too short, 41047 no 입력, 41052 re-post of 41038,
every 7th cross-listed); 바다일보 runs none of the shared press releases. Epochs work as for
the others (new articles on page 1 of the JSON lists). The pages (:mod:`demo.jscms_render`):

* ``/section/CODE``: no article link and no page link in the server HTML; ``/static/list.js``
  fetches ``/api/list?section=CODE&page=N`` (10 per page, newest first) on load and on each click
  of 더보기, and hides the button when the answer says ``"has_more": false``;
* ``/article/ID``: server-rendered, except :meth:`JscmsDemoSite.script_body_ids` (every article
  whose base id is a multiple of :data:`SCRIPT_BODY_EVERY`, plus the newest eligible one on page 1
  of each section at epoch 0 when that page has none; never a special article): their
  ``div#article-body`` is empty and an inline script fills it from ``/api/article/ID``. Their
  truth is the full article, like any other (a perfect crawler renders them); truth records carry
  ``needs_render`` (true for those, false for the rest);
* the charset trap: :data:`IDX_MISLABELLED` (41035, a script-body article) is UTF-8 bytes served
  as ``Content-Type: text/html; charset=euc-kr`` with ``<meta charset="euc-kr">``
  (:meth:`JscmsDemoSite.mislabelled_ids`); a browser decodes its server HTML as EUC-KR (mojibake
  headline), while its body, fetched as JSON, is correct. Truth: the correct Korean text;
* a deleted article answers **404** with the CMS's "기사를 찾을 수 없습니다" page (as its JSON does);
* ``/rss.xml`` is a partial feed: the 10 newest articles only.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from demo import content, texts
from demo.content import Article, DemoSite, Masthead, Reporter, Section
from demo.normalize import content_hash, normalize_body, normalize_space

OUTLET = "jscms"
SITE = "badailbo"
SITE_NAME = "바다일보"
EMAIL_DOMAIN = "badailbo.example"
#: id = base demo idx + IDX_OFFSET.
IDX_OFFSET = 40000
#: Texts come from the base generator with this seed offset (NDSoft uses 100, 누리신문 200).
SEED_OFFSET = 300
#: Articles whose base idx is a multiple of this have their body injected by script.
SCRIPT_BODY_EVERY = 9
#: The one script-body article served as UTF-8 bytes labelled euc-kr (header and meta).
IDX_MISLABELLED = 1035 + IDX_OFFSET

SECTIONS: tuple[Section, ...] = (
    Section("사회", "society"),
    Section("경제", "economy"),
    Section("문화", "culture"),
    Section("지역", "region"),
)

MASTHEAD = Masthead(
    SITE, SITE_NAME, SECTIONS,
    reporters=tuple(Reporter(name, desk, user, EMAIL_DOMAIN) for name, desk, user in texts.BADA_REPORTERS),
    idx_offset=IDX_OFFSET, seed_offset=SEED_OFFSET,
    reserved=frozenset({IDX_MISLABELLED - IDX_OFFSET}),
)


class JscmsDemoSite(DemoSite):
    """바다일보: a :class:`DemoSite` under its own masthead, plus what its JS CMS adds (same API)."""

    outlet = OUTLET

    def __init__(self, size: int = 80, seed: int = 21, *, epoch: int = 0) -> None:
        super().__init__(size, seed, MASTHEAD, epoch=epoch)
        self._script_bodies = self._pick_script_bodies()

    def at_epoch(self, epoch: int) -> JscmsDemoSite:
        """The same 바다일보 at another epoch (keeps the subclass, which the server and CLI rely on)."""
        return JscmsDemoSite(self.size, self.seed, epoch=epoch)

    # -- what needs a browser ---------------------------------------------------

    def _special(self, idx: int) -> bool:
        return idx in self.special_ids.values()

    def _pick_script_bodies(self) -> frozenset[int]:
        """Every SCRIPT_BODY_EVERY-th base idx, the mislabelled page, and per section the newest eligible
        article of its epoch-0 page 1 when that page has none (so one page-1 render always needs one).

        Decided on epoch-0 lists (an epoch only adds ids on top and deletes off page 1), so an
        article keeps its kind across epochs.
        """
        ids = {i for i in range(self.first_idx, self.last_idx + 1)
               if (i - self._offset) % SCRIPT_BODY_EVERY == 0 and not self._special(i)}
        ids.add(IDX_MISLABELLED)
        for section in self.sections:
            page1 = [i for i in self.list_ids(section.code) if i <= self._last0][:content.PAGE_SIZE]
            if not ids & set(page1):
                eligible = [i for i in page1 if not self._protected(i)]
                if eligible:
                    ids.add(eligible[0])
        return frozenset(ids)

    def script_body_ids(self) -> frozenset[int]:
        """Ids whose article page has an empty body that an inline script fills from ``/api/article/ID``."""
        return self._script_bodies

    def needs_render(self, idx: int) -> bool:
        return idx in self._script_bodies

    def mislabelled_ids(self) -> frozenset[int]:
        """Ids served as UTF-8 bytes under an ``euc-kr`` label (HTTP header and ``<meta>``)."""
        return frozenset({IDX_MISLABELLED})

    # -- JSON the list script reads ---------------------------------------------

    def has_more(self, code: str, page: int) -> bool:
        return page >= 1 and page * content.PAGE_SIZE < len(self.list_ids(code))

    def list_item(self, idx: int) -> dict[str, Any]:
        """One ``/api/list`` item: times as ISO 8601 with ``+09:00`` (``modified`` null when never edited)."""
        article = self.article(idx)
        assert article is not None
        return {
            "id": idx,
            "url": f"/article/{idx}",
            "title": article.clean_title,
            "published": article.published.isoformat(),
            "modified": article.modified.isoformat() if article.modified else None,
        }

    def api_list(self, code: str, page: int) -> dict[str, Any]:
        return {"section": code, "page": page, "has_more": self.has_more(code, page),
                "items": [self.list_item(i) for i in self.list_page(code, page)]}

    # -- truth ------------------------------------------------------------------

    def expected_item(self, article: Article, base_url: str) -> dict[str, Any]:
        """The exported fields: every reporter with an e-mail (the page shows one per name), no desk."""
        base_url = base_url.rstrip("/")
        body = normalize_body(list(article.paragraphs))
        return {
            "canonical_url": f"{base_url}/article/{article.idx}",
            "article_id": f"{SITE}:{article.idx}",
            "site": SITE,
            "site_name": SITE_NAME,
            "language": content.LANGUAGE,
            "section": article.section.name,
            "title": article.clean_title,
            "subtitles": [normalize_space(s) for s in article.subtitles],
            "authors": [r.name for r in article.reporters],
            "bylines": [{"name": r.name, "desk": None, "email": r.email} for r in article.reporters],
            "published_at": article.published.isoformat() if article.show_published else None,
            "published_at_raw": published_raw(article),
            "modified_at": article.modified.isoformat() if article.modified else None,
            "modified_at_raw": modified_raw(article),
            "body": body,
            "images": [{"url": base_url + img.path, "caption": normalize_space(img.caption)}
                       for _, img in article.images],
            "content_hash": content_hash(body),
        }

    def truth_record(self, idx: int, base_url: str) -> dict[str, Any]:
        return {**super().truth_record(idx, base_url), "needs_render": self.needs_render(idx)}

    def truth(self, base_url: str) -> Iterator[dict[str, Any]]:
        for idx in range(self.first_idx, self.last_idx + 1):
            yield self.truth_record(idx, base_url)


def published_raw(article: Article) -> str | None:
    """The dateline's 입력 item as the page shows it (seconds included)."""
    return f"입력 {article.published:%Y-%m-%d %H:%M:%S}" if article.show_published else None


def modified_raw(article: Article) -> str | None:
    return f"수정 {article.modified:%Y-%m-%d %H:%M:%S}" if article.modified else None
