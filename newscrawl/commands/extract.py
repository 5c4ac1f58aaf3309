"""`scrapy extract`: saved HTML pages -> items in the crawl's schema, after cleaning.

    scrapy extract --url URL FILE                    # one page: prints one JSON item
    scrapy extract --manifest MANIFEST.tsv -o OUT    # path<TAB>url lines, paths relative to the manifest

The family (catalog outlet, CMS pattern, or generic) is chosen from each URL with
``newscrawl.families.resolve``. One broken page is reported on stderr and skipped; the
batch goes on and the exit status is 1 only if some page failed.

A manifest may come from elsewhere, so it only reads what lies under its own folder
(:func:`manifest_file`): an absolute path, or one that leaves the folder (``..``, a
symlink pointing out), is skipped with the reason. Every page (manifest or ``FILE``) must be
a regular file (not a FIFO, device or directory, which could block or never end) of at most
``DOWNLOAD_MAXSIZE`` bytes, the limit a crawl applies to a fetched page (0: no limit).
"""

from __future__ import annotations

import argparse
import json
import os
import stat
import sys
from pathlib import Path
from typing import Any, ClassVar

from scrapy.commands import ScrapyCommand
from scrapy.exceptions import UsageError
from scrapy.http import HtmlResponse

from newscrawl.extract import NotAnArticle, extract
from newscrawl.families import resolve
from newscrawl.output.exporters import export_dict
from newscrawl.parsing.charset import repair_encoding
from newscrawl.spiders.args import is_http_url


class Refused(ValueError):
    """A page the command will not read (outside the manifest's folder, not a regular file, too large)."""


def read_page(path: Path, max_size: int) -> bytes:
    """The bytes of ``path``: a regular file of at most ``max_size`` bytes (0: any size), else :class:`Refused`.

    Opened without blocking and checked on the open descriptor, so a FIFO swapped in after a
    check is still refused.
    """
    fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            kind = ("a directory" if stat.S_ISDIR(st.st_mode) else "a FIFO" if stat.S_ISFIFO(st.st_mode)
                    else "a device" if stat.S_ISCHR(st.st_mode) or stat.S_ISBLK(st.st_mode) else "a socket")
            raise Refused(f"not a regular file ({kind})")
        if max_size and st.st_size > max_size:
            raise Refused(f"{st.st_size} bytes, over DOWNLOAD_MAXSIZE ({max_size})")
        with os.fdopen(os.dup(fd), "rb") as fh:
            body = fh.read(max_size + 1) if max_size else fh.read()
    finally:
        os.close(fd)
    if max_size and len(body) > max_size:
        raise Refused(f"over DOWNLOAD_MAXSIZE ({max_size}) bytes")
    return body


def manifest_file(folder: Path, name: str) -> Path:
    """The file ``name`` of a manifest in ``folder``: relative and inside ``folder`` (symlinks followed), or :class:`Refused`."""
    if Path(name).is_absolute():
        raise Refused("absolute path (manifest paths are relative to the manifest's folder)")
    path = folder / name
    root = folder.resolve()
    if not path.resolve().is_relative_to(root):
        raise Refused(f"outside the manifest's folder {root}")
    return path


def response_from_file(path: Path, url: str, max_size: int = 0) -> HtmlResponse:
    """A response as if ``url`` had been fetched: encoding from BOM/meta, else detected."""
    response = HtmlResponse(url=url, body=read_page(path, max_size))
    repaired, _how = repair_encoding(response)
    return repaired


def extract_file(path: Path, url: str, max_size: int = 0) -> dict[str, Any]:
    """One saved page -> the exported item dict (raises on a page that is not an article)."""
    response = response_from_file(path, url, max_size)
    return export_dict(extract(response, resolve(url)))


def read_manifest(manifest: Path) -> list[tuple[str, str]]:
    """``(path as written, url)`` per line; the paths are checked later, one by one (:func:`manifest_file`)."""
    rows: list[tuple[str, str]] = []
    for number, line in enumerate(manifest.read_text("utf-8").splitlines(), 1):
        if not line.strip() or line.startswith("#"):
            continue
        parts = line.split("\t")
        if len(parts) < 2 or not parts[1].strip():
            raise UsageError(f"{manifest}:{number}: expected 'path<TAB>url', got {line!r}")
        rows.append((parts[0].strip(), parts[1].strip()))
    return rows


class Command(ScrapyCommand):
    requires_project = True
    default_settings: ClassVar[dict[str, Any]] = {"LOG_ENABLED": False}

    def syntax(self) -> str:
        return "(--url URL FILE | --manifest MANIFEST.tsv -o OUT.jsonl)"

    def short_desc(self) -> str:
        return "Extract items from saved HTML pages, exactly as a crawl would"

    def add_options(self, parser: argparse.ArgumentParser) -> None:
        super().add_options(parser)
        parser.add_argument("--url", help="the URL FILE was fetched from (chooses the family, resolves links)")
        parser.add_argument("--manifest", type=Path, help="TSV of path<TAB>url, paths relative to its folder")
        parser.add_argument("-o", "--output", dest="extract_output", type=Path,
                            help="JSON Lines output for --manifest (default: stdout)")

    def run(self, args: list[str], opts: argparse.Namespace) -> None:
        if opts.manifest and (args or opts.url):
            raise UsageError("give either --manifest or --url with one FILE, not both")
        if opts.manifest:
            self.exitcode = self._batch(opts.manifest, opts.extract_output)
            return
        if len(args) != 1 or not opts.url:
            raise UsageError("need --url URL and exactly one FILE (or --manifest)")
        if not is_http_url(opts.url):
            raise UsageError(f"--url {opts.url!r} is not an http(s) URL with a host and a valid port")
        try:
            record = extract_file(Path(args[0]), opts.url, self._max_size())
        except Refused as exc:
            print(f"refused {args[0]}: {exc}", file=sys.stderr)
            self.exitcode = 1
            return
        except NotAnArticle:
            print(f"not an article page: {args[0]}", file=sys.stderr)
            self.exitcode = 1
            return
        except OSError as exc:
            raise UsageError(str(exc)) from None
        print(json.dumps(record, ensure_ascii=False, indent=2))

    def _max_size(self) -> int:
        assert self.settings is not None
        return self.settings.getint("DOWNLOAD_MAXSIZE")

    def _batch(self, manifest: Path, output: Path | None) -> int:
        if not manifest.is_file():
            raise UsageError(f"manifest not found: {manifest}")
        rows = read_manifest(manifest)
        max_size = self._max_size()
        out = output.open("w", encoding="utf-8") if output else sys.stdout
        failed = 0
        try:
            for name, url in rows:
                path = manifest.parent / name
                try:
                    path = manifest_file(manifest.parent, name)
                    record = extract_file(path, url, max_size)
                except Refused as exc:
                    failed += 1
                    print(f"skipped {path}: {exc}", file=sys.stderr)
                    continue
                except NotAnArticle:
                    failed += 1
                    print(f"skipped {path}: not an article page", file=sys.stderr)
                    continue
                except Exception as exc:  # one broken page never aborts the batch
                    failed += 1
                    print(f"skipped {path}: {type(exc).__name__}: {exc}", file=sys.stderr)
                    continue
                out.write(json.dumps(record, ensure_ascii=False) + "\n")
        finally:
            if output:
                out.close()
        print(f"extracted {len(rows) - failed} of {len(rows)} pages" + (f", {failed} skipped" if failed else ""),
              file=sys.stderr)
        return 1 if failed else 0
