"""One assessment (the page, and the fragment a chart click loads), and the comparison of
two assessments."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from readiness.permissions import assessment_for_user, assessments_for_user
from readiness.selectors.assessments import comparison, previous_assessment
from readiness.selectors.common import result_groups
from readiness.views.common import HtmxHttpRequest, render_page, role_flags


@login_required
@require_GET
def assessment_detail(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    assessment = assessment_for_user(request.user, pk)
    return render_page(
        request,
        "readiness/assessment.html",
        {
            "assessment": assessment,
            "project": assessment.project,
            **role_flags(assessment.user_role),
            "groups": result_groups(assessment=assessment),
            "previous": previous_assessment(assessment=assessment),
        },
        partial="detail",
    )


def _assessment_id(value: str | None) -> int:
    try:
        return int(value or "")
    except ValueError:
        raise Http404 from None


@login_required
@require_GET
def compare(request: HtmxHttpRequest) -> HttpResponse:
    """`?a=ID&b=ID`: from assessment a to assessment b, both of one visible project."""
    a, b = _assessment_id(request.GET.get("a")), _assessment_id(request.GET.get("b"))
    found = assessments_for_user(request.user, [a, b])
    if a not in found or b not in found or found[a].project_id != found[b].project_id:
        raise Http404
    before, after = found[a], found[b]
    return render(
        request,
        "readiness/compare.html",
        {
            "project": after.project,
            **role_flags(after.user_role),
            "comparison": comparison(before=before, after=after),
        },
    )
