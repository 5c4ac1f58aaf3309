"""The dashboard's charts: matplotlib figures drawn to SVG markup, ready to inline in HTML.

Why SVG inlined (not PNG, not a JavaScript chart library): the page must work offline and
alone, so nothing is fetched and nothing runs; SVG stays sharp when zoomed or printed and
is small for bar charts; inlined ``<svg>`` elements can be checked in a browser test.

Fonts: ``svg.fonttype = "path"``: every glyph is drawn as an outline (defined once per
chart and reused), so a chart looks the same on any machine, with or without Korean fonts,
at the cost of chart text not being selectable. Everything worth searching (titles, outlet
names, reject reasons, check messages) is also in the page's HTML tables as real text. The
font list is DejaVu Sans (matplotlib's own) with a CJK font as per-glyph fallback for
Hangul (:data:`CJK_FONTS`, the first installed one; Debian: ``fonts-noto-cjk``). Without
one, charts label outlets by slug instead of their Korean name and shorten cluster titles
to their ids, so no glyph is missing.

Figures are made with :class:`matplotlib.figure.Figure` and never through ``pyplot``: no
GUI backend is chosen, no global figure list grows, the output is the same on every run
(fixed ``svg.hashsalt``, no date in the metadata).
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta
from functools import cache
from typing import Any

import matplotlib
from matplotlib import dates as mdates
from matplotlib import font_manager
from matplotlib.colors import to_hex
from matplotlib.figure import Figure
from matplotlib.patches import Patch
from matplotlib.ticker import MaxNLocator

from newscrawl.dashboard.data import FAILED, MISSING, PASSED, SKIPPED, Cluster, RejectReason, Run, StoreSummary

#: Fonts with Hangul, in order of preference; the first installed one is the fallback for Hangul glyphs.
CJK_FONTS = ("Noto Sans CJK KR", "Noto Sans KR", "NanumGothic", "NanumBarunGothic", "Malgun Gothic",
             "Apple SD Gothic Neo", "UnDotum", "Baekmuk Gulim", "Noto Sans CJK JP", "Noto Sans CJK SC")
STATUS_COLORS = {PASSED: "#4caf50", FAILED: "#e53935", SKIPPED: "#cfd8dc", MISSING: "#ffffff"}
EXIT_COLORS = {0: "#4caf50", 3: "#e53935"}
OTHER_EXIT_COLOR, UNKNOWN_EXIT_COLOR = "#fb8c00", "#90a4ae"
WIDTH = 9.0  # inches; SVG is scaled to the page width by CSS
#: Health checks grid: at most this many runs (the latest), so the cells stay readable.
MAX_RUN_COLUMNS = 60
MAX_LABEL = 28


@cache
def cjk_font() -> str | None:
    """The first installed font of :data:`CJK_FONTS`, or None."""
    installed = {f.name for f in font_manager.fontManager.ttflist}
    return next((name for name in CJK_FONTS if name in installed), None)


def has_hangul(text: str) -> bool:
    return any("\u1100" <= ch <= "\u11ff" or "\u3130" <= ch <= "\u318f" or "\uac00" <= ch <= "\ud7af" for ch in text)


def drawable(text: str, fallback: str) -> str:
    """``text`` if the charts can draw it (a CJK font is installed or it has no Hangul), else ``fallback``."""
    return text if cjk_font() is not None or not has_hangul(text) else fallback


def _style() -> Any:  # rc_context wants literal keys
    cjk = cjk_font()
    return {
        "svg.fonttype": "path",
        "svg.hashsalt": "newscrawl-dashboard",
        "font.family": ["DejaVu Sans", *([cjk] if cjk else [])],
        "font.size": 9,
        "axes.titlesize": 10,
        "axes.spines.top": False,
        "axes.spines.right": False,
        "axes.grid": True,
        "grid.color": "#e0e0e0",
        "grid.linewidth": 0.6,
        "axes.axisbelow": True,
        "legend.frameon": False,
        "legend.fontsize": 8,
    }


@contextmanager
def _figure(height: float) -> Iterator[Figure]:
    # Text objects take their font when created: the whole figure is built inside the style.
    with matplotlib.rc_context(_style()):
        yield Figure(figsize=(WIDTH, height), layout="constrained")


_XML_PREAMBLE = re.compile(r"\A.*?(?=<svg\b)", re.S)
_METADATA = re.compile(r"<metadata>.*?</metadata>\s*", re.S)
_ID = re.compile(r'\bid="([^"]+)"')


def to_svg(fig: Figure, prefix: str) -> str:
    """``fig`` as ``<svg>`` markup for an HTML page: no XML declaration or DOCTYPE, no metadata, and every
    ``id`` (glyphs, clip paths) prefixed with ``prefix`` so several charts in one page never share one."""
    buf = io.StringIO()
    with matplotlib.rc_context(_style()):
        fig.savefig(buf, format="svg", metadata={"Date": None})
    svg = _METADATA.sub("", _XML_PREAMBLE.sub("", buf.getvalue(), count=1), count=1)
    ids = set(_ID.findall(svg))
    if ids:
        pattern = re.compile(r'(\bid="|href="#|url\(#)(' + "|".join(re.escape(i) for i in sorted(ids, key=len,
                                                                                             reverse=True))
                             + r')(?=[")])')
        svg = pattern.sub(lambda m: f"{m.group(1)}{prefix}-{m.group(2)}", svg)
    return svg.replace("<svg ", f'<svg role="img" class="chart" id="{prefix}" ', 1).strip()


def site_colors(sites: Sequence[str]) -> dict[str, str]:
    """One colour per site, the same in every chart (tab10, then tab20 beyond ten sites)."""
    ordered = sorted(set(sites))
    cmap = matplotlib.colormaps["tab10" if len(ordered) <= 10 else "tab20"]
    return {site: to_hex(cmap(n % cmap.N)) for n, site in enumerate(ordered)}


_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)  # matplotlib's default date epoch


def _day_number(moment: datetime) -> float:
    """``moment`` (aware) as matplotlib's date number: days since its epoch, in UTC."""
    return (moment - _EPOCH).total_seconds() / 86400


def _date_axis(ax: Any) -> None:
    """Dates on the x axis, labelled concisely (matplotlib.dates has no type hints)."""
    locator = mdates.AutoDateLocator()  # type: ignore[no-untyped-call]
    ax.xaxis.set_major_locator(locator)
    ax.xaxis.set_major_formatter(mdates.ConciseDateFormatter(locator))  # type: ignore[no-untyped-call]


def _label(site: str, names: Mapping[str, str]) -> str:
    name = names.get(site)
    return drawable(f"{name} ({site})", site) if name else site


def _short(text: str, limit: int = MAX_LABEL) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def weekly_bins(days: Sequence[date]) -> bool:
    return len(days) > 120


def per_day_chart(summary: StoreSummary, colors: Mapping[str, str]) -> str | None:
    """Stacked bars: stored articles per publication day (KST; per week beyond 120 days), one colour per outlet."""
    days = summary.days()
    if not days:
        return None
    weekly = weekly_bins(days)

    def bucket(day: date) -> date:
        return day - timedelta(days=day.weekday()) if weekly else day

    buckets = sorted({bucket(d) for d in days})
    index = {b: n for n, b in enumerate(buckets)}
    x = [_day_number(datetime(b.year, b.month, b.day, tzinfo=UTC)) for b in buckets]
    width = 7 * 0.8 if weekly else 0.8
    with _figure(3.4) as fig:
        ax = fig.add_subplot()
        bottom = [0.0] * len(buckets)
        for site in summary.sites:
            heights = [0.0] * len(buckets)
            for (s, day), count in summary.per_day.items():
                if s == site:
                    heights[index[bucket(day)]] += count
            if not any(heights):
                continue
            ax.bar(x, heights, width=width, bottom=bottom, color=colors[site], label=_label(site, summary.site_names),
                   align="edge" if weekly else "center")
            bottom = [b + h for b, h in zip(bottom, heights, strict=True)]
        _date_axis(ax)
        ax.set_ylabel("articles per week" if weekly else "articles per day")
        ax.legend(loc="upper left", bbox_to_anchor=(1.0, 1.0))
        return to_svg(fig, "chart-per-day")


def exit_color(status: int | None) -> str:
    if status is None:
        return UNKNOWN_EXIT_COLOR
    return EXIT_COLORS.get(status, OTHER_EXIT_COLOR)


def runs_chart(runs: Sequence[Run]) -> str | None:
    """Each run at its start time: a stem as high as its duration (minutes), coloured by exit status."""
    # Runs that did not exit 0 drawn last, so a failure is never hidden behind a healthy run at the same time.
    timed = sorted((r for r in runs if r.duration_seconds is not None), key=lambda r: r.exit_status not in (0, None))
    if not timed:
        return None
    with _figure(3.0) as fig:
        ax = fig.add_subplot()
        x = [_day_number(r.started_at) for r in timed]
        y = [(r.duration_seconds or 0.0) / 60 for r in timed]
        colors = [exit_color(r.exit_status) for r in timed]
        ax.vlines(x, 0, y, colors=colors, linewidth=1.6)
        ax.scatter(x, y, c=colors, s=22, zorder=3, edgecolors="none")
        _date_axis(ax)
        ax.set_ylabel("duration (minutes)")
        ax.set_xlabel("run start (UTC)")
        ax.set_ylim(bottom=0)
        if len(x) == 1:
            ax.set_xlim(x[0] - 0.5, x[0] + 0.5)
        statuses = sorted({r.exit_status for r in timed}, key=lambda s: (s is None, s or 0))
        ax.legend(handles=[Patch(color=exit_color(s), label=f"exit {s}" if s is not None else "exit unknown")
                           for s in statuses], loc="upper left", bbox_to_anchor=(1.0, 1.0))
        return to_svg(fig, "chart-runs")


def _grid(ax: Any, rows: Sequence[str], columns: int, cell: Any) -> None:
    """Rows of cells: ``cell(row, column)`` -> face colour; row 0 at the top."""
    for r, row in enumerate(rows):
        y = len(rows) - 1 - r
        ax.broken_barh([(c, 0.94) for c in range(columns)], (y + 0.03, 0.94),
                       facecolors=[cell(row, c) for c in range(columns)], edgecolors="#9e9e9e", linewidth=0.3)
    ax.set_yticks([len(rows) - 1 - r + 0.5 for r in range(len(rows))], list(rows))
    ax.set_ylim(0, len(rows))
    ax.set_xlim(0, columns)
    ax.grid(False)
    for side in ("left", "bottom"):
        ax.spines[side].set_visible(False)
    ax.tick_params(length=0)


def health_chart(runs: Sequence[Run], checks: Sequence[str]) -> str | None:
    """A grid: one row per check, one column per run (the latest :data:`MAX_RUN_COLUMNS`), coloured by status."""
    if not runs or not checks:
        return None
    shown = list(runs)[-MAX_RUN_COLUMNS:]
    with _figure(1.2 + 0.26 * len(checks)) as fig:
        ax = fig.add_subplot()
        _grid(ax, checks, len(shown), lambda name, c: STATUS_COLORS[shown[c].check_status(name)])
        step = max(1, -(-len(shown) // 8))  # about 8 labels: each is two short lines
        ticks = list(range(0, len(shown), step))
        ax.set_xticks([t + 0.47 for t in ticks],
                      [f"{shown[t].started_at:%m-%d %H:%M}\n{_short(shown[t].site, 14)}" for t in ticks],
                      fontsize=7)
        ax.legend(handles=[Patch(facecolor=STATUS_COLORS[s], edgecolor="#9e9e9e", label=s)
                           for s in (PASSED, FAILED, SKIPPED)], loc="upper left", bbox_to_anchor=(1.0, 1.0))
        return to_svg(fig, "chart-health")


def coverage_chart(summary: StoreSummary) -> str | None:
    """A grid: one row per outlet, one column per field, coloured and labelled by the share that has it."""
    sites = summary.sites
    if not sites:
        return None
    fields = list(summary.fields)
    cmap = matplotlib.colormaps["RdYlGn"]
    with _figure(1.0 + 0.32 * len(sites)) as fig:
        ax = fig.add_subplot()
        rows = [_label(s, summary.site_names) for s in sites]
        by_label = dict(zip(rows, sites, strict=True))
        _grid(ax, rows, len(fields), lambda row, c: to_hex(cmap(summary.coverage[by_label[row]].share(fields[c]))))
        for r, site in enumerate(sites):
            for c, field in enumerate(fields):
                share = summary.coverage[site].share(field)
                ax.text(c + 0.47, len(sites) - 1 - r + 0.5, f"{share:.0%}", ha="center", va="center", fontsize=7,
                        color="white" if share < 0.2 or share > 0.85 else "black")
        ax.set_xticks([c + 0.47 for c in range(len(fields))], fields)
        ax.xaxis.tick_top()
        return to_svg(fig, "chart-coverage")


def rejects_chart(reasons: Sequence[RejectReason], colors: Mapping[str, str],
                  names: Mapping[str, str]) -> str | None:
    """Horizontal stacked bars: the most frequent reject reasons, one colour per outlet."""
    if not reasons:
        return None
    sites = sorted({s for r in reasons for s in r.by_site})
    with _figure(1.0 + 0.3 * len(reasons)) as fig:
        ax = fig.add_subplot()
        y = list(range(len(reasons)))[::-1]
        left = [0.0] * len(reasons)
        for site in sites:
            widths = [float(r.by_site.get(site, 0)) for r in reasons]
            ax.barh(y, widths, left=left, color=colors.get(site, "#607d8b"), label=_label(site, names), height=0.7)
            left = [a + b for a, b in zip(left, widths, strict=True)]
        ax.set_yticks(y, [drawable(_short(r.reason, 40), "?") for r in reasons])
        ax.set_xlabel("rejected items")
        ax.grid(axis="y", visible=False)
        ax.legend(loc="upper left", bbox_to_anchor=(1.0, 1.0))
        return to_svg(fig, "chart-rejects")


def clusters_chart(clusters: Sequence[Cluster], colors: Mapping[str, str], names: Mapping[str, str]) -> str | None:
    """Horizontal stacked bars: the biggest cross-outlet clusters, members counted per outlet."""
    if not clusters:
        return None
    sites = sorted({s for c in clusters for s in c.sites})
    with _figure(1.0 + 0.3 * len(clusters)) as fig:
        ax = fig.add_subplot()
        y = list(range(len(clusters)))[::-1]
        left = [0.0] * len(clusters)
        for site in sites:
            widths = [float(sum(m.site == site for m in c.members)) for c in clusters]
            ax.barh(y, widths, left=left, color=colors.get(site, "#607d8b"), label=_label(site, names), height=0.7)
            left = [a + b for a, b in zip(left, widths, strict=True)]
        ax.set_yticks(y, [drawable(_short(c.title or c.cluster_id, 36), _short(c.cluster_id, 36)) for c in clusters])
        ax.set_xlabel("articles in the cluster")
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        ax.grid(axis="y", visible=False)
        ax.legend(loc="upper left", bbox_to_anchor=(1.0, 1.0))
        return to_svg(fig, "chart-clusters")
