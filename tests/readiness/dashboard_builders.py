"""History for dashboard tests: finished assessments with their per-category score rows,
and per-check results, inserted in bulk."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from readiness.models import (
    Assessment,
    AssessmentStatus,
    CategoryScore,
    CheckResult,
    Trigger,
    Verdict,
)


def add_history(
    project,
    checklist,
    count: int,
    *,
    end: dt.datetime | None = None,
    categories: dict | None = None,
) -> list[Assessment]:
    """`count` daily finished assessments ending at `end`, with a per-category score row
    each (bulk inserts, so 200 points cost a few statements)."""
    end = end or timezone.now() - dt.timedelta(days=1)
    rows = [
        Assessment(
            project=project,
            checklist=checklist,
            trigger=Trigger.SCHEDULE,
            status=AssessmentStatus.DONE,
            evaluated_at=end - dt.timedelta(days=count - 1 - i),
            started_at=end - dt.timedelta(days=count - 1 - i),
            finished_at=end - dt.timedelta(days=count - 1 - i) + dt.timedelta(seconds=5),
            score=5 + (i % 50) / 10,
            coverage=0.9,
            verdict=Verdict.NOT_READY,
            revision=f"{i:040x}",
        )
        for i in range(count)
    ]
    created = Assessment.objects.bulk_create(rows)
    CategoryScore.objects.bulk_create(
        CategoryScore(
            assessment=assessment,
            key=category.key,
            name=category.name,
            weight=category.weight,
            score=assessment.score,
            coverage=0.9,
            position=category.position,
        )
        for assessment in created
        for category in (categories or {}).values()
    )
    return created


def add_results(assessment: Assessment, statuses: dict) -> list[CheckResult]:
    """One finished result per check: `statuses` maps each Check to its status."""
    now = timezone.now()
    return CheckResult.objects.bulk_create(
        CheckResult(
            assessment=assessment,
            check_item=check,
            status=status,
            credit={"pass": 1.0, "warn": 0.5, "fail": 0.0}.get(status),
            summary=f"{check.key} is {status}",
            evidence=[{"path": "src/app.py", "line": 12, "text": "verify_signature(payload)"}],
            details={"status": 200, "latency_ms": 42.0},
            finished_at=now,
        )
        for check, status in statuses.items()
    )
