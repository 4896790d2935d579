"""Reads of the levels lens: where a project stands among its checklist's levels, from the
latest assessment's results, with the checks between it and the next level."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from readiness.models import Assessment, CheckResult
from readiness.scored import scored_check
from readiness.scoring import HOLDS_LEVEL, level_card


@dataclass(frozen=True)
class LevelStep:
    name: str
    achieved: bool
    target: bool


@dataclass(frozen=True)
class LevelProgress:
    steps: list[LevelStep]
    achieved: str | None
    next: str | None
    blockers: list[CheckResult]  # the results that stand between it and `next`
    target: str

    @property
    def target_reached(self) -> bool:
        names = [step.name for step in self.steps]
        if not self.target or self.target not in names:
            return False
        return self.achieved is not None and names.index(self.achieved) >= names.index(self.target)


def level_progress(
    *, assessment: Assessment, results: Iterable[CheckResult], target: str = ""
) -> LevelProgress | None:
    """The levels of the assessment's checklist, which are achieved, and the results that
    block the next one (no query: `results` carry their check and its category). None
    when the checklist has no levels."""
    levels = tuple(assessment.checklist.levels)
    if not levels:
        return None
    results = [r for r in results if r.is_finished]
    card = level_card([scored_check(r.check_item, r.status) for r in results], levels)
    blocking = set(card.blockers)
    rank = levels.index(card.achieved) if card.achieved else -1
    return LevelProgress(
        steps=[
            LevelStep(name=name, achieved=index <= rank, target=name == target)
            for index, name in enumerate(levels)
        ],
        achieved=card.achieved,
        next=card.next,
        blockers=sorted(
            (r for r in results if r.check_item.key in blocking and r.status not in HOLDS_LEVEL),
            key=lambda r: r.check_item.position,
        ),
        target=target,
    )
