"""Another team's project, assessment, result, attestation or action item answers 404 on
every page and every HTMX endpoint, whatever the user's role in their own team; a superuser
reaches all of them."""

import pytest
from django.urls import reverse

from readiness.models import AssessmentStatus, Role
from tests import factories


@pytest.fixture
def foreign(world):
    running = factories.AssessmentFactory(
        project=world.other_project,
        checklist=world.other_assessment.checklist,
        status=AssessmentStatus.RUNNING,
    )
    item = factories.ActionItemFactory(project=world.other_project)
    factories.CheckFactory(checklist=world.other_assessment.checklist, key="secret-manual")
    return {"running": running, "item": item}


def foreign_requests(world, foreign):
    """(method, url, data) for every endpoint, aimed at the other team."""
    slug = world.other_project.slug
    a = world.other_assessment.pk
    return [
        ("get", reverse("readiness:project", args=[slug]), None),
        ("get", reverse("readiness:project-chart", args=[slug]), None),
        ("get", reverse("readiness:history", args=[slug]), None),
        ("get", reverse("readiness:checklist", args=[slug]), None),
        ("get", reverse("readiness:checklist-download", args=[slug, 1]), None),
        ("get", reverse("readiness:assessment", args=[a]), None),
        ("get", reverse("readiness:assessment-progress", args=[foreign["running"].pk]), None),
        ("get", f"{reverse('readiness:compare')}?a={a}&b={a}", None),
        ("get", reverse("readiness:standup", args=[world.other_project.team.slug]), None),
        ("get", reverse("readiness:import-document", args=[slug]), None),
        ("get", reverse("readiness:report-download", args=[slug]), None),
        ("post", reverse("readiness:project-run", args=[slug]), {}),
        ("post", reverse("readiness:assessment-cancel", args=[foreign["running"].pk]), {}),
        (
            "post",
            reverse("readiness:project-schedule", args=[slug]),
            {"schedule": "", "timezone": "UTC"},
        ),
        ("post", reverse("readiness:checklist", args=[slug]), {"text": "version: 1"}),
        (
            "post",
            reverse("readiness:attestation-create", args=[slug]),
            {"check_key": "secret-manual", "status": "pass"},
        ),
        ("post", reverse("readiness:action-item-create", args=[slug]), {"title": "x"}),
        ("post", reverse("readiness:import-document", args=[slug]), {"action": "preview"}),
        ("post", reverse("readiness:action-item-complete", args=[slug, foreign["item"].pk]), {}),
    ]


@pytest.mark.parametrize("htmx", [False, True])
def test_it_answers_404_for_everything_of_another_team(world, login, foreign, htmx):
    client = login(Role.ADMIN)
    headers = {"HX-Request": "true"} if htmx else {}
    for method, url, data in foreign_requests(world, foreign):
        response = getattr(client, method)(url, data, headers=headers)
        assert response.status_code == 404, url
    foreign["running"].refresh_from_db()
    assert foreign["running"].status == AssessmentStatus.RUNNING


@pytest.mark.parametrize("htmx", [False, True])
def test_it_lets_a_superuser_reach_everything_of_a_team_they_are_not_in(
    world, foreign, client, htmx
):
    superuser = factories.UserFactory(is_superuser=True, is_staff=True)
    client.force_login(superuser)
    headers = {"HX-Request": "true"} if htmx else {}
    for method, url, data in foreign_requests(world, foreign):
        response = getattr(client, method)(url, data, headers=headers)
        # 400: the view itself refused the minimal data sent, past the access check.
        assert response.status_code in (200, 302, 400), (url, response.status_code)
    overview = client.get(reverse("readiness:overview")).content.decode()
    assert "Secret" in overview
    assert "Payments API" in overview


def test_it_sends_anonymous_users_to_the_login_page_everywhere(world, foreign, client):
    for method, url, data in foreign_requests(world, foreign):
        response = getattr(client, method)(url, data)
        assert response.status_code == 302, url
        assert response["Location"].startswith(reverse("login")), url


def test_it_does_not_show_projects_to_users_without_a_team(world, client):
    user = factories.UserFactory()
    client.force_login(user)
    assert client.get(reverse("readiness:project", args=[world.project.slug])).status_code == 404
    assert "Payments API" not in client.get(reverse("readiness:overview")).content.decode()
