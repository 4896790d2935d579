"""Reads of the overview page: one card per project with its sparkline."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import QuerySet

from readiness.models import Assessment, Project
from readiness.selectors.common import active_assessments, latest_done, score_delta

SPARKLINE_POINTS = 30


@dataclass(frozen=True)
class ProjectCard:
    project: Project
    latest: Assessment | None
    previous: Assessment | None
    sparkline: tuple[float, ...]  # oldest first
    running: Assessment | None

    @property
    def delta(self) -> float | None:
        if self.latest is None or self.previous is None:
            return None
        return score_delta(self.latest.score, self.previous.score)


def project_cards(*, projects: QuerySet[Project]) -> list[ProjectCard]:
    """One card per project (three queries whatever the number of assessments)."""
    projects_list = list(projects.select_related("team").order_by("team__name", "name"))
    ids = [p.pk for p in projects_list]
    recent = latest_done(ids, count=SPARKLINE_POINTS)
    running = active_assessments(ids)
    cards = []
    for project in projects_list:
        points = recent[project.pk]
        cards.append(
            ProjectCard(
                project=project,
                latest=points[0] if points else None,
                previous=points[1] if len(points) > 1 else None,
                sparkline=tuple(a.score for a in reversed(points) if a.score is not None),
                running=running.get(project.pk),
            )
        )
    return cards
