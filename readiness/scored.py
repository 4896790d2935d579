"""Checks and their statuses as the scoring engine's input: the one adapter from a stored
check (or a checklist file's check) to `ScoredCheck`, so the workers, the dashboard and
the command line score exactly the same way."""

from __future__ import annotations

from collections.abc import Mapping

from checks.spec import Checklist, CheckSpec, Outcome
from readiness.models import Check
from readiness.scoring import ScoreCard, ScoredCheck, score_checks


def scored_check(check: Check | CheckSpec, status: str) -> ScoredCheck:
    """`check` with `status`, as scoring reads it. A stored check names its category by
    row, a checklist file's check by key."""
    category = check.category.key if isinstance(check, Check) else check.category
    return ScoredCheck(
        key=check.key,
        category=category,
        status=status,
        weight=check.weight,
        severity=check.severity,
        level=check.level or "",
    )


def checklist_scorecard(checklist: Checklist, outcomes: Mapping[str, Outcome]) -> ScoreCard:
    """The scores of a checklist file run that is not stored (one outcome per check)."""
    return score_checks(
        [scored_check(spec, outcomes[spec.key].status) for spec in checklist.all_checks()],
        {c.key: c.weight for c in checklist.categories},
        ready_at=checklist.ready_at,
        levels=checklist.levels,
    )
