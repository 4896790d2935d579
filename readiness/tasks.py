"""Celery tasks: ids in, rows loaded, services called. Every task is idempotent (the rows
it works on are claimed with conditional updates), so a duplicate delivery is harmless;
acks_late and reject_on_worker_lost come from the settings."""

from __future__ import annotations

import logging
from dataclasses import asdict

from celery import Task, shared_task
from django.conf import settings
from django.db import InterfaceError, OperationalError

from readiness.models import Project, Trigger
from readiness.queue import QueueUnavailable
from readiness.services.assessments import AssessmentError, assessment_start
from readiness.services.backfill import backfill_chunk, backfill_point
from readiness.services.campaigns import campaigns_start
from readiness.services.metrics_rollup import metrics_rollup
from readiness.services.notify import delivery_attempt, notifications_for_assessment, notify_sweep
from readiness.services.retention import retention_apply
from readiness.services.runs import (
    assessment_run_check,
    assessment_run_file_checks,
    assessment_run_slow_checks,
)
from readiness.services.sweeper import assessment_sweep
from readiness.services.waivers import waivers_expire

logger = logging.getLogger(__name__)

# A database that is briefly unreachable (or a SQLite lock held past its timeout) is worth
# another try; anything a retry cannot fix is left to the sweeper's lease.
_DB_RETRY = {
    "autoretry_for": (OperationalError, InterfaceError),
    "retry_backoff": 2,
    "retry_backoff_max": 60,
    "max_retries": 5,
}


@shared_task(**_DB_RETRY)
def run_file_checks_task(assessment_id: int) -> int:
    """All file checks (grep, file, consistency) of one assessment, in one shared scan."""
    return assessment_run_file_checks(assessment_id=assessment_id)


@shared_task(**_DB_RETRY)
def run_check_task(result_id: int) -> bool:
    """One slow check (http, command, threshold). Slow checks are now sent in groups
    (run_slow_checks_task); this serves the messages sent before, still queued."""
    return assessment_run_check(result_id=result_id)


@shared_task(**_DB_RETRY)
def run_slow_checks_task(assessment_id: int, result_ids: list[int]) -> int:
    """A group of an assessment's slow checks (http, command, threshold), side by side on
    threads of this task."""
    return assessment_run_slow_checks(assessment_id=assessment_id, result_ids=result_ids)


# Periodic tasks are acknowledged on receipt: the next beat tick does the same work, so a
# redelivery after a crash would only run them twice.


@shared_task(acks_late=False)
def sweep_leases() -> dict[str, int]:
    """Re-send lost and expired checks; give up on those out of attempts (beat runs it)."""
    try:
        return asdict(assessment_sweep())
    except QueueUnavailable as exc:
        logger.warning("sweep: %s", exc)
        return {}


@shared_task(acks_late=False)
def expire_waivers() -> int:
    """Record the end of the approved waivers whose date has passed (beat runs it)."""
    return waivers_expire()


@shared_task(acks_late=False)
def scheduled_assessment(project_id: int) -> int | None:
    """Start the scheduled assessment of a project (beat runs it from the project's cron)."""
    project = Project.objects.filter(pk=project_id).first()
    if project is None:
        logger.warning("scheduled assessment: project %s no longer exists", project_id)
        return None
    try:
        return assessment_start(project=project, trigger=Trigger.SCHEDULE).pk
    except AssessmentError as exc:
        logger.warning("scheduled assessment of %s: %s", project.slug, exc)
        return None


@shared_task(**_DB_RETRY)
def backfill_point_task(project_id: int, revision: str) -> int:
    """Backfill one past commit of a project (idempotent: a stored point is kept)."""
    return backfill_point(project_id=project_id, revision=revision).pk


@shared_task(**_DB_RETRY)
def backfill_chunk_task(project_id: int, revisions: list[str]) -> int:
    """Backfill consecutive past commits of a project in one incremental walk
    (idempotent: stored points are kept); returns the number of points stored."""
    return backfill_chunk(project_id=project_id, revisions=revisions)


@shared_task(**_DB_RETRY)
def notify_assessment_task(assessment_id: int) -> int:
    """Evaluate the notification rules for a finished assessment and send what is due
    (idempotent: a delivery exists once per channel, rule and assessment); returns the
    number of deliveries created."""
    return len(notifications_for_assessment(assessment_id=assessment_id))


@shared_task(bind=True, **_DB_RETRY)
def send_notification_task(self: Task, delivery_id: int) -> str:
    """One attempt at a notification delivery; a failure another attempt may fix comes
    back after a backoff (the delivery row counts the attempts and bounds them)."""
    attempt = delivery_attempt(delivery_id=delivery_id)
    if attempt.retry_in is not None:
        raise self.retry(countdown=attempt.retry_in, max_retries=None)
    return attempt.status


@shared_task(acks_late=False)
def notify_sweep_task() -> dict[str, int]:
    """Time-based notification rules, and deliveries whose message was lost (beat runs it)."""
    try:
        return asdict(notify_sweep())
    except QueueUnavailable as exc:
        logger.warning("notify sweep: %s", exc)
        return {}


@shared_task(acks_late=False)
def campaigns_start_task() -> int:
    """Rebuild the checklists of the projects that a campaign started covering (beat runs
    it hourly); returns how many got a new version."""
    return len(campaigns_start())


@shared_task(acks_late=False)
def metrics_rollup_task() -> int:
    """Fold the assessments settled since the last run into the running totals of
    `/metrics` (beat runs it); returns how many were folded."""
    return metrics_rollup()


@shared_task(acks_late=False)
def retention_task() -> dict[str, int]:
    """Prune the per-check rows past READINESS_RETENTION_DAYS (beat runs it daily when
    READINESS_RETENTION_BEAT is on); nothing when retention is off."""
    days = settings.READINESS_RETENTION_DAYS
    if not days:
        return {}
    report = retention_apply(days=days)
    return {"points_pruned": report.points_pruned, "rows_deleted": report.rows_deleted}
