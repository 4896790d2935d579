"""Plotly figures, built in Python and rendered in the browser by plotly.js from their JSON."""

from __future__ import annotations

from typing import Any

import plotly.graph_objects as go
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from readiness.selectors.projects import ScoreHistory

# Calm, distinguishable colours; the overall line is the dark, thick one.
OVERALL_COLOUR = "#1f2937"
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


def _hover() -> str:
    # customdata = [assessment id, short revision]; the revision line is empty without one.
    return (
        "%{x|%Y-%m-%d %H:%M}<br>"
        + _("Score: %(score)s") % {"score": "%{y:.1f}/10"}
        + "<br>%{customdata[1]}<extra>%{fullData.name}</extra>"
    )


def score_chart(history: ScoreHistory) -> dict[str, Any]:
    """The overall score and each category's score over time, one point per assessment.
    Every point carries [assessment id, revision] as customdata, so that a click can load
    that assessment."""
    # plotly.js ignores time zones: send wall-clock times of the current time zone.
    x = [timezone.localtime(p.evaluated_at).strftime("%Y-%m-%d %H:%M:%S") for p in history.points]
    customdata = [[p.assessment_id, p.revision[:12]] for p in history.points]
    overall = _("Overall")
    # Plain dicts, validated once by go.Figure: building go.Scatter objects first would
    # validate and copy every point twice.
    traces = [
        {
            "type": "scatter",
            "x": x,
            "y": [p.score for p in history.points],
            "customdata": customdata,
            "name": overall,
            "mode": "lines+markers",
            "line": {"color": OVERALL_COLOUR, "width": 3},
            "marker": {"size": 6},
            "hovertemplate": _hover(),
        }
    ]
    for index, (key, name) in enumerate(history.categories):
        scores = history.category_scores.get(key, {})
        traces.append(
            {
                "type": "scatter",
                "x": x,
                "y": [scores.get(p.assessment_id) for p in history.points],
                "customdata": customdata,
                "name": name,
                "mode": "lines",
                "line": {"color": CATEGORY_COLOURS[index % len(CATEGORY_COLOURS)], "width": 1.5},
                "hovertemplate": _hover(),
            }
        )
    figure = go.Figure(
        data=traces,
        layout=go.Layout(
            # No theme: plotly's default one would add kilobytes to every page.
            template="none",
            # plotly.js formats numbers with these: "9,8" in French.
            separators=formats.get_format("DECIMAL_SEPARATOR")
            + formats.get_format("THOUSAND_SEPARATOR"),
            yaxis={"range": [0, 10.3], "title": {"text": _("Score")}, "fixedrange": True},
            xaxis={"type": "date"},
            hovermode="closest",
            margin={"l": 48, "r": 16, "t": 16, "b": 40},
            legend={"orientation": "h", "y": -0.15},
            height=340,
            paper_bgcolor="rgba(0,0,0,0)",
            plot_bgcolor="rgba(0,0,0,0)",
        ),
    )
    return figure.to_plotly_json()
