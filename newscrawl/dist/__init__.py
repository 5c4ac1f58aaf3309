"""Outlet jobs on many machines: Celery workers and beat (:mod:`newscrawl.dist.app`), what a job is
(:mod:`newscrawl.dist.jobs`). ``celery -A newscrawl.dist worker|beat`` finds :data:`app` here; it is built on
first access, so importing :mod:`newscrawl.dist.jobs` needs no broker and loads no Celery."""

from __future__ import annotations

from typing import Any


def __getattr__(name: str) -> Any:
    if name in ("app", "celery"):
        from newscrawl.dist.app import app

        return app
    raise AttributeError(f"module 'newscrawl.dist' has no attribute {name!r}")
