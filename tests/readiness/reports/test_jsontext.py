"""Reports as JSON (readiness/reports/jsontext.py): raw numbers, the same content."""

import json

import pytest

from readiness.reports.imports import import_report_data
from readiness.reports.jsontext import json_text
from readiness.reports.project import report_build, report_data
from tests.readiness.reports.conftest import (
    AFTER,
    BEFORE,
    CATEGORY_OF,
    CATEGORY_WEIGHTS,
    category_scores,
)


def test_it_writes_json_with_unrounded_numbers(measured):
    project, (before, after) = measured
    data = json.loads(json_text(report_data(report_build(project=project))))
    assert data["score"] == after.score
    assert data["previous"] == {
        "assessment": before.pk,
        "date": before.evaluated_at.isoformat(),
        "score": before.score,
        "claimed": False,
    }
    assert [c["key"] for c in data["checks"]] == list(CATEGORY_OF)
    assert {c["key"]: c["change"] for c in data["categories"]} == pytest.approx(
        {c: category_scores(AFTER)[c] - category_scores(BEFORE)[c] for c in CATEGORY_WEIGHTS}
    )
    assert [i["key"] for i in data["improvements"]] == ["csp"]
    assert [i["key"] for i in data["regressions"]] == ["logs"]
    lines = data["improvements"] + data["regressions"] + data["other_changes"]
    assert sum(i["amount"] for i in lines) == pytest.approx(data["change"], abs=1e-9)
    assert [item["title"] for item in data["todo"]] == ["Urgent", "Soon", "Later"]


def test_it_gives_json_with_the_same_content(seed):
    data = json.loads(json_text(import_report_data(seed)))
    assert data["date"] == "2026-02-16"
    assert [(p["date"], p["score"]) for p in data["points"]] == [
        ("2026-02-15", 9.2),
        ("2026-02-16", 9.8),
    ]
    assert len(data["notes"]) == len(seed.notes)
    assert {n["kind"] for n in data["notes"]} >= {"untranslated", "approximate"}
