"""Errors as RFC 9457 problem details: `application/problem+json` with `type`, `title`,
`status`, `detail` and, for invalid input, `errors` (each with where and what)."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import NinjaAPI, Schema
from ninja.errors import AuthenticationError, HttpError, ValidationError

PROBLEM_TYPE = "about:blank"


class ProblemWhere(Schema):
    where: str
    message: str


class ProblemOut(Schema):
    """A problem document (RFC 9457), as every error of the API is answered."""

    type: str
    title: str
    status: int
    detail: str | None = None
    errors: list[ProblemWhere] | None = None


class ProblemError(HttpError):
    """An HttpError whose problem document carries more members (`extra`)."""

    def __init__(self, status_code: int, message: str, **extra: Any) -> None:
        super().__init__(status_code, message)
        self.extra = extra


def problem(
    api: NinjaAPI,
    request: HttpRequest,
    *,
    status: int,
    title: str,
    detail: str = "",
    **extra: Any,
) -> HttpResponse:
    body = {"type": PROBLEM_TYPE, "title": title, "status": status}
    if detail:
        body["detail"] = detail
    body.update(extra)
    response = api.create_response(request, body, status=status)
    response["Content-Type"] = "application/problem+json"
    return response


def install_problem_handlers(api: NinjaAPI) -> None:
    """Every error the API can answer, as problem details."""

    @api.exception_handler(AuthenticationError)
    def unauthenticated(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
        response = problem(
            api,
            request,
            status=401,
            title=_("Authentication required"),
            detail=_("Send “Authorization: Bearer <token>” with a token of the project's team."),
        )
        response["WWW-Authenticate"] = "Bearer"
        return response

    @api.exception_handler(PermissionDenied)
    def forbidden(request: HttpRequest, exc: PermissionDenied) -> HttpResponse:
        return problem(api, request, status=403, title=_("Forbidden"), detail=str(exc))

    @api.exception_handler(Http404)
    def not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
        return problem(api, request, status=404, title=_("Not found"), detail=str(exc))

    @api.exception_handler(ValidationError)
    def invalid(request: HttpRequest, exc: ValidationError) -> HttpResponse:
        errors = [
            {
                "where": ".".join(str(part) for part in error.get("loc", ())),
                "message": error.get("msg", ""),
            }
            for error in exc.errors
        ]
        return problem(
            api,
            request,
            status=422,
            title=_("Invalid request"),
            detail="; ".join(f"{e['where']}: {e['message']}" for e in errors),
            errors=errors,
        )

    @api.exception_handler(HttpError)
    def http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
        return problem(
            api,
            request,
            status=exc.status_code,
            title=str(exc.message),
            detail=str(exc.message),
            **getattr(exc, "extra", {}),
        )
