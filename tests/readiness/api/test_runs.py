"""POST /api/v1/projects/{slug}/assessments/: the Run now button for scripts."""

from __future__ import annotations

import pytest

from readiness.models import Assessment, AssessmentStatus, Trigger
from tests.integration.support import filesystem_broker, redis_broker, sent_tasks, using

URL = "/api/v1/projects/payments-api/assessments/"


@pytest.fixture
def broker(tmp_path):
    with using(filesystem_broker(tmp_path / "broker")) as broker:
        yield broker


def test_it_answers_202_with_where_to_poll_and_sends_the_tasks(
    api_world, broker, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = api_world.client("run").post(URL)
    assert response.status_code == 202
    body = response.json()
    run = Assessment.objects.get(pk=body["id"])
    assert run.trigger == Trigger.API and run.requested_by == api_world.editor
    assert body == {
        "id": run.pk,
        "status": "pending",
        "url": f"http://testserver/api/v1/assessments/{run.pk}/",
        "progress_url": f"http://testserver/api/v1/assessments/{run.pk}/progress",
    }
    assert response["Location"] == body["url"]
    assert ("readiness.tasks.run_file_checks_task", (run.pk,)) in sent_tasks(broker)


def test_it_refuses_a_second_run_while_one_is_running_with_409_naming_it(api_world, broker):
    first = api_world.client("run").post(URL).json()
    response = api_world.client("run").post(URL)
    assert response.status_code == 409
    problem = response.json()
    assert problem["id"] == first["id"]
    assert problem["progress_url"] == first["progress_url"]
    assert "still running" in problem["detail"]
    assert Assessment.objects.filter(project=api_world.project).count() == 1
    Assessment.objects.filter(pk=first["id"]).update(status=AssessmentStatus.DONE)
    assert api_world.client("run").post(URL).status_code == 202


def test_it_says_when_the_project_has_no_checklist(api_world, broker):
    api_world.project.checklist_versions.all().delete()
    response = api_world.client("run").post(URL)
    assert response.status_code == 422
    assert "no checklist yet" in response.json()["detail"]


def test_it_says_503_when_the_queue_is_unavailable_and_creates_nothing(api_world):
    with using(redis_broker("redis://127.0.0.1:1/0")):
        response = api_world.client("run").post(URL)
    assert response.status_code == 503
    assert "queue is unavailable" in response.json()["detail"]
    assert not Assessment.objects.filter(project=api_world.project).exists()


def test_a_french_caller_reads_french(api_world, broker):
    api_world.client("run").post(URL)
    response = api_world.client("run", **{"Accept-Language": "fr"}).post(URL)
    assert "toujours en cours" in response.json()["detail"]
