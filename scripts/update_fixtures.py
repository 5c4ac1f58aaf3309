#!/usr/bin/env python3
"""Regenerate every page fixture's ``expected.json`` from the current code, and show what moved.

    python scripts/update_fixtures.py [--check] [CASE ...]     # or: make fixtures

A CASE is ``family/name`` or ``family`` (default: every case under tests/pages/fixtures/).
Each changed case prints a unified diff of its expected.json (a new case: against nothing);
nothing changed prints "no changes". With ``--check`` nothing is written and the exit
status is 1 when some file would change, so a refactor that claims byte-identical output
can prove it. An article case the family now refuses is reported and exits 1 either way:
that needs a decision, not a regenerated file.

Why a script and not ``pytest --update``: the diff is the review. Read it before committing
the new files; ``tests/pages/test_fixtures.py`` then checks exactly these bytes.
"""

from __future__ import annotations

import argparse
import difflib
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from newscrawl.pages.article import NotAnArticle  # noqa: E402
from tests.pages.cases import CaseError, PageCase, load_cases, render  # noqa: E402


def select(cases: tuple[PageCase, ...], wanted: list[str]) -> list[PageCase]:
    """The cases named by ``wanted`` (ids or family names); every case when empty."""
    if not wanted:
        return list(cases)
    chosen = [c for c in cases if c.id in wanted or c.family in wanted]
    unknown = [w for w in wanted if not any(c.id == w or c.family == w for c in cases)]
    if unknown:
        raise CaseError(f"no such fixture case or family: {', '.join(unknown)}")
    return chosen


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Regenerate tests/pages/fixtures/*/*/expected.json")
    parser.add_argument("--check", action="store_true", help="write nothing; exit 1 if anything would change")
    parser.add_argument("cases", nargs="*", metavar="CASE", help="family/name or family (default: all)")
    args = parser.parse_args(argv)
    try:
        cases = select(load_cases(), args.cases)
    except CaseError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2

    changed: list[str] = []
    refused: list[str] = []
    for case in cases:
        if not case.has_expected:
            continue
        try:
            new = render(case.snapshot())
        except NotAnArticle:
            refused.append(case.id)
            print(f"{case.id}: not an article page any more (NotAnArticle); expected.json left as is",
                  file=sys.stderr)
            continue
        old = case.expected_path.read_text("utf-8") if case.expected_path.exists() else ""
        if new == old:
            continue
        changed.append(case.id)
        name = case.expected_path.relative_to(ROOT).as_posix()
        sys.stdout.writelines(difflib.unified_diff(old.splitlines(keepends=True), new.splitlines(keepends=True),
                                                   fromfile=f"a/{name}" if old else "/dev/null", tofile=f"b/{name}"))
        if not args.check:
            case.expected_path.write_text(new, "utf-8", newline="\n")

    if not changed:
        print(f"no changes ({len(cases)} cases)")
    else:
        verb = "would change" if args.check else "updated"
        print(f"{verb}: {len(changed)} of {len(cases)} cases: {', '.join(changed)}", file=sys.stderr)
    if refused:
        return 1
    return 1 if changed and args.check else 0


if __name__ == "__main__":
    sys.exit(main())
