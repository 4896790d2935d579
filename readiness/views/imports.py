"""Importing a readiness document from the dashboard (upload → preview → confirm), and the
project's readiness report as a download."""

from __future__ import annotations

import contextlib
import json
import secrets
import time
from pathlib import Path
from typing import Any

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods

from checks.checklist import ChecklistError
from readiness.importer import document as importer
from readiness.importer.document import DocumentError
from readiness.models import Project, Role
from readiness.permissions import project_for_user
from readiness.reports import (
    CONTENT_TYPES,
    EXTENSIONS,
    FORMATS,
    ReportError,
    import_report_data,
    render_report,
    report_build,
)
from readiness.services.imports import ImportSaveError, import_document_save
from readiness.views.common import HtmxHttpRequest, partial, role_flags

TEMPLATE = "readiness/import.html"
# Uploads waiting for their confirmation; older ones are removed at the next upload.
PENDING_MAX_AGE_S = 24 * 3600
_TOKEN_CHARS = set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_")


class DocumentUploadForm(forms.Form):
    file = forms.FileField(label=gettext_lazy("Readiness document (Markdown)"))

    def clean_file(self) -> Any:
        upload = self.cleaned_data["file"]
        if upload.size > settings.READINESS_MAX_UPLOAD_BYTES:
            raise forms.ValidationError(
                _("The file is larger than the %(limit)s MB limit.")
                % {"limit": f"{settings.READINESS_MAX_UPLOAD_BYTES / (1024 * 1024):g}"}
            )
        return upload


def _pending_dir() -> Path:
    return Path(settings.DATA_DIR) / "imports"


def _pending_store(*, data: bytes, name: str, user_id: int, project_id: int) -> str:
    """Keep an upload until it is confirmed; returns the token that names it."""
    folder = _pending_dir()
    folder.mkdir(parents=True, exist_ok=True)
    cutoff = time.time() - PENDING_MAX_AGE_S
    for old in folder.glob("*"):
        with contextlib.suppress(FileNotFoundError):  # another request removed it first
            if old.stat().st_mtime < cutoff:
                old.unlink(missing_ok=True)
    token = secrets.token_urlsafe(24)
    (folder / f"{token}.doc").write_bytes(data)
    meta = {"name": name, "user": user_id, "project": project_id}
    (folder / f"{token}.json").write_text(json.dumps(meta), encoding="utf-8")
    return token


def _pending_load(token: str, *, user_id: int, project_id: int) -> tuple[bytes, str] | None:
    """The upload of `token` if this user made it for this project and it is still there."""
    if not token or len(token) > 64 or not set(token) <= _TOKEN_CHARS:
        return None
    folder = _pending_dir()
    try:
        meta = json.loads((folder / f"{token}.json").read_text(encoding="utf-8"))
        data = (folder / f"{token}.doc").read_bytes()
    except (OSError, ValueError):
        return None
    if meta.get("user") != user_id or meta.get("project") != project_id:
        return None
    return data, str(meta.get("name") or "document.md")


def _pending_drop(token: str) -> None:
    for suffix in (".doc", ".json"):
        (_pending_dir() / f"{token}{suffix}").unlink(missing_ok=True)


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
        return render(
            request, partial(TEMPLATE, request, "upload"), _context(project, form=form), status=400
        )
    upload = form.cleaned_data["file"]
    data = upload.read(settings.READINESS_MAX_UPLOAD_BYTES + 1)
    name = Path(upload.name or "document.md").name[:200]
    try:
        result = importer.import_document(data, source_name=name)
    except DocumentError as exc:
        form.add_error("file", exc.message)
        return render(
            request, partial(TEMPLATE, request, "upload"), _context(project, form=form), status=400
        )
    token = _pending_store(data=data, name=name, user_id=request.user.pk, project_id=project.pk)
    context = _context(
        project,
        form=DocumentUploadForm(),
        result=result,
        report=import_report_data(result),
        token=token,
    )
    return render(request, partial(TEMPLATE, request, "preview"), context)


def _confirm(request: HtmxHttpRequest, project: Project) -> HttpResponse:
    token = request.POST.get("token", "")
    pending = _pending_load(token, user_id=request.user.pk, project_id=project.pk)
    if pending is None:
        error = _("This preview has expired or is not yours: upload the file again.")
        return render(
            request, TEMPLATE, _context(project, form=DocumentUploadForm(), error=error), status=400
        )
    data, name = pending
    try:
        result = importer.import_document(data, source_name=name)
        summary = import_document_save(result=result, project_slug=project.slug, user=request.user)
    except (DocumentError, ImportSaveError, ChecklistError) as exc:
        return render(
            request,
            TEMPLATE,
            _context(project, form=DocumentUploadForm(), error=str(exc)),
            status=400,
        )
    _pending_drop(token)
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
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
