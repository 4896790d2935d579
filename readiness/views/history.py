"""A project's history: every assessment, filtered and paginated, from the assessment and
per-category score rows only."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.views.decorators.http import require_GET

from readiness.permissions import project_for_user
from readiness.selectors.history import history_page
from readiness.views.common import HtmxHttpRequest, render_page, role_flags
from readiness.views.forms import HistoryFilterForm


@login_required
@require_GET
def history(request: HtmxHttpRequest, slug: str) -> HttpResponse:
    project = project_for_user(request.user, slug)
    form = HistoryFilterForm(request.GET)
    return render_page(
        request,
        "readiness/history.html",
        {
            "project": project,
            **role_flags(project.user_role),
            "form": form,
            "history": history_page(
                project=project, filters=form.filters(), page=request.GET.get("page")
            ),
        },
        partial="table",
    )
