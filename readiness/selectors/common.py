"""Reads shared by the dashboard pages: the latest finished and the active assessments of
projects, in a fixed number of queries whatever the length of their history."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from django.db.models import OuterRef, QuerySet, Subquery

from readiness.models import (
    Assessment,
    AssessmentStatus,
    Category,
    CategoryScore,
    CheckResult,
    Project,
)
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


def _newest_done(at_or_before: dt.datetime | None, **conditions: object) -> QuerySet:
    """The ids of the outer project's finished assessments meeting `conditions`, newest
    first: a correlated subquery that the history index answers with a short backward
    scan per project."""
    newest = Assessment.objects.filter(
        project_id=OuterRef("pk"), status=AssessmentStatus.DONE, **conditions
    )
    if at_or_before is not None:
        newest = newest.filter(evaluated_at__lte=at_or_before)
    return newest.order_by("-evaluated_at", "-id").values("pk")


def _chosen_ids(project_ids: Sequence[int], subqueries: list[QuerySet]) -> QuerySet:
    """A subquery: the ids named by `subqueries` (each a correlated subquery of one id of
    the outer project), for every project, as one UNION ALL."""
    projects = Project.objects.filter(pk__in=project_ids).order_by()
    first, *rest = [
        projects.annotate(chosen=Subquery(subquery)).values("chosen") for subquery in subqueries
    ]
    return first.union(*rest, all=True)


def _chosen(project_ids: Sequence[int], subqueries: list[QuerySet]) -> dict[int, list]:
    """The assessments named by `subqueries` (each a correlated subquery of one id of the
    outer project) for each project, newest first, with their checklists, in 1 query
    whose SQL grows with the number of subqueries, never with the number of projects (an
    OR per project would outgrow SQLite's expression depth near 500 projects, and make
    PostgreSQL walk the whole table)."""
    found: dict[int, list[Assessment]] = {project_id: [] for project_id in project_ids}
    for assessment in (
        Assessment.objects.filter(pk__in=_chosen_ids(project_ids, subqueries))
        # The checklist's levels are shown beside the score; its file is not read.
        .select_related("checklist")
        .defer("note", "checklist__source_text")
        .order_by("project_id", "-evaluated_at", "-id")
    ):
        found[assessment.project_id].append(assessment)
    return found


def latest_done(
    project_ids: Sequence[int], *, count: int, at_or_before: dt.datetime | None = None
) -> dict[int, list[Assessment]]:
    """The last `count` finished assessments of each project, newest first, in 1 query
    whatever the number of projects or the length of their history."""
    if not project_ids:
        return {}
    newest = _newest_done(at_or_before)
    return _chosen(project_ids, [newest[n : n + 1] for n in range(count)])


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
    claimed by a document), and each project's latest claimed point, in 1 query whatever
    the number of projects or the length of their history."""
    if not project_ids:
        return {}
    measured = _newest_done(at_or_before, claimed=False)
    claimed = _newest_done(at_or_before, claimed=True)
    found = _chosen(project_ids, [claimed[:1], *(measured[n : n + 1] for n in range(count))])
    points = {}
    for project_id, assessments in found.items():
        claims = [a for a in assessments if a.claimed]
        points[project_id] = Points(
            [a for a in assessments if not a.claimed], claims[0] if claims else None
        )
    return points


def latest_measured_scores(project_ids: Sequence[int], *, count: int) -> dict[int, list[float]]:
    """The scores of the last `count` measured assessments of each project, oldest first
    (those without a score left out), in 1 query reading only these columns: a sparkline
    costs the same whether a project has a month of history or ten years."""
    if not project_ids:
        return {}
    measured = _newest_done(None, claimed=False)
    chosen = _chosen_ids(project_ids, [measured[n : n + 1] for n in range(count)])
    found: dict[int, list[float]] = {project_id: [] for project_id in project_ids}
    for project_id, score in (
        Assessment.objects.filter(pk__in=chosen, score__isnull=False)
        .order_by("project_id", "evaluated_at", "id")
        .values_list("project_id", "score")
    ):
        found[project_id].append(score)
    return found


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
