"""What every dashboard view shares: the request type that django-htmx gives, and the role
flags that templates use to show or hide the buttons a user may press."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
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


def partial(template: str, request: HtmxHttpRequest, name: str) -> str:
    """The page template, or one of its partials when HTMX asks for a fragment."""
    return f"{template}#{name}" if request.htmx else template
