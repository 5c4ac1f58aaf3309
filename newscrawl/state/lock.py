"""One crawl at a time per state store: a lock file next to the SQLite state.

Cron starts ``scrapy crawl <site>`` every few minutes; when a crawl outlasts its interval the
next one must not run on the same state store at the same time. ``scrapy crawl`` (our
``newscrawl/commands/crawl.py``) takes :class:`StateLock` on ``<state file>.lock`` before the
crawl starts and releases it at the end; a second crawl finds it taken and exits at once
with :data:`EXIT_LOCKED` (75, ``EX_TEMPFAIL`` of ``sysexits.h``: "try again later"), or waits
for it first.

How it works:

* the lock is ``fcntl.flock(LOCK_EX)`` on an open descriptor of the lock file's *directory*
  (the state's folder, ``.newscrawl/`` by default), held for the whole crawl, plus the same on
  the lock file itself; the kernel drops both when the process ends in any way (``kill -9``
  included). The directory lock is what excludes a second crawl: deleting the lock file while
  a crawl holds it (``rm .newscrawl/state.sqlite.lock``) used to let a second crawl create and
  lock a new file; a directory cannot be replaced while it holds the state. So it is one crawl
  at a time per state *folder*: two state files in one folder share one lock;
* the file holds one JSON line naming the holder (``pid``, ``host``, ``started``, ``argv``),
  for the "locked by" message and for humans;
* a stale file (a holder that died without cleaning up) is cleared with one INFO line:
  either its flock is free (the usual case after ``kill -9``), or the flock is still held
  (e.g. by an orphaned child that inherited the descriptor) while the recorded pid is dead
  on this very host: the file is then unlinked and a new one locked. Clearing and writing
  the holder line happen only under the directory lock, so two crawls can never both hold
  the lock;
* ``memory://`` state needs no lock; a PostgreSQL state (``postgresql://``) is locked per outlet in the
  server instead, by :class:`newscrawl.state.postgres.PostgresCrawlLock` (an advisory lock that the
  server drops when its holder's connection ends), chosen by :func:`lock_for_settings`.

Settings: ``NEWSCRAWL_LOCK_ENABLED`` (default true), ``NEWSCRAWL_LOCK_WAIT`` (seconds to wait
for a busy lock, default 0: exit at once), and ``NEWSCRAWL_STATE_URI`` (the lock is
``<state file>.lock``).
"""

from __future__ import annotations

import errno
import fcntl
import json
import logging
import os
import socket
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from newscrawl.state.store import state_location

if TYPE_CHECKING:
    from newscrawl.state.postgres import PostgresCrawlLock

logger = logging.getLogger(__name__)

#: Exit status of ``scrapy crawl`` when another crawl holds the state lock (EX_TEMPFAIL).
EXIT_LOCKED = 75


class LockBusy(RuntimeError):
    """The lock is held by another process (after waiting, if a wait was asked for)."""

    def __init__(self, path: Path, holder: dict[str, Any] | None, waited: float = 0.0) -> None:
        self.path = path
        self.holder = holder or {}
        self.waited = waited
        super().__init__(self.describe())

    def describe(self) -> str:
        h = self.holder
        who = (f"pid {h.get('pid', '?')} on {h.get('host', '?')} since {h.get('started', '?')}"
               + (f" ({h['command']})" if h.get("command") else "")) if h else "a process that has not named itself yet"
        waited = f" after waiting {self.waited:.0f}s" if self.waited else ""
        return f"another crawl holds the state lock {self.path}: {who}{waited}"


def state_file(uri: str | None) -> Path | None:
    """The SQLite file of a ``NEWSCRAWL_STATE_URI`` (absolute), or None when it has none (``memory://``)."""
    if not uri:
        return None
    try:
        return state_location(uri).path
    except ValueError:
        return None  # unsupported: open_store reports it when the crawl starts


def lock_path(uri: str | None) -> Path | None:
    """``<state file>.lock`` for a state URI, None for ``memory://``."""
    path = state_file(uri)
    return None if path is None else path.with_name(path.name + ".lock")


def pid_alive(pid: int) -> bool:
    """True when a process ``pid`` exists on this host (possibly another user's)."""
    if pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _read_holder(fd: int) -> dict[str, Any] | None:
    try:
        raw = os.pread(fd, 4096, 0)
    except OSError:
        return None
    try:
        holder = json.loads(raw.decode("utf-8", "replace").strip() or "null")
    except ValueError:
        return None
    return holder if isinstance(holder, dict) else None


def _same_file(fd: int, path: Path) -> bool:
    try:
        st = os.stat(path)
    except FileNotFoundError:
        return False
    own = os.fstat(fd)
    return (st.st_dev, st.st_ino) == (own.st_dev, own.st_ino)


class StateLock:
    """Exclusive lock on ``path`` (usually ``<state>.lock``), held from :meth:`acquire` to :meth:`release`.

    ``wait``: seconds to keep trying when busy (0: fail at once with :class:`LockBusy`).
    ``command``: what the holder runs, written into the file (e.g. ``scrapy crawl news21tongsin``).
    """

    def __init__(self, path: str | os.PathLike[str], wait: float = 0.0, poll: float = 0.2,
                 command: str | None = None) -> None:
        self.path = Path(path).absolute()
        self.wait = max(0.0, float(wait))
        self.poll = poll
        self.command = command if command is not None else " ".join(Path(a).name if i == 0 else a
                                                                     for i, a in enumerate(sys.argv))
        self.fd: int | None = None
        self.dfd: int | None = None  # the directory lock
        self.holder: dict[str, Any] | None = None

    @property
    def locked(self) -> bool:
        return self.fd is not None

    def _try_once(self) -> dict[str, Any] | None:
        """One attempt: None when acquired, else the holder named in the file ({} when unnamed)."""
        dfd = os.open(self.path.parent, os.O_RDONLY | os.O_DIRECTORY)
        try:
            fcntl.flock(dfd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError as exc:
            os.close(dfd)
            if exc.errno not in (errno.EWOULDBLOCK, errno.EAGAIN, errno.EACCES):
                raise
            return self._named_holder()  # held by a crawl, even if its lock file was deleted
        try:
            fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        except BaseException:
            os.close(dfd)
            raise
        try:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except OSError as exc:
                if exc.errno not in (errno.EWOULDBLOCK, errno.EAGAIN, errno.EACCES):
                    raise
                busy = self._busy(fd)
                os.close(fd)
                os.close(dfd)
                return busy
            previous = _read_holder(fd)
            if previous:
                logger.info("stale state lock %s cleared: its holder (pid %s on %s since %s) ended without "
                            "releasing it", self.path, previous.get("pid"), previous.get("host"),
                            previous.get("started"))
            holder = {"pid": os.getpid(), "host": socket.gethostname(),
                      "started": datetime.now(UTC).isoformat(timespec="seconds"), "command": self.command}
            os.ftruncate(fd, 0)
            os.pwrite(fd, (json.dumps(holder, ensure_ascii=False) + "\n").encode("utf-8"), 0)
            os.fsync(fd)
        except BaseException:
            os.close(fd)
            os.close(dfd)
            raise
        self.fd, self.dfd, self.holder = fd, dfd, holder
        return None

    def _named_holder(self) -> dict[str, Any]:
        """Who the lock file names ({} when it is missing or unnamed)."""
        try:
            fd = os.open(self.path, os.O_RDONLY)
        except OSError:
            return {}
        try:
            return _read_holder(fd) or {}
        finally:
            os.close(fd)

    def _busy(self, fd: int) -> dict[str, Any]:
        """The file's flock is taken by a process without the directory lock (an orphan that inherited the
        descriptor, or an older newscrawl): the holder, unless it names a dead pid of this host (then cleared)."""
        holder = _read_holder(fd) or {}
        pid = holder.get("pid")
        if not (isinstance(pid, int) and holder.get("host") == socket.gethostname() and not pid_alive(pid)):
            return holder
        if _same_file(fd, self.path):
            self.path.unlink()  # under the directory lock: no other acquirer runs meanwhile
        logger.info("stale state lock %s cleared: pid %s on %s (since %s) is dead but its lock file was still "
                    "locked (by a child that inherited it?)", self.path, pid, holder.get("host"), holder.get("started"))
        return {"retry": True}

    def acquire(self) -> StateLock:
        """Take the lock, waiting up to ``wait`` seconds; raises :class:`LockBusy` when it stays taken."""
        if self.fd is not None:
            raise RuntimeError(f"{self.path} is already locked by this StateLock")
        self.path.parent.mkdir(parents=True, exist_ok=True)
        started = time.monotonic()
        deadline = started + self.wait
        announced = False
        while True:
            holder = self._try_once()
            if holder is None:
                return self
            if holder.get("retry"):
                continue
            now = time.monotonic()
            if now >= deadline:
                raise LockBusy(self.path, holder, now - started if self.wait else 0.0)
            if not announced:
                logger.info("state lock %s is taken (pid %s on %s since %s): waiting up to %ss (NEWSCRAWL_LOCK_WAIT)",
                            self.path, holder.get("pid", "?"), holder.get("host", "?"), holder.get("started", "?"),
                            f"{self.wait:g}")
                announced = True
            time.sleep(min(self.poll, max(0.0, deadline - now)))

    def release(self) -> None:
        """Remove the lock file (if it is still ours) and drop the flock; harmless when not held."""
        fd, self.fd = self.fd, None
        dfd, self.dfd = self.dfd, None
        if fd is None:
            return
        try:
            if _same_file(fd, self.path):  # still under the directory lock
                self.path.unlink()
        except OSError as exc:
            logger.warning("could not remove the state lock file %s: %s", self.path, exc)
        finally:
            os.close(fd)
            if dfd is not None:
                os.close(dfd)  # drops the directory lock last
            self.holder = None

    def __enter__(self) -> StateLock:
        return self.acquire()

    def __exit__(self, *exc: object) -> None:
        self.release()


def lock_for_settings(settings: Any, command: str | None = None,
                      outlet: str | None = None) -> StateLock | PostgresCrawlLock | None:
    """The lock a crawl with these Scrapy settings needs (None: no lock, e.g. ``memory://``): the
    :class:`StateLock` of the SQLite file, or with a PostgreSQL state the per-``outlet`` lock in the
    server (:class:`newscrawl.state.postgres.PostgresCrawlLock`; ``outlet`` is required then)."""
    if not settings.getbool("NEWSCRAWL_LOCK_ENABLED"):
        return None
    uri = settings["NEWSCRAWL_STATE_URI"]
    if str(uri).startswith(("postgresql://", "postgres://")):
        from newscrawl.state.postgres import PostgresCrawlLock  # psycopg only for such a URI

        if not outlet:
            raise ValueError("a crawl with a PostgreSQL state needs an outlet to lock")
        return PostgresCrawlLock(uri, outlet, wait=settings.getfloat("NEWSCRAWL_LOCK_WAIT"), command=command)
    path = lock_path(uri)
    if path is None:
        return None
    return StateLock(path, wait=settings.getfloat("NEWSCRAWL_LOCK_WAIT"), command=command)
