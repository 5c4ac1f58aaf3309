"""바다일보 in a real browser: Chromium through Playwright directly (no Scrapy), against ``python -m demo serve
--outlet jscms --port 0``.

Why: the demo's lists and script bodies are only useful if a browser really builds them; this
checks the site (and the jscms family's page actions, done here by hand) before any crawl does.
Skipped when Debian's chromium is not installed (``apt-get install chromium``).
"""

from __future__ import annotations

import asyncio
import json
import os
import urllib.request
from collections.abc import Iterator
from typing import Any

import pytest

from demo.jscms import JscmsDemoSite
from demo.run import start_server

CHROMIUM = "/usr/lib/chromium/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"]
SIZE = 80

pytestmark = pytest.mark.skipif(not os.access(CHROMIUM, os.X_OK), reason=f"no Chromium at {CHROMIUM} "
                                "(apt-get install chromium)")
async_api = pytest.importorskip("playwright.async_api")


@pytest.fixture(scope="module")
def base_url() -> Iterator[str]:
    server, url = start_server(SIZE, outlet="jscms")
    try:
        yield url
    finally:
        server.terminate()
        server.wait(timeout=10)


def _stats(base_url: str, reset: bool = False) -> dict[str, int]:
    with urllib.request.urlopen(f"{base_url}/__demo/stats{'?reset=1' if reset else ''}", timeout=10) as r:
        data: dict[str, int] = json.load(r)
        return data


async def _browse(base_url: str, site: JscmsDemoSite) -> dict[str, Any]:
    """Every section clicked through to its end, with and without JavaScript, and two script-body articles."""
    out: dict[str, Any] = {"sections": {}, "no_js": {}, "clicks": {}}
    async with async_api.async_playwright() as p:
        browser = await p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            context = await browser.new_context()
            # Third-party hosts are never fetched (the crawl's request blocking does the same).
            await context.route("http://ads.invalid/**", lambda route: route.abort())
            page = await context.new_page()
            for section in site.sections:
                await page.goto(f"{base_url}/section/{section.code}")
                await page.wait_for_selector("ul.article-list li.list-item", timeout=10_000)
                clicks = 0
                while await page.is_visible("button.btn-more") and clicks < 30:
                    before = await page.locator("ul.article-list li.list-item").count()
                    await page.click("button.btn-more")
                    clicks += 1
                    await page.wait_for_function(
                        "n => document.querySelectorAll('ul.article-list li.list-item').length > n"
                        " || document.querySelector('button.btn-more').style.display === 'none'", arg=before)
                out["clicks"][section.code] = clicks
                out["sections"][section.code] = await page.eval_on_selector_all(
                    "ul.article-list li.list-item a.list-title", "links => links.map(a => a.getAttribute('href'))")
            no_js = await browser.new_context(java_script_enabled=False)
            page2 = await no_js.new_page()
            for section in site.sections:
                await page2.goto(f"{base_url}/section/{section.code}")
                out["no_js"][section.code] = await page2.locator("a[href^='/article/']").count()
            await no_js.close()

            out["articles"] = {}
            scripted = sorted(site.script_body_ids())
            for idx in (scripted[0], *site.mislabelled_ids()):
                await page.goto(f"{base_url}/article/{idx}")
                await page.wait_for_selector(".article-body p", timeout=5_000)
                out["articles"][idx] = {
                    "paragraphs": await page.eval_on_selector_all(".article-body p", "ps => ps.map(p => p.textContent)"),
                    "title": await page.text_content("h1.article-title"),
                }
        finally:
            await browser.close()
    return out


def test_rendered_lists_hold_every_article_of_the_truth_and_none_without_javascript(base_url: str) -> None:
    site = JscmsDemoSite(SIZE)
    truth = list(site.truth(base_url))
    _stats(base_url, reset=True)
    seen = asyncio.run(_browse(base_url, site))
    stats = _stats(base_url)

    for section in site.sections:
        expected = [r["idx"] for r in truth if section.code in r["mcodes"]]
        links = seen["sections"][section.code]
        assert sorted(int(h.removeprefix("/article/")) for h in links) == sorted(expected), section.code
        assert links == [f"/article/{i}" for i in site.list_ids(section.code)]  # newest first, once each
        assert seen["clicks"][section.code] == site.page_count(section.code) - 1  # then the button hides
        assert seen["no_js"][section.code] == 0
    assert stats["api"] == sum(site.page_count(s.code) for s in site.sections) + 2  # + the two article bodies

    for idx, rendered in seen["articles"].items():
        article = site.article(idx)
        assert article is not None
        assert rendered["paragraphs"] == list(article.paragraphs)  # the JSON's text, NBSP and NFD kept
    (mislabelled,) = site.mislabelled_ids()
    # The trap: the browser believed the euc-kr label, so the server-rendered headline is mojibake
    # while the script's body (JSON, UTF-8) is intact.
    article = site.article(mislabelled)
    assert article is not None and seen["articles"][mislabelled]["title"] != article.title


def test_the_default_list_actions_find_a_load_more_button_by_its_label(base_url: str) -> None:
    """An outlet that renders lists without actions of its own gets newscrawl's defaults
    (network idle, a visible "더보기"/"more" button clicked while it adds links, a scroll): on
    바다일보 they load every article of a section, as its own family actions do."""
    from newscrawl.render.actions import DEFAULT_LIST_ACTIONS, RenderPlan
    from newscrawl.render.browser import run_actions

    site = JscmsDemoSite(SIZE)
    section = site.sections[0]
    expected = {f"/article/{i}" for i in site.list_ids(section.code)}

    async def browse() -> tuple[set[str], dict[str, Any]]:
        async with async_api.async_playwright() as p:
            browser = await p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            try:
                page = await browser.new_page()
                await page.goto(f"{base_url}/section/{section.code}")
                info: dict[str, Any] = {}
                await run_actions(page, RenderPlan("lists").actions("list"), info)
                hrefs = await page.eval_on_selector_all("ul.article-list a", "els => els.map(e => e.getAttribute('href'))")
                return set(hrefs), info
            finally:
                await browser.close()

    assert RenderPlan("lists").actions("list") == DEFAULT_LIST_ACTIONS
    hrefs, info = asyncio.run(browse())
    assert hrefs == expected
    assert info["clicks"] == -(-len(expected) // 10) - 1  # one click per further page of ten
