"""A project's badge for READMEs, as SVG or shields.io endpoint JSON, without login: the
project's badge key in the URL is the only credential, and it shows the badge and nothing
else. A wrong key and an unknown project get the same 404, so a key cannot be used to learn
which projects exist. Answers may be cached for five minutes by anyone (the key is in the
URL), and carry an ETag."""

from __future__ import annotations

import json
from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe

from readiness.badges import Badge, badge_endpoint, badge_svg, etag
from readiness.selectors.badges import LANGUAGES, SHOW_CHOICES, badge_project, project_badge

CACHE_SECONDS = 300
SVG_TYPE = "image/svg+xml; charset=utf-8"
JSON_TYPE = "application/json"


@require_safe
def badge_svg_view(request: HttpRequest, slug: str) -> HttpResponse:
    return _badge_response(request, slug, lambda badge: badge_svg(badge).encode(), SVG_TYPE)


@require_safe
def badge_json_view(request: HttpRequest, slug: str) -> HttpResponse:
    def body(badge: Badge) -> bytes:
        return json.dumps(badge_endpoint(badge, cache_seconds=CACHE_SECONDS)).encode()

    return _badge_response(request, slug, body, JSON_TYPE)


def _badge_response(
    request: HttpRequest, slug: str, render: Callable[[Badge], bytes], content_type: str
) -> HttpResponse:
    project = badge_project(slug=slug, key=request.GET.get("key", ""))
    if project is None:
        return _not_found()
    show = request.GET.get("show") or None
    if show is not None and show not in SHOW_CHOICES:
        return _bad_request(
            _("show=%(value)s: use one of %(choices)s.")
            % {"value": show, "choices": ", ".join(SHOW_CHOICES)}
        )
    language = request.GET.get("lang") or "en"
    if language not in LANGUAGES:
        return _bad_request(
            _("lang=%(value)s: use one of %(choices)s.")
            % {"value": language, "choices": ", ".join(LANGUAGES)}
        )
    body = render(project_badge(project=project, show=show, language=language))
    tag = etag(body)
    if tag in _if_none_match(request):
        response = HttpResponse(status=304)
    else:
        response = HttpResponse(body, content_type=content_type)
    response["ETag"] = tag
    response["Cache-Control"] = f"public, max-age={CACHE_SECONDS}"
    return response


def _if_none_match(request: HttpRequest) -> set[str]:
    header = request.headers.get("If-None-Match", "")
    return {item.strip().removeprefix("W/") for item in header.split(",") if item.strip()}


def _not_found() -> HttpResponse:
    # One body for an unknown project and a wrong key alike.
    response = HttpResponse(
        _("No badge here: check the project and the key in the URL.") + "\n",
        status=404,
        content_type="text/plain; charset=utf-8",
    )
    response["Cache-Control"] = "no-store"
    return response


def _bad_request(message: str) -> HttpResponse:
    response = HttpResponse(message + "\n", status=400, content_type="text/plain; charset=utf-8")
    response["Cache-Control"] = "no-store"
    return response
