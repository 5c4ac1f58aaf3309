"""Rendering as data and its plain-Python parts: modes, page actions, the catalog keys, the plan
each crawl gets, the browser's charset, host checks, the Chromium check, request meta, the
mojibake net and the browser's request politeness (the browser itself: tests/e2e/test_render.py)."""

from __future__ import annotations

import asyncio
import subprocess
import sys
import time
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from scrapy import Request
from scrapy.http import HtmlResponse

from newscrawl.catalog import CatalogError, Outlet, load_catalog
from newscrawl.families import render_plan
from newscrawl.parsing.charset import browser_charset
from newscrawl.render import setup
from newscrawl.render.actions import Action, RenderPlan, parse_action, parse_actions, render_mode
from newscrawl.render.setup import PLAIN_META, RenderUnavailable, browser_executable, on_hosts, plain_meta
from tests.helpers import project_crawler, project_settings_with

KOREAN = "<html><head><meta charset='euc-kr'></head><body><p>시청 앞 광장에서 시민 축제가 열렸다.</p></body></html>"


# -- modes and actions ------------------------------------------------------------------------------
@pytest.mark.parametrize(("value", "mode"), [("lists", "lists"), ("ALL", "all"), ("true", "all"), (True, "all"),
                                              ("false", "none"), (None, "none"), (" articles ", "articles")])
def test_render_modes(value: Any, mode: str) -> None:
    assert render_mode(value) == mode


def test_an_unknown_mode_is_one_line_naming_the_choices() -> None:
    with pytest.raises(ValueError, match=r"render='list': use one of none, lists, articles, all"):
        render_mode("list")


def test_actions_from_data() -> None:
    actions = parse_actions([{"wait": "ul.list"}, {"click": "button.more", "max": 30, "until_no_new": "ul.list a"},
                             {"scroll": 5, "until_no_new": "li", "timeout": 2}])
    assert actions == (Action("wait", "ul.list"),
                       Action("click", "button.more", times=30, until_no_new="ul.list a"),
                       Action("scroll", "", times=5, until_no_new="li", timeout=2.0))
    assert parse_action({"click": "b"}).times == 20  # default clicks


@pytest.mark.parametrize(("data", "message"), [
    ({"wait": "a", "click": "b"}, "exactly one of wait, click, scroll"),
    ({"clik": "b"}, "exactly one of"),
    ({"click": "b", "maxx": 3}, r"unknown keys \['maxx'\] for a click action"),
    ({"click": ""}, "click must be a CSS selector"),
    ({"click": "b", "max": 0}, "max=0 must be a whole number above 0"),
    ({"click": "b", "max": 2.5}, "max=2.5 must be a whole number"),
    ({"wait": "a", "timeout": "soon"}, "timeout='soon' must be a number"),
    ({"scroll": True}, "scroll=True must be a whole number"),
])
def test_bad_actions_say_what_is_wrong(data: dict[str, Any], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        parse_actions([data], "list_actions")


def test_actions_must_be_a_list_of_tables() -> None:
    with pytest.raises(ValueError, match="a list of action tables"):
        parse_actions({"wait": "a"})  # type: ignore[arg-type]


def test_a_plan_renders_its_page_kinds_only() -> None:
    assert RenderPlan("lists").renders("list") and not RenderPlan("lists").renders("article")
    assert RenderPlan("all").renders("article") and RenderPlan("all").renders("list")
    assert not RenderPlan().enabled and not RenderPlan().renders("list")


# -- the catalog and the plan -----------------------------------------------------------------------
def _catalog(tmp_path: Path, body: str) -> dict[str, Outlet]:
    path = tmp_path / "catalog.toml"
    path.write_text('[outlets.js]\nname = "JS일보"\nfamily = "dada"\nbase_url = "https://js.example"\n' + body,
                    "utf-8")
    return load_catalog.__wrapped__(path)


def test_catalog_render_keys(tmp_path: Path) -> None:
    outlet = _catalog(tmp_path, 'render = "lists"\nlist_actions = [{ click = ".more", max = 5 }]\n')["js"]
    assert outlet.render == "lists"
    assert outlet.list_actions == (Action("click", ".more", times=5),)
    assert outlet.article_actions is None
    plan = render_plan(outlet)
    assert plan.mode == "lists" and plan.list_actions == (Action("click", ".more", times=5),)


@pytest.mark.parametrize(("body", "message"), [
    ('render = "sometimes"\n', r"catalog outlet 'js': render='sometimes': use one of"),
    ('list_actions = [{ click = ".more", times = 5 }]\n', r"catalog outlet 'js': list_actions\[0\]: unknown keys"),
])
def test_catalog_render_errors_name_the_outlet(tmp_path: Path, body: str, message: str) -> None:
    with pytest.raises(CatalogError, match=message):
        _catalog(tmp_path, body)


def test_plan_precedence_argument_over_catalog_over_family(tmp_path: Path) -> None:
    outlet = _catalog(tmp_path, "")["js"]
    assert render_plan(outlet).mode == "none"  # dada renders nothing by default
    assert render_plan(outlet, "articles").mode == "articles"
    listed = _catalog(tmp_path, 'render = "all"\n')["js"]
    assert render_plan(listed).mode == "all"
    assert render_plan(listed, "lists").mode == "lists"


def test_every_catalog_outlet_renders_nothing_unless_it_says_so() -> None:
    for outlet in load_catalog().values():
        assert render_plan(outlet).mode == (outlet.render or "none")


# -- charset the browser gets ----------------------------------------------------------------------
def test_utf8_bytes_under_an_euc_kr_label_are_served_as_utf8() -> None:
    assert browser_charset("http://x/a", KOREAN.encode("utf-8"), "text/html; charset=euc-kr") == \
        ("utf-8", "cp949->utf-8")


def test_right_labels_stay_and_cp949_is_named_as_a_browser_knows_it() -> None:
    assert browser_charset("http://x/a", KOREAN.encode("cp949"), "text/html; charset=euc-kr") == ("euc-kr", None)
    assert browser_charset("http://x/a", KOREAN.replace("euc-kr", "utf-8").encode(), "text/html") == ("utf-8", None)
    # cp949 bytes labelled utf-8: read as CP949 (the browser's euc-kr), as Scrapy's repair reads them
    assert browser_charset("http://x/a", KOREAN.encode("cp949"), "text/html; charset=utf-8") == \
        ("euc-kr", "utf-8->cp949")


def test_non_html_is_left_alone() -> None:
    assert browser_charset("http://x/a.json", b'{"a": 1}', "application/json") is None


# -- hosts, Chromium, meta ---------------------------------------------------------------------------
def test_on_hosts() -> None:
    assert on_hosts("http://www.a.kr/x", ("a.kr",))
    assert on_hosts("http://m.a.kr/x", ("www.a.kr",))
    assert not on_hosts("http://a.kr.evil.com/x", ("a.kr",))
    assert not on_hosts("http://cdn.other.com/x.js", ("a.kr",))
    assert on_hosts("http://127.0.0.1:80/x", (), page_url="http://127.0.0.1:80/page")
    assert not on_hosts("http://localhost/x", (), page_url="http://127.0.0.1/page")


def test_missing_chromium_is_one_line_naming_the_package(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(setup, "CHROMIUM_PATHS", ("/nonexistent/chromium",))
    monkeypatch.setattr(setup.shutil, "which", lambda name: None)
    with pytest.raises(RenderUnavailable, match=r"needs Chromium, which is not installed: apt-get install chromium"):
        browser_executable(project_settings_with())


def test_a_configured_browser_must_exist(tmp_path: Path) -> None:
    with pytest.raises(RenderUnavailable, match="NEWSCRAWL_RENDER_BROWSER='/no/such' is not an executable file"):
        browser_executable(project_settings_with(NEWSCRAWL_RENDER_BROWSER="/no/such"))
    not_executable = tmp_path / "chromium"
    not_executable.write_text("")
    with pytest.raises(RenderUnavailable):
        browser_executable(project_settings_with(NEWSCRAWL_RENDER_BROWSER=str(not_executable)))


def test_render_meta_and_its_plain_twin() -> None:
    meta = setup.render_meta("list", (Action("wait", "ul"),), ("a.kr",))
    assert meta["playwright"] is True and meta[setup.KIND_META] == "list"
    methods = meta["playwright_page_methods"]
    assert len(methods) == 1 and methods[0].args[0] == (Action("wait", "ul"),)
    plain = plain_meta({**meta, "depth": 2})
    assert plain == {setup.KIND_META: "list", "depth": 2, PLAIN_META: True}


def _unfrozen(**overrides: Any) -> Any:
    """A crawler whose settings are still open, as in a spider's from_crawler (Scrapy freezes them after)."""
    crawler = project_crawler(**overrides)
    crawler.settings = crawler.settings.copy()
    crawler.settings.frozen = False
    return crawler


def test_enable_rendering_sets_the_handler_and_retries_playwright_errors() -> None:
    crawler = _unfrozen()
    setup.enable_rendering(crawler)
    settings = crawler.settings
    handlers = settings.getdict("DOWNLOAD_HANDLERS")
    assert (handlers["http"], handlers["https"]) == (setup.HANDLER, setup.SCHEME_HANDLER)
    assert "playwright.async_api.TimeoutError" in settings.getlist("RETRY_EXCEPTIONS")
    assert settings.getdict("PLAYWRIGHT_LAUNCH_OPTIONS")["args"] == list(setup.LAUNCH_ARGS)
    assert settings.getint("PLAYWRIGHT_MAX_CONTEXTS") == 1
    assert settings.getint("PLAYWRIGHT_MAX_PAGES_PER_CONTEXT") == settings.getint("NEWSCRAWL_RENDER_MAX_PAGES")


def test_the_command_line_outranks_the_render_settings() -> None:
    crawler = _unfrozen()
    crawler.settings.set("PLAYWRIGHT_MAX_CONTEXTS", 3, priority="cmdline")
    setup.enable_rendering(crawler)
    assert crawler.settings.getint("PLAYWRIGHT_MAX_CONTEXTS") == 3


def test_crawling_without_rendering_imports_no_playwright() -> None:
    """The cost of a plain crawl: nothing it imports loads Playwright or scrapy-playwright."""
    code = ("import sys, newscrawl.spiders.catalog, newscrawl.spiders.articles, newscrawl.middlewares, "
            "newscrawl.render.setup, newscrawl.render.middleware, newscrawl.commands.crawl, newscrawl.settings\n"
            "loaded = sorted(m for m in sys.modules if 'playwright' in m)\nassert not loaded, loaded")
    subprocess.run([sys.executable, "-c", code], check=True, cwd=Path(__file__).resolve().parents[2])


# -- the mojibake net -------------------------------------------------------------------------------
def _rendered(text: str, request: Request) -> HtmlResponse:
    return HtmlResponse(request.url, body=text.encode("utf-8"), encoding="utf-8", request=request,
                        flags=["playwright"], headers={"Content-Length": "5"})


def _middleware() -> Any:
    from newscrawl.render.middleware import RenderMiddleware

    crawler = _unfrozen()
    setup.enable_rendering(crawler)
    crawler.stats = SimpleNamespace(values={}, inc_value=lambda k, n=1: crawler.stats.values.__setitem__(
        k, crawler.stats.values.get(k, 0) + n))
    return RenderMiddleware.from_crawler(crawler), crawler.stats.values


def test_damaged_rendered_text_is_fetched_again_plainly() -> None:
    middleware, stats = _middleware()
    request = Request("http://x/a", meta=setup.render_meta("article", ()))
    damaged = "<html><body><p>" + "\ufffd" * 40 + " 기사</p></body></html>"
    again = middleware.process_response(request, _rendered(damaged, request))
    assert isinstance(again, Request) and again.dont_filter
    assert not again.meta.get("playwright") and again.meta[PLAIN_META]
    assert stats["newscrawl/render/damaged_text"] == 1
    # its plain copy is never sent back to the browser
    plain = middleware.process_response(again, _rendered(damaged, again).replace(flags=["playwright"]))
    assert isinstance(plain, HtmlResponse)


def test_clean_rendered_text_passes_without_its_stale_length() -> None:
    middleware, stats = _middleware()
    request = Request("http://x/a", meta=setup.render_meta("list", ()))
    response = middleware.process_response(request, _rendered(KOREAN, request))
    assert isinstance(response, HtmlResponse) and b"Content-Length" not in response.headers
    assert stats["newscrawl/render/pages"] == 1 and stats["newscrawl/render/pages/list"] == 1


def test_the_middleware_is_off_in_crawls_that_render_nothing() -> None:
    from scrapy.exceptions import NotConfigured

    from newscrawl.render.middleware import RenderMiddleware

    with pytest.raises(NotConfigured):
        RenderMiddleware.from_crawler(project_crawler())


# -- the browser's own requests ---------------------------------------------------------------------
def test_browser_requests_to_one_host_are_spaced_by_download_delay() -> None:
    from newscrawl.render.handler import RequestPolicy

    crawler = project_crawler(DOWNLOAD_DELAY=0.3)
    policy = RequestPolicy(crawler)

    async def three() -> float:
        start = time.monotonic()
        await asyncio.gather(*(policy._space("http://a.kr/x.js") for _ in range(3)))
        await policy._space("http://b.kr/y.js")  # another host waits for nobody
        return time.monotonic() - start

    elapsed = asyncio.run(three())
    assert 0.55 <= elapsed < 1.2


def test_the_second_scheme_hands_rendered_requests_to_the_one_browser_handler() -> None:
    """One Playwright driver for http and https: the https handler forwards rendered requests."""
    from newscrawl.render import handler as render_handler

    crawler = project_crawler()
    served: list[str] = []

    class Browser:
        async def download_request(self, request: Request) -> str:
            served.append(request.url)
            return "rendered"

    scheme = object.__new__(render_handler.SchemeHandler)
    scheme.crawler = crawler
    render_handler._BROWSER_HANDLERS[crawler] = Browser()  # type: ignore[assignment]
    got = asyncio.run(scheme.download_request(Request("https://a.kr/list", meta={"playwright": True})))
    assert got == "rendered" and served == ["https://a.kr/list"]


def test_blocked_types_are_checked_and_json_lists_read() -> None:
    assert setup.blocked_types(project_settings_with()) == {"image", "media", "font"}
    assert setup.blocked_types(project_settings_with(NEWSCRAWL_RENDER_BLOCK="")) == frozenset()
    assert setup.blocked_types(project_settings_with(NEWSCRAWL_RENDER_BLOCK='["image", "font"]')) == {"image", "font"}
    assert setup.blocked_types(project_settings_with(NEWSCRAWL_RENDER_BLOCK="image,stylesheet")) == {"image", "stylesheet"}
    with pytest.raises(RenderUnavailable, match=r"unknown resource type\(s\) images; known: "):
        setup.check_rendering(project_settings_with(NEWSCRAWL_RENDER_BLOCK="images"))


def test_idle_action_and_the_defaults_for_pages_without_actions() -> None:
    from newscrawl.render.actions import DEFAULT_ARTICLE_ACTIONS, DEFAULT_LIST_ACTIONS

    assert parse_action({"idle": 3}) == Action("idle", timeout=3.0)
    assert parse_action({"idle": 3}).as_data() == {"idle": 3.0}
    plan = RenderPlan("all")
    assert plan.actions("list") == DEFAULT_LIST_ACTIONS and plan.actions("article") == DEFAULT_ARTICLE_ACTIONS
    own = RenderPlan("lists", list_actions=(Action("wait", "ul"),))
    assert own.actions("list") == (Action("wait", "ul"),)  # an outlet's own actions replace the defaults
    assert [a.kind for a in DEFAULT_LIST_ACTIONS] == ["idle", "click", "scroll"]
    assert 'button:has-text("더보기")' in DEFAULT_LIST_ACTIONS[1].selector
