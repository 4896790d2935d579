"""Levels and waivers in the score formula: the achieved level is the highest whose
required checks all hold, and a waived check counts as if it were not in the checklist,
except that the verdict lists it."""

from __future__ import annotations

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from readiness.scoring import LevelCard, ScoredCheck, level_card, score_checks

LEVELS = ("bronze", "silver", "gold")
STATUSES = ("pass", "warn", "fail", "error", "skip", "waived")
HOLDS = {"pass", "warn", "skip", "waived"}
CATEGORIES = ("sec", "ops")


def check(key, status, level="", category="sec", weight=1.0, severity="medium"):
    return ScoredCheck(
        key=key, category=category, status=status, weight=weight, severity=severity, level=level
    )


# Worked examples.


def test_it_has_no_level_without_levels():
    assert level_card([check("a", "pass")], ()) is None
    assert score_checks([check("a", "pass")], {"sec": 1}).level is None


def test_it_achieves_the_highest_level_whose_checks_and_the_lower_ones_all_hold():
    card = level_card(
        [
            check("a", "pass"),  # no level: the lowest
            check("b", "warn", "silver"),
            check("c", "fail", "gold"),
            check("d", "pass", "gold"),
        ],
        LEVELS,
    )

    assert card == LevelCard(levels=LEVELS, achieved="silver", next="gold", blockers=("c",))


def test_a_failing_lower_check_blocks_every_level_above_it():
    card = level_card(
        [check("a", "error", "bronze"), check("b", "pass", "silver"), check("c", "fail", "gold")],
        LEVELS,
    )

    assert (card.achieved, card.next, card.blockers) == (None, "bronze", ("a",))


def test_waived_and_skipped_checks_do_not_block_a_level():
    card = level_card(
        [check("a", "waived"), check("b", "skip", "silver"), check("c", "pass", "gold")], LEVELS
    )

    assert (card.achieved, card.next, card.blockers) == ("gold", None, ())


def test_it_refuses_a_level_the_checklist_does_not_have():
    with pytest.raises(ValueError, match="unknown level 'platinum'"):
        level_card([check("a", "pass", "platinum")], LEVELS)


def test_a_waived_check_is_neither_scored_nor_counted_in_coverage():
    card = score_checks(
        [check("a", "pass"), check("b", "fail"), check("c", "error"), check("d", "waived")],
        {"sec": 1},
    )

    assert card.score == 5.0
    assert card.coverage == pytest.approx(2 / 3)


def test_a_waived_critical_check_does_not_block_the_verdict_and_is_listed():
    card = score_checks(
        [
            check("a", "pass"),
            check("b", "waived", severity="critical"),
            check("c", "waived"),
        ],
        {"sec": 1},
    )

    assert card.verdict == "ready"
    assert card.reasons == ({"code": "waived", "count": 2, "checks": ["b", "c"]},)


def test_a_not_ready_verdict_lists_its_waivers_after_what_blocks_it():
    card = score_checks([check("a", "fail"), check("b", "waived")], {"sec": 1})

    assert card.verdict == "not-ready"
    assert [reason["code"] for reason in card.reasons] == ["score_below", "waived"]


# Properties.


@st.composite
def leveled_checklists(draw):
    keys = draw(st.lists(st.sampled_from([f"k{i}" for i in range(12)]), unique=True))
    return [
        check(
            key,
            draw(st.sampled_from(STATUSES)),
            draw(st.sampled_from(("", *LEVELS))),
            draw(st.sampled_from(CATEGORIES)),
            draw(st.floats(min_value=0.01, max_value=100)),
            draw(st.sampled_from(("medium", "critical"))),
        )
        for key in keys
    ]


def required_by(checks, level):
    rank = LEVELS.index(level)
    return [c for c in checks if LEVELS.index(c.level or LEVELS[0]) <= rank]


@given(leveled_checklists())
def test_the_level_is_the_highest_whose_required_checks_all_hold(checks):
    card = score_checks(checks, {key: 1 for key in CATEGORIES}, levels=LEVELS).level

    holding = [
        level for level in LEVELS if all(c.status in HOLDS for c in required_by(checks, level))
    ]
    assert card.achieved == (holding[-1] if holding else None)
    above = LEVELS[LEVELS.index(card.achieved) + 1 :] if card.achieved else LEVELS
    assert card.next == (above[0] if above else None)
    if card.next is None:
        assert card.blockers == ()
    else:
        assert set(card.blockers) == {
            c.key for c in required_by(checks, card.next) if c.status not in HOLDS
        }
        assert card.blockers


@given(leveled_checklists(), st.data())
def test_a_waived_check_scores_as_if_it_were_not_in_the_checklist(checks, data):
    assume(checks)
    index = data.draw(st.integers(min_value=0, max_value=len(checks) - 1))
    waived = [*checks]
    original = checks[index]
    waived[index] = check(
        original.key, "waived", original.level, original.category, original.weight, "critical"
    )
    weights = {key: 1 for key in CATEGORIES}
    without = score_checks(checks[:index] + checks[index + 1 :], weights)
    card = score_checks(waived, weights)

    assert (card.score, card.coverage, card.categories) == (
        without.score,
        without.coverage,
        without.categories,
    )
    assert card.verdict == without.verdict
    assert original.key in card.reasons[-1]["checks"]
