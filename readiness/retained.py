"""Per-check results of an assessment whatever retention pruned: its own rows, and for a
pruned point a result for each check whose row was deleted, carried from the nearest
earlier kept row of that check in the point's chain (readiness/services/retention.py).

Retention deletes a row only when its status, and what the words of that status depend
on, equal those of the check's previous point in the chain, so the carried result has
the status and words the deleted row had: scores recompute and deltas attribute exactly.
Its summary and evidence are gone; it says where its status comes from instead."""

from __future__ import annotations

import datetime as dt
import json
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Protocol

from django.db.models import F, Q
from django.db.models.functions import Coalesce

from checks.messages import AWAITING
from readiness.models import Assessment, CheckResult
from readiness.verdicts import awaiting


class PointLike(Protocol):
    """What the reader needs of an assessment (a model instance, or any row of history)."""

    pk: int
    evaluated_at: dt.datetime
    retention_anchor_id: int | None
    retention_days: int | None


@dataclass(frozen=True)
class Point:
    """A point of history read as values, for `carried_results`."""

    pk: int
    evaluated_at: dt.datetime
    retention_anchor_id: int | None
    retention_days: int | None


def carried_details(status: str, details: Mapping[str, Any] | None) -> dict[str, Any]:
    """The part of a result's details that the words of its status depend on: an
    attestation awaited (and since when), a check a point of history could not evaluate,
    a waiver. What a carried result keeps of its row, and what retention compares."""
    kept: dict[str, Any] = {}
    found = awaiting(status, details)
    if found is not None:
        kept[AWAITING] = True
        if found.expired_on is not None:
            kept["expired_on"] = found.expired_on.isoformat()
    if isinstance(details, Mapping):
        if details.get("not_evaluable"):
            kept["not_evaluable"] = True
        if details.get("waived"):
            kept["waived"] = details["waived"]
    return kept


# The keys of a result's details that `carried_details` reads, as lookups for a query
# that must not load the rest (details can be large).
STATE_LOOKUPS = (
    "details__awaiting",
    "details__expired_on",
    "details__not_evaluable",
    "details__message__template",
    "details__message__params__date",
    "details__waived",
)


def looked_up_details(values: Iterable[Any]) -> dict[str, Any]:
    """Details rebuilt from the values of STATE_LOOKUPS, enough for `carried_details`."""
    awaited, expired_on, not_evaluable, template, date, waived = values
    details: dict[str, Any] = {}
    if awaited:
        details[AWAITING] = awaited
    if expired_on:
        details["expired_on"] = expired_on
    if not_evaluable:
        details["not_evaluable"] = not_evaluable
    if template:
        details["message"] = {"template": template, "params": {"date": date} if date else {}}
    if waived:
        details["waived"] = waived
    return details


def result_state(status: str, details: Mapping[str, Any] | None) -> tuple[str, str]:
    """What must not change between two points for retention to delete the later row."""
    return status, json.dumps(carried_details(status, details), sort_keys=True, default=str)


def _order(point: PointLike) -> tuple[dt.datetime, int]:
    return (point.evaluated_at, point.pk)


def carried_results(points: Iterable[PointLike]) -> dict[int, list[CheckResult]]:
    """For each pruned point of `points`, by its id: an unsaved result for every check
    of its chain that has no row of its own, with the status and status words of the
    check's nearest earlier kept row, no summary nor evidence, and `carried_from` (the
    date of that row's point) and `pruned_after_days`. One query; none when no point is
    pruned."""
    pruned = [p for p in points if p.retention_anchor_id is not None]
    if not pruned:
        return {}
    anchors = {p.retention_anchor_id for p in pruned}
    own: dict[int, set[int]] = defaultdict(set)
    chains: dict[int, list[CheckResult]] = defaultdict(list)
    rows = (
        CheckResult.objects.filter(
            Q(assessment_id__in=anchors) | Q(assessment__retention_anchor_id__in=anchors)
        )
        .annotate(
            point_at=F("assessment__evaluated_at"),
            chain=Coalesce(F("assessment__retention_anchor_id"), F("assessment_id")),
        )
        .select_related("check_item__category")
        .defer("evidence", "summary")
        .order_by("point_at", "assessment_id")
    )
    for row in rows:
        chains[row.chain].append(row)
        own[row.assessment_id].add(row.check_item_id)
    found: dict[int, list[CheckResult]] = {}
    for point in pruned:
        latest: dict[int, CheckResult] = {}
        for row in chains[point.retention_anchor_id]:
            if (row.point_at, row.assessment_id) > _order(point):
                break
            latest[row.check_item_id] = row
        mine = own[point.pk]
        found[point.pk] = [_carried(point, r) for check, r in latest.items() if check not in mine]
    return found


def _carried(point: PointLike, row: CheckResult) -> CheckResult:
    result = CheckResult(
        assessment_id=point.pk,
        check_item=row.check_item,
        status=row.status,
        credit=row.credit,
        summary="",
        evidence=[],
        details=carried_details(row.status, row.details),
    )
    result.carried_from = row.point_at
    result.pruned_after_days = point.retention_days
    return result


def retained_results(*, assessment: Assessment) -> list[CheckResult]:
    """Every per-check result of `assessment`, its check and category loaded, in
    checklist order: its rows, plus the carried results of a pruned point (2 queries)."""
    results = list(
        CheckResult.objects.filter(assessment=assessment).select_related("check_item__category")
    )
    results += carried_results([assessment]).get(assessment.pk, [])
    return sorted(results, key=lambda r: (r.check_item.position, r.check_item_id))
