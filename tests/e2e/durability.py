"""What the durability tests share: the crawl command, the partitions, the truth, and two test-only components.

* :class:`CheckedDedupePipeline` replaces the dedupe pipeline in a real ``scrapy crawl`` and, at
  every state commit (after the files were fsynced, before the COMMIT), reads the feed files back
  from disk and writes one JSON line per commit to ``$NEWSCRAWL_TEST_COMMIT_LOG``: how many keys
  the commit holds and which of them the JSONL, the CSV or the rejects file lack.
  :class:`OldOrderingPipeline` commits as the code before issue 9 did (ignoring items in flight),
  to show the check fails on it.
* :class:`FullDiskFeedStorage` is the injected-ENOSPC fallback of the disk-full test: its files
  fail with ``ENOSPC`` (after a partial write) once ``$NEWSCRAWL_TEST_DISK_BUDGET`` bytes were written.
"""

from __future__ import annotations

import errno
import json
import os
import sys
from collections import Counter
from collections.abc import Mapping
from pathlib import Path
from typing import Any, ClassVar

from demo.content import DemoSite
from newscrawl.config import project_settings
from newscrawl.output.feeds import appended_feeds, crawl_date, csv_keys, read_jsonl, record_key
from newscrawl.output.storage import DurableFile, FileFeedStorage
from newscrawl.pipelines.dedupe import DedupePipeline
from newscrawl.pipelines.validate import rejects_path

SPIDER = "news21tongsin"
DEDUPE = "newscrawl.pipelines.dedupe.DedupePipeline"


def command(base_url: str, out: Path, *extra: str, state: Path | None = None) -> list[str]:
    """``scrapy crawl`` into the default appended partitions under ``out`` (JSONL and CSV), fast settings."""
    state = state or out / "state.sqlite"
    return [sys.executable, "-m", "scrapy", "crawl", SPIDER, "-a", f"base_url={base_url}",
            "-s", f"NEWSCRAWL_OUTPUT_DIR={out}", "-s", "NEWSCRAWL_CSV=true",
            "-s", f"NEWSCRAWL_STATE_URI=sqlite:///{state.resolve()}",
            "-s", f"NEWSCRAWL_REJECTS_URI={out}/%(site)s/%(date)s.rejects.jsonl",
            "-s", "DOWNLOAD_DELAY=0", "-s", "AUTOTHROTTLE_ENABLED=false",
            "-s", "CONCURRENT_REQUESTS=16", "-s", "CONCURRENT_REQUESTS_PER_DOMAIN=16", *extra]


def pipelines_with(dedupe: str) -> str:
    """``-s ITEM_PIPELINES=...``: the project's pipelines with the dedupe pipeline replaced by ``dedupe``."""
    pipelines = dict(project_settings().getdict("ITEM_PIPELINES"))
    order = pipelines.pop(DEDUPE)
    pipelines[dedupe] = order
    return "ITEM_PIPELINES=" + json.dumps(pipelines)


class Partitions:
    """Today's partitions of the demo outlet under ``out``."""

    def __init__(self, out: Path) -> None:
        folder = out / SPIDER
        day = crawl_date()
        self.jsonl = folder / f"{day}.jsonl"
        self.csv = folder / f"{day}.csv"
        self.rejects = folder / f"{day}.rejects.jsonl"

    def jsonl_ids(self) -> list[str]:
        """Every complete line's article id, in order (a cut last line is no export)."""
        return [str(r.get("article_id")) for r in read_jsonl(self.jsonl)]

    def csv_ids(self) -> list[str]:
        keys = csv_keys(self.csv) if self.csv.exists() else []
        assert keys is not None, f"{self.csv} is not valid CSV"
        return [str(k) for k in keys]

    def reject_ids(self) -> list[str]:
        lines = self.rejects.read_bytes().splitlines() if self.rejects.exists() else []
        for line in lines:
            json.loads(line)  # every line of the rejects file is valid JSON
        return [str(r.get("article_id")) for r in read_jsonl(self.rejects)]


def truth(size: int, base_url: str) -> list[dict[str, Any]]:
    return list(DemoSite(size=size).truth(base_url))


def exactly_once_problems(ids: list[str], records: list[dict[str, Any]]) -> list[str]:
    """What is wrong with the exported ``ids`` against the truth: twice, missing, unexpected (empty when right).

    A re-post (truth ``duplicate``) and its original stand for one article: either copy counts.
    """
    problems = [f"{aid} exported {n} times" for aid, n in sorted(Counter(ids).items()) if n > 1]
    expected = {r["article_id"] for r in records if r["expect"] == "item"}
    pairs = [(r["article_id"], r["duplicate_of"]) for r in records if r["expect"] == "duplicate"]
    exported = set(ids)
    for repost, original in pairs:
        if repost in exported:
            expected.discard(original)
            exported.discard(repost)
    problems += [f"{aid} missing" for aid in sorted(expected - exported)]
    problems += [f"{aid} not expected" for aid in sorted(exported - expected)]
    return problems


# -- test-only components (loaded by `scrapy crawl` in a subprocess) ---------------------------


class CheckedDedupePipeline(DedupePipeline):
    """The dedupe pipeline that checks, at every commit, that the files on disk hold what it commits."""

    def before_commit(self, pending: Mapping[str, str]) -> None:
        feeds = appended_feeds(self.crawler)
        jsonl = {record_key(r) for fmt, path, _ in feeds if fmt == "jsonlines" for r in read_jsonl(path)}
        csv_sets = [set(csv_keys(path) or []) for fmt, path, _ in feeds if fmt == "csv"]
        rejects_file = rejects_path(self.crawler)
        rejects = {record_key(r) for r in read_jsonl(rejects_file)} if rejects_file else set()
        missing = {
            "jsonl": sorted(k for k, why in pending.items() if why == "item" and k not in jsonl),
            "csv": sorted(k for k, why in pending.items() if why == "item" and not all(k in s for s in csv_sets)),
            "rejects": sorted(k for k, why in pending.items() if why == "reject" and k not in rejects),
        }
        line = {"keys": len(pending), "csv_feeds": len(csv_sets), "missing": missing}
        with open(os.environ["NEWSCRAWL_TEST_COMMIT_LOG"], "a", encoding="utf-8") as log:
            log.write(json.dumps(line) + "\n")


class OldOrderingPipeline(CheckedDedupePipeline):
    """Commits as before issue 9: every COMMIT_EVERY items, whatever is still in flight."""

    def _commit(self, final: bool = False) -> None:
        in_flight, self._in_flight = self._in_flight, {}
        try:
            super()._commit(final)
        finally:
            self._in_flight = in_flight


class FullDiskFile(DurableFile):
    """A feed file on a disk that is full after ``$NEWSCRAWL_TEST_DISK_BUDGET`` bytes (for all feed files)."""

    written: ClassVar[int] = 0

    def write(self, data: Any, /) -> int:
        budget = int(os.environ["NEWSCRAWL_TEST_DISK_BUDGET"])
        size = len(memoryview(data).cast("B"))
        if self.error is None and FullDiskFile.written + size > budget:
            room = max(0, budget - FullDiskFile.written)
            if room:
                super().write(memoryview(data).cast("B")[:room])  # a partial write, as a full disk leaves it
                FullDiskFile.written += room
            error = OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), self.path)
            self._fail(error)
            raise error
        done = super().write(data)
        FullDiskFile.written += done
        return done


class FullDiskFeedStorage(FileFeedStorage):
    file_class = FullDiskFile
