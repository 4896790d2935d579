import datetime as dt

import pytest
from django.utils import timezone

from readiness.models import Trigger
from readiness.selectors import projects
from readiness.selectors.projects import Origin
from tests import factories
from tests.readiness.dashboard_builders import add_history


@pytest.fixture
def project(db):
    return factories.ProjectFactory()


def test_it_downsamples_a_long_chart_keeping_both_ends_and_a_lone_drop(project):
    version = factories.ChecklistVersionFactory(project=project)
    history = add_history(project, version, projects.CHART_MAX_POINTS + 500)
    drop = history[777]
    type(drop).objects.filter(pk=drop.pk).update(score=0.5)
    chart = projects.score_history(project=project, since=None)
    assert len(chart.points) == projects.CHART_MAX_POINTS
    assert chart.total == projects.CHART_MAX_POINTS + 500 and chart.downsampled
    ids = [p.assessment_id for p in chart.points]
    assert ids[0] == history[0].pk and ids[-1] == history[-1].pk
    assert drop.pk in ids


def test_a_zoom_window_holds_every_point_between_its_ends(project):
    version = factories.ChecklistVersionFactory(project=project)
    history = add_history(project, version, projects.CHART_MAX_POINTS + 500)
    start, end = history[100].evaluated_at, history[160].evaluated_at
    _, chart = projects.chart_history(
        project=project, latest_at=history[-1].evaluated_at, chart_range="all", window=(start, end)
    )
    assert [p.assessment_id for p in chart.points] == [a.pk for a in history[100:161]]
    assert not chart.downsampled


def test_it_limits_the_chart_to_a_time_window(project):
    version = factories.ChecklistVersionFactory(project=project)
    history = add_history(project, version, 30)
    since = history[-1].evaluated_at - dt.timedelta(days=9)
    assert len(projects.score_history(project=project, since=since).points) == 10


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

    history = projects.score_history(project=project, since=None)

    assert history.categories == [("security", "Security")]


def test_it_puts_manual_checks_awaiting_or_expiring_first(project):
    version = factories.ChecklistVersionFactory(project=project)
    category = factories.CategoryFactory(checklist=version)
    keys = ["valid", "expiring", "never", "expired"]
    for position, key in enumerate(keys):
        factories.CheckFactory(
            checklist=version, category=category, key=key, type="manual", position=position
        )
    now = timezone.now()
    for key, until in [
        ("valid", now + dt.timedelta(days=80)),
        ("expiring", now + dt.timedelta(days=5)),
        ("expired", now - dt.timedelta(days=1)),
    ]:
        factories.AttestationFactory(
            project=project,
            check_key=key,
            attested_at=now - dt.timedelta(days=10),
            valid_until=until,
        )

    panel = projects.manual_panel(
        projects.manual_checks(project=project, checklist=version, now=now)
    )

    assert [row.check.key for row in panel.first] == ["never", "expired", "expiring"]
    assert [row.check.key for row in panel.rest] == ["valid"]


def test_it_gives_each_chart_point_its_origin_and_checklist_version(project):
    v1 = factories.ChecklistVersionFactory(project=project, number=1)
    v2 = factories.ChecklistVersionFactory(project=project, number=2)
    now = timezone.now()
    claimed = factories.AssessmentFactory(
        project=project,
        checklist=v1,
        trigger=Trigger.IMPORT,
        claimed=True,
        evaluated_at=now - dt.timedelta(days=3),
    )
    backfilled = factories.AssessmentFactory(
        project=project,
        checklist=v1,
        trigger=Trigger.BACKFILL,
        evaluated_at=now - dt.timedelta(days=2),
    )
    measured = [
        factories.AssessmentFactory(
            project=project, checklist=v2, trigger=trigger, evaluated_at=now - dt.timedelta(hours=h)
        )
        for h, trigger in ((3, Trigger.MANUAL), (2, Trigger.SCHEDULE), (1, Trigger.CLI))
    ]

    points = projects.score_history(project=project, since=None).points

    assert [(p.assessment_id, p.origin, p.checklist_number) for p in points] == [
        (claimed.pk, Origin.CLAIMED, 1),
        (backfilled.pk, Origin.BACKFILLED, 1),
        *((a.pk, Origin.MEASURED, 2) for a in measured),
    ]


def test_the_default_chart_range_shows_everything_when_3_months_hold_one_point(project):
    version = factories.ChecklistVersionFactory(project=project)
    old = add_history(project, version, 5, end=timezone.now() - dt.timedelta(days=200))
    latest = factories.AssessmentFactory(project=project, checklist=version)

    shown, history = projects.chart_history(
        project=project, latest_at=latest.evaluated_at, chart_range=None
    )

    assert shown == "all"
    assert [p.assessment_id for p in history.points] == [a.pk for a in old] + [latest.pk]


def test_a_chosen_range_is_kept_even_when_nearly_empty(project):
    version = factories.ChecklistVersionFactory(project=project)
    add_history(project, version, 5, end=timezone.now() - dt.timedelta(days=200))
    latest = factories.AssessmentFactory(project=project, checklist=version)

    shown, history = projects.chart_history(
        project=project, latest_at=latest.evaluated_at, chart_range="90d"
    )

    assert shown == "90d"
    assert [p.assessment_id for p in history.points] == [latest.pk]


def test_the_default_chart_range_is_3_months_when_they_hold_two_points(project):
    version = factories.ChecklistVersionFactory(project=project)
    add_history(project, version, 5, end=timezone.now() - dt.timedelta(days=200))
    recent = add_history(project, version, 2)

    shown, history = projects.chart_history(
        project=project, latest_at=recent[-1].evaluated_at, chart_range="bogus"
    )

    assert shown == "90d"
    assert [p.assessment_id for p in history.points] == [a.pk for a in recent]
