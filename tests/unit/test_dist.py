"""Outlet jobs (newscrawl/dist): job specs from the catalog and NEWSCRAWL_JOBS, the crawl command line, one
attempt's run with its outcome, time limit and record, and the Celery app's configuration. Real workers,
Redis and PostgreSQL: tests/e2e/test_dist.py."""

from __future__ import annotations

import json
import logging
import os
import signal
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from newscrawl.catalog import Outlet, load_catalog
from newscrawl.config import project_settings
from newscrawl.dist.jobs import (
    JobConfigError,
    JobSpec,
    crawl_overrides,
    dist_settings,
    job_specs,
    outcome_of,
    overrides,
    redeliver_after,
    run_job,
)
from newscrawl.state.store import open_store
from tests.helpers import project_settings_with

CATALOG = {
    "alpha": Outlet(slug="alpha", name="알파", family="dada", base_url="https://alpha.example"),
    "beta": Outlet(slug="beta", name="베타", family="ndsoft", base_url="https://beta.example",
                   interval_minutes=5, time_limit_minutes=2),
}


settings_with = project_settings_with


def test_every_catalog_outlet_is_a_job_with_its_own_or_the_default_interval_and_limit() -> None:
    specs = job_specs(settings_with(), CATALOG)
    assert specs == {
        "alpha": JobSpec(slug="alpha", spider="alpha", interval=15 * 60, time_limit=30 * 60),
        "beta": JobSpec(slug="beta", spider="beta", interval=5 * 60, time_limit=2 * 60),
    }
    assert set(job_specs(settings_with())) == set(load_catalog())  # the real catalog: one job per outlet


def test_NEWSCRAWL_JOBS_names_exactly_the_outlets_with_their_spider_arguments_and_settings() -> None:
    jobs = {"beta": {"interval_minutes": 1},
            "nurinews": {"spider": "dada", "args": {"base_url": "http://127.0.0.1:1", "slug": "nurinews"},
                         "settings": {"DOWNLOAD_DELAY": 0, "AUTOTHROTTLE_ENABLED": False}, "time_limit_minutes": 0.5}}
    # As the worker's environment gives it: a JSON string.
    specs = job_specs(settings_with(NEWSCRAWL_JOBS=json.dumps(jobs), NEWSCRAWL_JOB_INTERVAL="10"), CATALOG)
    assert set(specs) == {"beta", "nurinews"}
    assert specs["beta"] == JobSpec(slug="beta", spider="beta", interval=60, time_limit=120)
    nuri = specs["nurinews"]
    assert (nuri.spider, nuri.interval, nuri.time_limit) == ("dada", 600, 30)
    assert nuri.args == (("base_url", "http://127.0.0.1:1"), ("slug", "nurinews"))
    assert nuri.settings == (("DOWNLOAD_DELAY", "0"), ("AUTOTHROTTLE_ENABLED", "false"))


@pytest.mark.parametrize(("jobs", "message"), [
    ("[1, 2]", "NEWSCRAWL_JOBS must be a table"),
    ({"gamma": {}}, "NEWSCRAWL_JOBS['gamma']: not a catalog outlet, so it needs a spider"),
    ({"alpha": {"intervall_minutes": 5}}, "unknown keys ['intervall_minutes']"),
    ({"alpha": {"interval_minutes": 0}}, "interval_minutes must be a positive number of minutes, not 0"),
    ({"alpha": {"time_limit_minutes": "ten"}}, "time_limit_minutes must be a positive number"),
    ({"alpha": {"args": ["base_url"]}}, "args must be a table"),
    ({"alpha": 5}, "NEWSCRAWL_JOBS['alpha'] must be a table"),
])
def test_a_bad_jobs_entry_is_one_line_naming_the_outlet_and_key(jobs: Any, message: str) -> None:
    value = jobs if isinstance(jobs, str) else json.dumps(jobs)
    with pytest.raises(JobConfigError) as caught:
        job_specs(settings_with(NEWSCRAWL_JOBS=value), CATALOG)
    assert message in str(caught.value) and "\n" not in str(caught.value)


def test_a_bad_default_interval_is_one_line() -> None:
    with pytest.raises(JobConfigError, match="NEWSCRAWL_JOB_INTERVAL must be a positive number of minutes"):
        job_specs(settings_with(NEWSCRAWL_JOB_INTERVAL="soon"), CATALOG)


def test_the_crawl_command_line_carries_arguments_settings_time_limit_and_report(tmp_path: Path) -> None:
    spec = JobSpec(slug="nurinews", spider="dada", args=(("base_url", "http://h"),),
                   settings=(("DOWNLOAD_DELAY", "0"),), time_limit=90.4)
    argv = spec.argv(report=tmp_path / "100%" / "r.json", overrides={"NEWSCRAWL_OUTPUT_DIR": "/o",
                                                                      "DOWNLOAD_DELAY": "5"})
    assert argv[:5] == [sys.executable, "-m", "scrapy", "crawl", "dada"]
    pairs = [argv[i + 1] for i in range(5, len(argv), 2)]
    assert pairs == ["base_url=http://h", "NEWSCRAWL_OUTPUT_DIR=/o", "DOWNLOAD_DELAY=0",  # the job's own wins
                     "CLOSESPIDER_TIMEOUT=90", f"NEWSCRAWL_REPORT_URI={tmp_path}/100%%/r.json"]
    assert [argv[i] for i in range(5, len(argv), 2)] == ["-a", "-s", "-s", "-s", "-s"]


def test_a_vanished_workers_job_is_redelivered_only_after_any_job_could_have_ended() -> None:
    specs = job_specs(settings_with(), CATALOG)
    assert redeliver_after(settings_with(), specs) == 30 * 60 + 2 * 120 + 60
    assert redeliver_after(settings_with(NEWSCRAWL_JOB_REDELIVER_AFTER="8"), specs) == 8
    with pytest.raises(JobConfigError, match="NEWSCRAWL_JOB_REDELIVER_AFTER must be a positive"):
        redeliver_after(settings_with(NEWSCRAWL_JOB_REDELIVER_AFTER="0"), specs)


def test_environment_overrides_only_known_settings_and_crawls_get_all_but_the_workers_own(
        caplog: pytest.LogCaptureFixture) -> None:
    env = {"NEWSCRAWL_STATE_URI": "postgresql://db/x", "NEWSCRAWL_BROKER_URL": "redis://r:1/0",
           "NEWSCRAWL_JOB_INTERVAL": "3", "NEWSCRAWL_STAT_URI": "typo", "HOME": "/root"}
    with caplog.at_level(logging.WARNING):
        found = overrides(env, project_settings())
    assert found == {"NEWSCRAWL_BROKER_URL": "redis://r:1/0", "NEWSCRAWL_JOB_INTERVAL": "3",
                     "NEWSCRAWL_STATE_URI": "postgresql://db/x"}
    assert "NEWSCRAWL_STAT_URI is not a newscrawl setting" in caplog.text
    assert crawl_overrides(found) == {"NEWSCRAWL_STATE_URI": "postgresql://db/x"}
    settings = dist_settings(env)
    assert settings["NEWSCRAWL_STATE_URI"] == "postgresql://db/x" and settings.getfloat("NEWSCRAWL_JOB_INTERVAL") == 3


@pytest.mark.parametrize(("status", "forced", "outcome"), [
    (0, None, "ok"), (3, None, "health_failed"), (65, None, "bad_state"), (74, None, "write_error"),
    (75, None, "locked"), (1, None, "failed"), (9, None, "exit_9"), (-9, None, "killed_by_SIGKILL"),
    (0, "time_limit", "time_limit"),
])
def test_outcomes_name_the_exit_status(status: int, forced: str | None, outcome: str) -> None:
    assert outcome_of(status, forced) == outcome


# -- one attempt, with a stand-in for `scrapy crawl` ------------------------------------------------------------

def fake_crawl(code: str) -> Any:
    """A popen that runs ``code`` (Python) instead of scrapy; ``REPORT`` is the report path the job asked for."""
    def popen(argv: list[str], **kwargs: Any) -> subprocess.Popen[bytes]:
        report = next(a.split("=", 1)[1] for a in argv if a.startswith("NEWSCRAWL_REPORT_URI="))
        script = f"import json, signal, sys, time\nREPORT = {report.replace('%%', '%')!r}\n{code}"
        return subprocess.Popen([sys.executable, "-c", script], **kwargs)
    return popen


def attempt(tmp_path: Path, code: str, **spec_values: Any) -> dict[str, Any]:
    settings = settings_with(NEWSCRAWL_STATE_URI=f"sqlite:///{tmp_path / 'state.sqlite'}",
                             NEWSCRAWL_OUTPUT_DIR=str(tmp_path / "out"), NEWSCRAWL_JOB_KILL_GRACE=1)
    spec = JobSpec(slug="alpha", spider="alpha", **spec_values)
    return run_job(spec, job_id="0123456789abcdef", settings=settings, crawl_settings={}, worker="w1@test",
                   popen=fake_crawl(code))


def test_an_attempt_records_running_then_its_exit_status_report_and_log(tmp_path: Path) -> None:
    record = attempt(tmp_path, "print('crawling'); json.dump({'counts': {'exported': 7}}, open(REPORT, 'w'))\n"
                               "sys.exit(3)")
    assert record["outcome"] == "health_failed" and record["exit_status"] == 3
    assert record["report"] == {"counts": {"exported": 7}}
    log = Path(record["log"])
    assert log.parent == tmp_path / "out" / "runs" / "alpha" and log.name.endswith("-job-01234567.log")
    assert log.read_text() == "crawling\n"
    assert record["report_path"] == str(log.with_suffix(".json"))
    with open_store(f"sqlite:///{tmp_path / 'state.sqlite'}") as store:
        (stored,) = store.jobs()
    assert stored == record and stored["worker"] == "w1@test" and stored["finished_at"] is not None


def test_an_attempt_that_never_ends_stays_running_in_the_store(tmp_path: Path) -> None:
    """What a worker killed mid-job leaves: the record written when the attempt started."""
    seen = []

    def popen(argv: list[str], **kwargs: Any) -> subprocess.Popen[bytes]:
        with open_store(f"sqlite:///{tmp_path / 'state.sqlite'}") as store:
            seen.extend(store.jobs())
        return subprocess.Popen([sys.executable, "-c", "pass"], **kwargs)

    settings = settings_with(NEWSCRAWL_STATE_URI=f"sqlite:///{tmp_path / 'state.sqlite'}",
                             NEWSCRAWL_OUTPUT_DIR=str(tmp_path / "out"))
    run_job(JobSpec(slug="alpha", spider="alpha"), job_id="j1", settings=settings, crawl_settings={}, popen=popen)
    assert [(j["outcome"], j["finished_at"], j["exit_status"]) for j in seen] == [("running", None, None)]


def test_a_crawl_past_its_time_limit_is_stopped_like_ctrl_c(tmp_path: Path) -> None:
    start = time.monotonic()
    record = attempt(tmp_path, "signal.signal(signal.SIGINT, lambda *a: sys.exit(0))\ntime.sleep(60)",
                     time_limit=0.5)
    assert record["outcome"] == "time_limit" and record["exit_status"] == 0
    assert time.monotonic() - start < 10


def test_a_crawl_that_ignores_the_stop_is_killed_after_the_grace(tmp_path: Path) -> None:
    record = attempt(tmp_path, "signal.signal(signal.SIGINT, signal.SIG_IGN)\ntime.sleep(60)", time_limit=0.5)
    assert record["outcome"] == "time_limit" and record["exit_status"] == -signal.SIGKILL


def test_a_store_that_cannot_take_the_record_is_one_error_line_and_the_crawl_still_runs(
        tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    settings = settings_with(NEWSCRAWL_STATE_URI="ftp://nowhere/state", NEWSCRAWL_OUTPUT_DIR=str(tmp_path))
    with caplog.at_level(logging.ERROR):
        record = run_job(JobSpec(slug="alpha", spider="alpha"), job_id="j2", settings=settings, crawl_settings={},
                         popen=fake_crawl("sys.exit(0)"))
    assert record["outcome"] == "ok"
    assert "job j2 of alpha not recorded in the state ftp://nowhere/state: unsupported state URI" in caplog.text


def test_the_crawl_dies_with_its_worker(tmp_path: Path) -> None:
    """kill -9 of the worker must not leave its crawl running (holding the outlet's lock)."""
    pidfile = tmp_path / "crawl.pid"
    worker = subprocess.Popen([sys.executable, "-c", f"""
import subprocess, sys
from newscrawl.dist.jobs import _die_with_parent
child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"], preexec_fn=_die_with_parent)
open({str(pidfile)!r}, "w").write(str(child.pid))
child.wait()
"""], cwd=Path(__file__).resolve().parents[2])
    deadline = time.monotonic() + 20
    while not pidfile.exists() or not pidfile.read_text():
        assert time.monotonic() < deadline, "the worker stand-in did not start its crawl"
        time.sleep(0.05)
    crawl = int(pidfile.read_text())
    os.kill(worker.pid, signal.SIGKILL)
    worker.wait()
    deadline = time.monotonic() + 10
    while Path(f"/proc/{crawl}").exists() and "zombie" not in _state(crawl):
        assert time.monotonic() < deadline, "the crawl outlived its worker"
        time.sleep(0.05)


def _state(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/status").read_text().split("State:")[1].split("\n")[0].lower()
    except (OSError, IndexError):
        return "zombie"


# -- the Celery app ----------------------------------------------------------------------------------------------

def test_the_app_acknowledges_late_reserves_one_job_and_schedules_every_outlet(tmp_path: Path) -> None:
    from newscrawl.dist.app import _CONFIG, TASK, enqueue, make_app

    jobs = {"joongboo": {"interval_minutes": 2}, "nurinews": {"spider": "dada", "args": {"slug": "nurinews"}}}
    app = make_app({"NEWSCRAWL_BROKER_URL": "memory://", "NEWSCRAWL_JOBS": json.dumps(jobs),
                    "NEWSCRAWL_JOB_REDELIVER_AFTER": "42"})
    conf = app.conf
    assert conf.task_acks_late and conf.task_reject_on_worker_lost
    assert (conf.worker_prefetch_multiplier, conf.worker_concurrency, conf.worker_pool) == (1, 1, "solo")
    assert conf.broker_transport_options["visibility_timeout"] == 42
    assert conf.beat_schedule == {
        "crawl joongboo": {"task": TASK, "schedule": timedelta(minutes=2), "args": ("joongboo",)},
        "crawl nurinews": {"task": TASK, "schedule": timedelta(minutes=15), "args": ("nurinews",)},
    }
    with pytest.raises(JobConfigError, match="no outlet job 'gamma' \\(known: joongboo, nurinews\\)"):
        enqueue(app, ["gamma"])
    # A job for an outlet this worker does not know ends at once, named, without crawling.
    assert app.tasks[TASK].run("gamma") == {"outlet": "gamma", "outcome": "unknown_outlet"}
    _CONFIG.pop(app)


def test_celery_finds_the_app_and_a_bad_jobs_setting_is_one_line() -> None:
    root = Path(__file__).resolve().parents[2]
    env = {**os.environ, "NEWSCRAWL_BROKER_URL": "memory://", "PYTHONPATH": str(root)}
    ok = subprocess.run([sys.executable, "-m", "celery", "-A", "newscrawl.dist", "inspect", "--help"], cwd=root,
                        env=env, capture_output=True, text=True, timeout=60)
    assert ok.returncode == 0, ok.stderr
    bad = subprocess.run([sys.executable, "-m", "celery", "-A", "newscrawl.dist", "report"], cwd=root,
                         env={**env, "NEWSCRAWL_JOBS": '{"gamma": {}}'}, capture_output=True, text=True, timeout=60)
    assert bad.returncode != 0
    assert "NEWSCRAWL_JOBS['gamma']: not a catalog outlet" in bad.stderr
    assert "Traceback" not in bad.stderr


# -- scrapy jobs -------------------------------------------------------------------------------------------------

def scrapy_jobs(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    root = Path(__file__).resolve().parents[2]
    return subprocess.run([sys.executable, "-m", "scrapy", "jobs", *args], cwd=root, capture_output=True, text=True,
                          timeout=120, env={**os.environ, "PYTHONPATH": str(root), **(env or {})})


def test_scrapy_jobs_lists_the_attempts_newest_first_from_the_state(tmp_path: Path) -> None:
    uri = f"sqlite:///{tmp_path / 'state.sqlite'}"
    with open_store(uri) as store:
        store.put_job({"job_id": "j1", "outlet": "news21tongsin", "started_at": "2026-12-01T10:00:00+00:00",
                       "outcome": "ok", "exit_status": 0, "duration_seconds": 4.25, "worker": "w1@a",
                       "report": {"counts": {"exported": 56}}})
        store.put_job({"job_id": "j2", "outlet": "joongboo", "started_at": "2026-12-01T10:01:00+00:00",
                       "outcome": "running", "exit_status": None, "worker": "w2@b", "time_limit_seconds": 1800})
        store.put_job({"job_id": "j3", "outlet": "kado", "started_at": datetime.now(UTC).isoformat(),
                       "outcome": "running", "exit_status": None, "worker": "w3@c", "time_limit_seconds": 1800})
        store.put_job({"job_id": "j1", "outlet": "news21tongsin", "started_at": "2026-12-01T10:09:00+00:00",
                       "outcome": "locked", "exit_status": 75, "duration_seconds": 1.5, "worker": "w2@b",
                       "redelivered": True})
    listed = scrapy_jobs("-s", f"NEWSCRAWL_STATE_URI={uri}")
    assert listed.returncode == 0, listed.stderr
    rows = listed.stdout.splitlines()
    assert rows[0].split() == ["started", "outlet", "outcome", "(exit)", "duration", "exported", "worker"]
    assert [r.split()[2:] for r in rows[1:4]] == [
        ["kado", "running", "-", "-", "w3@c"],  # running now
        ["news21tongsin", "locked", "(75)", "1.5s", "-", "w2@b", "(redelivered)"],
        ["joongboo", "lost", "-", "-", "w2@b"],  # still "running" long past its limit: its worker died
    ]
    assert rows[4].split()[2:] == ["news21tongsin", "ok", "(0)", "4.2s", "56", "w1@a"]
    assert rows[5].startswith("lost: 1 attempt(s) still 'running' past their time limit")
    only = scrapy_jobs("--outlet", "joongboo", "--json", env={"NEWSCRAWL_STATE_URI": uri})  # the workers' env too
    assert [json.loads(line)["job_id"] for line in only.stdout.splitlines()] == ["j2"]
    missing = scrapy_jobs("-s", f"NEWSCRAWL_STATE_URI=sqlite:///{tmp_path / 'none.sqlite'}")
    assert missing.returncode == 1 and missing.stderr.startswith("jobs: ") and "does not exist" in missing.stderr


def test_scrapy_jobs_schedule_and_enqueue_errors_are_one_line(tmp_path: Path) -> None:
    jobs = json.dumps({"news21tongsin": {"interval_minutes": 5},
                       "nurinews": {"spider": "dada", "args": {"base_url": "http://127.0.0.1:9", "slug": "nurinews"}}})
    schedule = scrapy_jobs("schedule", env={"NEWSCRAWL_JOBS": jobs})
    assert schedule.returncode == 0, schedule.stderr
    assert schedule.stdout.splitlines() == [
        "news21tongsin    every 5 min, at most 30 min: scrapy crawl news21tongsin",
        "nurinews         every 15 min, at most 30 min: scrapy crawl dada -a base_url=http://127.0.0.1:9 -a slug=nurinews",
    ]
    unknown = scrapy_jobs("enqueue", "nope", env={"NEWSCRAWL_JOBS": jobs})
    assert unknown.returncode == 1
    assert unknown.stderr.strip() == "jobs: no outlet job 'nope' (known: news21tongsin, nurinews)"
    dead = scrapy_jobs("enqueue", "-s", "NEWSCRAWL_BROKER_URL=redis://127.0.0.1:1/0", env={"NEWSCRAWL_JOBS": jobs})
    assert dead.returncode == 1 and "Traceback" not in dead.stderr
    assert dead.stderr.startswith("jobs: cannot send to the broker redis://127.0.0.1:1/0: ")


# -- deploy/systemd ----------------------------------------------------------------------------------------------

def _unit(name: str) -> dict[str, str]:
    root = Path(__file__).resolve().parents[2]
    fields = {}
    for line in (root / "deploy" / "systemd" / name).read_text("utf-8").splitlines():
        if "=" in line and not line.startswith(("#", "[")):
            key, value = line.split("=", 1)
            fields[key] = value
    return fields


def test_the_systemd_units_start_a_worker_and_the_beat_of_this_app_and_wait_for_a_running_crawl() -> None:
    worker, beat = _unit("newscrawl-worker@.service"), _unit("newscrawl-beat.service")
    assert worker["ExecStart"].split()[1:5] == ["-A", "newscrawl.dist", "worker", "-n"]
    assert beat["ExecStart"].split()[1:4] == ["-A", "newscrawl.dist", "beat"]
    assert worker["EnvironmentFile"] == beat["EnvironmentFile"] == "/etc/newscrawl/newscrawl.env"
    # Stopping a worker waits for its crawl: longer than the default time limit plus the stop and kill graces.
    settings = project_settings()
    stop = int(worker["TimeoutStopSec"].removesuffix("min")) * 60
    assert stop > settings.getfloat("NEWSCRAWL_JOB_TIME_LIMIT") * 60 + 2 * settings.getfloat("NEWSCRAWL_JOB_KILL_GRACE")
    assert worker["KillMode"] == "mixed"  # SIGTERM to the worker only: the crawl child is not stopped mid-way
    env = _unit("newscrawl.env")
    assert set(env) <= set(project_settings())  # every variable the units set is a setting
    assert env["NEWSCRAWL_STATE_URI"].startswith("postgresql://")


def test_a_redelivered_job_refused_by_the_lock_is_tried_again_until_the_first_attempt_must_have_ended() -> None:
    from newscrawl.dist.jobs import LOCKED_RETRY_SECONDS, retry_locked

    spec = JobSpec(slug="alpha", spider="alpha", time_limit=600)
    assert retry_locked("locked", False, 0, spec, 120) is None  # sent twice: one crawl is enough
    assert retry_locked("ok", True, 0, spec, 120) is None
    assert retry_locked("locked", True, 0, spec, 120) == LOCKED_RETRY_SECONDS
    tries = 0
    while retry_locked("locked", True, tries, spec, 120) is not None:
        tries += 1
    # Tried for as long as the first attempt may still run (600 s + 2 x 120 s), and then no longer.
    assert tries * LOCKED_RETRY_SECONDS > 600 + 2 * 120 and tries == 16


def test_beat_creates_the_folder_of_its_schedule_file(tmp_path: Path) -> None:
    from newscrawl.dist.app import _CONFIG, Scheduler, make_app

    app = make_app({"NEWSCRAWL_BROKER_URL": "memory://", "NEWSCRAWL_JOBS": json.dumps({"joongboo": {}})})
    assert app.conf.beat_scheduler == "newscrawl.dist.app:Scheduler"
    target = tmp_path / "fresh" / ".newscrawl" / "celerybeat-schedule"
    scheduler = Scheduler(app, schedule_filename=str(target), lazy=False)
    assert target.parent.is_dir() and "crawl joongboo" in scheduler.schedule
    scheduler.close()
    _CONFIG.pop(app)
