"""The `history` document: one point per assessment (`history --json`, and the API's list
of a project's assessments)."""

from __future__ import annotations

from typing import Any

from django.db.models import Prefetch, QuerySet

from readiness.models import Assessment, CheckResult


def with_check_statuses(assessments: QuerySet[Assessment]) -> QuerySet[Assessment]:
    """`assessments` with their results' check keys prefetched (one more query)."""
    return assessments.prefetch_related(
        Prefetch(
            "results",
            queryset=CheckResult.objects.select_related("check_item").order_by(
                "check_item__position"
            ),
        )
    )


def history_point(assessment: Assessment) -> dict[str, Any]:
    """One assessment as a JSON-ready dict (its results prefetched)."""
    a = assessment
    return {
        "id": a.pk,
        # The commit time for a backfilled point, the run time for a live one.
        "date": a.evaluated_at.isoformat(),
        "revision": a.revision or None,
        "trigger": a.trigger,
        # A point of history measured only what a past commit can tell.
        "file_checks_only": a.file_checks_only,
        "status": a.status,
        "score": a.score,
        "coverage": a.coverage,
        "verdict": a.verdict or None,
        "level": a.level or None,
        "waived": [entry["check"] for entry in a.waived],
        "checks": [{"key": r.check_item.key, "status": r.status} for r in a.results.all()],
    }
