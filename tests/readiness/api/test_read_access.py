"""Who may read what through the API, endpoint by endpoint: a read or a run token of the
project's team and its members' sessions read; without a token 401; another team's token
or session 404 (as on the pages); a metrics token 403; a revoked token 401."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.test import Client

from readiness.services.api_tokens import api_token_create, api_token_revoke
from tests import factories

ENDPOINTS: dict[str, Callable] = {
    "project": lambda w, h: "/api/v1/projects/payments-api/",
    "assessments": lambda w, h: "/api/v1/projects/payments-api/assessments/",
    "assessment": lambda w, h: f"/api/v1/assessments/{h[-1].pk}/",
    "progress": lambda w, h: f"/api/v1/assessments/{h[-1].pk}/progress",
    "compare": lambda w, h: f"/api/v1/compare/?from={h[0].pk}&to={h[-1].pk}",
}


@pytest.fixture(params=list(ENDPOINTS))
def url(request, world, history) -> str:
    return ENDPOINTS[request.param](world, history)


@pytest.mark.parametrize("scope", ["read", "run"])
def test_a_read_or_run_token_of_the_team_reads(api, url, scope):
    assert api(scope).get(url).status_code == 200


def test_without_a_token_it_is_401_with_a_bearer_challenge(url):
    response = Client().get(url)
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Bearer"
    assert response["Content-Type"] == "application/problem+json"


def test_another_teams_token_is_404(world, api, url):
    response = api(team=world.other_project.team).get(url)
    assert response.status_code == 404
    assert response.json()["status"] == 404


def test_a_metrics_token_is_403(api, url):
    response = api("metrics").get(url)
    assert response.status_code == 403 and "metrics" in response.json()["detail"]


def test_a_revoked_token_is_401(world, url):
    token, secret = api_token_create(team=world.team, scope="read", name="old", by=None)
    api_token_revoke(token=token, by=None)
    assert Client(headers={"Authorization": f"Bearer {secret}"}).get(url).status_code == 401


def test_a_members_session_reads_and_a_strangers_is_404(login, url):
    assert login("viewer").get(url).status_code == 200
    stranger = Client()
    stranger.force_login(factories.UserFactory())
    assert stranger.get(url).status_code == 404


def test_the_list_of_projects_shows_each_caller_its_own(world, api):
    assert [p["slug"] for p in api("run").get("/api/v1/projects/").json()] == ["payments-api"]
    theirs = api(team=world.other_project.team).get("/api/v1/projects/").json()
    assert [p["slug"] for p in theirs] == ["secret"]
    assert api("metrics").get("/api/v1/projects/").status_code == 403
    assert Client().get("/api/v1/projects/").status_code == 401
