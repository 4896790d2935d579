"""Backfilling a project's history from the project page: the form, which sends the
backfill to the workers, and its progress bar, polled while points remain."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from readiness.models import Project, Role
from readiness.permissions import project_for_user
from readiness.queue import QueueUnavailable
from readiness.selectors.backfills import backfill_progress, latest_backfill
from readiness.services.backfill import BackfillError, backfill_request
from readiness.views.common import HtmxHttpRequest, render_partial, role_flags
from readiness.views.forms import BackfillForm

TEMPLATE = "readiness/project.html"


def backfill_context(project: Project, form: BackfillForm | None = None) -> dict[str, Any]:
    """The backfill card: the form and the progress of the latest backfill."""
    latest = latest_backfill(project=project)
    progress = backfill_progress(request=latest) if latest else None
    return {
        "backfill": progress,
        "backfill_active": progress is not None and not progress.finished,
        "backfill_form": form
        or BackfillForm(
            initial={"since": timezone.localdate() - dt.timedelta(days=90), "every": "day"}
        ),
    }


@login_required
@require_POST
def project_backfill(request: HtmxHttpRequest, slug: str) -> HttpResponse:
    project = project_for_user(request.user, slug, role=Role.EDITOR)
    form = BackfillForm(request.POST)
    if form.is_valid():
        try:
            backfill_request(
                project=project,
                since=form.cleaned_data["since"],
                every=form.cleaned_data["every"],
                user=request.user,
            )
        except BackfillError as error:
            form.add_error(None, _("Cannot backfill: %(error)s.") % {"error": error})
        except QueueUnavailable:
            form.add_error(
                None, _("The queue is unavailable, so nothing was sent. Try again in a moment.")
            )
        else:
            form = None
    context = {"project": project, **role_flags(project.user_role)}
    return render_partial(
        request, TEMPLATE, {**context, **backfill_context(project, form)}, partial="backfill"
    )


@login_required
@require_GET
def backfill_poll(request: HtmxHttpRequest, slug: str, pk: int) -> HttpResponse:
    """The backfill card, polled every second while points remain."""
    project = project_for_user(request.user, slug)
    latest = latest_backfill(project=project)
    if latest is None or latest.pk != pk:
        raise Http404
    context = {"project": project, **role_flags(project.user_role), **backfill_context(project)}
    response = render_partial(request, TEMPLATE, context, partial="backfill")
    if context["backfill"].finished:
        # The chart, the score and the history changed: the page reloads once to show them.
        response["HX-Refresh"] = "true"
    return response
