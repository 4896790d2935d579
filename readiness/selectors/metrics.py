"""Reads behind `/metrics`: every project's latest measured assessment with its checks by
status and its attestations about to expire, and the service's totals, in a fixed number
of queries whatever the number of projects or the length of their history (9 in all).

Totals come from the database, not from counters in the web process: the work happens in
the Celery workers, and any process may serve the scrape."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

from django.db import connection, transaction
from django.db.models import Count, Exists, OuterRef, Q, QuerySet, Subquery, Sum

from readiness.models import (
    FINISHED_RESULT_STATUSES,
    Assessment,
    AssessmentStatus,
    Attestation,
    CheckResult,
    MetricsAssessmentTotal,
    MetricsDurationTotal,
    Project,
    ServiceCounter,
    Trigger,
)

# Upper bounds of the check duration histogram's buckets, in seconds (+Inf is added). The
# running totals (MetricsDurationTotal.buckets) hold one count per bound: changing them
# needs a migration that empties the totals and marks every assessment not folded.
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
    (5 queries). `team_id` limits the first two to that team's projects.

    The first two are the running totals (readiness/services/metrics_rollup.py) plus the
    assessments not yet folded into them and their results, read in one snapshot: equal
    to aggregating every stored row, at a cost bounded by what happened since the last
    rollup; rows retention deleted after their rollup still count."""
    totals = MetricsAssessmentTotal.objects.all()
    histograms = MetricsDurationTotal.objects.all()
    # By the partial index of the assessments not folded yet, whatever the history.
    unfolded = Assessment.objects.filter(metrics_rolled_up=False).values("pk")
    assessments = Assessment.objects.filter(pk__in=unfolded)
    results = CheckResult.objects.filter(assessment_id__in=unfolded)
    if team_id is not None:
        totals = totals.filter(project__team_id=team_id)
        histograms = histograms.filter(project__team_id=team_id)
        assessments = assessments.filter(project__team_id=team_id)
        results = results.filter(assessment__project__team_id=team_id)
    counts: dict[tuple[str, str, str], int] = defaultdict(int)
    durations: dict[str, DurationHistogram] = {}
    with _snapshot():
        for team, trigger, status, count in totals.values_list(
            "project__team__slug", "trigger", "status", "count"
        ):
            counts[team, trigger, status] += count
        for key, count in assessment_counts(assessments, "project__team__slug"):
            counts[key] += count
        for kind, count, sum_ms, buckets in histograms.values_list(
            "type", "count", "sum_ms", "buckets"
        ):
            _add(durations, kind, count, sum_ms, buckets)
        for (kind,), count, sum_ms, buckets in duration_rows(results, "check_item__type"):
            _add(durations, kind, count, sum_ms, buckets)
        counters = dict(ServiceCounter.objects.values_list("name", "value"))
    return ServiceMetrics(
        assessments=dict(counts),
        durations=[durations[kind] for kind in sorted(durations)],
        counters=counters,
    )


@contextmanager
def _snapshot() -> Iterator[None]:
    """The reads inside see one state of the database, so that a rollup committing
    between them is counted once: a read transaction. SQLite: a DEFERRED one, which keeps
    its snapshot from its first read to its end without taking the write lock (the
    settings begin Django's transactions IMMEDIATE, which would make every worker's write
    wait for the scrape). PostgreSQL: at REPEATABLE READ. Inside a caller's transaction,
    that one."""
    if connection.in_atomic_block:
        yield
        return
    if connection.vendor == "sqlite":
        connection.ensure_connection()
        if connection.connection.in_transaction:  # an enclosing snapshot
            yield
            return
        with connection.cursor() as cursor:
            cursor.execute("BEGIN DEFERRED")
        try:
            yield
        finally:
            with connection.cursor() as cursor:
                cursor.execute("COMMIT")
        return
    with transaction.atomic(savepoint=False):
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
        yield


def _add(
    durations: dict[str, DurationHistogram], kind: str, count: int, sum_ms: float, buckets: list
) -> None:
    found = durations.get(kind)
    if found is None:
        durations[kind] = DurationHistogram(
            type=kind, buckets=list(buckets), count=count, sum_s=sum_ms / 1000
        )
        return
    durations[kind] = DurationHistogram(
        type=kind,
        buckets=[a + b for a, b in zip(found.buckets, buckets, strict=True)],
        count=found.count + count,
        sum_s=found.sum_s + sum_ms / 1000,
    )


def assessment_counts(assessments: QuerySet[Assessment], *keys: str) -> list[tuple[tuple, int]]:
    """((*keys, trigger, status), count) of the counted assessments among `assessments`:
    finished or failed, imported documents left out."""
    counted = assessments.filter(status__in=COUNTED_STATUSES).exclude(trigger=Trigger.IMPORT)
    return [
        ((*values, trigger, status), count)
        for *values, trigger, status, count in counted.values(*keys, "trigger", "status")
        .annotate(count=Count("pk"))
        .order_by()
        .values_list(*keys, "trigger", "status", "count")
    ]


def duration_rows(
    results: QuerySet[CheckResult], *keys: str
) -> list[tuple[tuple, int, float, list[int]]]:
    """(keys, count, sum in ms, cumulative counts per DURATION_BUCKETS_S) of the finished
    results among `results`, imported claims left out; keys with none finished are left
    out too. "Finished" is a condition of the aggregates rather than of the WHERE clause,
    so that the database reaches the rows by `results`' own filter (their assessments)
    rather than by the status index, which holds every finished result ever stored."""
    finished = Q(status__in=FINISHED_RESULT_STATUSES, finished_at__isnull=False)
    bounds = {
        f"le_{index}": Count("pk", filter=finished & Q(duration_ms__lte=bound * 1000))
        for index, bound in enumerate(DURATION_BUCKETS_S)
    }
    rows = (
        results.exclude(assessment__trigger=Trigger.IMPORT)
        .values(*keys)
        .annotate(
            count=Count("pk", filter=finished),
            total_ms=Sum("duration_ms", filter=finished),
            **bounds,
        )
        .order_by()
    )
    return [
        (
            tuple(row[key] for key in keys),
            row["count"],
            row["total_ms"] or 0.0,
            [row[f"le_{index}"] for index in range(len(DURATION_BUCKETS_S))],
        )
        for row in rows
        if row["count"]
    ]


def checks_by_status(checks: dict[str, int]) -> dict[str, int]:
    """Every finished status with its count (0 when none), so that a series does not
    vanish when no check has that status any more; unfinished ones when there are some."""
    counted = defaultdict(int, {status: 0 for status in FINISHED_RESULT_STATUSES})
    counted.update(checks)
    return dict(counted)
