"""The sweeper: recover assessments from dead workers and lost messages (beat runs it).

Rows whose lease ran out (a worker died, or the broker lost the message) are sent again,
and a row is given up after READINESS_MAX_ATTEMPTS, so nothing stays running forever and a
check that kills its worker every time does not loop."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_noop

from checks.messages import message
from checks.spec import Outcome, Status
from readiness.models import Assessment, AssessmentStatus, CheckResult, ResultStatus
from readiness.queue import queue_send
from readiness.services.assessments import (
    ACTIVE,
    CANCELLED,
    UNFINISHED,
    assessment_finalize,
    assessment_tasks,
)
from readiness.services.counters import (
    SWEEPER_RESENT_LEASE_EXPIRED,
    SWEEPER_RESENT_NOT_STARTED,
    service_counter_add,
)
from readiness.services.outcomes import outcome_fields


@dataclass(frozen=True)
class SweepReport:
    resent: int  # pending rows sent again (lost message, or a retry after a lost worker)
    retried: int  # running rows whose lease ran out, back to pending for another attempt
    lost: int  # running rows that ran out of attempts: error "worker lost"
    finalised: int  # assessments finalised by the sweeper


def assessment_sweep(*, now: dt.datetime | None = None) -> SweepReport:
    """Recover from crashes and lost messages (run periodically by beat):

    - a running row whose lease expired goes back to pending and is sent again, unless it
      used its READINESS_MAX_ATTEMPTS: then it is `error` "worker lost" (and a row of a
      cancelled assessment is `skip` "cancelled");
    - a pending row not started by its deadline is sent again (the filesystem broker
      loses the messages a killed worker had taken);
    - an active assessment whose rows are all finished is finalised.

    Every change is a conditional update, so concurrent sweeps and late workers are safe.
    Raises QueueUnavailable when rows are due but the broker cannot be reached; their
    deadline was moved, so a later sweep tries again."""
    now = now or timezone.now()
    resend_by = now + dt.timedelta(seconds=settings.READINESS_LEASE_SECONDS)
    lost = 0
    touched: set[int] = set()
    resend: list[tuple[int, int, str]] = []  # (result, assessment, check type)
    expired = list(
        CheckResult.objects.filter(
            status=ResultStatus.RUNNING, lease_expires_at__lt=now
        ).values_list("pk", "attempts", "assessment_id", "assessment__status", "check_item__type")
    )
    for pk, attempts, assessment_id, assessment_status, type_ in expired:
        mine = CheckResult.objects.filter(pk=pk, status=ResultStatus.RUNNING, attempts=attempts)
        if assessment_status == AssessmentStatus.CANCELLED:
            outcome: Outcome | None = Outcome.skip(message(CANCELLED))
        elif attempts >= settings.READINESS_MAX_ATTEMPTS:
            outcome = Outcome.error(
                message(
                    gettext_noop("worker lost: no result after %(attempts)s attempts"),
                    attempts=attempts,
                ),
                attempts=attempts,
            )
        else:
            outcome = None
        with transaction.atomic():
            if outcome is None:
                if mine.update(status=ResultStatus.PENDING, lease_expires_at=resend_by):
                    resend.append((pk, assessment_id, type_))
                continue
            if mine.update(**outcome_fields(outcome, now)):
                if outcome.status == Status.ERROR:
                    lost += 1
                Assessment.objects.filter(pk=assessment_id).update(checks_done=F("checks_done") + 1)
                touched.add(assessment_id)
    retried = len(resend)

    due = list(
        CheckResult.objects.filter(
            Q(lease_expires_at__lt=now) | Q(lease_expires_at__isnull=True),
            status=ResultStatus.PENDING,
            assessment__status__in=ACTIVE,
        ).values_list("pk", "assessment_id", "check_item__type")
    )
    if due:
        CheckResult.objects.filter(
            pk__in=[pk for pk, _, _ in due], status=ResultStatus.PENDING
        ).update(lease_expires_at=resend_by)

    finalised = _finalise_finished(touched)
    by_assessment: dict[int, list[tuple[int, str]]] = {}
    for pk, assessment_id, type_ in resend + due:
        by_assessment.setdefault(assessment_id, []).append((pk, type_))
    queue_send(
        calls=[c for aid, rows in by_assessment.items() for c in assessment_tasks(aid, rows)]
    )
    # Counted once sent (for the metrics); a broker down raised above and counts nothing.
    service_counter_add(name=SWEEPER_RESENT_LEASE_EXPIRED, amount=retried)
    service_counter_add(name=SWEEPER_RESENT_NOT_STARTED, amount=len(due))
    return SweepReport(resent=len(due), retried=retried, lost=lost, finalised=finalised)


def _finalise_finished(touched: set[int]) -> int:
    """Finalise the assessments the sweep just completed, and any active one with no
    unfinished row left: its last writer may have died between storing and finalising, or
    its counter drifted. Those are recounted from their rows first, so that no assessment
    stays running forever."""
    finalised = sum(assessment_finalize(assessment_id=pk) for pk in touched)
    stale = (
        Assessment.objects.filter(status__in=ACTIVE)
        .exclude(results__status__in=UNFINISHED)
        .values_list("pk", flat=True)
    )
    for assessment_id in list(stale):
        with transaction.atomic():
            if not Assessment.objects.select_for_update().filter(pk=assessment_id).exists():
                continue
            done = (
                CheckResult.objects.filter(assessment_id=assessment_id)
                .exclude(status__in=UNFINISHED)
                .count()
            )
            Assessment.objects.filter(pk=assessment_id, status__in=ACTIVE).update(checks_done=done)
            finalised += assessment_finalize(assessment_id=assessment_id)
    return finalised
