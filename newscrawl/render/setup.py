"""Turning a render plan into a crawl: the browser check, the settings, the request meta.

Why here and not in ``settings.py``: installing scrapy-playwright's download handler costs every
crawl ~0.7 CPU-s and ~200 MB (Playwright's driver starts with the engine) even when nothing is
rendered. So the handler is installed by the spider's ``from_crawler`` (Scrapy 2.19 builds the
spider before it freezes the settings) and only when its plan renders something
(:func:`enable_rendering`); a crawl of an outlet without JavaScript pages loads no Playwright at all.

Only the requests a plan marks go through the browser (:func:`render_meta` puts
``playwright=True`` and the page actions in their meta); every other request of the same crawl
is downloaded by Scrapy's own HTTP handler (scrapy-playwright passes it through).
"""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Iterable
from typing import Any
from urllib.parse import urlsplit

from scrapy.crawler import Crawler
from scrapy.settings import BaseSettings

from newscrawl.render.actions import Action

#: Debian's chromium (``apt-get install chromium``), then whatever ``chromium`` is on PATH.
CHROMIUM_PATHS = ("/usr/lib/chromium/chromium", "/usr/bin/chromium", "/usr/bin/chromium-browser")
#: Headless in a container or under cron: no sandbox (often no user namespaces), no GPU, /dev/shm is small.
LAUNCH_ARGS = ("--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage")
HANDLER = "newscrawl.render.handler.RenderDownloadHandler"
#: The other scheme's handler: plain requests itself, rendered ones handed to HANDLER (one Playwright driver).
SCHEME_HANDLER = "newscrawl.render.handler.SchemeHandler"
#: Playwright's errors (a navigation timeout, a crashed page) retried like Scrapy's download errors.
RETRY_ERRORS = ("playwright.async_api.TimeoutError", "playwright.async_api.Error")
#: The one browser context every rendered page of a crawl opens its pages in.
CONTEXT = "newscrawl"
#: Request meta: which kind of page a rendered request is ("list" / "article"), and what the browser saw.
KIND_META = "newscrawl_render"
INFO_META = "newscrawl_render_info"
HOSTS_META = "newscrawl_render_hosts"
#: A request re-fetched plainly after its rendered text came back damaged: never rendered again.
PLAIN_META = "newscrawl_render_plain"


class RenderUnavailable(ValueError):
    """Rendering was asked for and cannot run here (no Chromium): one line for the user."""


def browser_executable(settings: BaseSettings) -> str:
    """The Chromium to launch: ``NEWSCRAWL_RENDER_BROWSER``, else Debian's, else ``chromium`` on PATH."""
    configured = settings.get("NEWSCRAWL_RENDER_BROWSER")
    if configured:
        if os.path.isfile(configured) and os.access(configured, os.X_OK):
            return str(configured)
        raise RenderUnavailable(f"NEWSCRAWL_RENDER_BROWSER={configured!r} is not an executable file")
    for path in CHROMIUM_PATHS:
        if os.path.isfile(path) and os.access(path, os.X_OK):
            return path
    found = shutil.which("chromium") or shutil.which("chromium-browser")
    if found:
        return found
    raise RenderUnavailable("this crawl renders JavaScript pages and needs Chromium, which is not installed: "
                            "apt-get install chromium (Debian's package), or set NEWSCRAWL_RENDER_BROWSER to a "
                            "Chromium executable")


#: Playwright's resource types (``Request.resource_type``): what NEWSCRAWL_RENDER_BLOCK may name.
RESOURCE_TYPES = frozenset({"document", "stylesheet", "image", "media", "font", "script", "texttrack", "xhr", "fetch",
                            "eventsource", "websocket", "manifest", "other"})


def blocked_types(settings: BaseSettings) -> frozenset[str]:
    """``NEWSCRAWL_RENDER_BLOCK`` checked: a misspelt type (``images``) or a JSON list given with ``-s``
    (Scrapy splits strings on commas only) would otherwise block nothing without a word."""
    value = settings.get("NEWSCRAWL_RENDER_BLOCK")
    if isinstance(value, str) and value.strip().startswith("["):
        try:
            value = json.loads(value)
        except ValueError:
            raise RenderUnavailable(f"NEWSCRAWL_RENDER_BLOCK={value!r} is not a JSON list") from None
    names = [str(v).strip() for v in (value.split(",") if isinstance(value, str) else value or ())]
    unknown = sorted({n for n in names if n and n not in RESOURCE_TYPES})
    if unknown:
        raise RenderUnavailable(f"NEWSCRAWL_RENDER_BLOCK: unknown resource type(s) {', '.join(unknown)}; "
                                f"known: {', '.join(sorted(RESOURCE_TYPES))}")
    return frozenset(n for n in names if n)


def check_rendering(settings: BaseSettings) -> str:
    """What a crawl that renders needs, checked before it starts: the browser (its path) and the settings."""
    blocked_types(settings)
    return browser_executable(settings)


def enable_rendering(crawler: Crawler) -> str:
    """Install the rendering download handler and its settings on ``crawler`` (not frozen yet); the browser path.

    Values set here have spider priority: ``-s`` on the command line still wins (e.g.
    ``-s PLAYWRIGHT_LAUNCH_OPTIONS=...``).
    """
    settings = crawler.settings
    executable = check_rendering(settings)
    handlers = dict(settings.getdict("DOWNLOAD_HANDLERS"))
    handlers.update({"http": HANDLER, "https": SCHEME_HANDLER})
    settings.set("DOWNLOAD_HANDLERS", handlers, priority="spider")
    settings.set("PLAYWRIGHT_BROWSER_TYPE", "chromium", priority="spider")
    settings.set("PLAYWRIGHT_LAUNCH_OPTIONS", {"executable_path": executable, "headless": True,
                                               "args": list(LAUNCH_ARGS)}, priority="spider")
    # Bounded: one context, NEWSCRAWL_RENDER_MAX_PAGES pages open at once (each ~30-60 MB in the browser).
    settings.set("PLAYWRIGHT_MAX_CONTEXTS", 1, priority="spider")
    settings.set("PLAYWRIGHT_MAX_PAGES_PER_CONTEXT", settings.getint("NEWSCRAWL_RENDER_MAX_PAGES"), priority="spider")
    settings.set("PLAYWRIGHT_DEFAULT_NAVIGATION_TIMEOUT", settings.getfloat("DOWNLOAD_TIMEOUT") * 1000,
                 priority="spider")
    settings.set("PLAYWRIGHT_RESTART_DISCONNECTED_BROWSER", True, priority="spider")
    retry = list(settings.getlist("RETRY_EXCEPTIONS"))
    settings.set("RETRY_EXCEPTIONS", [*retry, *(e for e in RETRY_ERRORS if e not in retry)], priority="spider")
    return executable


def render_meta(kind: str, actions: Iterable[Action], hosts: Iterable[str] = ()) -> dict[str, Any]:
    """Request meta that sends one request through the browser and runs ``actions`` on its page.

    ``hosts``: the outlet's domains (subdomains included); the page's own host is always allowed.
    """
    # Imported only when a request is rendered: scrapy_playwright.page itself imports no Playwright.
    from scrapy_playwright.page import PageMethod

    from newscrawl.render import browser

    info: dict[str, Any] = {}
    return {
        "playwright": True,
        "playwright_context": CONTEXT,
        "playwright_page_init_callback": browser.init_page,
        "playwright_page_methods": [PageMethod(browser.run_actions, tuple(actions), info)],
        KIND_META: kind,
        INFO_META: info,
        HOSTS_META: tuple(hosts),
    }


def plain_meta(meta: dict[str, Any]) -> dict[str, Any]:
    """``meta`` without the browser: the same request fetched over plain HTTP."""
    plain = {k: v for k, v in meta.items() if not k.startswith("playwright") and k not in (INFO_META, HOSTS_META)}
    plain[PLAIN_META] = True
    return plain


def on_hosts(url: str, hosts: Iterable[str], page_url: str | None = None) -> bool:
    """Whether ``url`` is on one of ``hosts`` (or a subdomain of one), or on the host of ``page_url``."""
    host = (urlsplit(url).hostname or "").lower()
    allowed = [h.lower().removeprefix("www.") for h in hosts]
    if page_url:
        allowed.append((urlsplit(page_url).hostname or "").lower().removeprefix("www."))
    host = host.removeprefix("www.")
    return any(h and (host == h or host.endswith("." + h)) for h in allowed)
