"""Team access. A user sees the projects of their teams and nothing else: anything outside
them answers 404 (never 403, which would confirm that it exists). Inside a team the role
decides what a user may change: 403 when it is not enough. A superuser has every
permission, as everywhere in Django: they are an admin of every team."""

from __future__ import annotations

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.core.exceptions import PermissionDenied
from django.db.models import CharField, OuterRef, QuerySet, Subquery, Value
from django.http import Http404

from readiness.models import Assessment, Membership, Project, Role, Team

ROLE_RANK = {Role.VIEWER: 0, Role.EDITOR: 1, Role.ADMIN: 2}

User = AbstractBaseUser | AnonymousUser


def role_allows(actual: str | None, needed: str) -> bool:
    return actual is not None and ROLE_RANK[Role(actual)] >= ROLE_RANK[Role(needed)]


def require_role(actual: str | None, needed: str) -> None:
    if not role_allows(actual, needed):
        raise PermissionDenied


def _role_of(user: User, team_ref: str) -> Subquery | Value:
    if user.is_active and getattr(user, "is_superuser", False):
        return Value(Role.ADMIN.value, output_field=CharField())
    return Subquery(
        Membership.objects.filter(team=OuterRef(team_ref), user_id=user.pk).values("role")[:1]
    )


def visible_projects(user: User) -> QuerySet[Project]:
    """The projects of the user's teams (every project for a superuser), each with
    `user_role` annotated."""
    return Project.objects.annotate(user_role=_role_of(user, "team")).filter(
        user_role__isnull=False
    )


def project_for_user(user: User, slug: str, *, role: str = Role.VIEWER) -> Project:
    """The project `slug` with its team and `user_role` (one query). Http404 when it is
    not in one of the user's teams, PermissionDenied when the role is below `role`."""
    project = visible_projects(user).select_related("team").filter(slug=slug).first()
    if project is None:
        raise Http404
    require_role(project.user_role, role)
    return project


def assessment_for_user(user: User, pk: int, *, role: str = Role.VIEWER) -> Assessment:
    """The assessment `pk` with its project and team, and `user_role` (one query)."""
    assessment = (
        Assessment.objects.select_related("project__team", "checklist")
        .annotate(user_role=_role_of(user, "project__team"))
        .filter(pk=pk, user_role__isnull=False)
        .first()
    )
    if assessment is None:
        raise Http404
    require_role(assessment.user_role, role)
    return assessment


def assessments_for_user(user: User, pks: list[int]) -> dict[int, Assessment]:
    """The visible assessments among `pks` (one query); the missing ones are not visible."""
    return {
        a.pk: a
        for a in Assessment.objects.select_related("project__team", "checklist")
        .annotate(user_role=_role_of(user, "project__team"))
        .filter(pk__in=pks, user_role__isnull=False)
    }


def team_for_user(user: User, slug: str, *, role: str = Role.VIEWER) -> Team:
    """The team `slug` with `user_role` annotated: Http404 when the user is not in it,
    PermissionDenied when the role is below `role`. A superuser, who holds every
    permission, is an admin of every team."""
    team = (
        Team.objects.annotate(user_role=_role_of(user, "pk"))
        .filter(slug=slug, user_role__isnull=False)
        .first()
    )
    if team is None:
        raise Http404
    require_role(team.user_role, role)
    return team


def teams_for_user(user: User) -> QuerySet[Team]:
    """The user's teams, each with `user_role` annotated (every team for a superuser)."""
    return Team.objects.annotate(user_role=_role_of(user, "pk")).filter(user_role__isnull=False)
