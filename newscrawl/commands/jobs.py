"""`scrapy jobs`: outlet jobs on Celery workers (:mod:`newscrawl.dist`), seen from any machine.

    scrapy jobs [--outlet SLUG] [--limit N] [--json]   # the latest attempts, from the state store
    scrapy jobs schedule                               # what beat sends: every outlet, its interval and limit
    scrapy jobs enqueue [SLUG ...]                     # send jobs now (none named: every outlet, one tick)

Each attempt of a job is recorded in the state store when it starts (``running``) and when it ends
(exit status, outcome, run report): an attempt still ``running`` past its time limit and both graces is
listed as ``lost``: its worker died, and its job was handed to another worker (``redelivered``). Settings as for the workers: the
project's, ``NEWSCRAWL_*`` environment variables, then ``-s``.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from datetime import UTC, datetime
from typing import Any

from scrapy.commands import ScrapyCommand
from scrapy.exceptions import UsageError

from newscrawl.commands.nofiles import QuietMixin
from newscrawl.state.store import StateError, open_store, public_uri

#: How many attempts ``scrapy jobs`` lists by default.
DEFAULT_LIMIT = 20


def _when(value: Any) -> str:
    if not value:
        return "-"
    return datetime.fromisoformat(str(value)).strftime("%Y-%m-%d %H:%M:%S%z")


def is_lost(job: dict[str, Any], now: datetime, grace: float) -> bool:
    """Whether an attempt still ``running`` has outlived its time limit and both graces: its worker died."""
    if job.get("outcome") != "running" or not job.get("started_at"):
        return False
    limit = float(job.get("time_limit_seconds") or 0) + 2 * grace + 60
    return (now - datetime.fromisoformat(str(job["started_at"]))).total_seconds() > limit


def job_line(job: dict[str, Any], lost: bool = False) -> str:
    """One attempt as a table row: start, outlet, outcome (exit status), duration, exported, worker."""
    report = job.get("report") or {}
    exported = (report.get("counts") or {}).get("exported")
    duration = job.get("duration_seconds")
    status = job.get("exit_status")
    outcome = "lost" if lost else str(job.get("outcome", "?")) + ("" if status is None else f" ({status})")
    return (f"{_when(job.get('started_at')):<24} {job.get('outlet', '?'):<16} {outcome:<20} "
            f"{'-' if duration is None else f'{duration:.1f}s':>9} {'-' if exported is None else exported:>8} "
            f"{job.get('worker', '?')}{' (redelivered)' if job.get('redelivered') else ''}")


class Command(QuietMixin, ScrapyCommand):
    requires_project = True

    def syntax(self) -> str:
        return "[--outlet SLUG] [--limit N] [--json] | schedule | enqueue [SLUG ...]"

    def short_desc(self) -> str:
        return "Outlet jobs on Celery workers: the latest attempts, the beat schedule, or send jobs now"

    def add_options(self, parser: argparse.ArgumentParser) -> None:
        super().add_options(parser)
        parser.add_argument("--outlet", help="list: only this outlet's attempts")
        parser.add_argument("--limit", type=int, default=DEFAULT_LIMIT, help=f"list: at most N (default {DEFAULT_LIMIT})")
        parser.add_argument("--json", action="store_true", help="list: one JSON record per line, run reports included")

    def _environ(self) -> dict[str, str]:
        """The workers' view of the settings: the environment, with this command's ``-s NEWSCRAWL_*`` on top."""
        assert self.settings is not None
        env = dict(os.environ)
        for name in self.settings:
            if name.startswith("NEWSCRAWL_") and (self.settings.getpriority(name) or 0) >= 40:
                value = self.settings[name]
                env[name] = value if isinstance(value, str) else json.dumps(value)
        return env

    def run(self, args: list[str], opts: argparse.Namespace) -> None:
        from newscrawl.dist.jobs import JobConfigError, dist_settings, job_specs

        try:
            if args and args[0] == "schedule":
                if len(args) > 1:
                    raise UsageError("schedule takes no outlet")
                for slug, spec in job_specs(dist_settings(self._environ())).items():
                    print(f"{slug:<16} every {spec.interval / 60:g} min, at most {spec.time_limit / 60:g} min: "
                          f"scrapy crawl {spec.spider}" + "".join(f" -a {k}={v}" for k, v in spec.args))
                return
            if args and args[0] == "enqueue":
                self.exitcode = self._enqueue(args[1:])
                return
        except JobConfigError as exc:
            print(f"jobs: {exc}", file=sys.stderr)
            self.exitcode = 1
            return
        if args:
            raise UsageError(f"unknown jobs command {args[0]!r}: give schedule or enqueue, or nothing to list")
        self.exitcode = self._list(opts)

    def _enqueue(self, slugs: list[str]) -> int:
        from newscrawl.dist.app import enqueue, make_app
        from newscrawl.dist.jobs import JobConfigError

        app = make_app(self._environ())
        try:
            sent = enqueue(app, slugs or None)
        except JobConfigError:
            raise
        except Exception as exc:  # the broker cannot be reached: one line (kombu's OperationalError and kin)
            print(f"jobs: cannot send to the broker {public_uri(app.conf.broker_url)}: {exc}", file=sys.stderr)
            return 1
        for slug, job_id in sent.items():
            print(f"{slug}: job {job_id} sent")
        return 0

    def _list(self, opts: argparse.Namespace) -> int:
        from newscrawl.dist.jobs import dist_settings

        settings = dist_settings(self._environ())
        uri = settings["NEWSCRAWL_STATE_URI"]
        try:
            with open_store(uri, readonly=True) as store:
                jobs = store.jobs(outlet=opts.outlet, limit=opts.limit)
        except StateError as exc:
            print(f"jobs: {exc}", file=sys.stderr)
            return 1
        if opts.json:
            for job in jobs:
                print(json.dumps(job, ensure_ascii=False))
            return 0
        if not jobs:
            print(f"no job recorded in the state {public_uri(uri)}" + (f" for {opts.outlet}" if opts.outlet else ""))
            return 0
        print(f"{'started':<24} {'outlet':<16} {'outcome (exit)':<20} {'duration':>9} {'exported':>8} worker")
        now, grace = datetime.now(UTC), settings.getfloat("NEWSCRAWL_JOB_KILL_GRACE")
        lost = 0
        for job in jobs:
            lost += is_lost(job, now, grace)
            print(job_line(job, is_lost(job, now, grace)))
        if lost:
            print(f"lost: {lost} attempt(s) still 'running' past their time limit: their worker died; the broker "
                  "hands such a job to another worker (a later attempt of the same job id)")
        return 0
