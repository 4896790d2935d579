"""Running an assessment's checks: claim result rows, evaluate them, store the outcomes.

Tasks claim rows with a conditional UPDATE (pending → running, one more attempt, a lease),
evaluate them with the engine and write the outcome with another conditional UPDATE (still
running, same attempt), so a duplicate delivery or a worker that comes back late never
overwrites a result. The same transaction counts the result in `checks_done`, and the
writer of the last result finalises the assessment (readiness/services/assessments.py)."""

from __future__ import annotations

import contextlib
import datetime as dt
import logging
from collections.abc import Iterable, Mapping, Sequence
from concurrent.futures import FIRST_COMPLETED, ThreadPoolExecutor, wait
from dataclasses import dataclass
from functools import cache, lru_cache, reduce
from operator import or_
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import InterfaceError, OperationalError, connection, transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_noop

from checks.messages import message, timed_out
from checks.registry import FILE_CHECK_TYPES, SLOW_CHECK_TYPES
from checks.runner import reads_repository
from checks.scan import run_file_checks
from checks.spec import CheckSpec, Outcome, RunContext, Status
from checks.tree import TreeError
from checks.worktree import WorkingTree
from readiness.models import Assessment, AssessmentStatus, CheckResult, Project, ResultStatus
from readiness.services import hard_limits
from readiness.services.assessments import ACTIVE, assessment_finalize
from readiness.services.outcomes import (
    OUTCOME_FIELDS,
    checker_failed,
    outcome_evaluate,
    outcome_fields,
    result_spec,
    run_context,
    scan_limits,
    source_unavailable,
)
from readiness.services.sources import (
    SourceError,
    SourceState,
    source_prepare,
    source_time_limit,
    source_within,
)

logger = logging.getLogger(__name__)

# How many slow checks an inline run evaluates at once (the worker pool does it for tasks).
INLINE_THREADS = 16


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
    lease = now + dt.timedelta(seconds=lease_s)
    with transaction.atomic(), connection.cursor() as cursor:
        # One conditional UPDATE that returns what it claimed. SQLite: IMMEDIATE
        # transactions already hold the write lock here. PostgreSQL: a concurrent claimer
        # waits for the row locks, then finds the rows no longer pending.
        cursor.execute(
            _claim_sql(len(result_ids)),
            [
                ResultStatus.RUNNING.value,
                _db_value("lease_expires_at", lease),
                _db_value("started_at", now),
                *result_ids,
                ResultStatus.PENDING.value,
                settings.READINESS_MAX_ATTEMPTS,
                *(status.value for status in ACTIVE),
            ],
        )
        rows = cursor.fetchall()
        if not rows:
            return []
        Assessment.objects.filter(pk=assessment_id, status=AssessmentStatus.PENDING).update(
            status=AssessmentStatus.RUNNING, started_at=now
        )
    return [Claim(pk, attempt, specs[pk]) for pk, attempt in rows]


@lru_cache(maxsize=64)
def _claim_sql(count: int) -> str:
    """UPDATE of `count` result rows, pending, with attempts left, of an active assessment,
    to running (one more attempt, a lease), RETURNING the id and attempt of each."""
    quote = connection.ops.quote_name
    result, assessment = CheckResult._meta, Assessment._meta

    def column(meta: Any, name: str) -> str:
        return quote(meta.get_field(name).column)

    table = quote(result.db_table)
    attempts = column(result, "attempts")
    return (
        f"UPDATE {table} SET {column(result, 'status')} = %s, {attempts} = {attempts} + 1,"
        f" {column(result, 'lease_expires_at')} = %s, {column(result, 'started_at')} = %s"
        f" WHERE {quote(result.pk.column)} IN ({', '.join(['%s'] * count)})"
        f" AND {column(result, 'status')} = %s AND {attempts} < %s"
        f" AND EXISTS (SELECT 1 FROM {quote(assessment.db_table)} AS a"
        f" WHERE a.{quote(assessment.pk.column)} = {table}.{column(result, 'assessment')}"
        f" AND a.{column(assessment, 'status')} IN ({', '.join(['%s'] * len(ACTIVE))}))"
        f" RETURNING {quote(result.pk.column)}, {attempts}"
    )


def _db_value(field: str, value: object) -> object:
    """`value` as the database takes it for CheckResult's `field` (for raw SQL)."""
    return CheckResult._meta.get_field(field).get_db_prep_value(value, connection, prepared=False)


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
    missing = Outcome.error(message(gettext_noop("the checker returned nothing")))
    return _write_rows(
        assessment_id,
        [(c.result_id, c.attempt, outcomes.get(c.spec.key) or missing) for c in claims],
    )


def _write_rows(assessment_id: int, rows: Sequence[tuple[int, int, Outcome]]) -> int:
    """Store each (result id, attempt, outcome) whose row that attempt still holds, count
    them in the assessment and finalise it if they were the last. Returns rows written.

    The write transaction holds one prepared UPDATE per row (no ORM expression to compile)
    and one of the counter: on SQLite it holds the database's one write lock, so the scores
    are computed after it commits (assessment_finalize reads first and takes the lock only
    to store them), and two workers storing at once wait for each other only that long."""
    if not rows:
        return 0
    now = timezone.now()
    params = [_row_params(pk, attempt, outcome, now) for pk, attempt, outcome in rows]
    with transaction.atomic(), connection.cursor() as cursor:
        written = 0
        for values in params:
            cursor.execute(_store_sql(), values)
            written += max(cursor.rowcount, 0)
        if written:
            # The counter returns what it reached: only the writer of the last results
            # (writers of one assessment take turns at its row) reads it to finalise.
            cursor.execute(_count_sql(), [written, assessment_id])
            done, total = cursor.fetchone()
    if written and done >= total:
        assessment_finalize(assessment_id=assessment_id)
    return written


@cache
def _count_sql() -> str:
    """UPDATE adding to an assessment's `checks_done`, RETURNING it and `checks_total`."""
    meta = Assessment._meta
    quote = connection.ops.quote_name
    done = quote(meta.get_field("checks_done").column)
    total = quote(meta.get_field("checks_total").column)
    return (
        f"UPDATE {quote(meta.db_table)} SET {done} = {done} + %s"
        f" WHERE {quote(meta.pk.column)} = %s RETURNING {done}, {total}"
    )


@cache
def _store_sql() -> str:
    """UPDATE of a result row's outcome fields, where the row is still running under the
    same attempt (the claim is still ours)."""
    meta = CheckResult._meta
    quote = connection.ops.quote_name
    assignments = ", ".join(f"{quote(meta.get_field(f).column)} = %s" for f in OUTCOME_FIELDS)
    return (
        f"UPDATE {quote(meta.db_table)} SET {assignments} WHERE {quote(meta.pk.column)} = %s"
        f" AND {quote(meta.get_field('status').column)} = %s"
        f" AND {quote(meta.get_field('attempts').column)} = %s"
    )


def _row_params(pk: int, attempt: int, outcome: Outcome, now: dt.datetime) -> list[object]:
    fields = outcome_fields(outcome, now)
    values = [_db_value(name, fields[name]) for name in OUTCOME_FIELDS]
    return [*values, pk, ResultStatus.RUNNING.value, attempt]


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
    return {row.pk: result_spec(row.check_item) for row in rows}


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
    # attempts like any check; the lease covers the fetch (in a worker, its watchdog renews
    # it), then is cut back for the scan. A scan has no deadline of its own: the base lease
    # is its budget.
    scan = settings.READINESS_LEASE_SECONDS
    fetch = source_time_limit(assessment.project)
    claims = _claim(assessment_id, list(specs), specs, _lease(fetch))
    if not claims:
        return 0
    with _hard_limit(assessment_id, claims, Status.ERROR, fetch) as running:
        state = _source_or_problem(assessment)
        _renew(claims, settings.READINESS_LEASE_SECONDS)
        running.extend(scan + settings.READINESS_HARD_LIMIT_MARGIN_SECONDS)
        return _store(assessment_id, claims, _scan(state, [c.spec for c in claims]))


def _lease(bound_s: float) -> float:
    """The lease of a claim whose work may take `bound_s`: in a worker, whose watchdog
    renews the leases of what it runs, the base lease, so that the sweeper takes back what
    a dead worker held soon; elsewhere (an inline run) the bound on top of it."""
    base = settings.READINESS_LEASE_SECONDS
    return base if hard_limits.watched() else base + bound_s


def _hard_limit(
    assessment_id: int, claims: Sequence[Claim], status: Status, bound_s: float
) -> contextlib.AbstractContextManager[hard_limits.Running]:
    """`claims` registered as running for at most `bound_s` + the margin: past that the
    worker's watchdog stores them as `status` "timed out"; until then it renews their
    leases."""
    return hard_limits.hard_limit(
        assessment_id=assessment_id,
        rows=[(c.result_id, c.attempt) for c in claims],
        status=status,
        limit_s=bound_s + settings.READINESS_HARD_LIMIT_MARGIN_SECONDS,
    )


def assessment_enforce_hard_limits() -> int:
    """Store "timed out after N s" for the checks this process runs past their hard limit
    (the worker's watchdog calls it): a file scan `error`, a slow check `fail`, as a check
    that waits on something too long is. Their threads may go on; whatever they return
    later is not stored (the row is no longer theirs). Returns the rows written."""
    written = 0
    for running in hard_limits.overdue():
        outcome = Outcome.said(
            running.status,
            timed_out(round(running.limit_s)),
            details={"hard_limit_s": running.limit_s},
        )
        written += _write_rows(
            running.assessment_id, [(pk, attempt, outcome) for pk, attempt in running.rows]
        )
        hard_limits.mark_expired(running)
    return written


def assessment_renew_leases() -> int:
    """Renew the leases of the checks this process runs within their hard limits (the
    worker's watchdog calls it every third of a lease): the sweeper then takes back only
    what a dead worker held. Returns the rows renewed."""
    rows = [row for running in hard_limits.within_limits() for row in running.rows]
    if not rows:
        return 0
    expires = timezone.now() + dt.timedelta(seconds=settings.READINESS_LEASE_SECONDS)
    mine = reduce(or_, (Q(pk=pk, attempts=attempt) for pk, attempt in rows))
    return CheckResult.objects.filter(mine, status=ResultStatus.RUNNING).update(
        lease_expires_at=expires
    )


def _renew(claims: Sequence[Claim], lease_s: float) -> None:
    if not claims:
        return
    expires = timezone.now() + dt.timedelta(seconds=lease_s)
    mine = reduce(or_, (Q(pk=c.result_id, attempts=c.attempt) for c in claims))
    CheckResult.objects.filter(mine, status=ResultStatus.RUNNING).update(lease_expires_at=expires)


def _source_or_problem(assessment: Assessment) -> SourceState | SourceError:
    """The source, in the project's subfolder, or why it cannot be had: the checks that
    need it then get that error rather than the task failing (and being sent again, and
    again). The revision is recorded even when the subfolder is missing from it."""
    try:
        return source_within(state=_source(assessment), subfolder=assessment.project.subfolder)
    except SourceError as exc:
        return exc
    except Exception as exc:
        logger.exception("preparing the source of %s failed", assessment.project.slug)
        return SourceError(f"{type(exc).__name__}: {exc}")


def _scan(state: SourceState | SourceError, specs: Sequence[CheckSpec]) -> dict[str, Outcome]:
    if isinstance(state, SourceError):
        return {spec.key: source_unavailable(state) for spec in specs}
    try:
        tree = WorkingTree(state.path, default_exclusions=not state.checkout)
    except TreeError as exc:
        return {spec.key: source_unavailable(exc) for spec in specs}
    try:
        return dict(
            run_file_checks(
                specs,
                tree,
                **scan_limits(),
            )
        )
    except Exception as exc:
        logger.exception("file scan raised")
        return {spec.key: checker_failed(exc) for spec in specs}


def _bound_for(spec: CheckSpec, project: Project) -> float:
    """How long a slow check may take: its own timeout, and the fetch of the source when
    it needs one."""
    needs_files = reads_repository(spec, run_context(Path(project.source)))
    fetch = source_time_limit(project) if needs_files else 0
    return float(spec.options.get("timeout_s") or 0) + fetch


@dataclass(frozen=True)
class _SlowContext:
    """Contexts for slow checks: most (http, threshold on a URL) need no file; commands
    and thresholds on a file need the assessment's source, which may be unavailable."""

    plain: RunContext
    files: RunContext | SourceError


def _slow_context(assessment: Assessment, specs: Iterable[CheckSpec]) -> _SlowContext:
    # A URL source is not a folder, but a check that reads no file never looks at it.
    project = assessment.project
    plain = run_context(Path(project.source), placeholders=project.placeholders())
    if not any(reads_repository(spec, plain) for spec in specs):
        return _SlowContext(plain=plain, files=plain)
    state = _source_or_problem(assessment)
    if isinstance(state, SourceError):
        return _SlowContext(plain=plain, files=state)
    return _SlowContext(
        plain=plain,
        files=run_context(state.path, placeholders=project.placeholders()),
    )


def _evaluate_slow(spec: CheckSpec, contexts: _SlowContext) -> Outcome:
    if not reads_repository(spec, contexts.plain):
        return outcome_evaluate(spec, contexts.plain)
    if isinstance(contexts.files, SourceError):
        return source_unavailable(contexts.files)
    return outcome_evaluate(spec, contexts.files)


def assessment_run_check(*, result_id: int) -> bool:
    """The task body for one slow check (http, command, threshold), as sent before slow
    checks went in groups. True when this call wrote the result; False for a row that is
    not pending (a duplicate delivery)."""
    assessment_id = (
        CheckResult.objects.filter(pk=result_id).values_list("assessment_id", flat=True).first()
    )
    if assessment_id is None:
        return False
    return assessment_run_slow_checks(assessment_id=assessment_id, result_ids=[result_id]) == 1


def assessment_run_slow_checks(*, assessment_id: int, result_ids: Sequence[int]) -> int:
    """The task body for some slow checks of one assessment (readiness/services/
    assessments.py sends them in groups): claimed together, evaluated side by side on
    threads of this task, each stored as soon as it is done (those done at once in one
    transaction), each under its own hard limit. Returns the number of results written;
    0 for rows that are not pending (a duplicate delivery)."""
    rows = list(
        CheckResult.objects.select_related("assessment__project", "check_item__category").filter(
            pk__in=list(result_ids), assessment_id=assessment_id, status=ResultStatus.PENDING
        )
    )
    if not rows:
        return 0
    assessment = rows[0].assessment
    specs = {row.pk: result_spec(row.check_item) for row in rows}
    bounds = {pk: _bound_for(spec, assessment.project) for pk, spec in specs.items()}
    claims = _claim(assessment_id, list(specs), specs, _lease(max(bounds.values())))
    if not claims:
        return 0
    if len(claims) == 1:
        claim = claims[0]
        with _hard_limit(assessment_id, claims, Status.FAIL, bounds[claim.result_id]):
            outcome = _evaluate_slow(claim.spec, _slow_context(assessment, [claim.spec]))
            return _store(assessment_id, claims, {claim.spec.key: outcome})
    # One registration per claim, ended once its result is stored: a finished check must
    # not count as stuck while a slower one of the group runs on.
    limits = {c.result_id: contextlib.ExitStack() for c in claims}
    written = 0
    with contextlib.ExitStack() as all_limits, ThreadPoolExecutor(len(claims)) as pool:
        for claim in claims:
            all_limits.enter_context(limits[claim.result_id])
            limits[claim.result_id].enter_context(
                _hard_limit(assessment_id, [claim], Status.FAIL, bounds[claim.result_id])
            )
        contexts = _slow_context(assessment, [c.spec for c in claims])
        running = {pool.submit(_evaluate_slow, c.spec, contexts): c for c in claims}
        try:
            while running:
                finished, _ = wait(running, return_when=FIRST_COMPLETED)
                done = [(running.pop(future), future.result()) for future in finished]
                outcomes = {c.spec.key: o for c, o in done}
                written += _store(assessment_id, [c for c, _ in done], outcomes)
                for claim, _ in done:
                    limits[claim.result_id].close()
        except (OperationalError, InterfaceError):
            # The database failed a store (_store gave its claims back): give back the
            # checks not stored yet too, for the task's retry, rather than leave them
            # running until their lease ends. What their threads find is dropped.
            _release(list(running.values()))
            raise
    return written


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
                lease = _lease(max(_bound_for(specs[pk], assessment.project) for pk in wave))
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
    specs = {row.pk: result_spec(row.check_item) for row in rows}
    claims = _claim(assessment.pk, list(specs), specs, settings.READINESS_LEASE_SECONDS)
    return _store(assessment.pk, claims, outcomes) if claims else 0
