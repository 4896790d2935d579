"""Scores, coverage, verdicts and delta attribution: numbers in, numbers out.

Pure module (no Django, no database), so that the command line, the workers and the
dashboard all compute exactly the same numbers from the same stored statuses.

The formula (it is part of the product; the README repeats it):

* Credit: pass 1, warn 0.5, fail 0. `error`, `skip` and `waived` are not scored.
* Category score = 10 × Σ(weight × credit) / Σ weight over the category's scored checks;
  None when the category has no scored check.
* Overall score = Σ(category weight × category score) / Σ category weight over the
  categories that have a score; None when none has.
* Coverage: every check except `skip` and `waived` ones gets a share of the overall weight, its
  category's share (category weight / Σ weights of the categories with a non-skip check)
  times its share inside the category (weight / Σ weights of the category's non-skip
  checks). Coverage is the total share of the checks that were scored, i.e. not `error`.
  None when every check is skipped or waived. A category's coverage is the same ratio
  inside it.
* Verdict: "ready" when the score is at least `ready_at`, no critical check is `fail` or
  `error`, and coverage is at least 80%; else "not-ready" with structured reasons. Waived
  checks never block it; they are listed in one more reason, `waived`, that does not
  block ("ready with 2 waivers").
* Levels (a second, stricter lens; the score does not depend on them): given the ordered
  levels, lowest first, a check belongs to its level (blank: the lowest) and is required
  by it and every level above. The achieved level is the highest level whose required
  checks all hold: `pass`, `warn`, `waived` (an approved exemption) and `skip` (not
  applicable) hold; `fail` and `error` (no evidence) do not. None when the lowest level
  does not hold, or when there are no levels.

Arithmetic is exact (fractions.Fraction, converted to float at the end): a score that is
exactly 8 in the formula is 8.0, never 7.999999999999999, so the verdict threshold is
compared without tolerance, and the result does not depend on the order of the checks.

Delta attribution. The overall score is a weighted mean S = Σ πᵢ vᵢ over the scored checks,
where vᵢ = 10 × creditᵢ and πᵢ = category share × share inside the category (Σ πᵢ = 1).
Between two assessments, with B the checks scored before, A those scored after and
C = A ∩ B (matched by key), the change is walked along one path whose every step has an
owner:

1. Exits (scored before, not after: removed, or now error/skip) leave the "before" state.
   An exit i contributes −πᵢ (vᵢ − refᵢ), where refᵢ is the before score of its category
   restricted to C, or the before score of C as a whole when its category keeps no check
   of C. Together they move S to S_B(C), the before score of C alone.
2. Checks of C change status. Each contributes π̄ᵢ × Δvᵢ, where π̄ᵢ is the mean of its
   shares inside C before and after. What is left of S_A(C) − S_B(C), namely
   Σ v̄ᵢ Δπᵢ (checks of C re-weighted by changed weights or moved categories), is the
   residual: it belongs to the checklist, not to any one check.
3. Entries (scored after, not before: added, or no longer error/skip) join the "after"
   state, mirroring step 1 with the after shares and the after scores of C.

So: when the scored set and all weights are unchanged, each contribution is the check's
coefficient × Δcredit and the residual is 0; when only checks enter or leave, they get
the whole delta between them and the residual is 0; swapping before and after negates
every amount. When C is empty, the reference for entries and exits is the midpoint
(S_before + S_after) / 2. When either score is None there is no score to compare: the
delta is 0 and nothing is attributed. The contributions and the residual sum to the
delta exactly (they are computed in exact arithmetic, the residual as the remainder).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction
from typing import Any

from checks.spec import CREDIT

WAIVED = "waived"
STATUSES = frozenset({"pass", "warn", "fail", "error", "skip", WAIVED})
# The statuses that keep a level: the requirement is met, or does not apply, or is waived.
HOLDS_LEVEL = frozenset({"pass", "warn", "skip", WAIVED})
NOT_COUNTED = frozenset({"skip", WAIVED})
MIN_COVERAGE = Fraction(4, 5)
MIN_COVERAGE_FLOAT = 0.8
_TEN = Fraction(10)

READY = "ready"
NOT_READY = "not-ready"


@dataclass(frozen=True)
class ScoredCheck:
    key: str
    category: str
    status: str
    weight: float = 1.0
    severity: str = "medium"
    # The level that first requires the check; "" the checklist's lowest.
    level: str = ""


@dataclass(frozen=True)
class LevelCard:
    """The levels lens of one assessment: the achieved level (None: not even the lowest),
    the next one up (None: the highest is achieved), and the checks that stand between
    them (by key, in the order given)."""

    levels: tuple[str, ...]
    achieved: str | None
    next: str | None
    blockers: tuple[str, ...]


@dataclass(frozen=True)
class CategoryScoreCard:
    key: str
    weight: float
    score: float | None
    coverage: float | None


@dataclass(frozen=True)
class ScoreCard:
    score: float | None
    coverage: float | None
    categories: tuple[CategoryScoreCard, ...]
    verdict: str
    reasons: tuple[dict[str, Any], ...]
    level: LevelCard | None = None


@dataclass(frozen=True)
class Contribution:
    key: str
    category: str
    before: str | None
    after: str | None
    amount: float


@dataclass(frozen=True)
class Attribution:
    before: float | None
    after: float | None
    delta: float
    contributions: tuple[Contribution, ...]
    residual: float


def credit(status: str) -> float | None:
    """Points a status earns; None for `error`, `skip` and `waived`, which are not scored."""
    value = CREDIT.get(str(status))
    return None if value is None else float(value)


def _positive(value: float | Decimal | Fraction, what: str) -> Fraction:
    if isinstance(value, bool) or not isinstance(value, int | float | Decimal | Fraction):
        raise ValueError(f"{what} must be a number, got {value!r}")
    if not math.isfinite(value) or value <= 0:
        raise ValueError(f"{what} must be a finite number > 0, got {value!r}")
    return Fraction(value)


def _optional(value: Fraction | None) -> float | None:
    return None if value is None else float(value)


@dataclass(frozen=True)
class _Check:
    key: str
    category: str
    status: str
    weight: Fraction
    critical: bool

    @property
    def value(self) -> Fraction:
        return _TEN * CREDIT[self.status]


class _State:
    """One assessment, validated, with exact category and overall scores and the share
    π of every scored check in the overall score."""

    def __init__(self, checks: Sequence[ScoredCheck], category_weights: Mapping[str, float]):
        self.category_weights = {
            key: _positive(weight, f"weight of category {key!r}")
            for key, weight in category_weights.items()
        }
        self.checks: dict[str, _Check] = {}
        for check in checks:
            status = str(check.status)
            if status not in STATUSES:
                raise ValueError(f"check {check.key!r}: unknown status {status!r}")
            if check.category not in self.category_weights:
                raise ValueError(f"check {check.key!r}: unknown category {check.category!r}")
            if check.key in self.checks:
                raise ValueError(f"check {check.key!r} appears twice")
            self.checks[check.key] = _Check(
                key=check.key,
                category=check.category,
                status=status,
                weight=_positive(check.weight, f"weight of check {check.key!r}"),
                critical=str(check.severity) == "critical",
            )
        self.scored = {key: c for key, c in self.checks.items() if c.status in CREDIT}
        self.category_scores = _category_scores(self.scored.values(), self.category_weights)
        self.score = _overall(self.category_scores, self.category_weights)
        self.shares = _shares(self.scored.values(), self.category_weights)


def _category_scores(
    scored: Iterable[_Check], category_weights: Mapping[str, Fraction]
) -> dict[str, Fraction | None]:
    """Exact score of every category of `category_weights` over the `scored` checks."""
    totals = {key: [Fraction(0), Fraction(0)] for key in category_weights}
    for check in scored:
        totals[check.category][0] += check.weight * check.value
        totals[check.category][1] += check.weight
    return {key: (earned / weight if weight else None) for key, (earned, weight) in totals.items()}


def _overall(
    category_scores: Mapping[str, Fraction | None], category_weights: Mapping[str, Fraction]
) -> Fraction | None:
    earned = Fraction(0)
    weight = Fraction(0)
    for key, score in category_scores.items():
        if score is not None:
            earned += category_weights[key] * score
            weight += category_weights[key]
    return earned / weight if weight else None


def _shares(
    scored: Iterable[_Check], category_weights: Mapping[str, Fraction]
) -> dict[str, Fraction]:
    """π of every check in `scored`: its share of the overall score (they sum to 1)."""
    scored = list(scored)
    inside: dict[str, Fraction] = {}
    for check in scored:
        inside[check.category] = inside.get(check.category, Fraction(0)) + check.weight
    total = sum((category_weights[key] for key in inside), Fraction(0))
    return {
        check.key: category_weights[check.category] / total * check.weight / inside[check.category]
        for check in scored
    }


def level_card(checks: Sequence[ScoredCheck], levels: Sequence[str]) -> LevelCard | None:
    """The achieved level of one assessment (see the module docstring); None when the
    checklist has no levels. Raises ValueError for a check whose level is not one of
    `levels`, or an unknown status."""
    levels = tuple(levels)
    if not levels:
        return None
    if len(set(levels)) != len(levels):
        raise ValueError(f"levels must be distinct, got {list(levels)!r}")
    rank = {name: index for index, name in enumerate(levels)}
    # The lowest level that some check does not hold: every level from it up is missed.
    lowest_missed = len(levels)
    for check in checks:
        if str(check.status) not in STATUSES:
            raise ValueError(f"check {check.key!r}: unknown status {check.status!r}")
        level = check.level or levels[0]
        if level not in rank:
            raise ValueError(f"check {check.key!r}: unknown level {level!r}")
        if str(check.status) not in HOLDS_LEVEL:
            lowest_missed = min(lowest_missed, rank[level])
    achieved = levels[lowest_missed - 1] if lowest_missed else None
    following = levels[lowest_missed] if lowest_missed < len(levels) else None
    blockers = ()
    if following is not None:
        blockers = tuple(
            check.key
            for check in checks
            if str(check.status) not in HOLDS_LEVEL
            and rank[check.level or levels[0]] <= lowest_missed
        )
    return LevelCard(levels=levels, achieved=achieved, next=following, blockers=blockers)


def score_checks(
    checks: Sequence[ScoredCheck],
    category_weights: Mapping[str, float],
    *,
    ready_at: float = 8.0,
    levels: Sequence[str] = (),
) -> ScoreCard:
    """Score one assessment. Categories come out in the order of `category_weights`; one
    without any scored check has score None. With `levels`, the card's `level` says which
    one is achieved (see `level_card`). Raises ValueError for an unknown status, category
    or level, a duplicate key, or a weight that is not a finite number > 0."""
    if not math.isfinite(ready_at):
        raise ValueError(f"ready_at must be a finite number, got {ready_at!r}")
    state = _State(checks, category_weights)

    measured: dict[str, list[Fraction]] = {
        key: [Fraction(0), Fraction(0)] for key in state.category_weights
    }
    for check in state.checks.values():
        if check.status not in NOT_COUNTED:
            measured[check.category][1] += check.weight
            if check.status in CREDIT:
                measured[check.category][0] += check.weight
    category_coverage = {
        key: (scored / total if total else None) for key, (scored, total) in measured.items()
    }
    applicable = [key for key, cov in category_coverage.items() if cov is not None]
    applicable_weight = sum((state.category_weights[key] for key in applicable), Fraction(0))
    coverage = (
        sum(
            (state.category_weights[key] * category_coverage[key] for key in applicable),
            Fraction(0),
        )
        / applicable_weight
        if applicable
        else None
    )

    reasons: list[dict[str, Any]] = []
    if state.score is None:
        reasons.append({"code": "no_score"})
    elif state.score < Fraction(ready_at):
        reasons.append({"code": "score_below", "score": float(state.score), "ready_at": ready_at})
    for check in state.checks.values():
        if check.critical and check.status in ("fail", "error"):
            reasons.append({"code": "critical", "check": check.key, "status": check.status})
    if coverage is not None and coverage < MIN_COVERAGE:
        reasons.append(
            {"code": "coverage_below", "coverage": float(coverage), "minimum": MIN_COVERAGE_FLOAT}
        )
    blocking = bool(reasons)
    waived = [check.key for check in state.checks.values() if check.status == WAIVED]
    if waived:
        reasons.append({"code": WAIVED, "count": len(waived), "checks": waived})

    return ScoreCard(
        score=_optional(state.score),
        coverage=_optional(coverage),
        categories=tuple(
            CategoryScoreCard(
                key=key,
                weight=float(weight),
                score=_optional(state.category_scores[key]),
                coverage=_optional(category_coverage[key]),
            )
            for key, weight in state.category_weights.items()
        ),
        verdict=NOT_READY if blocking else READY,
        reasons=tuple(reasons),
        level=level_card(checks, levels),
    )


def _restricted(
    state: _State, keys: frozenset[str]
) -> tuple[dict[str, Fraction | None], Fraction | None, dict[str, Fraction]]:
    """Category scores, overall score and shares of `state` counting only the checks in
    `keys` (the checks scored on both sides)."""
    core = [state.scored[key] for key in keys]
    category_scores = _category_scores(core, state.category_weights)
    return (
        category_scores,
        _overall(category_scores, state.category_weights),
        _shares(core, state.category_weights),
    )


def _beyond_core(
    state: _State, keys: frozenset[str], core_keys: frozenset[str], midpoint: Fraction
) -> dict[str, Fraction]:
    """What each check of `keys` (scored in `state`, not on the other side) adds to
    `state`'s score on top of the core: πᵢ (vᵢ − refᵢ), see the module docstring."""
    if not keys:
        return {}
    category_scores, core_score, _ = _restricted(state, core_keys)
    amounts = {}
    for key in keys:
        check = state.scored[key]
        reference = category_scores[check.category]
        if reference is None:
            reference = core_score if core_score is not None else midpoint
        amounts[key] = state.shares[key] * (check.value - reference)
    return amounts


def attribute_change(
    before: Sequence[ScoredCheck],
    before_weights: Mapping[str, float],
    after: Sequence[ScoredCheck],
    after_weights: Mapping[str, float],
) -> Attribution:
    """Split the change of the overall score between two assessments into one
    contribution per check whose status changed (or that was added or removed) and a
    residual for re-weighting; see the module docstring. Contributions come in the
    order of `after`, then checks only in `before`."""
    old = _State(before, before_weights)
    new = _State(after, after_weights)
    if old.score is None or new.score is None:
        return Attribution(
            before=_optional(old.score),
            after=_optional(new.score),
            delta=0.0,
            contributions=(),
            residual=0.0,
        )
    delta = new.score - old.score
    midpoint = (old.score + new.score) / 2
    core = frozenset(old.scored) & frozenset(new.scored)

    amounts: dict[str, Fraction] = {}
    amounts.update(
        {
            key: -a
            for key, a in _beyond_core(old, frozenset(old.scored) - core, core, midpoint).items()
        }
    )
    amounts.update(_beyond_core(new, frozenset(new.scored) - core, core, midpoint))
    if core:
        _, _, old_shares = _restricted(old, core)
        _, _, new_shares = _restricted(new, core)
        for key in core:
            change = new.scored[key].value - old.scored[key].value
            if change:
                amounts[key] = (old_shares[key] + new_shares[key]) / 2 * change

    contributions = []
    listed = list(new.checks.items())
    listed += [(key, check) for key, check in old.checks.items() if key not in new.checks]
    for key, check in listed:
        was = old.checks.get(key)
        now = new.checks.get(key)
        was_status = was.status if was else None
        now_status = now.status if now else None
        if was_status != now_status:
            contributions.append(
                Contribution(
                    key=key,
                    category=check.category,
                    before=was_status,
                    after=now_status,
                    amount=float(amounts.get(key, Fraction(0))),
                )
            )
    residual = delta - sum(amounts.values(), Fraction(0))
    return Attribution(
        before=float(old.score),
        after=float(new.score),
        delta=float(delta),
        contributions=tuple(contributions),
        residual=float(residual),
    )
