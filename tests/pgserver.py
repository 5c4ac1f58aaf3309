"""A throwaway PostgreSQL server for tests and benchmarks: Debian's binaries, a temp dir, a free loopback port.

``PostgresServer.start()`` runs ``initdb`` and ``postgres`` as a non-root user (PostgreSQL refuses to
run as root: as root the system user ``newscrawl-pg`` is created once and used), listening on
127.0.0.1 only, with its socket in the temp dir. :func:`find_bindir` says where the binaries are, or
why there are none (tests skip with that reason). Logins over TCP need a password (SCRAM), so a
wrong one is refused as on a real server.
"""

from __future__ import annotations

import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
import uuid
from pathlib import Path

USER = "newscrawl-pg"
SUPERUSER = "postgres"
PASSWORD = "newscrawl-test"


def find_bindir() -> tuple[Path | None, str]:
    """(the folder of initdb/pg_ctl/postgres, "") or (None, why not)."""
    candidates = sorted(Path("/usr/lib/postgresql").glob("*/bin"), reverse=True)
    which = shutil.which("initdb")
    if which:
        candidates.insert(0, Path(which).parent)
    for folder in candidates:
        if all((folder / name).exists() for name in ("initdb", "pg_ctl", "postgres")):
            return folder, ""
    return None, "PostgreSQL server binaries not found (Debian package postgresql; .ci/run installs it)"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _run_as() -> list[str]:
    """The command prefix that runs the server as a non-root user (creating ``newscrawl-pg`` when root)."""
    if os.geteuid() != 0:
        return []
    try:
        pwd.getpwnam(USER)
    except KeyError:
        subprocess.run(["useradd", "--system", "--no-create-home", "--shell", "/usr/sbin/nologin", USER],
                       check=True, capture_output=True)
    return ["runuser", "-u", USER, "--"]


class ThrowawayServer:
    """A server process of the tests' own, in a temp dir: ``stop`` ends it (SIGTERM, then SIGKILL) and removes
    the dir."""

    dir: Path
    proc: subprocess.Popen[bytes] | None

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        shutil.rmtree(self.dir, ignore_errors=True)


class PostgresServer(ThrowawayServer):
    def __init__(self, bindir: Path, *, durable: bool = False) -> None:
        self.bindir = bindir
        self.durable = durable  # fsync on (benchmarks); off for tests
        self.dir = Path(tempfile.mkdtemp(prefix="newscrawl-pg-"))
        self.data = self.dir / "data"
        self.port = free_port()
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self) -> PostgresServer:
        prefix = _run_as()
        if prefix:
            shutil.chown(self.dir, USER, USER)
        self.dir.chmod(0o755)  # the test process (root or not) reads the log; the data dir stays 0700
        pwfile = self.dir / "pw"
        pwfile.write_text(PASSWORD + "\n")
        if prefix:
            shutil.chown(pwfile, USER, USER)
        subprocess.run([*prefix, str(self.bindir / "initdb"), "-D", str(self.data), "-U", SUPERUSER,
                        "--pwfile", str(pwfile), "--auth-local=trust", "--auth-host=scram-sha-256",
                        "-E", "UTF8", "--locale=C.UTF-8", "--no-sync"],
                       check=True, capture_output=True)
        options = ["-c", "listen_addresses=127.0.0.1", "-p", str(self.port), "-k", str(self.dir),
                   "-c", "max_connections=60", "-c", "shared_buffers=64MB"]
        if not self.durable:
            options += ["-c", "fsync=off", "-c", "synchronous_commit=off", "-c", "full_page_writes=off"]
        log = (self.dir / "server.log").open("wb")
        self.proc = subprocess.Popen([*prefix, str(self.bindir / "postgres"), "-D", str(self.data), *options],
                                     stdout=log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"postgres exited: {(self.dir / 'server.log').read_text()[-2000:]}")
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=1):
                    pass
                self._psql("SELECT 1")
                return self
            except Exception:
                time.sleep(0.1)
        raise RuntimeError("postgres did not start within 30 s")

    def uri(self, database: str = "postgres", password: str = PASSWORD) -> str:
        return f"postgresql://{SUPERUSER}:{password}@127.0.0.1:{self.port}/{database}"

    def _psql(self, sql: str, database: str = "postgres") -> None:
        import psycopg

        with psycopg.connect(self.uri(database), autocommit=True, connect_timeout=5) as conn:
            conn.execute(sql)  # type: ignore[arg-type]

    def new_database(self) -> str:
        """A fresh empty database; its URI."""
        name = f"t_{uuid.uuid4().hex[:12]}"
        self._psql(f'CREATE DATABASE "{name}"')
        return self.uri(name)
