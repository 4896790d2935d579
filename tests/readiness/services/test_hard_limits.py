"""The hard limit of a running check (readiness/services/hard_limits.py and the runs
service): past it the check is stored "timed out", whatever its thread does later, and
while within it its lease is renewed (what the worker's watchdog calls)."""

import datetime as dt
import threading

import pytest
import yaml
from django.utils import timezone

from checks import runner
from checks.checklist import load_checklist
from checks.spec import Status
from readiness.models import AssessmentStatus, CheckResult, ResultStatus, Trigger
from readiness.services import hard_limits
from readiness.services.assessments import assessment_create
from readiness.services.checklists import checklist_version_save
from readiness.services.runs import (
    assessment_enforce_hard_limits,
    assessment_renew_leases,
    assessment_run_check,
    assessment_run_file_checks,
)
from tests.factories import ProjectFactory
from tests.integration.support import SlowServer
from tests.readiness.repo_builders import category, checklist, write_files

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def server():
    with SlowServer() as running:
        yield running


@pytest.fixture
def watched(monkeypatch):
    """This process has a watchdog, as a worker has."""
    monkeypatch.setattr(hard_limits, "_WATCHED", threading.Event())
    hard_limits.watch()


@pytest.fixture
def project(tmp_path, server):
    repo = write_files(tmp_path / "repo", {"app.py": "DEBUG = False\n"})
    document = checklist(
        category(
            "c",
            {"key": "debug", "type": "grep", "paths": ["*.py"], "pattern": "DEBUG = False"},
            {"key": "stuck", "type": "http", "url": server.url(0, "stuck"), "timeout_s": 0.5},
            {"key": "fine", "type": "http", "url": server.url(0, "fine"), "timeout_s": 5},
        )
    )
    text = yaml.safe_dump(document, sort_keys=False)
    project = ProjectFactory(source=str(repo))
    checklist_version_save(project=project, checklist=load_checklist(text), source_text=text)
    return project


def row(assessment, key):
    return CheckResult.objects.get(assessment=assessment, check_item__key=key)


@pytest.fixture
def stuck_engine(monkeypatch):
    """The engine blocks on the check named "stuck" until the test releases it."""
    release = threading.Event()
    entered = threading.Event()
    run_check = runner.run_check

    def blocking(spec, ctx):
        if spec.key == "stuck":
            entered.set()
            release.wait(timeout=60)
        return run_check(spec, ctx)

    monkeypatch.setattr(runner, "run_check", blocking)
    yield entered, release
    release.set()


def wait_until(condition, timeout_s=20):
    deadline = timezone.now() + dt.timedelta(seconds=timeout_s)
    while not condition():
        assert timezone.now() < deadline, "timed out"
        threading.Event().wait(0.05)


def test_a_check_past_its_hard_limit_is_stored_timed_out_and_its_late_result_is_not(
    project, settings, stuck_engine, watched
):
    settings.READINESS_HARD_LIMIT_MARGIN_SECONDS = 1
    entered, release = stuck_engine
    assessment = assessment_create(project=project, trigger=Trigger.MANUAL)
    assessment_run_file_checks(assessment_id=assessment.pk)
    assessment_run_check(result_id=row(assessment, "fine").pk)
    stuck = row(assessment, "stuck")
    written = []
    task = threading.Thread(target=lambda: written.append(assessment_run_check(result_id=stuck.pk)))
    task.start()
    assert entered.wait(timeout=20)

    assert assessment_enforce_hard_limits() == 0  # still within 0.5 s + 1 s
    wait_until(lambda: hard_limits.overdue())
    assert assessment_enforce_hard_limits() == 1

    stuck.refresh_from_db()
    assert (stuck.status, stuck.summary) == ("fail", "timed out after 2s")
    assert stuck.details["hard_limit_s"] == 1.5
    assessment.refresh_from_db()
    assert assessment.status == AssessmentStatus.DONE
    assert assessment.checks_done == 3
    assert len(hard_limits.stuck(for_s=0)) == 1  # its thread has not returned

    release.set()
    task.join(timeout=20)
    assert written == [False]  # what it found came too late: the row is no longer its own
    stuck.refresh_from_db()
    assert stuck.summary == "timed out after 2s"
    assert hard_limits.stuck(for_s=0) == []
    assert assessment_enforce_hard_limits() == 0


def test_a_file_scan_past_its_hard_limit_is_an_error(project, settings):
    assessment = assessment_create(project=project, trigger=Trigger.MANUAL)
    debug = row(assessment, "debug")
    CheckResult.objects.filter(pk=debug.pk).update(status=ResultStatus.RUNNING, attempts=1)
    with hard_limits.hard_limit(
        assessment_id=assessment.pk, rows=[(debug.pk, 1)], status=Status.ERROR, limit_s=0
    ):
        assert assessment_enforce_hard_limits() == 1
    debug.refresh_from_db()
    assert (debug.status, debug.summary) == ("error", "timed out after 0s")


def test_leases_are_renewed_within_the_hard_limit_only_for_this_attempt(project, settings):
    settings.READINESS_LEASE_SECONDS = 60
    assessment = assessment_create(project=project, trigger=Trigger.MANUAL)
    mine, retried, expired = (row(assessment, k) for k in ("debug", "stuck", "fine"))
    soon = timezone.now() + dt.timedelta(seconds=1)
    for result, attempts in ((mine, 1), (retried, 2), (expired, 1)):
        CheckResult.objects.filter(pk=result.pk).update(
            status=ResultStatus.RUNNING, attempts=attempts, lease_expires_at=soon
        )
    with (
        hard_limits.hard_limit(
            assessment_id=assessment.pk, rows=[(mine.pk, 1), (retried.pk, 1)],
            status=Status.FAIL, limit_s=60,
        ),
        hard_limits.hard_limit(
            assessment_id=assessment.pk, rows=[(expired.pk, 1)], status=Status.FAIL, limit_s=0
        ) as past,
    ):  # fmt: skip
        hard_limits.mark_expired(past)
        assert assessment_renew_leases() == 1

    for result in (mine, retried, expired):
        result.refresh_from_db()
    assert mine.lease_expires_at > timezone.now() + dt.timedelta(seconds=50)
    assert retried.lease_expires_at == soon  # another attempt holds it now
    assert expired.lease_expires_at == soon


def test_a_worker_claims_for_one_lease_an_inline_run_for_the_checks_whole_bound(
    project, settings, monkeypatch
):
    settings.READINESS_LEASE_SECONDS = 60
    leases = []
    run_check = runner.run_check

    def seeing_the_lease(spec, ctx):
        running = CheckResult.objects.get(check_item__key=spec.key, status="running")
        leases.append((running.lease_expires_at - timezone.now()).total_seconds())
        return run_check(spec, ctx)

    monkeypatch.setattr(runner, "run_check", seeing_the_lease)
    monkeypatch.setattr(hard_limits, "_WATCHED", threading.Event())
    for in_a_worker in (False, True):
        if in_a_worker:
            hard_limits.watch()  # its watchdog renews the lease while the check runs
        assessment = assessment_create(project=project, trigger=Trigger.MANUAL)
        assert assessment_run_check(result_id=row(assessment, "fine").pk)

    inline, worker = leases
    assert 60 < inline <= 65  # the base lease and the check's timeout_s (5 s)
    assert 55 < worker <= 60
