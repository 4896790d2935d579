"""The project page and its HTMX endpoints: the chart, "Run now" with its progress bar,
attestations of manual checks, action items and the schedule."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from readiness.charts import score_chart
from readiness.models import ActionItem, Assessment, Project, Role, Trigger
from readiness.permissions import assessment_for_user, project_for_user
from readiness.queue import QueueUnavailable
from readiness.selectors.common import latest_done, result_groups
from readiness.selectors.projects import (
    CHART_RANGES,
    DEFAULT_CHART_RANGE,
    ManualCheckRow,
    action_items,
    finished_results,
    manual_checks,
    project_summary,
    running_assessment,
    score_history,
)
from readiness.services import action_items as action_item_services
from readiness.services import assessments as assessment_services
from readiness.services.attestations import attestation_create as attestation_save
from readiness.services.attestations import manual_check
from readiness.services.schedules import ScheduleError, schedule_update
from readiness.views.common import HtmxHttpRequest, render_partial, role_flags
from readiness.views.forms import ActionItemForm, AttestationForm, ScheduleForm

TEMPLATE = "readiness/project.html"


def _chart_context(project: Project, request: HtmxHttpRequest, latest: Assessment | None) -> dict:
    chart_range = request.GET.get("range", DEFAULT_CHART_RANGE)
    if chart_range not in CHART_RANGES:
        chart_range = DEFAULT_CHART_RANGE
    days = CHART_RANGES[chart_range]
    # The window ends at the latest point, so a project not run lately still has a chart.
    since = latest.evaluated_at - dt.timedelta(days=days) if latest and days else None
    history = score_history(project=project, since=since) if latest else None
    return {
        "chart_range": chart_range,
        "chart_range_links": [("90d", _("3 months")), ("1y", _("1 year")), ("all", _("All"))],
        "chart": score_chart(history) if history and history.points else None,
    }


def _project_context(request: HtmxHttpRequest, project: Project) -> dict[str, Any]:
    summary = project_summary(project=project)
    checklist = project.current_checklist()
    return {
        "project": project,
        **role_flags(project.user_role),
        "summary": summary,
        "groups": (result_groups(assessment=summary.latest) if summary.latest else []),
        "checklist": checklist,
        "manual_rows": manual_checks(project=project, checklist=checklist, now=timezone.now()),
        "attestation_statuses": AttestationForm.base_fields["status"].choices,
        "items": action_items(project=project),
        "today": timezone.localdate(),
        "action_item_form": ActionItemForm(),
        "schedule_form": ScheduleForm(
            initial={"schedule": project.schedule, "timezone": project.timezone}
        ),
        **_chart_context(project, request, summary.latest),
    }


def _run_context(assessment: Assessment | None, project: Project, role: str | None) -> dict:
    active = assessment is not None and not assessment.is_finished
    return {
        "project": project,
        **role_flags(role),
        "run": assessment,
        "run_active": active,
        "run_results": finished_results(assessment=assessment) if active else [],
    }


@login_required
@require_GET
def project_detail(request: HtmxHttpRequest, slug: str) -> HttpResponse:
    project = project_for_user(request.user, slug)
    context = _project_context(request, project)
    context.update(_run_context(running_assessment(project=project), project, project.user_role))
    return render(request, TEMPLATE, context)


@login_required
@require_GET
def project_chart(request: HtmxHttpRequest, slug: str) -> HttpResponse:
    project = project_for_user(request.user, slug)
    latest = latest_done([project.pk], count=1)[project.pk]
    context = _chart_context(project, request, latest[0] if latest else None)
    return render_partial(request, TEMPLATE, {"project": project, **context}, partial="chart")


@login_required
@require_POST
def project_run(request: HtmxHttpRequest, slug: str) -> HttpResponse:
    project = project_for_user(request.user, slug, role=Role.EDITOR)
    try:
        assessment = assessment_services.assessment_start(
            project=project, trigger=Trigger.MANUAL, user=request.user
        )
    except QueueUnavailable:
        error = _(
            "The queue is unavailable, so the assessment could not be started. "
            "Try again in a moment."
        )
    except assessment_services.AssessmentError:
        error = _("This project has no checklist yet: upload one first.")
    else:
        return render_partial(
            request, TEMPLATE, _run_context(assessment, project, project.user_role), partial="run"
        )
    context = _run_context(None, project, project.user_role)
    context["run_error"] = error
    return render_partial(request, TEMPLATE, context, partial="run")


@login_required
@require_GET
def assessment_progress(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    """The run widget, polled every second while the assessment runs. The response that
    sees it finish also refreshes the score, the chart and the results out of band."""
    assessment = assessment_for_user(request.user, pk)
    project = assessment.project
    project.user_role = assessment.user_role
    context = _run_context(assessment, project, assessment.user_role)
    if assessment.is_finished:
        # `oob`: the progress partial adds the summary, chart and results out of band.
        context = {**_project_context(request, project), "oob": True, **context}
    return render_partial(request, TEMPLATE, context, partial="progress")


@login_required
@require_POST
def assessment_cancel(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    assessment = assessment_for_user(request.user, pk, role=Role.EDITOR)
    assessment_services.assessment_cancel(assessment=assessment)
    assessment.refresh_from_db()
    project = assessment.project
    return render_partial(
        request, TEMPLATE, _run_context(assessment, project, assessment.user_role), partial="run"
    )


@login_required
@require_POST
def attestation_create(request: HtmxHttpRequest, slug: str) -> HttpResponse:
    project = project_for_user(request.user, slug, role=Role.EDITOR)
    form = AttestationForm(request.POST)
    check = manual_check(project=project, check_key=request.POST.get("check_key", ""))
    if check is None:
        raise Http404
    saved = None
    if form.is_valid():
        try:
            saved = attestation_save(
                project=project,
                check=check,
                status=form.cleaned_data["status"],
                note=form.cleaned_data["note"],
                evidence_url=form.cleaned_data["evidence_url"],
                user=request.user,
            )
        except ValidationError as error:
            _add_errors(form, error)
    row = ManualCheckRow(check=check, attestation=saved, expired=False)
    if saved is None:
        rows = manual_checks(project=project, checklist=check.checklist, now=timezone.now())
        row = next(r for r in rows if r.check.pk == check.pk)
    return render_partial(
        request,
        TEMPLATE,
        {
            "project": project,
            **role_flags(project.user_role),
            "row": row,
            "attestation_form": form if saved is None else None,
            "attestation_statuses": AttestationForm.base_fields["status"].choices,
            "just_saved": saved is not None,
        },
        partial="manual-check",
    )


def _add_errors(form: Any, error: ValidationError) -> None:
    if hasattr(error, "error_dict"):
        for field, messages in error.message_dict.items():
            form.add_error(field if field in form.fields else None, messages)
    else:
        form.add_error(None, error.messages)


def _action_items_response(
    request: HtmxHttpRequest, project: Project, form: ActionItemForm
) -> HttpResponse:
    return render_partial(
        request,
        TEMPLATE,
        {
            "project": project,
            **role_flags(project.user_role),
            "items": action_items(project=project),
            "today": timezone.localdate(),
            "action_item_form": form,
        },
        partial="action-items",
    )


@login_required
@require_POST
def action_item_create(request: HtmxHttpRequest, slug: str) -> HttpResponse:
    project = project_for_user(request.user, slug, role=Role.EDITOR)
    form = ActionItemForm(request.POST)
    if form.is_valid():
        try:
            action_item_services.action_item_create(project=project, **form.cleaned_data)
            form = ActionItemForm()
        except ValidationError as error:
            _add_errors(form, error)
    return _action_items_response(request, project, form)


@login_required
@require_POST
def action_item_complete(request: HtmxHttpRequest, slug: str, pk: int) -> HttpResponse:
    project = project_for_user(request.user, slug, role=Role.EDITOR)
    item = get_object_or_404(ActionItem, project=project, pk=pk)
    action_item_services.action_item_complete(item=item)
    return _action_items_response(request, project, ActionItemForm())


@login_required
@require_POST
def project_schedule(request: HtmxHttpRequest, slug: str) -> HttpResponse:
    project = project_for_user(request.user, slug, role=Role.ADMIN)
    form = ScheduleForm(request.POST)
    saved = False
    if form.is_valid():
        try:
            schedule_update(
                project=project,
                schedule=form.cleaned_data["schedule"],
                timezone=form.cleaned_data["timezone"],
            )
            saved = True
        except ScheduleError as error:
            form.add_error(error.field if error.field in form.fields else None, str(error))
    return render_partial(
        request,
        TEMPLATE,
        {
            "project": project,
            **role_flags(project.user_role),
            "schedule_form": form,
            "schedule_saved": saved,
        },
        partial="schedule",
    )
