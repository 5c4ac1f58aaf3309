"""StateLock: one crawl per state store; busy fails fast, waits on request, survives kill -9 and stale files."""

from __future__ import annotations

import json
import logging
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from newscrawl.state.lock import EXIT_LOCKED, LockBusy, StateLock, lock_for_settings, lock_path, state_file
from tests.helpers import project_settings_with

PROJECT_ROOT = Path(__file__).resolve().parents[2]


def dead_pid() -> int:
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait()
    return proc.pid


def write_holder(path: Path, pid: int, host: str | None = None) -> None:
    path.write_text(json.dumps({"pid": pid, "host": host or socket.gethostname(),
                                "started": "2024-03-01T00:00:00+00:00", "command": "scrapy crawl x"}) + "\n")


def test_lock_path_sits_next_to_the_state_file(tmp_path: Path) -> None:
    assert lock_path("memory://") is None
    assert lock_path(f"sqlite:///{tmp_path}/state.sqlite") == tmp_path / "state.sqlite.lock"
    assert lock_path("sqlite:///rel/state.sqlite") == PROJECT_ROOT / "rel" / "state.sqlite.lock"  # not the cwd
    assert state_file("redis://x") is None
    assert EXIT_LOCKED == 75
    assert lock_for_settings(project_settings_with(**{"NEWSCRAWL_STATE_URI": "memory://"})) is None
    assert lock_for_settings(project_settings_with(**{"NEWSCRAWL_STATE_URI": f"sqlite:///{tmp_path}/s.sqlite",
                                       "NEWSCRAWL_LOCK_ENABLED": False})) is None
    lock = lock_for_settings(project_settings_with(**{"NEWSCRAWL_STATE_URI": f"sqlite:///{tmp_path}/s.sqlite",
                                       "NEWSCRAWL_LOCK_WAIT": "2.5"}))
    assert lock is not None and lock.path == tmp_path / "s.sqlite.lock" and lock.wait == 2.5


def test_second_acquire_fails_fast_naming_the_holder(tmp_path: Path) -> None:
    path = tmp_path / "state.sqlite.lock"
    first = StateLock(path, command="scrapy crawl news21tongsin").acquire()
    holder = json.loads(path.read_text())
    assert holder["pid"] == os.getpid() and holder["host"] == socket.gethostname() and holder["started"]
    started = time.monotonic()
    with pytest.raises(LockBusy) as busy:
        StateLock(path).acquire()
    assert time.monotonic() - started < 0.5
    assert busy.value.holder["pid"] == os.getpid()
    assert str(path) in str(busy.value) and f"pid {os.getpid()}" in str(busy.value)
    assert "scrapy crawl news21tongsin" in str(busy.value)
    first.release()
    assert not path.exists()
    first.release()  # harmless twice
    with StateLock(path) as again:
        assert again.locked
    assert not path.exists()


def test_wait_mode_gets_the_lock_once_it_is_released(tmp_path: Path) -> None:
    path = tmp_path / "state.sqlite.lock"
    first = StateLock(path).acquire()
    timer = threading.Timer(0.4, first.release)
    timer.start()
    started = time.monotonic()
    try:
        second = StateLock(path, wait=10, poll=0.05).acquire()
    finally:
        timer.join()
    waited = time.monotonic() - started
    assert 0.3 < waited < 5
    assert json.loads(path.read_text())["pid"] == os.getpid()
    second.release()


def test_wait_mode_gives_up_after_the_wait(tmp_path: Path) -> None:
    path = tmp_path / "state.sqlite.lock"
    with StateLock(path):
        started = time.monotonic()
        with pytest.raises(LockBusy, match="after waiting"):
            StateLock(path, wait=0.3, poll=0.05).acquire()
        assert 0.25 < time.monotonic() - started < 3


def test_stale_file_of_a_dead_pid_is_cleared(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    path = tmp_path / "state.sqlite.lock"
    pid = dead_pid()
    write_holder(path, pid)  # left by a crawl killed with -9: the file stays, its flock went with the process
    with caplog.at_level(logging.INFO, logger="newscrawl.state.lock"), StateLock(path) as lock:
        assert lock.holder is not None and lock.holder["pid"] == os.getpid()
    stale = [r for r in caplog.records if "stale state lock" in r.getMessage()]
    assert len(stale) == 1 and stale[0].levelno == logging.INFO and f"pid {pid}" in stale[0].getMessage()


def test_locked_file_naming_a_dead_pid_of_this_host_is_cleared(tmp_path: Path,
                                                              caplog: pytest.LogCaptureFixture) -> None:
    """The flock is still held (e.g. by an orphan that inherited the descriptor) but the named holder is dead."""
    import fcntl

    path = tmp_path / "state.sqlite.lock"
    pid = dead_pid()
    write_holder(path, pid)
    orphan = os.open(path, os.O_RDWR)
    fcntl.flock(orphan, fcntl.LOCK_EX | fcntl.LOCK_NB)
    try:
        with caplog.at_level(logging.INFO, logger="newscrawl.state.lock"), StateLock(path) as lock:
            assert json.loads(path.read_text())["pid"] == os.getpid()
            assert lock.locked
        assert any("stale state lock" in r.getMessage() and f"pid {pid}" in r.getMessage() for r in caplog.records)
    finally:
        os.close(orphan)


def test_locked_file_of_another_host_or_a_live_pid_is_respected(tmp_path: Path) -> None:
    import fcntl

    path = tmp_path / "state.sqlite.lock"
    for pid, host in ((dead_pid(), "some-other-host"), (os.getppid(), None)):
        write_holder(path, pid, host)
        other = os.open(path, os.O_RDWR)
        fcntl.flock(other, fcntl.LOCK_EX | fcntl.LOCK_NB)
        try:
            with pytest.raises(LockBusy):
                StateLock(path).acquire()
            assert path.exists() and json.loads(path.read_text())["pid"] == pid
        finally:
            os.close(other)


HOLDER = """
import sys, time
from newscrawl.state.lock import StateLock
StateLock(sys.argv[1], command="holder").acquire()
print("locked", flush=True)
time.sleep(60)
"""


def test_lock_of_a_process_killed_with_sigkill_is_free_again(tmp_path: Path,
                                                           caplog: pytest.LogCaptureFixture) -> None:
    path = tmp_path / "state.sqlite.lock"
    proc = subprocess.Popen([sys.executable, "-c", HOLDER, str(path)], cwd=PROJECT_ROOT, stdout=subprocess.PIPE,
                            text=True, env={**os.environ, "PYTHONPATH": str(PROJECT_ROOT)})
    try:
        assert proc.stdout is not None and proc.stdout.readline().strip() == "locked"
        with pytest.raises(LockBusy) as busy:
            StateLock(path).acquire()
        assert busy.value.holder["pid"] == proc.pid
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=10)
    assert proc.returncode == -signal.SIGKILL
    assert path.exists()  # the file stays behind, naming the dead pid; its flock is gone
    with caplog.at_level(logging.INFO, logger="newscrawl.state.lock"), StateLock(path) as lock:
        assert lock.locked
    assert any("stale state lock" in r.getMessage() and f"pid {proc.pid}" in r.getMessage() for r in caplog.records)


def test_deleting_the_lock_file_while_held_does_not_let_a_second_crawl_in(tmp_path: Path) -> None:
    """The directory lock excludes a second crawl even when the lock file was removed (rm, a cleanup job)."""
    path = tmp_path / "state.sqlite.lock"
    proc = subprocess.Popen([sys.executable, "-c", HOLDER, str(path)], cwd=PROJECT_ROOT, stdout=subprocess.PIPE,
                            text=True, env={**os.environ, "PYTHONPATH": str(PROJECT_ROOT)})
    try:
        assert proc.stdout is not None and proc.stdout.readline().strip() == "locked"
        path.unlink()
        with pytest.raises(LockBusy) as busy:
            StateLock(path).acquire()
        assert str(path) in str(busy.value)
        assert not path.exists()  # the refused attempt did not create a file of its own either
        with pytest.raises(LockBusy):  # nor does waiting get it while the holder lives
            StateLock(path, wait=0.5, poll=0.1).acquire()
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=10)
    with StateLock(path) as lock:  # the holder gone, the lock is free again
        assert lock.locked and path.exists()
    assert not path.exists()
