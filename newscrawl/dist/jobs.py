"""Outlet jobs: one crawl of one outlet, the unit that Celery workers share (:mod:`newscrawl.dist.app`).

Distribution is per outlet, not per URL: one job is one ``scrapy crawl <outlet>`` with its own lock, run
report and exit status, and the outlet's politeness lives in one process. This module holds everything a
job is, without Celery, so it is tested without a broker:

* :func:`job_specs`: which outlets are crawled, by which spider with which arguments and settings, how
  often and for how long at most: every catalog outlet (``interval_minutes`` / ``time_limit_minutes``
  keys, else ``NEWSCRAWL_JOB_INTERVAL`` / ``NEWSCRAWL_JOB_TIME_LIMIT``), or exactly the outlets of
  ``NEWSCRAWL_JOBS``. Bad entries are one :class:`JobConfigError` line.
* :func:`dist_settings`: the project settings with ``NEWSCRAWL_*`` environment variables as overrides
  (what systemd units set), and :func:`overrides` the ones a crawl gets as ``-s``.
* :func:`run_job`: one attempt of a job. ``scrapy crawl`` runs in a child process (a Twisted reactor
  runs once per process; a crawl's memory goes with it) that dies with its worker (``PR_SET_PDEATHSIG``),
  so a worker killed with ``kill -9`` leaves no crawl behind holding the outlet's lock. The crawl closes
  itself at the time limit (``CLOSESPIDER_TIMEOUT``: what it fetched is committed, the next run finishes
  the sections), is stopped like Ctrl-C ``NEWSCRAWL_JOB_KILL_GRACE`` seconds later and killed after as
  long again. Its log and run report go to ``<output>/runs/<outlet>/<start>-job-<id>.log|.json``, and
  the attempt is recorded in the state store twice: as ``running`` when it starts (a record that stays
  ``running`` is an attempt whose worker died) and with its exit status, outcome and run report when it
  ends (:meth:`newscrawl.state.store.SeenStore.put_job`; ``scrapy jobs`` lists them).
"""

from __future__ import annotations

import ctypes
import json
import logging
import os
import signal
import socket
import subprocess
import sys
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import attrs
from scrapy.settings import BaseSettings, Settings
from scrapy.utils.project import get_project_settings

from newscrawl.catalog import Outlet, load_catalog
from newscrawl.config import project_dir
from newscrawl.output.feeds import output_dir
from newscrawl.state.store import open_store, public_uri

logger = logging.getLogger(__name__)

#: What a crawl's exit status means (``newscrawl/commands/crawl.py``).
OUTCOMES = {0: "ok", 1: "failed", 3: "health_failed", 65: "bad_state", 74: "write_error", 75: "locked"}
_ENTRY_KEYS = frozenset({"spider", "args", "settings", "interval_minutes", "time_limit_minutes"})
_PR_SET_PDEATHSIG = 1


class JobConfigError(ValueError):
    """``NEWSCRAWL_JOBS`` or a job setting is malformed: one line naming the outlet and the key."""


@attrs.frozen
class JobSpec:
    """How one outlet is crawled as a job."""

    slug: str
    spider: str
    args: tuple[tuple[str, str], ...] = ()
    settings: tuple[tuple[str, str], ...] = ()
    interval: float = 900.0  #: seconds between two scheduled crawls
    time_limit: float = 1800.0  #: seconds a crawl may take before it closes itself

    def argv(self, *, report: Path, overrides: Mapping[str, str]) -> list[str]:
        """The ``scrapy crawl`` command line of one attempt (``overrides``: every crawl's ``-s``)."""
        argv = [sys.executable, "-m", "scrapy", "crawl", self.spider]
        for name, value in self.args:
            argv += ["-a", f"{name}={value}"]
        chosen = {**overrides, **dict(self.settings),
                  "CLOSESPIDER_TIMEOUT": str(max(1, round(self.time_limit))),
                  "NEWSCRAWL_REPORT_URI": str(report).replace("%", "%%")}
        for name, value in chosen.items():
            argv += ["-s", f"{name}={value}"]
        return argv


def _minutes(slug: str, key: str, value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not value > 0:
        raise JobConfigError(f"NEWSCRAWL_JOBS[{slug!r}]: {key} must be a positive number of minutes, not {value!r}")
    return float(value)


def _pairs(slug: str, key: str, value: Any) -> tuple[tuple[str, str], ...]:
    if not isinstance(value, Mapping) or not all(isinstance(k, str) and k for k in value):
        raise JobConfigError(f"NEWSCRAWL_JOBS[{slug!r}]: {key} must be a table of names to values, not {value!r}")
    return tuple((k, v if isinstance(v, str) else json.dumps(v)) for k, v in value.items())


def _setting_minutes(settings: BaseSettings, name: str) -> float:
    try:
        value = settings.getfloat(name)
    except ValueError:
        value = -1.0
    if not value > 0:
        raise JobConfigError(f"{name} must be a positive number of minutes, not {settings.get(name)!r}")
    return value


def job_specs(settings: BaseSettings, catalog: Mapping[str, Outlet] | None = None) -> dict[str, JobSpec]:
    """Every outlet job, by slug (see the module docstring); :class:`JobConfigError` on a bad entry."""
    catalog = load_catalog() if catalog is None else catalog
    interval = _setting_minutes(settings, "NEWSCRAWL_JOB_INTERVAL")
    limit = _setting_minutes(settings, "NEWSCRAWL_JOB_TIME_LIMIT")
    raw = settings.get("NEWSCRAWL_JOBS")
    if raw is None:
        entries: Mapping[str, Any] = {slug: {} for slug in catalog}
    else:
        try:
            entries = settings.getdict("NEWSCRAWL_JOBS")
        except (TypeError, ValueError):
            raise JobConfigError(f"NEWSCRAWL_JOBS must be a table (JSON object) of outlets, not {raw!r}") from None
    specs = {}
    for slug, entry in entries.items():
        if not isinstance(entry, Mapping):
            raise JobConfigError(f"NEWSCRAWL_JOBS[{slug!r}] must be a table, not {entry!r}")
        unknown = set(entry) - _ENTRY_KEYS
        if unknown:
            raise JobConfigError(f"NEWSCRAWL_JOBS[{slug!r}]: unknown keys {sorted(unknown)} "
                                 f"(known: {', '.join(sorted(_ENTRY_KEYS))})")
        outlet = catalog.get(slug)
        spider = entry.get("spider") or (slug if outlet is not None else None)
        if not isinstance(spider, str):
            raise JobConfigError(f"NEWSCRAWL_JOBS[{slug!r}]: not a catalog outlet, so it needs a spider "
                                 "(its family's, e.g. \"dada\") and args (base_url, slug, name)")
        every = entry.get("interval_minutes", outlet.interval_minutes if outlet else None)
        most = entry.get("time_limit_minutes", outlet.time_limit_minutes if outlet else None)
        specs[slug] = JobSpec(
            slug=slug, spider=spider,
            args=_pairs(slug, "args", entry.get("args", {})),
            settings=_pairs(slug, "settings", entry.get("settings", {})),
            interval=60 * (interval if every is None else _minutes(slug, "interval_minutes", every)),
            time_limit=60 * (limit if most is None else _minutes(slug, "time_limit_minutes", most)),
        )
    return specs


def redeliver_after(settings: BaseSettings, specs: Mapping[str, JobSpec]) -> float:
    """Seconds before the broker hands a vanished worker's job to another worker (``NEWSCRAWL_JOB_REDELIVER_AFTER``):
    by default longer than any attempt can run, so a running job is never handed out twice."""
    chosen = settings.get("NEWSCRAWL_JOB_REDELIVER_AFTER")
    if chosen is not None:
        value = settings.getfloat("NEWSCRAWL_JOB_REDELIVER_AFTER")
        if not value > 0:
            raise JobConfigError(f"NEWSCRAWL_JOB_REDELIVER_AFTER must be a positive number of seconds, not {chosen!r}")
        return value
    longest = max((spec.time_limit for spec in specs.values()),
                  default=60 * _setting_minutes(settings, "NEWSCRAWL_JOB_TIME_LIMIT"))
    return longest + 2 * settings.getfloat("NEWSCRAWL_JOB_KILL_GRACE") + 60


#: Settings of the workers and beat themselves, not passed on to crawls.
DIST_ONLY = frozenset({"NEWSCRAWL_BROKER_URL", "NEWSCRAWL_JOBS", "NEWSCRAWL_JOB_INTERVAL", "NEWSCRAWL_JOB_TIME_LIMIT",
                       "NEWSCRAWL_JOB_KILL_GRACE", "NEWSCRAWL_JOB_REDELIVER_AFTER"})


def crawl_overrides(found: Mapping[str, str]) -> dict[str, str]:
    """The overrides a crawl gets as ``-s`` (all but the workers' own settings)."""
    return {name: value for name, value in found.items() if name not in DIST_ONLY}


def overrides(environ: Mapping[str, str], settings: BaseSettings) -> dict[str, str]:
    """The ``NEWSCRAWL_*`` environment variables that name a setting (an unknown one is a warning: a typo
    would otherwise be silently ignored)."""
    found = {}
    for name, value in sorted(environ.items()):
        if not name.startswith("NEWSCRAWL_"):
            continue
        if name not in settings:
            logger.warning("environment variable %s is not a newscrawl setting: ignored", name)
            continue
        found[name] = value
    return found


def dist_settings(environ: Mapping[str, str] | None = None) -> Settings:
    """The project settings (``SCRAPY_SETTINGS_MODULE`` honoured) with the ``NEWSCRAWL_*`` environment overrides."""
    settings = get_project_settings()
    if "NEWSCRAWL_BROKER_URL" not in settings:  # started outside the project folder, no SCRAPY_SETTINGS_MODULE
        settings.setmodule("newscrawl.settings", priority="project")
    for name, value in overrides(os.environ if environ is None else environ, settings).items():
        settings.set(name, value, priority="cmdline")
    return settings


def _die_with_parent() -> None:
    """In the crawl's child process: the kernel kills it when its worker dies (``kill -9`` included)."""
    libc = ctypes.CDLL(None, use_errno=True)
    libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)


def _public_argv(argv: list[str]) -> list[str]:
    return [f"NEWSCRAWL_STATE_URI={public_uri(a.split('=', 1)[1])}" if a.startswith("NEWSCRAWL_STATE_URI=") else a
            for a in argv]


def _wait(proc: subprocess.Popen[bytes], limit: float, grace: float) -> tuple[int, str | None]:
    """The crawl's exit status, and ``time_limit`` when it had to be stopped or killed."""
    try:
        return proc.wait(timeout=limit + grace), None
    except subprocess.TimeoutExpired:
        logger.warning("crawl pid %s still runs %.0f s after its time limit: stopping it", proc.pid, grace)
        proc.send_signal(signal.SIGINT)  # Scrapy's graceful stop (what it fetched is committed)
    try:
        return proc.wait(timeout=grace), "time_limit"
    except subprocess.TimeoutExpired:
        logger.error("crawl pid %s did not stop %.0f s after SIGINT: killed", proc.pid, grace)
        proc.kill()
        return proc.wait(), "time_limit"


def outcome_of(status: int, forced: str | None) -> str:
    """``ok``, ``health_failed``, ``locked`` ... from a crawl's exit status (``killed_by_<signal>`` for a signal)."""
    if forced:
        return forced
    if status < 0:
        try:
            return f"killed_by_{signal.Signals(-status).name}"
        except ValueError:
            return f"killed_by_signal_{-status}"
    return OUTCOMES.get(status, f"exit_{status}")


#: Seconds between two tries of a redelivered job that found its outlet locked.
LOCKED_RETRY_SECONDS = 60.0


def retry_locked(outcome: str, redelivered: bool, retries: int, spec: JobSpec, grace: float) -> float | None:
    """Seconds after which a job refused by the outlet's lock is tried again, or None to let it end ``locked``.

    A job sent twice (a late tick, a manual enqueue) ends ``locked``: one crawl of the outlet is enough. A
    *redelivered* job that finds the lock held was handed out while its first attempt still runs (a worker
    that stalled past ``NEWSCRAWL_JOB_REDELIVER_AFTER``): the broker no longer holds any other copy of it, so
    ending it would lose the job if that first attempt died later. It is tried again until the first
    attempt must have ended (its time limit and both graces), then it ends ``locked`` as well.
    """
    if outcome != "locked" or not redelivered:
        return None
    if retries * LOCKED_RETRY_SECONDS > spec.time_limit + 2 * grace + LOCKED_RETRY_SECONDS:
        return None
    return LOCKED_RETRY_SECONDS


def _record(settings: BaseSettings, record: Mapping[str, Any]) -> None:
    """Keep the attempt's record in the state store; a store that cannot take it is one ERROR line."""
    uri = settings["NEWSCRAWL_STATE_URI"]
    try:
        with open_store(uri, near_threshold=settings.getfloat("NEWSCRAWL_NEAR_THRESHOLD"), check=False) as store:
            store.put_job(record)
    except Exception as exc:  # the crawl's own outcome is in its log and report either way
        logger.error("job %s of %s not recorded in the state %s: %s", record["job_id"], record["outlet"],
                     public_uri(uri), exc)


def run_job(spec: JobSpec, *, job_id: str, settings: BaseSettings, crawl_settings: Mapping[str, str],
            worker: str | None = None, redelivered: bool = False,
            popen: Callable[..., subprocess.Popen[bytes]] = subprocess.Popen) -> dict[str, Any]:
    """Run one attempt of ``spec`` and return its record (also kept in the state store)."""
    started = datetime.now(UTC)
    base = output_dir(settings) / "runs" / spec.slug / f"{started.strftime('%Y-%m-%dT%H-%M-%S')}-job-{job_id[:8]}"
    report_path, log_path = base.with_name(base.name + ".json"), base.with_name(base.name + ".log")
    argv = spec.argv(report=report_path, overrides=crawl_settings)
    record: dict[str, Any] = {
        "job_id": job_id, "outlet": spec.slug, "spider": spec.spider,
        "worker": worker or f"{socket.gethostname()}:{os.getpid()}", "host": socket.gethostname(),
        "redelivered": redelivered, "started_at": started.isoformat(), "finished_at": None,
        "duration_seconds": None, "exit_status": None, "outcome": "running", "time_limit_seconds": spec.time_limit,
        "command": _public_argv(argv), "log": str(log_path), "report_path": None, "report": None,
    }
    _record(settings, record)
    grace = settings.getfloat("NEWSCRAWL_JOB_KILL_GRACE")
    log_path.parent.mkdir(parents=True, exist_ok=True)
    logger.info("job %s: crawling %s (spider %s, time limit %.0f s), log %s", job_id, spec.slug, spec.spider,
                spec.time_limit, log_path)
    with log_path.open("ab") as log:
        proc = popen(argv, cwd=project_dir(), stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
                     preexec_fn=_die_with_parent)
        status, forced = _wait(proc, spec.time_limit, grace)
    finished = datetime.now(UTC)
    report = None
    if report_path.is_file():
        try:
            report = json.loads(report_path.read_text("utf-8"))
        except (OSError, ValueError) as exc:
            logger.warning("job %s: run report %s unreadable: %s", job_id, report_path, exc)
    record.update(finished_at=finished.isoformat(), duration_seconds=round((finished - started).total_seconds(), 3),
                  exit_status=status, outcome=outcome_of(status, forced),
                  report_path=str(report_path) if report is not None else None, report=report)
    _record(settings, record)
    log_at = logging.INFO if status in (0, 75) else logging.WARNING
    logger.log(log_at, "job %s: %s ended %s (exit status %s) in %.1f s", job_id, spec.slug, record["outcome"],
               status, record["duration_seconds"])
    return record
