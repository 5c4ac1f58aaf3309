"""Files written so that a crash never leaves half of one: fsync helpers and atomic replacement.

A leaf module (no newscrawl imports): the feed storage, the CSV rebuild, ``scrapy export``,
``scrapy report`` and the state rebuild all write files this way.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import BinaryIO


def fsync_path(path: Path) -> None:
    """What was written to the file ``path`` (closed or not), or the entries of the folder ``path``, is on disk."""
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _new_file_mode(target: Path) -> int:
    """The replaced file's permissions, or a new file's (0666 less the umask)."""
    with suppress(OSError):
        return target.stat().st_mode & 0o7777
    mask = os.umask(0)
    os.umask(mask)
    return 0o666 & ~mask


@contextmanager
def atomic_file(target: Path) -> Iterator[BinaryIO]:
    """A file that becomes ``target`` only when the ``with`` block ends without an exception.

    Written as ``.<name>.<random>.tmp`` in the target's folder (so the rename stays on one file
    system), fsynced, renamed over ``target`` (an existing one is replaced whole), then the
    folder is fsynced. On any exception, ``KeyboardInterrupt`` included, the temporary file is
    removed and ``target`` is untouched. Missing parent folders are created.
    """
    if target.is_dir():
        raise IsADirectoryError(21, "Is a directory", str(target))
    folder = target.parent
    folder.mkdir(parents=True, exist_ok=True)
    mode = _new_file_mode(target)
    fd, name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=folder)
    temp = Path(name)
    try:
        os.fchmod(fd, mode)
        with os.fdopen(fd, "wb") as fh:
            yield fh
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(temp, target)
    except BaseException:
        with suppress(OSError):
            temp.unlink()
        raise
    fsync_path(folder)


def write_atomically(path: Path, text: str) -> None:
    """``text`` (UTF-8) into ``path`` through :func:`atomic_file`."""
    with atomic_file(path) as fh:
        fh.write(text.encode("utf-8"))
