"""What every dashboard view shares: the request type that django-htmx gives, the role
flags that templates use to show or hide the buttons a user may press, and the one way to
answer with a page or a fragment of it.

A fragment is a `{% partialdef %}` of its page's template, rendered as "page.html#name"
(django-template-partials), so that the page and its fragments have one source."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django_htmx.middleware import HtmxDetails

from readiness.models import Role
from readiness.permissions import role_allows


class HtmxHttpRequest(HttpRequest):
    htmx: HtmxDetails


def role_flags(role: str | None) -> dict[str, Any]:
    return {
        "user_role": role,
        "can_edit": role_allows(role, Role.EDITOR),
        "can_admin": role_allows(role, Role.ADMIN),
    }


def render_page(
    request: HtmxHttpRequest,
    template: str,
    context: dict[str, Any],
    *,
    partial: str,
    status: int = 200,
) -> HttpResponse:
    """The page `template`, or only its `partial` when HTMX asks for a fragment of it."""
    return render(
        request, _fragment(template, partial) if request.htmx else template, context, status=status
    )


def render_partial(
    request: HtmxHttpRequest, template: str, context: dict[str, Any], *, partial: str
) -> HttpResponse:
    """Only the `partial` of the page `template`: the answer of an endpoint that HTMX calls
    to replace one part of the page (a button's or a form's target)."""
    return render(request, _fragment(template, partial), context)


def _fragment(template: str, partial: str) -> str:
    return f"{template}#{partial}"
