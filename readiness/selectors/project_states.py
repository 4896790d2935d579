"""Reads of the API's projects: each project's latest measured assessment (and the one
before, for the change), and its last run of any status, in a fixed number of queries
whatever the number of projects or the length of their history."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import OuterRef, Q, QuerySet, Subquery

from readiness.models import Assessment, AssessmentStatus, Project
from readiness.selectors.common import score_delta


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


def _newest(**conditions: object) -> QuerySet:
    """The ids of the outer project's assessments meeting `conditions`, newest first in
    history: a correlated subquery that the history index answers with a short backward
    scan per project. A document's claim is neither a score measured nor a run."""
    return (
        Assessment.objects.filter(project_id=OuterRef("pk"), claimed=False, **conditions)
        .order_by("-evaluated_at", "-id")
        .values("pk")
    )


def _with_state_ids(projects: QuerySet[Project]) -> QuerySet[Project]:
    measured = _newest(status=AssessmentStatus.DONE)
    return projects.annotate(
        latest_id=Subquery(measured[:1]),
        previous_id=Subquery(measured[1:2]),
        last_run_id=Subquery(_newest()[:1]),
    )


def project_states(*, projects: QuerySet[Project]) -> list[ProjectState]:
    """One state per project, by slug (2 queries: the projects with the ids of their
    states, then those assessments). The SQL stays the same size whatever the number of
    projects: one correlated subquery per state, not one per project."""
    with_ids = _with_state_ids(projects)
    rows = list(with_ids.select_related("team").order_by("slug"))
    # Chosen again by the same subqueries rather than by a list of ids, which SQLite
    # would split into several statements past 999 parameters.
    chosen = (
        Q(pk__in=with_ids.values("latest_id"))
        | Q(pk__in=with_ids.values("previous_id"))
        | Q(pk__in=with_ids.values("last_run_id"))
    )
    found = {
        assessment.pk: assessment
        # The checklist's levels are shown beside the score; its file is not read.
        for assessment in Assessment.objects.filter(chosen)
        .select_related("checklist")
        .defer("note", "checklist__source_text")
    }
    return [
        ProjectState(
            project=project,
            latest=found.get(project.latest_id),
            previous=found.get(project.previous_id),
            last_run=found.get(project.last_run_id),
        )
        for project in rows
    ]


def last_run(*, project: Project) -> Assessment | None:
    """The project's newest assessment in history, whatever its status (1 query)."""
    return (
        Assessment.objects.filter(project=project, claimed=False)
        .order_by("-evaluated_at", "-id")
        .defer("note")
        .first()
    )
