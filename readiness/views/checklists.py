"""A project's checklist: the current version, uploading a new one, downloads and history."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from checks.checklist import ChecklistError
from readiness.models import Role
from readiness.permissions import project_for_user, require_role
from readiness.selectors.checklists import checklist_sections, checklist_version, checklist_versions
from readiness.services.checklists import checklist_upload
from readiness.views.common import HtmxHttpRequest, role_flags
from readiness.views.forms import ChecklistUploadForm


@login_required
@require_http_methods(["GET", "POST"])
def checklist(request: HtmxHttpRequest, slug: str) -> HttpResponse:
    """GET shows the checklist; POST (editors) uploads a new version. An invalid file is
    shown back with every problem and its line, and nothing is saved."""
    project = project_for_user(request.user, slug)
    form = ChecklistUploadForm()
    problems = []
    status = 200
    if request.method == "POST":
        require_role(project.user_role, Role.EDITOR)
        form = ChecklistUploadForm(request.POST, request.FILES)
        if form.is_valid():
            try:
                version, created = checklist_upload(
                    project=project,
                    source=form.cleaned_data["source"],
                    source_name=form.cleaned_data["source_name"],
                    actor=request.user,
                )
            except ChecklistError as error:
                problems = error.problems
            else:
                if created:
                    messages.success(
                        request,
                        _("Saved as version %(number)s.") % {"number": version.number},
                    )
                else:
                    messages.info(request, _("This file is the current version: nothing new."))
                return redirect("readiness:checklist", slug=project.slug)
        status = 400
    current = project.current_checklist()
    response = render(
        request,
        "readiness/checklist.html",
        {
            "project": project,
            **role_flags(project.user_role),
            "current": current,
            "sections": checklist_sections(version=current) if current else [],
            "versions": checklist_versions(project=project),
            "form": form,
            "problems": problems,
        },
    )
    response.status_code = status
    return response


@login_required
@require_GET
def checklist_download(request: HtmxHttpRequest, slug: str, number: int) -> HttpResponse:
    """The version's file exactly as it was imported."""
    project = project_for_user(request.user, slug)
    version = checklist_version(project=project, number=number)
    if version is None:
        raise Http404
    response = HttpResponse(version.source_text, content_type="application/yaml; charset=utf-8")
    response["Content-Disposition"] = (
        f'attachment; filename="{project.slug}-checklist-v{version.number}.yml"'
    )
    return response
