"""Assessments as rows that survive crashes.

An assessment is created with one result row per check, in one transaction. Tasks claim
rows with a conditional UPDATE (pending → running, one more attempt, a lease), evaluate
them with the engine and write the outcome with another conditional UPDATE (still running,
same attempt), so a duplicate delivery or a worker that comes back late never overwrites
a result. The same transaction counts the result in `checks_done`; the scores are then
computed exactly once, by whichever writer sees `checks_done == checks_total` first and
wins the conditional update of the assessment's status. The sweeper re-sends rows whose
lease ran out (a worker died, or the broker lost the message) and gives up on a row after
READINESS_MAX_ATTEMPTS, so nothing stays running forever and a check that kills its worker
every time does not loop."""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import logging
from collections.abc import Iterable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.db import InterfaceError, OperationalError, transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext, gettext_noop
from kombu.exceptions import KombuError

from checks import runner
from checks.messages import message
from checks.registry import FILE_CHECK_TYPES, SLOW_CHECK_TYPES
from checks.runner import NOT_EVALUABLE
from checks.scan import run_file_checks
from checks.spec import Attestation as AttestationSpec
from checks.spec import (
    CheckSpec,
    Outcome,
    RunContext,
    Status,
    clip,
)
from checks.tree import TreeError
from checks.worktree import WorkingTree
from readiness.celery import app as celery_app
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
from readiness.scored import scored_check
from readiness.scoring import ScoreCard, score_checks
from readiness.services.checklists import check_spec
from readiness.services.sources import (
    SourceError,
    SourceState,
    source_prepare,
    source_time_limit,
)

logger = logging.getLogger(__name__)

CANCELLED = gettext_noop("cancelled")
ACTIVE = (AssessmentStatus.PENDING, AssessmentStatus.RUNNING)
UNFINISHED = (ResultStatus.PENDING, ResultStatus.RUNNING)
# How many slow checks an inline run evaluates at once (the worker pool does it for tasks).
INLINE_THREADS = 16
MAX_SUMMARY = 2000
# A web request asks the broker once more, briefly, and then says the queue is unavailable.
_CONNECT = {"max_retries": 1, "interval_start": 0.1, "interval_step": 0, "timeout": 5}


class QueueUnavailable(Exception):
    """The broker cannot be reached; the message says so in words for the user."""


class AssessmentError(ValueError):
    """An assessment cannot be created; the message says why."""


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
    type is not in `only_types` are recorded as skip ("not evaluable on history"); every
    other row is pending, due to be started by a task before its lease runs out.

    `revision` pins the commit to evaluate (any git revision; tasks record its sha).
    Raises AssessmentError when the project has no checklist or the revision is too long."""
    checklist = project.current_checklist()
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
    manual = [c for c in checks if _decided_at_creation(c) and _evaluable(c, only_types)]
    decided = _decide_at_creation(project, manual, evaluated_at)
    resend_by = now + dt.timedelta(seconds=settings.READINESS_LEASE_SECONDS)
    rows = []
    for check in checks:
        if not _evaluable(check, only_types):
            rows.append(_finished_row(check, Outcome.skip(message(NOT_EVALUABLE)), now))
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


def _decide_at_creation(
    project: Project, checks: Sequence[Check], now: dt.datetime
) -> dict[int, Outcome]:
    if not checks:
        return {}
    attestations: dict[str, list[AttestationSpec]] = {}
    rows = Attestation.objects.filter(
        project=project, check_key__in=[c.key for c in checks], attested_at__lte=now
    ).order_by("attested_at", "id")  # oldest first: of two made at once, the later row counts
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
    return {check.pk: _evaluate(_spec(check), context) for check in checks}


def _finished_row(check: Check, outcome: Outcome, now: dt.datetime) -> CheckResult:
    return CheckResult(check_item=check, started_at=now, **_outcome_fields(outcome, now))


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
    broker_check()
    assessment = assessment_create(project=project, trigger=trigger, user=user)
    try:
        assessment_enqueue(assessment=assessment)
    except QueueUnavailable:
        logger.warning("assessment %s created, queue lost before sending", assessment.pk)
    return assessment


def broker_check() -> None:
    """Raise QueueUnavailable unless the broker answers (tasks run in this process when
    CELERY_TASK_ALWAYS_EAGER is set, so there is nothing to reach)."""
    if celery_app.conf.task_always_eager:
        return
    try:
        with celery_app.connection_for_write() as connection:
            connection.ensure_connection(**_CONNECT)
    except (KombuError, OSError) as exc:
        raise _unavailable(exc) from exc


def _unavailable(exc: BaseException) -> QueueUnavailable:
    return QueueUnavailable(
        f"the task queue is unavailable ({type(exc).__name__}: {exc}); "
        "pending checks are sent again once it is back"
    )


def _send_pending(assessment_id: int) -> None:
    pending = list(
        CheckResult.objects.filter(
            assessment_id=assessment_id,
            status=ResultStatus.PENDING,
            assessment__status__in=ACTIVE,
        ).values_list("pk", "check_item__type")
    )
    if not pending:
        assessment_finalize(assessment_id=assessment_id)
        return
    _send(_messages(assessment_id, pending))


def _messages(assessment_id: int, rows: Iterable[tuple[int, str]]) -> list[tuple[str, int]]:
    """(task name, argument) for pending rows: one task for the file checks of the
    assessment (they share one scan), one per slow check (so they run in parallel)."""
    messages: list[tuple[str, int]] = []
    file_task = False
    for pk, type_ in rows:
        if type_ in SLOW_CHECK_TYPES:
            messages.append(("run_check_task", pk))
        elif not file_task:
            file_task = True
            messages.insert(0, ("run_file_checks_task", assessment_id))
    return messages


def _send(messages: Sequence[tuple[str, int]]) -> None:
    if not messages:
        return
    # A fresh connection rather than the pool: a broken pooled connection must not hide
    # that the broker is back, and the queue is read at send time so that a deployment (or
    # a test run) can give the pipeline its own queue.
    from readiness import tasks  # the tasks module imports this one

    if celery_app.conf.task_always_eager:
        for name, argument in messages:
            getattr(tasks, name).apply_async((argument,))
        return
    queue = celery_app.conf.task_default_queue
    try:
        with celery_app.connection_for_write() as connection:
            connection.ensure_connection(**_CONNECT)
            for name, argument in messages:
                getattr(tasks, name).apply_async(
                    (argument,),
                    connection=connection,
                    queue=queue,
                    retry=True,
                    retry_policy={"max_retries": 1, "interval_start": 0, "interval_step": 0.5},
                )
    except (KombuError, OSError) as exc:
        raise _unavailable(exc) from exc


# Running: claim, evaluate, store


@dataclass(frozen=True)
class Claim:
    """A result row this process claimed: its id and the attempt that owns it."""

    result_id: int
    attempt: int
    spec: CheckSpec


def _claim(
    assessment_id: int, result_ids: Sequence[int], specs: Mapping[int, CheckSpec], lease_s: float
) -> list[Claim]:
    """Claim the pending rows among `result_ids` (of an assessment still active)."""
    if not result_ids:
        return []
    now = timezone.now()
    with transaction.atomic():
        # SQLite: IMMEDIATE transactions already hold the write lock here. PostgreSQL: the
        # row locks make a concurrent claimer wait, then see the rows no longer pending.
        rows = list(
            CheckResult.objects.select_for_update(of=("self",))
            .filter(
                pk__in=result_ids,
                status=ResultStatus.PENDING,
                attempts__lt=settings.READINESS_MAX_ATTEMPTS,
                assessment__status__in=ACTIVE,
            )
            .values_list("pk", "attempts")
        )
        if not rows:
            return []
        CheckResult.objects.filter(pk__in=[pk for pk, _ in rows]).update(
            status=ResultStatus.RUNNING,
            attempts=F("attempts") + 1,
            lease_expires_at=now + dt.timedelta(seconds=lease_s),
            started_at=now,
        )
        Assessment.objects.filter(pk=assessment_id, status=AssessmentStatus.PENDING).update(
            status=AssessmentStatus.RUNNING, started_at=now
        )
    return [Claim(pk, attempts + 1, specs[pk]) for pk, attempts in rows]


def _store(assessment_id: int, claims: Sequence[Claim], outcomes: Mapping[str, Outcome]) -> int:
    """Write the outcomes of `claims` and count them in the assessment, in one transaction,
    then finalise if these were the last. A row whose claim is no longer ours (the sweeper
    gave it to another attempt, or it is finished) is left alone. Returns rows written."""
    try:
        return _write(assessment_id, claims, outcomes)
    except (OperationalError, InterfaceError):
        _release(claims)
        raise


def _release(claims: Sequence[Claim]) -> None:
    """Give claims back after their results could not be written (the database was busy or
    away), so that the task's retry claims them again at once instead of waiting for the
    lease; the attempt is not counted against the check. Best effort: if this write fails
    too, the lease still expires and the sweeper re-sends the rows."""
    with contextlib.suppress(OperationalError, InterfaceError), transaction.atomic():
        for claim in claims:
            CheckResult.objects.filter(
                pk=claim.result_id, status=ResultStatus.RUNNING, attempts=claim.attempt
            ).update(
                status=ResultStatus.PENDING,
                attempts=F("attempts") - 1,
                lease_expires_at=timezone.now()
                + dt.timedelta(seconds=settings.READINESS_LEASE_SECONDS),
                started_at=None,
            )


def _write(assessment_id: int, claims: Sequence[Claim], outcomes: Mapping[str, Outcome]) -> int:
    now = timezone.now()
    with transaction.atomic():
        written = 0
        for claim in claims:
            outcome = outcomes.get(claim.spec.key) or Outcome.error(
                message(gettext_noop("the checker returned nothing"))
            )
            written += CheckResult.objects.filter(
                pk=claim.result_id, status=ResultStatus.RUNNING, attempts=claim.attempt
            ).update(**_outcome_fields(outcome, now))
        if written:
            Assessment.objects.filter(pk=assessment_id).update(
                checks_done=F("checks_done") + written
            )
            assessment_finalize(assessment_id=assessment_id)
    return written


def source_unavailable(problem: object) -> Outcome:
    """The error outcome of a check whose source (clone, folder, revision) cannot be read."""
    return Outcome.error(
        message(gettext_noop("source unavailable: %(problem)s"), problem=str(problem))
    )


def checker_failed(exc: BaseException) -> Outcome:
    """The error outcome of a check whose checker raised `exc`."""
    return Outcome.error(
        message(gettext_noop("checker failed: %(reason)s"), reason=f"{type(exc).__name__}: {exc}")
    )


def _outcome_fields(outcome: Outcome, now: dt.datetime) -> dict[str, Any]:
    status = Status(outcome.status)
    return {
        "status": status.value,
        "credit": status.credit,
        "summary": clip(outcome.summary, MAX_SUMMARY),
        "evidence": [item.as_dict() for item in outcome.evidence],
        # Round-tripped so that a value JSON cannot hold (a date, a path) is stored as
        # text instead of failing the write and losing the result.
        "details": json.loads(json.dumps(outcome.stored_details(), default=str)),
        "duration_ms": outcome.duration_ms,
        "lease_expires_at": None,
        "finished_at": now,
    }


def _spec(check: Check) -> CheckSpec:
    return check_spec(check, check.category.key)


def _evaluate(spec: CheckSpec, context: RunContext) -> Outcome:
    # run_check turns a checker's exception into that check's error: never a lost result.
    return runner.run_check(spec, context)


def _context(repo: Path) -> RunContext:
    return RunContext(
        repo=repo,
        now=timezone.now(),
        allow_commands=settings.READINESS_ALLOW_COMMANDS,
        max_file_bytes=settings.READINESS_MAX_FILE_BYTES,
    )


def _source(assessment: Assessment) -> SourceState:
    """The assessment's files. The first task records the commit it resolved, and the
    others then ask for that commit, so all checks of one assessment see the same files."""
    for _ in range(3):
        wanted = assessment.revision
        state = source_prepare(project=assessment.project, revision=wanted)
        if state.revision == wanted:
            return state
        if Assessment.objects.filter(pk=assessment.pk, revision=wanted).update(
            revision=state.revision
        ):
            assessment.revision = state.revision
            return state
        assessment.refresh_from_db(fields=["revision"])  # another task recorded it first
    return state


def _pending_rows(assessment_id: int, types: Iterable[str]) -> dict[int, CheckSpec]:
    rows = CheckResult.objects.filter(
        assessment_id=assessment_id, status=ResultStatus.PENDING, check_item__type__in=list(types)
    ).select_related("check_item__category")
    return {row.pk: _spec(row.check_item) for row in rows}


def _load(assessment_id: int) -> Assessment | None:
    return Assessment.objects.select_related("project").filter(pk=assessment_id).first()


def assessment_run_file_checks(*, assessment_id: int) -> int:
    """The task body for the file checks (grep, file, consistency) of one assessment: all
    of them in one shared scan. Returns the number of results written."""
    assessment = _load(assessment_id)
    if assessment is None or assessment.status not in ACTIVE:
        return 0
    specs = _pending_rows(assessment_id, FILE_CHECK_TYPES)
    # Claimed before the source is fetched, so that a fetch that kills the worker uses up
    # attempts like any check; the lease covers the fetch, then is cut back for the scan.
    lease = settings.READINESS_LEASE_SECONDS
    claims = _claim(
        assessment_id, list(specs), specs, lease + source_time_limit(assessment.project)
    )
    if not claims:
        return 0
    state = _source_or_problem(assessment)
    _renew(claims, lease)
    return _store(assessment_id, claims, _scan(state, [c.spec for c in claims]))


def _renew(claims: Sequence[Claim], lease_s: float) -> None:
    expires = timezone.now() + dt.timedelta(seconds=lease_s)
    for claim in claims:
        CheckResult.objects.filter(
            pk=claim.result_id, status=ResultStatus.RUNNING, attempts=claim.attempt
        ).update(lease_expires_at=expires)


def _source_or_problem(assessment: Assessment) -> SourceState | SourceError:
    """The source, or why it cannot be had: the checks that need it then get that error
    rather than the task failing (and being sent again, and again)."""
    try:
        return _source(assessment)
    except SourceError as exc:
        return exc
    except Exception as exc:
        logger.exception("preparing the source of %s failed", assessment.project.slug)
        return SourceError(f"{type(exc).__name__}: {exc}")


def _scan(state: SourceState | SourceError, specs: Sequence[CheckSpec]) -> dict[str, Outcome]:
    if isinstance(state, SourceError):
        return {spec.key: source_unavailable(state) for spec in specs}
    try:
        tree = WorkingTree(state.path)
    except TreeError as exc:
        return {spec.key: source_unavailable(exc) for spec in specs}
    try:
        return dict(run_file_checks(specs, tree, max_file_bytes=settings.READINESS_MAX_FILE_BYTES))
    except Exception as exc:
        logger.exception("file scan raised")
        return {spec.key: checker_failed(exc) for spec in specs}


def _needs_files(spec: CheckSpec) -> bool:
    if spec.type == "command":
        return settings.READINESS_ALLOW_COMMANDS
    if spec.type == "threshold":
        return "path" in (spec.options.get("source") or {})
    return False


def _lease_for(spec: CheckSpec, project: Project) -> float:
    # A slow check is bounded by its own timeout (and the fetch of the source when it
    # needs one): the lease outlasts that by the base lease.
    fetch = source_time_limit(project) if _needs_files(spec) else 0
    return settings.READINESS_LEASE_SECONDS + float(spec.options.get("timeout_s") or 0) + fetch


@dataclass(frozen=True)
class _SlowContext:
    """Contexts for slow checks: most (http, threshold on a URL) need no file; commands
    and thresholds on a file need the assessment's source, which may be unavailable."""

    plain: RunContext
    files: RunContext | SourceError


def _slow_context(assessment: Assessment, specs: Iterable[CheckSpec]) -> _SlowContext:
    # A URL source is not a folder, but a check that reads no file never looks at it.
    plain = _context(Path(assessment.project.source))
    if not any(_needs_files(spec) for spec in specs):
        return _SlowContext(plain=plain, files=plain)
    state = _source_or_problem(assessment)
    if isinstance(state, SourceError):
        return _SlowContext(plain=plain, files=state)
    return _SlowContext(plain=plain, files=_context(state.path))


def _evaluate_slow(spec: CheckSpec, contexts: _SlowContext) -> Outcome:
    if not _needs_files(spec):
        return _evaluate(spec, contexts.plain)
    if isinstance(contexts.files, SourceError):
        return source_unavailable(contexts.files)
    return _evaluate(spec, contexts.files)


def assessment_run_check(*, result_id: int) -> bool:
    """The task body for one slow check (http, command, threshold). True when this call
    wrote the result; False for a row that is not pending (a duplicate delivery)."""
    row = (
        CheckResult.objects.select_related("assessment__project", "check_item__category")
        .filter(pk=result_id)
        .first()
    )
    if row is None or row.status != ResultStatus.PENDING:
        return False
    spec = _spec(row.check_item)
    lease = _lease_for(spec, row.assessment.project)
    claims = _claim(row.assessment_id, [row.pk], {row.pk: spec}, lease)
    if not claims:
        return False
    contexts = _slow_context(row.assessment, [spec])
    return _store(row.assessment_id, claims, {spec.key: _evaluate_slow(spec, contexts)}) == 1


def assessment_run_inline(*, assessment: Assessment) -> Assessment:
    """Run the assessment in this process, through the same claim / evaluate / store steps
    as the tasks, and return the refreshed row. Needs no worker. Slow checks run
    INLINE_THREADS at a time; only the engine runs in those threads, the database is
    written from this one."""
    assessment_run_file_checks(assessment_id=assessment.pk)
    assessment.refresh_from_db()
    specs = _pending_rows(assessment.pk, SLOW_CHECK_TYPES)
    ids = list(specs)
    if ids:
        contexts = _slow_context(assessment, specs.values())
        with ThreadPoolExecutor(max_workers=min(INLINE_THREADS, len(ids))) as pool:
            for start in range(0, len(ids), INLINE_THREADS):
                wave = ids[start : start + INLINE_THREADS]
                lease = max(_lease_for(specs[pk], assessment.project) for pk in wave)
                claims = _claim(assessment.pk, wave, specs, lease)
                outcomes = pool.map(lambda c: _evaluate_slow(c.spec, contexts), claims)
                _store(
                    assessment.pk,
                    claims,
                    {c.spec.key: o for c, o in zip(claims, outcomes, strict=True)},
                )
    assessment_finalize(assessment_id=assessment.pk)
    assessment.refresh_from_db()
    return assessment


def assessment_record_outcomes(*, assessment: Assessment, outcomes: Mapping[str, Outcome]) -> int:
    """Store outcomes computed elsewhere (e.g. a backfill reading git objects) for the
    assessment's pending rows, by check key, through the same claim and store steps.
    Returns the number of results written."""
    rows = CheckResult.objects.filter(
        assessment=assessment, status=ResultStatus.PENDING, check_item__key__in=list(outcomes)
    ).select_related("check_item__category")
    specs = {row.pk: _spec(row.check_item) for row in rows}
    claims = _claim(assessment.pk, list(specs), specs, settings.READINESS_LEASE_SECONDS)
    return _store(assessment.pk, claims, outcomes) if claims else 0


# Finishing


def assessment_finalize(*, assessment_id: int) -> bool:
    """Compute and store the scores of an assessment whose checks are all done, exactly
    once: the conditional update of its status decides which caller does it. True when
    this call finalised."""
    with transaction.atomic():
        won = Assessment.objects.filter(
            pk=assessment_id, status__in=ACTIVE, checks_done__gte=F("checks_total")
        ).update(status=AssessmentStatus.DONE, finished_at=timezone.now())
        if not won:
            return False
        assessment = Assessment.objects.select_related("checklist").get(pk=assessment_id)
        card = assessment_scorecard(assessment=assessment)
        assessment.score = card.score
        assessment.coverage = card.coverage
        assessment.verdict = card.verdict
        assessment.verdict_reasons = [dict(reason) for reason in card.reasons]
        assessment.save(update_fields=["score", "coverage", "verdict", "verdict_reasons"])
        names = dict(assessment.checklist.categories.values_list("key", "name"))
        CategoryScore.objects.filter(assessment=assessment).delete()
        CategoryScore.objects.bulk_create(
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
        )
    return True


def assessment_scorecard(*, assessment: Assessment) -> ScoreCard:
    """The scores recomputed from the stored results. A row that has no result yet counts
    as `error`: nothing was measured."""
    results = assessment.results.select_related("check_item__category")
    checks = [
        scored_check(result.check_item, result.status if result.is_finished else Status.ERROR.value)
        for result in results
    ]
    categories = assessment.checklist.categories.order_by("position")
    return score_checks(
        checks,
        {category.key: category.weight for category in categories},
        ready_at=assessment.checklist.ready_at,
    )


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
        ).update(**_outcome_fields(Outcome.skip(message(CANCELLED)), now))
        Assessment.objects.filter(pk=assessment.pk).update(checks_done=F("checks_done") + skipped)
    assessment.refresh_from_db()
    return True


# Sweeping


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
            if mine.update(**_outcome_fields(outcome, now)):
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
    _send([m for aid, rows in by_assessment.items() for m in _messages(aid, rows)])
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
