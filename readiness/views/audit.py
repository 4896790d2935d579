"""The team's audit page: every change that affects a score or access, filterable."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.views.decorators.http import require_GET

from readiness.permissions import team_for_user
from readiness.selectors.audit import (
    SYSTEM,
    AuditFilters,
    audit_actions,
    audit_changes,
    audit_page,
    audit_people,
)
from readiness.services.audit import ACTIONS
from readiness.views.common import HtmxHttpRequest, render_page, role_flags
from readiness.views.forms import AuditFilterForm


@login_required
@require_GET
def audit_trail(request: HtmxHttpRequest, slug: str) -> HttpResponse:
    """Every member of the team sees its audit trail; an invalid filter is ignored and
    shown as such."""
    team = team_for_user(request.user, slug)
    form = AuditFilterForm(request.GET or None)
    filters = AuditFilters()
    if form.is_valid():
        data = form.cleaned_data
        filters = AuditFilters(
            action=data["action"],
            person=data["person"],
            date_from=data["date_from"],
            date_to=data["date_to"],
        )
    used = audit_actions(team=team)
    page = audit_page(team=team, filters=filters, page=request.GET.get("page"))
    for entry in page:
        entry.action_label = ACTIONS.get(entry.action, entry.action)
        entry.changes = audit_changes(entry)
    return render_page(
        request,
        "readiness/audit.html",
        {
            "team": team,
            **role_flags(team.user_role),
            "form": form,
            "filters": filters,
            "page": page,
            "actions": [(key, ACTIONS.get(key, key)) for key in used],
            "people": audit_people(team=team),
            "system": SYSTEM,
        },
        partial="entries",
    )
