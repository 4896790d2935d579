"""The Prometheus collector behind `/metrics`: metric families built afresh at each scrape
from the database (readiness/selectors/metrics.py) and the broker, never from counters kept
in the web process, since the work is done by the Celery workers.

Per project (labels `project` and `team`): score, coverage, ready, level, checks by status,
the time of the latest assessment and the attestations about to expire. The service's own:
finished and failed assessments, check durations by type, the queue's depth and the
sweeper's re-sends."""

from __future__ import annotations

import datetime as dt
import logging
import math
from collections.abc import Iterator

from prometheus_client.core import (
    CounterMetricFamily,
    GaugeMetricFamily,
    HistogramMetricFamily,
    InfoMetricFamily,
)
from prometheus_client.registry import Collector

from readiness.models import AssessmentStatus, Verdict
from readiness.queue import QueueUnavailable, queue_depth
from readiness.selectors.metrics import (
    DURATION_BUCKETS_S,
    ProjectMetrics,
    checks_by_status,
    metrics_projects,
    metrics_service,
)
from readiness.services.counters import SWEEPER_RESENT_LEASE_EXPIRED, SWEEPER_RESENT_NOT_STARTED

logger = logging.getLogger(__name__)

PROJECT_LABELS = ["project", "team"]
# The sweeper's counters, by the `reason` label they are exported with.
SWEEPER_REASONS = {
    "lease_expired": SWEEPER_RESENT_LEASE_EXPIRED,
    "not_started": SWEEPER_RESENT_NOT_STARTED,
}


class ReadinessCollector(Collector):
    """The metrics of the projects of one team (`team_id`), or of every team (None)."""

    def __init__(self, *, team_id: int | None, now: dt.datetime, expiring_days: int) -> None:
        self.team_id = team_id
        self.now = now
        self.expiring_days = expiring_days

    def collect(self) -> Iterator:
        projects = metrics_projects(
            team_id=self.team_id,
            now=self.now,
            expiring_within=dt.timedelta(days=self.expiring_days),
        )
        yield from self._project_families(projects)
        yield from self._service_families()

    def _project_families(self, projects: list[ProjectMetrics]) -> Iterator:
        info = InfoMetricFamily(
            "readiness_project", "Every project, assessed or not.", labels=PROJECT_LABELS
        )
        score = GaugeMetricFamily(
            "readiness_score",
            "Overall score (0-10) of the project's latest measured assessment.",
            labels=PROJECT_LABELS,
        )
        coverage = GaugeMetricFamily(
            "readiness_coverage",
            "Share (0-1) of the latest assessment's weight that was really measured.",
            labels=PROJECT_LABELS,
        )
        ready = GaugeMetricFamily(
            "readiness_ready",
            "1 when the latest assessment's verdict is ready, 0 when not ready.",
            labels=PROJECT_LABELS,
        )
        level = GaugeMetricFamily(
            "readiness_level",
            "Rank of the level achieved among the checklist's levels (1 = the lowest, "
            "0 = none), with its name in `level`; only for checklists with levels.",
            labels=[*PROJECT_LABELS, "level"],
        )
        checks = GaugeMetricFamily(
            "readiness_checks",
            "Checks of the latest assessment by status.",
            labels=[*PROJECT_LABELS, "status"],
        )
        assessed_at = GaugeMetricFamily(
            "readiness_last_assessment_timestamp_seconds",
            "When the state of the latest assessment was evaluated (Unix time).",
            labels=PROJECT_LABELS,
        )
        expiring = GaugeMetricFamily(
            "readiness_attestations_expiring",
            f"Attestations still valid that expire within {self.expiring_days} days.",
            labels=PROJECT_LABELS,
        )
        for project in projects:
            labels = [project.slug, project.team]
            info.add_metric(labels, {})
            expiring.add_metric(labels, project.expiring)
            latest = project.latest
            if latest is None:
                continue
            score.add_metric(labels, math.nan if latest.score is None else latest.score)
            if latest.coverage is not None:
                coverage.add_metric(labels, latest.coverage)
            if latest.verdict in Verdict.values:
                ready.add_metric(labels, 1 if latest.verdict == Verdict.READY else 0)
            levels = list(latest.checklist.levels)
            if levels:
                rank = levels.index(latest.level) + 1 if latest.level in levels else 0
                level.add_metric([*labels, latest.level], rank)
            for status, count in checks_by_status(project.checks).items():
                checks.add_metric([*labels, status], count)
            assessed_at.add_metric(labels, latest.evaluated_at.timestamp())
        yield from (info, score, coverage, ready, level, checks, assessed_at, expiring)

    def _service_families(self) -> Iterator:
        service = metrics_service(team_id=self.team_id)
        finished = CounterMetricFamily(
            "readiness_assessments_finished",
            "Assessments finished with a score (stored ones; imported documents excluded).",
            labels=["team", "trigger"],
        )
        failed = CounterMetricFamily(
            "readiness_assessments_failed",
            "Assessments that failed (stored ones).",
            labels=["team", "trigger"],
        )
        for (team, trigger, status), count in sorted(service.assessments.items()):
            family = finished if status == AssessmentStatus.DONE else failed
            family.add_metric([team, trigger], count)
        durations = HistogramMetricFamily(
            "readiness_check_duration_seconds",
            "How long checks took to run, by check type (stored results).",
            labels=["type"],
        )
        for row in service.durations:
            buckets = [
                (_bound(bound), count)
                for bound, count in zip(DURATION_BUCKETS_S, row.buckets, strict=True)
            ]
            durations.add_metric([row.type], [*buckets, ("+Inf", row.count)], sum_value=row.sum_s)
        resends = CounterMetricFamily(
            "readiness_sweeper_resends",
            "Checks the sweeper sent again: their worker died (lease_expired) or their "
            "message was lost (not_started).",
            labels=["reason"],
        )
        for reason, name in SWEEPER_REASONS.items():
            resends.add_metric([reason], service.counters.get(name, 0))
        yield from (finished, failed, durations, resends)
        yield from _queue_families()


def _bound(seconds: float) -> str:
    return repr(float(seconds))


def _queue_families() -> Iterator:
    up = GaugeMetricFamily("readiness_queue_up", "1 when the task broker answered this scrape.")
    depth = GaugeMetricFamily(
        "readiness_queue_depth", "Tasks waiting in the queue, not yet taken by a worker."
    )
    try:
        waiting = queue_depth()
    except QueueUnavailable as error:
        logger.warning("metrics: %s", error)
        up.add_metric([], 0)
        yield up
        return
    up.add_metric([], 1)
    depth.add_metric([], waiting)
    yield from (up, depth)
