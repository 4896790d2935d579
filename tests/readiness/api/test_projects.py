"""`GET /api/v1/projects/` and `GET /api/v1/projects/{slug}/`: the caller's projects with
their latest measured score, level and last run; access as on the pages."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from readiness.models import AssessmentStatus, Trigger
from tests import factories
from tests.readiness.api.conftest import bearer
from tests.readiness.dashboard_builders import add_history

LIST = "/api/v1/projects/"


def detail(slug: str) -> str:
    return f"/api/v1/projects/{slug}/"


def test_it_lists_the_teams_projects_with_the_latest_measured_score(world, api, history):
    latest = history[-1]
    latest.level, latest.verdict_reasons = "bronze", [{"code": "score_below"}]
    latest.save()
    world.checklist.levels = ["bronze", "silver"]
    world.checklist.save()
    world.project.target_level = "silver"
    world.project.save()
    response = api("read").get(LIST)
    assert response.status_code == 200
    [row] = response.json()  # not the other team's project
    assert row["slug"] == "payments-api" and row["team"] == "payments"
    assert row["url"] == "http://testserver" + reverse("readiness:project", args=["payments-api"])
    assert (row["assessment"], row["score"], row["coverage"]) == (latest.pk, latest.score, 0.9)
    assert row["delta"] == pytest.approx(latest.score - history[-2].score)
    assert row["verdict"] == "not-ready" and row["reasons"] == [{"code": "score_below"}]
    assert row["level"] == {
        "achieved": "bronze",
        "target": "silver",
        "levels": ["bronze", "silver"],
        "target_reached": False,
    }
    assert row["last_run"]["id"] == latest.pk
    assert (row["last_run"]["trigger"], row["last_run"]["status"]) == ("schedule", "done")
    assert row["last_run"]["api_url"] == f"http://testserver/api/v1/assessments/{latest.pk}/"


def test_the_last_run_is_the_newest_whatever_its_status_and_the_score_stays_measured(
    world, api, history
):
    failed = factories.AssessmentFactory(
        project=world.project,
        checklist=world.checklist,
        trigger=Trigger.MANUAL,
        status=AssessmentStatus.FAILED,
        score=None,
        note="clone failed",
    )
    factories.AssessmentFactory(  # a document's claim is not a run, nor the score
        project=world.project,
        checklist=world.checklist,
        trigger=Trigger.IMPORT,
        claimed=True,
        score=9.9,
        evaluated_at=timezone.now() + dt.timedelta(minutes=1),
    )
    [row] = api().get(LIST).json()
    assert row["assessment"] == history[-1].pk and row["score"] == history[-1].score
    assert (row["last_run"]["id"], row["last_run"]["status"]) == (failed.pk, "failed")


def test_a_project_never_assessed_has_nulls_and_no_last_run(world, api):
    [row] = api().get(LIST).json()
    assert (row["assessment"], row["score"], row["verdict"], row["last_run"]) == (
        None,
        None,
        None,
        None,
    )
    assert row["level"] == {"achieved": None, "target": None, "levels": [], "target_reached": False}


def test_a_signed_in_user_sees_the_projects_of_their_teams(world, login, history):
    response = login("viewer").get(LIST)
    assert [row["slug"] for row in response.json()] == ["payments-api"]


@pytest.mark.parametrize("count", [3, 30])
def test_the_list_costs_the_same_queries_for_3_or_30_projects(
    world, django_assert_num_queries, count
):
    for n in range(count):
        project = factories.ProjectFactory(team=world.team, slug=f"service-{n:02d}")
        checklist = factories.ChecklistVersionFactory(project=project, number=1)
        add_history(project, checklist, 4)
    client = bearer(world.team)
    client.get(LIST)  # the token's first use writes its last use: not the list's cost
    # The token, the projects with the ids of their states, those assessments.
    with django_assert_num_queries(3):
        response = client.get(LIST)
    assert len(response.json()) == count + 1


def test_the_list_query_count_does_not_grow_with_projects(world):
    """The same statement count at 3 and 30 projects, measured rather than assumed."""
    counts = []
    client = bearer(world.team)
    client.get(LIST)
    for total in (3, 30):
        while world.team.projects.count() < total:
            n = world.team.projects.count()
            project = factories.ProjectFactory(team=world.team, slug=f"svc-{n:02d}")
            add_history(project, factories.ChecklistVersionFactory(project=project, number=1), 2)
        with CaptureQueriesContext(connection) as queries:
            assert len(client.get(LIST).json()) == total
        counts.append(len(queries))
    assert counts[0] == counts[1]


def test_one_project_adds_its_categories_with_their_change(world, api, history):
    response = api("run").get(detail("payments-api"))
    assert response.status_code == 200
    body = response.json()
    assert body["assessment"] == history[-1].pk
    assert [(c["key"], c["name"]) for c in body["categories"]] == [
        ("security", "Security"),
        ("monitoring", "Monitoring"),
    ]
    security = body["categories"][0]
    assert security["score"] == history[-1].score
    assert security["delta"] == pytest.approx(history[-1].score - history[-2].score)


def test_another_teams_project_is_404_and_unknown_tokens_401(world, api):
    response = api().get(detail("secret"))
    assert response.status_code == 404
    assert response["Content-Type"] == "application/problem+json"
    response = api(team=world.other_project.team).get(LIST)
    assert [row["slug"] for row in response.json()] == ["secret"]
    unauthenticated = Client().get(LIST)
    assert unauthenticated.status_code == 401
    assert unauthenticated["WWW-Authenticate"] == "Bearer"
