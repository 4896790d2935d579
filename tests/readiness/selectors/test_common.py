import pytest

from readiness.models import AssessmentStatus
from readiness.selectors import common
from tests import factories
from tests.readiness.dashboard_builders import add_history


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
        found = common.latest_done([project.pk, other.pk], count=3)
    assert [a.pk for a in found[project.pk]] == [a.pk for a in reversed(history[-3:])]
    assert len(found[other.pk]) == 2


def test_it_finds_the_latest_assessment_at_a_past_time(project):
    version = factories.ChecklistVersionFactory(project=project)
    history = add_history(project, version, 5)
    found = common.latest_done([project.pk], count=1, at_or_before=history[2].evaluated_at)
    assert found[project.pk] == [history[2]]
