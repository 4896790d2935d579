"""Running an assessment from the project page: "Run now", its progress bar, "Cancel"."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from readiness.models import Role, Trigger
from readiness.permissions import assessment_for_user, project_for_user
from readiness.queue import QueueUnavailable
from readiness.services import assessments as assessment_services
from readiness.views.common import HtmxHttpRequest, render_partial
from readiness.views.projects import TEMPLATE, project_context, run_context


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
            request, TEMPLATE, run_context(assessment, project, project.user_role), partial="run"
        )
    context = run_context(None, project, project.user_role)
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
    context = run_context(assessment, project, assessment.user_role)
    if assessment.is_finished:
        # `oob`: the progress partial adds the summary, chart and results out of band.
        context = {**project_context(request, project), "oob": True, **context}
    return render_partial(request, TEMPLATE, context, partial="progress")


@login_required
@require_POST
def assessment_cancel(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    assessment = assessment_for_user(request.user, pk, role=Role.EDITOR)
    assessment_services.assessment_cancel(assessment=assessment)
    assessment.refresh_from_db()
    project = assessment.project
    return render_partial(
        request, TEMPLATE, run_context(assessment, project, assessment.user_role), partial="run"
    )
