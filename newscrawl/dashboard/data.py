"""What the dashboard shows, from the run reports and the state store (no plotting here).

Run reports (:mod:`newscrawl.extensions.report`): every ``*.json`` under the runs folders,
recursively. A file that is not JSON, or JSON that is not a run report (no ``started_at``),
is skipped and named in :attr:`RunsRead.skipped`; the page counts them.

The store: its ``items()`` (latest revision of each exported article) give articles per day
per outlet (publication day in Korea time), field coverage per outlet and the near-duplicate
clusters whose members come from more than one outlet (items sharing a ``cluster_id``; the
cluster's first article is looked up with ``latest_item`` when the window leaves it out).
"""

from __future__ import annotations

import json
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import attrs

from newscrawl.parsing.dates import KST
from newscrawl.state.store import SeenStore, StoredItem

#: Fields whose coverage (share of stored articles with a non-empty value) the page shows per outlet.
COVERAGE_FIELDS: tuple[str, ...] = ("title", "published_at", "modified_at", "authors", "section", "body",
                                    "images", "canonical_url")
#: Health checks in the order the page lists them; others (``coverage:<field>``) follow, sorted.
CHECK_ORDER: tuple[str, ...] = ("finish_reason", "http_error_rate", "lost_rate", "reject_rate")
PASSED, FAILED, SKIPPED, MISSING = "passed", "failed", "skipped", "missing"
#: A run report is a few kilobytes; a bigger ``*.json`` in the runs folder is not one.
MAX_REPORT_BYTES = 5_000_000


# -- run reports ---------------------------------------------------------------------------------------
@attrs.frozen
class CheckResult:
    """One health check of one run (a multi-site run has one ``coverage:<field>`` per site)."""

    name: str
    status: str
    value: Any = None
    limit: Any = None
    site: str | None = None
    message: str = ""


@attrs.frozen
class Run:
    """The part of one run report the page shows."""

    path: Path
    site: str
    spider: str | None
    started_at: datetime
    finished_at: datetime | None
    duration_seconds: float | None
    exit_status: int | None
    finish_reason: str | None
    exported: int
    rejected: int
    rejected_by_reason: Mapping[str, int]
    checks: tuple[CheckResult, ...]
    version: str | None

    @property
    def failed_checks(self) -> list[str]:
        return sorted({c.name for c in self.checks if c.status == FAILED})

    def check_status(self, name: str) -> str:
        """The worst status of check ``name`` in this run (failed > passed > skipped), else ``missing``."""
        statuses = {c.status for c in self.checks if c.name == name}
        for status in (FAILED, PASSED, SKIPPED):
            if status in statuses:
                return status
        return MISSING


@attrs.frozen
class Skipped:
    path: Path
    reason: str


@attrs.frozen
class RunsRead:
    """The run reports found under ``folders`` (oldest first), those skipped, folders that do not exist."""

    runs: tuple[Run, ...]
    skipped: tuple[Skipped, ...]
    folders: tuple[Path, ...]
    missing: tuple[Path, ...]


def _time(value: Any, name: str) -> datetime:
    if not isinstance(value, str):
        raise ValueError(f"{name} is not a time")
    moment = datetime.fromisoformat(value)
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _int(value: Any) -> int:
    return int(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else 0


def parse_run(path: Path, data: Any) -> Run:
    """One run report (the JSON object of :mod:`newscrawl.extensions.report`), or ``ValueError`` saying why not."""
    if not isinstance(data, dict):
        raise ValueError("not a JSON object")
    if "started_at" not in data:
        raise ValueError("no started_at: not a run report")
    started = _time(data["started_at"], "started_at")
    finished = _time(data["finished_at"], "finished_at") if data.get("finished_at") else None
    counts: dict[str, Any] = data["counts"] if isinstance(data.get("counts"), dict) else {}
    reasons: dict[str, Any] = counts["rejected_by_reason"] if isinstance(counts.get("rejected_by_reason"), dict) else {}
    health: dict[str, Any] = data["health"] if isinstance(data.get("health"), dict) else {}
    checks = []
    for check in health.get("checks") or ():
        if isinstance(check, dict) and isinstance(check.get("name"), str):
            checks.append(CheckResult(check["name"], str(check.get("status") or MISSING), check.get("value"),
                                      check.get("limit"), check.get("site"), str(check.get("message") or "")))
    duration = data.get("duration_seconds")
    if not isinstance(duration, (int, float)) or isinstance(duration, bool):
        duration = (finished - started).total_seconds() if finished else None
    status = data.get("exit_status")
    versions: dict[str, Any] = data["versions"] if isinstance(data.get("versions"), dict) else {}
    version = versions.get("newscrawl")
    return Run(path=path, site=str(data.get("site") or data.get("spider") or "?"),
               spider=data.get("spider") if isinstance(data.get("spider"), str) else None,
               started_at=started, finished_at=finished,
               duration_seconds=float(duration) if duration is not None else None,
               exit_status=status if isinstance(status, int) and not isinstance(status, bool) else None,
               finish_reason=data.get("finish_reason") if isinstance(data.get("finish_reason"), str) else None,
               exported=_int(counts.get("exported")), rejected=_int(counts.get("rejected")),
               rejected_by_reason={str(k): _int(v) for k, v in reasons.items()},
               checks=tuple(checks), version=str(version) if version is not None else None)


def read_run_file(path: Path) -> Run:
    """The run report in ``path``; ``ValueError``/``OSError`` with the reason when it is not one."""
    size = path.stat().st_size
    if size > MAX_REPORT_BYTES:
        raise ValueError(f"{size:,} bytes: too large for a run report")
    try:
        data = json.loads(path.read_text("utf-8"))
    except UnicodeDecodeError as exc:
        raise ValueError(f"not UTF-8 ({exc.reason})") from None
    except json.JSONDecodeError as exc:
        raise ValueError(f"not JSON ({exc.msg} at line {exc.lineno})") from None
    return parse_run(path, data)


def read_runs(folders: Iterable[Path], since: datetime | None = None) -> RunsRead:
    """Every run report under ``folders`` (recursively) that started at ``since`` or later, oldest first."""
    runs: list[Run] = []
    skipped: list[Skipped] = []
    seen: set[Path] = set()
    folders = tuple(folders)
    missing = tuple(f for f in folders if not f.is_dir())
    for folder in folders:
        if folder in missing:
            continue
        for path in sorted(folder.rglob("*.json")):
            key = path.resolve()
            if key in seen or not path.is_file():
                continue
            seen.add(key)
            try:
                run = read_run_file(path)
            except (OSError, ValueError) as exc:
                skipped.append(Skipped(path, str(exc)))
                continue
            if since is None or run.started_at >= since:
                runs.append(run)
    runs.sort(key=lambda r: (r.started_at, r.site, str(r.path)))
    return RunsRead(tuple(runs), tuple(skipped), folders, missing)


def check_names(runs: Iterable[Run]) -> list[str]:
    """The checks seen in ``runs``: :data:`CHECK_ORDER` first, then the others sorted."""
    names = {c.name for run in runs for c in run.checks}
    return [n for n in CHECK_ORDER if n in names] + sorted(names.difference(CHECK_ORDER))


@attrs.frozen
class RejectReason:
    reason: str
    total: int
    by_site: Mapping[str, int]


def reject_reasons(runs: Iterable[Run], limit: int = 10) -> list[RejectReason]:
    """The ``limit`` most frequent reject reasons over ``runs`` (summed ``rejected_by_reason``), per site."""
    by_reason: dict[str, Counter[str]] = defaultdict(Counter)
    for run in runs:
        for reason, count in run.rejected_by_reason.items():
            if count:
                by_reason[reason][run.site] += count
    ranked = sorted(by_reason.items(), key=lambda kv: (-sum(kv[1].values()), kv[0]))[:limit]
    return [RejectReason(reason, sum(sites.values()), dict(sorted(sites.items()))) for reason, sites in ranked]


# -- the store -----------------------------------------------------------------------------------------
def present(value: Any) -> bool:
    """A field counts as covered when it holds something: not None, not blank, not an empty list."""
    if value is None:
        return False
    if isinstance(value, str):
        return bool(value.strip())
    if isinstance(value, (list, tuple, dict)):
        return bool(value)
    return True


@attrs.frozen
class Member:
    article_id: str
    site: str
    title: str
    url: str
    published_at: datetime | None


@attrs.frozen
class Cluster:
    """A near-duplicate cluster: ``cluster_id`` is the article_id of its first article."""

    cluster_id: str
    members: tuple[Member, ...]

    @property
    def sites(self) -> list[str]:
        return sorted({m.site for m in self.members})

    @property
    def title(self) -> str:
        first = next((m for m in self.members if m.article_id == self.cluster_id), None)
        return (first or self.members[0]).title


@attrs.define
class FieldCoverage:
    items: int = 0
    present: Counter[str] = attrs.field(factory=Counter)

    def share(self, field: str) -> float:
        return self.present[field] / self.items if self.items else 0.0


@attrs.define
class StoreSummary:
    """What the store holds in the window: counts per (site, KST day), coverage per site, cross-outlet clusters."""

    articles: int = 0
    per_day: Counter[tuple[str, date]] = attrs.field(factory=Counter)
    undated: Counter[str] = attrs.field(factory=Counter)
    coverage: dict[str, FieldCoverage] = attrs.field(factory=dict)
    site_names: dict[str, str] = attrs.field(factory=dict)
    clusters: list[Cluster] = attrs.field(factory=list)
    fields: tuple[str, ...] = COVERAGE_FIELDS

    @property
    def sites(self) -> list[str]:
        return sorted(self.coverage)

    def days(self) -> list[date]:
        """Every day from the first to the last with an article (gaps included: a gap is news)."""
        seen = sorted({day for _site, day in self.per_day})
        if not seen:
            return []
        return [seen[0] + timedelta(days=n) for n in range((seen[-1] - seen[0]).days + 1)]


def _member(stored: StoredItem) -> Member:
    item = stored.item
    site = stored.site or str(item.get("site") or "?")
    return Member(article_id=stored.article_id, site=site, title=str(item.get("title") or ""),
                  url=str(item.get("canonical_url") or item.get("url") or ""), published_at=stored.published_at)


def summarise_store(store: SeenStore, *, since: datetime | None = None,
                    fields: Sequence[str] = COVERAGE_FIELDS) -> StoreSummary:
    """One pass over the store's latest revisions (published at ``since`` or later) -> :class:`StoreSummary`.

    Memory stays small at millions of articles: counters per site and day, and for clusters
    only the items whose ``cluster_id`` is another article's id (the copies).
    """
    summary = StoreSummary(fields=tuple(fields))
    copies: dict[str, list[Member]] = defaultdict(list)
    firsts: dict[str, Member] = {}
    for stored in store.items(since=since, revisions="latest", include_rejects=False):
        if stored.kind != "article":
            continue
        item = stored.item
        site = stored.site or str(item.get("site") or "?")
        summary.articles += 1
        if stored.published_at is not None:
            summary.per_day[(site, stored.published_at.astimezone(KST).date())] += 1
        else:
            summary.undated[site] += 1
        coverage = summary.coverage.setdefault(site, FieldCoverage())
        coverage.items += 1
        for field in summary.fields:
            if present(item.get(field)):
                coverage.present[field] += 1
        if site not in summary.site_names and isinstance(item.get("site_name"), str) and item["site_name"].strip():
            summary.site_names[site] = item["site_name"].strip()
        cluster = item.get("cluster_id")
        if isinstance(cluster, str) and cluster:
            if cluster != stored.article_id:
                copies[cluster].append(_member(stored))
            elif cluster in copies:
                firsts[cluster] = _member(stored)
    clusters = []
    for cluster_id, members in copies.items():
        first = firsts.get(cluster_id)
        if first is None and not any(m.article_id == cluster_id for m in members):
            found = store.latest_item(cluster_id)
            first = _member(found) if found is not None else None
        everyone = ([first] if first is not None else []) + sorted(members, key=lambda m: (m.site, m.article_id))
        if len({m.site for m in everyone}) >= 2:
            clusters.append(Cluster(cluster_id, tuple(everyone)))
    clusters.sort(key=lambda c: (-len(c.sites), -len(c.members), c.cluster_id))
    summary.clusters = clusters
    return summary


# -- the window ----------------------------------------------------------------------------------------
def window_start(since: datetime | None = None, days: int | None = None, now: datetime | None = None) -> datetime | None:
    """The first moment shown: ``since``, or 00:00 KST ``days - 1`` days before today (KST), or None (everything)."""
    if since is not None:
        return since
    if days is None:
        return None
    today = (now or datetime.now(UTC)).astimezone(KST).date()
    start = today - timedelta(days=days - 1)
    return datetime(start.year, start.month, start.day, tzinfo=KST)


# -- everything the page shows ------------------------------------------------------------------------
@attrs.frozen
class Dashboard:
    """The page's input: runs, the store's summary (None: no store to read), notes for the reader."""

    runs: RunsRead
    store: StoreSummary | None
    state: str | None  # where the store is (a path), for the page
    notes: tuple[str, ...]
    since: datetime | None
    generated_at: datetime
    version: str

    @property
    def empty(self) -> bool:
        """Nothing to show at all: no run report and no stored article."""
        return not self.runs.runs and (self.store is None or not self.store.articles)

    def run_versions(self) -> Counter[str]:
        return Counter(run.version or "unknown" for run in self.runs.runs)
