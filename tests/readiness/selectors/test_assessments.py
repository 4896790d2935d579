import pytest

from readiness.scoring import ScoredCheck, score_checks
from readiness.selectors import assessments
from tests import factories
from tests.readiness.dashboard_builders import add_history, add_results


@pytest.fixture
def project(db):
    return factories.ProjectFactory()


def test_its_attribution_sums_to_the_recomputed_change(project):
    version = factories.ChecklistVersionFactory(project=project)
    security = factories.CategoryFactory(checklist=version, key="security", weight=2)
    ops = factories.CategoryFactory(checklist=version, key="ops", weight=1)
    checks = [
        factories.CheckFactory(checklist=version, category=category, key=key, type="grep")
        for category, key in [(security, "a"), (security, "b"), (ops, "c")]
    ]
    before, after = add_history(project, version, 2)
    add_results(before, dict(zip(checks, ["fail", "pass", "warn"], strict=True)))
    add_results(after, dict(zip(checks, ["pass", "fail", "pass"], strict=True)))
    comparison = assessments.comparison(before=before, after=after)
    weights = {"security": 2, "ops": 1}

    def recomputed(statuses):
        scored = [
            ScoredCheck(key=c.key, category=c.category.key, status=s)
            for c, s in zip(checks, statuses, strict=True)
        ]
        return score_checks(scored, weights).score

    delta = recomputed(["pass", "fail", "pass"]) - recomputed(["fail", "pass", "warn"])
    total = sum(c.amount for c in comparison.contributions) + comparison.attribution.residual
    assert total == pytest.approx(delta, abs=1e-9)
    assert {c.key for c in comparison.contributions} == {"a", "b", "c"}
    assert [c.key for c in comparison.fixed] == ["a"]
    assert [c.key for c in comparison.newly_failing] == ["b"]


def test_it_names_the_categories_of_a_comparison_in_three_queries(
    project, django_assert_num_queries
):
    version = factories.ChecklistVersionFactory(project=project)
    categories = [
        factories.CategoryFactory(checklist=version, key=key, name=name)
        for key, name in [("security", "Security"), ("ops", "Operations")]
    ]
    checks = [
        factories.CheckFactory(checklist=version, category=category, key=f"check-{i}")
        for i, category in enumerate(categories * 5)
    ]
    before, after = add_history(project, version, 2)
    add_results(before, {check: "fail" for check in checks})
    add_results(after, {check: "pass" for check in checks})
    with django_assert_num_queries(3):
        comparison = assessments.comparison(before=before, after=after)
    names = {c.key: c.name for c in categories}
    assert len(comparison.contributions) == len(checks)
    assert {(c.category, c.category_name) for c in comparison.contributions} == set(names.items())
