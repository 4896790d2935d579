"""Reads of the API's projects: each project's latest measured assessment (and the one
before, for the change), and its last run of any status, in a fixed number of queries
whatever the number of projects or the length of their history."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from django.db.models import Q, QuerySet

from readiness.models import Assessment, Project
from readiness.selectors.common import latest_measured, score_delta


@dataclass(frozen=True)
class ProjectState:
    project: Project
    latest: Assessment | None  # the latest measured, finished assessment: the score shown
    previous: Assessment | None  # the measured one before it
    last_run: Assessment | None  # the newest in history, whatever its status

    @property
    def delta(self) -> float | None:
        if self.latest is None or self.previous is None:
            return None
        return score_delta(self.latest.score, self.previous.score)


def last_runs(project_ids: Sequence[int]) -> dict[int, Assessment]:
    """Each project's newest assessment in history order (running, failed or done; a
    document's claim is not a run), in one query: one indexed LIMIT 1 subquery per
    project, like `latest_measured`."""
    if not project_ids:
        return {}
    condition = Q()
    for project_id in project_ids:
        newest = (
            Assessment.objects.filter(project_id=project_id, claimed=False)
            .order_by("-evaluated_at", "-id")
            .values("pk")[:1]
        )
        condition |= Q(pk__in=newest)
    return {
        assessment.project_id: assessment
        for assessment in Assessment.objects.filter(condition).only(
            "pk",
            "project_id",
            "trigger",
            "status",
            "evaluated_at",
            "created_at",
            "started_at",
            "finished_at",
            "checks_done",
            "checks_total",
        )
    }


def project_states(*, projects: QuerySet[Project]) -> list[ProjectState]:
    """One state per project, by slug (3 queries: the projects, their latest measured
    assessments, their last runs)."""
    rows = list(projects.select_related("team").order_by("slug"))
    ids = [project.pk for project in rows]
    measured = latest_measured(ids, count=2)
    runs = last_runs(ids)
    return [
        ProjectState(
            project=project,
            latest=measured[project.pk].latest,
            previous=measured[project.pk].previous,
            last_run=runs.get(project.pk),
        )
        for project in rows
    ]
