import datetime as dt
import json

import pytest

from readiness import models
from readiness.management.commands.history import history_points
from tests import factories
from tests.readiness.repo_builders import run_command


def assessment_with_results(checklist, *, evaluated_at, statuses, **fields):
    assessment = factories.AssessmentFactory(
        checklist=checklist, evaluated_at=evaluated_at, **fields
    )
    for check, status in zip(checklist.checks.order_by("position"), statuses, strict=True):
        factories.CheckResultFactory(assessment=assessment, check_item=check, status=status)
    return assessment


@pytest.fixture
def checklist():
    version = factories.ChecklistVersionFactory(project__slug="shop")
    category = factories.CategoryFactory(checklist=version, key="security")
    factories.CheckFactory(checklist=version, category=category, key="signature", position=0)
    factories.CheckFactory(checklist=version, category=category, key="tls", position=1)
    return version


@pytest.mark.django_db
def test_it_lists_assessments_oldest_first_by_evaluation_date_then_id(checklist):
    day = dt.datetime(2026, 2, 15, 9, tzinfo=dt.UTC)
    live = assessment_with_results(
        checklist,
        evaluated_at=day + dt.timedelta(days=1),
        statuses=["pass", "pass"],
        trigger=models.Trigger.CLI,
        score=9.8,
        coverage=1.0,
        revision="b" * 40,
    )
    # Created later but evaluated earlier: a backfilled commit.
    backfilled = assessment_with_results(
        checklist,
        evaluated_at=day,
        statuses=["fail", "skip"],
        trigger=models.Trigger.BACKFILL,
        score=0.0,
        coverage=1.0,
        verdict=models.Verdict.NOT_READY,
        revision="a" * 40,
    )
    same_time = assessment_with_results(
        checklist, evaluated_at=day, statuses=["pass", "error"], score=10.0, coverage=0.5
    )

    code, out, _err = run_command("history", "--project", "shop", "--json")

    points = json.loads(out)
    assert code == 0
    assert [p["id"] for p in points] == [backfilled.pk, same_time.pk, live.pk]
    assert points[0] == {
        "id": backfilled.pk,
        "date": "2026-02-15T09:00:00+00:00",
        "revision": "a" * 40,
        "trigger": "backfill",
        "file_checks_only": True,
        "status": "done",
        "score": 0.0,
        "coverage": 1.0,
        "verdict": "not-ready",
        "level": None,
        "waived": [],
        "checks": [{"key": "signature", "status": "fail"}, {"key": "tls", "status": "skip"}],
    }
    assert points[2]["date"] == "2026-02-16T09:00:00+00:00"
    assert points[2]["score"] == 9.8
    assert points[2]["file_checks_only"] is False


@pytest.mark.django_db
def test_it_prints_null_for_a_missing_score_revision_and_verdict(checklist):
    factories.AssessmentFactory(
        checklist=checklist,
        status=models.AssessmentStatus.RUNNING,
        score=None,
        coverage=None,
        verdict="",
    )

    _code, out, _err = run_command("history", "--project", "shop", "--json")

    [point] = json.loads(out)
    assert (point["score"], point["coverage"], point["verdict"], point["revision"]) == (
        None,
        None,
        None,
        None,
    )
    assert point["checks"] == []


@pytest.mark.django_db
def test_it_reads_any_number_of_assessments_in_two_queries(checklist, django_assert_num_queries):
    for day in range(5):
        assessment_with_results(
            checklist,
            evaluated_at=dt.datetime(2026, 2, 1 + day, tzinfo=dt.UTC),
            statuses=["pass", "fail"],
        )

    with django_assert_num_queries(2):
        points = history_points(checklist.project)

    assert len(points) == 5


@pytest.mark.django_db
def test_it_lists_only_the_projects_own_assessments(checklist):
    factories.AssessmentFactory()
    mine = factories.AssessmentFactory(checklist=checklist)

    _code, out, _err = run_command("history", "--project", "shop", "--json")

    assert [p["id"] for p in json.loads(out)] == [mine.pk]


@pytest.mark.django_db
def test_it_prints_a_readable_table(checklist):
    assessment_with_results(
        checklist,
        evaluated_at=dt.datetime(2026, 2, 15, 9, 30, tzinfo=dt.UTC),
        statuses=["pass", "warn"],
        score=7.5,
        coverage=0.9,
        revision="abcdef0123" + "0" * 30,
    )

    _code, out, _err = run_command("history", "--project", "shop")

    header, row = out.splitlines()
    assert header.split() == [
        "#",
        "Date",
        "Revision",
        "Trigger",
        "Status",
        "Score",
        "Coverage",
        "Verdict",
    ]
    assert "2026-02-15 09:30" in row
    assert "abcdef0" in row
    assert "7.5/10" in row
    assert "90% measured" in row


@pytest.mark.django_db
def test_it_exits_2_for_an_unknown_project():
    code, _out, err = run_command("history", "--project", "nope")

    assert code == 2
    assert "nope" in err
