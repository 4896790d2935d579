"""`POST /api/v1/assess`: the CI gate. A checklist run against a working tree (an uploaded
tarball, or a revision of a project's repository that the server reaches), answered with
the document of `manage.py assess --json` and a `gate`.

The run is synchronous, as `assess` runs today: file checks scan the tree in this request,
slow checks run 16 at a time within their own timeouts, and a checklist whose slow checks
could wait longer than READINESS_API_ASSESS_SECONDS in all is refused (422) rather than
left to time out. Nothing is stored.

The gate fails with 422: `curl --fail-with-body` then fails the job and still prints the
document (a problem document whose members are the report's, plus `gate`), so a CI script
reads `.gate.reason` and `.score` from the same body whether the gate passed (200) or not.
A bad request is a 422 too, told apart by having `errors` and no `gate`."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any, Literal

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import UploadedFile
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils.translation import gettext as _
from ninja import Field, Router, Schema
from pydantic import ValidationError as SchemaError

from checks.checklist import MAX_CHECKLIST_BYTES
from readiness.api.auth import api_project, caller
from readiness.api.problems import PROBLEM_TYPE, ProblemError, ProblemOut
from readiness.api.writes import invalid
from readiness.models import Membership, Project, Role
from readiness.permissions import role_allows
from readiness.services.ci_runs import CiRunError, ci_run

router = Router(tags=["ci"])

# Form fields and JSON members besides the files.
_MARGIN_BYTES = 64 * 1024


class AssessParams(Schema):
    project: str | None = Field(
        None, description="A project's slug: its bases, campaigns and repository."
    )
    ref: str = Field(
        "",
        max_length=255,
        description="With `project` and no tarball: the revision to assess (default: its ref).",
    )
    fail_under: float | None = Field(
        None,
        ge=0,
        le=10,
        description="Fail below this score or without the ready verdict (assess --fail-under).",
    )
    baseline: str = Field(
        "",
        max_length=255,
        description="With `project`: a branch whose last assessment the score must not go below.",
    )
    checklist_name: str = Field(
        "checklist.yml", max_length=255, description="The checklist's file name in problems."
    )


class AssessJsonIn(AssessParams):
    checklist: str | dict[str, Any] = Field(
        description="The checklist file (YAML text), or the same as a JSON object."
    )


class AssessMultipartIn(AssessParams):
    checklist: str = Field(description="The checklist file (YAML), as a file or a text field.")
    tarball: str | None = Field(
        None, description="A tar (optionally gzip, bzip2 or xz) of the working tree."
    )


class GateOut(Schema):
    passed: bool
    reason: str


class CategoryOut(Schema):
    key: str
    name: str
    weight: float
    score: float | None
    coverage: float | None


class CheckOut(Schema):
    key: str
    name: str
    category: str
    type: str
    severity: str
    weight: float
    status: str
    summary: str
    evidence: list[dict[str, Any]]
    details: dict[str, Any]
    duration_ms: float


class BaselineOut(Schema):
    branch: str
    assessment: dict[str, Any] | None


class AssessOut(Schema):
    """`manage.py assess --json`'s document, with the gate (and the baseline asked for)."""

    name: str
    ready_at: float
    score: float | None
    coverage: float | None
    verdict: str | None
    reasons: list[dict[str, Any]]
    levels: list[str]
    level: str | None
    revision: str | None
    categories: list[CategoryOut]
    checks: list[CheckOut]
    baseline: BaselineOut | None = None
    gate: GateOut


class GateFailedOut(AssessOut):
    type: str
    title: str
    status: Literal[422]
    detail: str


def _request_limit() -> int:
    return settings.READINESS_API_TARBALL_MAX_BYTES + MAX_CHECKLIST_BYTES + _MARGIN_BYTES


def _refuse_oversized(run: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """413 from the declared Content-Length, before anything (authentication's CSRF check
    included) reads the body."""

    def guarded(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        try:
            declared = int(request.headers.get("Content-Length") or 0)
        except ValueError:
            declared = 0
        if declared > _request_limit():
            return _too_large(settings.READINESS_API_TARBALL_MAX_BYTES)
        return run(request, *args, **kwargs)

    return guarded


router.add_decorator(_refuse_oversized, mode="view")


def _too_large(limit: int) -> HttpResponse:
    message = _("The tarball is larger than %(limit)s bytes (READINESS_API_TARBALL_MAX_BYTES).") % {
        "limit": limit
    }
    return JsonResponse(
        {"type": PROBLEM_TYPE, "title": message, "status": 413, "detail": message},
        status=413,
        content_type="application/problem+json",
    )


@router.post(
    "assess",
    response={200: AssessOut, 413: ProblemOut, 422: GateFailedOut | ProblemOut},
    summary="Assess a working tree for CI, with a score gate",
    description=__doc__,
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {
                "multipart/form-data": {"schema": AssessMultipartIn.model_json_schema()},
                "application/json": {"schema": AssessJsonIn.model_json_schema()},
            },
        }
    },
)
def assess(request: HttpRequest) -> HttpResponse:
    _require_runner(request)
    if (request.content_type or "").startswith("multipart/"):
        params, checklist, tarball = _multipart(request)
    else:
        params, checklist = _json(request)
        tarball = None
    project = _project(request, params)
    if tarball is None and project is None:
        raise invalid([("body.tarball", _("Give a tarball of the working tree, or a project."))])
    if tarball is not None and params.ref:
        raise invalid(
            [("body.ref", _("ref is for a project's repository: drop it with a tarball."))]
        )
    try:
        run = ci_run(
            checklist_text=checklist,
            checklist_name=params.checklist_name,
            project=project,
            ref=params.ref,
            tarball=tarball,
            fail_under=params.fail_under,
            baseline=params.baseline,
        )
    except CiRunError as error:
        raise invalid([(_where(where), message) for where, message in error.errors]) from None
    document = {**run.report, "gate": run.gate.as_dict()}
    if run.gate.passed:
        return _json_response(document, status=200, content_type="application/json")
    problem = {
        "type": PROBLEM_TYPE,
        "title": _("The gate failed"),
        "status": 422,
        "detail": run.gate.reason,
    }
    return _json_response(
        {**problem, **document}, status=422, content_type="application/problem+json"
    )


def _json_response(document: dict[str, Any], *, status: int, content_type: str) -> HttpResponse:
    # As `assess --json` prints it (dates and decimals as text).
    body = json.dumps(document, ensure_ascii=False, default=str)
    return HttpResponse(body, status=status, content_type=f"{content_type}; charset=utf-8")


def _where(where: str) -> str:
    # Checklist problems say their line and key; the other fields are body members.
    return f"body.{where}" if where in {"tarball", "ref", "project", "baseline", "tree"} else where


def _require_runner(request: HttpRequest) -> None:
    """Running checks is a write: a `run` token, or a session of an editor somewhere."""
    who = caller(request)
    if who.token is not None:
        if who.token.scope != "run":
            raise PermissionDenied(
                _("This token's scope is “%(scope)s”: this needs a “run” token.")
                % {"scope": who.token.scope}
            )
        return
    user = who.user
    if user is not None and user.is_superuser:
        return
    roles = Membership.objects.filter(user=user).values_list("role", flat=True)
    if not any(role_allows(role, Role.EDITOR) for role in roles):
        raise PermissionDenied(_("Your role in this project's team does not allow this."))


def _project(request: HttpRequest, params: AssessParams) -> Project | None:
    if not params.project:
        if params.baseline:
            raise invalid([("body.baseline", _("A baseline needs a project."))])
        return None
    return api_project(request, params.project, role=Role.EDITOR)


def _params(data: dict[str, Any]) -> AssessParams:
    try:
        return AssessParams.model_validate(data)
    except SchemaError as error:
        raise invalid(
            [("body." + ".".join(str(part) for part in e["loc"]), e["msg"]) for e in error.errors()]
        ) from None


def _multipart(request: HttpRequest) -> tuple[AssessParams, str, UploadedFile | None]:
    fields = {key: request.POST[key] for key in AssessParams.model_fields if request.POST.get(key)}
    params = _params(fields)
    tarball = request.FILES.get("tarball")
    if tarball is not None and tarball.size > settings.READINESS_API_TARBALL_MAX_BYTES:
        raise _oversized_tarball()
    upload = request.FILES.get("checklist")
    if upload is not None:
        if upload.size > MAX_CHECKLIST_BYTES:
            raise invalid([("body.checklist", _checklist_too_large())])
        if "checklist_name" not in fields and upload.name:
            params = params.model_copy(update={"checklist_name": upload.name[:255]})
        return params, _text(upload.read()), tarball
    text = request.POST.get("checklist", "")
    if not text.strip():
        raise invalid([("body.checklist", _("Give the checklist file (YAML)."))])
    if len(text.encode("utf-8")) > MAX_CHECKLIST_BYTES:
        raise invalid([("body.checklist", _checklist_too_large())])
    return params, text, tarball


def _json(request: HttpRequest) -> tuple[AssessParams, str]:
    if (request.content_type or "") != "application/json":
        raise invalid(
            [("body", _("Send multipart/form-data (with a tarball) or application/json."))]
        )
    try:
        data = json.loads(request.body or b"null")
    except ValueError as exc:
        raise invalid([("body", _("Not JSON: %(error)s") % {"error": exc})]) from None
    if not isinstance(data, dict):
        raise invalid([("body", _("Send a JSON object."))])
    params = _params({k: v for k, v in data.items() if k != "checklist"})
    checklist = data.get("checklist")
    if isinstance(checklist, dict):
        checklist = json.dumps(checklist, ensure_ascii=False)  # JSON is YAML
    if not isinstance(checklist, str) or not checklist.strip():
        raise invalid(
            [("body.checklist", _("Give the checklist file (YAML text, or a JSON object)."))]
        )
    if len(checklist.encode("utf-8")) > MAX_CHECKLIST_BYTES:
        raise invalid([("body.checklist", _checklist_too_large())])
    return params, checklist


def _text(data: bytes) -> str:
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        raise invalid([("body.checklist", _("The checklist is not UTF-8 text."))]) from None


def _checklist_too_large() -> str:
    return _("The file is larger than %(limit)s bytes.") % {"limit": MAX_CHECKLIST_BYTES}


def _oversized_tarball() -> ProblemError:
    limit = settings.READINESS_API_TARBALL_MAX_BYTES
    return ProblemError(
        413,
        _("The tarball is larger than %(limit)s bytes (READINESS_API_TARBALL_MAX_BYTES).")
        % {"limit": limit},
    )
