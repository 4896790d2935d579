"""The project page's badge card: the Markdown to paste into a README, and the button with
which a team admin makes a new badge key (the old badge URLs then answer 404)."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote, urlencode

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.urls import reverse
from django.views.decorators.http import require_POST

from readiness.models import Project, Role
from readiness.permissions import project_for_user
from readiness.services.badges import project_badge_key_regenerate
from readiness.views.common import HtmxHttpRequest, render_partial, role_flags

SHIELDS_ENDPOINT = "https://img.shields.io/endpoint?url="


def badge_context(request: HtmxHttpRequest, project: Project) -> dict[str, Any]:
    """The badge's URLs (absolute: they are pasted elsewhere) and its Markdown."""
    query = urlencode({"key": project.badge_key})
    svg = request.build_absolute_uri(reverse("readiness:badge-svg", args=[project.slug]))
    endpoint = request.build_absolute_uri(reverse("readiness:badge-json", args=[project.slug]))
    page = request.build_absolute_uri(reverse("readiness:project", args=[project.slug]))
    return {
        "badge_svg_url": f"{svg}?{query}",
        "badge_json_url": f"{endpoint}?{query}",
        "badge_markdown": f"[![readiness]({svg}?{query})]({page})",
        "badge_shields_url": SHIELDS_ENDPOINT + quote(f"{endpoint}?{query}", safe=""),
    }


@login_required
@require_POST
def project_badge_key(request: HtmxHttpRequest, slug: str) -> HttpResponse:
    project = project_for_user(request.user, slug, role=Role.ADMIN)
    project_badge_key_regenerate(project=project, by=request.user)
    context = {
        "project": project,
        **role_flags(project.user_role),
        **badge_context(request, project),
        "badge_key_regenerated": True,
    }
    return render_partial(request, "readiness/project.html", context, partial="badge")
