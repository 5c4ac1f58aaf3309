"""The dashboard's data (issue 10 item 7): run reports read, store aggregated, page escaped.

Synthetic run reports written here (shaped like ``newscrawl/extensions/report.py`` writes
them) and a real in-memory store filled through ``record`` + ``put_item``.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from newscrawl.dashboard import charts
from newscrawl.dashboard.data import (
    FAILED,
    MISSING,
    PASSED,
    SKIPPED,
    Dashboard,
    check_names,
    parse_run,
    read_runs,
    reject_reasons,
    summarise_store,
    window_start,
)
from newscrawl.dashboard.page import SECTIONS, render
from newscrawl.parsing.dates import KST
from newscrawl.state.store import SeenStore, open_store


def report(site: str, started: str, *, seconds: float = 60.0, exit_status: int = 0, exported: int = 10,
           rejected: dict[str, int] | None = None, checks: list[dict[str, Any]] | None = None,
           version: str = "0.1.0") -> dict[str, Any]:
    begin = datetime.fromisoformat(started)
    return {"spider": site, "site": site, "started_at": begin.isoformat(),
            "finished_at": (begin + timedelta(seconds=seconds)).isoformat(), "duration_seconds": seconds,
            "finish_reason": "finished", "exit_status": exit_status,
            "counts": {"exported": exported, "rejected": sum((rejected or {}).values()),
                       "rejected_by_reason": rejected or {}},
            "health": {"checks": checks or []}, "versions": {"newscrawl": version}}


def write(folder: Path, name: str, data: Any) -> Path:
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(data if isinstance(data, str) else json.dumps(data), "utf-8")
    return path


# -- run reports ---------------------------------------------------------------------------------------
def test_run_reports_are_read_recursively_oldest_first_and_bad_files_are_named(tmp_path: Path) -> None:
    runs = tmp_path / "runs"
    write(runs, "b/2026-11-02T00-00-00.json", report("b", "2026-11-02T00:00:00+00:00", seconds=90, exit_status=3))
    write(runs, "a/2026-11-01T00-00-00.json", report("a", "2026-11-01T00:00:00+00:00"))
    cut = write(runs, "a/2026-11-03T00-00-00.json", '{"site": "a", "started_at": "2026-11-0')
    other = write(runs, "a/notes.json", {"hello": "world"})
    listed = write(runs, "a/list.json", [1, 2])
    write(runs, "a/2026-11-04.txt", "not json, not *.json: ignored")

    read = read_runs([runs, tmp_path / "nowhere"])

    assert [(r.site, r.duration_seconds, r.exit_status) for r in read.runs] == [("a", 60.0, 0), ("b", 90.0, 3)]
    assert read.missing == (tmp_path / "nowhere",)
    reasons = {s.path: s.reason for s in read.skipped}
    assert set(reasons) == {cut, other, listed}
    assert reasons[cut].startswith("not JSON") and "no started_at" in reasons[other]
    assert reasons[listed] == "not a JSON object"


def test_since_keeps_runs_started_from_then_on(tmp_path: Path) -> None:
    write(tmp_path, "1.json", report("a", "2026-11-01T10:00:00+00:00"))
    write(tmp_path, "2.json", report("a", "2026-11-05T10:00:00+00:00"))
    read = read_runs([tmp_path], since=datetime(2026, 11, 3, tzinfo=KST))
    assert [r.started_at.day for r in read.runs] == [5]


def test_a_report_missing_optional_blocks_still_reads() -> None:
    """An older or partial report: no counts, no health, no versions, no duration (computed from the times)."""
    run = parse_run(Path("x.json"), {"site": "a", "started_at": "2026-11-01T00:00:00+00:00",
                                     "finished_at": "2026-11-01T00:02:00+00:00"})
    assert (run.duration_seconds, run.exit_status, run.exported, run.checks, run.version) == (120.0, None, 0, (), None)


def test_reject_reasons_are_summed_over_runs_and_ranked(tmp_path: Path) -> None:
    write(tmp_path, "1.json", report("a", "2026-11-01T00:00:00+00:00",
                                     rejected={"body_too_short": 2, "missing:title": 1, "zero": 0}))
    write(tmp_path, "2.json", report("b", "2026-11-02T00:00:00+00:00", rejected={"body_too_short": 3}))
    write(tmp_path, "3.json", report("a", "2026-11-03T00:00:00+00:00", rejected={"missing:published_at": 4}))
    ranked = reject_reasons(read_runs([tmp_path]).runs)
    assert [(r.reason, r.total, dict(r.by_site)) for r in ranked] == [
        ("body_too_short", 5, {"a": 2, "b": 3}), ("missing:published_at", 4, {"a": 4}), ("missing:title", 1, {"a": 1})]
    assert [r.reason for r in reject_reasons(read_runs([tmp_path]).runs, limit=1)] == ["body_too_short"]


def test_a_check_failed_for_one_site_of_a_run_fails_that_run(tmp_path: Path) -> None:
    checks = [{"name": "coverage:authors", "status": PASSED, "site": "a"},
              {"name": "coverage:authors", "status": FAILED, "site": "b"},
              {"name": "reject_rate", "status": SKIPPED}, {"name": "finish_reason", "status": PASSED}]
    write(tmp_path, "1.json", report("a", "2026-11-01T00:00:00+00:00", checks=checks))
    (run,) = read_runs([tmp_path]).runs
    assert [run.check_status(n) for n in ("coverage:authors", "reject_rate", "finish_reason", "lost_rate")] == [
        FAILED, SKIPPED, PASSED, MISSING]
    assert check_names([run]) == ["finish_reason", "reject_rate", "coverage:authors"]
    assert run.failed_checks == ["coverage:authors"]


def test_window_start_days_counts_today_in_korea_time() -> None:
    now = datetime(2026, 11, 30, 16, 0, tzinfo=UTC)  # 2026-12-01 01:00 KST
    assert window_start(days=1, now=now) == datetime(2026, 12, 1, tzinfo=KST)
    assert window_start(days=7, now=now) == datetime(2026, 11, 25, tzinfo=KST)
    assert window_start() is None


# -- the store -----------------------------------------------------------------------------------------
def put(store: SeenStore, article_id: str, published: datetime | None, cluster: str | None = None,
        revision: int = 1, **fields: Any) -> None:
    site = article_id.split(":")[0]
    item = {"article_id": article_id, "site": site, "url": f"https://{site}.example/{article_id}",
            "title": f"title of {article_id}", "published_at": published.isoformat() if published else None,
            "authors": ["기자"], "body": "본문", "images": [], "cluster_id": cluster or article_id, **fields}
    store.record(article_id, url=item["url"], published_at=published)
    store.put_item(article_id, item, revision=revision)


@pytest.fixture
def store() -> Iterator[SeenStore]:
    s = open_store("memory://")
    yield s
    s.close()


def test_articles_are_counted_per_outlet_and_korean_day(store: SeenStore) -> None:
    put(store, "a:1", datetime(2026, 11, 30, 14, 59, tzinfo=UTC))  # 23:59 KST on the 30th
    put(store, "a:2", datetime(2026, 11, 30, 15, 0, tzinfo=UTC))   # 00:00 KST on December 1st
    put(store, "a:3", datetime(2026, 12, 1, 2, 0, tzinfo=KST))
    put(store, "b:1", datetime(2026, 12, 3, 9, 0, tzinfo=KST))
    put(store, "b:2", None)
    put(store, "a:2", datetime(2026, 11, 30, 15, 0, tzinfo=UTC), revision=2)  # a revision is one article
    summary = summarise_store(store)
    assert summary.articles == 5
    assert dict(summary.per_day) == {("a", date(2026, 11, 30)): 1, ("a", date(2026, 12, 1)): 2,
                                     ("b", date(2026, 12, 3)): 1}
    assert dict(summary.undated) == {"b": 1}
    assert summary.days() == [date(2026, 11, 30) + timedelta(days=n) for n in range(4)]  # the gap day included


def test_field_coverage_counts_only_fields_that_hold_something(store: SeenStore) -> None:
    day = datetime(2026, 11, 30, 9, tzinfo=KST)
    put(store, "a:1", day, section="사회", images=[{"src": "x"}])
    put(store, "a:2", day, section="  ", authors=[], title="")
    put(store, "a:3", day, section=None)
    put(store, "a:4", day, section="경제", body=None, site_name="가 신문")
    cov = summarise_store(store).coverage["a"]
    assert cov.items == 4
    assert (cov.share("section"), cov.share("images"), cov.share("authors"), cov.share("title"),
            cov.share("body"), cov.share("modified_at")) == (0.5, 0.25, 0.75, 0.75, 0.75, 0.0)
    assert summarise_store(store).site_names == {"a": "가 신문"}


def test_clusters_across_outlets_only_biggest_first(store: SeenStore) -> None:
    day = datetime(2026, 11, 20, 9, tzinfo=KST)
    # A press release first seen at a:1, copied by b and c: three outlets.
    put(store, "a:1", day)
    put(store, "b:7", day + timedelta(hours=1), cluster="a:1")
    put(store, "c:3", day + timedelta(hours=2), cluster="a:1")
    # Two outlets: b:8 first, a:9 copy (the first sorts after its copy in the store's order).
    put(store, "b:8", day)
    put(store, "a:9", day, cluster="b:8")
    # A re-post inside one outlet is not across outlets.
    put(store, "c:4", day)
    put(store, "c:5", day, cluster="c:4")
    clusters = summarise_store(store).clusters
    assert [(c.cluster_id, c.sites, [m.article_id for m in c.members]) for c in clusters] == [
        ("a:1", ["a", "b", "c"], ["a:1", "b:7", "c:3"]),
        ("b:8", ["a", "b"], ["b:8", "a:9"]),
    ]
    assert clusters[0].title == "title of a:1"


def test_a_cluster_whose_first_article_is_before_the_window_keeps_it(store: SeenStore) -> None:
    put(store, "a:1", datetime(2026, 10, 1, tzinfo=KST))
    put(store, "b:1", datetime(2026, 11, 20, tzinfo=KST), cluster="a:1")
    summary = summarise_store(store, since=datetime(2026, 11, 1, tzinfo=KST))
    assert summary.articles == 1
    assert [[m.article_id for m in c.members] for c in summary.clusters] == [["a:1", "b:1"]]


def test_rejects_are_not_articles(store: SeenStore) -> None:
    store.record("a:1", url="https://a.example/1")
    store.put_item("a:1", {"article_id": "a:1", "site": "a", "title": None, "reject_reason": "missing:title"},
                   revision=0, kind="reject")
    assert summarise_store(store).articles == 0


# -- the page ------------------------------------------------------------------------------------------
def dashboard(tmp_path: Path, store: SeenStore | None) -> Dashboard:
    return Dashboard(runs=read_runs([tmp_path]), store=summarise_store(store) if store is not None else None,
                     state="memory://", notes=(), since=None, generated_at=datetime(2026, 12, 1, tzinfo=UTC),
                     version="9.9.9")


def test_text_from_the_web_is_escaped_and_only_http_links_are_links(tmp_path: Path, store: SeenStore) -> None:
    evil = '<script>alert("x")</script><img src=x onerror=alert(1)>'
    day = datetime(2026, 11, 20, 9, tzinfo=KST)
    put(store, "a:1", day, title=evil, site_name=evil, url="javascript:alert(1)", canonical_url="javascript:alert(1)")
    put(store, "b:1", day, cluster="a:1", canonical_url='https://b.example/1?x="><script>')
    write(tmp_path, "1.json", report("a", "2026-11-20T00:00:00+00:00", rejected={evil: 1},
                                     checks=[{"name": "finish_reason", "status": FAILED, "message": evil}]))
    page = render(dashboard(tmp_path, store))
    assert "<script" not in page and "<img" not in page and "onerror=alert(1)>" not in page
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in page
    assert 'href="javascript:' not in page
    assert 'href="https://b.example/1?x=&quot;&gt;&lt;script&gt;"' in page


def test_every_chart_section_has_one_svg_and_ids_are_unique(tmp_path: Path, store: SeenStore) -> None:
    day = datetime(2026, 11, 20, 9, tzinfo=KST)
    put(store, "a:1", day, site_name="가 신문")
    put(store, "b:1", day + timedelta(days=2), cluster="a:1")
    write(tmp_path, "1.json", report("a", "2026-11-20T00:00:00+00:00", rejected={"body_too_short": 1},
                                     checks=[{"name": "finish_reason", "status": PASSED}]))
    page = render(dashboard(tmp_path, store))
    for key, _heading in SECTIONS:
        section = re.search(rf'<section class="chart" id="{key}">(.*?)</section>', page, re.S)
        assert section, key
        assert section.group(1).count("<svg ") == 1, key
        assert re.search(r"<(path|rect)\b", section.group(1)), key
    ids = re.findall(r'\bid="([^"]+)"', page)
    assert len(ids) == len(set(ids))
    refs = set(re.findall(r'(?:href="#|url\(#)([^")]+)', page))
    assert refs <= set(ids)  # every glyph and clip path reference resolves inside the page
    assert "<?xml" not in page and "<!DOCTYPE svg" not in page and "9.9.9" in page


def test_no_runs_and_no_store_says_so(tmp_path: Path) -> None:
    page = render(dashboard(tmp_path, None))
    assert "No runs yet" in page and "<svg" not in page
    assert page.count('<section class="chart"') == len(SECTIONS)


def test_charts_fall_back_to_slugs_without_a_korean_font(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(charts, "cjk_font", lambda: None)
    assert charts.drawable("뉴스21 통신 (news21tongsin)", "news21tongsin") == "news21tongsin"
    assert charts.drawable("body_too_short", "?") == "body_too_short"
    assert charts._style()["font.family"] == ["DejaVu Sans"]


def test_cluster_members_show_their_korea_day(tmp_path: Path, store: SeenStore) -> None:
    """An article published at 00:30 KST (the previous day in UTC) is listed under its Korea day, as in the charts."""
    early = datetime(2026, 11, 21, 0, 30, tzinfo=KST)
    put(store, "a:1", early, title="새벽 기사")
    put(store, "b:1", early, cluster="a:1")
    page = render(dashboard(tmp_path, store))
    assert "2026-11-21</small>" in page and "2026-11-20</small>" not in page
