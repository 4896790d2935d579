import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from readiness.models import AssessmentStatus
from tests import factories
from tests.readiness.dashboard_builders import add_history

URL = reverse("readiness:overview")


@pytest.mark.django_db
def test_it_redirects_anonymous_users_to_the_login_page(client):
    response = client.get(URL)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_it_shows_a_card_per_visible_project_with_score_coverage_verdict_and_change(world, login):
    add_history(world.project, world.checklist, 2, categories=world.categories)
    previous, latest = world.project.assessments.order_by("evaluated_at")
    previous.score, latest.score, latest.coverage = 9.2, 9.8, 0.92
    previous.save()
    latest.save()
    response = login().get(URL)
    assert response.status_code == 200
    html = response.content.decode()
    assert "Payments API" in html
    assert "9.8/10" in html
    assert "92% measured" in html
    assert "▲ +0.6" in html
    assert 'class="sparkline"' in html
    assert "Secret" not in html
    assert reverse("readiness:standup", args=["payments"]) in html


def test_it_shows_a_drop_with_a_down_arrow(world, login):
    add_history(world.project, world.checklist, 2)
    previous, latest = world.project.assessments.order_by("evaluated_at")
    previous.score, latest.score = 9.0, 8.7
    previous.save()
    latest.save()
    assert "▼ −0.3" in login().get(URL).content.decode()


def test_it_draws_the_sparkline_from_the_last_30_scores_only(world, login):
    add_history(world.project, world.checklist, 40)
    html = login().get(URL).content.decode()
    points = html.split('points="')[1].split('"')[0].split()
    assert len(points) == 30


def test_it_polls_every_2_seconds_only_while_an_assessment_runs(world, login):
    client = login()
    assert 'hx-trigger="every 2s"' not in client.get(URL).content.decode()
    factories.AssessmentFactory(
        project=world.project,
        checklist=world.checklist,
        status=AssessmentStatus.RUNNING,
        checks_total=4,
        checks_done=1,
        score=None,
    )
    html = client.get(URL).content.decode()
    assert 'hx-trigger="every 2s"' in html
    assert "running…" in html
    assert "1 of 4 checks done" in html


def test_it_answers_htmx_polls_with_the_cards_fragment_only(world, login):
    add_history(world.project, world.checklist, 3)
    response = login().get(URL, headers={"HX-Request": "true"})
    html = response.content.decode()
    assert response.status_code == 200
    assert html.lstrip().startswith('<div id="project-cards"')
    assert "<html" not in html


def test_it_formats_scores_in_french(world, login):
    add_history(world.project, world.checklist, 1)
    world.project.assessments.update(score=9.8)
    html = login().get(URL, headers={"Accept-Language": "fr"}).content.decode()
    assert "9,8/10" in html
    assert 'lang="fr"' in html


@pytest.mark.parametrize("count", [10, 200])
def test_it_runs_the_same_bounded_number_of_queries_whatever_the_history(
    world, login, django_assert_max_num_queries, count
):
    client = login()
    add_history(world.project, world.checklist, count, categories=world.categories)
    second = factories.ProjectFactory(team=world.team)
    add_history(second, factories.ChecklistVersionFactory(project=second), count)
    # session, user, projects, last 2 of each project (and its claim), the scores of its
    # last 30, running assessments, the teams the user administers (for "Add a project")
    with django_assert_max_num_queries(7):
        response = client.get(URL)
    assert response.status_code == 200


@pytest.mark.parametrize("projects", [10, 500])
def test_it_runs_the_same_queries_with_500_projects(
    world, login, django_assert_max_num_queries, projects
):
    client = login()
    for n in range(projects):
        project = factories.ProjectFactory(team=world.team, slug=f"service-{n}")
        add_history(project, factories.ChecklistVersionFactory(project=project), 2)
    with django_assert_max_num_queries(7):
        response = client.get(URL)
    assert response.status_code == 200
    assert response.content.decode().count('data-testid="project-card"') == projects + 1


def test_it_shows_when_each_project_last_ran(world, login):
    add_history(world.project, world.checklist, 1, end=timezone.now() - dt.timedelta(hours=3))
    assert "3\xa0hours ago" in login().get(URL).content.decode()


def test_it_switches_language_with_the_switcher_in_the_header(world, login):
    client = login()
    html = client.get(URL).content.decode()
    assert f'action="{reverse("set_language")}"' in html
    response = client.post(reverse("set_language"), {"language": "fr", "next": URL})
    assert response.status_code == 302
    assert 'lang="fr"' in client.get(URL).content.decode()


def test_it_names_the_team_on_each_card_when_the_user_sees_several_teams(world, client):
    superuser = factories.UserFactory(is_superuser=True)
    client.force_login(superuser)
    html = client.get(URL).content.decode()
    assert html.count('data-testid="card-team"') == 2
    assert "Team Payments" in html
    assert "Team Other" in html


def test_it_does_not_repeat_the_team_on_cards_of_a_single_team(world, login):
    assert 'data-testid="card-team"' not in login().get(URL).content.decode()
