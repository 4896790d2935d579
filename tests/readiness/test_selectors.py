import datetime as dt

import pytest
from django.utils import timezone

from readiness import selectors
from readiness.models import AssessmentStatus
from readiness.scoring import ScoredCheck, score_checks
from tests import factories
from tests.readiness.dashboard_builders import add_history, add_results


@pytest.fixture
def project(db):
    return factories.ProjectFactory()


def test_it_returns_the_last_n_finished_assessments_of_each_project_newest_first(
    project, django_assert_num_queries
):
    version = factories.ChecklistVersionFactory(project=project)
    history = add_history(project, version, 5)
    factories.AssessmentFactory(project=project, checklist=version, status=AssessmentStatus.RUNNING)
    other = factories.ProjectFactory()
    add_history(other, factories.ChecklistVersionFactory(project=other), 2)
    with django_assert_num_queries(1):
        found = selectors.latest_done([project.pk, other.pk], count=3)
    assert [a.pk for a in found[project.pk]] == [a.pk for a in reversed(history[-3:])]
    assert len(found[other.pk]) == 2


def test_it_finds_the_latest_assessment_at_a_past_time(project):
    version = factories.ChecklistVersionFactory(project=project)
    history = add_history(project, version, 5)
    found = selectors.latest_done([project.pk], count=1, at_or_before=history[2].evaluated_at)
    assert found[project.pk] == [history[2]]


def test_it_thins_a_long_chart_evenly_keeping_both_ends(project):
    version = factories.ChecklistVersionFactory(project=project)
    history = add_history(project, version, selectors.CHART_MAX_POINTS + 50)
    points = selectors.score_history(project=project, since=None).points
    assert len(points) == selectors.CHART_MAX_POINTS
    assert points[0].assessment_id == history[0].pk
    assert points[-1].assessment_id == history[-1].pk


def test_it_limits_the_chart_to_a_time_window(project):
    version = factories.ChecklistVersionFactory(project=project)
    history = add_history(project, version, 30)
    since = history[-1].evaluated_at - dt.timedelta(days=9)
    assert len(selectors.score_history(project=project, since=since).points) == 10


def test_it_names_chart_categories_after_the_newest_point_not_the_newest_row(project):
    version = factories.ChecklistVersionFactory(project=project)
    now = timezone.now()
    newest = factories.AssessmentFactory(project=project, checklist=version, evaluated_at=now)
    factories.CategoryScoreFactory(assessment=newest, key="security", name="Security")
    # Created later, dated earlier: a document imported after the measured run.
    imported = factories.AssessmentFactory(
        project=project, checklist=version, evaluated_at=now - dt.timedelta(days=30)
    )
    factories.CategoryScoreFactory(assessment=imported, key="security", name="Sécurité")

    history = selectors.score_history(project=project, since=None)

    assert history.categories == [("security", "Security")]


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
    comparison = selectors.comparison(before=before, after=after)
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
        comparison = selectors.comparison(before=before, after=after)
    names = {c.key: c.name for c in categories}
    assert len(comparison.contributions) == len(checks)
    assert {(c.category, c.category_name) for c in comparison.contributions} == set(names.items())


def test_it_lists_expiring_attestations_in_the_standup_digest(project):
    now = timezone.now()
    factories.AttestationFactory(project=project, valid_until=now + dt.timedelta(days=3))
    factories.AttestationFactory(
        project=project, check_key="later", valid_until=now + dt.timedelta(days=30)
    )
    digest = selectors.standup_digest(team=project.team, since=now - dt.timedelta(days=1), now=now)
    assert [a.check_key for a in digest[0].expiring] == ["check-0"]
