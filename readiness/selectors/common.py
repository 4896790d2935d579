"""Reads shared by the dashboard pages: the latest finished and the active assessments of
projects, in a fixed number of queries whatever the length of their history."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from django.db import connection
from django.db.models import Q, QuerySet

from readiness.models import Assessment, AssessmentStatus, Category, CategoryScore, CheckResult
from readiness.retained import retained_results
from readiness.verdicts import awaiting

ACTIVE_STATUSES = (AssessmentStatus.PENDING, AssessmentStatus.RUNNING)
FAILING = frozenset({"fail", "error"})
# Failing first, then what awaits a person, is unsure or unfinished, then passes; skips last.
STATUS_ORDER = {
    "fail": 0,
    "error": 1,
    "awaiting": 2,
    "warn": 3,
    "running": 4,
    "pending": 5,
    "pass": 6,
    "waived": 7,
    "skip": 8,
}


def is_failing(status: str, details: dict | None) -> bool:
    """A fail, or an error that is not an attestation still awaited (that one waits on a
    person and is counted apart, though it is unscored like any error) nor a check that a
    point of history could not evaluate (not measured, so neither broken nor fixed)."""
    if status not in FAILING or awaiting(status, details) is not None:
        return False
    return not (details or {}).get("not_evaluable")


def result_rank(result: CheckResult) -> tuple[int, int, int]:
    """Failing and critical checks first, then awaited attestations, warnings, passes."""
    state = "awaiting" if awaiting(result.status, result.details) else result.status
    critical = 0 if result.check_item.severity == "critical" and state in FAILING else 1
    return (critical, STATUS_ORDER.get(state, 9), result.check_item.position)


def score_delta(after: float | None, before: float | None) -> float | None:
    if after is None or before is None:
        return None
    return after - before


def _newest_done(project_id: int, at_or_before: dt.datetime | None) -> QuerySet:
    """The ids of a project's finished assessments, newest first (an indexed subquery)."""
    newest = Assessment.objects.filter(project_id=project_id, status=AssessmentStatus.DONE)
    if at_or_before is not None:
        newest = newest.filter(evaluated_at__lte=at_or_before)
    return newest.order_by("-evaluated_at", "-id").values("pk")


def _one_of(subqueries: list[QuerySet]) -> Q:
    """Assessments whose id is returned by one of `subqueries` (each an indexed LIMIT
    subquery of ids). PostgreSQL gets them as one UNION ALL, which it answers with an
    index lookup per id; given an OR of IN-subqueries it would walk the whole table
    testing each row against them. SQLite, which cannot take a LIMIT inside a compound
    SELECT, answers the OR with one lookup per subquery."""
    if len(subqueries) > 1 and connection.features.supports_slicing_ordering_in_compound:
        first, *rest = subqueries
        return Q(pk__in=first.union(*rest, all=True))
    condition = Q()
    for subquery in subqueries:
        condition |= Q(pk__in=subquery)
    return condition


def latest_done(
    project_ids: Sequence[int], *, count: int, at_or_before: dt.datetime | None = None
) -> dict[int, list[Assessment]]:
    """The last `count` finished assessments of each project, newest first, in one query:
    one indexed LIMIT subquery per project, so the cost follows the number of projects,
    not the length of their history."""
    if not project_ids:
        return {}
    condition = _one_of([_newest_done(pid, at_or_before)[:count] for pid in project_ids])
    found: dict[int, list[Assessment]] = {project_id: [] for project_id in project_ids}
    for assessment in (
        Assessment.objects.filter(condition)
        # The checklist's levels are shown beside the score; its file is not read.
        .select_related("checklist")
        .defer("note", "checklist__source_text")
        .order_by("project_id", "-evaluated_at", "-id")
    ):
        found[assessment.project_id].append(assessment)
    return found


@dataclass(frozen=True)
class Points:
    """A project's last measured assessments, newest first, and its latest point claimed
    by a document: shown beside, never the baseline of a change."""

    measured: list[Assessment]
    claim: Assessment | None = None

    @property
    def latest(self) -> Assessment | None:
        return self.measured[0] if self.measured else None

    @property
    def previous(self) -> Assessment | None:
        return self.measured[1] if len(self.measured) > 1 else None


def latest_measured(
    project_ids: Sequence[int], *, count: int, at_or_before: dt.datetime | None = None
) -> dict[int, Points]:
    """The last `count` finished assessments of each project that were measured (not
    claimed by a document), and each project's latest claimed point, in one query."""
    if not project_ids:
        return {}
    subqueries = []
    for project_id in project_ids:
        newest = _newest_done(project_id, at_or_before)
        subqueries += [newest.filter(claimed=False)[:count], newest.filter(claimed=True)[:1]]
    condition = _one_of(subqueries)
    measured: dict[int, list[Assessment]] = {project_id: [] for project_id in project_ids}
    claims: dict[int, Assessment] = {}
    for assessment in (
        Assessment.objects.filter(condition)
        # The checklist's levels are shown beside the score; its file is not read.
        .select_related("checklist")
        .defer("note", "checklist__source_text")
        .order_by("project_id", "-evaluated_at", "-id")
    ):
        if assessment.claimed:
            claims[assessment.project_id] = assessment
        else:
            measured[assessment.project_id].append(assessment)
    return {pid: Points(measured[pid], claims.get(pid)) for pid in project_ids}


def active_assessments(project_ids: Sequence[int]) -> dict[int, Assessment]:
    """The newest pending or running assessment of each project that has one."""
    # By status alone, so that the status index answers: with a project filter as well
    # SQLite walks the project's whole history. Few assessments are active at any time.
    wanted = set(project_ids)
    active: dict[int, Assessment] = {}
    for assessment in (
        Assessment.objects.filter(status__in=ACTIVE_STATUSES)
        .defer("note", "verdict_reasons")
        .order_by("created_at", "id")
    ):
        if assessment.project_id in wanted:
            active[assessment.project_id] = assessment
    return active


@dataclass(frozen=True)
class ResultGroup:
    key: str
    name: str
    score: float | None
    coverage: float | None
    results: list[CheckResult]

    @property
    def failing(self) -> int:
        return sum(1 for r in self.results if is_failing(r.status, r.details))

    @property
    def awaiting(self) -> int:
        return sum(1 for r in self.results if awaiting(r.status, r.details))

    @property
    def attention(self) -> list[CheckResult]:
        """What needs someone: everything but passes and skips, failing first."""
        return [r for r in self.results if r.status not in ("pass", "skip")]

    @property
    def settled(self) -> list[CheckResult]:
        """Passes and skips, collapsed on the pages."""
        return [r for r in self.results if r.status in ("pass", "skip")]


def result_groups(*, assessment: Assessment) -> list[ResultGroup]:
    """The assessment's results by category (in checklist order), failing first inside
    each; a point pruned by retention shows its carried results too (2 or 3 queries; the
    results are bounded by the checklist, not by history)."""
    scores = {row.key: row for row in CategoryScore.objects.filter(assessment=assessment)}
    groups: dict[int, tuple[Category, list[CheckResult]]] = {}
    for result in retained_results(assessment=assessment):
        category = result.check_item.category
        groups.setdefault(category.pk, (category, []))[1].append(result)
    ordered = sorted(groups.values(), key=lambda group: group[0].position)
    return [
        ResultGroup(
            key=category.key,
            name=category.name,
            score=scores[category.key].score if category.key in scores else None,
            coverage=scores[category.key].coverage if category.key in scores else None,
            results=sorted(results, key=result_rank),
        )
        for category, results in ordered
    ]
