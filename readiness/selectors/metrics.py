"""Reads behind `/metrics`: every project's latest measured assessment with its checks by
status and its attestations about to expire, and the service's totals, in a fixed number
of queries whatever the number of projects or the length of their history (7 in all).

Totals come from the database, not from counters in the web process: the work happens in
the Celery workers, and any process may serve the scrape."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field

from django.db.models import Count, Exists, OuterRef, Q, QuerySet, Subquery, Sum

from readiness.models import (
    FINISHED_RESULT_STATUSES,
    Assessment,
    AssessmentStatus,
    Attestation,
    CheckResult,
    Project,
    ServiceCounter,
    Trigger,
)

# Upper bounds of the check duration histogram's buckets, in seconds (+Inf is added).
DURATION_BUCKETS_S = (0.01, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 120.0, 300.0)
# Finished assessments are counted by these statuses.
COUNTED_STATUSES = (AssessmentStatus.DONE, AssessmentStatus.FAILED)


@dataclass
class ProjectMetrics:
    slug: str
    team: str
    latest: Assessment | None = None
    checks: dict[str, int] = field(default_factory=dict)  # status -> results
    expiring: int = 0


@dataclass(frozen=True)
class DurationHistogram:
    type: str
    buckets: list[int]  # cumulative counts, one per DURATION_BUCKETS_S
    count: int
    sum_s: float


@dataclass(frozen=True)
class ServiceMetrics:
    # (team, trigger, status) -> finished assessments
    assessments: dict[tuple[str, str, str], int]
    durations: list[DurationHistogram]
    counters: dict[str, int]


def metrics_projects(
    *, team_id: int | None, now: dt.datetime, expiring_within: dt.timedelta
) -> list[ProjectMetrics]:
    """Every project (of the team `team_id`; None: of every team), by team and slug, with
    its latest measured assessment (the one its page shows), the results of that
    assessment by status, and how many of its attestations expire within
    `expiring_within` (4 queries)."""
    projects = Project.objects.all()
    if team_id is not None:
        projects = projects.filter(team_id=team_id)
    found = {
        pk: ProjectMetrics(slug=slug, team=team)
        for pk, slug, team in projects.order_by("team__slug", "slug").values_list(
            "pk", "slug", "team__slug"
        )
    }
    latest_ids = _latest_measured_ids(projects)
    for assessment in (
        Assessment.objects.filter(pk__in=latest_ids)
        .select_related("checklist")
        .only(
            "project_id",
            "score",
            "coverage",
            "verdict",
            "level",
            "evaluated_at",
            "finished_at",
            "checklist__levels",
        )
    ):
        found[assessment.project_id].latest = assessment
    by_assessment = {m.latest.pk: m for m in found.values() if m.latest is not None}
    for assessment_id, status, count in (
        CheckResult.objects.filter(assessment_id__in=latest_ids)
        .values("assessment_id", "status")
        .annotate(count=Count("pk"))
        .values_list("assessment_id", "status", "count")
    ):
        by_assessment[assessment_id].checks[status] = count
    for project_id, count in _expiring(projects, now, expiring_within):
        found[project_id].expiring = count
    return list(found.values())


def _latest_measured_ids(projects: QuerySet[Project]) -> QuerySet:
    """A subquery: the id of each project's latest finished assessment that was measured
    (not claimed by a document), by the history index."""
    newest = (
        Assessment.objects.filter(
            project_id=OuterRef("pk"), status=AssessmentStatus.DONE, claimed=False
        )
        .order_by("-evaluated_at", "-id")
        .values("pk")[:1]
    )
    return projects.annotate(latest_id=Subquery(newest)).values("latest_id")


def _expiring(
    projects: QuerySet[Project], now: dt.datetime, within: dt.timedelta
) -> list[tuple[int, int]]:
    """(project, count) of the latest attestations of each check that are valid now and
    end within `within` (a newer attestation of the same check replaces an older one)."""
    newer = Attestation.objects.filter(
        project_id=OuterRef("project_id"),
        check_key=OuterRef("check_key"),
        attested_at__gt=OuterRef("attested_at"),
    )
    return list(
        Attestation.objects.filter(
            project__in=projects.values("pk"), valid_until__gt=now, valid_until__lte=now + within
        )
        .exclude(Exists(newer))
        .values("project_id")
        .annotate(count=Count("pk"))
        .values_list("project_id", "count")
    )


def metrics_service(*, team_id: int | None) -> ServiceMetrics:
    """Finished and failed assessments by team and trigger, the durations of the checks
    run (imported claims, which ran nothing, left out), and the service's counters
    (3 queries). `team_id` limits the first two to that team's projects."""
    assessments = Assessment.objects.filter(status__in=COUNTED_STATUSES).exclude(
        trigger=Trigger.IMPORT
    )
    results = CheckResult.objects.filter(
        status__in=FINISHED_RESULT_STATUSES, finished_at__isnull=False
    ).exclude(assessment__trigger=Trigger.IMPORT)
    if team_id is not None:
        assessments = assessments.filter(project__team_id=team_id)
        results = results.filter(assessment__project__team_id=team_id)
    counts = {
        (team, trigger, status): count
        for team, trigger, status, count in assessments.values(
            "project__team__slug", "trigger", "status"
        )
        .annotate(count=Count("pk"))
        .values_list("project__team__slug", "trigger", "status", "count")
    }
    bounds = {
        f"le_{index}": Count("pk", filter=Q(duration_ms__lte=bound * 1000))
        for index, bound in enumerate(DURATION_BUCKETS_S)
    }
    durations = [
        DurationHistogram(
            type=row["check_item__type"],
            buckets=[row[f"le_{index}"] for index in range(len(DURATION_BUCKETS_S))],
            count=row["count"],
            sum_s=(row["total_ms"] or 0.0) / 1000,
        )
        for row in results.values("check_item__type")
        .annotate(count=Count("pk"), total_ms=Sum("duration_ms"), **bounds)
        .order_by("check_item__type")
    ]
    counters = dict(ServiceCounter.objects.values_list("name", "value"))
    return ServiceMetrics(assessments=counts, durations=durations, counters=counters)


def checks_by_status(checks: dict[str, int]) -> dict[str, int]:
    """Every finished status with its count (0 when none), so that a series does not
    vanish when no check has that status any more; unfinished ones when there are some."""
    counted = defaultdict(int, {status: 0 for status in FINISHED_RESULT_STATUSES})
    counted.update(checks)
    return dict(counted)
