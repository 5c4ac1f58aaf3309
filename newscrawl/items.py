"""The output schema: one ``Article`` per news article.

Items are attrs classes handled through ``ItemAdapter`` everywhere, so pipelines
never depend on the item type. Times are aware ``datetime`` objects in the item
and ISO 8601 strings with offset in every feed (see ``newscrawl.output.exporters``).
``newscrawl/schema/article.schema.json`` describes an exported item; a test keeps
both in sync.
"""

from __future__ import annotations

from datetime import datetime

import attrs

#: Fields whose value is an aware datetime in the item, an ISO 8601 string in feeds.
DATETIME_FIELDS = ("published_at", "modified_at", "crawled_at")


def _doc(text: str) -> dict[str, str]:
    return {"doc": text}


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def _time_doc(text: str) -> dict[str, object]:
    # Feed exporters honour a field's "serializer": JSON gets ISO 8601 with the offset.
    return {"doc": text, "serializer": _iso}


@attrs.define(kw_only=True)
class Article:
    """One news article, as exported."""

    url: str = attrs.field(metadata=_doc("URL the page was fetched from, as linked (may carry menu codes)."))
    canonical_url: str | None = attrs.field(
        default=None,
        metadata=_doc("URL without menu codes, tracking parameters or fragment; only the article key is kept."),
    )
    article_id: str | None = attrs.field(
        default=None,
        metadata=_doc("Stable id '<site>:<article key>', e.g. 'news21tongsin:278440'; the same on every URL variant."),
    )
    site: str | None = attrs.field(default=None, metadata=_doc("Outlet slug from the catalog, e.g. 'news21tongsin'."))
    site_name: str | None = attrs.field(default=None, metadata=_doc("Outlet's display name, e.g. '뉴스21 통신'."))
    section: str | None = attrs.field(
        default=None, metadata=_doc("Section name from the article page breadcrumb (not the list it was linked from).")
    )
    title: str | None = attrs.field(default=None, metadata=_doc("Headline."))
    subtitles: list[str] = attrs.field(factory=list, metadata=_doc("Sub-headlines shown above the body, in order."))
    authors: list[str] = attrs.field(
        factory=list, metadata=_doc("Reporter names only (no desk, title or email), in byline order.")
    )
    bylines: list[dict[str, str | None]] = attrs.field(
        factory=list,
        metadata=_doc("Structured reporters: objects with 'name', 'desk' (or null) and 'email' (or null)."),
    )
    published_at: datetime | None = attrs.field(
        default=None, metadata=_time_doc("First publication time, ISO 8601 with offset (Korea time +09:00 when the page gives none).")
    )
    published_at_raw: str | None = attrs.field(
        default=None, metadata=_doc("Publication time as shown on the page, label included, e.g. '등록 2023-12-05 09:42:31'.")
    )
    modified_at: datetime | None = attrs.field(
        default=None, metadata=_time_doc("Last modification time, ISO 8601 with offset; null when the page shows none.")
    )
    modified_at_raw: str | None = attrs.field(
        default=None, metadata=_doc("Modification time as shown on the page, label included.")
    )
    body: str | None = attrs.field(
        default=None,
        metadata=_doc("Plain text, paragraphs separated by one blank line; dateline, captions, bylines and page chrome removed."),
    )
    images: list[dict[str, str | None]] = attrs.field(
        factory=list, metadata=_doc("Images in the body: objects with absolute 'url' and 'caption' (or null).")
    )
    language: str | None = attrs.field(default=None, metadata=_doc("BCP 47 language of the text, e.g. 'ko'."))
    crawled_at: datetime | None = attrs.field(default=None, metadata=_time_doc("When the page was fetched (UTC)."))
    content_hash: str | None = attrs.field(
        default=None, metadata=_doc("SHA-256 hex of the normalised body; equal bodies have equal hashes.")
    )
    revision: int | None = attrs.field(
        default=None,
        metadata=_doc("1 for the first export of an article; n when the article was edited (new content) "
                      "and exported again for the n-th time."),
    )
    previous_content_hash: str | None = attrs.field(
        default=None,
        metadata=_doc("On a revision (revision > 1): the first 16 hex digits of the content_hash the "
                      "previous export had; null otherwise."),
    )
    cluster_id: str | None = attrs.field(
        default=None,
        metadata=_doc("Near-duplicate cluster: the article_id of the first article of the story (its own id when it "
                      "is the first); copies of one press release across outlets share it."),
    )
    duplicate_of: str | None = attrs.field(
        default=None,
        metadata=_doc("For a near-duplicate marked rather than dropped: the article_id it repeats; null otherwise."),
    )
    extractor: dict[str, str] = attrs.field(
        factory=dict,
        metadata=_doc("Provenance: for each extracted field, the path that produced it, e.g. {'title': 'dada'}."),
    )


def field_docs() -> dict[str, str]:
    """Field name -> docstring, for the schema test and the README."""
    return {f.name: f.metadata["doc"] for f in attrs.fields(Article)}


def article_field_names() -> list[str]:
    return [f.name for f in attrs.fields(Article)]



@attrs.define(kw_only=True)
class StoredArticle(Article):
    """An article written from the state store, not fetched in this run: a known article that a
    complete ``-O`` file needs (see :func:`newscrawl.output.feeds.complete_file`).

    The same fields and values as when it was exported; pipelines pass it through unchanged and
    appended feeds (``-o``, the default partitions) leave it out
    (:class:`newscrawl.output.feeds.NewItemsOnly`): they hold only what each run found new.
    """

    @classmethod
    def from_record(cls, record: dict[str, object]) -> StoredArticle:
        """The item of a stored feed line (times back to aware datetimes; unknown keys ignored)."""
        names = set(article_field_names())
        values: dict[str, object] = {k: v for k, v in record.items() if k in names}
        for name in DATETIME_FIELDS:
            value = values.get(name)
            if isinstance(value, str):
                values[name] = datetime.fromisoformat(value)
        return cls(**values)  # type: ignore[arg-type]


class StoredReject(dict[str, object]):
    """A remembered reject written from the state store into an overwritten rejects file (its rejects-file
    line, ``reject_reason`` included); the validate pipeline writes it and drops it, no feed gets it."""
