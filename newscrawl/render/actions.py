"""Render modes and declarative page actions: what an outlet needs from a browser, as data.

An outlet (catalog entry) or its CMS family says which of its pages need JavaScript::

    render = "lists"          # "none" (default) | "lists" | "articles" | "all"
    list_actions = [
      { wait = "ul.article-list" },
      { click = "button.btn-more", max = 30, until_no_new = "ul.article-list a" },
    ]
    article_actions = [ { wait = ".article-body p", timeout = 5 } ]

Actions run in order after the page has loaded:

``wait``    CSS selector to wait for (``timeout`` seconds, default 10); a page where it never
            appears is still returned (what it has is what the site shows), the miss is counted.
``click``   CSS selector of a load-more button: clicked up to ``max`` times (default 20) while it
            is visible, stopping early when ``until_no_new`` (CSS selector of the items the button
            adds, e.g. the list's links) shows no new match within ``timeout`` seconds of a click.
``scroll``  number of scrolls to the bottom (infinite scroll), stopping early like ``click`` when
            ``until_no_new`` stops growing.
``idle``    seconds to wait at most for the network to fall quiet (no request for 500 ms): for content
            that scripts fetch after the page's load event.

A plan that renders a page kind without actions of its own (the catalog entry's and the family's
are empty) gets :data:`DEFAULT_LIST_ACTIONS` / :data:`DEFAULT_ARTICLE_ACTIONS`: the network idle,
then a visible "더보기" / "more" button clicked while it adds links, then one scroll that stops
at once when it adds none.

Only this module's keys are accepted: a misspelt one is a :class:`CatalogError`-style
``ValueError`` naming the action, not a silently ignored option.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, Literal

import attrs

RenderMode = Literal["none", "lists", "articles", "all"]
RENDER_MODES: tuple[RenderMode, ...] = ("none", "lists", "articles", "all")
#: The page kinds a mode renders.
PAGE_KINDS: dict[RenderMode, frozenset[str]] = {
    "none": frozenset(),
    "lists": frozenset({"list"}),
    "articles": frozenset({"article"}),
    "all": frozenset({"list", "article"}),
}
DEFAULT_TIMEOUT = 10.0
DEFAULT_MAX = 20

_KEYS: dict[str, frozenset[str]] = {
    "wait": frozenset({"wait", "timeout"}),
    "click": frozenset({"click", "max", "until_no_new", "timeout"}),
    "scroll": frozenset({"scroll", "until_no_new", "timeout"}),
    "idle": frozenset({"idle"}),
}


@attrs.frozen
class Action:
    """One page action (see the module docstring)."""

    kind: Literal["wait", "click", "scroll", "idle"]
    #: The CSS selector waited for or clicked; empty for ``scroll``.
    selector: str = ""
    #: Clicks or scrolls at most.
    times: int = 1
    #: CSS selector whose match count must grow after a click or scroll, else the action stops.
    until_no_new: str | None = None
    #: Seconds to wait for the selector, or for new matches after one click or scroll.
    timeout: float = DEFAULT_TIMEOUT

    def as_data(self) -> dict[str, Any]:
        """The action as the catalog writes it (for the run report and ``scrapy list`` style output)."""
        if self.kind == "idle":
            return {"idle": self.timeout}
        data: dict[str, Any] = {self.kind: self.selector if self.kind != "scroll" else self.times}
        if self.kind == "click":
            data["max"] = self.times
        if self.until_no_new:
            data["until_no_new"] = self.until_no_new
        if self.timeout != DEFAULT_TIMEOUT:
            data["timeout"] = self.timeout
        return data


def render_mode(value: Any, where: str = "render") -> RenderMode:
    """``value`` as a render mode; ``true``/``false`` (the ``articles`` spider's flag) mean all/none."""
    if isinstance(value, bool):
        return "all" if value else "none"
    text = str(value if value is not None else "none").strip().lower()
    aliases = {"true": "all", "yes": "all", "1": "all", "on": "all", "false": "none", "no": "none", "0": "none",
               "off": "none", "": "none"}
    text = aliases.get(text, text)
    if text not in RENDER_MODES:
        raise ValueError(f"{where}={value!r}: use one of {', '.join(RENDER_MODES)}")
    return text  # narrowed to RenderMode by the membership test above


def _number(data: Mapping[str, Any], key: str, default: float, where: str, *, whole: bool = False) -> float:
    value = data.get(key, default)
    if isinstance(value, bool) or not isinstance(value, int | float) or value <= 0 or (whole and value != int(value)):
        kind = "a whole number" if whole else "a number"
        raise ValueError(f"{where}: {key}={value!r} must be {kind} above 0")
    return float(value)


def _selector(data: Mapping[str, Any], key: str, where: str) -> str:
    value = data.get(key)
    if not isinstance(value, str) or not value.strip():
        raise ValueError(f"{where}: {key} must be a CSS selector (a non-empty string)")
    return value.strip()


def parse_action(data: Mapping[str, Any], where: str = "action") -> Action:
    """One action table -> :class:`Action`, or ``ValueError`` naming what is wrong."""
    if not isinstance(data, Mapping):
        raise ValueError(f"{where}: an action is a table like {{ wait = \"selector\" }}, got {data!r}")
    kinds = [k for k in _KEYS if k in data]
    if len(kinds) != 1:
        raise ValueError(f"{where}: an action needs exactly one of {', '.join(_KEYS)} (got {sorted(data)})")
    kind = kinds[0]
    unknown = set(data) - _KEYS[kind]
    if unknown:
        raise ValueError(f"{where}: unknown keys {sorted(unknown)} for a {kind} action "
                         f"(allowed: {', '.join(sorted(_KEYS[kind]))})")
    if kind == "idle":
        return Action("idle", timeout=_number(data, "idle", DEFAULT_TIMEOUT, where))
    timeout = _number(data, "timeout", DEFAULT_TIMEOUT, where)
    until = _selector(data, "until_no_new", where) if "until_no_new" in data else None
    if kind == "wait":
        return Action("wait", _selector(data, "wait", where), timeout=timeout)
    if kind == "click":
        times = int(_number(data, "max", DEFAULT_MAX, where, whole=True))
        return Action("click", _selector(data, "click", where), times=times, until_no_new=until, timeout=timeout)
    times = int(_number(data, "scroll", 1, where, whole=True))
    return Action("scroll", "", times=times, until_no_new=until, timeout=timeout)


def parse_actions(data: Iterable[Mapping[str, Any]] | None, where: str = "actions") -> tuple[Action, ...]:
    """A list of action tables (the catalog's ``list_actions``/``article_actions``) -> actions."""
    if data is None:
        return ()
    if isinstance(data, Mapping | str):
        raise ValueError(f"{where}: a list of action tables, like [{{ wait = \"selector\" }}]")
    return tuple(parse_action(item, f"{where}[{i}]") for i, item in enumerate(data))


#: Load-more buttons as Korean and English news sites label them (Playwright's ``:has-text``, case-insensitive).
LOAD_MORE = ", ".join(f'{tag}:has-text("{text}")' for text in ("더보기", "더 보기", "load more", "more news", "more")
                      for tag in ("button", "a[href^='javascript']", "a[href='#']", "[role=button]"))
#: For rendered list pages whose outlet and family give no actions: see the module docstring.
DEFAULT_LIST_ACTIONS: tuple[Action, ...] = (
    Action("idle", timeout=5.0),
    Action("click", LOAD_MORE, times=DEFAULT_MAX, until_no_new="a[href]", timeout=3.0),
    Action("scroll", times=5, until_no_new="a[href]", timeout=2.0),
)
#: For rendered article pages whose outlet and family give no actions: wait for the scripts' requests.
DEFAULT_ARTICLE_ACTIONS: tuple[Action, ...] = (Action("idle", timeout=5.0),)


@attrs.frozen
class RenderPlan:
    """What a crawl renders: the mode and the actions per page kind."""

    mode: RenderMode = "none"
    list_actions: tuple[Action, ...] = ()
    article_actions: tuple[Action, ...] = ()

    def renders(self, kind: str) -> bool:
        """Whether pages of ``kind`` (``list`` or ``article``) go through the browser."""
        return kind in PAGE_KINDS[self.mode]

    @property
    def enabled(self) -> bool:
        return self.mode != "none"

    def actions(self, kind: str) -> tuple[Action, ...]:
        """The actions for a rendered page of ``kind``; the defaults when the plan has none for it."""
        if kind == "list":
            return self.list_actions or DEFAULT_LIST_ACTIONS
        if kind == "article":
            return self.article_actions or DEFAULT_ARTICLE_ACTIONS
        return ()
