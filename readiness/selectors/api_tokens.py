"""Reads of the team page's API tokens: the team's tokens, active first, newest first."""

from __future__ import annotations

from readiness.models import ApiToken, Team


def team_tokens(*, team: Team) -> list[ApiToken]:
    """The team's tokens with who made them (one query): the active ones first, then the
    revoked ones, each newest first."""
    tokens = ApiToken.objects.filter(team=team).select_related("created_by")
    return sorted(
        tokens.order_by("-created_at", "-id"), key=lambda token: token.revoked_at is not None
    )
