"""The running totals of `/metrics`: finished assessments by project, trigger and status,
and the check duration histogram by project and check type, folded in batches of
assessments so that a scrape reads the totals plus only what is not folded yet
(readiness.selectors.metrics.metrics_service).

The watermark is per assessment (`Assessment.metrics_rolled_up`), not an id: assessments
finish out of id order (a long run started early ends after later ones), and an id
counter would also miss rows a transaction still holds uncommitted below it. A
assessment is folded once it is settled: done, failed or cancelled with no result still
pending or running (a cancelled run's running checks finish after it; the finaliser
waives rows before it marks the assessment done). From then on nothing that the totals
count changes: its trigger, status, and its results' types and durations. Folding the
totals and setting the flags happen in one transaction, so a row is counted either in
the totals or as not folded, never both, never neither.

Runs one at a time: each batch first writes a lock row (PostgreSQL holds its row lock,
SQLite its write lock, until the commit), and a second run waits, then finds the
assessments the first folded already flagged. Run by beat (readiness.tasks.
metrics_rollup_task), and by retention before it deletes check rows."""

from __future__ import annotations

from django.db import transaction
from django.db.models import Exists, F, OuterRef, QuerySet

from readiness.models import (
    Assessment,
    AssessmentStatus,
    CheckResult,
    MetricsAssessmentTotal,
    MetricsDurationTotal,
    ResultStatus,
    ServiceCounter,
)
from readiness.selectors.metrics import assessment_counts, duration_rows

# The lock row, whose value is the number of assessments folded so far.
ROLLUP_COUNTER = "metrics.rollup.assessments"
DEFAULT_BATCH_SIZE = 500
SETTLED = (AssessmentStatus.DONE, AssessmentStatus.FAILED, AssessmentStatus.CANCELLED)


def metrics_rollup(*, batch_size: int = DEFAULT_BATCH_SIZE, max_batches: int | None = None) -> int:
    """Fold every settled assessment not folded yet into the running totals, `batch_size`
    per transaction (at most `max_batches` batches when given). Returns how many were
    folded; a second run right after folds none."""
    if batch_size < 1:
        raise ValueError(f"batch size must be at least 1, got {batch_size}")
    ServiceCounter.objects.get_or_create(name=ROLLUP_COUNTER)
    folded = batches = 0
    while max_batches is None or batches < max_batches:
        count = _fold_batch(batch_size)
        if not count:
            break
        folded += count
        batches += 1
    return folded


def _fold_batch(batch_size: int) -> int:
    with transaction.atomic():
        # The lock: taken before any read, so the reads below see what a run before
        # this one committed.
        lock = ServiceCounter.objects.filter(name=ROLLUP_COUNTER)
        lock.update(value=F("value"))
        unfinished = CheckResult.objects.filter(
            assessment_id=OuterRef("pk"),
            status__in=(ResultStatus.PENDING, ResultStatus.RUNNING),
        )
        # By the partial index of the assessments not folded yet (the status index would
        # walk every settled assessment ever stored, at each batch).
        unfolded = Assessment.objects.filter(metrics_rolled_up=False).values("pk")
        ids = list(
            Assessment.objects.filter(pk__in=unfolded, status__in=SETTLED)
            .exclude(Exists(unfinished))
            .order_by("pk")
            .values_list("pk", flat=True)[:batch_size]
        )
        if not ids:
            return 0
        _add_counts(Assessment.objects.filter(pk__in=ids))
        _add_durations(CheckResult.objects.filter(assessment_id__in=ids))
        Assessment.objects.filter(pk__in=ids).update(metrics_rolled_up=True)
        lock.update(value=F("value") + len(ids))
    return len(ids)


def _add_counts(assessments: QuerySet[Assessment]) -> None:
    found = assessment_counts(assessments, "project_id")
    existing = {
        (row.project_id, row.trigger, row.status): row
        for row in MetricsAssessmentTotal.objects.filter(
            project_id__in={key[0] for key, _ in found}
        )
    }
    created, changed = [], []
    for (project_id, trigger, status), count in found:
        row = existing.get((project_id, trigger, status))
        if row is None:
            created.append(
                MetricsAssessmentTotal(
                    project_id=project_id, trigger=trigger, status=status, count=count
                )
            )
        else:
            row.count += count
            changed.append(row)
    MetricsAssessmentTotal.objects.bulk_create(created)
    MetricsAssessmentTotal.objects.bulk_update(changed, fields=["count"])


def _add_durations(results: QuerySet[CheckResult]) -> None:
    found = duration_rows(results, "assessment__project_id", "check_item__type")
    existing = {
        (row.project_id, row.type): row
        for row in MetricsDurationTotal.objects.filter(project_id__in={key[0] for key, *_ in found})
    }
    created, changed = [], []
    for (project_id, kind), count, sum_ms, buckets in found:
        row = existing.get((project_id, kind))
        if row is None:
            created.append(
                MetricsDurationTotal(
                    project_id=project_id, type=kind, count=count, sum_ms=sum_ms, buckets=buckets
                )
            )
        else:
            row.count += count
            row.sum_ms += sum_ms
            row.buckets = [a + b for a, b in zip(row.buckets, buckets, strict=True)]
            changed.append(row)
    MetricsDurationTotal.objects.bulk_create(created)
    MetricsDurationTotal.objects.bulk_update(changed, fields=["count", "sum_ms", "buckets"])
