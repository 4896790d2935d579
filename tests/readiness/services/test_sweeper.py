import datetime as dt
import threading
import time

import pytest
import yaml
from django.db import connection
from django.db.models import F
from django.utils import timezone

from checks.checklist import load_checklist
from readiness.models import Assessment, AssessmentStatus, CheckResult, ResultStatus, Trigger
from readiness.queue import QueueUnavailable
from readiness.services.assessments import (
    assessment_cancel,
    assessment_create,
    assessment_scorecard,
)
from readiness.services.checklists import checklist_version_save
from readiness.services.runs import assessment_run_check, assessment_run_file_checks
from readiness.services.sweeper import assessment_sweep
from tests.factories import ProjectFactory
from tests.integration.support import (
    SlowServer,
    free_port,
    private_broker,
    redis_broker,
    sent_tasks,
    using,
)
from tests.readiness.repo_builders import category, checklist, write_files

pytestmark = pytest.mark.django_db

FILE_TASK = "readiness.tasks.run_file_checks_task"
SLOW_TASK = "readiness.tasks.run_slow_checks_task"


@pytest.fixture
def broker(tmp_path):
    with using(private_broker(tmp_path / "broker")) as private:
        yield private
        sent_tasks(private)


@pytest.fixture
def server():
    with SlowServer() as running:
        yield running


@pytest.fixture
def project(tmp_path, server):
    repo = write_files(tmp_path / "repo", {"app.py": "DEBUG = False\n"})
    document = checklist(
        category(
            "c",
            {"key": "debug", "type": "grep", "paths": ["*.py"], "pattern": "DEBUG = False"},
            {"key": "sentry", "type": "grep", "paths": ["*.py"], "pattern": "sentry"},
            {"key": "health", "type": "http", "url": server.url(0), "timeout_s": 5},
        )
    )
    text = yaml.safe_dump(document, sort_keys=False)
    project = ProjectFactory(source=str(repo))
    checklist_version_save(project=project, checklist=load_checklist(text), source_text=text)
    return project


def row(assessment, key):
    return CheckResult.objects.get(assessment=assessment, check_item__key=key)


def die_while_running(result, *, now):
    """What a worker that claimed the row and was killed leaves behind."""
    CheckResult.objects.filter(pk=result.pk).update(
        status=ResultStatus.RUNNING,
        attempts=F("attempts") + 1,
        started_at=now - dt.timedelta(seconds=10),
        lease_expires_at=now - dt.timedelta(seconds=1),
    )


def test_it_sends_again_a_check_whose_worker_died(project, broker, settings):
    assessment = assessment_create(project=project, trigger=Trigger.MANUAL)
    health = row(assessment, "health")
    now = timezone.now()
    die_while_running(health, now=now)

    report = assessment_sweep(now=now)

    health.refresh_from_db()
    assert (health.status, health.attempts) == (ResultStatus.PENDING, 1)
    assert health.lease_expires_at == now + dt.timedelta(seconds=settings.READINESS_LEASE_SECONDS)
    assert (report.retried, report.resent, report.lost) == (1, 0, 0)
    assert sent_tasks(broker) == [(SLOW_TASK, (assessment.pk, [health.pk]))]


def test_it_leaves_alone_a_check_whose_lease_still_runs(project, broker):
    assessment = assessment_create(project=project, trigger=Trigger.MANUAL)
    assessment_run_file_checks(assessment_id=assessment.pk)
    health = row(assessment, "health")
    CheckResult.objects.filter(pk=health.pk).update(
        status=ResultStatus.RUNNING, attempts=1, lease_expires_at=timezone.now() + dt.timedelta(60)
    )

    report = assessment_sweep()

    health.refresh_from_db()
    assert health.status == ResultStatus.RUNNING
    assert (report.resent, report.retried, report.lost) == (0, 0, 0)
    assert sent_tasks(broker) == []


def test_it_sends_again_a_pending_check_not_started_by_its_deadline(project, broker, settings):
    assessment = assessment_create(project=project, trigger=Trigger.MANUAL)
    deadline = row(assessment, "health").lease_expires_at

    assert assessment_sweep(now=deadline - dt.timedelta(seconds=1)).resent == 0
    assert sent_tasks(broker) == []

    later = deadline + dt.timedelta(seconds=1)
    report = assessment_sweep(now=later)

    assert report.resent == 3
    # One file task for the two file checks: they share one scan.
    assert sorted(sent_tasks(broker)) == sorted(
        [
            (FILE_TASK, (assessment.pk,)),
            (SLOW_TASK, (assessment.pk, [row(assessment, "health").pk])),
        ]
    )
    moved = later + dt.timedelta(seconds=settings.READINESS_LEASE_SECONDS)
    assert row(assessment, "health").lease_expires_at == moved
    # Sent again, the rows are not due again until the new deadline.
    assert assessment_sweep(now=later).resent == 0


def test_it_gives_up_after_the_maximum_attempts_with_worker_lost(project, broker, settings):
    """A check that kills its worker every time: claimed, killed, swept, three times."""
    assessment = assessment_create(project=project, trigger=Trigger.MANUAL)
    assessment_run_file_checks(assessment_id=assessment.pk)
    health = row(assessment, "health")
    now = timezone.now()

    rounds = 0
    while health.status in (ResultStatus.PENDING, ResultStatus.RUNNING) and rounds < 10:
        rounds += 1
        die_while_running(health, now=now)
        assessment_sweep(now=now)
        health.refresh_from_db()

    assert rounds == settings.READINESS_MAX_ATTEMPTS == 3
    assert health.status == ResultStatus.ERROR
    assert health.summary == "worker lost: no result after 3 attempts"
    assert health.credit is None
    # Its last retry message finds a finished row and does nothing.
    assert assessment_run_check(result_id=health.pk) is False
    assessment.refresh_from_db()
    assert assessment.status == AssessmentStatus.DONE
    assert assessment.checks_done == assessment.checks_total == 3
    assert assessment.score == assessment_scorecard(assessment=assessment).score == 5.0
    assert assessment.coverage == pytest.approx(2 / 3)


def test_a_new_worker_completes_a_check_after_the_sweep(project, broker):
    assessment = assessment_create(project=project, trigger=Trigger.MANUAL)
    assessment_run_file_checks(assessment_id=assessment.pk)
    health = row(assessment, "health")
    now = timezone.now()
    die_while_running(health, now=now)
    assessment_sweep(now=now)

    assert assessment_run_check(result_id=health.pk) is True

    health.refresh_from_db()
    assert (health.status, health.attempts) == ("pass", 2)
    assessment.refresh_from_db()
    assert assessment.status == AssessmentStatus.DONE
    assert assessment.checks_done == 3


@pytest.mark.django_db(transaction=True)
def test_a_late_result_from_a_lost_attempt_is_not_stored(tmp_path, server, broker):
    """The first worker was only slow: by the time it answers, the sweeper has given the
    row to a second attempt, and only that attempt's result is stored and counted."""
    document = checklist(
        category("c", {"key": "slow", "type": "http", "url": server.url(1500), "timeout_s": 5})
    )
    text = yaml.safe_dump(document, sort_keys=False)
    project = ProjectFactory(source=str(tmp_path))
    checklist_version_save(project=project, checklist=load_checklist(text), source_text=text)
    assessment = assessment_create(project=project, trigger=Trigger.MANUAL)
    slow = row(assessment, "slow")
    first = []

    def slow_worker():
        try:
            first.append(assessment_run_check(result_id=slow.pk))
        finally:
            connection.close()

    thread = threading.Thread(target=slow_worker)
    thread.start()
    while row(assessment, "slow").status != ResultStatus.RUNNING:
        time.sleep(0.02)
    lease = row(assessment, "slow").lease_expires_at
    assert assessment_sweep(now=lease + dt.timedelta(seconds=1)).retried == 1

    second = assessment_run_check(result_id=slow.pk)
    thread.join()

    assert (first, second) == ([False], True)
    slow.refresh_from_db()
    assert (slow.status, slow.attempts) == ("pass", 2)
    assessment.refresh_from_db()
    assert assessment.checks_done == assessment.checks_total == 1
    assert assessment.status == AssessmentStatus.DONE


def test_it_skips_an_expired_check_of_a_cancelled_assessment(project, broker):
    assessment = assessment_create(project=project, trigger=Trigger.MANUAL)
    health = row(assessment, "health")
    now = timezone.now()
    die_while_running(health, now=now)
    assessment_cancel(assessment=assessment)

    assessment_sweep(now=now)

    health.refresh_from_db()
    assert (health.status, health.summary) == ("skip", "cancelled")
    assessment.refresh_from_db()
    assert assessment.status == AssessmentStatus.CANCELLED
    assert assessment.checks_done == assessment.checks_total
    assert sent_tasks(broker) == []


def test_it_finalises_an_assessment_whose_last_writer_died_before_finalising(project, broker):
    assessment = assessment_create(project=project, trigger=Trigger.MANUAL)
    assessment_run_file_checks(assessment_id=assessment.pk)
    # The last result was written but its counter and the scores were not.
    CheckResult.objects.filter(pk=row(assessment, "health").pk).update(
        status="pass", credit=1.0, lease_expires_at=None
    )

    report = assessment_sweep()

    assessment.refresh_from_db()
    assert report.finalised == 1
    assert assessment.status == AssessmentStatus.DONE
    assert assessment.checks_done == 3
    assert assessment.score == 10 * (1 + 0 + 1) / 3


def test_it_moves_the_deadline_when_the_broker_is_down_and_sends_later(project, tmp_path):
    assessment = assessment_create(project=project, trigger=Trigger.MANUAL)
    late = row(assessment, "health").lease_expires_at + dt.timedelta(seconds=1)

    with (
        using(redis_broker(f"redis://127.0.0.1:{free_port()}/0")),
        pytest.raises(QueueUnavailable),
    ):
        assessment_sweep(now=late)

    assert Assessment.objects.get(pk=assessment.pk).status == AssessmentStatus.PENDING
    with using(private_broker(tmp_path / "back")) as back:
        assert assessment_sweep(now=late).resent == 0
        later = row(assessment, "health").lease_expires_at + dt.timedelta(seconds=1)
        assert assessment_sweep(now=later).resent == 3
        assert len(sent_tasks(back)) == 2


def test_it_counts_what_it_sends_again_for_the_metrics(project, broker, settings):
    from readiness.models import ServiceCounter
    from readiness.services.counters import (
        SWEEPER_RESENT_LEASE_EXPIRED,
        SWEEPER_RESENT_NOT_STARTED,
    )

    assessment = assessment_create(project=project, trigger=Trigger.MANUAL)
    now = row(assessment, "health").lease_expires_at + dt.timedelta(seconds=1)
    die_while_running(row(assessment, "health"), now=now)

    assessment_sweep(now=now)

    counts = dict(ServiceCounter.objects.values_list("name", "value"))
    # The dead worker's check, and the two file checks whose message never started.
    assert counts == {SWEEPER_RESENT_LEASE_EXPIRED: 1, SWEEPER_RESENT_NOT_STARTED: 2}
    assessment_sweep(now=now)
    assert dict(ServiceCounter.objects.values_list("name", "value")) == counts
