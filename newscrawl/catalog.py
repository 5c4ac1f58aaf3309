"""The outlet catalog: ``catalog.toml`` read into :class:`Outlet` records.

An *outlet* is data: name, CMS family, base URL, domains, sections. Adding an outlet on
a known CMS is one ``[outlets.<slug>]`` entry in ``newscrawl/catalog.toml``, not code.
This module is a leaf (attrs and the standard library only): families, pages, spiders
and pipelines all read it; that the family names exist is checked by
:func:`newscrawl.families.check_catalog`.
"""

from __future__ import annotations

import json
import tomllib
from functools import cache
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import attrs

from newscrawl.render.actions import Action, RenderMode, parse_actions, render_mode

#: Learned title affixes (``Outlet.title_affixes``): at most this many, each at most this long.
_AFFIXES_KEPT = 12
_AFFIX_MAX = 40

CATALOG_PATH = Path(__file__).with_name("catalog.toml")
_KEYS = frozenset({"name", "family", "base_url", "domains", "sections", "charset", "language", "render",
                   "list_actions", "article_actions", "interval_minutes", "time_limit_minutes"})


@attrs.frozen
class Outlet:
    """One outlet: what a spider and the page objects need to know about it."""

    slug: str
    name: str
    family: str
    base_url: str
    domains: tuple[str, ...] = ()
    sections: tuple[str, ...] = ()
    charset: str = "utf-8"
    language: str = "ko"
    #: Which pages need a browser (``newscrawl.render.actions``); None: the family's default.
    render: RenderMode | None = None
    #: Page actions for rendered list / article pages; None: the family's.
    list_actions: tuple[Action, ...] | None = None
    article_actions: tuple[Action, ...] | None = None
    #: Parts of the outlet's own home/list page ``<title>`` ("경기신문", "정치"), learned while crawling
    #: (:meth:`with_title_affixes`), never read from the catalog file: title affixes the pages do not name.
    title_affixes: tuple[str, ...] = ()
    #: Outlet jobs (``newscrawl.dist``): minutes between two scheduled crawls and the most one may take;
    #: None: ``NEWSCRAWL_JOB_INTERVAL`` / ``NEWSCRAWL_JOB_TIME_LIMIT``.
    interval_minutes: float | None = None
    time_limit_minutes: float | None = None

    def with_title_affixes(self, parts: list[str]) -> Outlet:
        """The outlet knowing the parts of one more of its own page titles (a home or section list page's
        ``<title>`` split by :func:`newscrawl.parsing.text.title_parts`); itself when nothing is new."""
        new = [p for p in dict.fromkeys(parts) if p and len(p) <= _AFFIX_MAX and p not in self.title_affixes]
        if not new or len(self.title_affixes) >= _AFFIXES_KEPT:
            return self
        return attrs.evolve(self, title_affixes=(*self.title_affixes, *new)[:_AFFIXES_KEPT])

    def with_base_url(self, base_url: str) -> Outlet:
        """The same outlet served from another address (a local demo copy or a mirror)."""
        host = urlsplit(base_url).hostname or ""
        return attrs.evolve(self, base_url=base_url.rstrip("/"), domains=(*self.domains, host))

    @property
    def in_catalog(self) -> bool:
        """Outlets resolved from a URL alone are named after their host until the page says better."""
        return self.name != self.slug


class CatalogError(ValueError):
    """The catalog file is malformed: raised with the outlet and field at fault."""


def _outlet(slug: str, data: dict[str, Any]) -> Outlet:
    missing = [k for k in ("name", "family", "base_url") if not data.get(k)]
    if missing:
        raise CatalogError(f"catalog outlet {slug!r}: missing {', '.join(missing)}")
    unknown = set(data) - _KEYS
    if unknown:
        raise CatalogError(f"catalog outlet {slug!r}: unknown keys {sorted(unknown)}")
    try:
        render = render_mode(data["render"], "render") if "render" in data else None
        actions = {key: parse_actions(data[key], key) if key in data else None
                   for key in ("list_actions", "article_actions")}
    except ValueError as exc:
        raise CatalogError(f"catalog outlet {slug!r}: {exc}") from None
    minutes = {key: _minutes(slug, key, data[key]) if key in data else None
               for key in ("interval_minutes", "time_limit_minutes")}
    return Outlet(
        slug=slug,
        name=data["name"],
        family=data["family"],
        base_url=data["base_url"].rstrip("/"),
        domains=tuple(data.get("domains", ())),
        sections=tuple(data.get("sections", ())),
        charset=data.get("charset", "utf-8"),
        language=data.get("language", "ko"),
        render=render,
        list_actions=actions["list_actions"],
        article_actions=actions["article_actions"],
        interval_minutes=minutes["interval_minutes"],
        time_limit_minutes=minutes["time_limit_minutes"],
    )


def _minutes(slug: str, key: str, value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not value > 0:
        raise CatalogError(f"catalog outlet {slug!r}: {key} must be a positive number of minutes, not {value!r}")
    return float(value)


@cache
def load_catalog(path: Path = CATALOG_PATH) -> dict[str, Outlet]:
    """Every outlet of the catalog file, by slug."""
    with path.open("rb") as fh:
        raw = tomllib.load(fh)
    return {slug: _outlet(slug, data) for slug, data in raw.get("outlets", {}).items()}


def _toml_string(value: str) -> str:
    # A JSON string is a TOML basic string (same escapes); non-ASCII kept as is.
    return json.dumps(value, ensure_ascii=False)


def catalog_entry(outlet: Outlet) -> str:
    """The ``[outlets.<slug>]`` table of ``outlet`` as ``catalog.toml`` writes it (page actions are not written:
    an outlet gets them from its family unless someone writes its own)."""
    lines = [f"[outlets.{outlet.slug}]",
             f"name = {_toml_string(outlet.name)}",
             f"family = {_toml_string(outlet.family)}",
             f"base_url = {_toml_string(outlet.base_url)}",
             f"domains = [{', '.join(_toml_string(d) for d in outlet.domains)}]",
             f"sections = [{', '.join(_toml_string(s) for s in outlet.sections)}]",
             f"charset = {_toml_string(outlet.charset)}",
             f"language = {_toml_string(outlet.language)}"]
    if outlet.render is not None:
        lines.append(f"render = {_toml_string(outlet.render)}")
    return "\n".join(lines) + "\n"
