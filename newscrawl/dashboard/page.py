"""The dashboard page: one HTML file, charts inlined as ``<svg>``, no script, no external resource.

Every text that comes from data (titles, outlet names, reject reasons, check messages, file
names) goes through :func:`html.escape`; links are written only for ``http(s)://`` URLs.
Each chart section is a ``<section class="chart" id="...">`` holding one ``<svg>`` (or a
``<p class="empty">`` saying why there is none) and a table with the same numbers as text.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from html import escape

from newscrawl.dashboard import charts
from newscrawl.dashboard.data import FAILED, Cluster, Dashboard, Run, check_names, reject_reasons
from newscrawl.parsing.dates import KST

#: Chart sections, in page order: (id, heading).
SECTIONS: tuple[tuple[str, str], ...] = (
    ("per-day", "Articles per day per outlet"),
    ("runs", "Run durations and exit statuses"),
    ("health", "Health checks over time"),
    ("coverage", "Field coverage per outlet"),
    ("rejects", "Top reject reasons"),
    ("clusters", "Near-duplicate clusters across outlets"),
)
TABLE_RUNS = 12
TABLE_FAILURES = 25
TOP_REASONS = 10
TOP_CLUSTERS = 15
MEMBERS_SHOWN = 8

CSS = """
:root { color-scheme: light; }
body { font-family: system-ui, -apple-system, "Segoe UI", "Noto Sans KR", "Noto Sans CJK KR", "Malgun Gothic",
       sans-serif; margin: 0 auto; max-width: 1100px; padding: 1.2rem; color: #212121; background: #fafafa; }
h1 { font-size: 1.5rem; margin: 0 0 .3rem; }
h2 { font-size: 1.15rem; margin: 0 0 .6rem; }
.meta { color: #616161; font-size: .85rem; margin: 0 0 1rem; }
.tiles { display: flex; flex-wrap: wrap; gap: .6rem; margin: 0 0 1rem; padding: 0; list-style: none; }
.tiles li { background: #fff; border: 1px solid #e0e0e0; border-radius: 6px; padding: .5rem .9rem; min-width: 7rem; }
.tiles b { display: block; font-size: 1.3rem; }
.tiles .bad b { color: #c62828; }
section { background: #fff; border: 1px solid #e0e0e0; border-radius: 6px; padding: 1rem; margin: 0 0 1rem;
          break-inside: avoid; }
svg.chart { display: block; width: 100%; height: auto; }
table { border-collapse: collapse; font-size: .82rem; margin-top: .6rem; width: 100%; }
th, td { border-bottom: 1px solid #eeeeee; padding: .25rem .4rem; text-align: left; vertical-align: top; }
td.n, th.n { text-align: right; font-variant-numeric: tabular-nums; }
.failed { color: #c62828; font-weight: 600; }
.notes { background: #fff8e1; border: 1px solid #ffe082; border-radius: 6px; padding: .6rem 1rem .6rem 2rem; }
.empty { color: #757575; font-style: italic; }
details summary { cursor: pointer; color: #424242; font-size: .85rem; margin-top: .5rem; }
.members { margin: 0; padding-left: 1.1rem; }
@media print { body { background: #fff; } section { border: none; } }
"""


def plural(n: int, noun: str) -> str:
    """``1 run``, ``2 runs``."""
    return f"{n:,} {noun}" + ("" if n == 1 else "s")


def _e(value: object) -> str:
    return escape("" if value is None else str(value), quote=True)


NBSP = "\u00a0"


def _when(moment: datetime | None) -> str:
    """``2026-11-30 09:14 UTC``, kept on one line."""
    return moment.astimezone(UTC).strftime(f"%Y-%m-%d{NBSP}%H:%M{NBSP}UTC") if moment else "-"


def _duration(seconds: float | None) -> str:
    if seconds is None:
        return "-"
    if seconds < 60:
        return f"{seconds:.1f}{NBSP}s"
    minutes, secs = divmod(round(seconds), 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours}{NBSP}h{NBSP}{minutes:02d}{NBSP}min" if hours else f"{minutes}{NBSP}min{NBSP}{secs:02d}{NBSP}s"


def _link(url: str, text: str) -> str:
    if url.startswith(("http://", "https://")):
        return f'<a href="{_e(url)}" rel="noreferrer noopener">{_e(text)}</a>'
    return _e(text)


def _table(head: Sequence[str], rows: Iterable[Sequence[str]], numeric: Iterable[int] = ()) -> str:
    """A table; cells are HTML already (escape them before); columns in ``numeric`` are right-aligned."""
    nums = set(numeric)
    cls = [' class="n"' if n in nums else "" for n in range(len(head))]
    out = ["<table><thead><tr>", *(f"<th{cls[n]}>{_e(h)}</th>" for n, h in enumerate(head)), "</tr></thead><tbody>"]
    for row in rows:
        out.append("<tr>" + "".join(f"<td{cls[n]}>{cell}</td>" for n, cell in enumerate(row)) + "</tr>")
    out.append("</tbody></table>")
    return "".join(out)


def _section(key: str, heading: str, svg: str | None, empty: str, body: str = "", note: str = "") -> str:
    chart = svg if svg is not None else f'<p class="empty">{_e(empty)}</p>'
    extra = f'<p class="meta">{note}</p>' if note else ""
    return f'<section class="chart" id="{key}"><h2>{_e(heading)}</h2>{extra}{chart}{body}</section>'


def _site(site: str, names: dict[str, str]) -> str:
    name = names.get(site)
    return f"{_e(name)} <small>({_e(site)})</small>" if name else _e(site)


def _runs_table(runs: Sequence[Run]) -> str:
    rows = []
    for run in list(runs)[-TABLE_RUNS:][::-1]:
        status = "-" if run.exit_status is None else str(run.exit_status)
        cls = "failed" if run.exit_status not in (0, None) else ""
        failed = ", ".join(run.failed_checks)
        rows.append([_e(_when(run.started_at)), _e(run.site), _e(_duration(run.duration_seconds)),
                     f'<span class="{cls}">{_e(status)}</span>', _e(run.finish_reason or "-"), _e(run.exported),
                     _e(run.rejected), f'<span class="failed">{_e(failed)}</span>' if failed else "",
                     _e(run.version or "-"), _e(run.path.name)])
    table = _table(["started", "outlet", "duration", "exit", "finish reason", "exported", "rejected",
                    "failed checks", "newscrawl", "report file"], rows, numeric=(5, 6))
    label = f"the latest {TABLE_RUNS} runs of {len(runs)}" if len(runs) > TABLE_RUNS else plural(len(runs), "run")
    return f"<details open><summary>{_e(label)}</summary>{table}</details>"


def _failures_table(runs: Sequence[Run]) -> str:
    failures = [(run, check) for run in runs for check in run.checks if check.status == FAILED]
    if not failures:
        return '<p class="meta">No check failed in these runs.</p>'
    rows = [[_e(_when(run.started_at)), _e(check.site or run.site), _e(check.name), _e(check.message)]
            for run, check in failures[-TABLE_FAILURES:][::-1]]
    return (f"<details open><summary>{_e(len(failures))} failed checks (the latest {min(len(failures), TABLE_FAILURES)})"
            f"</summary>{_table(['run started', 'outlet', 'check', 'message'], rows)}</details>")


def _clusters_list(clusters: Sequence[Cluster], names: dict[str, str]) -> str:
    rows = []
    for cluster in clusters:
        members = "".join(f"<li>{_link(m.url, m.title or m.article_id)} "
                          f"<small>{_site(m.site, names)}, {_e(m.published_at.astimezone(KST).date() if m.published_at else '-')}</small></li>"
                          for m in cluster.members[:MEMBERS_SHOWN])
        more = len(cluster.members) - MEMBERS_SHOWN
        if more > 0:
            members += f"<li><small>and {_e(more)} more</small></li>"
        rows.append([_e(cluster.title or cluster.cluster_id), _e(len(cluster.members)), _e(len(cluster.sites)),
                     f'<ul class="members">{members}</ul>', _e(cluster.cluster_id)])
    return _table(["story (first article's title)", "articles", "outlets", "members", "cluster_id"], rows,
                  numeric=(1, 2))


def _tile(label: str, value: object, bad: bool) -> str:
    shown = f"{value:,}" if isinstance(value, int) else str(value)
    return f'<li class="{"bad" if bad else ""}"><b>{_e(shown)}</b>{_e(label)}</li>'


def render(dash: Dashboard) -> str:
    """The whole page as a string."""
    runs = dash.runs.runs
    store = dash.store
    names = dict(store.site_names) if store else {}
    all_sites = sorted({r.site for r in runs} | set(store.sites if store else ()))
    colors = charts.site_colors(all_sites)
    reasons = reject_reasons(runs, TOP_REASONS)
    checks = check_names(runs)
    clusters = store.clusters[:TOP_CLUSTERS] if store else []

    parts: list[str] = []
    failed_runs = sum(1 for r in runs if r.exit_status not in (0, None))
    tiles = [("runs", len(runs), False), ("runs not exiting 0", failed_runs, failed_runs > 0),
             ("stored articles", store.articles if store else "-", False),
             ("outlets", len(all_sites), False),
             ("clusters across outlets", len(store.clusters) if store else "-", False),
             *([("unreadable run reports", len(dash.runs.skipped), True)] if dash.runs.skipped else [])]
    parts.append('<ul class="tiles">' + "".join(_tile(label, value, bad) for label, value, bad in tiles) + "</ul>")
    notes = list(dash.notes)
    if dash.empty:
        notes.insert(0, "No runs yet: no run report was found and the store holds no article. "
                        "A `scrapy crawl` writes both.")
    if notes:
        parts.append('<ul class="notes">' + "".join(f"<li>{_e(n)}</li>" for n in notes) + "</ul>")

    no_store = "No store to read (see the notes above)." if store is None else "The store holds no article in this window."
    # 1. articles per day
    per_day_rows = []
    if store:
        for site in store.sites:
            days = sorted(d for s, d in store.per_day if s == site)
            per_day_rows.append([_site(site, names), _e(store.coverage[site].items), _e(days[0] if days else "-"),
                                 _e(days[-1] if days else "-"), _e(store.undated.get(site, 0))])
    weekly = store is not None and charts.weekly_bins(store.days())
    parts.append(_section("per-day", SECTIONS[0][1] + (" (per week)" if weekly else ""),
                          charts.per_day_chart(store, colors) if store else None, no_store,
                          _table(["outlet", "articles", "first day", "last day", "undated"], per_day_rows,
                                 numeric=(1, 4)) if per_day_rows else "",
                          note="Latest revision of each stored article, by publication day in Korea time (KST)."))
    # 2. runs
    parts.append(_section("runs", SECTIONS[1][1], charts.runs_chart(runs), "No run report in this window.",
                          _runs_table(runs) if runs else ""))
    # 3. health
    shown = min(len(runs), charts.MAX_RUN_COLUMNS)
    parts.append(_section("health", SECTIONS[2][1], charts.health_chart(runs, checks),
                          "No health checks in the run reports.", _failures_table(runs) if runs else "",
                          note=_e(f"One column per run (the latest {shown} of {len(runs)}), oldest on the left."
                                  if runs else "")))
    # 4. coverage
    coverage_rows = []
    if store:
        for site in store.sites:
            cov = store.coverage[site]
            coverage_rows.append([_site(site, names), _e(cov.items),
                                  *(_e(f"{cov.share(f):.1%}") for f in store.fields)])
    parts.append(_section("coverage", SECTIONS[3][1], charts.coverage_chart(store) if store else None, no_store,
                          _table(["outlet", "articles", *(store.fields if store else ())], coverage_rows,
                                 numeric=range(1, 2 + len(store.fields) if store else 2)) if coverage_rows else "",
                          note="Share of stored articles with a non-empty field."))
    # 5. rejects
    reason_rows = [[_e(r.reason), _e(r.total), _e(", ".join(f"{s} {n}" for s, n in r.by_site.items()))]
                   for r in reasons]
    parts.append(_section("rejects", SECTIONS[4][1], charts.rejects_chart(reasons, colors, names),
                          "No reject in these runs.",
                          _table(["reason", "rejected", "per outlet"], reason_rows, numeric=(1,)) if reasons else "",
                          note="Summed over the runs' reports (counts.rejected_by_reason)."))
    # 6. clusters
    parts.append(_section("clusters", SECTIONS[5][1], charts.clusters_chart(clusters, colors, names),
                          no_store if store is None else "No near-duplicate cluster spans two outlets.",
                          _clusters_list(clusters, names) if clusters else "",
                          note=_e(f"Clusters (items sharing a cluster_id) with members from two or more outlets: "
                                  f"the {len(clusters)} biggest of {len(store.clusters)}." if store and clusters else "")))
    if dash.runs.skipped:
        rows = [[_e(s.path), _e(s.reason)] for s in dash.runs.skipped]
        parts.append(f'<section id="skipped"><h2>Unreadable run reports ({len(dash.runs.skipped)})</h2>'
                     f"{_table(['file', 'why it was skipped'], rows)}</section>")

    versions = ", ".join(f"{v} ({plural(n, 'run')})" for v, n in sorted(dash.run_versions().items()))
    window = f"since {dash.since.isoformat()}" if dash.since else "everything"
    folders = ", ".join(str(f) for f in dash.runs.folders) or "-"
    meta = (f"Generated {_when(dash.generated_at).replace(NBSP, ' ')} by newscrawl {dash.version}. Window: {window}. "
            f"Run reports: {folders}" + (f" (made by newscrawl {versions})" if versions else "")
            + f". Store: {dash.state or '-'}.")
    title = "newscrawl crawl dashboard"
    return ("<!DOCTYPE html>\n"
            f'<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, '
            f'initial-scale=1"><meta name="generator" content="newscrawl {_e(dash.version)}">'
            f"<title>{_e(title)}</title><style>{CSS}</style></head>\n<body>"
            f'<header><h1>{_e(title)}</h1><p class="meta">{_e(meta)}</p></header>\n<main>'
            + "\n".join(parts) + "</main></body></html>\n")
