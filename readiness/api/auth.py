"""Who calls the API: a team's bearer token, or a signed-in browser session.

The access rules are the pages' rules (readiness/permissions.py): another team's object is
404, a role or scope too low is 403. A token acts as a member of its team: `read` as a
viewer, `run` as an editor; a `metrics` token reads only `/metrics`."""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import PermissionDenied
from django.db.models import CharField, QuerySet, Value
from django.http import Http404, HttpRequest
from django.utils.translation import gettext as _
from ninja.security import HttpBearer, SessionAuth

from readiness.models import ApiToken, Project, Role, TokenScope
from readiness.permissions import require_role, visible_projects
from readiness.services.api_tokens import api_token_authenticate

# The role a token acts with, by scope.
SCOPE_ROLE = {TokenScope.READ: Role.VIEWER, TokenScope.RUN: Role.EDITOR}


@dataclass(frozen=True)
class Caller:
    """The user of a session, or the token of a team."""

    user: AbstractBaseUser | None = None
    token: ApiToken | None = None

    @property
    def actor(self) -> AbstractBaseUser | None:
        """Who is recorded as acting (audit, attestations): the session's user, or the
        token's maker."""
        if self.user is not None:
            return self.user
        return self.token.created_by if self.token is not None else None


class BearerToken(HttpBearer):
    def authenticate(self, request: HttpRequest, token: str) -> Caller | None:
        found = api_token_authenticate(token)
        return Caller(token=found) if found is not None else None


class Session(SessionAuth):
    def authenticate(self, request: HttpRequest, key: str | None) -> Caller | None:
        user = super().authenticate(request, key)
        return Caller(user=user) if user else None


API_AUTH = [BearerToken(), Session()]


def caller(request: HttpRequest) -> Caller:
    return request.auth  # set by ninja from API_AUTH


def api_projects(request: HttpRequest) -> QuerySet[Project]:
    """The caller's projects, each with `user_role`. A metrics token has none: PermissionDenied."""
    who = caller(request)
    if who.token is None:
        return visible_projects(who.user)
    role = SCOPE_ROLE.get(TokenScope(who.token.scope))
    if role is None:
        raise PermissionDenied(
            _("This token's scope is “%(scope)s”: it reads the metrics only.")
            % {"scope": who.token.scope}
        )
    return Project.objects.filter(team_id=who.token.team_id).annotate(
        user_role=Value(role.value, output_field=CharField())
    )


def api_project(request: HttpRequest, slug: str, *, role: str = Role.VIEWER) -> Project:
    """The project `slug` of the caller: Http404 outside their teams, PermissionDenied when
    the role (or the token's scope) is below `role`."""
    project = api_projects(request).select_related("team").filter(slug=slug).first()
    if project is None:
        raise Http404(_("No project “%(slug)s”.") % {"slug": slug})
    if not _allowed(project.user_role, role):
        raise PermissionDenied(_scope_message(request, role))
    return project


def _allowed(actual: str, needed: str) -> bool:
    try:
        require_role(actual, needed)
    except PermissionDenied:
        return False
    return True


def _scope_message(request: HttpRequest, role: str) -> str:
    who = caller(request)
    if who.token is not None:
        return _("This token's scope is “%(scope)s”: this needs a “run” token.") % {
            "scope": who.token.scope
        }
    return _("Your role in this project's team does not allow this.")
