"""`/api/v1/projects/`: the caller's projects with their latest score."""

from __future__ import annotations

from django.http import HttpRequest
from ninja import Router, Schema

from readiness.api.auth import api_project, api_projects

router = Router(tags=["projects"])


class ProjectOut(Schema):
    slug: str
    name: str
    team: str


@router.get("", response=list[ProjectOut], summary="The projects the caller can see")
def project_list(request: HttpRequest) -> list[dict]:
    return [
        {"slug": p.slug, "name": p.name, "team": p.team.slug}
        for p in api_projects(request).select_related("team").order_by("slug")
    ]


@router.get("{slug}/", response=ProjectOut, summary="One project")
def project_detail(request: HttpRequest, slug: str) -> dict:
    project = api_project(request, slug)
    return {"slug": project.slug, "name": project.name, "team": project.team.slug}
