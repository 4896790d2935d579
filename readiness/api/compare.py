"""`/api/v1/compare/?from=&to=`: what changed between two assessments of one project, the
exact attribution of the score change that the compare page shows (the same selector)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.http import Http404, HttpRequest
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema

from readiness.api.auth import api_projects
from readiness.api.links import api_url, page_url
from readiness.api.projects import VerdictValue
from readiness.models import Assessment, Check
from readiness.selectors.assessments import CheckChange, comparison

router = Router(tags=["assessments"])


class SideOut(Schema):
    id: int
    evaluated_at: dt.datetime
    revision: str | None
    score: float | None = Field(description="The stored score.")
    coverage: float | None
    verdict: VerdictValue | None
    claimed: bool = Field(description="Claimed by an imported document, not measured.")
    checklist_version: int
    url: str
    api_url: str


class ChangeOut(Schema):
    key: str
    name: str
    category: str
    category_name: str
    before: str | None = Field(description="The status before; null: the check was absent.")
    after: str | None = Field(description="The status after; null: the check was removed.")


class ContributionOut(ChangeOut):
    amount: float = Field(description="Points of the change due to this check.")


class AttributionOut(Schema):
    before: float | None = Field(description="The score recomputed from the stored results.")
    after: float | None
    delta: float = Field(description="after − before = Σ contributions + residual.")
    contributions: list[ContributionOut] = Field(description="Largest first, as on the page.")
    residual: float = Field(description="Checklist changes: re-weighting, added categories.")


class ChecklistCheckOut(Schema):
    key: str
    name: str


class ChecklistChangedOut(ChecklistCheckOut):
    fields: list[str]


class ChecklistChangesOut(Schema):
    same_version: bool
    added: list[ChecklistCheckOut]
    removed: list[ChecklistCheckOut]
    changed: list[ChecklistChangedOut]


class ComparisonOut(Schema):
    project: str
    before: SideOut
    after: SideOut
    attribution: AttributionOut
    recomputed_differs: bool = Field(
        description="The stored scores differ from the ones the stored results give."
    )
    claimed: bool = Field(description="One side was claimed by a document.")
    disagreements: list[ChangeOut] = Field(description="With a claim: checks seen differently.")
    newly_failing: list[ChangeOut]
    fixed: list[ChangeOut]
    unchanged: list[ChangeOut]
    checklist_changes: ChecklistChangesOut


def _side(request: HttpRequest, assessment: Assessment) -> dict[str, Any]:
    return {
        "id": assessment.pk,
        "evaluated_at": assessment.evaluated_at,
        "revision": assessment.revision or None,
        "score": assessment.score,
        "coverage": assessment.coverage,
        "verdict": assessment.verdict or None,
        "claimed": assessment.claimed,
        "checklist_version": assessment.checklist.number,
        "url": page_url(request, "assessment", assessment.pk),
        "api_url": api_url(request, "assessment", id=assessment.pk),
    }


def _change(change: CheckChange) -> dict[str, Any]:
    return {
        "key": change.key,
        "name": change.name,
        "category": change.category,
        "category_name": change.category_name,
        "before": change.before,
        "after": change.after,
    }


def _check(check: Check) -> dict[str, Any]:
    return {"key": check.key, "name": check.name}


@router.get(
    "compare/",
    response=ComparisonOut,
    url_name="compare",
    summary="What changed between two assessments of a project",
    description="The score change attributed to checks exactly (the contributions and the "
    "residual add up to the delta), the checks newly failing and fixed, and the checklist "
    "changes: what the compare page shows.",
)
def compare(
    request: HttpRequest,
    before_id: int = Query(..., alias="from", description="The earlier assessment's id."),
    after_id: int = Query(..., alias="to", description="The later assessment's id."),
) -> dict[str, Any]:
    found = {
        a.pk: a
        for a in Assessment.objects.select_related("project", "checklist").filter(
            pk__in=[before_id, after_id], project__in=api_projects(request).values("pk")
        )
    }
    before, after = found.get(before_id), found.get(after_id)
    if before is None or after is None:
        missing = before_id if before is None else after_id
        raise Http404(_("No assessment #%(id)s.") % {"id": missing})
    if before.project_id != after.project_id:
        raise Http404(
            _("Assessments #%(a)s and #%(b)s are not of the same project.")
            % {
                "a": before_id,
                "b": after_id,
            }
        )
    result = comparison(before=before, after=after)
    attribution = result.attribution
    changes = result.checklist_changes
    return {
        "project": after.project.slug,
        "before": _side(request, before),
        "after": _side(request, after),
        "attribution": {
            "before": attribution.before,
            "after": attribution.after,
            "delta": attribution.delta,
            "contributions": [
                {**_change(change), "amount": change.amount} for change in result.contributions
            ],
            "residual": attribution.residual,
        },
        "recomputed_differs": result.recomputed_differs,
        "claimed": result.claimed,
        "disagreements": [_change(c) for c in result.disagreements] if result.claimed else [],
        "newly_failing": [_change(c) for c in result.newly_failing],
        "fixed": [_change(c) for c in result.fixed],
        "unchanged": [_change(c) for c in result.unchanged],
        "checklist_changes": {
            "same_version": before.checklist_id == after.checklist_id,
            "added": [_check(c) for c in changes.added],
            "removed": [_check(c) for c in changes.removed],
            "changed": [
                {"key": c.key, "name": c.name, "fields": list(c.fields)} for c in changes.changed
            ],
        },
    }
