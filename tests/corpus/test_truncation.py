"""No complete saved page (corpus and fixtures) is taken for a truncated one.

The truncation rule (``newscrawl/parsing/truncation.py``) rejects items, so a false positive
loses an article: ``scripts/measure_truncation.py`` reads every page as a crawl would and
must flag none. Skipped when ../shared/corpus is not beside the checkout.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
spec = importlib.util.spec_from_file_location("measure_truncation", ROOT / "scripts" / "measure_truncation.py")
assert spec and spec.loader
measure = importlib.util.module_from_spec(spec)
spec.loader.exec_module(measure)


def test_no_saved_complete_page_is_flagged_truncated(capsys: pytest.CaptureFixture[str]) -> None:
    if not measure.CORPUS.exists():
        pytest.skip(f"no development corpus at {measure.CORPUS}")
    # The cut fixtures are the only pages meant to be flagged.
    flagged = measure.main(skip=("truncated",))
    out = capsys.readouterr().out
    assert flagged == 0, out
    assert "korean: 0 of" in out and "fundus: 0 of" in out
