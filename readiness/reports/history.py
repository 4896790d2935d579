"""The `history` document: one point per assessment (`history --json`, and the API's list
of a project's assessments)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db.models import Prefetch, QuerySet

from readiness.models import Assessment, CheckResult
from readiness.retained import carried_results


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


def history_points(assessments: QuerySet[Assessment]) -> list[dict[str, Any]]:
    """Each of `assessments` as a JSON-ready dict, in their order (two queries, three when
    retention pruned some)."""
    found = list(with_check_statuses(assessments))
    carried = carried_results(found)
    return [history_point(a, carried.get(a.pk, ())) for a in found]


def history_point(assessment: Assessment, carried: Iterable[CheckResult] = ()) -> dict[str, Any]:
    """One assessment as a JSON-ready dict (its results prefetched; `carried`: the results
    of a point pruned by retention, carried from earlier kept rows, see readiness.retained)."""
    a = assessment
    results = sorted([*a.results.all(), *carried], key=lambda r: r.check_item.position)
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
        "checks": [
            {
                "key": r.check_item.key,
                "status": r.status,
                # A point pruned by retention: the date a deleted row's status is carried from.
                **({"carried_from": r.carried_from.isoformat()} if r.carried_from else {}),
            }
            for r in results
        ],
    }
