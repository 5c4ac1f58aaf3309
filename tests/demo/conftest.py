"""Markers of the demo and packaging tests (registered here: ``--strict-markers`` rejects unknown ones)."""

from __future__ import annotations

import pytest


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "build: builds the newscrawl wheel with pip in a temporary folder (a few seconds)")
