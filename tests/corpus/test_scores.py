"""Extraction accuracy on the shared development corpus must not drop below the floors.

Runs ../shared/tools/score_extraction.py with the real `scrapy extract --manifest`
command on each set. Skipped when ../shared/corpus is not beside the checkout.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
CORPUS = ROOT.parent / "shared" / "corpus"
SCORER = ROOT.parent / "shared" / "tools" / "score_extraction.py"

spec = importlib.util.spec_from_file_location("score_corpus", ROOT / "scripts" / "score_corpus.py")
assert spec and spec.loader
score_corpus = importlib.util.module_from_spec(spec)
spec.loader.exec_module(score_corpus)


@pytest.mark.parametrize("name", sorted(score_corpus.TARGETS))
def test_scores_meet_floors(name: str) -> None:
    corpus = CORPUS / name
    if not (corpus / "truth.jsonl").exists() or not SCORER.exists():
        pytest.skip(f"no development corpus at {corpus}")
    scores = score_corpus.score(corpus, baseline=False)
    assert scores["missing"] == 0, scores
    below = {metric: (scores.get(metric), floor) for metric, floor in score_corpus.TARGETS[name].items()
             if scores.get(metric, 0.0) < floor}
    assert not below, f"{name}: scores below their floors: {below}"
