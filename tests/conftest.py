"""Fixtures every test folder can use: a throwaway PostgreSQL server (tests/pgserver.py)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.pgserver import PostgresServer, find_bindir


@pytest.fixture(scope="session")
def pg_server() -> Iterator[PostgresServer]:
    """Debian's PostgreSQL on a free 127.0.0.1 port in a temp dir (skipped with the reason when it cannot run)."""
    bindir, why = find_bindir()
    if bindir is None:
        pytest.skip(why)
    try:
        import psycopg  # noqa: F401
    except ImportError:
        pytest.skip("psycopg is not installed (requirements.txt: psycopg[binary])")
    server = PostgresServer(bindir)
    try:
        server.start()
    except Exception as exc:
        server.stop()
        pytest.skip(f"PostgreSQL could not be started here: {' '.join(str(exc).split())[:300]}")
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def pg_uri(pg_server: PostgresServer) -> str:
    """The URI of a fresh, empty database on the test server."""
    return pg_server.new_database()
