"""`scrapy export`: the dataset from the state store, as one file, without crawling.

    scrapy export -O all.jsonl|all.csv|all.parquet [-t FORMAT] [--site S ...] [--since D] [--until D]
                  [--revisions latest|all] [--include-rejects] [--uri STATE_URI]

The store keeps every exported item (:mod:`newscrawl.state.store`); this command writes them
through :mod:`newscrawl.output.dataset`, in the crawl's item schema: JSON Lines lines equal to
a crawl's feed lines, the crawl's CSV columns with one header, or typed Parquet. The format
comes from the name's ending (``.jsonl``/``.jsonlines``, ``.csv``, ``.parquet``) or ``-t``;
``-O -`` writes JSON Lines (or ``-t csv``) to stdout.

* ``--site`` (repeatable, or comma-separated): only these outlets (the ``article_id`` prefix);
  a site the store does not know is an error naming the ones it knows.
* ``--since``/``--until``: inclusive bounds on ``published_at``, ``YYYY-MM-DD`` or an ISO 8601
  datetime, Korea time when no offset is given (as the spiders' ``since``/``until``); a bare
  ``--until`` date means the whole day. Undated articles are left out when either is given.
* ``--revisions latest`` (default): each article's newest revision; ``all``: every revision
  (the ``revision`` field tells them apart).
* ``--include-rejects``: also the remembered rejects of articles never exported, with their
  ``reject_reason`` (a column in CSV and Parquet, empty for articles).

``-O`` replaces an existing file, atomically: the export is written beside it as a hidden
``.<name>.*.tmp``, fsynced and renamed over it only when complete, so a failed or interrupted
export leaves the previous file as it was (a ``kill -9`` may leave the hidden temporary file,
never a half target). Rows come in the store's order: site, ``published_at`` (undated last),
article, revision. Progress goes to stderr (a bar on a terminal, a line every 10 s otherwise),
then one summary line.

Exit status: 0 written; 1 the state file is missing or the export failed; 2 bad arguments
(one line); 65 (:data:`~newscrawl.state.store.EXIT_BAD_STATE`) the state file cannot be
trusted; 74 (:data:`~newscrawl.output.storage.EXIT_WRITE_ERROR`) the target could not be written
(full disk, permissions): the previous file is left as it was.
"""

from __future__ import annotations

import argparse
import os
import signal
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from types import FrameType
from typing import IO, TYPE_CHECKING, Any, BinaryIO

from scrapy.commands import ScrapyCommand
from scrapy.exceptions import UsageError

from newscrawl.files import atomic_file
from newscrawl.output.storage import EXIT_WRITE_ERROR, describe
from newscrawl.spiders.args import parse_since, parse_until
from newscrawl.state.store import (
    EXIT_BAD_STATE,
    REVISIONS,
    SeenStore,
    SQLiteSeenStore,
    StateError,
    open_store,
    state_location,
)

if TYPE_CHECKING:
    from newscrawl.output.dataset import Counts, WriterOptions

#: The formats (newscrawl.output.dataset.FORMATS, kept equal by a test). The dataset module imports pyarrow,
#: and Scrapy imports every command module on every command: it is imported only when an export runs.
DATASET_FORMATS = ("jsonl", "csv", "parquet")

#: Seconds between progress updates: a terminal bar, or a line in a log.
TTY_INTERVAL = 1.0
LOG_INTERVAL = 10.0


def split_sites(values: Sequence[str] | None) -> list[str] | None:
    """``--site a --site b,c`` -> ``["a", "b", "c"]`` (None: every site)."""
    if not values:
        return None
    sites = [s.strip() for value in values for s in value.split(",") if s.strip()]
    if not sites:
        raise UsageError("--site needs a site slug, e.g. --site news21tongsin")
    return list(dict.fromkeys(sites))


def time_bounds(since: str | None, until: str | None) -> tuple[datetime | None, datetime | None]:
    """``--since``/``--until`` as the spiders read them (Korea time by default; a bare until date: its whole day)."""
    try:
        start = parse_since("--since", since)
        end = parse_until("--until", until)
    except ValueError as exc:
        raise UsageError(str(exc)) from None
    if start is not None and end is not None and start > end:
        raise UsageError(f"--since {since} is after --until {until}")
    return start, end


def known_sites(store: SeenStore) -> list[str]:
    """The outlets (``article_id`` prefixes) the store has seen."""
    if isinstance(store, SQLiteSeenStore):
        return sorted(str(prefix) for (prefix,) in store.conn.execute("SELECT prefix FROM site"))
    sites: list[str] = store.sites()  # type: ignore[attr-defined]  # PostgresSeenStore
    return sites


def human_bytes(size: int) -> str:
    """``812 bytes``, ``1.2 MB``: binary units, as ``ls -lh``."""
    if size < 1024:
        return f"{size:,} bytes"
    value = float(size)
    for unit in ("KB", "MB", "GB"):
        value /= 1024
        if value < 1024 or unit == "GB":
            break
    return f"{value:,.1f} {unit}"


def duration(seconds: float) -> str:
    seconds = int(seconds + 0.5)
    hours, rest = divmod(seconds, 3600)
    return f"{hours}:{rest // 60:02d}:{rest % 60:02d}" if hours else f"{rest // 60}:{rest % 60:02d}"


class Progress:
    """n/total, rate and ETA on ``stream``: a redrawn bar on a terminal, a line every :data:`LOG_INTERVAL` s otherwise."""

    def __init__(self, total: int, stream: IO[str], clock: Callable[[], float] = time.monotonic,
                 tty: bool | None = None) -> None:
        self.total = total
        self.stream = stream
        self.clock = clock
        self.tty = stream.isatty() if tty is None else tty
        self.interval = TTY_INTERVAL if self.tty else LOG_INTERVAL
        self.start = self.last = clock()
        self.drawn = False

    def line(self, done: int) -> str:
        elapsed = max(self.clock() - self.start, 1e-9)
        rate = done / elapsed
        share = done / self.total if self.total else 1.0
        eta = duration((self.total - done) / rate) if rate and self.total >= done else "?"
        figures = f"{done:,}/{self.total:,} items {share:4.0%}, {rate:,.0f}/s, ETA {eta}"
        if not self.tty:
            return f"export: {figures}"
        width = 30
        filled = min(width, int(share * width))
        return f"[{'#' * filled}{'.' * (width - filled)}] {figures}"

    def __call__(self, done: int) -> None:
        now = self.clock()
        if now - self.last < self.interval:
            return
        self.last = now
        self.drawn = True
        if self.tty:
            self.stream.write("\r\033[K" + self.line(done))
        else:
            self.stream.write(self.line(done) + "\n")
        self.stream.flush()

    def finish(self) -> None:
        if self.tty and self.drawn:
            self.stream.write("\r\033[K")
            self.stream.flush()


@contextmanager
def terminate_as_interrupt() -> Iterator[None]:
    """SIGTERM (``kill``, systemd, cron's timeout) unwinds like Ctrl-C, so the temporary file is removed."""

    def handler(signum: int, frame: FrameType | None) -> None:
        raise KeyboardInterrupt

    try:
        previous = signal.signal(signal.SIGTERM, handler)
    except ValueError:  # not the main thread: keep the default
        yield
        return
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


class Command(ScrapyCommand):
    requires_project = True
    requires_crawler_process = False

    def syntax(self) -> str:
        return ("-O FILE.jsonl|FILE.csv|FILE.parquet|- [-t FORMAT] [--site S ...] [--since D] [--until D] "
                "[--revisions latest|all] [--include-rejects] [--uri STATE_URI]")

    def short_desc(self) -> str:
        return "Write the dataset from the state store (JSON Lines, CSV or Parquet) without crawling"

    def long_desc(self) -> str:
        return (f"{self.short_desc()}.\n\nThe file is replaced atomically (written beside it, renamed when complete). "
                "Dates: YYYY-MM-DD or ISO 8601, Korea time by default; --until YYYY-MM-DD is the whole day. "
                f"Exit status: 0 written; 1 no state file or the export failed; 2 bad arguments; {EXIT_BAD_STATE} the "
                f"state file cannot be trusted; {EXIT_WRITE_ERROR} the file could not be written (the old one is kept).")

    def add_options(self, parser: argparse.ArgumentParser) -> None:
        super().add_options(parser)
        parser.add_argument("-O", "--overwrite-output", dest="export_output", metavar="FILE",
                            help="the file to write (replaced if it exists); - for stdout")
        parser.add_argument("-o", "--output", dest="export_append", metavar="FILE", help=argparse.SUPPRESS)
        parser.add_argument("-t", "--output-format", dest="export_format", metavar="FORMAT",
                            help=f"force the format: {', '.join(DATASET_FORMATS)} (default: from the file name)")
        parser.add_argument("--site", action="append", metavar="SITE",
                            help="only this outlet (repeatable, or comma-separated)")
        parser.add_argument("--since", help="published at or after (YYYY-MM-DD or ISO 8601; Korea time by default)")
        parser.add_argument("--until", help="published at or before (a bare date: the whole day)")
        parser.add_argument("--revisions", choices=REVISIONS, default="latest",
                            help="each article's newest revision (latest, the default) or every revision (all)")
        parser.add_argument("--include-rejects", action="store_true",
                            help="also the remembered rejects (with reject_reason)")
        parser.add_argument("--uri", help="state URI (default: NEWSCRAWL_STATE_URI)")

    def run(self, args: list[str], opts: argparse.Namespace) -> None:
        if args:
            raise UsageError(f"unexpected argument {args[0]!r} (the file is given with -O)")
        if opts.export_append:
            raise UsageError("export writes a whole file: use -O FILE (an existing file is replaced)")
        if not opts.export_output:
            raise UsageError("give the file to write: -O all.jsonl, -O all.csv or -O all.parquet (- for stdout)")
        target: str = opts.export_output
        try:
            from newscrawl.output.dataset import format_of  # pyarrow: only when exporting (module docstring)

            fmt = format_of(target, opts.export_format)
        except ValueError as exc:
            raise UsageError(str(exc)) from None
        sites = split_sites(opts.site)
        since, until = time_bounds(opts.since, opts.until)
        assert self.settings is not None
        uri = opts.uri or self.settings["NEWSCRAWL_STATE_URI"]
        try:
            location = state_location(uri)
        except ValueError as exc:
            raise UsageError(str(exc)) from None
        state_path = location.path
        if state_path is None and location.kind != "postgresql":
            raise UsageError(f"state URI {uri!r} keeps nothing between runs: give the state file (--uri sqlite:///...)")
        if state_path is not None and not state_path.exists():
            print(f"export: state file {state_path} does not exist: nothing to export (a crawl creates it; "
                  "or `scrapy state rebuild --from OUTPUT_DIR`)", file=sys.stderr)
            self.exitcode = 1
            return
        out_path = None if target == "-" else Path(target)
        if out_path is not None and state_path is not None and out_path.resolve() in {state_path.resolve()} | {
                state_path.with_name(state_path.name + end).resolve() for end in ("-wal", "-shm", ".lock")}:
            raise UsageError(f"-O {target} is the state file itself: choose another file")
        try:
            store = open_store(uri, readonly=True)  # beside a running crawl; never migrates
        except StateError as exc:
            print(f"export: {exc}", file=sys.stderr)
            self.exitcode = EXIT_BAD_STATE
            return
        try:
            if sites is not None:
                known = known_sites(store)
                unknown = [s for s in sites if s not in known]
                if unknown:
                    raise UsageError(f"unknown site {', '.join(map(repr, unknown))}: the store knows "
                                     f"{', '.join(known) or 'no site yet'}")
            query: dict[str, Any] = {"sites": sites, "since": since, "until": until,
                                     "revisions": opts.revisions, "include_rejects": opts.include_rejects}
            self.exitcode = self._export(store, query, out_path, fmt)
        finally:
            store.close()

    def _options(self, query: dict[str, Any]) -> WriterOptions:
        from newscrawl.output.dataset import WriterOptions

        assert self.settings is not None
        filters = " ".join(f"{k}={v.isoformat() if isinstance(v, datetime) else v}" for k, v in query.items()
                           if v not in (None, False))
        return WriterOptions(encoding=self.settings["FEED_EXPORT_ENCODING"] or "utf-8",
                             list_separator=self.settings["NEWSCRAWL_CSV_LIST_SEPARATOR"],
                             excel=self.settings.getbool("NEWSCRAWL_CSV_EXCEL"),
                             metadata={"newscrawl.export": filters or "everything",
                                       "newscrawl.exported_at": datetime.now().astimezone().isoformat()})

    def _export(self, store: SeenStore, query: dict[str, Any], target: Path | None, fmt: str) -> int:
        total = store.count_items(**query)
        # No bar between the rows when the rows go to the same terminal.
        progress = Progress(total, sys.stderr, tty=sys.stderr.isatty() and not (target is None and sys.stdout.isatty()))
        options = self._options(query)
        name = "stdout" if target is None else str(target)
        try:
            with terminate_as_interrupt():
                if target is None:
                    counts = self._write(store, query, sys.stdout.buffer, fmt, options, progress)
                    sys.stdout.flush()
                    size = None
                else:
                    with atomic_file(target) as fh:
                        counts = self._write(store, query, fh, fmt, options, progress)
                    size = target.stat().st_size
        except KeyboardInterrupt:
            progress.finish()
            print(f"export: interrupted; {name} " + ("is as it was" if target else "is incomplete"), file=sys.stderr)
            return 130
        except BrokenPipeError:
            # `scrapy export -O - | head`: the reader had enough; nothing more to flush at exit.
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
            return 0
        except OSError as exc:
            progress.finish()
            print(f"export: cannot write {name}: {describe(exc)}"
                  + ("; the previous file is left as it was" if target else ""), file=sys.stderr)
            return EXIT_WRITE_ERROR
        except ValueError as exc:  # an item the format cannot hold (a stored time without offset)
            progress.finish()
            print(f"export: {exc}; {name} not written", file=sys.stderr)
            return 1
        progress.finish()
        print(summary(counts, name, size, fmt), file=sys.stderr)
        return 0

    def _write(self, store: SeenStore, query: dict[str, Any], file: BinaryIO, fmt: str,
               options: WriterOptions, progress: Progress) -> Counts:
        from newscrawl.output.dataset import write_dataset

        return write_dataset(store.items(**query), file, fmt, include_rejects=query["include_rejects"],
                             options=options, progress=progress)


def summary(counts: Counts, name: str, size: int | None, fmt: str) -> str:
    """``exported 80 articles (83 revisions), 2 rejects to all.parquet (parquet, 1.2 MB)``."""
    where = f"{name} ({fmt}" + (f", {human_bytes(size)})" if size is not None else ")")
    nothing = "; nothing matched" if not counts.items else ""
    return (f"export: {plural(counts.articles, 'article')} ({plural(counts.revisions, 'revision')}), "
            f"{plural(counts.rejects, 'reject')} to {where}{nothing}")


def plural(count: int, noun: str) -> str:
    return f"{count:,} {noun}" + ("" if count == 1 else "s")
