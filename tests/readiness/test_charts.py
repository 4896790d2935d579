import datetime as dt
import json

from django.utils import timezone, translation

from readiness.charts import score_chart
from readiness.selectors.projects import HistoryPoint, ScoreHistory


def history():
    start = timezone.now() - dt.timedelta(days=2)
    points = [
        HistoryPoint(
            assessment_id=i + 1,
            evaluated_at=start + dt.timedelta(days=i),
            revision="a" * 40,
            score=8 + i / 2,
        )
        for i in range(3)
    ]
    return ScoreHistory(
        points=points,
        categories=[("security", "Security"), ("ops", "Ops")],
        category_scores={"security": {1: 9.0, 2: 9.5, 3: 10.0}, "ops": {2: 7.0}},
    )


def test_it_draws_the_overall_score_and_one_line_per_category():
    figure = score_chart(history())
    assert [t["name"] for t in figure["data"]] == ["Overall", "Security", "Ops"]
    assert figure["data"][0]["y"] == [8.0, 8.5, 9.0]
    # A category without a score on a day leaves a gap, not a zero.
    assert figure["data"][2]["y"] == [None, 7.0, None]


def test_it_carries_the_assessment_id_and_revision_on_every_point():
    figure = score_chart(history())
    for trace in figure["data"]:
        assert [c[0] for c in trace["customdata"]] == [1, 2, 3]
        assert trace["customdata"][0][1] == "a" * 12
        assert "%{customdata[1]}" in trace["hovertemplate"]


def test_it_is_plain_json_with_local_wall_clock_dates():
    figure = score_chart(history())
    assert json.loads(json.dumps(figure)) == figure
    dt.datetime.strptime(figure["data"][0]["x"][0], "%Y-%m-%d %H:%M:%S")


def test_it_uses_the_languages_decimal_separator():
    with translation.override("fr"):
        assert score_chart(history())["layout"]["separators"][0] == ","
    with translation.override("en"):
        assert score_chart(history())["layout"]["separators"][0] == "."
