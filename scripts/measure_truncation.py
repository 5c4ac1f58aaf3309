"""How many saved complete pages the truncation rule would flag (it must be none).

Reads every page of ``../shared/corpus/*/pages`` (with the URL from its manifest) and every
page fixture, as a crawl would (the outlet resolved from the URL, so dada/NDSoft pages get the
structure check and the open web only the Content-Length one), and prints the flagged ones.

    .venv/bin/python scripts/measure_truncation.py
"""

from __future__ import annotations

import csv
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from newscrawl.families import family_of  # noqa: E402
from newscrawl.parsing.truncation import truncation_reason  # noqa: E402
from tests.pages.cases import crawl_response, fixture_catalog, resolve_outlet  # noqa: E402

CORPUS = ROOT.parent / "shared" / "corpus"


def pages(skip: tuple[str, ...] = ()) -> list[tuple[str, Path, str]]:
    out = []
    for manifest in sorted(CORPUS.glob("*/manifest.tsv")):
        with manifest.open(encoding="utf-8") as fh:
            for row in csv.reader(fh, delimiter="\t"):
                if len(row) >= 2 and row[0].endswith(".html"):
                    out.append((manifest.parent.name, manifest.parent / row[0], row[1]))
    for meta in sorted((ROOT / "tests" / "pages" / "fixtures").glob("*/*/meta.json")):
        page = meta.parent / "page.html"
        if page.exists() and not any(word in meta.parent.name for word in skip):
            out.append(("fixtures", page, json.loads(meta.read_text("utf-8"))["url"]))
    return out


def main(skip: tuple[str, ...] = ("truncated",)) -> int:
    """Prints every flagged page and one count line per group; returns the number flagged.

    ``skip``: fixture cases whose folder name holds one of these words (the cut pages made to be flagged).
    """
    fixture_catalog()
    counts: dict[str, list[int]] = {}
    for group, path, url in pages(skip):
        outlet = resolve_outlet(url)
        page = family_of(outlet).article_page(crawl_response(path.read_bytes(), url), outlet)
        why = page.truncated()
        raw = truncation_reason(path.read_bytes())  # the structure rule on every page, for comparison
        seen = counts.setdefault(group, [0, 0, 0])
        seen[0] += 1
        seen[1] += bool(why)
        seen[2] += bool(raw)
        if why or raw:
            print(f"{'FLAGGED' if why else 'structure only'}\t{outlet.family}\t{path.relative_to(ROOT.parent)}\t{why or raw}")
    for group, (total, flagged, raw) in counts.items():
        print(f"{group}: {flagged} of {total} pages flagged ({raw} without </body> and </html>)")
    return sum(flagged for _t, flagged, _r in counts.values())


if __name__ == "__main__":
    raise SystemExit(1 if main() else 0)
