"""The overview: one card per project the user may see."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.views.decorators.http import require_GET

from readiness.models import Role
from readiness.permissions import teams_for_user, visible_projects
from readiness.selectors.overview import project_cards
from readiness.views.common import HtmxHttpRequest, render_page


@login_required
@require_GET
def overview(request: HtmxHttpRequest) -> HttpResponse:
    """The cards poll themselves every 2 seconds, only while an assessment runs."""
    cards = project_cards(projects=visible_projects(request.user))
    admin_teams = list(teams_for_user(request.user).filter(user_role=Role.ADMIN))
    shown = {card.project.team_id for card in cards}
    return render_page(
        request,
        "readiness/overview.html",
        {
            "cards": cards,
            "any_running": any(card.running for card in cards),
            "admin_team_ids": {team.pk for team in admin_teams},
            "empty_admin_teams": [team for team in admin_teams if team.pk not in shown],
        },
        partial="cards",
    )
