"""Assessments as a whole: create one, send its tasks, cancel it, finalise its scores.

An assessment is created with one result row per check, in one transaction; its tasks are
sent by name through readiness/queue.py and run by readiness/services/runs.py. The scores
are computed exactly once, by whichever writer sees `checks_done == checks_total` first
and wins the conditional update of the assessment's status. readiness/services/sweeper.py
re-sends what a dead worker held or a broker lost."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterable, Sequence
from functools import partial
from pathlib import Path

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext, gettext_noop

from checks.messages import message
from checks.registry import FILE_CHECK_TYPES, SHARED_TASK_CHECK_TYPES, SLOW_CHECK_TYPES
from checks.runner import not_evaluable
from checks.spec import Attestation as AttestationSpec
from checks.spec import Outcome, RunContext, Status
from readiness.models import (
    Assessment,
    AssessmentStatus,
    Attestation,
    CategoryScore,
    Check,
    CheckResult,
    Project,
    ResultStatus,
)
from readiness.queue import QueueUnavailable, TaskCall, queue_check, queue_send
from readiness.retained import retained_results
from readiness.scored import scored_check
from readiness.scoring import ScoreCard, score_checks
from readiness.services.campaigns import project_checklist_current
from readiness.services.notify import notify_after_finalise
from readiness.services.outcomes import outcome_evaluate, outcome_fields, result_spec
from readiness.services.waivers import waived_snapshot, waivers_in_force

logger = logging.getLogger(__name__)

CANCELLED = gettext_noop("cancelled")
ACTIVE = (AssessmentStatus.PENDING, AssessmentStatus.RUNNING)
UNFINISHED = (ResultStatus.PENDING, ResultStatus.RUNNING)
# Sent by name (readiness/queue.py): the tasks module imports the services, not the reverse.
RUN_FILE_CHECKS_TASK = "readiness.tasks.run_file_checks_task"
# One slow check per task: no longer sent, still run for messages sent before the groups.
RUN_CHECK_TASK = "readiness.tasks.run_check_task"
RUN_SLOW_CHECKS_TASK = "readiness.tasks.run_slow_checks_task"
# Slow checks per task: they wait on the network or a subprocess, side by side on the
# task's threads; more would keep one of the io worker's threads from the others longer.
SLOW_CHECKS_PER_TASK = 8


class AssessmentError(ValueError):
    """An assessment cannot be created; the message says why."""


class AssessmentRunning(AssessmentError):
    """The project already has an assessment pending or running: `assessment`."""

    def __init__(self, assessment: Assessment) -> None:
        self.assessment = assessment
        super().__init__(
            gettext("assessment #%(id)s of this project is still running") % {"id": assessment.pk}
        )


# Creating


def assessment_create(
    *,
    project: Project,
    trigger: str,
    user: AbstractBaseUser | None = None,
    revision: str = "",
    evaluated_at: dt.datetime | None = None,
    only_types: frozenset[str] | None = None,
) -> Assessment:
    """One assessment of the project's current checklist with one result row per check, in
    one transaction. Manual checks are decided here from the attestations; checks whose
    type is not in `only_types` are recorded as `error` "not evaluable on history" (not
    measured: they lower coverage); every
    other row is pending, due to be started by a task before its lease runs out.

    `revision` pins the commit to evaluate (any git revision; tasks record its sha).
    Raises AssessmentError when the project has no checklist or the revision is too long."""
    # A campaign that started since the checklist was saved joins it now.
    checklist = project_checklist_current(project=project)
    if checklist is None:
        raise AssessmentError(gettext("project %(slug)s has no checklist") % {"slug": project.slug})
    limit = Assessment._meta.get_field("revision").max_length
    if len(revision) > limit:
        raise AssessmentError(
            gettext("revision: at most %(limit)s characters, got %(length)s")
            % {"limit": limit, "length": len(revision)}
        )
    now = timezone.now()
    evaluated_at = evaluated_at or now
    checks = list(checklist.checks.select_related("category").order_by("position"))
    keys = {check.key for check in checks}
    base_ids = checklist.bases.values_list("base_id", flat=True)
    in_force = waivers_in_force(project=project, at=evaluated_at, base_ids=base_ids)
    waived = waived_snapshot([w for w in in_force if w.check_key in keys])
    manual = [c for c in checks if _decided_at_creation(c) and _evaluable(c, only_types)]
    decided = _decide_at_creation(project, manual, evaluated_at)
    resend_by = now + dt.timedelta(seconds=settings.READINESS_LEASE_SECONDS)
    rows = []
    for check in checks:
        if not _evaluable(check, only_types):
            rows.append(_finished_row(check, not_evaluable(), now))
        elif check.pk in decided:
            rows.append(_finished_row(check, decided[check.pk], now))
        else:
            # A pending row's lease is the time by which a task should have started it;
            # past it the sweeper sends it again (a message may have been lost).
            rows.append(CheckResult(check_item=check, lease_expires_at=resend_by))
    with transaction.atomic():
        assessment = Assessment.objects.create(
            project=project,
            checklist=checklist,
            revision=revision,
            trigger=trigger,
            status=AssessmentStatus.PENDING,
            evaluated_at=evaluated_at,
            created_at=now,
            checks_total=len(rows),
            checks_done=sum(1 for row in rows if row.status != ResultStatus.PENDING),
            requested_by=user,
            waived=waived,
        )
        for row in rows:
            row.assessment = assessment
        CheckResult.objects.bulk_create(rows)
    return assessment


def _evaluable(check: Check, only_types: frozenset[str] | None) -> bool:
    return only_types is None or check.type in only_types


def _decided_at_creation(check: Check) -> bool:
    # Manual checks need only the database; an unknown type gets its error from the engine.
    return check.type not in FILE_CHECK_TYPES and check.type not in SLOW_CHECK_TYPES


def assessment_decided(
    *,
    project: Project,
    checks: Sequence[Check],
    evaluated_at: dt.datetime,
    only_types: frozenset[str] | None,
    attestations: Sequence[Attestation],
) -> dict[int, Outcome]:
    """The outcomes that assessment_create decides for a point evaluated at
    `evaluated_at`, by check id: checks whose type is not in `only_types` (not evaluable)
    and manual checks, from `attestations` (the project's rows for them, oldest first,
    loaded once for many points). Other checks are left to be run."""
    manual = [c for c in checks if _decided_at_creation(c) and _evaluable(c, only_types)]
    decided = _decide_at_creation(project, manual, evaluated_at, attestations)
    for check in checks:
        if not _evaluable(check, only_types):
            decided[check.pk] = not_evaluable()
    return decided


def attestations_for(*, project: Project, checks: Sequence[Check]) -> list[Attestation]:
    """The project's attestations of `checks` that are manual, oldest first (of two made at
    once, the later row counts)."""
    keys = [c.key for c in checks if _decided_at_creation(c)]
    if not keys:
        return []
    return list(
        Attestation.objects.filter(project=project, check_key__in=keys).order_by(
            "attested_at", "id"
        )
    )


def _decide_at_creation(
    project: Project,
    checks: Sequence[Check],
    now: dt.datetime,
    loaded: Sequence[Attestation] | None = None,
) -> dict[int, Outcome]:
    if not checks:
        return {}
    attestations: dict[str, list[AttestationSpec]] = {}
    if loaded is None:
        rows = Attestation.objects.filter(
            project=project, check_key__in=[c.key for c in checks], attested_at__lte=now
        ).order_by("attested_at", "id")  # oldest first: of two made at once, the later counts
    else:
        keys = {c.key for c in checks}
        rows = [row for row in loaded if row.check_key in keys and row.attested_at <= now]
    for row in rows:
        attestations.setdefault(row.check_key, []).append(
            AttestationSpec(
                status=Status(row.status),
                user=row.attested_by,
                attested_at=row.attested_at,
                valid_until=row.valid_until,
                note=row.note,
                evidence_url=row.evidence_url,
            )
        )
    # A manual check reads no file, so the context's repo is never used.
    context = RunContext(repo=Path(project.source), now=now, attestations=attestations)
    return {check.pk: outcome_evaluate(result_spec(check), context) for check in checks}


def _finished_row(check: Check, outcome: Outcome, now: dt.datetime) -> CheckResult:
    return CheckResult(check_item=check, started_at=now, **outcome_fields(outcome, now))


# Enqueueing


def assessment_enqueue(*, assessment: Assessment) -> None:
    """Send the assessment's tasks once the current transaction commits (at once outside
    one). Raises QueueUnavailable when the broker cannot be reached; the rows then stay
    pending and the sweeper sends them when the broker is back."""
    transaction.on_commit(partial(_send_pending, assessment.pk))


def assessment_start(
    *, project: Project, trigger: str, user: AbstractBaseUser | None = None
) -> Assessment:
    """Create an assessment and enqueue it for the workers. Raises QueueUnavailable, before
    anything is created, when the broker cannot be reached. Should it go away between that
    check and the send, the assessment exists and stays pending: the sweeper sends it once
    the broker is back, so it is returned rather than reported as not started."""
    queue_check()
    assessment = assessment_create(project=project, trigger=trigger, user=user)
    try:
        assessment_enqueue(assessment=assessment)
    except QueueUnavailable:
        logger.warning("assessment %s created, queue lost before sending", assessment.pk)
    return assessment


def assessment_start_unless_running(
    *, project: Project, trigger: str, user: AbstractBaseUser | None = None
) -> Assessment:
    """assessment_start, refused with AssessmentRunning while one of the project's
    assessments is pending or running (the project page then shows that one's progress
    instead of its Run now button). The project's row is locked for the check, so two
    requests at once start one assessment."""
    queue_check()
    with transaction.atomic():
        Project.objects.select_for_update().filter(pk=project.pk).first()
        running = (
            Assessment.objects.filter(project=project, status__in=ACTIVE)
            .order_by("-created_at", "-pk")
            .first()
        )
        if running is not None:
            raise AssessmentRunning(running)
        assessment = assessment_create(project=project, trigger=trigger, user=user)
    try:
        assessment_enqueue(assessment=assessment)
    except QueueUnavailable:
        logger.warning("assessment %s created, queue lost before sending", assessment.pk)
    return assessment


def _send_pending(assessment_id: int) -> None:
    pending = list(
        CheckResult.objects.filter(
            assessment_id=assessment_id,
            status=ResultStatus.PENDING,
            assessment__status__in=ACTIVE,
        )
        .order_by("pk")
        .values_list("pk", "check_item__type")
    )
    if not pending:
        assessment_finalize(assessment_id=assessment_id)
        return
    queue_send(calls=assessment_tasks(assessment_id, pending))


def assessment_tasks(assessment_id: int, rows: Iterable[tuple[int, str]]) -> list[TaskCall]:
    """The tasks for pending rows given as (result id, check type): one task for the file
    checks of the assessment (they share one scan), one per SLOW_CHECKS_PER_TASK http
    checks, which runs them side by side on threads of its own, and one per other slow
    check (a command spends this machine's CPU, a threshold may wait for the source). A
    task per few checks rather than per check: each costs a message, a claim and a store,
    which showed as the io worker's CPU (bench/bench_throughput.py); several tasks, so
    that the many slow checks of one assessment still spread over the io worker's
    threads."""
    calls: list[TaskCall] = []
    shared: list[int] = []
    alone: list[int] = []
    file_task = False
    for pk, type_ in rows:
        if type_ in SHARED_TASK_CHECK_TYPES:
            shared.append(pk)
        elif type_ in SLOW_CHECK_TYPES:
            alone.append(pk)
        elif not file_task:
            file_task = True
            calls.append(TaskCall(RUN_FILE_CHECKS_TASK, (assessment_id,)))
    groups = [
        shared[start : start + SLOW_CHECKS_PER_TASK]
        for start in range(0, len(shared), SLOW_CHECKS_PER_TASK)
    ]
    groups += [[pk] for pk in alone]
    calls += [TaskCall(RUN_SLOW_CHECKS_TASK, (assessment_id, group)) for group in groups]
    return calls


# Finishing


def assessment_finalize(*, assessment_id: int) -> bool:
    """Compute and store the scores of an assessment whose checks are all done, exactly
    once: the conditional update of its status decides which caller does it. True when
    this call finalised.

    The scores are computed before any write, outside a transaction: once every check is
    done the rows they read no longer change (a late writer finds its row no longer
    running; only the finaliser waives rows). The write transaction is then short, which
    matters on SQLite, where it holds the database's one write lock: it claims the
    assessment with a conditional UPDATE (still active, every check done) that stores
    the scores at once, and adds the waived rows and the category scores. A caller that
    loses the claim (another finaliser, a cancel) writes nothing."""
    assessment = (
        Assessment.objects.select_related("checklist")
        .filter(pk=assessment_id, status__in=ACTIVE, checks_done__gte=F("checks_total"))
        .first()
    )
    if assessment is None:
        return False
    waived = _waived_rows(assessment)
    card = _scorecard(assessment, waived=frozenset(row.check_item.key for row in waived))
    names = dict(assessment.checklist.categories.values_list("key", "name"))
    categories = [
        CategoryScore(
            assessment=assessment,
            key=category.key,
            name=names.get(category.key, category.key),
            weight=category.weight,
            score=category.score,
            coverage=category.coverage,
            position=position,
        )
        for position, category in enumerate(card.categories)
    ]
    with transaction.atomic():
        won = Assessment.objects.filter(
            pk=assessment_id, status__in=ACTIVE, checks_done__gte=F("checks_total")
        ).update(
            status=AssessmentStatus.DONE,
            finished_at=timezone.now(),
            score=card.score,
            coverage=card.coverage,
            verdict=card.verdict,
            verdict_reasons=[dict(reason) for reason in card.reasons],
            level=(card.level.achieved if card.level else None) or "",
        )
        if not won:
            return False
        if waived:
            CheckResult.objects.bulk_update(waived, fields=["status", "credit", "details"])
        CategoryScore.objects.filter(assessment=assessment).delete()
        CategoryScore.objects.bulk_create(categories)
        notify_after_finalise(assessment=assessment)
    return True


def _waived_rows(assessment: Assessment) -> list[CheckResult]:
    """The results of the checks an approved waiver covered when the assessment was
    evaluated, made `waived` (not saved); what they measured stays in their details."""
    by_key = {entry["check"]: entry for entry in assessment.waived}
    if not by_key:
        return []
    rows = CheckResult.objects.filter(
        assessment=assessment, check_item__key__in=list(by_key)
    ).select_related("check_item")
    waived = []
    for row in rows:
        if row.status == ResultStatus.WAIVED:
            continue
        entry = by_key[row.check_item.key]
        row.details = {
            **(row.details or {}),
            "waived": {
                "waiver": entry["waiver"],
                "until": entry["until"],
                "reason": entry["reason"],
                "measured": row.status,
                **({"base": entry["base"]} if entry.get("base") else {}),
            },
        }
        row.status = ResultStatus.WAIVED
        row.credit = None
        waived.append(row)
    return waived


def assessment_scorecard(*, assessment: Assessment) -> ScoreCard:
    """The scores recomputed from the stored results (a waived check is `waived` there).
    A row that has no result yet counts as `error`: nothing was measured."""
    return _scorecard(assessment, waived=frozenset())


def _scorecard(assessment: Assessment, *, waived: frozenset[str]) -> ScoreCard:
    """The scores from the stored results, the checks keyed in `waived` counted `waived`."""
    # A point pruned by retention is scored from its kept rows and the carried ones.
    results = retained_results(assessment=assessment)
    checks = [scored_check(result.check_item, _scored_status(result, waived)) for result in results]
    categories = assessment.checklist.categories.order_by("position")
    return score_checks(
        checks,
        {category.key: category.weight for category in categories},
        ready_at=assessment.checklist.ready_at,
        levels=assessment.checklist.levels,
    )


def _scored_status(result: CheckResult, waived: frozenset[str]) -> str:
    if result.check_item.key in waived:
        return ResultStatus.WAIVED.value
    return result.status if result.is_finished else Status.ERROR.value


def assessment_cancel(*, assessment: Assessment) -> bool:
    """Cancel a pending or running assessment: its pending checks become skip
    ("cancelled"); checks already running finish and are kept. True when this call
    cancelled it."""
    now = timezone.now()
    with transaction.atomic():
        if not Assessment.objects.filter(pk=assessment.pk, status__in=ACTIVE).update(
            status=AssessmentStatus.CANCELLED, finished_at=now
        ):
            assessment.refresh_from_db()
            return False
        skipped = CheckResult.objects.filter(
            assessment=assessment, status=ResultStatus.PENDING
        ).update(**outcome_fields(Outcome.skip(message(CANCELLED)), now))
        Assessment.objects.filter(pk=assessment.pk).update(checks_done=F("checks_done") + skipped)
    assessment.refresh_from_db()
    return True
