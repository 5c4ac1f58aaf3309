#!/usr/bin/env python3
"""How far one title rule for every page can go: each title source against a corpus's truth.

    python scripts/title_sources.py [--corpus ../shared/corpus/fundus] [--corpus ...]

For every page of the corpus, the four places a title can come from, read by the generic
path's own readers (``newscrawl.pages.fallbacks.Fallbacks``, site-name affixes stripped): the
visible ``<h1>``, og:title/twitter:title, the JSON-LD headline and ``<title>``. Prints, per
corpus, the share of pages whose truth each source gives, the best of the 24 fixed source
orders ("the first non-empty of ...", a rule the same for every page), the share where at
least one source is right (no rule choosing among them can do better), and our final title
(``scrapy extract``'s). Why: a dataset whose truth follows each publisher's own choice
(og:title for some, the headline for others) caps any page-independent rule below 1.0;
this prints where that cap is, so a target above it is seen to be unreachable without
fitting single publishers.
"""

from __future__ import annotations

import argparse
import itertools
import json
import re
import sys
import unicodedata
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from newscrawl.commands.extract import response_from_file  # noqa: E402
from newscrawl.extract import NotAnArticle, extract  # noqa: E402
from newscrawl.families import resolve  # noqa: E402
from newscrawl.pages.fallbacks import Fallbacks  # noqa: E402
from newscrawl.pages.inputs import PageInputs  # noqa: E402

SOURCES: dict[str, Callable[[Fallbacks], str | None]] = {
    "h1": Fallbacks.h1, "og:title": Fallbacks.og_title, "jsonld": Fallbacks.ld_headline, "<title>": Fallbacks.title_tag,
}


def norm(text: str | None) -> str:
    """The scorer's comparison: NFC and collapsed whitespace."""
    return re.sub(r"\s+", " ", unicodedata.normalize("NFC", text or "")).strip()


def measure(corpus: Path) -> dict[str, float]:
    rows = [json.loads(line) for line in (corpus / "truth.jsonl").read_text(encoding="utf-8").splitlines() if line.strip()]
    rows = [r for r in rows if r.get("title")]
    hits: dict[str, list[bool]] = {name: [] for name in SOURCES}
    ours: list[bool] = []
    values: list[dict[str, str]] = []
    for row in rows:
        response = response_from_file(corpus / row["path"], row["url"])
        outlet = resolve(response.url)
        fallbacks = Fallbacks(PageInputs(response, outlet))
        want = norm(row["title"])
        found = {name: norm(get(fallbacks)) for name, get in SOURCES.items()}
        values.append(found)
        for name, value in found.items():
            hits[name].append(value == want)
        try:
            ours.append(norm(extract(response, outlet).title) == want)
        except NotAnArticle:
            ours.append(False)
    truths = [norm(r["title"]) for r in rows]
    best_order, best = "", -1.0
    for order in itertools.permutations(SOURCES):
        right = sum(next((v[s] for s in order if v[s]), "") == t for v, t in zip(values, truths, strict=True))
        if right > best:
            best_order, best = " > ".join(order), right
    n = len(rows)
    # three sources agree, the fourth differs: whom does the truth follow?
    lone = majority = 0
    for found, truth in zip(values, truths, strict=True):
        seen = [v for v in found.values() if v]
        if len(seen) == 4 and len(set(seen)) == 2:
            odd = min(set(seen), key=seen.count)
            lone += odd == truth
            majority += odd != truth and truth in seen
    out = {f"source {name}": sum(h) / n for name, h in hits.items()}
    out[f"best fixed order ({best_order})"] = best / n
    out["any source right (ceiling)"] = sum(any(h[i] for h in hits.values()) for i in range(n)) / n
    out["newscrawl (scrapy extract)"] = sum(ours) / n
    out["pages"] = n
    out["three sources agree, one differs: truth is the odd one (pages)"] = lone
    out["three sources agree, one differs: truth is the three (pages)"] = majority
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, action="append",
                        help="a corpus folder (default: ../shared/corpus/{korean,fundus})")
    args = parser.parse_args()
    corpora = args.corpus or [ROOT.parent / "shared" / "corpus" / name for name in ("korean", "fundus")]
    for corpus in corpora:
        if not (corpus / "truth.jsonl").exists():
            print(f"skipping {corpus}: no truth.jsonl")
            continue
        result = measure(corpus)
        print(f"\n{corpus.name}: {result.pop('pages')} pages with a title")
        for name, share in result.items():
            print(f"  {name:<66} {share:.3f}" if isinstance(share, float) else f"  {name:<66} {share}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
