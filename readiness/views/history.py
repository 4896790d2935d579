"""A project's history: its score chart, and every assessment, filtered and paginated, from
the assessment and per-category score rows only."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.views.decorators.http import require_GET

from readiness.permissions import project_for_user
from readiness.selectors.common import latest_done
from readiness.selectors.history import history_page
from readiness.views.common import HtmxHttpRequest, render_page, role_flags
from readiness.views.forms import HistoryFilterForm
from readiness.views.projects import chart_context


@login_required
@require_GET
def history(request: HtmxHttpRequest, slug: str) -> HttpResponse:
    project = project_for_user(request.user, slug)
    form = HistoryFilterForm(request.GET)
    context = {
        "project": project,
        **role_flags(project.user_role),
        "form": form,
        "history": history_page(
            project=project,
            filters=form.filters(),
            page=request.GET.get("page"),
            page_size=form.page_size(),
        ),
    }
    if not request.htmx:
        latest = latest_done([project.pk], count=1)[project.pk]
        context.update(chart_context(project, request, latest[0] if latest else None))
        context["chart_on_history"] = True
    return render_page(
        request,
        "readiness/history.html",
        context,
        partial="table",
    )
