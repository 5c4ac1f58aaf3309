"""Local output files the crawl can make durable before it commits its state, and whose errors stop it.

Crash safety needs every feed line on disk before the state store records its article
(:mod:`newscrawl.pipelines.dedupe`). Scrapy's feed exporter keeps its open files to itself
and swallows the exceptions its signal handlers raise (a full disk was only logged and the
crawl exited 0), so the files are opened here:

* :class:`FileFeedStorage` (installed for ``file://`` and plain paths through ``FEED_STORAGES``)
  returns a :class:`DurableFile` and registers it with the crawl; the rejects file is opened
  with :func:`open_durable` and registered the same way;
* a :class:`DurableFile` is unbuffered (each ``write`` reaches the OS at once, so a ``kill -9``
  loses no written line), writes everything it is given (short writes are retried), and on
  any ``OSError`` calls :func:`write_failed` and re-raises; after its first error it refuses
  every further write, so nothing is appended behind a partly written record;
* :func:`sync_files` fsyncs every registered file (the state commits only after it returned True);
* an overwritten feed (``-O``) is written to ``.<name>.partial-<pid>`` beside its target and renamed
  over it at the end, only when the crawl completed it (:data:`COMPLETE_STAT`): a killed, stopped or
  failed crawl leaves the previous file as it was;
* :func:`write_failed` logs one ERROR naming the file and the OS error, sets the stat
  ``newscrawl/write_errors`` and stops the crawl (``close_spider_async(reason="write_error")``);
  ``scrapy crawl`` then exits with :data:`EXIT_WRITE_ERROR` (74, ``EX_IOERR``).
"""

from __future__ import annotations

import errno
import io
import logging
import os
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any, NamedTuple
from weakref import WeakKeyDictionary

from scrapy import Spider
from scrapy.crawler import Crawler
from scrapy.extensions.feedexport import FileFeedStorage as ScrapyFileFeedStorage
from scrapy.utils.defer import deferred_from_coro
from twisted.internet.defer import Deferred

from newscrawl.files import fsync_path

if TYPE_CHECKING:
    from _typeshed import ReadableBuffer

logger = logging.getLogger(__name__)

#: Exit status of ``scrapy crawl`` when an output or state write failed (``EX_IOERR`` of sysexits.h).
EXIT_WRITE_ERROR = 74
#: Stat the complete-file extension sets: 0 while an ``-O`` file is incomplete, 1 once written whole.
COMPLETE_STAT = "newscrawl/store/complete_file"
#: The spider's close reason (``finish_reason`` stat) after a write error.
CLOSE_REASON = "write_error"


class WriteFailure(NamedTuple):
    """The first write error of a crawl: the file and what the OS (or SQLite) said."""

    path: str
    error: BaseException


_OPEN_FILES: WeakKeyDictionary[Crawler, list[DurableFile]] = WeakKeyDictionary()
_FAILURES: WeakKeyDictionary[Crawler, WriteFailure] = WeakKeyDictionary()


def describe(error: BaseException) -> str:
    """``[Errno 28] No space left on device`` without the file name (the message names it once)."""
    if isinstance(error, OSError) and error.errno is not None:
        return f"[Errno {error.errno}] {error.strerror or os.strerror(error.errno)}"
    return f"{type(error).__name__}: {error}"


def write_failed(crawler: Crawler | None, path: str | os.PathLike[str], error: BaseException) -> None:
    """Record the crawl's first write failure, log it once and stop the crawl (later ones are only counted)."""
    if crawler is None:
        return
    if crawler.stats is not None:
        crawler.stats.inc_value("newscrawl/write_errors")
    if crawler in _FAILURES:
        return
    _FAILURES[crawler] = WriteFailure(str(path), error)
    logger.error("cannot write %s: %s; stopping the crawl (exit status %d): nothing after the last state "
                 "commit is recorded, a re-run after fixing it exports what is missing",
                 path, describe(error), EXIT_WRITE_ERROR)
    if crawler.stats is not None:
        crawler.stats.set_value("newscrawl/write_error_file", str(path))
    try:
        engine = crawler.engine
    except RuntimeError:  # no crawl running (tests, scrapy extract): nothing to stop
        return
    if engine is not None and engine.spider is not None:
        deferred_from_coro(engine.close_spider_async(reason=CLOSE_REASON))


def write_failure(crawler: Crawler) -> WriteFailure | None:
    """The crawl's first write failure, if any: from then on nothing may be committed."""
    return _FAILURES.get(crawler)


class DurableFile(io.FileIO):
    """An unbuffered output file that reports its write errors to the crawl (see the module docstring)."""

    def __init__(self, path: str | os.PathLike[str], mode: str, crawler: Crawler | None = None) -> None:
        super().__init__(path, mode.replace("b", ""))
        self.path = str(path)
        self.crawler = crawler
        self.error: OSError | None = None

    def _fail(self, error: OSError) -> None:
        self.error = error
        write_failed(self.crawler, self.path, error)

    def _refuse(self) -> None:
        if self.error is not None:
            raise OSError(self.error.errno, f"earlier write failed: {self.error.strerror}", self.path)

    def write(self, data: ReadableBuffer, /) -> int:
        self._refuse()
        view = memoryview(data).cast("B")
        done = 0
        try:
            while done < len(view):
                written = super().write(view[done:])
                if not written:  # None (non-blocking) or 0: never for a regular file, but never loop on it
                    raise OSError(errno.EIO, "short write", self.path)
                done += written
        except OSError as exc:
            self._fail(exc)
            raise
        return done

    def sync(self) -> None:
        """Everything written is on disk (``os.fsync``); an error is reported and re-raised."""
        self._refuse()
        try:
            os.fsync(self.fileno())
        except OSError as exc:
            self._fail(exc)
            raise


def open_durable(crawler: Crawler | None, path: Path, overwrite: bool,
                 file_class: type[DurableFile] = DurableFile) -> DurableFile:
    """Open ``path`` for appending (or truncated), registered with the crawl for :func:`sync_files`."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        file = file_class(path, "wb" if overwrite else "ab", crawler)
    except OSError as exc:
        write_failed(crawler, path, exc)
        raise
    if crawler is not None:
        _OPEN_FILES.setdefault(crawler, []).append(file)
    return file


def forget(crawler: Crawler | None, file: IO[bytes] | DurableFile) -> None:
    """The file is being closed: no longer synced before commits."""
    if crawler is not None:
        files = _OPEN_FILES.get(crawler, [])
        if file in files:
            files.remove(file)


def sync_files(crawler: Crawler) -> bool:
    """Fsync every output file the crawl has open; False (the failure reported) when one cannot be."""
    if write_failure(crawler) is not None:
        return False
    for file in list(_OPEN_FILES.get(crawler, [])):
        if file.closed:
            continue
        try:
            file.sync()
        except OSError:
            return False
    return write_failure(crawler) is None


class FileFeedStorage(ScrapyFileFeedStorage):
    """Scrapy's file storage writing through a registered :class:`DurableFile`."""

    #: The file class (tests put a fault-injecting one here).
    file_class: type[DurableFile] = DurableFile

    def __init__(self, uri: str, *, feed_options: dict[str, Any] | None = None,
                 crawler: Crawler | None = None) -> None:
        super().__init__(uri, feed_options=feed_options)
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler: Crawler, uri: str, *,
                     feed_options: dict[str, Any] | None = None) -> FileFeedStorage:
        return cls(uri, feed_options=feed_options, crawler=crawler)

    #: An overwritten feed is written here and renamed over its target when the crawl completed it.
    partial: Path | None = None

    def open(self, spider: Spider) -> IO[bytes]:
        failed_before = self.crawler is not None and write_failure(self.crawler) is not None
        target = Path(self.path)
        if self.write_mode == "wb":
            self.partial = target.with_name(f".{target.name}.partial-{os.getpid()}")
        try:
            return open_durable(self.crawler, self.partial or target, self.write_mode == "wb", self.file_class)
        except OSError:
            if not failed_before:
                raise
            # The crawl is already stopping after a reported write error, and Scrapy opens a feed that
            # never started again when it closes: a sink that holds nothing, not one more traceback.
            logger.debug("not opening %s again after a write error", self.path)
            return io.BytesIO()

    def store(self, file: IO[bytes]) -> Deferred[None] | None:
        forget(self.crawler, file)
        result = super().store(file)
        if self.partial is not None:
            self._replace(self.partial, Path(self.path))
        return result

    def _complete(self) -> bool:
        """Whether the crawl wrote this overwritten feed whole: no write error, and the complete-file
        extension (:mod:`newscrawl.extensions.complete`), when enabled, reached its end."""
        if self.crawler is None:
            return True
        if write_failure(self.crawler) is not None:
            return False
        stats = self.crawler.stats
        flag = stats.get_value(COMPLETE_STAT) if stats is not None else None
        return flag is None or bool(flag)

    def _replace(self, partial: Path, target: Path) -> None:
        """``-O``: the new file replaces the old one only when complete (a killed or stopped crawl leaves
        the previous file as it was, never an empty or half one)."""
        if not partial.exists():
            return
        if not self._complete():
            partial.unlink(missing_ok=True)
            logger.warning("%s left as it was: the crawl stopped before it wrote the file whole "
                           "(its articles are in the state; run the crawl again or `scrapy export`)", target)
            return
        try:
            fsync_path(partial)
            os.replace(partial, target)
            fsync_path(target.parent)
        except OSError as exc:
            partial.unlink(missing_ok=True)
            write_failed(self.crawler, target, exc)
