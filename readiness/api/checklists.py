"""`GET/PUT /api/v1/projects/{slug}/checklist`: a project's checklist file as YAML.

PUT is the checklist page's upload: the same size limit, the same validation and the same
problems (each with its line and key), the same new version with its audit entry — and
nothing saved when anything is wrong. GET answers the current version's file, the same bytes
as the page's download."""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import Router, Schema, Status

from checks.checklist import MAX_CHECKLIST_BYTES, ChecklistError
from readiness.api.auth import api_project, caller
from readiness.api.problems import ProblemError, ProblemOut
from readiness.api.writes import invalid
from readiness.models import Role
from readiness.services.checklists import checklist_upload
from readiness.services.ci_runs import problem_where

router = Router(tags=["checklists"])

YAML_TYPES = frozenset({"application/yaml", "text/yaml", "application/x-yaml", "text/x-yaml"})
YAML_BODY = {
    "required": True,
    "content": {media: {"schema": {"type": "string"}} for media in sorted(YAML_TYPES)},
}


class ChecklistVersionOut(Schema):
    number: int
    name: str
    source_name: str
    digest: str
    created: bool


def yaml_body(request: HttpRequest, *, limit: int = MAX_CHECKLIST_BYTES) -> bytes:
    """The request's body, a YAML document of at most `limit` bytes: ProblemError 415 for
    another media type, 413 when larger (refused from Content-Length before reading)."""
    media = (request.content_type or "").lower()
    if media not in YAML_TYPES:
        raise ProblemError(
            415,
            _("Send the checklist as YAML (Content-Type: application/yaml or text/yaml)."),
        )
    too_large = _("The file is larger than %(limit)s bytes.") % {"limit": limit}
    try:
        declared = int(request.headers.get("Content-Length") or 0)
    except ValueError:
        declared = 0
    if declared > limit:
        raise ProblemError(413, too_large)
    body = request.body
    if len(body) > limit:
        raise ProblemError(413, too_large)
    return body


@router.get(
    "{slug}/checklist",
    response={200: None, 404: ProblemOut},
    summary="The current checklist file (YAML)",
    description="The file of the project's current checklist version, exactly as imported.",
    openapi_extra={
        "responses": {
            200: {
                "description": "The checklist file",
                "content": {"text/yaml": {"schema": {"type": "string"}}},
            }
        }
    },
)
def checklist_download(request: HttpRequest, slug: str) -> HttpResponse:
    project = api_project(request, slug)
    current = project.current_checklist()
    if current is None:
        raise Http404(_("This project has no checklist yet: upload one first."))
    response = HttpResponse(current.source_text, content_type="text/yaml; charset=utf-8")
    response["Content-Disposition"] = (
        f'inline; filename="{project.slug}-checklist-v{current.number}.yml"'
    )
    return response


@router.put(
    "{slug}/checklist",
    response={
        200: ChecklistVersionOut,
        201: ChecklistVersionOut,
        413: ProblemOut,
        415: ProblemOut,
        422: ProblemOut,
    },
    summary="Upload a new checklist version (YAML body)",
    description=(
        "Needs a `run` token or an editor's session. The body is the checklist file "
        "(Content-Type application/yaml or text/yaml, at most 1 MiB). 201 with the new "
        "version, 200 when the file is the current version already (nothing new). An "
        "invalid file is a 422 problem whose `errors` name each problem's line and key "
        '("line 12, categories.security.checks.cors.pattern"); nothing is saved then. '
        "`filename` is the name the version is stored under (default .readiness.yml)."
    ),
    openapi_extra={"requestBody": YAML_BODY},
)
def checklist_put(request: HttpRequest, slug: str, filename: str = ".readiness.yml") -> Status:
    project = api_project(request, slug, role=Role.EDITOR)
    body = yaml_body(request)
    try:
        version, created = checklist_upload(
            project=project,
            source=body,
            source_name=filename.strip() or ".readiness.yml",
            actor=caller(request).actor,
        )
    except ChecklistError as error:
        raise invalid(
            [(problem_where(p.line, p.path), p.message) for p in error.problems]
        ) from None
    return Status(
        201 if created else 200,
        {
            "number": version.number,
            "name": version.name,
            "source_name": version.source_name,
            "digest": version.digest,
            "created": created,
        },
    )
