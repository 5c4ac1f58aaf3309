"""The Celery application: outlet jobs on any number of workers, scheduled by one beat.

Celery (with a Redis broker) is the engine, not a queue of our own: it delivers ``crawl_outlet(slug)``
messages, redelivers the job of a worker that vanished, and its beat sends each outlet's job at the
outlet's interval. What a job does is :func:`newscrawl.dist.jobs.run_job`.

* ``celery -A newscrawl.dist worker``: one crawl at a time per worker process (the solo
  pool: the crawl runs in a child of the worker itself, so it dies with it); start one worker per core and
  per machine. Jobs are acknowledged *late*, when the crawl has ended: the job of a worker killed with
  ``kill -9``, or of a machine that vanished, stays unacknowledged in Redis and is handed to another
  worker after ``NEWSCRAWL_JOB_REDELIVER_AFTER`` seconds (by default longer than any job may run). Each
  worker reserves only the job it runs (prefetch 1), so a busy worker never sits on a job another
  could run.
* ``celery -A newscrawl.dist beat``: the schedule is generated from the catalog
  (:func:`newscrawl.dist.jobs.job_specs`), one entry ``crawl <slug>`` per outlet at its interval. Run one
  beat; a job sent while the outlet's previous crawl still runs is refused by the outlet's lock (exit 75,
  recorded as ``locked``), so a late tick or a second beat never crawls an outlet twice at once.
* Settings: the project's, with ``NEWSCRAWL_*`` environment variables as overrides
  (:func:`newscrawl.dist.jobs.dist_settings`); every overridden one is passed to each crawl as ``-s``.
"""

from __future__ import annotations

import logging
import os
from datetime import timedelta
from pathlib import Path
from typing import Any

from celery import Celery, Task
from celery.beat import PersistentScheduler
from celery.signals import worker_ready
from scrapy.settings import Settings

from newscrawl.config import project_path
from newscrawl.dist.jobs import (
    JobConfigError,
    JobSpec,
    retry_locked,
    crawl_overrides,
    dist_settings,
    job_specs,
    overrides,
    redeliver_after,
    run_job,
)
from newscrawl.state.store import public_uri, state_location

logger = logging.getLogger(__name__)

#: The task's name in the broker's messages (stable across module moves).
TASK = "newscrawl.crawl_outlet"


def make_app(environ: dict[str, str] | None = None) -> Celery:
    """The Celery app of the project's settings (``environ``: the environment to read overrides from)."""
    env = dict(os.environ if environ is None else environ)
    settings = dist_settings(env)
    specs = job_specs(settings)
    app = Celery("newscrawl", broker=settings["NEWSCRAWL_BROKER_URL"], set_as_current=False)
    app.conf.update(
        task_acks_late=True,  # acknowledged when the crawl has ended: a killed worker's job is redone
        task_reject_on_worker_lost=True,
        worker_prefetch_multiplier=1,  # reserve only the job being run
        worker_concurrency=1,
        worker_pool="solo",  # the crawl is a child of the worker process, and dies with it
        task_ignore_result=True,  # outcomes are recorded in the state store, not a result backend
        broker_connection_retry_on_startup=True,
        broker_transport_options={"visibility_timeout": redeliver_after(settings, specs),
                                  "unacked_restore_interval": 5, "unacked_restore_throttle": 1},
        beat_schedule={f"crawl {slug}": {"task": TASK, "schedule": timedelta(seconds=spec.interval), "args": (slug,)}
                       for slug, spec in specs.items()},
        beat_schedule_filename=str(project_path(".newscrawl/celerybeat-schedule")),
        beat_scheduler="newscrawl.dist.app:Scheduler",
        timezone="UTC",
        enable_utc=True,
    )
    _CONFIG[app] = settings, specs, crawl_overrides(overrides(env, settings))

    @app.task(name=TASK, bind=True, shared=False)  # not added to other apps (tests build several)
    def crawl_outlet(self: Task[Any, Any], slug: str) -> dict[str, Any]:  # the whole record is in the store
        """Crawl outlet ``slug`` once (its spider, arguments and limits from the worker's job specs)."""
        settings, specs, crawl_settings = _CONFIG[self.app]
        spec = specs.get(slug)
        if spec is None:
            logger.error("job %s: no outlet %r in this worker's jobs (catalog or NEWSCRAWL_JOBS): %s", self.request.id,
                         slug, ", ".join(sorted(specs)) or "none")
            return {"outlet": slug, "outcome": "unknown_outlet"}
        delivery = self.request.delivery_info or {}
        redelivered = bool(delivery.get("redelivered")) or bool(self.request.retries)
        record = run_job(spec, job_id=str(self.request.id), settings=settings, crawl_settings=crawl_settings,
                         worker=self.request.hostname, redelivered=redelivered)
        wait = retry_locked(record["outcome"], redelivered, int(self.request.retries or 0), spec,
                            settings.getfloat("NEWSCRAWL_JOB_KILL_GRACE"))
        if wait is not None:
            logger.info("job %s: %s is locked by the attempt this redelivered job was given out beside; trying "
                        "again in %.0f s, so the job is not lost if that attempt dies", self.request.id, slug, wait)
            raise self.retry(countdown=wait, max_retries=None)
        return {key: record[key] for key in ("outlet", "outcome", "exit_status", "duration_seconds", "log")}

    return app


class Scheduler(PersistentScheduler):
    """Celery's persistent beat scheduler, creating the folder of its schedule file (``.newscrawl/`` of a fresh
    checkout, which only a first crawl would otherwise create)."""

    def setup_schedule(self) -> None:
        Path(getattr(self, "schedule_filename")).parent.mkdir(parents=True, exist_ok=True)  # set by __init__ (not in the stubs)
        super().setup_schedule()


def enqueue(celery: Celery, slugs: list[str] | None = None) -> dict[str, str]:
    """Send one ``crawl_outlet`` job per outlet now (``None``: every outlet of the app's jobs, what one beat tick
    of all of them sends); returns the job id of each. An unknown slug is a :class:`JobConfigError` line."""
    specs = _CONFIG[celery][1]
    chosen = sorted(specs) if slugs is None else slugs
    unknown = [slug for slug in chosen if slug not in specs]
    if unknown:
        raise JobConfigError(f"no outlet job {', '.join(map(repr, unknown))} (known: {', '.join(sorted(specs))})")
    return {slug: str(celery.send_task(TASK, args=(slug,)).id) for slug in chosen}


#: Each app's settings and job specs (for the worker's first log lines).
_CONFIG: dict[Any, tuple[Settings, dict[str, JobSpec], dict[str, str]]] = {}


@worker_ready.connect
def _announce(sender: Any = None, **_: Any) -> None:
    settings, specs, _ = _CONFIG.get(getattr(sender, "app", None), None) or _CONFIG[app]
    uri = settings["NEWSCRAWL_STATE_URI"]
    logger.info("newscrawl worker ready: %d outlet jobs (%s), state %s", len(specs), ", ".join(sorted(specs)),
                public_uri(uri))
    if state_location(uri).kind == "sqlite":
        logger.warning("the state is a SQLite file (%s): crawls on this machine take turns under its one lock, and "
                       "other machines cannot share it; set NEWSCRAWL_STATE_URI=postgresql://... to crawl outlets "
                       "in parallel", uri)


try:
    app = make_app()
except JobConfigError as exc:  # `celery -A newscrawl.dist ...` with a bad NEWSCRAWL_JOBS: one line, exit 1
    logger.error("%s", exc)
    raise SystemExit(f"newscrawl: {exc}") from None
