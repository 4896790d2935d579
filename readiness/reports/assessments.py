"""The `assess` command's document, built from a run: a checklist file's outcomes (scored
through `readiness.scored`, nothing stored) or a stored assessment's rows. The same plain
data is printed as JSON or as terminal text."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from checks.spec import Checklist, Outcome
from readiness.models import Assessment
from readiness.retained import retained_results
from readiness.scored import checklist_scorecard


def run_report_data(
    checklist: Checklist, outcomes: Mapping[str, Outcome], revision: str | None
) -> dict[str, Any]:
    """The document of a checklist file run that was not stored, scored here."""
    card = checklist_scorecard(checklist, outcomes)
    names = {c.key: c.name for c in checklist.categories}
    return {
        "name": checklist.name,
        "ready_at": checklist.ready_at,
        "score": card.score,
        "coverage": card.coverage,
        "verdict": card.verdict,
        "reasons": [dict(reason) for reason in card.reasons],
        "levels": list(checklist.levels),
        "level": card.level.achieved if card.level else None,
        "revision": revision,
        "categories": [
            {
                "key": c.key,
                "name": names.get(c.key, c.key),
                "weight": c.weight,
                "score": c.score,
                "coverage": c.coverage,
            }
            for c in card.categories
        ],
        "checks": [
            {
                "key": spec.key,
                "name": spec.name,
                "category": spec.category,
                "type": spec.type,
                "severity": str(spec.severity),
                "weight": spec.weight,
                **outcomes[spec.key].as_dict(),
            }
            for spec in checklist.all_checks()
        ],
    }


def assessment_report_data(assessment: Assessment) -> dict[str, Any]:
    """The document of a stored assessment (three queries, four for a point pruned by
    retention)."""
    assessment = (
        Assessment.objects.select_related("checklist", "project")
        .prefetch_related("category_scores")
        .get(pk=assessment.pk)
    )
    return {
        "id": assessment.pk,
        "project": assessment.project.slug,
        "status": assessment.status,
        "trigger": assessment.trigger,
        "date": assessment.evaluated_at.isoformat(),
        "name": assessment.checklist.name,
        "ready_at": assessment.checklist.ready_at,
        "score": assessment.score,
        "coverage": assessment.coverage,
        "verdict": assessment.verdict or None,
        "reasons": list(assessment.verdict_reasons),
        "levels": list(assessment.checklist.levels),
        "level": assessment.level or None,
        "waived": list(assessment.waived),
        "revision": assessment.revision or None,
        "categories": [
            {
                "key": c.key,
                "name": c.name,
                "weight": c.weight,
                "score": c.score,
                "coverage": c.coverage,
            }
            for c in assessment.category_scores.all()
        ],
        "checks": [
            {
                "key": r.check_item.key,
                "name": r.check_item.name,
                "category": r.check_item.category.key,
                "type": r.check_item.type,
                "severity": r.check_item.severity,
                "weight": r.check_item.weight,
                "status": r.status,
                "summary": r.summary,
                "evidence": list(r.evidence),
                "details": r.details,
                "duration_ms": r.duration_ms,
                # A point pruned by retention: the date of the row its status is carried
                # from (its evidence is gone); absent for a result with its own row.
                **({"carried_from": r.carried_from.isoformat()} if r.carried_from else {}),
            }
            for r in retained_results(assessment=assessment)
        ],
    }
