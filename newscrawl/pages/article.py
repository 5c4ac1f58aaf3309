"""ArticlePage: one response in, one ``Article`` out.

A page is a pure function of the response and the outlet's ``Outlet``: no crawler, no
settings, no I/O, so it is tested on saved HTML files. Three small parts:

* :class:`~newscrawl.pages.inputs.PageInputs`: what the page reads once (selector, meta
  tags, JSON-LD, app state, language guess, site names);
* :class:`~newscrawl.pages.fallbacks.Fallbacks`: the generic candidates for every field;
* this module: per field one ordered chain, the family hook first (``family_*``,
  overridden by a CMS family), then the fallbacks, cheapest and most specific first
  (JSON-LD, OpenGraph / ``article:*`` meta, labels visible in the page, main text).

One broken selector degrades a field, never the crawl. :meth:`ArticlePage._pick` runs every
chain and is the only writer of provenance: ``extractor`` names the step that produced each
field, the family's name when its hook did.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from functools import cached_property
from typing import Any

from parsel import Selector
from scrapy.http import TextResponse

from newscrawl.catalog import Outlet
from newscrawl.items import Article
from newscrawl.pages.fallbacks import Body, Dated, Fallbacks, Rule, Step, first_value
from newscrawl.pages.inputs import PageInputs
from newscrawl.parsing.bylines import Byline
from newscrawl.parsing.html import body_parts
from newscrawl.parsing.truncation import truncation_reason
from newscrawl.parsing.urls import article_id, canonical_url, query_param

#: The fields a family hook can produce (``family_*`` below), in ``extractor`` key order: where a
#: family's share of them is counted per crawl (``newscrawl/extract/<field>/<path>``) and checked
#: (:mod:`newscrawl.extensions.health`), a field without an ``extractor`` entry counts as path ``none``.
FAMILY_FIELDS: tuple[str, ...] = ("published_at", "modified_at", "body", "images", "authors", "subtitles",
                                  "section", "title")


class NotAnArticle(Exception):
    """The response is not an article page (deleted article, error page, list page)."""


class ArticlePage:
    """The generic page; a CMS family subclasses it and overrides only the hooks below."""

    #: Name recorded in ``extractor`` for every field a family hook produced.
    family = "meta"
    #: Query parameter holding the article key; None when the key is not in the query.
    article_key_param: str | None = None
    #: Whether every complete page ends ``</body></html>`` (true of a CMS family's templates, not of
    #: the open web), so a page without both is cut short (:mod:`newscrawl.parsing.truncation`).
    closing_tags_required = False

    def __init__(self, response: TextResponse, site: Outlet) -> None:
        self.inputs = PageInputs(response, site)
        self.fallbacks = Fallbacks(self.inputs)
        self.response = response
        self.site = site
        self.sel: Selector = self.inputs.sel
        self._provenance: dict[str, str] = {}

    # -- family hooks (override in subclasses) ------------------------------------------
    def is_article(self) -> bool:
        return bool(self.inputs.meta("og:title") or self.inputs.ld or self.inputs.title_text)

    def declares_article(self) -> bool:
        """Whether the page's metadata says it is an article: ``og:type`` article, or a JSON-LD article
        object with a headline and a publication time. A family's :meth:`is_article` falls back to it, so
        an outlet whose markup changed still yields its articles through the generic steps (which the
        ``family_share`` health check then reports) instead of every page counting as not an article."""
        if (self.inputs.meta("og:type") or "").strip().lower() == "article":
            return True
        ld = self.inputs.ld
        return bool(ld.get("headline") and ld.get("datePublished"))

    def key(self) -> str | None:
        if self.article_key_param:
            return query_param(self.response.url, self.article_key_param)
        return None

    def canonical(self) -> str:
        if self.article_key_param and self.key() is not None:
            return canonical_url(self.response.url, keep=(self.article_key_param,), base_url=self.site.base_url)
        link = self.inputs.canonical_link
        if link:
            try:
                return canonical_url(self.response.urljoin(link))
            except ValueError:  # a malformed <link rel=canonical> (bad port, broken IPv6): the page's own URL
                pass
        return canonical_url(self.response.url)

    def truncated(self) -> str | None:
        """Why the page looks cut short in transit, or None: the item is then rejected ``truncated``."""
        r = self.response
        return truncation_reason(r.body, r.headers.get("Content-Length"), bool(r.headers.get("Content-Encoding")),
                                 r.flags, structure=self.closing_tags_required)

    def family_title(self) -> str | None:
        return None

    def family_section(self) -> str | None:
        return None

    def family_subtitles(self) -> list[str]:
        return []

    def family_bylines(self) -> list[Byline]:
        return []

    def family_dates(self) -> tuple[Dated | None, Dated | None]:
        """((published_raw, published), (modified_raw, modified)); either may be None."""
        return None, None

    def family_body_element(self) -> Any:
        """The lxml element holding the article body, or None."""
        return None

    def body_skip_classes(self) -> tuple[str, ...]:
        return ()

    # -- the one provenance rule ----------------------------------------------------------
    def _pick(self, field: str, family: Callable[[], Any] | None, steps: Sequence[Step] = (),
              decide: Rule = first_value) -> Any:
        """Run one field's chain and record which step produced it.

        The family hook runs first and, when it gives a value, wins outright: a family's
        markup is authoritative for its pages. Otherwise ``decide`` weighs the fallback
        steps (by default the first that gives a value; each getter is called only when
        needed, so cheap family selectors never pay for the generic fallbacks). This is
        the only place that writes provenance.
        """
        found: tuple[str, Any] | None = None
        if family is not None:
            value = family()
            if value:
                found = (self.family, value)
        if found is None:
            found = decide(steps)
        if found is None:
            return None
        self._provenance[field] = found[0]
        return found[1]

    # -- fields ---------------------------------------------------------------------
    @property
    def in_catalog(self) -> bool:
        """Outlets resolved from a URL alone are named after their host until the page says better."""
        return self.site.name != self.site.slug

    def site_name(self) -> str:
        if self.in_catalog:
            return self.site.name
        fb = self.fallbacks
        return self._pick("site_name", None, [("meta:og", fb.og_site_name), ("jsonld", fb.ld_publisher_name)]) \
            or self.site.name

    def language(self) -> str | None:
        return self.site.language if self.in_catalog else self.fallbacks.declared_language()

    def section(self) -> str | None:
        fb = self.fallbacks
        section: str | None = self._pick("section", self.family_section,
                                         [("meta", fb.meta_section), ("jsonld", fb.ld_section)])
        return section

    def title(self) -> str | None:
        fb = self.fallbacks
        title: str | None = self._pick("title", self.family_title, [
            ("jsonld", fb.ld_headline),
            ("meta:og", fb.og_title),
            ("html:h1", fb.h1),
            ("html:headline", fb.headline_element),
            ("html:title", fb.title_tag),
        ], decide=fb.decide_title)
        return title

    def dates(self) -> tuple[Dated | None, Dated | None]:
        fam_pub, fam_mod = self.family_dates()
        fb = self.fallbacks
        pub: list[Step] = [("jsonld", fb.ld_published), ("meta", fb.meta_published)]
        mod: list[Step] = [("jsonld", fb.ld_modified), ("meta", fb.meta_modified)]
        if self.inputs.is_korean:
            # Korean pages show the time readers see next to the headline; metadata is often the
            # CMS's internal time. Visible labels first (see ../shared/corpus/README.md).
            # Then a dateline without labels (times in an element of their own or beside the
            # reporter), cross-checked against the metadata day when there is one.
            pub[:0] = [("visible", fb.visible_published), ("visible:dateline", fb.dateline_published)]
            mod[:0] = [("visible", fb.visible_modified), ("visible:dateline", fb.dateline_modified)]
        else:
            pub += [("visible", fb.visible_published), ("visible:dateline", fb.dateline_published)]
            mod += [("visible", fb.visible_modified), ("visible:dateline", fb.dateline_modified)]
        pub.append(("appstate", fb.appstate_published))
        mod.append(("appstate", fb.appstate_modified))
        if fam_pub is not None:
            mod = []  # the family's date line is authoritative: no 수정 label there, no modified_at
        published = self._pick("published_at", lambda: fam_pub, pub)

        def edited(get: Callable[[], Dated | None]) -> Callable[[], Dated | None]:
            """Metadata repeating the publication time records no edit (CMSs fill dateModified so)."""
            def step() -> Dated | None:
                found = get()
                return None if found and published and found[1] == published[1] else found
            return step

        mod = [(source, get if source.startswith("visible") else edited(get)) for source, get in mod]
        modified = self._pick("modified_at", lambda: fam_mod, mod)
        return published, modified

    def bylines(self) -> list[Byline]:
        fb = self.fallbacks
        steps: list[Step] = [("jsonld", fb.ld_author_names), ("meta", fb.meta_author_names),
                             ("visible", fb.visible_author_names)]
        if self.inputs.is_korean:
            steps.append(("visible:dateline", fb.dateline_author_names))
        else:
            # Wire and desk bylines: Korean datasets leave them out, international ones keep them.
            steps.append(("jsonld:organization", fb.ld_organization_names))
        return self._pick("authors", self.family_bylines, steps, decide=fb.decide_authors) or []

    @cached_property
    def _family_body(self) -> Body | None:
        element = self.family_body_element()
        if element is None:
            return None
        parts = body_parts(element, self.response.url, self.body_skip_classes())
        return Body(parts.paragraphs, parts.images) if parts.paragraphs else None

    def body(self) -> Body:
        fb = self.fallbacks
        body = self._pick("body", lambda: self._family_body, [
            ("maintext", fb.maintext_body),
            ("jsonld", fb.ld_body),
            ("appstate", fb.appstate_body),
        ]) or Body([])
        # Images are recorded when the family's markup gave them; app-state images come with
        # their body and, as before this module was split, are not recorded separately.
        self._pick("images", lambda: self._family_body.images if self._family_body else None)
        return body

    def subtitles(self) -> list[str]:
        return self._pick("subtitles", self.family_subtitles) or []

    def to_item(self) -> Article:
        """The article as extracted, before cleaning (``newscrawl.pages.clean``)."""
        # Read by validate_article (reject reason `truncated`). A page cut before its title is
        # still a cut page (a reject with the evidence), not a deleted one.
        truncated = self.truncated()
        if not truncated and not self.is_article():
            raise NotAnArticle(self.response.url)
        # Fields are read in this order so that ``extractor`` keeps its key order.
        published, modified = self.dates()
        body = self.body()
        bylines = self.bylines()
        subtitles = self.subtitles()
        key = self.key()
        return Article(
            url=self.response.url,
            canonical_url=self.canonical(),
            article_id=article_id(self.site.slug, key) if key else None,
            site=self.site.slug,
            site_name=self.site_name(),
            section=self.section(),
            title=self.title(),
            subtitles=subtitles,
            authors=[b.name for b in bylines],
            bylines=[b.as_dict() for b in bylines],
            published_at=published[1] if published else None,
            published_at_raw=published[0] if published else None,
            modified_at=modified[1] if modified else None,
            modified_at_raw=modified[0] if modified else None,
            body="\n\n".join(body.paragraphs) or None,
            images=body.images,
            language=self.language(),
            crawled_at=datetime.now(UTC).replace(microsecond=0),
            # Last: the field getters above (section, title, ...) still write provenance.
            extractor=dict(self._provenance) | ({"truncated": truncated} if truncated else {}),
        )
