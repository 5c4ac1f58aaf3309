"""`scrapy report`: the crawl dashboard, one self-contained HTML page from the run reports and the store.

    scrapy report -O report.html [--runs DIR ...] [--uri STATE_URI] [--since D | --days N]

* run reports: every ``*.json`` under each ``--runs`` folder, recursively (default:
  ``<NEWSCRAWL_OUTPUT_DIR>/runs``, where a crawl with the default feeds writes them; a relative
  folder is relative to the project directory, as for a crawl); a file that is not a run report
  is skipped with one warning line naming it, and counted in the page;
* the store (``--uri``, default ``NEWSCRAWL_STATE_URI``): articles per day per outlet, field
  coverage, near-duplicate clusters across outlets; read only (a missing state file is not
  created, a running crawl is not disturbed);
* ``--since D`` (``YYYY-MM-DD``, Korea time) or ``--days N`` (the last N days, today included):
  runs started and articles published from then on; default: everything.

Without runs and store the page says "no runs yet" and the command exits 0 after one warning
line. The page is written to a temporary file beside ``-O`` and renamed over it, so a reader
never sees half a page. See :mod:`newscrawl.dashboard` for what the page shows.
"""

from __future__ import annotations

import argparse
import sqlite3
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from scrapy.commands import ScrapyCommand
from scrapy.exceptions import UsageError

from newscrawl import __version__
from newscrawl.commands.nofiles import QuietMixin
from newscrawl.config import project_path
from newscrawl.files import write_atomically
from newscrawl.output.feeds import output_dir
from newscrawl.spiders.args import parse_since
from newscrawl.state.store import SCHEMA_VERSION, StateError, open_store, state_location

if TYPE_CHECKING:
    from newscrawl.dashboard.data import StoreSummary


def schema_version(path: Path) -> int | None:
    """``PRAGMA user_version`` of the SQLite file ``path``, read without writing; None if it cannot be read."""
    try:
        conn = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True, timeout=10.0)
    except sqlite3.Error:
        return None
    try:
        return int(conn.execute("PRAGMA user_version").fetchone()[0])
    except sqlite3.Error:
        return None  # not SQLite, damaged: open_store says what is wrong
    finally:
        conn.close()


def read_store(uri: str, since: datetime | None) -> tuple[StoreSummary | None, str | None, list[str]]:
    """(summary or None, where the store is, notes for the page) for the state ``uri``."""
    # Imported here, not at the top: Scrapy imports every command module on every command.
    from newscrawl.dashboard.data import summarise_store

    try:
        location = state_location(uri)
    except ValueError as exc:
        raise UsageError(str(exc)) from None
    if location.kind == "postgresql":
        from newscrawl.state.postgres import describe_uri

        where: str = describe_uri(uri)  # never the password
    elif location.path is None:
        return None, uri, [f"The state URI {uri!r} is in memory: no store to read."]
    else:
        where = str(location.path)
    path = location.path  # None for a PostgreSQL state: opened read-only below, which says what is wrong
    if path is not None and not path.exists():
        return None, str(path), [f"No state file at {path} yet (the first `scrapy crawl` creates it)."]
    version = schema_version(path) if path is not None else None
    if path is not None and version is not None and version < SCHEMA_VERSION:
        # Opening it as a store would migrate it: a report must not change the state (nor lock out an
        # older newscrawl still crawling into it).
        return None, str(path), [f"The state file {path} has schema {version} (written by an older newscrawl): "
                                 "it holds no stored articles; the next crawl upgrades it."]
    try:
        store = open_store(uri, readonly=True)
    except StateError as exc:
        return None, where, [f"The state {'file ' if path is not None else ''}cannot be read: {exc}"]
    try:
        summary = summarise_store(store, since=since)
        known = len(store)
    finally:
        store.close()
    notes = []
    if not summary.articles:
        if known:
            notes.append(f"The store {where} knows {known:,} articles but holds none of their items yet: articles "
                         "are kept from the first crawl of a newscrawl that stores them on (or after "
                         "`scrapy state rebuild --from OUTPUT_DIR --force`).")
        elif since is None:
            notes.append(f"The store {where} holds no article yet.")
    return summary, where, notes


class Command(QuietMixin, ScrapyCommand):
    requires_project = True

    def syntax(self) -> str:
        return "-O REPORT.html [--runs DIR ...] [--uri STATE_URI] [--since YYYY-MM-DD | --days N]"

    def short_desc(self) -> str:
        return "Write the crawl dashboard: one self-contained HTML page from the run reports and the store"

    def long_desc(self) -> str:
        return (f"{self.short_desc()}: articles per day per outlet, run durations and exit statuses, health "
                "checks over time, field coverage per outlet, top reject reasons, near-duplicate clusters across "
                "outlets. Charts are inline SVG: the page needs no network and no JavaScript.")

    def add_options(self, parser: argparse.ArgumentParser) -> None:
        super().add_options(parser)
        parser.add_argument("-O", "--output", dest="report_output", type=Path, metavar="FILE",
                            help="the HTML page to write (replaced atomically)")
        parser.add_argument("--runs", action="append", type=Path, metavar="DIR",
                            help="a folder of run reports, read recursively (repeatable; default: "
                                 "<NEWSCRAWL_OUTPUT_DIR>/runs)")
        parser.add_argument("--uri", help="state URI (default: NEWSCRAWL_STATE_URI)")
        parser.add_argument("--since", metavar="D", help="from this day (YYYY-MM-DD, Korea time) or ISO time on")
        parser.add_argument("--days", type=int, metavar="N", help="the last N days, today included")

    def run(self, args: list[str], opts: argparse.Namespace) -> None:
        from newscrawl.dashboard.data import Dashboard, read_runs, window_start

        assert self.settings is not None
        if args:
            raise UsageError(f"scrapy report takes no arguments, got {' '.join(args)!r} (the page goes to -O FILE)")
        output: Path | None = opts.report_output
        if output is None:
            raise UsageError("give the page to write: -O report.html")
        if opts.since and opts.days is not None:
            raise UsageError("give --since or --days, not both")
        if opts.days is not None and opts.days < 1:
            raise UsageError(f"--days={opts.days}: give a number of days >= 1")
        try:
            since = window_start(parse_since("--since", opts.since), opts.days)
        except ValueError as exc:
            raise UsageError(str(exc)) from None
        folders = [project_path(f) for f in opts.runs] if opts.runs else [output_dir(self.settings) / "runs"]

        runs = read_runs(folders, since=since)
        summary, state, notes = read_store(opts.uri or self.settings["NEWSCRAWL_STATE_URI"], since)
        for skipped in runs.skipped:
            print(f"report: skipped {skipped.path}: {skipped.reason}", file=sys.stderr)
        missing = [f"no run reports folder {f}" for f in runs.missing]
        if not runs.runs and (summary is None or not summary.articles):
            print("report: warning: no runs yet (" + "; ".join([*missing, *notes] or ["nothing in this window"])
                  + "); the page says so", file=sys.stderr)
        else:
            for line in [*missing, *notes]:
                print(f"report: warning: {line[0].lower()}{line[1:]}", file=sys.stderr)
        notes = [f"{m[0].upper()}{m[1:]}." for m in missing] + notes
        if runs.skipped:
            notes.append(f"{len(runs.skipped)} run report file(s) could not be read and were skipped (listed at the end).")

        from newscrawl.dashboard.page import plural, render  # matplotlib loads only when a page is drawn

        dash = Dashboard(runs=runs, store=summary, state=state, notes=tuple(notes), since=since,
                         generated_at=datetime.now(UTC), version=__version__)
        try:
            write_atomically(output, render(dash))
        except OSError as exc:
            print(f"report: cannot write {output}: {exc}", file=sys.stderr)
            self.exitcode = 1
            return
        articles = summary.articles if summary else 0
        print(f"report written to {output}: {plural(len(runs.runs), 'run')}, {plural(articles, 'stored article')}"
              + (f", {plural(len(runs.skipped), 'unreadable run report')} skipped" if runs.skipped else ""))
