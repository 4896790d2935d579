"""The `assess` command's document (readiness/reports/assessments.py), from a run that is
not stored and from a stored assessment."""

import pytest

from checks.spec import CategorySpec, Checklist, CheckSpec, Outcome, Status
from readiness.reports.assessments import assessment_report_data, run_report_data
from tests.readiness.reports.conftest import AFTER, CATEGORY_OF, overall

CHECKLIST = Checklist(
    name="Shop readiness",
    ready_at=8.0,
    categories=(
        CategorySpec(
            key="security",
            name="Security",
            checks=(CheckSpec(key="tls", name="TLS is right", type="grep", category="security"),),
        ),
    ),
)


def test_it_scores_a_run_and_names_its_categories():
    data = run_report_data(CHECKLIST, {"tls": Outcome(Status.WARN, "half")}, "abc123")

    assert (data["name"], data["score"], data["revision"]) == ("Shop readiness", 5.0, "abc123")
    assert data["categories"] == [
        {"key": "security", "name": "Security", "weight": 1.0, "score": 5.0, "coverage": 1.0}
    ]
    assert data["checks"][0]["status"] == "warn"
    assert data["checks"][0]["severity"] == "medium"
    assert [r["code"] for r in data["reasons"]] == ["score_below"]


def test_it_gives_a_stored_assessment_with_its_checks_in_order(measured):
    project, (_before, after) = measured

    data = assessment_report_data(after)

    assert (data["id"], data["project"]) == (after.pk, project.slug)
    assert data["score"] == pytest.approx(overall(AFTER))
    assert [(c["key"], c["status"]) for c in data["checks"]] == [
        (key, AFTER[key]) for key in CATEGORY_OF
    ]
