"""Backfill: evaluate the file checks of a project's checklist at past commits, so that its
history starts long before the first live assessment.

Files are read from git objects (no checkout). The points of a run are walked in order by
checks.history: each commit is evaluated from the paths that changed since the previous
point, each new blob is read and matched once, and a check whose files did not change
keeps its result. Points are written BATCH_POINTS at a time, one transaction per batch
(readiness.services.backfill_store), so an interrupted run keeps the batches it wrote
and the next run evaluates only the rest. With the workers, a long range is sent in chunks
of CHUNK_POINTS consecutive points, one task each. Every point is stored as an assessment
dated at its commit time. Manual checks are decided by the attestations valid at that
time; the checks that history cannot evaluate (checks.registry.HISTORY_CHECK_TYPES says
which can) are recorded as `error` "not evaluable on history", so that coverage says what
was measured (below 100% whenever such checks exist) and the point reads "file checks
only"."""

from __future__ import annotations

import datetime as dt
import logging
import subprocess
import zoneinfo
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any, NamedTuple

from django.db import transaction
from django.utils.translation import gettext as _

from checks.blobcache import BlobCache
from checks.git import check_rev, git_resolve, git_run
from checks.gitrevision import GitRevision
from checks.history import HistoryScan
from checks.registry import FILE_CHECK_TYPES, HISTORY_CHECK_TYPES
from checks.scan import run_file_checks
from checks.spec import CheckSpec, Outcome
from checks.tree import TreeError
from readiness.models import (
    Assessment,
    AssessmentStatus,
    BackfillRequest,
    ChecklistVersion,
    Project,
    Trigger,
)
from readiness.queue import TaskCall, queue_send
from readiness.services import sources
from readiness.services.assessments import assessment_create, assessment_finalize
from readiness.services.backfill_store import BatchWriter, EvaluatedPoint
from readiness.services.checklists import checklist_spec
from readiness.services.outcomes import checker_failed, scan_limits, source_unavailable
from readiness.services.runs import assessment_record_outcomes

logger = logging.getLogger(__name__)

EVERY_DAY = "day"
EVERY_COMMIT = "commit"
EVERY = (EVERY_DAY, EVERY_COMMIT)
BACKFILL_POINT_TASK = "readiness.tasks.backfill_point_task"
BACKFILL_CHUNK_TASK = "readiness.tasks.backfill_chunk_task"
BATCH_POINTS = 100  # points written per transaction
# Blobs whose results a run keeps beyond the current files (renamed, copied, reverted).
CACHE_BLOBS = 50_000
CHUNK_POINTS = 250  # consecutive points per task when a range is sent to the workers
# Up to this many points, one task per point: short ranges spread over every worker.
CHUNK_ABOVE = 2 * CHUNK_POINTS // 10
_STORED = [AssessmentStatus.PENDING, AssessmentStatus.RUNNING, AssessmentStatus.DONE]

Progress = Callable[[int, int, Assessment], None]


class BackfillError(ValueError):
    """The backfill cannot run; the message says why."""


class BackfillPoint(NamedTuple):
    sha: str
    committed_at: dt.datetime


def backfill_plan(
    *,
    project: Project,
    since: dt.date | dt.datetime,
    until: dt.date | dt.datetime | None = None,
    every: str = EVERY_DAY,
) -> list[BackfillPoint]:
    """The commits to evaluate, oldest first: on the first-parent history of the project's
    ref, those whose commit time falls in [since, until] (dates are whole days in the
    project's time zone), every one of them or the last one of each day."""
    git_dir = _git_dir(project)
    return _plan(project, git_dir, _tip(project, git_dir), since, until, every)


def backfill_pending(
    *, project: Project, plan: Sequence[BackfillPoint], checklist: ChecklistVersion | None = None
) -> list[BackfillPoint]:
    """The points of `plan` without a finished backfill with the project's current
    checklist (an unfinished one, left by a crash, is finished by the next run)."""
    checklist = checklist or _current_checklist(project)
    done = set(
        _stored(project, checklist, [point.sha for point in plan])
        .filter(status=AssessmentStatus.DONE)
        .values_list("revision", flat=True)
    )
    return [point for point in plan if point.sha not in done]


def backfill_run(
    *,
    project: Project,
    since: dt.date | dt.datetime,
    until: dt.date | dt.datetime | None = None,
    every: str = EVERY_DAY,
    progress: Progress | None = None,
    announce: Callable[[int, int], None] | None = None,
    cache: BlobCache | None = None,
    collect: bool = True,
) -> list[Assessment]:
    """Backfill the points of the plan that are not stored yet, in this process, and return
    the new assessments oldest first (none without `collect`: a long history then holds
    no more than a batch of them). `announce(points in range, points to evaluate)` is
    called once the plan is known, `progress(done, total, assessment)` after each point
    stored. All points share `cache` (a new one by default): each blob is scanned once."""
    checklist = _current_checklist(project)
    specs = _file_specs(checklist)
    git_dir = _git_dir(project)
    plan = _plan(project, git_dir, _tip(project, git_dir), since, until, every)
    pending = backfill_pending(project=project, plan=plan, checklist=checklist)
    if announce is not None:
        announce(len(plan), len(pending))
    cache = cache if cache is not None else BlobCache(max_blobs=CACHE_BLOBS)
    created = []
    index = 0
    for assessments in _walk_and_store(project, checklist, specs, git_dir, pending, cache):
        for assessment in assessments:
            if collect:
                created.append(assessment)
            index += 1
            if progress is not None:
                progress(index, len(pending), assessment)
    return created


def backfill_point(*, project_id: int, revision: str) -> Assessment:
    """Backfill one commit: the body of the Celery task that `backfill --queue` sends.
    Idempotent: a point already stored for this project, checklist version and commit is
    returned as it is, and an unfinished one is finished."""
    project = Project.objects.get(pk=project_id)
    checklist = _current_checklist(project)
    specs = _file_specs(checklist)
    git_dir = _git_dir(project, revision=revision)
    with _open(git_dir, revision) as tree:
        point = BackfillPoint(tree.revision, tree.committed_at)
    assessment = _backfill_point(project, checklist, specs, git_dir, point, BlobCache())
    return assessment or _stored(project, checklist, [point.sha]).get(status=AssessmentStatus.DONE)


def backfill_chunk(*, project_id: int, revisions: Sequence[str]) -> int:
    """Backfill consecutive points (full commit ids, oldest first) in one walk: the body
    of the Celery task that `backfill --queue` sends for long ranges. Idempotent: points
    already stored are skipped. Returns the number of points stored."""
    project = Project.objects.get(pk=project_id)
    checklist = _current_checklist(project)
    specs = _file_specs(checklist)
    git_dir = _git_dir(project, revision=revisions[-1] if revisions else "")
    points = _points(git_dir, revisions)
    pending = backfill_pending(project=project, plan=points, checklist=checklist)
    cache = BlobCache(max_blobs=CACHE_BLOBS)
    stored = _walk_and_store(project, checklist, specs, git_dir, pending, cache)
    return sum(len(assessments) for assessments in stored)


def backfill_enqueue(*, project: Project, plan: Sequence[BackfillPoint]) -> list[str]:
    """Send the points of `plan` not stored yet to the workers; returns their commits. Up
    to CHUNK_ABOVE points, one readiness.tasks.backfill_point_task each; beyond, chunks of
    CHUNK_POINTS consecutive points, one readiness.tasks.backfill_chunk_task each (a chunk
    is walked incrementally, as a run in one process is). Raises QueueUnavailable when the
    broker cannot be reached."""
    pending = backfill_pending(project=project, plan=plan)
    if not pending:
        return []
    if len(pending) <= CHUNK_ABOVE:
        calls = [
            TaskCall(BACKFILL_POINT_TASK, kwargs={"project_id": project.pk, "revision": p.sha})
            for p in pending
        ]
    else:
        calls = [
            TaskCall(
                BACKFILL_CHUNK_TASK,
                kwargs={
                    "project_id": project.pk,
                    "revisions": [p.sha for p in pending[start : start + CHUNK_POINTS]],
                },
            )
            for start in range(0, len(pending), CHUNK_POINTS)
        ]
    queue_send(calls=calls)
    return [point.sha for point in pending]


def backfill_request(
    *, project: Project, since: dt.date, every: str, user: Any = None
) -> BackfillRequest:
    """Send the backfill of the project's history since `since` to the workers, one task
    per commit not stored yet, and record the request so that the dashboard can show its
    progress. Raises BackfillError (nothing to evaluate, bad source) or QueueUnavailable;
    nothing is recorded then."""
    if since > dt.date.today():
        raise BackfillError(_("the start date is in the future"))
    checklist = _current_checklist(project)
    _file_specs(checklist)
    plan = backfill_plan(project=project, since=since, every=every)
    if not plan:
        raise BackfillError(
            _("no commit since %(date)s on %(ref)s")
            % {"date": since.isoformat(), "ref": project.ref or "HEAD"}
        )
    backfill_enqueue(project=project, plan=plan)
    return BackfillRequest.objects.create(
        project=project,
        checklist=checklist,
        since=since,
        every=every,
        revisions=[point.sha for point in plan],
        requested_by=user if getattr(user, "is_authenticated", False) else None,
    )


def _stored(project: Project, checklist: ChecklistVersion, shas: Sequence[str]):
    # A point that failed or was cancelled does not count: a re-run tries it again.
    return Assessment.objects.filter(
        project=project,
        checklist=checklist,
        trigger=Trigger.BACKFILL,
        status__in=_STORED,
        revision__in=list(shas),
    ).order_by("id")


def _backfill_point(
    project: Project,
    checklist: ChecklistVersion,
    specs: Sequence[CheckSpec],
    git_dir: Path,
    point: BackfillPoint,
    cache: BlobCache,
    outcomes: dict[str, Outcome] | None = None,
) -> Assessment | None:
    """Store and score one point (with `outcomes` when they are known already); None when
    it was already done (by a concurrent run)."""
    with transaction.atomic():
        # The project row serialises concurrent backfills of one project, so that the
        # check for an existing point and the creation of a new one cannot interleave.
        Project.objects.select_for_update().filter(pk=project.pk).first()
        existing = _stored(project, checklist, [point.sha]).first()
        if existing is not None and existing.status == AssessmentStatus.DONE:
            return None
        assessment = existing or assessment_create(
            project=project,
            trigger=Trigger.BACKFILL,
            revision=point.sha,
            evaluated_at=point.committed_at,
            only_types=HISTORY_CHECK_TYPES,
        )
    # Results are written through the assessment's conditional claim and store steps, so
    # a duplicate delivery of the same point writes nothing twice; the last write scores.
    if outcomes is None:
        outcomes = _evaluate(specs, git_dir, point, cache, subfolder=project.subfolder)
    assessment_record_outcomes(assessment=assessment, outcomes=outcomes)
    assessment_finalize(assessment_id=assessment.pk)
    assessment.refresh_from_db()
    return assessment


def _walk_and_store(
    project: Project,
    checklist: ChecklistVersion,
    specs: Sequence[CheckSpec],
    git_dir: Path,
    pending: Sequence[BackfillPoint],
    cache: BlobCache,
) -> Iterator[list[Assessment]]:
    """Evaluate `pending` in one walk and store them a batch at a time; yields each
    batch's new assessments once committed. A point left unfinished by an earlier run
    (rows pending) is finished through the one-point path."""
    unfinished = set(
        _stored(project, checklist, [point.sha for point in pending])
        .exclude(status=AssessmentStatus.DONE)
        .values_list("revision", flat=True)
    )
    writer = BatchWriter(project=project, checklist=checklist)
    batch: list[EvaluatedPoint] = []
    for point, outcomes in _walked(project, specs, git_dir, pending, cache):
        if point.sha in unfinished:
            finished = _backfill_point(project, checklist, specs, git_dir, point, cache, outcomes)
            yield [finished] if finished is not None else []
            continue
        batch.append(EvaluatedPoint(point.sha, point.committed_at, outcomes))
        if len(batch) >= BATCH_POINTS:
            yield writer.write(batch)
            batch = []
    yield writer.write(batch)


def _walked(
    project: Project,
    specs: Sequence[CheckSpec],
    git_dir: Path,
    points: Sequence[BackfillPoint],
    cache: BlobCache,
) -> Iterator[tuple[BackfillPoint, dict[str, Outcome]]]:
    """The outcomes at each of `points`, from an incremental walk. Should the walk itself
    fail, the points it did not reach are evaluated one by one."""
    scan = HistoryScan(git_dir, specs, subfolder=project.subfolder, cache=cache, **scan_limits())
    done = 0
    try:
        for (_sha, found), point in zip(
            scan.walk([point.sha for point in points]), points, strict=True
        ):
            if isinstance(found, TreeError):
                # No evidence at this commit: every file check says why.
                yield point, {spec.key: source_unavailable(found) for spec in specs}
            else:
                yield point, found
            done += 1
    except (TreeError, OSError, subprocess.SubprocessError):
        logger.exception("backfill walk of %s stopped; evaluating point by point", project.slug)
        for point in points[done:]:
            yield point, _evaluate(specs, git_dir, point, cache, subfolder=project.subfolder)


def _points(git_dir: Path, revisions: Sequence[str]) -> list[BackfillPoint]:
    """The commits `revisions` with their commit times, in the order given."""
    if not revisions:
        return []
    try:
        for revision in revisions:
            check_rev(revision)
    except TreeError as exc:
        raise BackfillError(str(exc)) from None
    completed = git_run(git_dir, "log", "--no-walk=unsorted", "--format=%H %ct", *revisions, "--")
    if completed.returncode != 0:
        raise BackfillError(
            _("git log: %(error)s") % {"error": completed.stderr.decode("utf-8", "replace")[-500:]}
        )
    return _parse_points(completed.stdout)


def _evaluate(
    specs: Sequence[CheckSpec],
    git_dir: Path,
    point: BackfillPoint,
    cache: BlobCache,
    *,
    subfolder: str,
) -> dict[str, Outcome]:
    try:
        # The project's subfolder is the root its checks see, at every commit.
        with GitRevision(git_dir, point.sha, subfolder=subfolder) as tree:
            return dict(
                run_file_checks(
                    specs,
                    tree,
                    **scan_limits(),
                    cache=cache,
                )
            )
    except TreeError as exc:
        # No evidence at this commit: every file check says why, none passes silently.
        return {spec.key: source_unavailable(exc) for spec in specs}
    except Exception as exc:
        logger.exception("backfill scan of %s raised", point.sha)
        return {spec.key: checker_failed(exc) for spec in specs}


def _current_checklist(project: Project) -> ChecklistVersion:
    checklist = project.current_checklist()
    if checklist is None:
        raise BackfillError(_("project %(slug)s has no checklist yet") % {"slug": project.slug})
    return checklist


def _file_specs(checklist: ChecklistVersion) -> list[CheckSpec]:
    specs = [
        spec for spec in checklist_spec(checklist).all_checks() if spec.type in FILE_CHECK_TYPES
    ]
    if not specs:
        raise BackfillError(
            _("the checklist has no file checks (%(types)s): nothing can be evaluated on history")
            % {"types": ", ".join(sorted(FILE_CHECK_TYPES))}
        )
    return specs


def _git_dir(project: Project, revision: str = "") -> Path:
    try:
        return sources.source_git_dir(project=project, revision=revision)
    except sources.SourceError as exc:
        raise BackfillError(str(exc)) from None


def _tip(project: Project, git_dir: Path) -> str:
    try:
        return git_resolve(git_dir, project.ref or "HEAD")
    except TreeError as exc:
        raise BackfillError(str(exc)) from None


def _open(git_dir: Path, revision: str) -> GitRevision:
    try:
        return GitRevision(git_dir, revision)
    except TreeError as exc:
        raise BackfillError(str(exc)) from None


def _bounds(
    project: Project, since: dt.date | dt.datetime, until: dt.date | dt.datetime | None
) -> tuple[dt.datetime, dt.datetime | None]:
    """[start, end) in aware datetimes: a date is the whole day in the project's zone."""
    zone = zoneinfo.ZoneInfo(project.timezone or "UTC")

    def aware(moment: dt.date | dt.datetime, *, end: bool) -> dt.datetime:
        if not isinstance(moment, dt.datetime):
            day = moment + dt.timedelta(days=1) if end else moment
            return dt.datetime.combine(day, dt.time(), tzinfo=zone)
        return moment if moment.tzinfo else moment.replace(tzinfo=zone)

    start = aware(since, end=False)
    end = None if until is None else aware(until, end=True)
    if end is not None and end <= start:
        raise BackfillError(_("--until must be after --since"))
    return start, end


def _plan(
    project: Project,
    git_dir: Path,
    tip: str,
    since: dt.date | dt.datetime,
    until: dt.date | dt.datetime | None,
    every: str,
) -> list[BackfillPoint]:
    if every not in EVERY:
        raise BackfillError(
            _("every must be one of %(choices)s, not %(every)s")
            % {"choices": ", ".join(EVERY), "every": every}
        )
    start, end = _bounds(project, since, until)
    zone = zoneinfo.ZoneInfo(project.timezone or "UTC")
    points = []
    seen_days: set[dt.date] = set()
    # Newest first, along first parents: the state of the branch, not of merged branches.
    for point in _first_parent_commits(git_dir, tip):
        if point.committed_at < start or (end is not None and point.committed_at >= end):
            continue
        if every == EVERY_DAY:
            day = point.committed_at.astimezone(zone).date()
            if day in seen_days:
                continue
            seen_days.add(day)
        points.append(point)
    points.reverse()
    return points


def _first_parent_commits(git_dir: Path, tip: str) -> list[BackfillPoint]:
    try:
        completed = git_run(git_dir, "log", "--first-parent", "--format=%H %ct", tip, "--")
    except TreeError as error:
        raise BackfillError(str(error)) from None
    if completed.returncode != 0:
        raise BackfillError(
            _("git log: %(error)s") % {"error": completed.stderr.decode("utf-8", "replace")[-500:]}
        )
    return _parse_points(completed.stdout)


def _parse_points(output: bytes) -> list[BackfillPoint]:
    points = []
    for line in output.decode("ascii", "replace").splitlines():
        sha, _sep, stamp = line.partition(" ")
        points.append(BackfillPoint(sha, dt.datetime.fromtimestamp(int(stamp), tz=dt.UTC)))
    return points
