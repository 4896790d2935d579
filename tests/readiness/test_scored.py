"""The one adapter from checks and their statuses to scoring (readiness/scored.py)."""

import pytest

from checks.spec import CategorySpec, Checklist, CheckSpec, Outcome, Severity, Status
from readiness.scored import checklist_scorecard, scored_check
from readiness.scoring import ScoredCheck
from tests import factories


@pytest.mark.django_db
def test_it_reads_a_stored_check_with_its_categorys_key():
    check = factories.CheckFactory(key="tls", weight=2.0, severity="critical")

    assert scored_check(check, "warn") == ScoredCheck(
        key="tls",
        category=check.category.key,
        status="warn",
        weight=2.0,
        severity="critical",
    )


def test_it_reads_a_checklist_files_check_the_same_way():
    spec = CheckSpec(
        key="tls", name="TLS", type="grep", category="security", severity=Severity.HIGH
    )

    assert scored_check(spec, "pass") == ScoredCheck(
        key="tls", category="security", status="pass", weight=1.0, severity="high"
    )


def test_it_scores_a_run_that_is_not_stored_with_its_category_weights():
    checklist = Checklist(
        name="Shop",
        ready_at=5.0,
        categories=(
            CategorySpec(
                key="security",
                name="Security",
                weight=3.0,
                checks=(CheckSpec(key="tls", name="TLS", type="grep", category="security"),),
            ),
            CategorySpec(
                key="docs",
                name="Docs",
                weight=1.0,
                checks=(CheckSpec(key="readme", name="README", type="file", category="docs"),),
            ),
        ),
    )
    outcomes = {"tls": Outcome(Status.PASS, "ok"), "readme": Outcome(Status.FAIL, "missing")}

    card = checklist_scorecard(checklist, outcomes)

    assert card.score == pytest.approx(7.5)
    assert [(c.key, c.weight, c.score) for c in card.categories] == [
        ("security", 3.0, 10.0),
        ("docs", 1.0, 0.0),
    ]
    assert card.verdict == "ready"
