"""A project's base URL, set by its admins on the project page."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.views.decorators.http import require_POST

from readiness.models import Role
from readiness.permissions import project_for_user
from readiness.services.projects import ProjectError, project_base_url_set
from readiness.views.common import HtmxHttpRequest, render_partial, role_flags
from readiness.views.forms import BaseUrlForm
from readiness.views.projects import TEMPLATE


@login_required
@require_POST
def project_base_url(request: HtmxHttpRequest, slug: str) -> HttpResponse:
    project = project_for_user(request.user, slug, role=Role.ADMIN)
    form = BaseUrlForm(request.POST)
    saved = False
    if form.is_valid():
        try:
            project_base_url_set(project=project, base_url=form.cleaned_data["base_url"])
            saved = True
        except ProjectError as error:
            form.add_error("base_url", str(error))
    if saved:
        form = BaseUrlForm(initial={"base_url": project.base_url})
    return render_partial(
        request,
        TEMPLATE,
        {
            "project": project,
            **role_flags(project.user_role),
            "base_url_form": form,
            "base_url_saved": saved,
        },
        partial="base-url",
    )
