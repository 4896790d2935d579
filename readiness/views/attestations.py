"""Attesting a manual check from the project page."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.utils import timezone
from django.views.decorators.http import require_POST

from readiness.models import Role
from readiness.permissions import project_for_user
from readiness.selectors.projects import ManualCheckRow, manual_checks
from readiness.services.attestations import attestation_create as attestation_save
from readiness.services.attestations import manual_check
from readiness.views.common import HtmxHttpRequest, render_partial, role_flags
from readiness.views.forms import AttestationForm, form_add_errors
from readiness.views.projects import TEMPLATE


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
            form_add_errors(form, error)
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
