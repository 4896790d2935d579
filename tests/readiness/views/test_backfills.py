import datetime as dt

import pytest
from django.urls import reverse

from readiness.models import Assessment, AssessmentStatus, BackfillRequest, Role, Trigger
from readiness.services.projects import project_upsert
from tests import factories
from tests.integration.support import filesystem_broker, redis_broker, sent_tasks, using
from tests.readiness.repo_builders import GitRepo, category, checklist, write_checklist

HTMX = {"HX-Request": "true"}
TODAY = dt.date.today()


def url(name, *args):
    return reverse(f"readiness:{name}", args=args)


@pytest.fixture
def project(db, tmp_path):
    repo = GitRepo(tmp_path / "repo")
    for days_ago in (3, 2, 1):
        when = dt.datetime.combine(TODAY - dt.timedelta(days=days_ago), dt.time(9), dt.UTC)
        repo.commit({"app.py": f"x = {days_ago}\n"}, when=when)
    path = write_checklist(
        tmp_path / "c.yml",
        checklist(category("code", {"key": "app", "type": "file", "paths": ["app.py"]})),
    )
    project, _version, _created = project_upsert(
        slug="billing", source=str(repo.root), checklist_path=path, team_name="Billing"
    )
    return project


def member(client, project, role):
    user = factories.UserFactory(username=f"{role}-b")
    factories.MembershipFactory(team=project.team, user=user, role=role)
    client.force_login(user)
    return client


def test_it_sends_one_task_per_commit_and_polls_the_progress(client, project, tmp_path):
    member(client, project, Role.EDITOR)
    since = (TODAY - dt.timedelta(days=7)).isoformat()
    with using(filesystem_broker(tmp_path)) as broker:
        response = client.post(
            url("project-backfill", "billing"), {"since": since, "every": "day"}, headers=HTMX
        )
        sent = sent_tasks(broker)
    request = BackfillRequest.objects.get(project=project)
    assert len(request.revisions) == 3
    assert [name for name, _args in sent] == ["readiness.tasks.backfill_point_task"] * 3
    html = response.content.decode()
    assert f'hx-get="{url("backfill-poll", "billing", request.pk)}"' in html
    assert "0 of 3 commits done" in html

    Assessment.objects.create(
        project=project,
        checklist=request.checklist,
        trigger=Trigger.BACKFILL,
        status=AssessmentStatus.DONE,
        revision=request.revisions[0],
    )
    poll = client.get(url("backfill-poll", "billing", request.pk), headers=HTMX)
    assert "1 of 3 commits done" in poll.content.decode()
    assert "HX-Refresh" not in poll


def test_it_stops_polling_and_reloads_the_page_once_every_commit_is_stored(client, project):
    member(client, project, Role.VIEWER)
    request = BackfillRequest.objects.create(
        project=project,
        checklist=project.current_checklist(),
        since=TODAY,
        every="day",
        revisions=["a" * 40],
    )
    Assessment.objects.create(
        project=project,
        checklist=request.checklist,
        trigger=Trigger.BACKFILL,
        status=AssessmentStatus.DONE,
        revision="a" * 40,
    )
    poll = client.get(url("backfill-poll", "billing", request.pk), headers=HTMX)
    assert poll["HX-Refresh"] == "true"
    assert "hx-trigger" not in poll.content.decode()
    assert 'data-testid="backfill-finished"' in poll.content.decode()


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"since": "2999-01-01", "every": "day"}, "the start date is in the future"),
        ({"since": "2000-01-01", "every": "hour"}, "Select a valid choice"),
        ({"since": "not a date", "every": "day"}, "Enter a valid date"),
    ],
)
def test_it_shows_why_a_backfill_cannot_start_and_records_nothing(client, project, data, message):
    member(client, project, Role.EDITOR)
    response = client.post(url("project-backfill", "billing"), data, headers=HTMX)
    assert message in response.content.decode()
    assert not BackfillRequest.objects.exists()


def test_it_says_when_no_commit_is_in_range(client, project, tmp_path):
    member(client, project, Role.EDITOR)
    with using(filesystem_broker(tmp_path)):
        response = client.post(
            url("project-backfill", "billing"),
            {"since": TODAY.isoformat(), "every": "day"},
            headers=HTMX,
        )
    assert "Cannot backfill: no commit since" in response.content.decode()
    assert not BackfillRequest.objects.exists()


def test_it_records_nothing_when_the_queue_is_down(client, project):
    member(client, project, Role.EDITOR)
    with using(redis_broker("redis://127.0.0.1:1/0")):
        response = client.post(
            url("project-backfill", "billing"),
            {"since": "2000-01-01", "every": "day"},
            headers=HTMX,
        )
    assert "The queue is unavailable" in response.content.decode()
    assert not BackfillRequest.objects.exists()


def test_it_forbids_viewers_to_backfill_and_hides_other_teams(client, project):
    member(client, project, Role.VIEWER)
    response = client.post(
        url("project-backfill", "billing"), {"since": "2000-01-01", "every": "day"}
    )
    assert response.status_code == 403
    other = factories.ProjectFactory(slug="secret")
    assert (
        client.post(url("project-backfill", "secret"), {"since": "2000-01-01"}).status_code == 404
    )
    assert client.get(url("backfill-poll", other.slug, 1)).status_code == 404
