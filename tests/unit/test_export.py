"""`scrapy export`: the store's items as JSON Lines, CSV and Parquet, read back as users read them.

The store is a real SQLite state filled with ``record`` + ``put_item`` (items made by
``export_dict(Article(...))``, the objects a crawl keeps); the command runs in-process through
``scrapy.cmdline.execute`` (the same parser and exit status as on the command line), and once
as a subprocess.
"""

from __future__ import annotations

import errno
import io
import json
import math
import os
import signal
import stat
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from scrapy import cmdline

from newscrawl.commands.export import Progress, terminate_as_interrupt, time_bounds
from newscrawl.files import atomic_file
from newscrawl.items import Article, article_field_names
from newscrawl.output import dataset
from newscrawl.output.dataset import (
    REJECT_FIELD,
    ParquetWriter,
    format_of,
    parquet_schema,
)
from newscrawl.output.exporters import JSON_FIELDS, export_dict
from newscrawl.parsing.dates import KST
from newscrawl.state.store import EXIT_BAD_STATE, SQLiteSeenStore

ROOT = Path(__file__).resolve().parents[2]
LIST_FIELDS = ("subtitles", "authors")


def article(article_id: str, published: datetime | None, title: str, revision: int = 1, **extra: Any) -> dict[str, Any]:
    site, key = article_id.split(":")
    return export_dict(Article(
        url=f"https://{site}.example.kr/news/articleView.html?idxno={key}", canonical_url=f"https://{site}.example.kr/{key}",
        article_id=article_id, site=site, site_name=f"{site} 일보", section="사회", title=title,
        subtitles=["부제 하나", "부제 둘"], authors=["김하늘", "이도윤"],
        bylines=[{"name": "김하늘", "desk": "사회부", "email": "sky@x.kr"}, {"name": "이도윤", "desk": None, "email": None}],
        published_at=published, published_at_raw=f"입력 {published:%Y.%m.%d %H:%M}" if published else None,
        body=f"{title}.\n\n둘째 문단, \"따옴표\"와 쉼표.", images=[{"url": f"https://{site}.example.kr/{key}.jpg", "caption": None}],
        language="ko", crawled_at=datetime(2024, 6, 2, 1, 2, 3, 456789, tzinfo=UTC),
        content_hash=f"{revision:064x}", revision=revision,
        previous_content_hash=f"{revision - 1:016x}" if revision > 1 else None,
        cluster_id=article_id, extractor={"title": "ndsoft", "body": "trafilatura"}, **extra))


#: (article_id, published_at, title, revision): alpha:1 is revised; alpha:2 is late on 31 May (Korea time),
#: alpha:3 just after midnight on 1 June, alpha:4 undated.
ARTICLES = [
    ("alpha:1", datetime(2024, 5, 1, 10, 0, tzinfo=KST), "=시청 예산 확정", 1),
    ("alpha:1", datetime(2024, 5, 1, 10, 0, tzinfo=KST), "시청 예산 확정 (수정)", 2),
    ("alpha:2", datetime(2024, 5, 31, 23, 30, tzinfo=KST), "오월 마지막 밤", 1),
    ("alpha:3", datetime(2024, 6, 1, 0, 10, tzinfo=KST), "유월 첫 소식", 1),
    ("alpha:4", None, "날짜 없는 기사", 1),
    ("beta:1", datetime(2024, 5, 15, 8, 0, tzinfo=KST), "베타 소식", 1),
]
REJECT_ID = "beta:7"


def reject() -> dict[str, Any]:
    record = article(REJECT_ID, datetime(2024, 5, 20, tzinfo=KST), "")
    record.update(body=None, title=None, revision=None)
    record[REJECT_FIELD] = "missing:title,missing:body"
    return record


def fill(path: Path) -> dict[tuple[str, int], dict[str, Any]]:
    """A state file holding :data:`ARTICLES` and one reject; the items put, by (id, revision)."""
    put: dict[tuple[str, int], dict[str, Any]] = {}
    with SQLiteSeenStore(path) as store, store.batch():
        for article_id, published, title, revision in ARTICLES:
            item = article(article_id, published, title, revision)
            store.record(article_id, content_hash=item["content_hash"], published_at=published)
            store.put_item(article_id, item, revision=revision)
            put[article_id, revision] = item
        store.record(REJECT_ID, published_at=datetime(2024, 5, 20, tzinfo=KST))
        store.put_item(REJECT_ID, reject(), revision=0, kind="reject")
        put[REJECT_ID, 0] = reject()
    return put


@pytest.fixture
def state(tmp_path: Path) -> Path:
    return tmp_path / "state.sqlite"


@pytest.fixture
def stored(state: Path) -> dict[tuple[str, int], dict[str, Any]]:
    return fill(state)


def latest(put: dict[tuple[str, int], dict[str, Any]]) -> list[dict[str, Any]]:
    """The items `--revisions latest` exports, in the store's order (site, date with undated last, article)."""
    return [put["alpha:1", 2], put["alpha:2", 1], put["alpha:3", 1], put["alpha:4", 1], put["beta:1", 1]]


class Run:
    def __init__(self, code: int, out: str, err: str) -> None:
        self.code, self.out, self.err = code, out, err


@pytest.fixture
def export(state: Path, capsys: pytest.CaptureFixture[str]) -> Iterator[Any]:
    """``scrapy export ARGS --uri <the test's state>`` in-process: exit status, stdout, stderr."""

    def run(*args: str, uri: str | None = None) -> Run:
        with pytest.raises(SystemExit) as exit_:
            cmdline.execute(["scrapy", "export", *args, "--uri", uri or f"sqlite:///{state}"])
        captured = capsys.readouterr()
        return Run(int(exit_.value.code or 0), captured.out, captured.err)

    cwd = os.getcwd()
    os.chdir(ROOT)  # scrapy finds the project from the working directory
    try:
        yield run
    finally:
        os.chdir(cwd)


def clean(value: Any) -> Any:
    """pandas' empties (NaN, NaT, None) as None, numpy arrays as lists, recursively."""
    if hasattr(value, "tolist") and not isinstance(value, (str, bytes)):
        value = value.tolist()
    if isinstance(value, list):
        return [clean(v) for v in value]
    if isinstance(value, dict):
        return {k: clean(v) for k, v in value.items()}
    if value is None or value is pd.NaT or (isinstance(value, float) and math.isnan(value)):
        return None
    return value


def as_times(item: dict[str, Any]) -> dict[str, Any]:
    """``item`` with its ISO times as datetimes (to compare with Parquet's instants)."""
    return {k: datetime.fromisoformat(v) if k in ("published_at", "modified_at", "crawled_at") and v else v
            for k, v in item.items()}


def from_csv_row(row: dict[str, str], separator: str = " | ") -> dict[str, Any]:
    """A CSV row back to the item: lists split, JSON cells parsed, '' as None, the formula quote removed."""
    item: dict[str, Any] = {}
    for name, cell in row.items():
        if name in LIST_FIELDS:
            item[name] = cell.split(separator) if cell else []
        elif name in JSON_FIELDS:
            item[name] = json.loads(cell)
        elif name == "revision":
            item[name] = int(cell) if cell else None
        else:
            item[name] = None if cell == "" else cell[1:] if cell.startswith("'=") else cell
    return item


# -- each format read back equals the store -----------------------------------------------------------
def test_jsonl_read_back_by_pandas_equals_the_items_put(export: Any, stored: dict, tmp_path: Path) -> None:
    out = tmp_path / "all.jsonl"
    run = export("-O", str(out))
    assert run.code == 0, run.err
    lines = out.read_text("utf-8").splitlines()
    expected = latest(stored)
    # The lines a feed writes: the crawl's key order, raw Korean, one object per line.
    assert lines == [json.dumps(item, ensure_ascii=False) for item in expected]
    assert all(list(json.loads(line)) == article_field_names() for line in lines)
    frame = pd.read_json(out, lines=True, dtype=False)
    assert list(frame.columns) == article_field_names()
    assert [clean(row) for row in frame.to_dict("records")] == expected
    assert "export: 5 articles (5 revisions), 0 rejects to" in run.err and "(jsonl, " in run.err


def test_csv_read_back_by_pandas_equals_the_items_put(export: Any, stored: dict, tmp_path: Path) -> None:
    out = tmp_path / "all.csv"
    run = export("-O", str(out))
    assert run.code == 0, run.err
    text = out.read_text("utf-8")
    assert text.count("url,canonical_url,article_id") == 1  # one header
    frame = pd.read_csv(out, dtype=str, keep_default_na=False)
    assert list(frame.columns) == article_field_names()
    rows = frame.to_dict("records")
    assert rows[0]["title"] == "시청 예산 확정 (수정)" and rows[0]["authors"] == "김하늘 | 이도윤"
    assert [from_csv_row(row) for row in rows] == latest(stored)


def test_parquet_read_back_by_pyarrow_and_pandas_equals_the_items_put(export: Any, stored: dict,
                                                                     tmp_path: Path) -> None:
    out = tmp_path / "all.parquet"
    run = export("-O", str(out))
    assert run.code == 0, run.err
    expected = latest(stored)
    table = pq.read_table(out)
    assert table.schema.field("published_at").type == pa.timestamp("us", tz="UTC")
    assert table.schema.field("authors").type == pa.list_(pa.string())
    assert table.schema.field("bylines").type == pa.list_(pa.struct(
        [("name", pa.string()), ("desk", pa.string()), ("email", pa.string())]))
    assert table.schema.field("images").type == pa.list_(pa.struct([("url", pa.string()), ("caption", pa.string())]))
    assert table.schema.field("extractor").type == pa.map_(pa.string(), pa.string())
    assert table.schema.field("revision").type == pa.int64()
    assert table.schema.names == article_field_names()
    rows = table.to_pylist(maps_as_pydicts="strict")
    assert rows == [as_times(item) for item in expected]
    assert rows[0]["published_at"] == datetime(2024, 5, 1, 1, 0, tzinfo=UTC)  # 10:00 Korea time, as UTC
    frame = pd.read_parquet(out, to_pandas_kwargs={"maps_as_pydicts": "strict"})
    assert str(frame["published_at"].dtype) == "datetime64[us, UTC]"  # time-zone aware
    assert frame["published_at"].dt.tz_convert("Asia/Seoul").iloc[1].isoformat() == "2024-05-31T23:30:00+09:00"
    assert [clean(row) for row in frame.to_dict("records")] == [clean(as_times(item)) for item in expected]
    metadata = pq.read_metadata(out)
    assert metadata.row_group(0).column(0).compression == "ZSTD"
    assert b"newscrawl.version" in metadata.metadata


def test_parquet_is_written_in_row_groups(tmp_path: Path) -> None:
    path = tmp_path / "groups.parquet"
    with path.open("wb") as fh:
        writer = ParquetWriter(fh, batch_rows=2)
        for n in range(5):
            writer.write(article(f"alpha:{n + 1}", datetime(2024, 5, 1, tzinfo=KST), f"기사 {n}"))
            assert len(writer.rows) <= 2  # never more than one batch held
        writer.close()
    assert pq.ParquetFile(path).metadata.num_row_groups == 3
    assert pq.read_table(path).num_rows == 5
    with path.open("wb") as fh:  # long bodies close a row group before the row count does
        writer = ParquetWriter(fh, batch_rows=100, batch_chars=70)
        for n in range(5):
            writer.write(article(f"alpha:{n + 1}", None, "가" * 40))
        writer.close()
    assert [pq.ParquetFile(path).metadata.row_group(g).num_rows for g in range(3)] == [2, 2, 1]


def test_parquet_schema_follows_the_json_schema_and_rejects_what_it_cannot_type() -> None:
    schema = parquet_schema(include_rejects=True)
    assert schema.names == [*article_field_names(), REJECT_FIELD]
    assert schema.field("title").metadata == {b"description": b"Headline."}
    with pytest.raises(ValueError, match="no Parquet type"):
        dataset._json_type("x", {"type": ["string", "integer", "null"]})


def test_parquet_refuses_a_time_without_offset(tmp_path: Path) -> None:
    item = article("alpha:1", None, "제목") | {"published_at": "2024-05-01T10:00:00"}
    with (tmp_path / "x.parquet").open("wb") as fh:
        writer = ParquetWriter(fh)
        with pytest.raises(ValueError, match="'alpha:1': published_at='2024-05-01T10:00:00' is not an ISO 8601"):
            writer.write(item)
        writer.abort()


def test_stdout_gets_jsonl_or_csv(export: Any, stored: dict) -> None:
    run = export("-O", "-")
    assert run.code == 0, run.err
    assert [json.loads(line) for line in run.out.splitlines()] == latest(stored)
    assert "to stdout (jsonl)" in run.err
    run = export("-O", "-", "-t", "csv", "--site", "beta")
    assert run.code == 0, run.err
    assert pd.read_csv(io.StringIO(run.out), dtype=str, keep_default_na=False)["article_id"].tolist() == ["beta:1"]


def test_excel_csv_has_a_bom_and_one_header(export: Any, stored: dict, tmp_path: Path) -> None:
    out = tmp_path / "excel.csv"
    assert export("-O", str(out), "-s", "NEWSCRAWL_CSV_EXCEL=true").code == 0
    raw = out.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbfurl,") and raw.count(b"\xef\xbb\xbf") == 1
    assert pd.read_csv(out, encoding="utf-8-sig", dtype=str).shape[0] == 5


def test_an_empty_selection_is_still_a_readable_file(export: Any, stored: dict, tmp_path: Path) -> None:
    for name in ("empty.csv", "empty.parquet", "empty.jsonl"):
        run = export("-O", str(tmp_path / name), "--since", "2030-01-01")
        assert run.code == 0, run.err
        assert "nothing matched" in run.err
    assert list(pd.read_csv(tmp_path / "empty.csv").columns) == article_field_names()
    assert pq.read_table(tmp_path / "empty.parquet").num_rows == 0
    assert (tmp_path / "empty.jsonl").read_bytes() == b""


# -- filters ------------------------------------------------------------------------------------------
def ids(run: Run) -> list[tuple[str, Any]]:
    return [(r["article_id"], r["revision"]) for r in map(json.loads, run.out.splitlines())]


def test_site_filter_repeatable_and_comma_separated(export: Any, stored: dict) -> None:
    assert ids(export("-O", "-", "--site", "beta")) == [("beta:1", 1)]
    both = ids(export("-O", "-", "--site", "beta", "--site", "alpha"))
    assert both == ids(export("-O", "-", "--site", "alpha,beta")) == ids(export("-O", "-"))
    assert len(both) == 5


def test_since_until_in_korea_time_and_until_means_the_whole_day(export: Any, stored: dict) -> None:
    # 31 May 23:30 Korea time is in; 1 June 00:10 is out; undated articles are left out.
    assert ids(export("-O", "-", "--since", "2024-05-15", "--until", "2024-05-31")) == [("alpha:2", 1), ("beta:1", 1)]
    assert ids(export("-O", "-", "--until", "2024-05-31T23:00:00")) == [("alpha:1", 2), ("beta:1", 1)]
    assert ids(export("-O", "-", "--since", "2024-06-01")) == [("alpha:3", 1)]
    # With an offset the bound is that instant: 2024-05-31T15:05Z is 1 June 00:05 Korea time.
    assert ids(export("-O", "-", "--since", "2024-05-31T15:05:00+00:00", "--site", "alpha")) == [("alpha:3", 1)]


def test_until_bounds_match_the_spiders() -> None:
    start, end = time_bounds("2024-05-01", "2024-05-31")
    assert start == datetime(2024, 5, 1, tzinfo=KST)
    assert end == datetime(2024, 5, 31, 23, 59, 59, tzinfo=KST)


def test_revisions_all_gives_every_revision_latest_the_newest(export: Any, stored: dict) -> None:
    latest_run = export("-O", "-", "--site", "alpha")
    assert ids(latest_run)[0] == ("alpha:1", 2)
    assert json.loads(latest_run.out.splitlines()[0])["title"] == "시청 예산 확정 (수정)"
    every = export("-O", "-", "--site", "alpha", "--revisions", "all")
    assert ids(every) == [("alpha:1", 1), ("alpha:1", 2), ("alpha:2", 1), ("alpha:3", 1), ("alpha:4", 1)]
    assert [json.loads(line) for line in every.out.splitlines()][:2] == [stored["alpha:1", 1], stored["alpha:1", 2]]
    assert "export: 4 articles (5 revisions), 0 rejects" in every.err


def test_include_rejects_adds_them_with_their_reason(export: Any, stored: dict, tmp_path: Path) -> None:
    run = export("-O", "-", "--site", "beta", "--include-rejects")
    records = [json.loads(line) for line in run.out.splitlines()]
    assert [r["article_id"] for r in records] == ["beta:1", REJECT_ID]
    assert REJECT_FIELD not in records[0]
    assert records[1] == stored[REJECT_ID, 0] and list(records[1])[-1] == REJECT_FIELD  # as in the rejects file
    assert "1 article (1 revision), 1 reject" in run.err
    assert REJECT_ID not in export("-O", "-").out
    csv_out, pq_out = tmp_path / "r.csv", tmp_path / "r.parquet"
    assert export("-O", str(csv_out), "--include-rejects").code == 0
    frame = pd.read_csv(csv_out, dtype=str, keep_default_na=False)
    assert list(frame.columns) == [*article_field_names(), REJECT_FIELD]
    assert frame[REJECT_FIELD].tolist() == ["", "", "", "", "", "missing:title,missing:body"]
    assert export("-O", str(pq_out), "--include-rejects").code == 0
    table = pq.read_table(pq_out)
    assert table.column(REJECT_FIELD).to_pylist() == [None] * 5 + ["missing:title,missing:body"]


# -- bad input: one line, nothing written -------------------------------------------------------------
@pytest.mark.parametrize(("args", "message"), [
    (["--since", "2024-13-01"], "--since='2024-13-01' is not a date: use YYYY-MM-DD or an ISO 8601 datetime"),
    (["--until", "yesterday"], "--until='yesterday' is not a date"),
    (["--since", "2024-06-01", "--until", "2024-05-01"], "--since 2024-06-01 is after --until 2024-05-01"),
    (["-t", "xml"], "unknown format 'xml': use jsonl, csv, parquet"),
    (["--revisions", "some"], "invalid choice: 'some'"),
    (["--site", "gamma,alpha"], "unknown site 'gamma': the store knows alpha, beta"),
])
def test_bad_arguments_are_one_line(export: Any, stored: dict, tmp_path: Path, args: list[str], message: str) -> None:
    out = tmp_path / "out.jsonl"
    run = export("-O", str(out), *args)
    assert run.code == 2
    assert message in run.err and "Traceback" not in run.err
    assert not out.exists()


@pytest.mark.parametrize(("target", "message"), [
    ("all.json", "cannot tell the format of 'all.json' from .json (JSON arrays are not written: use .jsonl)"),
    ("all.txt", "end it in .jsonl, .jsonlines, .csv, .parquet, or give -t jsonl|csv|parquet"),
    ("-", None),
])
def test_format_from_the_name(target: str, message: str | None) -> None:
    if message is None:
        assert format_of(target) == "jsonl"
        with pytest.raises(ValueError, match="Parquet cannot be written to stdout"):
            format_of(target, "parquet")
        return
    with pytest.raises(ValueError) as error:
        format_of(target)
    assert message in str(error.value)
    assert format_of(target, "CSV") == "csv"


def test_no_output_or_append_is_a_usage_error(export: Any, stored: dict, tmp_path: Path) -> None:
    assert "give the file to write: -O all.jsonl" in export().err
    run = export("-o", str(tmp_path / "a.jsonl"))
    assert run.code == 2 and "use -O FILE" in run.err


def test_missing_store_is_one_line_and_creates_nothing(export: Any, tmp_path: Path) -> None:
    missing = tmp_path / "nowhere" / "state.sqlite"
    out = tmp_path / "all.jsonl"
    run = export("-O", str(out), uri=f"sqlite:///{missing}")
    assert run.code == 1
    assert run.err.strip() == (f"export: state file {missing} does not exist: nothing to export (a crawl creates it; "
                               "or `scrapy state rebuild --from OUTPUT_DIR`)")
    assert not missing.exists() and not missing.parent.exists() and not out.exists()
    assert "keeps nothing between runs" in export("-O", str(out), uri="memory://").err


def test_untrusted_state_exits_65_with_the_state_error(export: Any, state: Path, tmp_path: Path) -> None:
    state.write_bytes(b"this is not a database" * 10)
    out = tmp_path / "all.jsonl"
    run = export("-O", str(out))
    assert run.code == EXIT_BAD_STATE
    lines = run.err.strip().splitlines()
    assert len(lines) == 1 and f"state file {state} is not an SQLite database" in lines[0]
    assert not out.exists()


def test_the_state_file_is_not_a_target(export: Any, stored: dict, state: Path) -> None:
    before = state.read_bytes()
    run = export("-O", str(state), "-t", "jsonl")
    assert run.code == 2 and "is the state file itself" in run.err
    assert state.read_bytes() == before


# -- atomic replace -----------------------------------------------------------------------------------
def test_a_failure_mid_write_leaves_the_old_file_intact(export: Any, stored: dict, tmp_path: Path,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    out = tmp_path / "all.parquet"
    assert export("-O", str(out)).code == 0
    old = out.read_bytes()
    written = []

    def failing_write(self: dataset.ParquetWriter, item: dict[str, Any]) -> None:
        written.append(item)
        if len(written) == 3:
            raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(dataset.ParquetWriter, "write", failing_write)
    run = export("-O", str(out))
    assert run.code == 74
    assert run.err.strip() == (f"export: cannot write {out}: [Errno 28] No space left on device; "
                               "the previous file is left as it was")
    assert out.read_bytes() == old
    assert sorted(p.name for p in tmp_path.iterdir()) == ["all.parquet", "state.sqlite"]  # no temporary file left


def test_an_existing_file_is_replaced_whole_keeping_its_permissions(export: Any, stored: dict, tmp_path: Path) -> None:
    out = tmp_path / "all.jsonl"
    out.write_text("an old line\n" * 1000, "utf-8")
    out.chmod(0o640)
    assert export("-O", str(out), "--site", "beta").code == 0
    assert [json.loads(line)["article_id"] for line in out.read_text("utf-8").splitlines()] == ["beta:1"]
    assert stat.S_IMODE(out.stat().st_mode) == 0o640


def test_atomic_file_removes_its_temporary_file_on_interrupt(tmp_path: Path) -> None:
    target = tmp_path / "sub" / "x.csv"
    with pytest.raises(KeyboardInterrupt), atomic_file(target) as fh:
        fh.write(b"half")
        raise KeyboardInterrupt
    assert not target.exists() and list(target.parent.iterdir()) == []
    with atomic_file(target) as fh:
        fh.write(b"whole")
    assert target.read_bytes() == b"whole"
    with pytest.raises(IsADirectoryError):
        with atomic_file(tmp_path):
            pass


def test_sigterm_unwinds_like_ctrl_c_so_the_temporary_file_goes(tmp_path: Path) -> None:
    target = tmp_path / "x.jsonl"
    before = signal.getsignal(signal.SIGTERM)
    with pytest.raises(KeyboardInterrupt), terminate_as_interrupt(), atomic_file(target) as fh:
        fh.write(b"half")
        os.kill(os.getpid(), signal.SIGTERM)
    assert list(tmp_path.iterdir()) == []
    assert signal.getsignal(signal.SIGTERM) is before


# -- progress -----------------------------------------------------------------------------------------
class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


class Stream(io.StringIO):
    def __init__(self, tty: bool) -> None:
        super().__init__()
        self.tty = tty

    def isatty(self) -> bool:
        return self.tty


def test_progress_lines_in_a_log_and_a_bar_on_a_terminal() -> None:
    clock, log = Clock(), Stream(tty=False)
    progress = Progress(100_000, log, clock)
    clock.now = 5.0
    progress(20_000)
    assert log.getvalue() == ""  # a line every 10 s in a log
    clock.now = 10.0
    progress(40_000)
    assert log.getvalue() == "export: 40,000/100,000 items  40%, 4,000/s, ETA 0:15\n"
    clock, tty = Clock(), Stream(tty=True)
    bar = Progress(1_000, tty, clock)
    clock.now = 1.0
    bar(500)
    assert tty.getvalue() == "\r\x1b[K[###############...............] 500/1,000 items  50%, 500/s, ETA 0:01"
    bar.finish()
    assert tty.getvalue().endswith("\r\x1b[K")


# -- the command line itself --------------------------------------------------------------------------
def test_scrapy_export_subprocess(stored: dict, state: Path, tmp_path: Path) -> None:
    out = tmp_path / "all.parquet"
    proc = subprocess.run([sys.executable, "-m", "scrapy", "export", "-O", str(out), "--uri", f"sqlite:///{state}",
                           "--revisions", "all", "--include-rejects"],
                          cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == ""
    assert proc.stderr.startswith("export: 5 articles (6 revisions), 1 reject to ")
    assert pq.read_table(out).num_rows == 7


def test_the_readme_duckdb_recipes(export: Any, stored: dict, tmp_path: Path) -> None:
    """DuckDB is not a project dependency: this runs where it is installed (``pip install duckdb``)."""
    duckdb = pytest.importorskip("duckdb")
    for name in ("all.parquet", "all.jsonl"):
        assert export("-O", str(tmp_path / name)).code == 0
    con = duckdb.connect()
    con.execute("SET TimeZone = 'UTC'")
    os.chdir(tmp_path)
    rows = con.execute("SELECT site, count(*) AS articles, max(published_at) AS latest FROM 'all.parquet' "
                       "GROUP BY site ORDER BY site").fetchall()
    assert [(site, n) for site, n, _ in rows] == [("alpha", 4), ("beta", 1)]
    assert rows[0][2] == datetime(2024, 5, 31, 15, 10, tzinfo=UTC)  # 1 June 00:10 Korea time, aware
    first = con.execute("SELECT title, authors[1], bylines[1].desk, extractor['title'] FROM 'all.parquet' "
                        "WHERE article_id = 'alpha:1'").fetchone()
    assert first == ("시청 예산 확정 (수정)", "김하늘", "사회부", "ndsoft")
    days = con.execute("SELECT strftime(published_at AT TIME ZONE 'Asia/Seoul', '%Y-%m-%d') AS day, count(*) "
                       "FROM 'all.parquet' WHERE published_at IS NOT NULL GROUP BY day ORDER BY day").fetchall()
    assert days == [("2024-05-01", 1), ("2024-05-15", 1), ("2024-05-31", 1), ("2024-06-01", 1)]
    assert con.execute("SELECT count(*), min(title) FROM read_json_auto('all.jsonl') WHERE site = 'beta'"
                       ).fetchone() == (1, "베타 소식")


def test_export_runs_beside_a_crawl_holding_a_write_transaction(stored: dict, state: Path, tmp_path: Path) -> None:
    """A crawl keeps a state transaction open across NEWSCRAWL_STATE_COMMIT_EVERY items: export only reads
    (it waited 10 s for the write lock and ended in a traceback)."""
    writer = SQLiteSeenStore(state)
    out = tmp_path / "all.jsonl"
    try:
        with writer.batch():
            writer.set_meta("crawl", "running")  # the write lock is held from here
            started = time.monotonic()
            proc = subprocess.run([sys.executable, "-m", "scrapy", "export", "-O", str(out), "--uri",
                                   f"sqlite:///{state}"], cwd=ROOT, capture_output=True, text=True, timeout=120)
            assert proc.returncode == 0, proc.stderr
            assert time.monotonic() - started < 9  # never waited for the busy timeout
    finally:
        writer.close()
    assert len(out.read_text("utf-8").splitlines()) == 5
