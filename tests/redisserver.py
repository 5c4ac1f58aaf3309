"""A throwaway Redis server for tests: Debian's ``redis-server``, a temp dir, a free loopback port.

``RedisServer.start()`` runs ``redis-server`` listening on 127.0.0.1 only, without persistence
(``--save ""``, no append-only file), its working directory a temp dir (it runs as root too).
:func:`find_redis` says where the binary is, or why there is none (tests skip with that reason).
"""

from __future__ import annotations

import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path

from tests.pgserver import ThrowawayServer, free_port


def find_redis() -> tuple[Path | None, str]:
    """(the redis-server binary, "") or (None, why not)."""
    found = shutil.which("redis-server")
    if found:
        return Path(found), ""
    return None, "redis-server not found (Debian package redis-server; .ci/run installs it)"


class RedisServer(ThrowawayServer):
    def __init__(self, binary: Path) -> None:
        self.binary = binary
        self.dir = Path(tempfile.mkdtemp(prefix="newscrawl-redis-"))
        self.port = free_port()
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self) -> RedisServer:
        log = (self.dir / "server.log").open("wb")
        self.proc = subprocess.Popen([str(self.binary), "--port", str(self.port), "--bind", "127.0.0.1",
                                      "--save", "", "--appendonly", "no", "--dir", str(self.dir),
                                      "--databases", "64"],
                                     stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"redis-server exited: {(self.dir / 'server.log').read_text()[-2000:]}")
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=1) as conn:
                    conn.sendall(b"PING\r\n")
                    if conn.recv(64).startswith(b"+PONG"):
                        return self
            except OSError:
                pass
            time.sleep(0.1)
        raise RuntimeError("redis-server did not start within 30 s")

    def url(self, db: int = 0) -> str:
        return f"redis://127.0.0.1:{self.port}/{db}"
