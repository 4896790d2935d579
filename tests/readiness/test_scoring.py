"""The score formula of issue 2, section 2: worked examples computed by hand from the
formula, and properties that must hold for any checklist."""

from __future__ import annotations

import math
import random

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from readiness.scoring import (
    Attribution,
    ScoredCheck,
    attribute_change,
    credit,
    score_checks,
)

SCORED = ("pass", "warn", "fail")
STATUSES = (*SCORED, "error", "skip")
CREDIT = {"pass": 1.0, "warn": 0.5, "fail": 0.0}
BETTER = {"fail": ("warn", "pass"), "warn": ("pass",)}


def check(key, category, status, weight=1.0, severity="medium"):
    return ScoredCheck(key=key, category=category, status=status, weight=weight, severity=severity)


def coefficients(checks, weights):
    """What one unit of credit of each scored check is worth in the overall score, straight
    from the formula: 10 × category share × share inside the category."""
    scored = [c for c in checks if c.status in SCORED]
    inside = {}
    for c in scored:
        inside[c.category] = inside.get(c.category, 0.0) + c.weight
    total = sum(weights[key] for key in inside)
    return {c.key: 10 * weights[c.category] / total * c.weight / inside[c.category] for c in scored}


def sums_exactly(attribution: Attribution) -> bool:
    parts = sum(c.amount for c in attribution.contributions) + attribution.residual
    return math.isclose(parts, attribution.delta, rel_tol=0, abs_tol=1e-9)


# Worked examples.


def test_it_gives_the_credits_of_the_issue():
    assert [credit(s) for s in STATUSES] == [1.0, 0.5, 0.0, None, None]


def test_it_scores_a_category_as_ten_times_the_weighted_mean_credit():
    card = score_checks(
        [check("a", "sec", "pass", 2), check("b", "sec", "warn", 1), check("c", "sec", "fail", 1)],
        {"sec": 1},
    )
    expected = 10 * (2 * 1 + 1 * 0.5 + 1 * 0) / (2 + 1 + 1)
    assert card.categories[0].score == pytest.approx(expected)
    assert card.score == pytest.approx(expected)


def test_it_leaves_error_and_skip_checks_out_of_the_category_score():
    card = score_checks(
        [
            check("a", "sec", "pass", 1),
            check("b", "sec", "fail", 3),
            check("c", "sec", "error", 5),
            check("d", "sec", "skip", 7),
        ],
        {"sec": 1},
    )
    assert card.score == pytest.approx(10 * (1 * 1 + 3 * 0) / (1 + 3))


def test_it_weights_categories_and_ignores_those_without_a_score():
    card = score_checks(
        [
            check("a", "sec", "pass"),
            check("b", "sec", "warn"),
            check("c", "ops", "fail"),
            check("d", "ops", "pass"),
            check("e", "obs", "error"),
        ],
        {"sec": 2, "ops": 1, "obs": 5},
    )
    sec = 10 * (1 + 0.5) / 2
    ops = 10 * (0 + 1) / 2
    assert [c.key for c in card.categories] == ["sec", "ops", "obs"]
    assert [c.score for c in card.categories] == [pytest.approx(sec), pytest.approx(ops), None]
    assert card.score == pytest.approx((2 * sec + 1 * ops) / (2 + 1))


def test_it_measures_coverage_as_the_scored_share_of_the_non_skip_weight():
    card = score_checks(
        [
            check("a", "sec", "pass", 3),
            check("b", "sec", "error", 1),
            check("c", "sec", "skip", 10),
            check("d", "ops", "fail", 1),
            check("e", "obs", "skip", 1),
        ],
        {"sec": 2, "ops": 1, "obs": 4},
    )
    # obs has only skipped checks, so it holds no share of the weight.
    sec_coverage = 3 / (3 + 1)
    assert [c.coverage for c in card.categories] == [pytest.approx(sec_coverage), 1.0, None]
    assert card.coverage == pytest.approx((2 * sec_coverage + 1 * 1.0) / (2 + 1))


def test_it_gives_a_category_without_checks_no_score_and_no_coverage():
    card = score_checks([check("a", "ops", "pass")], {"sec": 1, "ops": 1})
    assert card.categories[0].score is None
    assert card.categories[0].coverage is None
    assert card.score == 10.0


def test_it_reaches_a_threshold_exactly_whatever_the_weights():
    checks = [
        check("a", "c", "pass", 0.9),
        check("b", "c", "pass", 0.2),
        check("c", "c", "pass", 0.6),
    ]
    # Plain float arithmetic gives 9.999999999999998 here.
    assert 10 * (0.9 + 0.2 + 0.6) / (0.9 + 0.2 + 0.6) < 10
    card = score_checks(checks, {"c": 1}, ready_at=10.0)
    assert card.score == 10.0
    assert card.verdict == "ready"


def test_it_is_ready_when_score_coverage_and_critical_checks_allow_it():
    checks = [check(f"k{i}", "sec", "pass") for i in range(8)]
    checks += [check("w", "sec", "warn", severity="critical"), check("e", "sec", "error")]
    card = score_checks(checks, {"sec": 1}, ready_at=9.0)
    assert card.score == pytest.approx(10 * (8 + 0.5) / 9)
    assert card.coverage == pytest.approx(9 / 10)
    assert card.verdict == "ready"
    assert card.reasons == ()


def test_it_is_ready_at_exactly_the_ready_at_score_and_the_minimum_coverage():
    checks = [check(f"p{i}", "c", "pass") for i in range(3)]
    checks += [check("f", "c", "fail"), check("e", "c", "error")]
    card = score_checks(checks, {"c": 1}, ready_at=10 * 3 / 4)
    assert card.coverage == 4 / 5
    assert card.verdict == "ready"


def test_it_lists_every_reason_for_not_ready():
    card = score_checks(
        [
            check("a", "sec", "fail", severity="critical"),
            check("b", "sec", "error", severity="critical"),
            check("c", "sec", "pass"),
            check("d", "sec", "error", severity="high"),
        ],
        {"sec": 1},
        ready_at=8.0,
    )
    assert card.verdict == "not-ready"
    assert card.reasons == (
        {"code": "score_below", "score": pytest.approx(10 * 1 / 2), "ready_at": 8.0},
        {"code": "critical", "check": "a", "status": "fail"},
        {"code": "critical", "check": "b", "status": "error"},
        {"code": "coverage_below", "coverage": pytest.approx(2 / 4), "minimum": 0.8},
    )


def test_it_has_no_score_and_no_coverage_when_everything_is_skipped():
    card = score_checks([check("a", "sec", "skip")], {"sec": 1})
    assert card.score is None
    assert card.coverage is None
    assert card.reasons == ({"code": "no_score"},)


@pytest.mark.parametrize(
    ("checks", "weights", "message"),
    [
        ([check("a", "sec", "passed")], {"sec": 1}, "unknown status 'passed'"),
        ([check("a", "ops", "pass")], {"sec": 1}, "unknown category 'ops'"),
        ([check("a", "sec", "pass"), check("a", "sec", "fail")], {"sec": 1}, "'a' appears twice"),
        ([check("a", "sec", "pass", 0)], {"sec": 1}, "weight of check 'a'"),
        ([check("a", "sec", "pass")], {"sec": -1}, "weight of category 'sec'"),
        ([check("a", "sec", "pass", math.inf)], {"sec": 1}, "finite number > 0"),
    ],
)
def test_it_rejects_inputs_the_formula_cannot_score(checks, weights, message):
    with pytest.raises(ValueError, match=message):
        score_checks(checks, weights)


def test_it_attributes_a_status_change_as_coefficient_times_credit_change():
    before = [
        check("webhook", "sec", "fail"),
        check("csp", "sec", "pass", 2),
        check("alerts", "obs", "warn"),
        check("pager", "obs", "error"),
    ]
    after = [
        check("webhook", "sec", "pass"),
        check("csp", "sec", "pass", 2),
        check("alerts", "obs", "fail"),
        check("pager", "obs", "error"),
    ]
    weights = {"sec": 2, "obs": 1}
    webhook = 10 * (2 / 3) * (1 / 3)
    alerts = 10 * (1 / 3) * (1 / 1)
    attribution = attribute_change(before, weights, after, weights)
    amounts = {c.key: c.amount for c in attribution.contributions}
    assert amounts == {
        "webhook": pytest.approx(webhook * (1 - 0)),
        "alerts": pytest.approx(alerts * (0 - 0.5)),
    }
    assert attribution.residual == 0
    assert attribution.delta == pytest.approx(webhook - alerts / 2)
    assert [(c.before, c.after) for c in attribution.contributions] == [
        ("fail", "pass"),
        ("warn", "fail"),
    ]


def test_it_gives_a_newly_scored_check_the_whole_change_it_alone_causes():
    weights = {"sec": 1, "ops": 1}
    before = [check("a", "sec", "pass"), check("b", "sec", "fail"), check("c", "ops", "error")]
    after = [check("a", "sec", "pass"), check("b", "sec", "fail"), check("c", "ops", "pass")]
    attribution = attribute_change(before, weights, after, weights)
    assert attribution.before == pytest.approx(10 * 1 / 2)
    assert attribution.after == pytest.approx((10 * 1 / 2 + 10) / 2)
    assert [(c.key, c.before, c.after) for c in attribution.contributions] == [
        ("c", "error", "pass")
    ]
    assert attribution.contributions[0].amount == pytest.approx(attribution.delta)
    assert attribution.residual == 0


def test_it_gives_a_removed_check_its_own_negative_contribution():
    weights = {"sec": 1}
    before = [check("a", "sec", "pass"), check("b", "sec", "pass"), check("c", "sec", "fail")]
    after = [check("a", "sec", "pass"), check("c", "sec", "fail")]
    attribution = attribute_change(before, weights, after, weights)
    assert attribution.delta == pytest.approx(10 * 1 / 2 - 10 * 2 / 3)
    assert [(c.key, c.before, c.after) for c in attribution.contributions] == [("b", "pass", None)]
    assert attribution.contributions[0].amount == pytest.approx(attribution.delta)
    assert attribution.residual == 0


def test_it_puts_a_weight_change_in_the_residual():
    before = [check("a", "sec", "pass", 1), check("b", "sec", "fail", 1)]
    after = [check("a", "sec", "pass", 3), check("b", "sec", "fail", 1)]
    attribution = attribute_change(before, {"sec": 1}, after, {"sec": 1})
    assert attribution.contributions == ()
    assert attribution.residual == pytest.approx(10 * 3 / 4 - 10 * 1 / 2)
    assert attribution.residual == attribution.delta


def test_it_splits_a_mixed_change_between_checks_and_residual_exactly():
    before = [check("a", "sec", "fail"), check("b", "sec", "pass"), check("c", "ops", "warn")]
    after = [check("a", "sec", "pass", 2), check("c", "obs", "pass"), check("d", "ops", "error")]
    attribution = attribute_change(
        before, {"sec": 1, "ops": 1}, after, {"sec": 3, "obs": 1, "ops": 1}
    )
    assert [(c.key, c.before, c.after) for c in attribution.contributions] == [
        ("a", "fail", "pass"),
        ("c", "warn", "pass"),
        ("d", None, "error"),
        ("b", "pass", None),
    ]
    assert sums_exactly(attribution)


def test_it_attributes_nothing_when_a_side_has_no_score():
    before = [check("a", "sec", "error")]
    after = [check("a", "sec", "pass")]
    attribution = attribute_change(before, {"sec": 1}, after, {"sec": 1})
    assert attribution == Attribution(
        before=None, after=10.0, delta=0.0, contributions=(), residual=0.0
    )


README_WEIGHTS = {"security": 2, "monitoring": 1, "scalability": 1}
README_BEFORE = [
    check("stripe-webhook-signature", "security", "pass", 2, "critical"),
    check("csp-header", "security", "warn"),
    check("no-secrets-in-repo", "security", "fail"),
    check("pentest-attested", "security", "error"),
    check("alerts-configured", "monitoring", "pass"),
    check("uptime-probe", "monitoring", "pass"),
    check("deploy-dry-run", "monitoring", "skip"),
    check("cpu-headroom", "scalability", "error"),
]


def test_it_reproduces_the_worked_example_of_the_readme():
    card = score_checks(README_BEFORE, README_WEIGHTS, ready_at=8.0)
    security = 10 * (2 * 1 + 1 * 0.5 + 1 * 0) / (2 + 1 + 1)
    overall = (2 * security + 1 * 10) / (2 + 1)
    coverage = (2 * (4 / 5) + 1 * 1 + 1 * 0) / (2 + 1 + 1)
    assert [c.score for c in card.categories] == [pytest.approx(security), 10, None]
    assert card.score == pytest.approx(overall)
    assert card.coverage == pytest.approx(coverage)
    assert [r["code"] for r in card.reasons] == ["score_below", "coverage_below"]


def test_it_reproduces_the_attribution_example_of_the_readme():
    after = [*README_BEFORE]
    after[2] = check("no-secrets-in-repo", "security", "pass")
    after[7] = check("cpu-headroom", "scalability", "pass")
    attribution = attribute_change(README_BEFORE, README_WEIGHTS, after, README_WEIGHTS)
    core_after = (2 * (10 * 3.5 / 4) + 1 * 10) / (2 + 1)
    assert {c.key: c.amount for c in attribution.contributions} == {
        "no-secrets-in-repo": pytest.approx((2 / 3) * (1 / 4) * 10),
        "cpu-headroom": pytest.approx((1 / 4) * (10 - core_after)),
    }
    assert attribution.residual == 0
    assert attribution.after == pytest.approx((2 * (10 * 3.5 / 4) + 10 + 10) / 4)
    assert score_checks(after, README_WEIGHTS).verdict == "ready"


# Properties.

CATEGORIES = ("sec", "ops", "obs", "perf")
weights_st = st.floats(min_value=0.01, max_value=100, allow_nan=False, allow_infinity=False)
category_weights_st = st.fixed_dictionaries({key: weights_st for key in CATEGORIES})


@st.composite
def checklists(draw, statuses=STATUSES, min_size=0, keys=None):
    keys = (
        keys
        if keys is not None
        else draw(
            st.lists(st.sampled_from([f"k{i}" for i in range(12)]), unique=True, min_size=min_size)
        )
    )
    return [
        check(
            key,
            draw(st.sampled_from(CATEGORIES)),
            draw(st.sampled_from(statuses)),
            draw(weights_st),
            draw(st.sampled_from(("low", "medium", "high", "critical"))),
        )
        for key in keys
    ]


@given(checklists(), category_weights_st, st.floats(min_value=0, max_value=10))
def test_it_keeps_scores_and_coverage_within_bounds(checks, weights, ready_at):
    card = score_checks(checks, weights, ready_at=ready_at)
    values = [card.score, *(c.score for c in card.categories)]
    assert all(0 <= v <= 10 for v in values if v is not None)
    coverages = [card.coverage, *(c.coverage for c in card.categories)]
    assert all(0 <= v <= 1 for v in coverages if v is not None)
    assert (card.verdict == "ready") == (card.reasons == ())


@given(checklists(min_size=1), category_weights_st, st.data())
def test_it_never_lowers_a_score_when_one_check_improves(checks, weights, data):
    improvable = [i for i, c in enumerate(checks) if c.status in BETTER]
    assume(improvable)
    index = data.draw(st.sampled_from(improvable))
    better = data.draw(st.sampled_from(BETTER[checks[index].status]))
    improved = [*checks]
    improved[index] = check(checks[index].key, checks[index].category, better, checks[index].weight)
    old = score_checks(checks, weights)
    new = score_checks(improved, weights)
    assert new.score >= old.score
    category = checks[index].category
    old_category = next(c for c in old.categories if c.key == category)
    new_category = next(c for c in new.categories if c.key == category)
    assert new_category.score >= old_category.score
    assert new.coverage == old.coverage


@given(checklists(), category_weights_st, st.randoms(use_true_random=False))
def test_it_gives_the_same_card_when_recomputed_in_any_order(checks, weights, rnd: random.Random):
    card = score_checks(checks, weights)
    assert score_checks(list(checks), dict(weights)) == card
    shuffled = [*checks]
    rnd.shuffle(shuffled)
    reordered = score_checks(shuffled, weights)
    assert (reordered.score, reordered.coverage, reordered.categories) == (
        card.score,
        card.coverage,
        card.categories,
    )


@given(checklists(), checklists(statuses=("skip",)), category_weights_st)
def test_it_is_not_moved_by_skipped_checks(checks, skipped, weights):
    keys = {c.key for c in checks}
    extra = [check(f"s-{c.key}", c.category, "skip", c.weight, c.severity) for c in skipped]
    assume(not keys & {c.key for c in extra})
    plain = score_checks(checks, weights)
    with_skips = score_checks([*checks, *extra], weights)
    assert (with_skips.score, with_skips.coverage) == (plain.score, plain.coverage)
    assert with_skips.verdict == plain.verdict


@given(checklists(statuses=("error",), min_size=1), category_weights_st)
def test_it_has_no_score_and_zero_coverage_when_every_check_errs(checks, weights):
    card = score_checks(checks, weights)
    assert card.score is None
    assert card.coverage == 0
    assert card.verdict == "not-ready"
    assert card.reasons[0] == {"code": "no_score"}


@given(checklists(), category_weights_st, checklists(), category_weights_st)
def test_it_attributes_the_whole_delta_exactly(before, before_weights, after, after_weights):
    attribution = attribute_change(before, before_weights, after, after_weights)
    assert sums_exactly(attribution)
    old = score_checks(before, before_weights).score
    new = score_checks(after, after_weights).score
    if old is not None and new is not None:
        assert attribution.delta == pytest.approx(new - old, abs=1e-9)
    else:
        assert attribution.delta == 0


@given(checklists(), category_weights_st, checklists(), category_weights_st)
def test_it_negates_every_amount_when_before_and_after_swap(
    before, before_weights, after, after_weights
):
    forward = attribute_change(before, before_weights, after, after_weights)
    backward = attribute_change(after, after_weights, before, before_weights)
    assert {c.key: c.amount for c in forward.contributions} == pytest.approx(
        {c.key: -c.amount for c in backward.contributions}, abs=1e-12
    )
    assert forward.residual == pytest.approx(-backward.residual, abs=1e-12)


@given(checklists(statuses=SCORED, min_size=1), category_weights_st, st.data())
def test_it_attributes_linearly_when_only_scored_statuses_change(checks, weights, data):
    after = [
        check(c.key, c.category, data.draw(st.sampled_from(SCORED)), c.weight, c.severity)
        for c in checks
    ]
    attribution = attribute_change(checks, weights, after, weights)
    coefficient = coefficients(checks, weights)
    expected = {
        old.key: coefficient[old.key] * (CREDIT[new.status] - CREDIT[old.status])
        for old, new in zip(checks, after, strict=True)
        if old.status != new.status
    }
    assert {c.key: c.amount for c in attribution.contributions} == pytest.approx(expected)
    assert attribution.residual == 0


@settings(max_examples=200)
@given(st.data(), category_weights_st)
def test_it_leaves_no_residual_when_checks_only_enter_or_leave(data, weights):
    keys = [f"k{i}" for i in range(10)]
    core = data.draw(checklists(statuses=SCORED, keys=keys[:4]))
    gone = data.draw(checklists(keys=keys[4:7]))
    new = data.draw(checklists(keys=keys[7:]))
    attribution = attribute_change([*core, *gone], weights, [*core, *new], weights)
    assert attribution.residual == pytest.approx(0, abs=1e-9)
    assert sums_exactly(attribution)
