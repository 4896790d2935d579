import datetime as dt
import json

import pytest
from django.utils import timezone, translation

from readiness.charts import MAX_GAP, MIN_GAP, gap_threshold, score_chart, time_axis
from readiness.selectors.projects import HistoryPoint, Origin, ScoreHistory

DAY = dt.timedelta(days=1)
START = timezone.make_aware(dt.datetime(2026, 3, 2, 9, 3, 49, 999_500))


def wall(moment: dt.datetime) -> str:
    return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M:%S")


def points_at(days, *, origin=Origin.MEASURED, version=1, first_id=1):
    return [
        HistoryPoint(
            assessment_id=first_id + i,
            evaluated_at=START + day * DAY,
            revision="a" * 40,
            score=8 + i / 2,
            origin=origin,
            checklist_number=version,
        )
        for i, day in enumerate(days)
    ]


def history(points=None, categories=None, category_scores=None):
    points = points if points is not None else points_at([0, 1, 2])
    return ScoreHistory(
        points=sorted(points, key=lambda p: p.evaluated_at),
        categories=categories or [("security", "Security"), ("ops", "Ops")],
        category_scores=category_scores
        if category_scores is not None
        else {"security": {1: 9.0, 2: 9.5, 3: 10.0}, "ops": {2: 7.0}},
    )


def trace(figure, name):
    [found] = [t for t in figure["data"] if t["name"] == name]
    return found


def test_it_draws_the_overall_score_and_one_line_per_category():
    figure = score_chart(history())
    assert [t["name"] for t in figure["data"]] == ["Overall (measured)", "Security", "Ops"]
    assert figure["data"][0]["y"] == [8.0, 8.5, 9.0]
    # A category without a score on a day leaves a gap, not a zero.
    assert figure["data"][2]["y"] == [None, 7.0, None]


def test_it_carries_the_assessment_id_and_revision_on_every_point_and_hovers_its_origin():
    figure = score_chart(history())
    for t in figure["data"]:
        assert [c[0] for c in t["customdata"]] == [1, 2, 3]
        assert t["customdata"][0][1] == "a" * 12
        assert "%{customdata[1]}" in t["hovertemplate"]
        assert "<br>measured<br>" in t["hovertemplate"]


def test_it_is_plain_json_with_local_wall_clock_dates():
    figure = score_chart(history())
    assert json.loads(json.dumps(figure)) == figure
    dt.datetime.strptime(figure["data"][0]["x"][0], "%Y-%m-%d %H:%M:%S")


def test_it_uses_the_languages_decimal_separator():
    with translation.override("fr"):
        assert score_chart(history())["layout"]["separators"][0] == ","
    with translation.override("en"):
        assert score_chart(history())["layout"]["separators"][0] == "."


def test_it_breaks_the_line_across_a_30_day_gap_and_keeps_every_point():
    days = [0, 1, 2, 32, 33]
    figure = score_chart(history(points_at(days), category_scores={}))
    overall = figure["data"][0]
    assert overall["connectgaps"] is False
    assert overall["y"] == [8.0, 8.5, 9.0, None, 9.5, 10.0]
    assert [c and c[0] for c in overall["customdata"]] == [1, 2, 3, None, 4, 5]
    # The break sits inside the gap, and the points keep their own dates.
    assert wall(START + 2 * DAY) < overall["x"][3] < wall(START + 32 * DAY)
    assert overall["x"][4] == wall(START + 32 * DAY)


def test_it_breaks_category_lines_at_the_same_gaps():
    scores = {"security": {i: 7.0 for i in range(1, 6)}}
    figure = score_chart(history(points_at([0, 1, 2, 40, 41]), [("security", "Security")], scores))
    assert trace(figure, "Security")["y"] == [7.0, 7.0, 7.0, None, 7.0, 7.0]


def test_it_breaks_at_a_gap_much_longer_than_the_usual_spacing_only():
    # Weekly runs: a missed week stays joined, a five-week silence does not.
    assert gap_threshold([START + 7 * i * DAY for i in range(5)]) == 28 * DAY
    # Daily runs: a weekend stays joined, a week's silence does not.
    assert gap_threshold([START + i * DAY for i in range(10)]) == 4 * DAY
    # Runs every hour: a night or a weekend stays joined.
    assert gap_threshold([START + i * DAY / 24 for i in range(10)]) == MIN_GAP
    # Monthly runs: never across more than 30 days.
    assert gap_threshold([START + 30 * i * DAY for i in range(5)]) == MAX_GAP
    daily_with_weekend = [0, 1, 2, 3, 4, 7, 8, 9]
    overall = score_chart(history(points_at(daily_with_weekend), category_scores={}))["data"][0]
    assert None not in overall["y"]


def test_it_draws_each_origin_as_its_own_series():
    points = (
        points_at([0], origin=Origin.CLAIMED, first_id=1)
        + points_at([5, 6, 7], origin=Origin.BACKFILLED, first_id=2)
        + points_at([8, 9], origin=Origin.MEASURED, first_id=5)
    )
    figure = score_chart(history(points, category_scores={}))
    measured = trace(figure, "Overall (measured)")
    backfilled = trace(figure, "Overall (backfilled: file checks only)")
    claimed = trace(figure, "Overall (claimed by a document)")
    assert [c[0] for c in measured["customdata"]] == [5, 6]
    assert [c[0] for c in backfilled["customdata"]] == [2, 3, 4]
    assert [c[0] for c in claimed["customdata"]] == [1]
    assert measured["line"]["dash"] == "solid"
    assert backfilled["line"]["dash"] == "dot"
    assert "backfilled from git history, file checks only" in backfilled["hovertemplate"]
    # Claimed: hollow markers, never a line.
    assert claimed["mode"] == "markers"
    assert claimed["marker"]["symbol"] == "circle-open"
    assert "claimed by a document" in claimed["hovertemplate"]


def test_it_shows_claimed_category_scores_as_markers_in_one_legend_entry_per_category():
    points = points_at([0], origin=Origin.CLAIMED) + points_at([3, 4], first_id=2)
    scores = {"security": {1: 9.8, 2: 6.0, 3: 6.5}}
    figure = score_chart(history(points, [("security", "Security")], scores))
    security = [t for t in figure["data"] if t["name"] == "Security"]
    assert [(t["mode"], t.get("showlegend")) for t in security] == [
        ("lines", True),
        ("markers", False),
    ]
    assert security[1]["marker"]["symbol"] == "circle-open"
    assert len({t["legendgroup"] for t in security}) == 1


def test_it_marks_where_each_later_checklist_version_starts():
    points = (
        points_at([0, 1], version=1)
        + points_at([2, 3], version=2, first_id=3)
        + points_at([4], version=3, first_id=5)
    )
    layout = score_chart(history(points, category_scores={}))["layout"]
    assert [a["text"] for a in layout["annotations"]] == ["v2", "v3"]
    assert [s["x0"] for s in layout["shapes"]] == [wall(START + 2 * DAY), wall(START + 4 * DAY)]
    assert all(s["yref"] == "paper" and s["line"]["width"] == 1 for s in layout["shapes"])


def test_it_marks_no_version_when_the_chart_has_one():
    layout = score_chart(history())["layout"]
    assert not layout.get("annotations") and not layout.get("shapes")


def test_it_pads_the_axis_of_a_single_point_by_a_day_with_daily_date_ticks():
    [point] = points_at([0])
    axis = time_axis([point])
    assert axis["range"] == [wall(START - DAY), wall(START + DAY)]
    assert axis["dtick"] == 86_400_000
    assert "%H" not in axis["tickformat"] and "%L" not in axis["tickformat"]
    assert axis["tick0"] == timezone.localtime(START - DAY).strftime("%Y-%m-%d")


def test_it_pads_two_points_a_second_apart_like_one():
    points = points_at([0, 1 / 86_400])
    axis = time_axis(points)
    assert axis["range"] == [wall(START - DAY), wall(START + DAY + dt.timedelta(seconds=1))]


def test_it_leaves_long_spans_to_plotlys_ticks_with_a_small_margin():
    points = points_at([0, 100])
    axis = time_axis(points)
    assert axis["range"] == [wall(START - 3 * DAY), wall(START + 103 * DAY)]
    assert "dtick" not in axis


@pytest.mark.parametrize("language", ["en", "fr"])
def test_it_names_the_origins_in_the_users_language(language):
    points = points_at([0], origin=Origin.CLAIMED) + points_at([1], first_id=2)
    with translation.override(language):
        names = [t["name"] for t in score_chart(history(points, category_scores={}))["data"]]
    expected = {
        "en": ["Overall (measured)", "Overall (claimed by a document)"],
        "fr": ["Global (mesuré)", "Global (déclaré par un document)"],
    }
    assert names == expected[language]


def test_it_dots_a_category_point_that_has_no_neighbour_on_its_line():
    scores = {"security": {1: 7.0, 2: 7.5, 4: 8.0}}
    points = points_at([0, 1, 2, 40])
    figure = score_chart(history(points, [("security", "Security")], scores))
    security = trace(figure, "Security")
    # Days 0-1 make a line; day 2 has no score; day 40 is alone after the gap.
    assert security["y"] == [7.0, 7.5, None, None, 8.0]
    assert security["mode"] == "lines+markers"
    assert security["marker"]["size"] == [0, 0, 0, 0, 5]


def test_it_draws_a_category_with_no_lonely_point_as_a_plain_line():
    figure = score_chart(history())
    assert trace(figure, "Security")["mode"] == "lines"


def test_it_cuts_the_whole_quiet_days_of_a_long_gap_out_of_the_axis_and_marks_the_cut():
    # Daily runs, nothing for 20 days, daily runs again.
    figure = score_chart(history(points_at([0, 1, 2, 23, 24, 25]), category_scores={}))

    [cut] = figure["layout"]["xaxis"]["rangebreaks"]
    first_quiet = timezone.localtime(START + 3 * DAY).date()
    assert cut["values"] == [(first_quiet + n * DAY).isoformat() for n in range(20)]
    assert cut["dvalue"] == 86_400_000
    [mark] = [a for a in figure["layout"]["annotations"] if "without assessment" in a["text"]]
    assert mark["text"] == "⋯ 20 days without assessment"
    assert mark["x"] == (first_quiet + 20 * DAY).isoformat()


def test_it_keeps_the_axis_whole_when_assessments_are_evenly_spaced():
    figure = score_chart(history(points_at(range(0, 60, 7)), category_scores={}))

    assert "rangebreaks" not in figure["layout"]["xaxis"]
    assert not any("without" in a["text"] for a in figure["layout"].get("annotations", ()))


def test_it_does_not_cut_a_gap_of_a_single_quiet_day():
    # Hourly runs on two days with one quiet day between them.
    times = [0, 1 / 24, 2 / 24, 2, 2 + 1 / 24]
    figure = score_chart(history(points_at(times), category_scores={}))

    assert "rangebreaks" not in figure["layout"]["xaxis"]


def test_it_hovers_no_revision_line_on_a_documents_claim():
    claimed = points_at([0], origin=Origin.CLAIMED)
    measured = points_at([1], first_id=2)
    figure = score_chart(history(claimed + measured, category_scores={}))

    assert "customdata[1]" not in trace(figure, "Overall (claimed by a document)")["hovertemplate"]
    assert "customdata[1]" in trace(figure, "Overall (measured)")["hovertemplate"]


def test_it_ticks_each_day_with_assessments_when_days_are_cut_out():
    figure = score_chart(history(points_at([0, 0.1, 12, 12.2]), category_scores={}))

    axis = figure["layout"]["xaxis"]
    assert axis["tickvals"] == [wall(START), wall(START + 12 * DAY)]
    assert len(axis["ticktext"]) == 2
    assert "dtick" not in axis
