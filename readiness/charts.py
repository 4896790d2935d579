"""Plotly figures, built in Python and rendered in the browser by plotly.js from their JSON."""

from __future__ import annotations

import datetime as dt
import itertools
import statistics
from collections.abc import Callable, Sequence
from typing import Any

import plotly.graph_objects as go
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext, pgettext

from readiness.selectors.campaigns import Burnup
from readiness.selectors.projects import HistoryPoint, Origin, ScoreHistory

# Calm, distinguishable colours; the overall line is the dark, thick one.
OVERALL_COLOUR = "#1f2937"
CLAIMED_COLOUR = "#b45309"
CATEGORY_COLOURS = (
    "#2563eb",
    "#16a34a",
    "#d97706",
    "#9333ea",
    "#0891b2",
    "#db2777",
    "#65a30d",
    "#dc2626",
)
VERSION_MARK_COLOUR = "#6b7280"

# A line is broken where no assessment was made for much longer than usual: more than
# GAP_FACTOR times the series' median spacing, and at least MIN_GAP (so a weekend between
# daily runs stays joined), and always from MAX_GAP on.
GAP_FACTOR = 4
MIN_GAP = dt.timedelta(days=3)
MAX_GAP = dt.timedelta(days=30)
# A chart spanning less than this is padded by AXIS_PAD on each side, and ticks once a day.
SHORT_SPAN = dt.timedelta(days=2)
AXIS_PAD = dt.timedelta(days=1)
DAILY_TICKS_UP_TO = dt.timedelta(days=14)
DAY_MS = 86_400_000
# Whole days without any assessment inside a gap are cut out of the time axis (and the cut
# is marked), so that a long quiet period does not squeeze the rest into the edges.
MIN_QUIET_DAYS = 2
MAX_DAY_TICKS = 12
POINT_ARRAYS = frozenset({"x", "y", "customdata"})


def origin_labels() -> dict[str, str]:
    return {
        Origin.MEASURED: _("measured"),
        Origin.BACKFILLED: _("backfilled from git history, file checks only"),
        Origin.CLAIMED: _("claimed by a document"),
    }


def _wall_clock(moment: dt.datetime) -> str:
    # plotly.js ignores time zones: send wall-clock times of the current time zone.
    return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M:%S")


def gap_threshold(times: Sequence[dt.datetime]) -> dt.timedelta:
    """How long a period without assessment must be for the line to break across it."""
    spacings = [b - a for a, b in itertools.pairwise(times)]
    if not spacings:
        return MAX_GAP
    usual = statistics.median(spacings)
    return min(MAX_GAP, max(GAP_FACTOR * usual, MIN_GAP))


def _series(
    points: Sequence[HistoryPoint],
    value: Callable[[HistoryPoint], float | None],
    threshold: dt.timedelta | None,
    x_of: dict[int, str],
) -> dict[str, list]:
    """x, y and customdata of `points`, with an empty point (which plotly does not join
    across) in each gap of `threshold` or longer; no gap when `threshold` is None."""
    x: list[str] = []
    y: list[float | None] = []
    customdata: list[list | None] = []
    for index, point in enumerate(points):
        if threshold is not None and index:
            before = points[index - 1].evaluated_at
            if point.evaluated_at - before >= threshold:
                x.append(_wall_clock(before + (point.evaluated_at - before) / 2))
                y.append(None)
                customdata.append(None)
        x.append(x_of[point.assessment_id])
        y.append(value(point))
        customdata.append([point.assessment_id, point.revision[:12]])
    return {"x": x, "y": y, "customdata": customdata}


def _hover(origin: str, origin_label: str) -> str:
    # customdata = [assessment id, short revision]; a document's claim has no revision.
    revision = "" if origin == Origin.CLAIMED else "<br>%{customdata[1]}"
    return (
        "%{x|%Y-%m-%d %H:%M}<br>"
        + _("Score: %(score)s") % {"score": "%{y:.1f}/10"}
        + f"<br>{origin_label}{revision}<extra>%{{fullData.name}}</extra>"
    )


def _style(origin: str, colour: str, *, overall: bool) -> dict[str, Any]:
    """Measured: a solid line with dots; backfilled: a dotted line with small dots;
    claimed: hollow rings, never a line."""
    if origin == Origin.CLAIMED:
        return {
            "mode": "markers",
            "marker": {
                "symbol": "circle-open",
                "size": 11 if overall else 8,
                "color": CLAIMED_COLOUR if overall else colour,
                "line": {"width": 2},
            },
        }
    width = (3 if overall else 1.5) if origin == Origin.MEASURED else (2 if overall else 1.2)
    return {
        "mode": "lines+markers" if overall else "lines",
        "connectgaps": False,
        "line": {
            "color": colour,
            "width": width,
            "dash": "solid" if origin == Origin.MEASURED else "dot",
        },
        "marker": {"size": 6 if origin == Origin.MEASURED else 4, "color": colour},
    }


def _show_lonely_points(trace: dict[str, Any]) -> dict[str, Any]:
    """A line-only series draws nothing for a point with no neighbour on its line (a single
    run, a run between two gaps): give those points, and only those, a dot."""
    y = trace["y"]
    lonely = [
        value is not None and (i == 0 or y[i - 1] is None) and (i == len(y) - 1 or y[i + 1] is None)
        for i, value in enumerate(y)
    ]
    if trace["mode"] == "lines" and any(lonely):
        trace["mode"] = "lines+markers"
        trace["marker"] = {**trace["marker"], "size": [5 if alone else 0 for alone in lonely]}
    return trace


def _vertical_line(x: str, *, dash: str) -> dict[str, Any]:
    """A thin grey line across the plot at `x`, behind the series."""
    return {
        "type": "line",
        "xref": "x",
        "yref": "paper",
        "x0": x,
        "x1": x,
        "y0": 0,
        "y1": 1,
        "layer": "below",
        "line": {"color": VERSION_MARK_COLOUR, "width": 1, "dash": dash},
    }


def _version_marks(points: Sequence[HistoryPoint]) -> tuple[list[dict], list[dict]]:
    """A thin vertical line and its "v3" label where each later checklist version first
    appears."""
    shapes: list[dict] = []
    annotations: list[dict] = []
    seen = {points[0].checklist_number} if points else set()
    for point in points:
        if point.checklist_number in seen:
            continue
        seen.add(point.checklist_number)
        x = _wall_clock(point.evaluated_at)
        shapes.append(_vertical_line(x, dash="dash"))
        annotations.append(
            {
                "x": x,
                "xref": "x",
                "y": 1,
                "yref": "paper",
                "text": f"v{point.checklist_number}",
                "hovertext": _("Checklist version %(number)s from here on")
                % {"number": point.checklist_number},
                "showarrow": False,
                "xanchor": "left",
                "yanchor": "top",
                "font": {"size": 11, "color": VERSION_MARK_COLOUR},
            }
        )
    return shapes, annotations


def quiet_periods(points: Sequence[HistoryPoint]) -> list[tuple[dt.date, dt.date]]:
    """The runs of whole days (first, last, local dates) without any assessment inside
    the gaps where the line breaks, at least MIN_QUIET_DAYS long."""
    times = sorted(p.evaluated_at for p in points)
    threshold = gap_threshold(times)
    periods = []
    for before, after in itertools.pairwise(times):
        if after - before < threshold:
            continue
        first = timezone.localtime(before).date() + dt.timedelta(days=1)
        last = timezone.localtime(after).date() - dt.timedelta(days=1)
        if (last - first).days + 1 >= MIN_QUIET_DAYS:
            periods.append((first, last))
    return periods


def _quiet_marks(
    periods: Sequence[tuple[dt.date, dt.date]],
) -> tuple[list[dict], list[dict]]:
    """A dotted line and "⋯ 9 days without assessment" where days are cut out."""
    shapes: list[dict] = []
    annotations: list[dict] = []
    for first, last in periods:
        days = (last - first).days + 1
        x = (last + dt.timedelta(days=1)).isoformat()
        shapes.append(_vertical_line(x, dash="dot"))
        annotations.append(
            {
                "x": x,
                "xref": "x",
                "y": 0.02,
                "yref": "paper",
                "text": "⋯ "
                + ngettext(
                    "%(days)s day without assessment",
                    "%(days)s days without assessment",
                    days,
                )
                % {"days": days},
                "showarrow": False,
                "xanchor": "center",
                "yanchor": "bottom",
                "bgcolor": "rgba(255,255,255,0.85)",
                "font": {"size": 11, "color": VERSION_MARK_COLOUR},
            }
        )
    return shapes, annotations


def time_axis(points: Sequence[HistoryPoint]) -> dict[str, Any]:
    """A date axis whose range holds every point with some room around it; a short one
    (a single run, two runs on one day) is padded by a day each side and ticks once a day
    with dates only, never at fractions of a second."""
    axis: dict[str, Any] = {"type": "date"}
    if not points:
        return axis
    first, last = points[0].evaluated_at, points[-1].evaluated_at
    span = last - first
    pad = AXIS_PAD if span < SHORT_SPAN else span * 0.03
    axis["range"] = [_wall_clock(first - pad), _wall_clock(last + pad)]
    periods = quiet_periods(points)
    if span + 2 * pad <= DAILY_TICKS_UP_TO and not periods:
        start = timezone.localtime(first - pad).replace(hour=0, minute=0, second=0, microsecond=0)
        axis.update(
            {"tick0": start.strftime("%Y-%m-%d"), "dtick": DAY_MS, "tickformat": "%-d %b %Y"}
        )
    if periods:
        hidden = [
            (quiet_first + dt.timedelta(days=n)).isoformat()
            for quiet_first, quiet_last in periods
            for n in range((quiet_last - quiet_first).days + 1)
        ]
        axis["rangebreaks"] = [{"values": hidden, "dvalue": DAY_MS}]
        axis.update(_day_ticks(points))
    return axis


def _day_ticks(points: Sequence[HistoryPoint]) -> dict[str, Any]:
    """With days cut out, plotly places its ticks as if they were there, and most fall in
    the cut: tick each day that has assessments instead, when there are few of them."""
    first_of_day: dict[dt.date, dt.datetime] = {}
    for point in points:
        first_of_day.setdefault(timezone.localtime(point.evaluated_at).date(), point.evaluated_at)
    if len(first_of_day) > MAX_DAY_TICKS:
        return {}
    return {
        "tickvals": [_wall_clock(moment) for moment in first_of_day.values()],
        "ticktext": [formats.date_format(day, "j M Y") for day in first_of_day],
    }


def score_chart(history: ScoreHistory) -> dict[str, Any]:
    """The overall score and each category's score over time, one point per assessment,
    one series per origin (measured, backfilled, claimed), each line broken where no
    assessment was made for much longer than usual, and checklist versions marked. Every
    point carries [assessment id, revision] as customdata, so that a click can load
    that assessment."""
    labels = origin_labels()
    # Each point's date, formatted once for the overall series and every category's.
    x_of = {p.assessment_id: _wall_clock(p.evaluated_at) for p in history.points}
    by_origin = {origin: [p for p in history.points if p.origin == origin] for origin in Origin.ALL}
    thresholds = {
        origin: None
        if origin == Origin.CLAIMED
        else gap_threshold([p.evaluated_at for p in points])
        for origin, points in by_origin.items()
    }
    overall_names = {
        Origin.MEASURED: _("Overall (measured)"),
        Origin.BACKFILLED: _("Overall (backfilled: file checks only)"),
        Origin.CLAIMED: _("Overall (claimed by a document)"),
    }
    traces = []
    for origin, points in by_origin.items():
        if points:
            traces.append(
                {
                    "type": "scatter",
                    **_series(points, lambda p: p.score, thresholds[origin], x_of),
                    "name": overall_names[origin],
                    "legendgroup": "overall-" + origin,
                    "hovertemplate": _hover(origin, labels[origin]),
                    **_style(origin, OVERALL_COLOUR, overall=True),
                }
            )
    for index, (key, name) in enumerate(history.categories):
        scores = history.category_scores.get(key, {})
        colour = CATEGORY_COLOURS[index % len(CATEGORY_COLOURS)]
        legend_shown = False
        for origin, points in by_origin.items():
            if not any(scores.get(p.assessment_id) is not None for p in points):
                continue
            series = {
                "type": "scatter",
                **_series(
                    points,
                    lambda p, s=scores: s.get(p.assessment_id),
                    thresholds[origin],
                    x_of,
                ),
                "name": name,
                # One legend entry per category toggles all its series.
                "legendgroup": "category-" + key,
                "showlegend": not legend_shown,
                "hovertemplate": _hover(origin, labels[origin]),
                **_style(origin, colour, overall=False),
            }
            traces.append(_show_lonely_points(series))
            legend_shown = True
    shapes, annotations = _version_marks(history.points)
    quiet_shapes, quiet_annotations = _quiet_marks(quiet_periods(history.points))
    shapes, annotations = shapes + quiet_shapes, annotations + quiet_annotations
    layout = go.Layout(
        # No theme: plotly's default one would add kilobytes to every page.
        template="none",
        # plotly.js formats numbers with these: "9,8" in French.
        separators=formats.get_format("DECIMAL_SEPARATOR")
        + formats.get_format("THOUSAND_SEPARATOR"),
        yaxis={"range": [0, 10.3], "title": {"text": _("Score")}, "fixedrange": True},
        xaxis=time_axis(history.points),
        shapes=shapes,
        annotations=annotations,
        hovermode="closest",
        margin={"l": 48, "r": 16, "t": 16, "b": 40},
        legend={"orientation": "h", "y": -0.15},
        height=380,
        paper_bgcolor="rgba(0,0,0,0)",
        plot_bgcolor="rgba(0,0,0,0)",
    )
    return {"data": [_checked(trace) for trace in traces], "layout": layout.to_plotly_json()}


def _checked(trace: dict[str, Any]) -> dict[str, Any]:
    """`trace` as it is, once plotly has validated its properties but the per-point arrays:
    validating (and deep-copying) those would cost more than the rest of the page."""
    go.Scatter({k: v for k, v in trace.items() if k not in POINT_ARRAYS})
    return trace


def campaign_chart(burnup: Burnup) -> dict[str, Any]:
    """A campaign's burn-up: projects passing its checks at the end of each day since its
    start, the number of projects it covers, and its target date."""
    days = [day.isoformat() for day in burnup.days]
    target = burnup.campaign.target.isoformat()
    traces = [
        {
            "type": "scatter",
            "x": days,
            "y": burnup.passing,
            "mode": "lines+markers" if len(days) < 40 else "lines",
            "line": {"shape": "hv", "color": CATEGORY_COLOURS[1], "width": 3},
            "name": _("Projects passing"),
            "hovertemplate": "%{x}: %{y}<extra></extra>",
        },
        {
            "type": "scatter",
            "x": [burnup.campaign.start.isoformat(), max(target, days[-1])],
            "y": [burnup.total, burnup.total],
            "mode": "lines",
            "line": {"dash": "dot", "color": VERSION_MARK_COLOUR},
            "name": _("Projects in the campaign"),
            "hoverinfo": "skip",
        },
    ]
    layout = go.Layout(
        template="none",
        separators=formats.get_format("DECIMAL_SEPARATOR")
        + formats.get_format("THOUSAND_SEPARATOR"),
        yaxis={
            "range": [0, max(burnup.total, 1) * 1.08],
            "title": {"text": _("Projects")},
            "fixedrange": True,
            "rangemode": "tozero",
        },
        xaxis={
            "type": "date",
            "range": [burnup.campaign.start.isoformat(), max(target, days[-1])],
            "fixedrange": True,
            "tickformat": "%Y-%m-%d",
        },
        shapes=[_vertical_line(target, dash="dash")],
        annotations=[
            {
                "x": target,
                "y": 1,
                "xref": "x",
                "yref": "paper",
                "text": pgettext("campaign", "target"),
                "showarrow": False,
                "yanchor": "bottom",
                "xanchor": "right",
                "font": {"size": 11, "color": VERSION_MARK_COLOUR},
            }
        ],
        hovermode="closest",
        margin={"l": 48, "r": 16, "t": 24, "b": 40},
        legend={"orientation": "h", "y": -0.15},
        height=340,
        paper_bgcolor="rgba(0,0,0,0)",
        plot_bgcolor="rgba(0,0,0,0)",
    )
    return {"data": [_checked(trace) for trace in traces], "layout": layout.to_plotly_json()}
