"""The waivers card of a base checklist's page: asking for a waiver of one check of every
project extending the base (editors of its team), approving or denying one (the approver's
role in its team, never the requester)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse, HttpResponseBadRequest
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from readiness.models import BaseChecklist, Role, Team, Waiver
from readiness.permissions import require_role, role_allows, team_for_user
from readiness.selectors.waivers import project_waivers
from readiness.services.bases import base_checks
from readiness.services.waivers import (
    WaiverError,
    waiver_approve,
    waiver_deny,
    waiver_max_until,
    waiver_request,
)
from readiness.views.common import HtmxHttpRequest, render_partial, role_flags
from readiness.views.forms import WaiverDecisionForm, WaiverRequestForm

TEMPLATE = "readiness/base.html"


def _base(team: Team, slug: str) -> BaseChecklist:
    try:
        return BaseChecklist.objects.select_related("team").get(team=team, slug=slug)
    except BaseChecklist.DoesNotExist:
        raise Http404 from None


def _choices(base: BaseChecklist) -> list[tuple[str, str]]:
    return [(key, f"{name} ({key})") for key, name in base_checks(base=base)]


def base_waivers_context(
    request: HtmxHttpRequest,
    team: Team,
    base: BaseChecklist,
    *,
    form: WaiverRequestForm | None = None,
    message: str = "",
    error: str = "",
) -> dict[str, Any]:
    """The waivers card of the base's page."""
    today = timezone.localdate()
    waivers = project_waivers(base=base)
    approver = role_allows(team.user_role, settings.READINESS_WAIVER_APPROVER_ROLE)
    for waiver in waivers.asked:
        # The service decides again on submit (waiver_can_decide's rules).
        waiver.can_decide = approver and waiver.requested_by_id != request.user.pk
    return {
        "team": team,
        "base": base,
        **role_flags(team.user_role),
        "waivers": waivers,
        "waiver_base_page": True,
        "waiver_form": form
        or (
            WaiverRequestForm(checks=_choices(base))
            if role_allows(team.user_role, Role.EDITOR)
            else None
        ),
        "waiver_today": today,
        "waiver_max_until": waiver_max_until(today=today),
        "waiver_max_days": settings.READINESS_WAIVER_MAX_DAYS,
        "waiver_message": message,
        "waiver_error": error,
    }


@login_required
@require_POST
def base_waiver_create(request: HtmxHttpRequest, slug: str, base: str) -> HttpResponse:
    """Ask for a waiver of a check of every project extending the base (editors and admins
    of its team). Errors are shown on the form; nothing is saved then."""
    team = team_for_user(request.user, slug, role=Role.EDITOR)
    found = _base(team, base)
    form = WaiverRequestForm(request.POST, checks=_choices(found))
    message = ""
    if form.is_valid():
        try:
            waiver = waiver_request(
                base=found,
                check_key=form.cleaned_data["check_key"],
                until=form.cleaned_data["until"],
                reason=form.cleaned_data["reason"],
                user=request.user,
            )
        except WaiverError as error:
            form.add_error(None, str(error))
        else:
            message = _("Waiver #%(id)s asked for; a team admin other than you decides.") % {
                "id": waiver.pk
            }
            form = None
    context = base_waivers_context(request, team, found, form=form, message=message)
    return render_partial(request, TEMPLATE, context, partial="waivers")


@login_required
@require_POST
def base_waiver_decide(request: HtmxHttpRequest, slug: str, base: str, pk: int) -> HttpResponse:
    """Approve or deny a base's waiver asked for (a note is required to deny)."""
    team = team_for_user(request.user, slug)
    found = _base(team, base)
    waiver = get_object_or_404(Waiver, pk=pk, base=found)
    form = WaiverDecisionForm(request.POST)
    if not form.is_valid():
        return HttpResponseBadRequest()
    require_role(team.user_role, settings.READINESS_WAIVER_APPROVER_ROLE)
    message = error = ""
    try:
        if form.cleaned_data["decision"] == "approve":
            waiver_approve(waiver=waiver, user=request.user, note=form.cleaned_data["note"])
            message = _(
                "Waiver #%(id)s approved: %(check)s is waived in every project extending "
                "%(base)s from its next assessment."
            )
        else:
            waiver_deny(waiver=waiver, user=request.user, note=form.cleaned_data["note"])
            message = _("Waiver #%(id)s denied.")
        message = message % {"id": waiver.pk, "check": waiver.check_key, "base": found.ref}
    except WaiverError as problem:  # their own request, or no longer asked for
        error = str(problem)
    context = base_waivers_context(request, team, found, message=message, error=error)
    return render_partial(request, TEMPLATE, context, partial="waivers")
