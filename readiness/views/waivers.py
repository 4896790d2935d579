"""The project page's waivers and levels: asking for a waiver (editors), approving or
denying one (the approver's role, never the requester), and the target level (admins)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse, HttpResponseBadRequest
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from readiness.models import Assessment, Check, ChecklistVersion, CheckResult, Project, Role, Waiver
from readiness.permissions import project_for_user, require_role, role_allows
from readiness.retained import retained_results
from readiness.selectors.common import latest_done
from readiness.selectors.levels import level_progress
from readiness.selectors.waivers import project_waivers
from readiness.services.levels import project_target_level_set
from readiness.services.waivers import (
    WaiverError,
    waiver_approve,
    waiver_deny,
    waiver_max_until,
    waiver_request,
)
from readiness.views.common import HtmxHttpRequest, render_partial, role_flags
from readiness.views.forms import TargetLevelForm, WaiverDecisionForm, WaiverRequestForm

TEMPLATE = "readiness/project.html"


def waiver_checks(project: Project) -> list[tuple[str, str]]:
    """The checks of the project's current checklist, as (key, name) choices."""
    current = ChecklistVersion.objects.filter(project=project).order_by("-number").values("pk")
    return [
        (key, f"{name} ({key})")
        for key, name in Check.objects.filter(checklist__in=current[:1])
        .order_by("position")
        .values_list("key", "name")
    ]


def waivers_context(
    request: HtmxHttpRequest,
    project: Project,
    *,
    form: WaiverRequestForm | None = None,
    message: str = "",
    error: str = "",
) -> dict[str, Any]:
    """The waivers card of the project page."""
    today = timezone.localdate()
    waivers = project_waivers(project=project)
    approver = role_allows(project.user_role, settings.READINESS_WAIVER_APPROVER_ROLE)
    for waiver in waivers.asked:
        # The service decides again on submit (waiver_can_decide's rules). A base's waiver
        # is decided on the base's page.
        waiver.can_decide = (
            approver and waiver.requested_by_id != request.user.pk and not waiver.base_id
        )
    return {
        "project": project,
        **role_flags(project.user_role),
        "waivers": waivers,
        "waiver_form": form
        or (
            WaiverRequestForm(checks=waiver_checks(project))
            if role_allows(project.user_role, Role.EDITOR)
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
def waiver_create(request: HtmxHttpRequest, slug: str) -> HttpResponse:
    """Ask for a waiver (editors and admins). Errors are shown on the form; nothing is
    saved then."""
    project = project_for_user(request.user, slug, role=Role.EDITOR)
    form = WaiverRequestForm(request.POST, checks=waiver_checks(project))
    message = ""
    if form.is_valid():
        try:
            waiver = waiver_request(
                project=project,
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
    context = waivers_context(request, project, form=form, message=message)
    return render_partial(request, TEMPLATE, context, partial="waivers")


@login_required
@require_POST
def waiver_decide(request: HtmxHttpRequest, slug: str, pk: int) -> HttpResponse:
    """Approve or deny a waiver asked for (a note is required to deny)."""
    project = project_for_user(request.user, slug)
    waiver = get_object_or_404(Waiver.objects.select_related("project"), pk=pk, project=project)
    form = WaiverDecisionForm(request.POST)
    if not form.is_valid():
        return HttpResponseBadRequest()
    require_role(project.user_role, settings.READINESS_WAIVER_APPROVER_ROLE)
    message = error = ""
    try:
        if form.cleaned_data["decision"] == "approve":
            waiver_approve(waiver=waiver, user=request.user, note=form.cleaned_data["note"])
            message = _("Waiver #%(id)s approved: %(check)s is waived from the next assessment.")
        else:
            waiver_deny(waiver=waiver, user=request.user, note=form.cleaned_data["note"])
            message = _("Waiver #%(id)s denied.")
        message = message % {"id": waiver.pk, "check": waiver.check_key}
    except WaiverError as problem:  # their own request, or no longer asked for
        error = str(problem)
    context = waivers_context(request, project, message=message, error=error)
    return render_partial(request, TEMPLATE, context, partial="waivers")


@login_required
@require_POST
def project_target_level(request: HtmxHttpRequest, slug: str) -> HttpResponse:
    """Set the project's target level (admins)."""
    project = project_for_user(request.user, slug, role=Role.ADMIN)
    form = TargetLevelForm(request.POST)
    error = ""
    if form.is_valid():
        try:
            project_target_level_set(
                project=project, level=form.cleaned_data["level"], actor=request.user
            )
        except ValueError as problem:
            error = str(problem)
    context = levels_context(project, latest_done([project.pk], count=1)[project.pk])
    context.update(role_flags(project.user_role), target_error=error)
    return render_partial(request, TEMPLATE, context, partial="levels")


def levels_context(
    project: Project,
    latest: list[Assessment],
    results: list[CheckResult] | None = None,
    checklist: ChecklistVersion | None = None,
) -> dict[str, Any]:
    """The levels card of the project page: where the latest assessment stands, the checks
    between it and the next level, and the target. `results`: the latest assessment's,
    when the caller has them already (with their checks and categories)."""
    assessment = latest[0] if latest else None
    if assessment is not None and results is None:
        results = retained_results(assessment=assessment)
    checklist = checklist or project.current_checklist()
    return {
        "project": project,
        "levels": level_progress(
            assessment=assessment, results=results or [], target=project.target_level
        )
        if assessment is not None
        else None,
        "checklist_levels": list(checklist.levels) if checklist else [],
    }
