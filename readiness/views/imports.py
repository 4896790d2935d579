"""Importing a readiness document from the dashboard (upload → preview → confirm), and the
project's readiness report as a download. The upload waits for its confirmation in
readiness/services/pending_uploads.py."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from checks.checklist import ChecklistError
from readiness import importer
from readiness.importer import DocumentError, ImportResult
from readiness.models import Project, Role
from readiness.permissions import project_for_user
from readiness.reports import (
    CONTENT_TYPES,
    EXTENSIONS,
    FORMATS,
    ReportError,
    import_report_data,
    inline_style_sources,
    render_report,
    report_build,
)
from readiness.selectors.imports import import_changes
from readiness.services.imports import ImportSaveError, import_document_save
from readiness.services.pending_uploads import (
    pending_upload_drop,
    pending_upload_load,
    pending_upload_store,
)
from readiness.views.common import HtmxHttpRequest, render_page, role_flags
from readiness.views.forms import DocumentUploadForm

TEMPLATE = "readiness/import.html"
# What the document does to a project's current checklist; the user must choose.
MODES = ("merge", "replace")


def _context(project: Project, **extra: Any) -> dict[str, Any]:
    return {"project": project, **role_flags(project.user_role), **extra}


@login_required
@require_http_methods(["GET", "POST"])
def import_document(request: HtmxHttpRequest, slug: str) -> HttpResponse:
    """GET: the upload form. POST `preview`: the checklist the document becomes and the
    import report, nothing saved. POST `confirm`: save it all (editors)."""
    project = project_for_user(request.user, slug, role=Role.EDITOR)
    if request.method == "GET":
        return render(request, TEMPLATE, _context(project, form=DocumentUploadForm()))
    if request.POST.get("action") == "confirm":
        return _confirm(request, project)
    form = DocumentUploadForm(request.POST, request.FILES)
    if not form.is_valid():
        return render_page(
            request, TEMPLATE, _context(project, form=form), partial="upload", status=400
        )
    upload = form.cleaned_data["file"]
    data = upload.read(settings.READINESS_MAX_UPLOAD_BYTES + 1)
    name = Path(upload.name or "document.md").name[:200]
    try:
        result = importer.import_document(data, source_name=name)
    except DocumentError as exc:
        form.add_error("file", exc.message)
        return render_page(
            request, TEMPLATE, _context(project, form=form), partial="upload", status=400
        )
    token = pending_upload_store(
        data=data, name=name, user_id=request.user.pk, project_id=project.pk
    )
    context = _preview_context(project, result, token)
    return render_page(request, TEMPLATE, context, partial="preview")


def _preview_context(project: Project, result: ImportResult, token: str, **extra: Any) -> dict:
    return _context(
        project,
        form=DocumentUploadForm(),
        result=result,
        report=import_report_data(result),
        changes=import_changes(project=project, result=result),
        token=token,
        **extra,
    )


def _confirm(request: HtmxHttpRequest, project: Project) -> HttpResponse:
    token = request.POST.get("token", "")
    pending = pending_upload_load(token=token, user_id=request.user.pk, project_id=project.pk)
    if pending is None:
        error = _("This preview has expired or is not yours: upload the file again.")
        return render(
            request, TEMPLATE, _context(project, form=DocumentUploadForm(), error=error), status=400
        )
    data, name = pending
    mode = request.POST.get("mode", "")
    try:
        result = importer.import_document(data, source_name=name)
        if mode not in MODES and import_changes(project=project, result=result) is not None:
            context = _preview_context(
                project,
                result,
                token,
                mode_error=_(
                    "Choose what the document does to the current checklist: merge or replace."
                ),
            )
            # The form again with its error, as a form is answered (a plain POST, not htmx).
            return render(request, TEMPLATE, context)
        summary = import_document_save(
            result=result, project_slug=project.slug, user=request.user, merge=mode == "merge"
        )
    except (DocumentError, ImportSaveError, ChecklistError) as exc:
        return render(
            request,
            TEMPLATE,
            _context(project, form=DocumentUploadForm(), error=str(exc)),
            status=400,
        )
    pending_upload_drop(token=token)
    messages.success(
        request,
        _(
            "Imported %(name)s: checklist version %(version)s, %(points)s history points, "
            "%(attestations)s attestations, %(items)s action items."
        )
        % {
            "name": name,
            "version": summary.version.number,
            "points": summary.count("history_points"),
            "attestations": summary.count("attestations"),
            "items": summary.count("action_items") + summary.count("done_items"),
        },
    )
    if summary.count("too_old_marks"):
        messages.info(
            request,
            _(
                "%(count)s marks had already expired: they are kept as the document's claims, "
                "not as attestations."
            )
            % {"count": summary.count("too_old_marks")},
        )
    return redirect("readiness:project", slug=project.slug)


@login_required
@require_GET
def report_download(request: HtmxHttpRequest, slug: str) -> HttpResponse:
    """The project's readiness report as a file: ?format=markdown|html|json, ?lang=fr|en,
    ?assessment=ID (default: the latest measured one)."""
    project = project_for_user(request.user, slug)
    fmt = request.GET.get("format", "markdown")
    if fmt not in FORMATS:
        return HttpResponse(_("Unknown format."), status=400, content_type="text/plain")
    languages = {code for code, _name in settings.LANGUAGES}
    lang = request.GET.get("lang") or translation.get_language() or settings.LANGUAGE_CODE
    if lang not in languages:
        return HttpResponse(_("Unknown language."), status=400, content_type="text/plain")
    raw_id = request.GET.get("assessment", "")
    if raw_id and not raw_id.isdigit():
        return HttpResponse(_("Unknown assessment."), status=400, content_type="text/plain")
    with translation.override(lang):
        try:
            report = report_build(project=project, assessment_id=int(raw_id) if raw_id else None)
        except ReportError as exc:
            return HttpResponse(str(exc), status=404, content_type="text/plain")
        body = render_report(report, fmt)
    date = report.assessment.evaluated_at.date()
    response = HttpResponse(body, content_type=CONTENT_TYPES[fmt])
    filename = f"readiness-{project.slug}-{date.isoformat()}-{lang}.{EXTENSIONS[fmt]}"
    # The HTML report is a page to read: the browser shows it; the others are files to keep.
    disposition = "inline" if fmt == "html" else "attachment"
    response["Content-Disposition"] = f'{disposition}; filename="{filename}"'
    if fmt == "html":
        # django-csp adds these to the policy's style-src for this response only.
        response._csp_update = {"style-src": inline_style_sources(body)}
    return response
