"""Page fixtures: saved pages, where they were fetched from, and what a crawl must read from them.

One format read by the fixture tests (``tests/pages/``), ``scripts/update_fixtures.py`` and
``scrapy check`` (:mod:`newscrawl.contracts`), so what is checked is by construction what is
written. A fixture folder (``NEWSCRAWL_CHECK_FIXTURES``, the project's ``tests/pages/fixtures``)
holds ``<family>/<case>/`` folders, each with

* ``page.html`` — the page bytes, as a server would send them (pages written by us in the
  CMS's markup, never copied from a real site or ``../shared/corpus``);
* ``meta.json`` — ``url`` (where it was fetched from), ``why`` (one line: what the case
  covers), and only when the case needs them: ``headers`` (HTTP headers, e.g. a
  ``Content-Type`` with a charset), ``outlet`` (catalog slug, when the URL alone would
  resolve elsewhere), ``base_url`` (the outlet served from another address), ``kind``;
* ``expected.json`` — what :meth:`PageCase.snapshot` gives, written by ``scripts/update_fixtures.py``.

Kinds, each snapshotting what a crawl reads from that kind of page: ``article`` (default;
the exported item without ``crawled_at``), ``list`` (a section list page: its entries and
next page), ``home`` (the page whose menu gives the sections), ``not_article`` (a page the
family must refuse, e.g. a deleted article; no ``expected.json``).

``source`` says where the page bytes come from: ``"synthetic"`` (written by us in the
markup the CMS is documented to use, e.g. ``../shared/docs/SITES.md``; it shows the code reads
that markup, not that the outlet really serves it) or ``"saved"`` (fetched from the outlet's
own site, e.g. by ``scrapy probe --save``). The registry test (``tests/pages/test_registry.py``)
requires it on the article cases of every catalog outlet, so a reader can tell which outlets
were ever checked against a real page.

The outlet is resolved from the URL as a crawl resolves it (catalog outlet by domain, else
a family by URL pattern, else generic), over the project catalog plus the folder's own
``catalog.toml``: outlets invented for fixtures, so the saved pages need not pretend to be a
real paper.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from functools import cache
from pathlib import Path
from typing import Any

import attrs
from scrapy.http import HtmlResponse

from newscrawl.catalog import Outlet, load_catalog
from newscrawl.extract import extract
from newscrawl.families import FAMILIES, check_catalog, get_family, resolve
from newscrawl.output.exporters import export_dict, to_json_value
from newscrawl.parsing.charset import repair_encoding

KINDS = ("article", "list", "home", "not_article")
#: meta.json keys, in the order the files write them.
META_KEYS = ("url", "headers", "outlet", "base_url", "kind", "source", "why")
#: Values of meta.json ``source``: written by us in the documented markup, or fetched from the outlet.
SOURCES = ("synthetic", "saved")
CASE_FILES = frozenset({"page.html", "meta.json", "expected.json"})
#: Fields of an exported item that depend on when it was crawled, not on the page.
CRAWL_TIME_FIELDS = ("crawled_at",)


class CaseError(ValueError):
    """A fixture folder is malformed: raised with the case and what is wrong."""


@cache
def fixture_catalog(root: Path) -> dict[str, Outlet]:
    """The project catalog plus the outlets invented in ``root/catalog.toml`` (a slug in both is an error)."""
    catalog = load_catalog()
    path = root / "catalog.toml"
    invented = load_catalog(path) if path.is_file() else {}
    clash = sorted(set(catalog) & set(invented))
    if clash:
        raise CaseError(f"{path}: slugs also in the project catalog: {', '.join(clash)}")
    return check_catalog({**catalog, **invented})


def crawl_response(body: bytes, url: str, headers: Mapping[str, str] | None = None) -> HtmlResponse:
    """The response a crawl hands to the page objects: Scrapy's decoding (header, BOM, meta),
    then the charset repair of ``CharsetRepairMiddleware`` (as ``scrapy extract`` does)."""
    response = HtmlResponse(url=url, body=body, headers=dict(headers or {}))
    repaired, _how = repair_encoding(response)
    assert isinstance(repaired, HtmlResponse)
    return repaired


def resolve_outlet(url: str, catalog: Mapping[str, Outlet], slug: str | None = None,
                   base_url: str | None = None) -> Outlet:
    """The outlet a crawl of ``url`` uses: ``slug``'s outlet if given, else resolved from the URL;
    served from ``base_url`` when given (``Outlet.with_base_url``, as the demo crawls do)."""
    if slug is not None:
        if slug not in catalog:
            raise CaseError(f"unknown outlet {slug!r}; known: {', '.join(sorted(catalog))}")
        outlet = catalog[slug]
    else:
        outlet = resolve(url, dict(catalog))
    return outlet.with_base_url(base_url) if base_url else outlet


def render(data: Any) -> str:
    """expected.json text: the format of the original fixtures (indent 2, UTF-8 as is, newline)."""
    return json.dumps(data, ensure_ascii=False, indent=2) + "\n"


def article_snapshot(item: Any) -> dict[str, Any]:
    """An item as ``expected.json`` holds it: exported, without :data:`CRAWL_TIME_FIELDS`."""
    record = export_dict(item)
    for name in CRAWL_TIME_FIELDS:
        record.pop(name, None)
    return record


@attrs.frozen
class PageCase:
    """One fixture folder."""

    family: str
    name: str
    path: Path
    meta: Mapping[str, Any]

    @property
    def id(self) -> str:
        return f"{self.family}/{self.name}"

    @property
    def root(self) -> Path:
        """The fixture folder the case belongs to (its ``catalog.toml`` invents outlets)."""
        return self.path.parent.parent

    @property
    def url(self) -> str:
        return str(self.meta["url"])

    @property
    def kind(self) -> str:
        return str(self.meta.get("kind", "article"))

    @property
    def why(self) -> str:
        return str(self.meta["why"])

    @property
    def source(self) -> str | None:
        """Where the page bytes come from (:data:`SOURCES`); None when the case does not say."""
        source = self.meta.get("source")
        return None if source is None else str(source)

    @property
    def headers(self) -> dict[str, str]:
        return dict(self.meta.get("headers") or {})

    @property
    def page(self) -> Path:
        return self.path / "page.html"

    @property
    def expected_path(self) -> Path:
        return self.path / "expected.json"

    @property
    def has_expected(self) -> bool:
        """Whether this kind of case keeps an ``expected.json``."""
        return self.kind != "not_article"

    def expected(self) -> Any:
        """The parsed ``expected.json`` (:class:`CaseError` when missing or not JSON)."""
        try:
            return json.loads(self.expected_path.read_text("utf-8"))
        except (OSError, json.JSONDecodeError) as exc:
            raise CaseError(f"{self.id}: cannot read expected.json ({exc})") from None

    def response(self, url: str | None = None) -> HtmlResponse:
        """The saved page as fetched from ``url`` (default: the case's own URL)."""
        return crawl_response(self.page.read_bytes(), url or self.url, self.headers)

    def outlet(self, url: str | None = None) -> Outlet:
        return resolve_outlet(url or self.url, fixture_catalog(self.root), self.meta.get("outlet"),
                              self.meta.get("base_url"))

    def snapshot(self, outlet: Outlet | None = None) -> dict[str, Any]:
        """What ``expected.json`` holds for this case, from the current code.

        ``outlet``: the outlet to read it as, instead of the one its URL resolves to (``scrapy probe``
        writes the cases of an outlet before its catalog entry exists).
        Raises :class:`~newscrawl.pages.article.NotAnArticle` for an article page the family
        refuses, and :class:`CaseError` for a kind without a snapshot.
        """
        response, outlet = self.response(), outlet or self.outlet()
        if self.kind == "article":
            return article_snapshot(extract(response, outlet))
        if self.kind in ("list", "home"):
            section_page = get_family(outlet.family).section_page
            if section_page is None:
                raise CaseError(f"{self.id}: family {outlet.family!r} has no list pages")
            page = section_page(response, outlet)
            if self.kind == "home":
                return {"sections": [attrs.asdict(s) for s in page.sections()]}
            return {"entries": [to_json_value(attrs.asdict(e)) for e in page.entries()],
                    "next_page_url": page.next_page_url()}
        raise CaseError(f"{self.id}: a {self.kind!r} case has no expected.json")


def read_case(root: Path, family: str, path: Path) -> PageCase:
    """The case in folder ``path`` (of ``root/family``), or :class:`CaseError` saying what is wrong."""
    where = f"{path.relative_to(root)}"
    if not (path / "page.html").is_file() or not (path / "meta.json").is_file():
        raise CaseError(f"{where}: a case needs page.html and meta.json")
    try:
        meta = json.loads((path / "meta.json").read_text("utf-8"))
    except json.JSONDecodeError as exc:
        raise CaseError(f"{where}/meta.json: not JSON ({exc})") from None
    if not isinstance(meta, dict):
        raise CaseError(f"{where}/meta.json: expected an object")
    unknown = sorted(set(meta) - set(META_KEYS))
    if unknown:
        raise CaseError(f"{where}/meta.json: unknown keys {unknown}; known: {', '.join(META_KEYS)}")
    for key in ("url", "why"):
        if not isinstance(meta.get(key), str) or not meta[key].strip():
            raise CaseError(f"{where}/meta.json: {key!r} must be a non-empty string")
    if "\n" in meta["why"]:
        raise CaseError(f"{where}/meta.json: 'why' must be one line")
    if meta.get("kind", "article") not in KINDS:
        raise CaseError(f"{where}/meta.json: kind {meta['kind']!r} is not one of {', '.join(KINDS)}")
    if "source" in meta and meta["source"] not in SOURCES:
        raise CaseError(f"{where}/meta.json: source {meta['source']!r} is not one of {', '.join(SOURCES)}")
    return PageCase(family=family, name=path.name, path=path, meta=meta)


def load_cases(root: Path) -> tuple[PageCase, ...]:
    """Every case under ``root``, sorted by id; a folder that is not a known family is an error."""
    if not root.is_dir():
        raise CaseError(f"no fixture folder {root}")
    cases: list[PageCase] = []
    for family_dir in sorted(p for p in root.iterdir() if p.is_dir()):
        if family_dir.name not in FAMILIES:
            raise CaseError(f"{family_dir}: not a family; known: {', '.join(FAMILIES)}")
        cases.extend(read_case(root, family_dir.name, p) for p in sorted(family_dir.iterdir()) if p.is_dir())
    return tuple(cases)
