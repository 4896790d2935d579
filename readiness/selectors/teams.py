"""Reads of the team page: its members with their roles, and its projects."""

from __future__ import annotations

from readiness.models import Membership, Project, Team


def team_members(*, team: Team) -> list[Membership]:
    """The team's members, admins first, then by username."""
    order = {"admin": 0, "editor": 1, "viewer": 2}
    members = list(Membership.objects.filter(team=team).select_related("user"))
    return sorted(members, key=lambda m: (order.get(m.role, 3), m.user.get_username().lower()))


def team_projects(*, team: Team) -> list[Project]:
    return list(Project.objects.filter(team=team).order_by("name"))
