"""What runs inside the browser for a rendered request: the document route and the page actions.

Imported only when a request is rendered (it imports Playwright).

:func:`init_page` (scrapy-playwright's ``playwright_page_init_callback``) routes the page's
main-frame documents through :func:`newscrawl.parsing.charset.browser_charset`: the document is
fetched over plain HTTP for its bytes, and the browser gets them with the charset Scrapy would
read them with (a UTF-8 page mislabelled ``euc-kr`` would otherwise come back as mojibake that
no repair can undo). Redirects are handed to the browser one hop at a time (each hop routed
again); a main-frame navigation off the outlet's hosts is aborted. It also notes the same-site
XHR/fetch requests the page makes (the JSON endpoints a cheaper path could use) and keeps the
document's bytes (what the page is without JavaScript) for that comparison.

:func:`run_actions` runs the declarative actions (:mod:`newscrawl.render.actions`).
Sub-requests (scripts, XHR, images...) are judged by :class:`newscrawl.render.handler.RequestPolicy`.
"""

from __future__ import annotations

import logging
from typing import Any

from playwright.async_api import Error as PlaywrightError
from playwright.async_api import Page, Route
from playwright.async_api import Request as PlaywrightRequest
from playwright.async_api import TimeoutError as PlaywrightTimeout
from scrapy.http import Request

from newscrawl.parsing.charset import browser_charset
from newscrawl.render.actions import Action
from newscrawl.render.setup import HOSTS_META, INFO_META, KIND_META, on_hosts

logger = logging.getLogger(__name__)

#: Response headers not passed on with a re-served document: its body is already inflated and whole.
_DROPPED_HEADERS = frozenset({"content-encoding", "content-length", "transfer-encoding"})
#: JSON endpoints noted per page at most.
MAX_XHR = 20


def _count(info: dict[str, Any], key: str, n: int = 1) -> None:
    info[key] = info.get(key, 0) + n


async def init_page(page: Page, request: Request) -> None:
    """Route the page's documents (see the module docstring) before it navigates."""
    info: dict[str, Any] = request.meta.setdefault(INFO_META, {})
    hosts = tuple(request.meta.get(HOSTS_META) or ())
    headers = {k.decode("latin-1").lower(): v[0].decode("latin-1")
               for k, v in request.headers.items() if v}
    origin_url = request.url

    async def document(route: Route, pw_request: PlaywrightRequest) -> None:
        if not (pw_request.is_navigation_request() and pw_request.frame == page.main_frame):
            await route.fallback()  # sub-requests: the handler's RequestPolicy (via scrapy-playwright)
            return
        if not on_hosts(pw_request.url, hosts, origin_url):
            _count(info, "offsite_navigation")
            logger.warning("rendered page %s navigated off site to %s: aborted", origin_url, pw_request.url)
            await route.abort("blockedbyclient")
            return
        sent = {**pw_request.headers, **headers}
        try:
            response = await route.fetch(headers=sent, max_redirects=0)
        except PlaywrightError as exc:
            info["document_error"] = f"{type(exc).__name__}: {exc}"
            await route.abort("failed")
            return
        body = await response.body()
        served = {k: v for k, v in response.headers.items() if k.lower() not in _DROPPED_HEADERS}
        if 300 <= response.status < 400:
            _count(info, "redirects")
            await route.fulfill(status=response.status, headers=served, body=body)
            return
        charset = browser_charset(pw_request.url, body, response.headers.get("content-type"))
        if charset is not None:
            label, change = charset
            if change:
                info["charset_repaired"] = change
            mime = (response.headers.get("content-type") or "text/html").split(";")[0].strip() or "text/html"
            served["content-type"] = f"{mime}; charset={label}"
            info["raw_body"] = body
            info["raw_encoding"] = label
        await route.fulfill(status=response.status, headers=served, body=body)

    def note_request(pw_request: PlaywrightRequest) -> None:
        if pw_request.resource_type in ("xhr", "fetch") and on_hosts(pw_request.url, hosts, origin_url):
            xhr: list[str] = info.setdefault("xhr", [])
            if len(xhr) < MAX_XHR and pw_request.url not in xhr:
                xhr.append(pw_request.url)

    await page.route("**/*", document)
    page.on("request", note_request)
    info["kind"] = request.meta.get(KIND_META)


async def _count_of(page: Page, selector: str) -> int:
    return int(await page.locator(selector).count())


async def _grew(page: Page, selector: str, before: int, timeout: float) -> bool:
    """Whether ``selector`` matches more than ``before`` elements within ``timeout`` seconds."""
    try:
        await page.wait_for_function("([sel, n]) => document.querySelectorAll(sel).length > n",
                                     arg=[selector, before], timeout=timeout * 1000)
    except PlaywrightTimeout:
        return False
    return True


async def _click(page: Page, action: Action, info: dict[str, Any]) -> None:
    for _ in range(action.times):
        button = page.locator(action.selector).first
        if not await button.count() or not await button.is_visible():
            return  # no (more) button: everything is loaded
        before = await _count_of(page, action.until_no_new) if action.until_no_new else 0
        try:
            await button.click(timeout=action.timeout * 1000)
        except PlaywrightTimeout:
            _count(info, "click_failed")
            return
        _count(info, "clicks")
        if action.until_no_new and not await _grew(page, action.until_no_new, before, action.timeout):
            _count(info, "clicks_no_new")
            return
        if not action.until_no_new:
            await page.wait_for_load_state("networkidle", timeout=action.timeout * 1000)


async def _scroll(page: Page, action: Action, info: dict[str, Any]) -> None:
    for _ in range(action.times):
        before = await _count_of(page, action.until_no_new) if action.until_no_new else 0
        await page.evaluate("window.scrollTo(0, document.documentElement.scrollHeight)")
        _count(info, "scrolls")
        if action.until_no_new:
            if not await _grew(page, action.until_no_new, before, action.timeout):
                return
        else:
            try:
                await page.wait_for_load_state("networkidle", timeout=action.timeout * 1000)
            except PlaywrightTimeout:
                return


async def run_actions(page: Page, actions: tuple[Action, ...], info: dict[str, Any]) -> dict[str, Any]:
    """Run ``actions`` in order on the loaded ``page``; what they did is counted in ``info``.

    A ``wait`` whose selector never appears is counted (``wait_missed``), not raised: the page is
    read as it is, and an empty list is then an empty list the spider counts and logs.
    """
    for action in actions:
        if action.kind == "wait":
            try:
                await page.wait_for_selector(action.selector, state="attached", timeout=action.timeout * 1000)
            except PlaywrightTimeout:
                _count(info, "wait_missed")
                logger.warning("rendered page %s: %r did not appear within %ss", page.url, action.selector,
                               action.timeout)
        elif action.kind == "idle":
            try:
                await page.wait_for_load_state("networkidle", timeout=action.timeout * 1000)
            except PlaywrightTimeout:
                _count(info, "idle_timeout")  # a page that keeps polling: read as it is now
        elif action.kind == "click":
            await _click(page, action, info)
        else:
            await _scroll(page, action, info)
    return info
