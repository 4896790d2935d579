"""Reads of the overview page: one card per project with its sparkline."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import QuerySet

from readiness.models import Assessment, Project
from readiness.selectors.common import (
    active_assessments,
    latest_measured,
    latest_measured_scores,
    score_delta,
)

SPARKLINE_POINTS = 30


@dataclass(frozen=True)
class ProjectCard:
    project: Project
    latest: Assessment | None
    previous: Assessment | None  # the measured one before `latest`
    sparkline: tuple[float, ...]  # oldest first, measured scores only
    running: Assessment | None
    claim: Assessment | None = None  # a document's latest claim, shown beside

    @property
    def delta(self) -> float | None:
        if self.latest is None or self.previous is None:
            return None
        return score_delta(self.latest.score, self.previous.score)


def project_cards(*, projects: QuerySet[Project]) -> list[ProjectCard]:
    """One card per project (four queries whatever the number of assessments). The
    latest score and its change are measured ones; a document's claim is only shown. The
    sparkline reads scores alone: whole assessments only for the latest two and the claim."""
    projects_list = list(projects.select_related("team").order_by("team__name", "name"))
    ids = [p.pk for p in projects_list]
    recent = latest_measured(ids, count=2)
    scores = latest_measured_scores(ids, count=SPARKLINE_POINTS)
    running = active_assessments(ids)
    cards = []
    for project in projects_list:
        points = recent[project.pk]
        cards.append(
            ProjectCard(
                project=project,
                latest=points.latest,
                previous=points.previous,
                sparkline=tuple(scores[project.pk]),
                running=running.get(project.pk),
                claim=points.claim,
            )
        )
    return cards
