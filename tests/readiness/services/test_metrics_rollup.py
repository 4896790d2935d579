"""The running totals of /metrics (readiness/services/metrics_rollup.py): a scrape reads
the same numbers with and without them, assessments settling out of id order are
counted once, retention no longer lowers the counters, and the scrape's queries do not
grow with history."""

import datetime as dt
import threading

import pytest
from django.db import connection, connections, transaction
from django.utils import timezone

from readiness import tasks
from readiness.models import (
    Assessment,
    AssessmentStatus,
    CheckResult,
    MetricsAssessmentTotal,
    MetricsDurationTotal,
    ResultStatus,
    Trigger,
)
from readiness.selectors.metrics import metrics_service
from readiness.services.metrics_rollup import metrics_rollup
from readiness.services.retention import retention_apply
from tests import factories

pytestmark = pytest.mark.django_db


def history(project, checklist, checks, *, points: int, start_days: int = 400):
    """`points` daily done assessments of `project`, one result per check each, the
    check of index n taking 40 * (n + 1) ms and alternating pass / fail so retention
    keeps some rows."""
    now = timezone.now()
    found = []
    for day in range(points):
        assessment = factories.AssessmentFactory(
            project=project,
            checklist=checklist,
            trigger=Trigger.SCHEDULE,
            evaluated_at=now - dt.timedelta(days=start_days - day),
        )
        for n, check in enumerate(checks):
            factories.CheckResultFactory(
                assessment=assessment,
                check_item=check,
                status=ResultStatus.PASS if n or day % 5 else ResultStatus.FAIL,
                duration_ms=40.0 * (n + 1),
                finished_at=now,
            )
        found.append(assessment)
    return found


@pytest.fixture
def org():
    payments = factories.TeamFactory(slug="payments")
    search = factories.TeamFactory(slug="search")
    made = {}
    for team, slug, kind in ((payments, "checkout", "http"), (search, "index", "grep")):
        project = factories.ProjectFactory(team=team, slug=slug)
        checklist = factories.ChecklistVersionFactory(project=project)
        checks = [
            factories.CheckFactory(checklist=checklist, key=f"c{n}", type=kind) for n in range(3)
        ]
        made[slug] = (project, checklist, checks)
    history(*made["checkout"], points=12)
    history(*made["index"], points=4)
    factories.AssessmentFactory(
        project=made["index"][0],
        checklist=made["index"][1],
        trigger=Trigger.MANUAL,
        status=AssessmentStatus.FAILED,
    )
    return payments, search, made


def full_aggregation(team_id):
    """What the scrape read before the rollup: every stored row aggregated."""
    MetricsAssessmentTotal.objects.all().delete()
    MetricsDurationTotal.objects.all().delete()
    Assessment.objects.update(metrics_rolled_up=False)
    return metrics_service(team_id=team_id)


def scraped(team_id):
    service = metrics_service(team_id=team_id)
    return service.assessments, service.durations


@pytest.mark.parametrize("team", [None, "payments", "search"])
def test_it_scrapes_the_same_numbers_with_and_without_the_rollup(org, team):
    team_id = {None: None, "payments": org[0].pk, "search": org[1].pk}[team]
    before = scraped(team_id)

    assert metrics_rollup() == 17
    after = scraped(team_id)

    assert after == before
    assert (after[0], after[1]) == (
        full_aggregation(team_id).assessments,
        full_aggregation(team_id).durations,
    )


def test_the_team_filter_still_holds_after_the_rollup(org):
    _, search, _ = org
    metrics_rollup()

    service = metrics_service(team_id=search.pk)

    assert service.assessments == {
        ("search", "schedule", "done"): 4,
        ("search", "manual", "failed"): 1,
    }
    assert [(row.type, row.count) for row in service.durations] == [("grep", 12)]


def test_an_assessment_settling_after_higher_ids_were_folded_is_counted_once(org):
    _, _, made = org
    project, checklist, checks = made["checkout"]
    # A long run started first (the lowest id of the three), one check finished already.
    slow = factories.AssessmentFactory(
        project=project, checklist=checklist, trigger=Trigger.API, status=AssessmentStatus.RUNNING
    )
    factories.CheckResultFactory(
        assessment=slow, check_item=checks[0], duration_ms=100, finished_at=timezone.now()
    )
    pending = factories.CheckResultFactory(
        assessment=slow, check_item=checks[1], status=ResultStatus.RUNNING
    )
    later = history(project, checklist, checks, points=2, start_days=3)
    metrics_rollup()
    slow.refresh_from_db()
    assert not slow.metrics_rolled_up
    assert all(Assessment.objects.get(pk=a.pk).metrics_rolled_up for a in later)
    # Its finished check counts already, as not folded.
    assert metrics_service(team_id=None).durations == full_aggregation(None).durations
    metrics_rollup()

    CheckResult.objects.filter(pk=pending.pk).update(
        status=ResultStatus.PASS, duration_ms=2000, finished_at=timezone.now()
    )
    Assessment.objects.filter(pk=slow.pk).update(status=AssessmentStatus.DONE)
    expected = (full_aggregation(None).assessments, full_aggregation(None).durations)
    metrics_rollup()
    metrics_rollup()

    assert scraped(None) == expected
    assert expected[0][("payments", "api", "done")] == 1
    http = next(row for row in expected[1] if row.type == "http")
    assert http.count == 14 * 3 + 2


def test_a_cancelled_run_waits_for_its_running_checks(org):
    _, _, made = org
    project, checklist, checks = made["checkout"]
    cancelled = factories.AssessmentFactory(
        project=project, checklist=checklist, status=AssessmentStatus.CANCELLED
    )
    running = factories.CheckResultFactory(
        assessment=cancelled, check_item=checks[0], status=ResultStatus.RUNNING
    )
    metrics_rollup()
    assert not Assessment.objects.get(pk=cancelled.pk).metrics_rolled_up

    CheckResult.objects.filter(pk=running.pk).update(
        status=ResultStatus.PASS, duration_ms=7, finished_at=timezone.now()
    )
    expected = scraped(None)
    metrics_rollup()

    assert Assessment.objects.get(pk=cancelled.pk).metrics_rolled_up
    assert scraped(None) == expected


def test_retention_after_the_rollup_keeps_the_counters_from_dropping(org):
    before = scraped(None)
    rows = CheckResult.objects.count()

    report = retention_apply(days=30)

    assert report.rows_deleted > 0
    assert CheckResult.objects.count() == rows - report.rows_deleted
    assert scraped(None) == before
    # Without the totals, the stored rows alone would count fewer durations.
    assert sum(r.count for r in full_aggregation(None).durations) < sum(r.count for r in before[1])


def test_the_beat_task_is_idempotent(org):
    assert tasks.metrics_rollup_task.apply().get() == 17
    totals = list(MetricsAssessmentTotal.objects.values_list("project", "trigger", "count"))
    durations = list(MetricsDurationTotal.objects.values_list("project", "type", "count"))

    assert tasks.metrics_rollup_task.apply().get() == 0
    assert list(MetricsAssessmentTotal.objects.values_list("project", "trigger", "count")) == (
        totals
    )
    assert list(MetricsDurationTotal.objects.values_list("project", "type", "count")) == durations


def test_the_beat_schedule_runs_the_rollup(settings):
    entry = settings.CELERY_BEAT_SCHEDULE["readiness-metrics-rollup"]

    assert entry["task"] == "readiness.tasks.metrics_rollup_task"


@pytest.mark.parametrize("points", [2, 40])
def test_a_scrape_reads_as_many_queries_whatever_the_history(points, django_assert_num_queries):
    team = factories.TeamFactory(slug="t")
    project = factories.ProjectFactory(team=team, slug="p")
    checklist = factories.ChecklistVersionFactory(project=project)
    checks = [factories.CheckFactory(checklist=checklist, key=f"c{n}") for n in range(2)]
    history(project, checklist, checks, points=points)
    metrics_rollup()
    history(project, checklist, checks, points=1, start_days=1)

    with django_assert_num_queries(5):
        service = metrics_service(team_id=team.pk)

    assert sum(service.assessments.values()) == points + 1


@pytest.mark.django_db(transaction=True)
def test_two_rollups_at_once_count_each_assessment_once():
    team = factories.TeamFactory(slug="t")
    project = factories.ProjectFactory(team=team, slug="p")
    checklist = factories.ChecklistVersionFactory(project=project)
    checks = [factories.CheckFactory(checklist=checklist, key=f"c{n}") for n in range(2)]
    history(project, checklist, checks, points=30)
    expected = scraped(None)
    folded = []
    errors = []

    def run():
        try:
            folded.append(metrics_rollup(batch_size=4))
        except Exception as error:
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    assert sum(folded) == 30
    assert scraped(None) == expected
    assert MetricsAssessmentTotal.objects.get().count == 30


@pytest.mark.django_db(transaction=True)
def test_a_scrape_does_not_make_the_workers_writes_wait_on_sqlite():
    """The scrape reads in one snapshot without SQLite's write lock: a worker storing a
    result meanwhile goes through (it would wait for the lock, then fail)."""
    if connection.vendor != "sqlite":
        pytest.skip("PostgreSQL readers never block writers")
    from readiness.selectors.metrics import _snapshot

    project = factories.ProjectFactory()
    checklist = factories.ChecklistVersionFactory(project=project)
    history(project, checklist, [factories.CheckFactory(checklist=checklist)], points=2)
    written = []

    def worker_write():
        try:
            with transaction.atomic():
                written.append(factories.AssessmentFactory(project=project, checklist=checklist))
        finally:
            connections.close_all()

    with _snapshot():
        before = metrics_service(team_id=None).assessments
        writer = threading.Thread(target=worker_write)
        writer.start()
        writer.join(timeout=20)
        assert not writer.is_alive() and len(written) == 1
        assert metrics_service(team_id=None).assessments == before  # still its snapshot
    assert sum(metrics_service(team_id=None).assessments.values()) == sum(before.values()) + 1
