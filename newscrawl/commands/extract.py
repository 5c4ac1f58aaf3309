"""`scrapy extract`: saved HTML pages -> items in the crawl's schema, after cleaning.

    scrapy extract --url URL FILE                    # one page: prints one JSON item
    scrapy extract --manifest MANIFEST.tsv -o OUT    # path<TAB>url lines, paths relative to the manifest

The family (catalog outlet, CMS pattern, or generic) is chosen from each URL with
``newscrawl.families.resolve``. One broken page is reported on stderr and skipped; the
batch goes on and the exit status is 1 only if some page failed.
"""

from __future__ import annotations

import argparse
import json
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


def response_from_file(path: Path, url: str) -> HtmlResponse:
    """A response as if ``url`` had been fetched: encoding from BOM/meta, else detected."""
    response = HtmlResponse(url=url, body=path.read_bytes())
    repaired, _how = repair_encoding(response)
    return repaired


def extract_file(path: Path, url: str) -> dict[str, Any]:
    """One saved page -> the exported item dict (raises on a page that is not an article)."""
    response = response_from_file(path, url)
    return export_dict(extract(response, resolve(url)))


def read_manifest(manifest: Path) -> list[tuple[Path, str]]:
    rows: list[tuple[Path, str]] = []
    for number, line in enumerate(manifest.read_text("utf-8").splitlines(), 1):
        if not line.strip() or line.startswith("#"):
            continue
        parts = line.split("\t")
        if len(parts) < 2 or not parts[1].strip():
            raise UsageError(f"{manifest}:{number}: expected 'path<TAB>url', got {line!r}")
        rows.append((manifest.parent / parts[0].strip(), parts[1].strip()))
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
        try:
            record = extract_file(Path(args[0]), opts.url)
        except NotAnArticle:
            print(f"not an article page: {args[0]}", file=sys.stderr)
            self.exitcode = 1
            return
        except OSError as exc:
            raise UsageError(str(exc)) from None
        print(json.dumps(record, ensure_ascii=False, indent=2))

    def _batch(self, manifest: Path, output: Path | None) -> int:
        if not manifest.is_file():
            raise UsageError(f"manifest not found: {manifest}")
        rows = read_manifest(manifest)
        out = output.open("w", encoding="utf-8") if output else sys.stdout
        failed = 0
        try:
            for path, url in rows:
                try:
                    record = extract_file(path, url)
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
