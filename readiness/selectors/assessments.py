"""Reads of the assessment page and the compare page: the assessment before, and what
changed between two assessments."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Q

from readiness.models import Assessment, AssessmentStatus, Category, Check, CheckResult
from readiness.retained import (
    STATE_LOOKUPS,
    carried_details,
    carried_results,
    looked_up_details,
)
from readiness.scored import scored_check
from readiness.scoring import Attribution, ScoredCheck, attribute_change
from readiness.selectors.common import is_failing


def previous_assessment(*, assessment: Assessment) -> Assessment | None:
    """The project's finished assessment just before this one in history (1 query)."""
    return (
        Assessment.objects.filter(project_id=assessment.project_id, status=AssessmentStatus.DONE)
        .filter(
            Q(evaluated_at__lt=assessment.evaluated_at)
            | Q(evaluated_at=assessment.evaluated_at, pk__lt=assessment.pk)
        )
        .order_by("-evaluated_at", "-id")
        .only("pk", "score", "evaluated_at")
        .first()
    )


@dataclass(frozen=True)
class CheckChange:
    key: str
    name: str
    category: str  # the key
    category_name: str
    before: str | None
    after: str | None
    amount: float | None = None
    # What says an `error` awaits an attestation or was not measured (for the words).
    before_details: dict[str, Any] = field(default_factory=dict)
    after_details: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class ChecklistChange:
    key: str
    name: str
    fields: tuple[str, ...]


@dataclass(frozen=True)
class ChecklistChanges:
    added: list[Check]
    removed: list[Check]
    changed: list[ChecklistChange]

    def __bool__(self) -> bool:
        return bool(self.added or self.removed or self.changed)


@dataclass(frozen=True)
class Comparison:
    before: Assessment
    after: Assessment
    attribution: Attribution
    contributions: list[CheckChange]
    newly_failing: list[CheckChange]
    fixed: list[CheckChange]
    unchanged: list[CheckChange]
    checklist_changes: ChecklistChanges

    @property
    def claimed(self) -> bool:
        return self.before.claimed or self.after.claimed

    @property
    def recomputed_differs(self) -> bool:
        """The stored scores are not the ones the stored results give (a document's claim,
        or results edited since)."""
        pairs = [
            (self.before.score, self.attribution.before),
            (self.after.score, self.attribution.after),
        ]
        return any(
            (stored is None) != (computed is None)
            or (stored is not None and abs(stored - computed) > 1e-6)
            for stored, computed in pairs
        )

    @property
    def disagreements(self) -> list[CheckChange]:
        """When one side was claimed by a document, the checks it and the measurement
        see differently."""
        return [c for c in self.contributions if c.before and c.after]


_COMPARED_FIELDS = ("name", "type", "weight", "severity", "options")


def _checklist_changes(before: Iterable[Check], after: Iterable[Check]) -> ChecklistChanges:
    old = {c.key: c for c in before}
    new = {c.key: c for c in after}
    changed = []
    for key, check in new.items():
        if key not in old:
            continue
        fields = [f for f in _COMPARED_FIELDS if getattr(old[key], f) != getattr(check, f)]
        if old[key].category.key != check.category.key or (
            old[key].category.weight != check.category.weight
        ):
            fields.append("category")
        if fields:
            changed.append(ChecklistChange(key=key, name=check.name, fields=tuple(fields)))
    return ChecklistChanges(
        added=[c for k, c in new.items() if k not in old],
        removed=[c for k, c in old.items() if k not in new],
        changed=changed,
    )


def comparison(*, before: Assessment, after: Assessment) -> Comparison:
    """What changed from `before` to `after`: the engine's exact attribution of the score
    change to checks, the status changes, and the checklist changes (3 queries, 4 when a
    side was pruned by retention: its results are then read through readiness.retained)."""
    version_ids = {before.checklist_id, after.checklist_id}
    checks_by_version: dict[int, list[Check]] = defaultdict(list)
    for check in Check.objects.filter(checklist_id__in=version_ids).select_related("category"):
        checks_by_version[check.checklist_id].append(check)
    weights: dict[int, dict[str, float]] = defaultdict(dict)
    category_names: dict[int, dict[str, str]] = defaultdict(dict)
    for category in Category.objects.filter(checklist_id__in=version_ids).order_by("position"):
        weights[category.checklist_id][category.key] = category.weight
        category_names[category.checklist_id][category.key] = category.name
    statuses: dict[int, dict[str, str]] = defaultdict(dict)
    markers: dict[int, dict[int, dict[str, Any]]] = defaultdict(dict)
    for assessment_id, check_id, status, *values in CheckResult.objects.filter(
        assessment_id__in=[before.pk, after.pk]
    ).values_list("assessment_id", "check_item_id", "status", *STATE_LOOKUPS):
        statuses[assessment_id][check_id] = status
        markers[assessment_id][check_id] = carried_details(status, looked_up_details(values))
    # A point pruned by retention: its deleted rows, carried from its chain.
    for assessment_id, carried in carried_results([before, after]).items():
        for result in carried:
            statuses[assessment_id][result.check_item_id] = result.status
            markers[assessment_id][result.check_item_id] = result.details

    def scored(assessment: Assessment) -> list[ScoredCheck]:
        found = statuses[assessment.pk]
        return [
            scored_check(check, found[check.pk])
            for check in checks_by_version[assessment.checklist_id]
            if found.get(check.pk) not in (None, "pending", "running")
        ]

    old_checks = scored(before)
    new_checks = scored(after)
    attribution = attribute_change(
        old_checks, weights[before.checklist_id], new_checks, weights[after.checklist_id]
    )
    names = {c.key: c.name for c in checks_by_version[before.checklist_id]}
    names.update({c.key: c.name for c in checks_by_version[after.checklist_id]})
    old_status = {c.key: c.status for c in old_checks}
    new_status = {c.key: c.status for c in new_checks}
    old_details, new_details = (
        {
            check.key: markers[assessment.pk].get(check.pk, {})
            for check in checks_by_version[assessment.checklist_id]
        }
        for assessment in (before, after)
    )

    def failing_before(key: str) -> bool:
        return key in old_status and is_failing(old_status[key], old_details.get(key))

    def failing_after(key: str) -> bool:
        return key in new_status and is_failing(new_status[key], new_details.get(key))

    categories = {c.key: c.category for c in [*old_checks, *new_checks]}
    # A category renamed between the versions shows its newer name.
    category_names_now = {
        **category_names[before.checklist_id],
        **category_names[after.checklist_id],
    }

    def change(key: str, amount: float | None = None) -> CheckChange:
        return CheckChange(
            key=key,
            name=names.get(key, key),
            category=categories[key],
            category_name=category_names_now.get(categories[key], categories[key]),
            before=old_status.get(key),
            after=new_status.get(key),
            amount=amount,
            before_details=old_details.get(key, {}),
            after_details=new_details.get(key, {}),
        )

    contributions = sorted(
        (change(c.key, c.amount) for c in attribution.contributions),
        key=lambda c: (-abs(c.amount or 0.0), c.key),
    )
    keys = list(new_status) + [k for k in old_status if k not in new_status]
    return Comparison(
        before=before,
        after=after,
        attribution=attribution,
        contributions=contributions,
        # An attestation awaited, or a check a point of history could not evaluate, is
        # neither a failure nor fixed when it changes.
        newly_failing=[change(k) for k in keys if failing_after(k) and not failing_before(k)],
        fixed=[
            change(k) for k in keys if failing_before(k) and new_status.get(k) in ("pass", "warn")
        ],
        unchanged=[change(k) for k in keys if old_status.get(k) == new_status.get(k)],
        checklist_changes=(
            _checklist_changes(
                checks_by_version[before.checklist_id], checks_by_version[after.checklist_id]
            )
            if before.checklist_id != after.checklist_id
            else ChecklistChanges(added=[], removed=[], changed=[])
        ),
    )
