"""Settings are defined once, in newscrawl/settings.py, and derived ones are built at crawl time."""

from __future__ import annotations

import ast
import re
import tomllib
from pathlib import Path

import pytest
from scrapy.settings import Settings

import newscrawl
from newscrawl import settings as project
from newscrawl.addons import UserAgentAddon, user_agent
from newscrawl.state.shared import close_crawl_store, crawl_store
from tests.helpers import project_crawler, project_settings_with

PACKAGE = Path(project.__file__).parent
GETTERS = {"get", "getbool", "getint", "getfloat", "getlist", "getdict", "getdictorlist", "getwithbase"}


def setting_reads() -> list[tuple[str, int, str, int]]:
    """(file, line, setting name, number of arguments) of every ``settings.getX("NEWSCRAWL_...", ...)``."""
    found = []
    for path in sorted(PACKAGE.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text("utf-8"))):
            if (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr in GETTERS
                    and node.args and isinstance(node.args[0], ast.Constant)
                    and str(node.args[0].value).startswith("NEWSCRAWL_")):
                found.append((str(path.relative_to(PACKAGE)), node.lineno, node.args[0].value,
                              len(node.args) + len(node.keywords)))
    return found


def test_no_component_repeats_a_default() -> None:
    with_default = [f"{f}:{line} {name}" for f, line, name, nargs in setting_reads() if nargs > 1]
    assert not with_default, f"defaults belong in newscrawl/settings.py only: {with_default}"


def test_every_setting_read_in_code_is_defined_in_settings_py() -> None:
    names = set(re.findall(r"[\"'](NEWSCRAWL_[A-Z0-9_]+)[\"']", "\n".join(
        p.read_text("utf-8") for p in PACKAGE.rglob("*.py") if p.name != "settings.py")))
    undefined = sorted(n for n in names if not hasattr(project, n))
    assert not undefined, f"read but not defined in settings.py: {undefined}"
    assert setting_reads(), "the scan found no setting reads at all"


def test_user_agent_follows_contact_url_given_on_the_command_line() -> None:
    settings = project_settings_with(NEWSCRAWL_CONTACT_URL="https://crawl.example/about")
    UserAgentAddon().update_settings(settings)
    assert settings["USER_AGENT"] == f"newscrawl/{newscrawl.__version__} (+https://crawl.example/about)"


def test_version_is_the_one_in_pyproject() -> None:
    pyproject = tomllib.loads((PACKAGE.parent / "pyproject.toml").read_text("utf-8"))
    assert newscrawl.__version__ == pyproject["project"]["version"]
    assert user_agent("https://x.example").startswith(f"newscrawl/{newscrawl.__version__} ")


def test_the_changelog_describes_this_version() -> None:
    """A release bumps the version, gets its CHANGELOG section (and its v-tag, README *Licence and changes*)."""
    changelog = (PACKAGE.parent / "CHANGELOG.md").read_text("utf-8")
    assert f"## [{newscrawl.__version__}] - " in changelog


def test_user_agent_default_and_an_explicit_user_agent_wins() -> None:
    default = project_settings_with()
    UserAgentAddon().update_settings(default)
    assert default["USER_AGENT"] == user_agent(project.NEWSCRAWL_CONTACT_URL)
    explicit = project_settings_with(USER_AGENT="mybot/2 (+https://me.example)")
    UserAgentAddon().update_settings(explicit)
    assert explicit["USER_AGENT"] == "mybot/2 (+https://me.example)"
    in_project = Settings()
    in_project.setmodule(project, priority="project")
    in_project.set("USER_AGENT", "projectbot/1", priority="project")
    UserAgentAddon().update_settings(in_project)
    assert in_project["USER_AGENT"] == "projectbot/1"


def test_the_crawl_opens_its_state_store_once(tmp_path: Path) -> None:
    crawler = project_crawler(NEWSCRAWL_STATE_URI=f"sqlite:///{tmp_path / 'state.sqlite'}")
    first = crawl_store(crawler)
    assert crawl_store(crawler) is first
    other = project_crawler(NEWSCRAWL_STATE_URI="memory://")
    assert crawl_store(other) is not first
    close_crawl_store(crawler)
    close_crawl_store(other)
    assert crawl_store(crawler) is not first  # reopened after an explicit close
    close_crawl_store(crawler)


def test_spider_and_dedupe_pipeline_share_the_one_store(tmp_path: Path) -> None:
    from newscrawl.pipelines.dedupe import DedupePipeline
    from newscrawl.spiders.catalog import spider_news21tongsin  # type: ignore[attr-defined]

    crawler = project_crawler(spider_news21tongsin, NEWSCRAWL_STATE_URI=f"sqlite:///{tmp_path / 's.sqlite'}")
    spider = spider_news21tongsin.from_crawler(crawler)
    crawler.spider = spider
    pipe = DedupePipeline.from_crawler(crawler)
    pipe.open_spider()
    try:
        assert spider.state is not None and spider.state is pipe.store is crawl_store(crawler)
    finally:
        close_crawl_store(crawler)


def test_a_state_checked_before_the_crawl_is_not_checked_again(tmp_path: Path,
                                                                monkeypatch: pytest.MonkeyPatch) -> None:
    """scrapy crawl checks the state under the lock before the crawl; the crawl's open must not
    read the whole file a second time (and must still check a file nobody checked)."""
    from newscrawl.state import store as store_module
    from newscrawl.state.shared import state_checked

    path = tmp_path / "s.sqlite"
    store_module.open_store(f"sqlite:///{path}").close()
    calls: list[str] = []
    real = store_module.check_state_file
    monkeypatch.setattr(store_module, "check_state_file", lambda p, **kw: calls.append(str(p)) or real(p, **kw))
    checked = project_crawler(NEWSCRAWL_STATE_URI=f"sqlite:///{path}")
    state_checked(checked, path)
    crawl_store(checked)
    close_crawl_store(checked)
    assert calls == []
    unchecked = project_crawler(NEWSCRAWL_STATE_URI=f"sqlite:///{path}")
    crawl_store(unchecked)
    close_crawl_store(unchecked)
    assert calls == [str(path)]
