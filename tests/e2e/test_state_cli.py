"""As an operator meets them: an untrusted state stops `scrapy crawl` (exit 65, one line, nothing fetched),
`scrapy state check|rebuild` fix it, paths do not depend on the working directory, and the
inspection commands (shell, parse, check, list) write no files."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from demo.run import PROJECT_ROOT
from newscrawl.state.store import EXIT_BAD_STATE
from tests.e2e.conftest import Demo
from tests.pages.cases import FIXTURES, load_cases

FAST = ["-s", "DOWNLOAD_DELAY=0", "-s", "AUTOTHROTTLE_ENABLED=false", "-s", "CONCURRENT_REQUESTS_PER_DOMAIN=8"]
ENV = {**os.environ, "PYTHONPATH": str(PROJECT_ROOT)}


def scrapy(*args: str, cwd: Path = PROJECT_ROOT) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "scrapy", *args], cwd=cwd, capture_output=True, text=True,
                          timeout=300, env=ENV)


def crawl(demo: Demo, out: Path, *extra: str, cwd: Path = PROJECT_ROOT,
          state: str | None = None) -> subprocess.CompletedProcess[str]:
    return scrapy("crawl", "news21tongsin", "-a", f"base_url={demo.base_url}", "-a", "sections=m102ec7b",
                  "-s", f"NEWSCRAWL_OUTPUT_DIR={out}",
                  "-s", f"NEWSCRAWL_STATE_URI={state or f'sqlite:///{out}/state.sqlite'}",
                  "-s", f"NEWSCRAWL_REJECTS_URI={out}/%(site)s/%(date)s.rejects.jsonl", *FAST, *extra, cwd=cwd)


def lines(path: Path) -> int:
    return len(path.read_text("utf-8").splitlines()) if path.exists() else 0


def exported(proc: subprocess.CompletedProcess[str]) -> int:
    match = re.search(r"newscrawl summary \(\w+\): exported=(\d+)", proc.stderr)
    assert match, proc.stderr[-2000:]
    return int(match.group(1))


@pytest.fixture(scope="module")
def first_run(demo: Demo, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A finished crawl whose partition is then dated yesterday (an older partition, as on day two)."""
    out = tmp_path_factory.mktemp("first")
    proc = crawl(demo, out)
    assert proc.returncode == 0, proc.stderr[-3000:]
    partition = next(p for p in (out / "news21tongsin").glob("*.jsonl") if not p.name.endswith(".rejects.jsonl"))
    assert lines(partition) > 5
    partition.rename(partition.with_name("2000-01-01.jsonl"))
    shutil.rmtree(out / "runs")
    return out


def damage(path: Path, how: str) -> None:
    if how == "empty":
        path.write_bytes(b"")
    elif how == "garbage":
        path.write_bytes(os.urandom(8192))
    elif how == "truncated":
        with path.open("r+b") as fh:
            fh.truncate(path.stat().st_size // 2)
    elif how == "lost":
        path.unlink()  # the state went missing while the feeds stayed


@pytest.mark.parametrize("how", ["empty", "garbage", "truncated", "lost"])
def test_untrusted_state_stops_the_crawl_and_rebuild_fixes_it(demo: Demo, first_run: Path, tmp_path: Path,
                                                             how: str) -> None:
    out = tmp_path / "out"
    shutil.copytree(first_run, out)
    state = out / "state.sqlite"
    damage(state, how)
    before = demo.stats()["total"]
    proc = crawl(demo, out)
    assert proc.returncode == EXIT_BAD_STATE == 65
    errors = [line for line in proc.stderr.splitlines() if " ERROR: " in line]
    assert len(errors) == 1 and str(state) in errors[0], proc.stderr[-3000:]
    assert "scrapy state rebuild --from" in errors[0] and f"--from {out}" in errors[0]
    assert "Traceback" not in proc.stderr
    assert demo.stats()["total"] == before  # nothing fetched, robots.txt included
    assert not (out / "runs").exists()  # a crawl that never started writes no report

    check = scrapy("state", "check", "--uri", f"sqlite:///{state}")
    assert check.returncode == 1 and str(state) in check.stderr

    rebuilt = scrapy("state", "rebuild", "--from", str(out), "--uri", f"sqlite:///{state}")
    assert rebuilt.returncode == 0, rebuilt.stderr
    assert scrapy("state", "check", "--uri", f"sqlite:///{state}").returncode == 0
    # The rebuilt state holds the dataset again: scrapy export gives the partitions' articles.
    feed = [json.loads(line) for p in sorted((out / "news21tongsin").glob("*.jsonl"))
            if not p.name.endswith(".rejects.jsonl") for line in p.read_text("utf-8").splitlines() if line]
    dump = scrapy("export", "-O", str(tmp_path / "all.jsonl"), "--uri", f"sqlite:///{state}")
    assert dump.returncode == 0, dump.stderr
    back = [json.loads(line) for line in (tmp_path / "all.jsonl").read_text("utf-8").splitlines()]
    assert feed and sorted(r["article_id"] for r in back) == sorted(r["article_id"] for r in feed)
    assert {r["article_id"]: r for r in back} == {r["article_id"]: r for r in feed}
    if how != "lost":
        assert len(list(out.glob("state.sqlite.corrupt-*"))) == 1
    again = crawl(demo, out)
    assert again.returncode == 0, again.stderr[-3000:]
    assert exported(again) == 0  # nothing exported twice


def test_rebuild_refuses_a_healthy_state_without_force(first_run: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    shutil.copytree(first_run, out)
    uri = f"sqlite:///{out / 'state.sqlite'}"
    check = scrapy("state", "check", "--uri", uri)
    assert check.returncode == 0 and "news21tongsin:" in check.stdout
    refused = scrapy("state", "rebuild", "--from", str(out), "--uri", uri)
    assert refused.returncode == 1 and "--force" in refused.stderr
    assert not list(out.glob("state.sqlite.corrupt-*"))
    forced = scrapy("state", "rebuild", "--from", str(out), "--uri", uri, "--force")
    assert forced.returncode == 0 and len(list(out.glob("state.sqlite.corrupt-*"))) == 1


def project_copy(tmp_path: Path) -> Path:
    """A project directory of its own: scrapy.cfg (the code comes from PYTHONPATH), with a sub-folder."""
    proj = tmp_path / "proj"
    (proj / "tests").mkdir(parents=True)
    shutil.copy(PROJECT_ROOT / "scrapy.cfg", proj)
    return proj


def test_relative_state_and_output_resolve_against_the_project_not_the_cwd(demo: Demo, tmp_path: Path) -> None:
    proj = project_copy(tmp_path)
    common = ["crawl", "news21tongsin", "-a", f"base_url={demo.base_url}", "-a", "sections=m102ec7b",
              "-s", "NEWSCRAWL_OUTPUT_DIR=output", "-s", "NEWSCRAWL_STATE_URI=sqlite:///.newscrawl/state.sqlite",
              "-s", f"NEWSCRAWL_REJECTS_URI={tmp_path}/rejects.jsonl", *FAST]
    first = scrapy(*common, cwd=proj)
    assert first.returncode == 0 and exported(first) > 5, first.stderr[-3000:]
    second = scrapy(*common, cwd=proj / "tests")
    assert second.returncode == 0 and exported(second) == 0, second.stderr[-3000:]
    assert (proj / ".newscrawl" / "state.sqlite").is_file()
    assert sorted(p.name for p in (proj / "tests").iterdir()) == []  # no state, lock or output of its own
    report = json.loads(next((proj / "output" / "runs" / "news21tongsin").glob("*.json")).read_text("utf-8"))
    assert report["settings"]["state_lock"] == str(proj / ".newscrawl" / "state.sqlite.lock")


def test_shell_parse_check_list_write_no_files(demo: Demo, tmp_path: Path) -> None:
    proj = project_copy(tmp_path)
    url = f"{demo.base_url}/news/list.php?mcode=m102ec7b"
    before = sorted(str(p.relative_to(proj)) for p in proj.rglob("*"))
    runs = {
        "list": scrapy("list", cwd=proj),
        "parse": scrapy("parse", "--spider", "news21tongsin", "-a", f"base_url={demo.base_url}", *FAST,
                        "-c", "parse_list", "--cbkwargs", '{"section": "m102ec7b", "page": 1}', url, cwd=proj),
        "shell": scrapy("shell", url, "-c", "response.status", cwd=proj),
        "check": scrapy("check", "news21tongsin", "-s", f"NEWSCRAWL_CHECK_FIXTURES={FIXTURES}", cwd=proj),
    }
    for name, proc in runs.items():
        assert proc.returncode == 0, (name, proc.stderr[-2000:])
    assert "view.php" in runs["parse"].stdout  # parse really ran the callback
    assert runs["shell"].stdout.strip().endswith("200")
    dada = sum(case.family == "dada" for case in load_cases())  # every 다다미디어 page is news21tongsin's
    assert f"Ran {dada} contracts" in runs["check"].stderr and runs["check"].stderr.rstrip().endswith("OK")
    assert sorted(str(p.relative_to(proj)) for p in proj.rglob("*")) == before
    # The same project does get files from a crawl: the check above can fail.
    crawled = scrapy("crawl", "news21tongsin", "-a", f"base_url={demo.base_url}", "-a", "sections=m102ec7b",
                     "-a", "max_pages=1", *FAST, cwd=proj)
    assert crawled.returncode == 0, crawled.stderr[-2000:]
    assert (proj / ".newscrawl" / "state.sqlite").exists() and (proj / "output").is_dir()


def test_parse_by_url_and_through_the_pipelines_writes_no_files(demo: Demo, tmp_path: Path) -> None:
    """scrapy parse without -c (list and article URLs, outlet and articles spiders), items handed to
    validate and dedupe (--pipelines): no output/, no .newscrawl/ state or lock, nothing else."""
    proj = project_copy(tmp_path)
    before = sorted(str(p.relative_to(proj)) for p in proj.rglob("*"))
    article = f"{demo.base_url}/news/view.php?idx=1001&mcode=m102ec7b"
    outlet = ["--spider", "news21tongsin", "-a", f"base_url={demo.base_url}", *FAST]
    runs = {
        "list": scrapy("parse", *outlet, f"{demo.base_url}/news/list.php?mcode=m102ec7b", cwd=proj),
        "article": scrapy("parse", *outlet, "--pipelines", article, cwd=proj),
        "articles": scrapy("parse", "--spider", "articles", "--pipelines", *FAST, article, cwd=proj),
    }
    for name, proc in runs.items():
        assert proc.returncode == 0, (name, proc.stderr[-2000:])
    assert "view.php?idx=" in runs["list"].stdout
    assert "'article_id': 'news21tongsin:1001'" in runs["article"].stdout
    assert ":1001'" in runs["articles"].stdout
    assert not (proj / "output").exists() and not (proj / ".newscrawl").exists()
    assert sorted(str(p.relative_to(proj)) for p in proj.rglob("*")) == before
