"""The project page and its chart, which HTMX reloads for another time range; the page's
contexts also serve its other endpoints (runs, attestations, action items, schedules)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from readiness.charts import score_chart
from readiness.models import Assessment, Project
from readiness.permissions import project_for_user
from readiness.selectors.common import latest_done, result_groups
from readiness.selectors.projects import (
    action_items,
    chart_history,
    finished_results,
    manual_checks,
    manual_panel,
    project_summary,
    running_assessment,
)
from readiness.views.backfills import backfill_context
from readiness.views.badge_keys import badge_context
from readiness.views.common import HtmxHttpRequest, render_partial, role_flags
from readiness.views.forms import ActionItemForm, AttestationForm, BaseUrlForm, ScheduleForm
from readiness.views.notifications import notifications_context
from readiness.views.waivers import levels_context, waivers_context

TEMPLATE = "readiness/project.html"


def chart_window(request: HtmxHttpRequest) -> tuple[dt.datetime, dt.datetime] | None:
    """The zoom window `from`–`to` of the request (wall-clock times of the user's zone, as
    plotly.js sends them), or None when absent or not two ordered moments."""
    moments = []
    for name in ("from", "to"):
        try:
            moment = dt.datetime.fromisoformat(request.GET.get(name, "").strip())
        except ValueError:
            return None
        if timezone.is_naive(moment):
            moment = timezone.make_aware(moment)
        moments.append(moment)
    start, end = moments
    return (start, end) if start < end else None


def chart_context(project: Project, request: HtmxHttpRequest, latest: Assessment | None) -> dict:
    """The score chart over the range the request asks for, or over a zoom window inside
    it; the project page and the history page show it."""
    window = chart_window(request)
    # The window ends at the latest point, so a project not run lately still has a chart.
    chart_range, history = chart_history(
        project=project,
        latest_at=latest.evaluated_at if latest else None,
        chart_range=request.GET.get("range"),
        window=window,
    )
    return {
        "chart_range": chart_range,
        "chart_range_links": [("90d", _("3 months")), ("1y", _("1 year")), ("all", _("All"))],
        "chart": score_chart(history) if history and history.points else None,
        # The hint under the chart explains only the styles it draws.
        "chart_origins": {p.origin for p in history.points} if history else set(),
        "chart_window": window if history else None,
        "chart_points_shown": len(history.points) if history else 0,
        "chart_points_total": history.total if history else 0,
    }


def project_context(request: HtmxHttpRequest, project: Project) -> dict[str, Any]:
    """Everything the project page shows, but the run widget."""
    summary = project_summary(project=project)
    checklist = project.current_checklist()
    groups = result_groups(assessment=summary.latest) if summary.latest else []
    results = [result for group in groups for result in group.results]
    latest = [summary.latest] if summary.latest else []
    return {
        "project": project,
        **role_flags(project.user_role),
        "summary": summary,
        "groups": groups,
        "checklist": checklist,
        "manual": manual_panel(
            manual_checks(project=project, checklist=checklist, now=timezone.now())
        ),
        "attestation_statuses": AttestationForm.base_fields["status"].choices,
        "items": action_items(project=project),
        "today": timezone.localdate(),
        "action_item_form": ActionItemForm(),
        "base_url_form": BaseUrlForm(initial={"base_url": project.base_url}),
        "schedule_form": ScheduleForm(
            initial={"schedule": project.schedule, "timezone": project.timezone}
        ),
        **chart_context(project, request, summary.latest or summary.claim),
        **backfill_context(project),
        **notifications_context(project),
        **badge_context(request, project),
        **waivers_context(request, project),
        **levels_context(project, latest, results, checklist),
    }


def run_context(assessment: Assessment | None, project: Project, role: str | None) -> dict:
    """The run widget: the assessment running (or just finished) and its results so far."""
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
    context = project_context(request, project)
    context.update(run_context(running_assessment(project=project), project, project.user_role))
    return render(request, TEMPLATE, context)


@login_required
@require_GET
def project_chart(request: HtmxHttpRequest, slug: str) -> HttpResponse:
    project = project_for_user(request.user, slug)
    latest = latest_done([project.pk], count=1)[project.pk]
    context = chart_context(project, request, latest[0] if latest else None)
    # A zoom on the history page keeps that page's links and clicks.
    context["chart_on_history"] = request.GET.get("on") == "history"
    return render_partial(request, TEMPLATE, {"project": project, **context}, partial="chart")
