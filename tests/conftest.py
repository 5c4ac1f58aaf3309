"""Fixtures every test folder can use: throwaway PostgreSQL (tests/pgserver.py) and Redis (tests/redisserver.py) servers."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from typing import TypeVar

import pytest

from tests.pgserver import PostgresServer, find_bindir
from tests.redisserver import RedisServer, find_redis

_S = TypeVar("_S", PostgresServer, RedisServer)


def _running(server: _S, name: str) -> Iterator[_S]:
    """``server`` started for the session and stopped after it; a start that fails skips with its reason."""
    try:
        server.start()
    except Exception as exc:
        server.stop()
        pytest.skip(f"{name} could not be started here: {' '.join(str(exc).split())[:300]}")
    try:
        yield server
    finally:
        server.stop()


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
    yield from _running(PostgresServer(bindir), "PostgreSQL")


@pytest.fixture
def pg_uri(pg_server: PostgresServer) -> str:
    """The URI of a fresh, empty database on the test server."""
    return pg_server.new_database()


@pytest.fixture(scope="session")
def redis_server() -> Iterator[RedisServer]:
    """Debian's redis-server on a free 127.0.0.1 port in a temp dir (skipped with the reason when it cannot run)."""
    binary, why = find_redis()
    if binary is None:
        pytest.skip(why)
    yield from _running(RedisServer(binary), "redis-server")


_REDIS_DBS = itertools.count(1)


@pytest.fixture
def redis_url(redis_server: RedisServer) -> str:
    """The URL of a database of the test Redis server no other test used (a fresh, empty broker)."""
    return redis_server.url(next(_REDIS_DBS) % 64)
