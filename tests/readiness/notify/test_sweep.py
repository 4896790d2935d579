"""Recovery: a finished assessment sends its notification task only when its project has a
channel; the sweep sends again the deliveries whose message was lost or whose worker died,
and evaluates recent assessments whose task was lost."""

import datetime as dt

import pytest
from django.utils import timezone

from readiness.models import NotificationDelivery
from readiness.services.assessments import assessment_finalize
from readiness.services.notify import notify_sweep
from tests import factories
from tests.integration.support import private_broker, sent_tasks, using

pytestmark = pytest.mark.django_db

SEND = "readiness.tasks.send_notification_task"
NOTIFY = "readiness.tasks.notify_assessment_task"


@pytest.fixture
def broker(tmp_path):
    with using(private_broker(tmp_path / "broker")) as private:
        sent_tasks(private)
        yield private


def running(project=None):
    checklist = factories.ChecklistVersionFactory(**({"project": project} if project else {}))
    return factories.AssessmentFactory(
        checklist=checklist, status="running", checks_total=0, checks_done=0
    )


def test_a_finalised_assessment_sends_its_task_only_when_the_project_has_a_channel(
    broker, django_capture_on_commit_callbacks
):
    quiet = running()
    told = running()
    factories.NotificationChannelFactory(project=told.project)

    with django_capture_on_commit_callbacks(execute=True):
        assert assessment_finalize(assessment_id=quiet.pk)
        assert assessment_finalize(assessment_id=told.pk)

    assert sent_tasks(broker) == [(NOTIFY, (told.pk,))]


def test_the_sweep_resends_lost_messages_and_takes_back_dead_workers_claims(broker):
    now = timezone.now()
    late = factories.NotificationDeliveryFactory(due_at=now - dt.timedelta(minutes=10))
    dead = factories.NotificationDeliveryFactory(
        status="sending", attempts=1, due_at=now - dt.timedelta(seconds=1)
    )
    factories.NotificationDeliveryFactory(due_at=now + dt.timedelta(minutes=2))  # retry ahead
    factories.NotificationDeliveryFactory(status="sending", due_at=now + dt.timedelta(minutes=2))
    factories.NotificationDeliveryFactory(status="sent")

    report = notify_sweep(now=now)

    assert report.resent == 2
    assert sorted(sent_tasks(broker)) == sorted([(SEND, (late.pk,)), (SEND, (dead.pk,))])
    dead.refresh_from_db()
    assert (dead.status, dead.attempts, dead.error) == ("pending", 1, "worker lost")


def test_the_sweep_evaluates_a_recent_assessment_whose_task_was_lost(broker):
    now = timezone.now()
    checklist = factories.ChecklistVersionFactory()
    factories.NotificationChannelFactory(
        project=checklist.project, rules=["verdict"], created_at=now - dt.timedelta(days=1)
    )
    factories.AssessmentFactory(
        checklist=checklist, verdict="ready", evaluated_at=now - dt.timedelta(hours=3)
    )
    latest = factories.AssessmentFactory(
        checklist=checklist, verdict="not-ready", finished_at=now - dt.timedelta(minutes=5)
    )

    assert notify_sweep(now=now).created == 1
    assert notify_sweep(now=now).created == 0
    assert NotificationDelivery.objects.get().assessment_id == latest.pk
