"""The project's readiness report, built from stored rows: in the shape of the teams'
hand-written documents, a summary table of the checks and their results, the score of
each category with its change, the overall score beside the previous one, the changes
with their exact contributions (from the engine's delta attribution) as improvements,
regressions and other changes, and the TODO list of open action items.

Every number comes from stored data: the assessment's results and score rows, the
previous assessment in history, and `readiness.scoring.attribute_change`. Nothing is
typed in. Text follows the active language (wrap calls in translation.override)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import Case, IntegerField, Value, When
from django.utils.translation import gettext as _

from readiness.models import (
    ActionItem,
    ActionItemStatus,
    Assessment,
    AssessmentStatus,
    Project,
)
from readiness.retained import retained_results
from readiness.selectors.assessments import comparison, previous_assessment
from readiness.verdicts import awaiting, reasons_text, summary_text, verdict_phrase

TODO_LIMIT = 200
# Statuses that say how well a check does, worst first; any other status is not a measure.
RANK = {"fail": 0, "warn": 1, "pass": 2}
# Float noise between a stored score and the same score recomputed from its results.
GAP_TOLERANCE = 1e-9


class ReportError(ValueError):
    """No report can be made (no assessment yet, or not one of this project)."""


@dataclass(frozen=True)
class CheckLine:
    key: str
    name: str
    category: str
    status: str
    summary: str
    # "Awaiting attestation" or "Attestation expired on DATE" where the report shows a
    # word for the status; "" for any other result (the status word is used).
    awaiting: str = ""


@dataclass(frozen=True)
class CategoryLine:
    key: str
    name: str
    score: float | None
    coverage: float | None
    previous: float | None

    @property
    def change(self) -> float | None:
        if self.score is None or self.previous is None:
            return None
        return self.score - self.previous


def change_kind(before: str | None, after: str | None) -> str:
    """ "improvement" when the check now does better (a better status, or a new or newly
    measured check that passes), "regression" when it does worse (a worse status, a pass or
    warn no longer measured, a new or newly measured check that fails), "other" otherwise
    (a failure no longer measured, a new warning). By status, never by the sign of the
    score's change: a failing check that can no longer be measured raises the score, and
    is no improvement."""
    old, new = RANK.get(before or ""), RANK.get(after or "")
    if old is not None and new is not None:
        return "improvement" if new > old else "regression" if new < old else "other"
    if old is not None:
        return "regression" if old > RANK["fail"] else "other"
    if new is not None:
        return {2: "improvement", 0: "regression"}.get(new, "other")
    return "other"


@dataclass(frozen=True)
class ImprovementLine:
    key: str
    name: str
    before: str | None
    after: str | None
    amount: float


@dataclass(frozen=True)
class Report:
    project: Project
    assessment: Assessment
    previous: Assessment | None
    checks: list[CheckLine]
    categories: list[CategoryLine]
    # The contributions of the checks that changed, split by `change_kind`; with the
    # residual and the claim gap they sum to `change` exactly.
    improvements: list[ImprovementLine]
    regressions: list[ImprovementLine]
    other_changes: list[ImprovementLine]
    residual: float
    claim_gap: float  # the part of the change no check explains (a claimed score)
    todo: list[ActionItem]

    @property
    def change(self) -> float | None:
        return _change(self.assessment, self.previous)


def _change(assessment: Assessment, previous: Assessment | None) -> float | None:
    if previous is None or previous.score is None or assessment.score is None:
        return None
    return assessment.score - previous.score


def report_build(*, project: Project, assessment_id: int | None = None) -> Report:
    """The report of one assessment of `project`: the given one, or the latest finished
    measured one (the latest claimed one when nothing was measured yet)."""
    finished = Assessment.objects.filter(project=project, status=AssessmentStatus.DONE)
    if assessment_id is not None:
        assessment = (
            Assessment.objects.filter(project=project, pk=assessment_id)
            .select_related("checklist")
            .first()
        )
        if assessment is None:
            raise ReportError(
                _("Assessment %(id)s is not one of project %(slug)s.")
                % {"id": assessment_id, "slug": project.slug}
            )
    else:
        latest = finished.order_by("-evaluated_at", "-id")
        assessment = (
            latest.filter(claimed=False).select_related("checklist").first()
            or latest.select_related("checklist").first()
        )
        if assessment is None:
            raise ReportError(
                _("Project %(slug)s has no finished assessment yet.") % {"slug": project.slug}
            )
    previous_ref = previous_assessment(assessment=assessment)
    previous = (
        Assessment.objects.select_related("checklist").get(pk=previous_ref.pk)
        if previous_ref
        else None
    )
    results = retained_results(assessment=assessment)
    checks = [
        CheckLine(
            key=r.check_item.key,
            name=r.check_item.name,
            category=r.check_item.category.name,
            status=r.status,
            summary=" ".join(summary_text(r.summary, r.details).split()),
            awaiting=found.text() if (found := awaiting(r.status, r.details)) else "",
        )
        for r in results
    ]
    before_scores = {c.key: c.score for c in previous.category_scores.all()} if previous else {}
    categories = [
        CategoryLine(
            key=c.key,
            name=c.name,
            score=c.score,
            coverage=c.coverage,
            previous=before_scores.get(c.key),
        )
        for c in assessment.category_scores.order_by("position")
    ]
    lines: list[ImprovementLine] = []
    residual = claim_gap = 0.0
    if previous is not None:
        compared = comparison(before=previous, after=assessment)
        attribution = compared.attribution
        names = {c.key: c.name for c in compared.contributions}
        lines = sorted(
            (
                ImprovementLine(
                    key=c.key,
                    name=names.get(c.key, c.key),
                    before=c.before,
                    after=c.after,
                    amount=c.amount,
                )
                for c in attribution.contributions
                if c.amount
            ),
            key=lambda i: (-abs(i.amount), i.key),
        )
        residual = attribution.residual
        change = _change(assessment, previous)
        # A claimed score is the document's word, not a function of the statuses it
        # claims: what the checks do not explain gets its own line, so the lines add up.
        if change is not None:
            gap = change - sum(i.amount for i in lines) - residual
            claim_gap = gap if abs(gap) > GAP_TOLERANCE else 0.0
    priority_order = Case(
        When(priority="", then=Value(1)), default=Value(0), output_field=IntegerField()
    )
    todo = list(
        ActionItem.objects.filter(project=project, status=ActionItemStatus.OPEN)
        .annotate(no_priority=priority_order)
        .order_by("no_priority", "priority", "due_date", "id")[:TODO_LIMIT]
    )
    return Report(
        project=project,
        assessment=assessment,
        previous=previous,
        checks=checks,
        categories=categories,
        improvements=[i for i in lines if change_kind(i.before, i.after) == "improvement"],
        regressions=[i for i in lines if change_kind(i.before, i.after) == "regression"],
        other_changes=[i for i in lines if change_kind(i.before, i.after) == "other"],
        residual=residual,
        claim_gap=claim_gap,
        todo=todo,
    )


def report_data(report: Report) -> dict[str, Any]:
    """The report as plain data: raw numbers (unrounded) for JSON and the templates."""
    a = report.assessment
    previous = report.previous
    return {
        "project": report.project.slug,
        "project_name": report.project.name,
        "assessment": a.pk,
        "date": a.evaluated_at.isoformat(),
        "claimed": a.claimed,
        "checklist": a.checklist.name,
        "checklist_version": a.checklist.number,
        "revision": a.revision or None,
        "score": a.score,
        "coverage": a.coverage,
        "verdict": a.verdict or None,
        "verdict_text": verdict_phrase(a.verdict or "", a.verdict_reasons),
        "reasons": reasons_text(a.verdict_reasons),
        "levels": list(a.checklist.levels),
        "level": a.level or None,
        "target_level": report.project.target_level or None,
        "waived": [dict(entry) for entry in a.waived],
        "previous": (
            {
                "assessment": previous.pk,
                "date": previous.evaluated_at.isoformat(),
                "score": previous.score,
                "claimed": previous.claimed,
            }
            if previous
            else None
        ),
        "change": report.change,
        "checks": [
            {
                "key": c.key,
                "name": c.name,
                "category": c.category,
                "status": c.status,
                "summary": c.summary,
            }
            for c in report.checks
        ],
        "categories": [
            {
                "key": c.key,
                "name": c.name,
                "score": c.score,
                "coverage": c.coverage,
                "previous": c.previous,
                "change": c.change,
            }
            for c in report.categories
        ],
        **{
            what: [
                {
                    "key": i.key,
                    "name": i.name,
                    "before": i.before,
                    "after": i.after,
                    "amount": i.amount,
                }
                for i in getattr(report, what)
            ]
            for what in ("improvements", "regressions", "other_changes")
        },
        "residual": report.residual,
        "claim_gap": report.claim_gap,
        "todo": [
            {
                "title": item.title,
                "priority": item.priority,
                "owner": item.owner,
                "due_date": item.due_date.isoformat() if item.due_date else None,
                "check": item.check_key,
            }
            for item in report.todo
        ],
    }
