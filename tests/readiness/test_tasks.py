import datetime as dt

import pytest
import yaml
from django_celery_beat.models import PeriodicTask
from django_celery_beat.schedulers import DatabaseScheduler

from checks.checklist import load_checklist
from readiness import tasks
from readiness.celery import app as celery_app
from readiness.models import Assessment, AssessmentStatus, CheckResult, ResultStatus, Trigger
from readiness.services.assessments import assessment_create, assessment_scorecard
from readiness.services.checklists import checklist_version_save
from tests.factories import ProjectFactory
from tests.integration.support import SlowServer, private_broker, sent_tasks, using
from tests.readiness.repo_builders import GitRepo, category, checklist, write_files

pytestmark = pytest.mark.django_db

WHEN = dt.datetime(2026, 2, 16, 9, 0, tzinfo=dt.UTC)


@pytest.fixture
def broker(tmp_path):
    with using(private_broker(tmp_path / "broker")) as private:
        yield private
        sent_tasks(private)


@pytest.fixture
def server():
    with SlowServer() as running:
        yield running


def make_project(source, *checks):
    text = yaml.safe_dump(checklist(category("c", *checks)), sort_keys=False)
    project = ProjectFactory(source=str(source))
    checklist_version_save(project=project, checklist=load_checklist(text), source_text=text)
    return project


def grep(key, pattern):
    return {"key": key, "type": "grep", "paths": ["**/*.py"], "pattern": pattern}


@pytest.fixture
def assessment(tmp_path, server):
    repo = write_files(tmp_path / "repo", {"app.py": "DEBUG = False\n"})
    project = make_project(
        repo,
        grep("debug", "DEBUG = False"),
        grep("sentry", "sentry_sdk"),
        {"key": "health", "type": "http", "url": server.url(0), "timeout_s": 5},
    )
    return assessment_create(project=project, trigger=Trigger.MANUAL)


def statuses(assessment):
    return dict(
        CheckResult.objects.filter(assessment=assessment).values_list("check_item__key", "status")
    )


def test_it_runs_all_file_checks_of_an_assessment_in_one_task(assessment):
    result = tasks.run_file_checks_task.apply(args=(assessment.pk,))

    assert result.get() == 2
    assert statuses(assessment) == {"debug": "pass", "sentry": "fail", "health": "pending"}


def test_it_runs_one_slow_check_per_task_and_the_last_one_finalises(assessment):
    health = CheckResult.objects.get(assessment=assessment, check_item__key="health")
    tasks.run_file_checks_task.apply(args=(assessment.pk,))

    assert tasks.run_check_task.apply(args=(health.pk,)).get() is True

    assessment.refresh_from_db()
    assert assessment.status == AssessmentStatus.DONE
    assert assessment.score == 10 * (1 + 0 + 1) / 3


def test_a_duplicate_delivery_stores_one_result_and_the_same_score(assessment):
    health = CheckResult.objects.get(assessment=assessment, check_item__key="health")
    tasks.run_file_checks_task.apply(args=(assessment.pk,))
    tasks.run_check_task.apply(args=(health.pk,))
    assessment.refresh_from_db()
    score, finished_at = assessment.score, assessment.finished_at

    assert tasks.run_check_task.apply(args=(health.pk,)).get() is False
    assert tasks.run_file_checks_task.apply(args=(assessment.pk,)).get() == 0

    assessment.refresh_from_db()
    assert (assessment.score, assessment.finished_at) == (score, finished_at)
    assert assessment.score == assessment_scorecard(assessment=assessment).score
    assert assessment.checks_done == 3
    assert CheckResult.objects.filter(assessment=assessment).count() == 3
    assert CheckResult.objects.filter(assessment=assessment, attempts=1).count() == 3


def test_it_does_nothing_for_an_assessment_or_result_that_no_longer_exists():
    assert tasks.run_file_checks_task.apply(args=(987654,)).get() == 0
    assert tasks.run_check_task.apply(args=(987654,)).get() is False


def test_the_sweep_task_reports_what_it_did(assessment, broker):
    late = CheckResult.objects.get(assessment=assessment, check_item__key="health")
    CheckResult.objects.filter(pk=late.pk).update(
        status=ResultStatus.RUNNING, attempts=3, lease_expires_at=WHEN
    )
    CheckResult.objects.filter(assessment=assessment, status=ResultStatus.PENDING).update(
        lease_expires_at=WHEN
    )

    report = tasks.sweep_leases.apply().get()

    assert report == {"resent": 2, "retried": 0, "lost": 1, "finalised": 0}
    assert sent_tasks(broker) == [("readiness.tasks.run_file_checks_task", (assessment.pk,))]


def test_the_scheduled_task_starts_an_assessment_for_the_workers(
    tmp_path, broker, django_capture_on_commit_callbacks
):
    project = make_project(tmp_path, grep("debug", "DEBUG"))

    with django_capture_on_commit_callbacks(execute=True):
        assessment_id = tasks.scheduled_assessment.apply(args=(project.pk,)).get()

    assessment = Assessment.objects.get(pk=assessment_id)
    assert (assessment.project, assessment.trigger) == (project, Trigger.SCHEDULE)
    assert sent_tasks(broker) == [("readiness.tasks.run_file_checks_task", (assessment_id,))]


def test_the_scheduled_task_ignores_a_project_that_is_gone_or_has_no_checklist(broker):
    assert tasks.scheduled_assessment.apply(args=(987654,)).get() is None
    assert tasks.scheduled_assessment.apply(args=(ProjectFactory().pk,)).get() is None
    assert not Assessment.objects.exists()


def test_the_backfill_task_stores_a_point_at_a_past_commit(tmp_path):
    git = GitRepo(tmp_path / "repo")
    sha = git.commit({"app.py": "DEBUG = False\n"}, when=WHEN)
    git.commit({"app.py": "DEBUG = True\n"}, when=WHEN + dt.timedelta(days=1))
    project = make_project(git.root, grep("debug", "DEBUG = False"))

    assessment_id = tasks.backfill_point_task.apply(args=(project.pk, sha)).get()

    assessment = Assessment.objects.get(pk=assessment_id)
    assert (assessment.trigger, assessment.revision) == (Trigger.BACKFILL, sha)
    assert assessment.evaluated_at == WHEN
    assert statuses(assessment) == {"debug": "pass"}


def test_the_tasks_acknowledge_late_except_the_periodic_ones():
    assert tasks.run_file_checks_task.acks_late is True
    assert tasks.run_check_task.acks_late is True
    assert tasks.run_check_task.reject_on_worker_lost is True
    assert tasks.sweep_leases.acks_late is False
    assert tasks.scheduled_assessment.acks_late is False


@pytest.mark.django_db(transaction=True)  # the scheduler closes database connections
def test_beat_loads_the_sweeper_into_its_database_schedule(settings):
    scheduler = DatabaseScheduler(app=celery_app, lazy=True)
    scheduler.setup_schedule()

    task = PeriodicTask.objects.get(name="readiness-sweep-leases")
    assert task.task == "readiness.tasks.sweep_leases"
    assert task.interval.every == settings.READINESS_SWEEP_SECONDS
    assert task.interval.period == "seconds"
    assert "readiness.tasks.sweep_leases" in celery_app.tasks
