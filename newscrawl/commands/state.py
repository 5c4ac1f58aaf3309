"""`scrapy state check|rebuild`: look at the state store, or build it again from the feed partitions.

    scrapy state check [--uri URI]                              # integrity + counts; exit 0 ok, 1 not
    scrapy state rebuild --from output/ [--uri URI] [--force]  # a fresh state from the JSONL feeds

``scrapy crawl`` refuses to start on a state file it cannot trust (empty, truncated, not
SQLite, failing its integrity check, of another schema, or older than the feed partitions;
see :mod:`newscrawl.state.store` and :mod:`newscrawl.state.rebuild`) and names these two
commands. ``check`` runs the full ``PRAGMA integrity_check`` and prints what the state holds.
``rebuild`` reads every ``*.jsonl`` under ``--from`` (articles, then rejects), writes a new
state beside the old one and moves it in place; the old file is kept as
``<name>.corrupt-<time>``. It refuses to replace a file that passes the check unless
``--force`` is given, and takes the state lock (exit 75 while a crawl runs).

``--uri`` defaults to ``NEWSCRAWL_STATE_URI``; a relative path is relative to the project
directory (the folder of ``scrapy.cfg``), as for a crawl.
"""

from __future__ import annotations

import argparse
import sqlite3
import sys
from datetime import UTC, datetime
from pathlib import Path

from scrapy.commands import ScrapyCommand
from scrapy.exceptions import UsageError

from newscrawl.commands.nofiles import QuietMixin
from newscrawl.state.lock import EXIT_LOCKED, LockBusy, StateLock, lock_path
from newscrawl.state.rebuild import rebuild_state
from newscrawl.state.store import StateError, check_state_file, state_location

#: Exit status of ``scrapy state check`` on a state that cannot be trusted (or is missing).
EXIT_BAD_STATE = 1


def describe(path: Path) -> list[str]:
    """Counts of a checked state file, one line each."""
    conn = sqlite3.connect(path, timeout=10.0)
    try:
        version = conn.execute("PRAGMA user_version").fetchone()[0]
        total = conn.execute("SELECT count(*) FROM article").fetchone()[0]
        revised = conn.execute("SELECT count(*) FROM article WHERE revision > 1").fetchone()[0]
        sites = conn.execute("SELECT site.prefix, count(*) FROM article LEFT JOIN site ON site.id = article.site "
                             "GROUP BY article.site ORDER BY count(*) DESC").fetchall()
        meta = conn.execute("SELECT count(*) FROM meta").fetchone()[0]
        span = conn.execute("SELECT min(first_seen), max(last_seen) FROM article").fetchone()
    finally:
        conn.close()
    lines = [f"schema version {version}; {path.stat().st_size:,} bytes",
             f"{total:,} articles ({revised:,} with revisions), {meta:,} meta entries"]
    if span[0] is not None:
        lines.append(f"first seen {datetime.fromtimestamp(span[0], UTC).isoformat()}, "
                     f"last seen {datetime.fromtimestamp(span[1], UTC).isoformat()}")
    lines += [f"  {prefix or '(no site prefix)'}: {count:,}" for prefix, count in sites]
    return lines


class Command(QuietMixin, ScrapyCommand):
    requires_project = True

    def syntax(self) -> str:
        return "check [--uri URI] | rebuild --from FEEDS_DIR [--uri URI] [--force]"

    def short_desc(self) -> str:
        return "Check the state store, or rebuild it from the feed partitions"

    def long_desc(self) -> str:
        return (f"{self.short_desc()}.\n\ncheck: PRAGMA integrity_check and counts; exit 0 ok, {EXIT_BAD_STATE} "
                "missing or not to be trusted.\nrebuild: a new state from every *.jsonl under --from; the old file "
                "is kept as <name>.corrupt-<time>; a healthy file is replaced only with --force; exit 0 done, "
                f"1 refused or failed, {EXIT_LOCKED} a crawl holds the state lock.")

    def add_options(self, parser: argparse.ArgumentParser) -> None:
        super().add_options(parser)
        parser.add_argument("--uri", help="state URI (default: NEWSCRAWL_STATE_URI)")
        parser.add_argument("--from", dest="source", type=Path, help="rebuild: the feeds folder (e.g. output/)")
        parser.add_argument("--force", action="store_true", help="rebuild: replace a state that passes the check")

    def run(self, args: list[str], opts: argparse.Namespace) -> None:
        if len(args) != 1 or args[0] not in ("check", "rebuild"):
            raise UsageError("give check or rebuild")
        assert self.settings is not None
        uri = opts.uri or self.settings["NEWSCRAWL_STATE_URI"]
        try:
            location = state_location(uri)
        except ValueError as exc:
            raise UsageError(str(exc)) from None
        if location.kind == "postgresql":
            if args[0] == "rebuild":
                raise UsageError("rebuild writes an SQLite state file: rebuild into sqlite:///..., or run the "
                                 "crawls again into the PostgreSQL state (its articles are shared, never lost "
                                 "with one machine)")
            self.exitcode = self._check_postgres(uri)
            return
        path = location.path
        if path is None:
            raise UsageError(f"state URI {uri!r} has no file to {args[0]}")
        self.exitcode = self._check(path) if args[0] == "check" else self._rebuild(path, opts)

    def _check_postgres(self, uri: str) -> int:
        from newscrawl.state.postgres import PostgresSeenStore, describe_uri

        try:
            with PostgresSeenStore(uri, readonly=True) as store:
                lines = store.describe()
        except StateError as exc:
            print(f"BAD: {exc}", file=sys.stderr)
            return EXIT_BAD_STATE
        print(f"OK: PostgreSQL state {describe_uri(uri)} answers with the current schema")
        for line in lines:
            print(line)
        return 0

    def _check(self, path: Path) -> int:
        try:
            exists = check_state_file(path, full=True)
        except StateError as exc:
            print(f"BAD: {exc}", file=sys.stderr)
            return EXIT_BAD_STATE
        if not exists:
            print(f"BAD: state file {path} does not exist (a first crawl creates it; or rebuild it with "
                  f"`scrapy state rebuild --from OUTPUT_DIR`)", file=sys.stderr)
            return EXIT_BAD_STATE
        print(f"OK: state file {path} passes PRAGMA integrity_check")
        for line in describe(path):
            print(line)
        return 0

    def _rebuild(self, path: Path, opts: argparse.Namespace) -> int:
        source: Path | None = opts.source
        if source is None:
            raise UsageError("rebuild needs --from FEEDS_DIR (the folder of the JSONL partitions, e.g. output/)")
        if not source.exists():
            print(f"rebuild: {source} does not exist", file=sys.stderr)
            return 1
        lock_file = lock_path(f"sqlite:///{path}")
        assert lock_file is not None
        lock = StateLock(lock_file, command="scrapy state rebuild")
        try:
            lock.acquire()
        except LockBusy as busy:
            print(f"rebuild: {busy}; try again when it ends", file=sys.stderr)
            return EXIT_LOCKED
        try:
            healthy = False
            try:
                healthy = check_state_file(path)
            except StateError as exc:
                print(f"rebuild: replacing the bad state file: {exc.problem}", file=sys.stderr)
            if healthy and not opts.force:
                print(f"rebuild: state file {path} passes the check; not replacing it (use --force to rebuild "
                      "anyway; the old file is kept)", file=sys.stderr)
                return 1
            assert self.settings is not None
            counts, kept = rebuild_state(source, path, near_threshold=self.settings.getfloat("NEWSCRAWL_NEAR_THRESHOLD"))
        finally:
            lock.release()
        print(f"rebuilt {path} from {counts.files} files under {source}: {counts.articles} articles, "
              f"{counts.revisions} revisions, {counts.rejects} rejects remembered, {counts.skipped} lines skipped"
              + (f"; the old file is kept as {kept}" if kept else ""))
        return 0
