"""Notifications sent: deliveries created from the rules' events, sent by the workers,
retried with a backoff, and recovered by a periodic sweep.

Once per channel, rule and subject: a delivery row is created under a unique constraint
(get_or_create), so a task delivered twice, or a sweep that evaluates the rules again,
finds the row and sends nothing more. A row is sent by whoever claims it, with a
conditional update from `pending` at a given attempt count to `sending`; a worker that
dies mid-send leaves a claim whose lease runs out, and the sweep sends it again (the one
case where a receiver may get a delivery twice: it carries its id to tell).

Tasks are sent by name through readiness/queue.py; readiness/tasks.py calls in here."""

from __future__ import annotations

import datetime as dt
import json
import logging
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from functools import partial

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from readiness.models import Assessment, NotificationChannel, NotificationDelivery
from readiness.models_notify import TEST_RULE, ChannelKind, DeliveryStatus, NotifyRule
from readiness.notifiers import Sent, apprise_send, webhook_post
from readiness.queue import QueueUnavailable, TaskCall, queue_send
from readiness.services.notify_rules import (
    ASSESSMENT_RULES,
    LIVE_TRIGGERS,
    Event,
    assessment_change,
    change_events,
    expiring_events,
    in_channel_language,
    missed_event,
    public_url,
)
from readiness.services.outcomes import outbound_policy

logger = logging.getLogger(__name__)

SEND_TASK = "readiness.tasks.send_notification_task"
NOTIFY_TASK = "readiness.tasks.notify_assessment_task"
# A claimed delivery is given up for lost past this (a send takes at most ~10 s; an
# Apprise e-mail a little more).
LEASE = dt.timedelta(minutes=5)
# The wait before attempt n+1: 30 s, 2 min, 8 min, 32 min, then hourly.
BACKOFF_FIRST_S = 30
BACKOFF_FACTOR = 4
BACKOFF_MAX_S = 3600
# The sweep evaluates the assessments finished this recently again, in case the task of
# one was lost (the broker was down when it finished).
RECHECK = dt.timedelta(hours=1)


def backoff_seconds(attempts: int) -> int:
    """The wait after the `attempts`-th failed attempt."""
    return min(BACKOFF_FIRST_S * BACKOFF_FACTOR ** max(attempts - 1, 0), BACKOFF_MAX_S)


# Creating


def notify_after_finalise(*, assessment: Assessment) -> None:
    """Once the current transaction commits, send the task that evaluates the rules for a
    finished live assessment, when its project has an enabled channel. A broker that
    cannot be reached is logged: the sweep evaluates recent assessments again."""
    if assessment.claimed or assessment.trigger not in LIVE_TRIGGERS:
        return
    transaction.on_commit(partial(_send_notify_task, assessment.pk, assessment.project_id))


def _send_notify_task(assessment_id: int, project_id: int) -> None:
    if not NotificationChannel.objects.filter(project_id=project_id, enabled=True).exists():
        return
    try:
        queue_send(calls=[TaskCall(NOTIFY_TASK, (assessment_id,))])
    except QueueUnavailable as exc:
        logger.warning("notifications of assessment %s not sent yet: %s", assessment_id, exc)


def notifications_for_assessment(*, assessment_id: int) -> list[int]:
    """Evaluate the rules of the project's enabled channels for a finished assessment
    (channels added after it finished excepted), create the deliveries due and send them
    once the transaction commits. Returns the ids of the deliveries created: none when
    they already exist (a task delivered twice)."""
    assessment = Assessment.objects.select_related("project__team").filter(pk=assessment_id).first()
    if assessment is None:
        return []
    change = assessment_change(assessment=assessment)
    if change is None:
        return []
    channels = NotificationChannel.objects.filter(project_id=assessment.project_id, enabled=True)
    if assessment.finished_at is not None:
        channels = channels.filter(created_at__lte=assessment.finished_at)
    due: list[tuple[NotificationChannel, Event]] = []
    for channel in channels:
        if ASSESSMENT_RULES & set(channel.rules):
            with in_channel_language(channel):
                due += [(channel, event) for event in change_events(change, channel=channel)]
    return deliveries_create(due)


def deliveries_create(due: Iterable[tuple[NotificationChannel, Event]]) -> list[int]:
    """A pending delivery for each (channel, event) that has none yet, their tasks sent
    once the transaction commits. Returns the ids created."""
    now = timezone.now()
    created_ids = []
    with transaction.atomic():
        for channel, event in due:
            delivery, created = NotificationDelivery.objects.get_or_create(
                channel=channel,
                rule=event.rule,
                subject=event.subject,
                defaults={
                    "assessment_id": event.assessment_id,
                    "payload": event.payload,
                    "created_at": now,
                    # The time by which a task should have started it; past it the sweep
                    # sends it again (its message may have been lost).
                    "due_at": now + LEASE,
                },
            )
            if created:
                created_ids.append(delivery.pk)
        if created_ids:
            transaction.on_commit(partial(_send, list(created_ids)))
    return created_ids


def _send(delivery_ids: list[int]) -> None:
    try:
        queue_send(calls=[TaskCall(SEND_TASK, (pk,)) for pk in delivery_ids])
    except QueueUnavailable as exc:
        logger.warning("notification deliveries %s wait for the sweep: %s", delivery_ids, exc)


# Sending


@dataclass(frozen=True)
class Attempt:
    """What one call to `delivery_attempt` did: the delivery's status after it, and the
    seconds to wait before the next attempt when there will be one."""

    status: str
    retry_in: int | None = None
    claimed: bool = True


def delivery_body(delivery: NotificationDelivery) -> bytes:
    """The webhook's JSON body: the event's payload with the delivery's id (receivers
    tell a repeated delivery by it)."""
    payload = {"id": delivery.pk, **delivery.payload, "created_at": delivery.created_at.isoformat()}
    return json.dumps(payload, sort_keys=True, separators=(",", ":")).encode()


def delivery_attempt(
    *, delivery_id: int, retry: bool = True, now: dt.datetime | None = None
) -> Attempt:
    """Claim a pending delivery, send it once and record how it went: `sent`, `pending`
    again with the time of its next attempt (a failure that another attempt may fix,
    attempts left and `retry`), or `failed`. A delivery that is not pending (sent,
    claimed by another worker, failed, gone) is left alone: `claimed` is False."""
    now = now or timezone.now()
    row = (
        NotificationDelivery.objects.select_related("channel__project")
        .filter(pk=delivery_id)
        .first()
    )
    if row is None or row.status != DeliveryStatus.PENDING:
        return Attempt(status=row.status if row else "gone", claimed=False)
    attempts = row.attempts + 1
    claim = NotificationDelivery.objects.filter(
        pk=row.pk, status=DeliveryStatus.PENDING, attempts=row.attempts
    ).update(
        status=DeliveryStatus.SENDING, attempts=attempts, last_attempt_at=now, due_at=now + LEASE
    )
    if not claim:
        return Attempt(status=DeliveryStatus.SENDING, claimed=False)
    row.attempts = attempts
    channel = row.channel
    # What went wrong is recorded in the channel's language, whoever asked for the send.
    with in_channel_language(channel):
        if not channel.enabled:
            sent = Sent(ok=False, error=_("the channel is paused"), retry=False)
        else:
            sent = channel_send(channel, row)
    mine = NotificationDelivery.objects.filter(
        pk=row.pk, status=DeliveryStatus.SENDING, attempts=attempts
    )
    fields = {"response_code": sent.response_code, "error": sent.error}
    if sent.ok:
        mine.update(status=DeliveryStatus.SENT, sent_at=timezone.now(), due_at=None, **fields)
        return Attempt(status=DeliveryStatus.SENT)
    if retry and sent.retry and attempts < settings.READINESS_NOTIFY_MAX_ATTEMPTS:
        wait = backoff_seconds(attempts)
        mine.update(
            status=DeliveryStatus.PENDING,
            due_at=timezone.now() + dt.timedelta(seconds=wait),
            **fields,
        )
        return Attempt(status=DeliveryStatus.PENDING, retry_in=wait)
    mine.update(status=DeliveryStatus.FAILED, due_at=None, **fields)
    return Attempt(status=DeliveryStatus.FAILED)


def channel_send(channel: NotificationChannel, delivery: NotificationDelivery) -> Sent:
    """One attempt at sending `delivery` to `channel`, through the outbound policy (in the
    channel's language: delivery_attempt's)."""
    policy = outbound_policy()
    if channel.kind == ChannelKind.WEBHOOK:
        return webhook_post(
            channel.url, secret=channel.secret, body=delivery_body(delivery), policy=policy
        )
    payload = delivery.payload
    title = _("Readiness: %(project)s") % {"project": payload.get("project", {}).get("name", "")}
    body = str(payload.get("summary", ""))
    if payload.get("url"):
        body += "\n" + str(payload["url"])
    return apprise_send(channel.url, title=title, body=body, policy=policy)


def delivery_test(
    *, channel: NotificationChannel, now: dt.datetime | None = None
) -> NotificationDelivery:
    """Send a test message to `channel` now, once (no retry), recorded as a delivery of
    rule `test`."""
    now = now or timezone.now()
    project = channel.project
    with in_channel_language(channel):
        payload = {
            "event": TEST_RULE,
            "project": {"slug": project.slug, "name": project.name, "team": project.team.slug},
            "summary": _("%(project)s: a test notification from readiness.")
            % {"project": project.name},
            "url": public_url(reverse("readiness:project", args=[project.slug])),
        }
    delivery = NotificationDelivery.objects.create(
        channel=channel,
        rule=TEST_RULE,
        subject=f"test:{uuid.uuid4().hex}",
        payload=payload,
        created_at=now,
        due_at=now + LEASE,
    )
    delivery_attempt(delivery_id=delivery.pk, retry=False, now=now)
    delivery.refresh_from_db()
    return delivery


# The sweep


@dataclass(frozen=True)
class NotifySweep:
    created: int  # deliveries created (time-based rules, and assessments whose task was lost)
    resent: int  # pending deliveries past due, or claims whose worker died, sent again


def notify_sweep(*, now: dt.datetime | None = None) -> NotifySweep:
    """The periodic part of notifications (beat runs it every few minutes): the rules that
    depend on time (`expiring`, `missed`), the rules of assessments finished lately (in
    case their task was lost), and deliveries whose message was lost or whose worker
    died, sent again. Each is created once per channel, rule and subject, however often
    this runs."""
    now = now or timezone.now()
    created = 0
    channels = list(
        NotificationChannel.objects.filter(enabled=True).select_related("project__team")
    )
    due: list[tuple[NotificationChannel, Event]] = []
    for channel in channels:
        with in_channel_language(channel):
            if NotifyRule.EXPIRING in channel.rules:
                events = expiring_events(project=channel.project, channel=channel, now=now)
                due += [(channel, event) for event in events]
            if NotifyRule.MISSED in channel.rules:
                event = missed_event(project=channel.project, now=now)
                # A run missed before the channel existed is not news to it.
                missed_at = dt.datetime.fromisoformat(event.payload["due_at"]) if event else None
                if event and missed_at > channel.created_at:
                    due.append((channel, event))
    created += len(deliveries_create(due))
    recent = Assessment.objects.filter(
        project__notification_channels__enabled=True,
        finished_at__gte=now - RECHECK,
        finished_at__lte=now - dt.timedelta(minutes=1),
    ).values_list("pk", flat=True)
    for assessment_id in sorted(set(recent)):
        created += len(notifications_for_assessment(assessment_id=assessment_id))
    return NotifySweep(created=created, resent=_resend(now))


def _resend(now: dt.datetime) -> int:
    """Send again the pending deliveries past due (by a margin, so that a retry already
    scheduled wins) and take back the claims whose lease ran out."""
    margin = dt.timedelta(seconds=60)
    ids = []
    lost = NotificationDelivery.objects.filter(status=DeliveryStatus.SENDING, due_at__lt=now)
    for pk, attempts in lost.values_list("pk", "attempts"):
        if NotificationDelivery.objects.filter(
            pk=pk, status=DeliveryStatus.SENDING, attempts=attempts
        ).update(status=DeliveryStatus.PENDING, due_at=now + LEASE, error=_("worker lost")):
            ids.append(pk)
    late = NotificationDelivery.objects.filter(
        Q(due_at__lt=now - margin) | Q(due_at__isnull=True), status=DeliveryStatus.PENDING
    )
    for pk in list(late.values_list("pk", flat=True)):
        if NotificationDelivery.objects.filter(pk=pk, status=DeliveryStatus.PENDING).update(
            due_at=now + LEASE
        ):
            ids.append(pk)
    queue_send(calls=[TaskCall(SEND_TASK, (pk,)) for pk in ids])
    return len(ids)
