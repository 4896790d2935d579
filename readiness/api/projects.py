"""`/api/v1/projects/`: the caller's projects, each with its latest measured score,
coverage, verdict and level, and its last run; one project adds its categories."""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from django.http import HttpRequest
from ninja import Field, Router, Schema

from readiness.api.auth import api_project, api_projects
from readiness.api.links import api_url, page_url
from readiness.models import Assessment, AssessmentStatus, Project, Trigger
from readiness.selectors.project_states import ProjectState, last_run, project_states
from readiness.selectors.projects import project_summary

router = Router(tags=["projects"])

VerdictValue = Literal["ready", "not-ready"]


class LevelOut(Schema):
    achieved: str | None = Field(description="The highest level of the checklist reached.")
    target: str | None = Field(description="The level the team aims at (set on the page).")
    levels: list[str] = Field(description="The checklist's levels, lowest first.")
    target_reached: bool


class LastRunOut(Schema):
    id: int
    evaluated_at: dt.datetime
    created_at: dt.datetime
    finished_at: dt.datetime | None
    trigger: Trigger
    status: AssessmentStatus
    checks_done: int
    checks_total: int
    url: str = Field(description="The assessment's page.")
    api_url: str = Field(description="The assessment in the API.")


class ProjectOut(Schema):
    slug: str
    name: str
    team: str = Field(description="The team's slug.")
    url: str = Field(description="The project's page.")
    assessment: int | None = Field(description="The latest measured assessment's id.")
    evaluated_at: dt.datetime | None
    score: float | None = Field(description="Out of 10; null without a score.")
    delta: float | None = Field(description="Change from the measured assessment before.")
    coverage: float | None = Field(description="Share of the weight measured, 0 to 1.")
    verdict: VerdictValue | None
    reasons: list[dict[str, Any]] = Field(description="Why the verdict is not-ready.")
    level: LevelOut
    last_run: LastRunOut | None = Field(
        description="The newest assessment in history, whatever its status (running, failed, done)."
    )


class CategoryOut(Schema):
    key: str
    name: str
    score: float | None
    coverage: float | None
    delta: float | None


class ProjectDetailOut(ProjectOut):
    categories: list[CategoryOut] = Field(
        description="The latest measured assessment's categories, in checklist order."
    )


def _level(project: Project, latest: Assessment | None) -> dict[str, Any]:
    levels = list(latest.checklist.levels) if latest else []
    achieved = (latest.level or None) if latest else None
    target = project.target_level or None
    reached = bool(
        achieved
        and target
        and target in levels
        and achieved in levels
        and levels.index(achieved) >= levels.index(target)
    )
    return {"achieved": achieved, "target": target, "levels": levels, "target_reached": reached}


def _last_run(request: HttpRequest, run: Assessment | None) -> dict[str, Any] | None:
    if run is None:
        return None
    return {
        "id": run.pk,
        "evaluated_at": run.evaluated_at,
        "created_at": run.created_at,
        "finished_at": run.finished_at,
        "trigger": run.trigger,
        "status": run.status,
        "checks_done": run.checks_done,
        "checks_total": run.checks_total,
        "url": page_url(request, "assessment", run.pk),
        "api_url": api_url(request, "assessment", id=run.pk),
    }


def project_data(request: HttpRequest, state: ProjectState) -> dict[str, Any]:
    project, latest = state.project, state.latest
    return {
        "slug": project.slug,
        "name": project.name,
        "team": project.team.slug,
        "url": page_url(request, "project", project.slug),
        "assessment": latest.pk if latest else None,
        "evaluated_at": latest.evaluated_at if latest else None,
        "score": latest.score if latest else None,
        "delta": state.delta,
        "coverage": latest.coverage if latest else None,
        "verdict": (latest.verdict or None) if latest else None,
        "reasons": list(latest.verdict_reasons) if latest else [],
        "level": _level(project, latest),
        "last_run": _last_run(request, state.last_run),
    }


@router.get(
    "",
    response=list[ProjectOut],
    url_name="projects",
    summary="The projects the caller can see",
    description="Every project of the token's team (or of the signed-in user's teams), "
    "by slug, with its latest measured score. Not paginated: a fixed number of queries "
    "whatever the number of projects.",
)
def project_list(request: HttpRequest) -> list[dict[str, Any]]:
    return [
        project_data(request, state) for state in project_states(projects=api_projects(request))
    ]


@router.get(
    "{slug}/",
    response=ProjectDetailOut,
    url_name="project",
    summary="One project, with its categories",
)
def project_detail(request: HttpRequest, slug: str) -> dict[str, Any]:
    project = api_project(request, slug)
    summary = project_summary(project=project)
    state = ProjectState(
        project=project,
        latest=summary.latest,
        previous=summary.previous,
        last_run=last_run(project=project),
    )
    return {
        **project_data(request, state),
        "categories": [
            {
                "key": card.key,
                "name": card.name,
                "score": card.score,
                "coverage": card.coverage,
                "delta": card.delta,
            }
            for card in summary.categories
        ],
    }
