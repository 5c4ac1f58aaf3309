"""Paths: relative state/lock/output resolve against the project directory; nothing from -a reaches a path unchecked."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

import pytest
from scrapy.settings import Settings

from newscrawl.commands.nofiles import NO_FILES, forbid_files
from newscrawl.config import project_dir, project_path, project_settings
from newscrawl.extensions.report import default_report_uri
from newscrawl.output.feeds import URI_PARAMS, default_feeds, output_dir, safe_param, uri_params
from newscrawl.spiders.args import FamilyArgs, SpiderArgumentError, parse_arguments
from newscrawl.state.lock import lock_path
from newscrawl.state.store import state_location
from tests.helpers import project_settings_with

ROOT = Path(__file__).resolve().parents[2]


def test_relative_paths_resolve_against_the_project_from_any_subfolder(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT / "tests" / "unit")
    assert project_dir() == ROOT
    assert state_location("sqlite:///.newscrawl/state.sqlite").path == ROOT / ".newscrawl" / "state.sqlite"
    assert lock_path(project_settings()["NEWSCRAWL_STATE_URI"]) == ROOT / ".newscrawl" / "state.sqlite.lock"
    assert state_location("sqlite:////abs/s.sqlite").path == Path("/abs/s.sqlite")
    assert output_dir(project_settings()) == ROOT / "output"
    assert all(uri.startswith(f"{ROOT}/output/") for uri in default_feeds(project_settings()))
    assert default_report_uri(project_settings()) == f"{ROOT}/output/runs/%(site)s/%(time)s.json"


def test_without_scrapy_cfg_the_working_directory_is_the_project(monkeypatch: pytest.MonkeyPatch,
                                                                  tmp_path: Path) -> None:
    monkeypatch.chdir(tmp_path)
    assert project_dir() == tmp_path and project_path("x/y") == tmp_path / "x" / "y"
    (tmp_path / "scrapy.cfg").write_text("[settings]\ndefault = newscrawl.settings\n")
    (tmp_path / "sub").mkdir()
    monkeypatch.chdir(tmp_path / "sub")
    assert project_dir() == tmp_path


def test_report_follows_the_first_local_command_line_feed(tmp_path: Path) -> None:
    settings = Settings()
    settings.setmodule("newscrawl.settings", priority="project")
    settings.set("FEEDS", {"stdout:": {"format": "jsonlines"}, f"{tmp_path}/a/items.jsonl": {"format": "jsonlines"}},
                 priority="cmdline")
    assert default_report_uri(settings) == f"{tmp_path}/a/runs/%(site)s/%(time)s.json"


@pytest.mark.parametrize(("name", "value"), [
    ("date", "../../x"), ("date", "2024-1-1"), ("date", "2024-01-01/x"), ("site", "../x"), ("site", "a/b"),
    ("site", ".."), ("site", "a\x00b"), ("name", "/etc"), ("time", "../x"), ("batch_id", "1/2"), ("evil", "x"),
])
def test_unsafe_uri_params_are_refused(name: str, value: str) -> None:
    with pytest.raises(ValueError, match=f"feed URI parameter {name}="):
        safe_param(name, value)


def test_uri_params_keep_only_known_params_and_check_them() -> None:
    spider = SimpleNamespace(name="news21tongsin", site=SimpleNamespace(slug="news21tongsin"))
    # Scrapy passes every spider attribute (so every -a argument) as a parameter.
    params = uri_params({"name": "news21tongsin", "time": "2024-03-01T00-00-00", "batch_id": 1,
                         "base_url": "http://x/../../", "_job": "../../x"}, spider)
    assert set(params) <= set(URI_PARAMS) and params["site"] == "news21tongsin"
    assert params["date"].count("-") == 2
    with pytest.raises(ValueError, match=r"date='\.\./\.\./x'"):
        uri_params({"name": "n"}, SimpleNamespace(name="n", crawl_date="../../x"))
    with pytest.raises(ValueError, match=r"site='\.\./evil'"):
        uri_params({"name": "n"}, SimpleNamespace(name="n", site=SimpleNamespace(slug="../evil")))


@pytest.mark.parametrize("slug", ["../x", "a/b", "..", "x\x00", "UPPER/../x"])
def test_family_slug_reaching_paths_is_checked(slug: str) -> None:
    with pytest.raises(SpiderArgumentError, match="slug="):
        parse_arguments(FamilyArgs, "dada", {"base_url": "https://www.example.co.kr", "slug": slug},
                        project_settings())


def test_unknown_path_arguments_fail() -> None:
    for name in ("date", "crawl_date"):
        with pytest.raises(SpiderArgumentError, match=f"unknown spider argument '{name}'"):
            parse_arguments(FamilyArgs, "dada", {"base_url": "https://www.example.co.kr", name: "../../x"},
                            project_settings())


def test_inspection_commands_turn_off_every_file_unless_given_with_s() -> None:
    settings = project_settings_with()
    settings.set("NEWSCRAWL_STATE_URI", "sqlite:////tmp/explicit.sqlite", priority="cmdline")
    forbid_files(settings)
    assert settings["NEWSCRAWL_STATE_URI"] == "sqlite:////tmp/explicit.sqlite"
    for name, value in NO_FILES.items():
        if name != "NEWSCRAWL_STATE_URI":
            assert settings[name] == value


def test_rejects_follow_the_chosen_output(tmp_path: Path) -> None:
    """Rejects go under NEWSCRAWL_OUTPUT_DIR, or beside the user's -O file, never to ./output."""
    from newscrawl.config import project_dir
    from newscrawl.pipelines.validate import rejects_path
    from newscrawl.spiders.catalog import spider_news21tongsin  # type: ignore[attr-defined]
    from tests.helpers import project_crawler

    def path_for(**settings: object) -> Path | None:
        crawler = project_crawler(spider_news21tongsin, NEWSCRAWL_STATE_URI="memory://", **settings)
        crawler.spider = spider_news21tongsin.from_crawler(crawler)
        return rejects_path(crawler)

    from newscrawl.output.feeds import crawl_date, default_rejects_uri
    from tests.helpers import project_settings_with

    day = crawl_date()
    assert path_for() == project_dir() / "output" / "news21tongsin" / f"{day}.rejects.jsonl"
    assert path_for(NEWSCRAWL_OUTPUT_DIR=str(tmp_path / "out")) == tmp_path / "out" / "news21tongsin" / f"{day}.rejects.jsonl"
    with_o = project_settings_with(FEEDS={str(tmp_path / "mine" / "keep.jsonl"): {"format": "jsonlines"}})
    assert default_rejects_uri(with_o) == f"{tmp_path}/mine/%(site)s/%(date)s.rejects.jsonl"
    # A feed URI with placeholders: its folder is filled like the feed, not created as "%(site)s".
    templated = project_settings_with(FEEDS={"out/%(site)s/%(date)s.jsonl": {"format": "jsonlines"}})
    assert default_rejects_uri(templated) == "out/%(site)s/%(site)s/%(date)s.rejects.jsonl"
    from newscrawl.extensions.report import default_report_uri

    assert default_report_uri(templated) == "out/%(site)s/runs/%(site)s/%(time)s.json"
    assert "%%" in default_rejects_uri(project_settings_with(NEWSCRAWL_OUTPUT_DIR=str(tmp_path / "100%")))
    assert path_for(NEWSCRAWL_REJECTS_URI="") is None
    assert path_for(NEWSCRAWL_REJECTS_URI="rej/%(site)s.jsonl") == project_dir() / "rej" / "news21tongsin.jsonl"
