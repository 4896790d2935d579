"""The webhook end to end, with a receiving server on loopback: a regression sends exactly
one signed delivery even when the notification task is delivered twice; the signature
verifies with the README's recipe; a failing receiver is retried and the attempts are
recorded."""

import datetime as dt
import hashlib
import hmac
import json
import time

import pytest

from readiness import tasks
from readiness.models import NotificationDelivery
from readiness.services.assessments import assessment_finalize
from tests.factories import AssessmentFactory, ChecklistVersionFactory, NotificationChannelFactory
from tests.readiness.notify.receiver import Receiver
from tests.readiness.repo_builders import celery_conf

pytestmark = pytest.mark.django_db

SECRET = "whsec-test-0123456789abcdef"
EARLIER = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)


def verify(secret: str, headers: dict[str, str], body: bytes, tolerance: int = 300) -> bool:
    """The receiver's check, as the README gives it (headers looked up lower-case here)."""
    timestamp = headers["x-readiness-timestamp"]
    signature = headers["x-readiness-signature"]
    if abs(time.time() - int(timestamp)) > tolerance:
        return False  # too old: refuse a replay
    signed = f"{timestamp}.".encode() + body
    expected = "sha256=" + hmac.new(secret.encode(), signed, hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected, signature)


@pytest.fixture
def receiver():
    with Receiver() as running:
        yield running


def regression(receiver, **channel):
    checklist = ChecklistVersionFactory()
    project = checklist.project
    AssessmentFactory(project=project, checklist=checklist, score=9.0, evaluated_at=EARLIER)
    latest = AssessmentFactory(project=project, checklist=checklist, score=7.5)
    NotificationChannelFactory(
        project=project,
        url=receiver.url(),
        secret=SECRET,
        rules=["regression"],
        created_at=EARLIER,
        **channel,
    )
    return latest


def test_a_regression_sends_one_signed_delivery_when_the_task_is_delivered_twice(
    receiver, django_capture_on_commit_callbacks
):
    latest = regression(receiver)

    with celery_conf(task_always_eager=True):
        with django_capture_on_commit_callbacks(execute=True):
            assert tasks.notify_assessment_task.apply(args=(latest.pk,)).get() == 1
        with django_capture_on_commit_callbacks(execute=True):
            assert tasks.notify_assessment_task.apply(args=(latest.pk,)).get() == 0

    assert len(receiver.received) == 1
    request = receiver.received[0]
    assert verify(SECRET, request.headers, request.body)
    assert not verify("another-secret-0123456789", request.headers, request.body)
    assert request.headers["content-type"] == "application/json"
    body = json.loads(request.body)
    assert body["event"] == "regression"
    assert body["drop"] == pytest.approx(1.5)
    assert body["assessment"]["id"] == latest.pk
    assert body["assessment"]["score"] == 7.5
    assert body["previous"]["score"] == 9.0
    assert "from 9.0/10 to 7.5/10 (−1.5)" in body["summary"]
    delivery = NotificationDelivery.objects.get()
    assert body["id"] == delivery.pk
    assert (delivery.status, delivery.attempts, delivery.response_code) == ("sent", 1, 200)


def test_each_channel_is_told_in_its_own_language(receiver):
    latest = regression(receiver)
    NotificationChannelFactory(
        project=latest.project,
        url=receiver.url("/fr"),
        secret=SECRET,
        rules=["regression"],
        created_at=EARLIER,
        language="fr",
    )

    tasks.notify_assessment_task.apply(args=(latest.pk,))
    for delivery in NotificationDelivery.objects.all():
        tasks.send_notification_task.apply(args=(delivery.pk,))

    summaries = {request.path: json.loads(request.body)["summary"] for request in receiver.received}
    assert "the score dropped from 9.0/10 to 7.5/10" in summaries["/hook"]
    assert "le score est passé de 9,0/10 à 7,5/10" in summaries["/fr"]


def test_a_second_message_of_the_send_task_sends_nothing_more(receiver):
    latest = regression(receiver)
    tasks.notify_assessment_task.apply(args=(latest.pk,))
    delivery = NotificationDelivery.objects.get()

    assert tasks.send_notification_task.apply(args=(delivery.pk,)).get() == "sent"
    assert tasks.send_notification_task.apply(args=(delivery.pk,)).get() == "sent"

    assert len(receiver.received) == 1


def test_a_body_altered_on_the_way_does_not_verify(receiver):
    latest = regression(receiver)
    tasks.notify_assessment_task.apply(args=(latest.pk,))
    tasks.send_notification_task.apply(args=(NotificationDelivery.objects.get().pk,))

    request = receiver.received[0]
    assert not verify(SECRET, request.headers, request.body.replace(b"7.5", b"9.5"))


def test_a_failing_receiver_is_retried_and_the_attempts_are_recorded(
    receiver, django_capture_on_commit_callbacks
):
    receiver.statuses = [500, 500]
    latest = regression(receiver)

    with celery_conf(task_always_eager=True), django_capture_on_commit_callbacks(execute=True):
        tasks.notify_assessment_task.apply(args=(latest.pk,))

    delivery = NotificationDelivery.objects.get()
    assert (delivery.status, delivery.attempts, delivery.response_code) == ("sent", 3, 200)
    assert len(receiver.received) == 3
    # Each attempt is signed anew; the body, with the delivery's id, stays the same.
    assert len({r.body for r in receiver.received}) == 1
    assert all(verify(SECRET, r.headers, r.body) for r in receiver.received)


def test_a_receiver_that_keeps_failing_is_given_up_after_the_last_attempt(
    receiver, settings, django_capture_on_commit_callbacks
):
    settings.READINESS_NOTIFY_MAX_ATTEMPTS = 3
    receiver.statuses = [500] * 10
    latest = regression(receiver)

    with celery_conf(task_always_eager=True), django_capture_on_commit_callbacks(execute=True):
        tasks.notify_assessment_task.apply(args=(latest.pk,))

    delivery = NotificationDelivery.objects.get()
    assert (delivery.status, delivery.attempts, delivery.response_code) == ("failed", 3, 500)
    assert delivery.error.startswith("HTTP 500")
    assert len(receiver.received) == 3


def test_the_finalised_assessment_sends_its_notification_task(
    receiver, django_capture_on_commit_callbacks
):
    latest = regression(receiver)
    latest.status, latest.checks_total, latest.checks_done = "running", 0, 0
    latest.save()

    with celery_conf(task_always_eager=True), django_capture_on_commit_callbacks(execute=True):
        assert assessment_finalize(assessment_id=latest.pk)

    latest.refresh_from_db()
    # No check at all: no score, so no drop to tell; the verdict rule would tell.
    assert latest.score is None
    assert receiver.received == []
