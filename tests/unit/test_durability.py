"""Durable ordering and write failures, piece by piece (the end-to-end proofs are tests/e2e/test_durability.py, test_crash.py)."""

from __future__ import annotations

import errno
import hashlib
import io
import json
import sqlite3
from datetime import datetime
from pathlib import Path

import pytest
from scrapy.exceptions import DropItem

from newscrawl.items import Article
from newscrawl.output.exporters import CsvArticleExporter, export_dict
from newscrawl.output.feeds import crawl_date, csv_keys, rebuild_csv, trim_cut_line
from newscrawl.output.storage import DurableFile, sync_files, write_failed, write_failure
from newscrawl.parsing.dates import KST
from newscrawl.pipelines.dedupe import DedupePipeline
from tests.helpers import project_crawler

BODY = "한빛시는 5일 시청 대회의실에서 청년 정책 토론회를 열었다고 밝혔다.\n\n토론회에는 청년 100여 명이 참석했다."


def article(n: int) -> Article:
    return Article(url=f"http://x.kr/news/view.php?idx={n}", article_id=f"x:{n}", title=f"한빛시 청년 정책 토론회 {n}",
                   body=f"{BODY} ({n}번째)", published_at=datetime(2024, 3, 5, 9, 42, n, tzinfo=KST),
                   authors=["김기자", "=이기자"], content_hash=hashlib.sha256(str(n).encode()).hexdigest())


def committed(state: Path) -> set[str]:
    """Article keys another connection sees: only what was committed."""
    conn = sqlite3.connect(state)
    try:
        return {str(local) for (local,) in conn.execute("SELECT coalesce(local_text, local) FROM article")}
    finally:
        conn.close()


def pipeline(tmp_path: Path, **settings: object) -> DedupePipeline:
    crawler = project_crawler(**{"NEWSCRAWL_STATE_URI": f"sqlite:///{tmp_path / 'state.sqlite'}",
                                 "NEWSCRAWL_STATE_COMMIT_EVERY": 1, "NEWSCRAWL_REJECTS_URI": "", **settings})
    pipe = DedupePipeline.from_crawler(crawler)
    pipe.open_spider()
    return pipe


def test_nothing_is_committed_while_an_item_is_in_flight(tmp_path: Path) -> None:
    pipe = pipeline(tmp_path)
    first, second = article(1), article(2)
    pipe.process_item(first)
    pipe.process_item(second)
    pipe.item_scraped(first)  # enough items done, but the second one's feed lines may not be written yet
    assert committed(tmp_path / "state.sqlite") == set()
    pipe.item_scraped(second)
    assert committed(tmp_path / "state.sqlite") == {"1", "2"}
    pipe.close_spider()


def test_a_write_error_rolls_back_and_drops_what_follows(tmp_path: Path) -> None:
    pipe = pipeline(tmp_path)
    crawler = pipe.crawler
    item = article(1)
    pipe.process_item(item)
    write_failed(crawler, tmp_path / "feed.jsonl", OSError(errno.ENOSPC, "No space left on device"))
    write_failed(crawler, tmp_path / "feed.csv", OSError(errno.ENOSPC, "No space left on device"))
    pipe.item_scraped(item)
    with pytest.raises(DropItem):
        pipe.process_item(article(2))
    pipe.close_spider()
    assert committed(tmp_path / "state.sqlite") == set()
    failure = write_failure(crawler)
    assert failure is not None and failure.path.endswith("feed.jsonl")  # the first one is the one reported
    assert crawler.stats.get_value("newscrawl/write_errors") == 2
    assert crawler.stats.get_value("newscrawl/state/rolled_back") == 1


def test_a_failing_state_write_stops_the_crawl_naming_the_state_file(tmp_path: Path,
                                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    pipe = pipeline(tmp_path)
    assert pipe.store is not None

    def full(*args: object, **kwargs: object) -> None:
        raise sqlite3.OperationalError("database or disk is full")

    monkeypatch.setattr(pipe.store, "record", full)
    with pytest.raises(DropItem):
        pipe.process_item(article(1))
    failure = write_failure(pipe.crawler)
    assert failure is not None and failure.path == str(tmp_path / "state.sqlite")


def test_a_durable_file_reports_a_full_device_and_refuses_later_writes(tmp_path: Path) -> None:
    crawler = project_crawler()
    file = DurableFile("/dev/full", "ab", crawler)
    with pytest.raises(OSError) as full:
        file.write(b"x" * 10)
    assert full.value.errno == errno.ENOSPC
    with pytest.raises(OSError):
        file.write(b"y")  # nothing is appended behind a failed write
    assert write_failure(crawler) is not None and write_failure(crawler).path == "/dev/full"  # type: ignore[union-attr]
    assert sync_files(crawler) is False
    file.close()


def test_a_durable_file_writes_through_at_once(tmp_path: Path) -> None:
    path = tmp_path / "feed.jsonl"
    file = DurableFile(path, "ab")
    file.write(b'{"a": 1}\n')
    assert path.read_bytes() == b'{"a": 1}\n'  # no buffer: a kill -9 now loses nothing
    file.sync()
    file.close()


def test_trim_cut_line_keeps_complete_lines(tmp_path: Path) -> None:
    path = tmp_path / "feed.jsonl"
    path.write_bytes(b'{"a": 1}\n{"a": 2}\n{"a": ')
    assert trim_cut_line(path) is True
    assert path.read_bytes() == b'{"a": 1}\n{"a": 2}\n'
    assert trim_cut_line(path) is False
    path.write_bytes(b'{"cut')
    assert trim_cut_line(path) is True and path.read_bytes() == b""


@pytest.mark.parametrize("excel", [False, True])
def test_a_csv_rebuilt_from_the_jsonl_equals_the_live_export(tmp_path: Path, excel: bool) -> None:
    crawler = project_crawler(NEWSCRAWL_CSV_EXCEL=excel)
    items = [article(n) for n in range(1, 4)]
    live = io.BytesIO()
    exporter = CsvArticleExporter.from_crawler(crawler, live)  # type: ignore[arg-type]
    exporter.start_exporting()
    for item in items:
        exporter.export_item(item)
    exporter.finish_exporting()
    path = tmp_path / "feed.csv"
    path.write_bytes(b"garbage")
    records = [json.loads(json.dumps(export_dict(item), ensure_ascii=False)) for item in items]
    rebuild_csv(crawler, records, path, {})
    assert path.read_bytes() == live.getvalue()
    assert csv_keys(path) == ["x:1", "x:2", "x:3"]


def test_start_reconciles_a_killed_run(tmp_path: Path) -> None:
    """JSONL ahead of the CSV and of the state, its last line cut: CSV rebuilt, state completed, cut line gone."""
    out = tmp_path / "out"
    folder = out / "crawl"
    folder.mkdir(parents=True)
    crawler = project_crawler(NEWSCRAWL_OUTPUT_DIR=str(out), NEWSCRAWL_CSV=True)
    jsonl = folder / f"{crawl_date()}.jsonl"  # no spider: site "crawl", today's partition
    records = [export_dict(article(n)) for n in range(1, 4)]
    lines = [json.dumps(r, ensure_ascii=False).encode() + b"\n" for r in records]
    jsonl.write_bytes(b"".join(lines) + lines[0][:20])
    rebuild_csv(crawler, records[:2], jsonl.with_suffix(".csv"), {})
    pipe = pipeline(tmp_path, NEWSCRAWL_OUTPUT_DIR=str(out), NEWSCRAWL_CSV=True)
    pipe.close_spider()
    assert jsonl.read_bytes() == b"".join(lines)
    assert csv_keys(jsonl.with_suffix(".csv")) == ["x:1", "x:2", "x:3"]
    assert committed(tmp_path / "state.sqlite") == {"1", "2", "3"}
    stats = pipe.crawler.stats
    assert stats.get_value("newscrawl/state/reconciled_from_feeds") == 3
    assert stats.get_value("newscrawl/state/csv_rebuilt") == 1
    assert stats.get_value("newscrawl/state/feed_lines_truncated") == 1


def test_a_csv_cut_between_fields_or_before_its_row_end_is_not_whole(tmp_path: Path) -> None:
    """A CSV reader reads a row cut between two cells as a short row with the right id: that file
    must still count as cut, or the next run appends behind half a record."""
    from newscrawl.output.feeds import csv_keys

    path = tmp_path / "day.csv"
    path.write_bytes(b"url,article_id,title\r\nu1,a:1,t\r\nu2,a:2")
    assert csv_keys(path) is None
    path.write_bytes(b"url,article_id,title\r\nu1,a:1,t\r\nu2,a:2\r\n")
    assert csv_keys(path) is None
    path.write_bytes(b'url,article_id,title\r\nu1,a:1,"t\r\ncut')
    assert csv_keys(path) is None
    path.write_bytes(b"url,article_id,title\r\nu1,a:1,t\r\nu2,a:2,t\r\n")
    assert csv_keys(path) == ["a:1", "a:2"]
