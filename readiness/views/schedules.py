"""A project's schedule, set by its admins on the project page."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.views.decorators.http import require_POST

from readiness.models import Role
from readiness.permissions import project_for_user
from readiness.services.schedules import ScheduleError, schedule_update
from readiness.views.common import HtmxHttpRequest, render_partial, role_flags
from readiness.views.forms import ScheduleForm
from readiness.views.projects import TEMPLATE


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
                actor=request.user,
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
