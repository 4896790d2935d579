from django.urls import reverse
from django.utils import timezone

from readiness.models import Assessment, AssessmentStatus, Role
from tests import factories
from tests.integration.support import filesystem_broker, redis_broker, sent_tasks, using
from tests.readiness.dashboard_builders import add_results

HTMX = {"HX-Request": "true"}


def url(name, *args):
    return reverse(f"readiness:{name}", args=args)


def test_it_starts_an_assessment_and_shows_the_progress_bar(
    world, login, tmp_path, django_capture_on_commit_callbacks
):
    client = login(Role.EDITOR)
    with using(filesystem_broker(tmp_path)) as broker:
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post(url("project-run", "payments-api"), headers=HTMX)
        sent = sent_tasks(broker)
    html = response.content.decode()
    assert response.status_code == 200
    run = Assessment.objects.get(project=world.project, trigger="manual")
    assert run.requested_by == client.user
    assert ("readiness.tasks.run_file_checks_task", (run.pk,)) in sent
    assert 'data-testid="progress-bar"' in html
    assert f'hx-get="{url("assessment-progress", run.pk)}"' in html
    assert 'hx-trigger="every 1s"' in html


def test_it_tells_the_user_when_the_queue_is_unavailable(world, login):
    with using(redis_broker("redis://127.0.0.1:1/0")):
        response = login(Role.EDITOR).post(url("project-run", "payments-api"), headers=HTMX)
    assert response.status_code == 200
    assert "The queue is unavailable" in response.content.decode()
    assert 'data-testid="run-button"' in response.content.decode()


def test_it_forbids_viewers_to_run_an_assessment(world, login):
    response = login(Role.VIEWER).post(url("project-run", "payments-api"), headers=HTMX)
    assert response.status_code == 403
    assert not Assessment.objects.filter(project=world.project, trigger="manual").exists()


def test_it_explains_that_a_project_without_checklist_cannot_run(world, login):
    bare = factories.ProjectFactory(team=world.team, slug="bare")
    response = login(Role.EDITOR).post(url("project-run", bare.slug), headers=HTMX)
    assert response.status_code == 200
    assert "no checklist yet" in response.content.decode()
    assert not Assessment.objects.filter(project=bare).exists()


def test_it_polls_progress_with_results_as_checks_finish(world, login):
    run = factories.AssessmentFactory(
        project=world.project,
        checklist=world.checklist,
        status=AssessmentStatus.RUNNING,
        checks_total=4,
        checks_done=1,
        score=None,
    )
    add_results(run, {world.checks["cors"]: "pass"})
    response = login().get(url("assessment-progress", run.pk), headers=HTMX)
    html = response.content.decode()
    assert 'max="4" value="1"' in html
    assert "1 of 4 checks done" in html
    assert "CORS uses a whitelist" in html
    assert 'hx-trigger="every 1s"' in html


def test_it_stops_polling_and_shows_the_new_score_when_the_run_is_done(world, login, latest):
    run = factories.AssessmentFactory(
        project=world.project,
        checklist=world.checklist,
        status=AssessmentStatus.DONE,
        checks_total=4,
        checks_done=4,
        score=9.9,
        evaluated_at=timezone.now(),
    )
    html = login().get(url("assessment-progress", run.pk), headers=HTMX).content.decode()
    assert 'data-testid="final-score">9.9/10' in html
    assert 'hx-trigger="every 1s"' not in html
    # The score, chart and results above refresh out of band.
    assert html.count('hx-swap-oob="true"') == 3
    assert 'data-testid="project-score">9.9/10' in html


def test_it_cancels_a_running_assessment(world, login):
    run = factories.AssessmentFactory(
        project=world.project,
        checklist=world.checklist,
        status=AssessmentStatus.RUNNING,
        score=None,
    )
    response = login(Role.EDITOR).post(url("assessment-cancel", run.pk), headers=HTMX)
    assert response.status_code == 200
    run.refresh_from_db()
    assert run.status == AssessmentStatus.CANCELLED
    assert 'data-testid="run-cancelled"' in response.content.decode()


def test_it_forbids_viewers_to_cancel(world, login):
    run = factories.AssessmentFactory(
        project=world.project, checklist=world.checklist, status=AssessmentStatus.RUNNING
    )
    assert login().post(url("assessment-cancel", run.pk), headers=HTMX).status_code == 403
    run.refresh_from_db()
    assert run.status == AssessmentStatus.RUNNING
