"""JSON-LD: the article object of a page and its fields.

Pages embed one or more ``<script type="application/ld+json">`` blocks holding an
object, a list, or an ``@graph``; the article may be typed ``NewsArticle``,
``Article``, ``ReportageNewsArticle`` (or a list of types). Publishers often ship
invalid JSON (trailing commas, raw newlines in strings, HTML comments), so parsing is
lenient and a broken block is skipped, never fatal.
"""

from __future__ import annotations

import html
import json
import re
from collections.abc import Iterator
from typing import Any

ARTICLE_TYPES = frozenset(
    {"newsarticle", "article", "reportagenewsarticle", "analysisnewsarticle", "opinionnewsarticle", "blogposting",
     "backgroundnewsarticle", "reviewnewsarticle", "askpublicnewsarticle", "report", "liveblogposting",
     "socialmediaposting", "techarticle", "scholarlyarticle", "satiricalarticle", "webpage"}
)
_TRAILING_COMMA = re.compile(r",\s*([}\]])")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")


def _loads(text: str) -> object:
    text = text.strip()
    if text.startswith("<!--"):
        text = text.removeprefix("<!--").removesuffix("-->").strip()
    text = text.removeprefix("//<![CDATA[").removesuffix("//]]>").strip()
    for candidate in (text, _TRAILING_COMMA.sub(r"\1", text)):
        try:
            return json.loads(candidate, strict=False)
        except (ValueError, RecursionError):
            continue
    try:
        return json.loads(_CONTROL.sub(" ", _TRAILING_COMMA.sub(r"\1", text)), strict=False)
    except (ValueError, RecursionError):
        return None


def _walk(node: object, depth: int = 0) -> Iterator[dict[str, Any]]:
    if depth > 6:
        return
    if isinstance(node, list):
        for child in node:
            yield from _walk(child, depth + 1)
    elif isinstance(node, dict):
        yield node
        for key in ("@graph", "mainEntity", "mainEntityOfPage", "itemListElement", "hasPart"):
            if key in node:
                yield from _walk(node[key], depth + 1)


def _types(obj: dict[str, Any]) -> set[str]:
    t = obj.get("@type")
    values = t if isinstance(t, list) else [t]
    return {str(v).rsplit("/", 1)[-1].lower() for v in values if v}


def objects(scripts: list[str]) -> list[dict[str, Any]]:
    """Every JSON object found in the given ld+json script texts."""
    out: list[dict[str, Any]] = []
    for text in scripts:
        data = _loads(text)
        if data is not None:
            out.extend(_walk(data))
    return out


def article_object(scripts: list[str]) -> dict[str, Any]:
    """The best article object: a *NewsArticle type with a headline first, WebPage last; {} if none."""
    best: tuple[int, dict[str, Any]] | None = None
    for obj in objects(scripts):
        types = _types(obj)
        if not types & ARTICLE_TYPES:
            continue
        rank = 0
        if types & {"newsarticle", "reportagenewsarticle", "analysisnewsarticle", "opinionnewsarticle",
                    "backgroundnewsarticle"}:
            rank += 4
        elif types & {"article", "blogposting", "liveblogposting", "report"}:
            rank += 3
        elif "webpage" in types:
            rank += 0
        else:
            rank += 2
        if obj.get("headline"):
            rank += 2
        if obj.get("datePublished"):
            rank += 1
        if obj.get("articleBody"):
            rank += 1
        if best is None or rank > best[0]:
            best = (rank, obj)
    return best[1] if best else {}


def text_value(value: object) -> str | None:
    """A plain string from a JSON-LD value (string, list of strings, or {'@value': ...}); HTML entities decoded."""
    if isinstance(value, list):
        value = next((v for v in value if v), None)
    if isinstance(value, dict):
        value = value.get("@value") or value.get("name")
    if value is None or isinstance(value, (dict, list)):
        return None
    text = html.unescape(str(value)).strip()
    return text or None


def index_by_id(objs: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """'@id' -> the richest object with that id (references like {"@id": ...} resolve through it)."""
    index: dict[str, dict[str, Any]] = {}
    for obj in objs:
        key = obj.get("@id")
        if isinstance(key, str) and len(obj) > len(index.get(key, {})):
            index[key] = obj
    return index


ORGANIZATION_TYPES = frozenset({"organization", "newsmediaorganization", "corporation", "organisation"})


def person_names(value: object, index: dict[str, dict[str, Any]] | None = None,
                 organizations: bool = False) -> list[str]:
    """Author names: Person objects (``name`` or ``givenName familyName``), ``@id`` references,
    plain strings, lists. Organisations only when ``organizations`` is true."""
    items = value if isinstance(value, list) else [value]
    names: list[str] = []
    for item in items:
        if isinstance(item, dict) and index and set(item) <= {"@id", "@type"} and item.get("@id") in index:
            item = index[item["@id"]]
        if isinstance(item, str):
            name = item
        elif isinstance(item, dict):
            if (_types(item) & ORGANIZATION_TYPES) and not organizations:
                continue
            name = text_value(item.get("name")) or " ".join(
                p for p in (text_value(item.get("givenName")), text_value(item.get("familyName"))) if p)
        else:
            continue
        name = html.unescape(name).strip()
        if name and name not in names:
            names.append(name)
    return names


def image_urls(value: object) -> list[str]:
    items = value if isinstance(value, list) else [value]
    urls: list[str] = []
    for item in items:
        url = item if isinstance(item, str) else (item.get("url") or item.get("contentUrl")) if isinstance(item,
                                                                                                            dict) else None
        if isinstance(url, str) and url and url not in urls:
            urls.append(url)
    return urls
