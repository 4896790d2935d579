import datetime as dt
import threading

import pytest
import yaml
from django.db import connection
from django.utils import timezone

from checks.checklist import load_checklist
from checks.registry import FILE_CHECK_TYPES
from readiness.models import Assessment, AssessmentStatus, CategoryScore, ResultStatus, Trigger
from readiness.queue import QueueUnavailable
from readiness.services import assessments as assessments_module
from readiness.services.assessments import (
    AssessmentError,
    assessment_cancel,
    assessment_create,
    assessment_enqueue,
    assessment_finalize,
    assessment_start,
)
from readiness.services.checklists import checklist_version_save
from readiness.services.runs import assessment_run_check, assessment_run_file_checks
from tests.factories import AttestationFactory, ProjectFactory
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

WHEN = dt.datetime(2026, 2, 16, 9, 0, tzinfo=dt.UTC)


@pytest.fixture
def broker(tmp_path):
    with using(private_broker(tmp_path / "broker")) as private:
        yield private
        sent_tasks(private)  # leave nothing behind on a shared Redis


@pytest.fixture
def server():
    with SlowServer() as running:
        yield running


def make_project(source, *categories, **fields):
    text = yaml.safe_dump(checklist(*categories), sort_keys=False)
    project = ProjectFactory(source=str(source), **fields)
    checklist_version_save(project=project, checklist=load_checklist(text), source_text=text)
    return project


def grep(key, pattern, **options):
    return {"key": key, "type": "grep", "paths": ["**/*.py"], "pattern": pattern, **options}


def http(key, url, **options):
    return {"key": key, "type": "http", "url": url, "timeout_s": 5, **options}


def manual(key, **options):
    return {"key": key, "type": "manual", **options}


def results(assessment):
    return {r.check_item.key: r for r in assessment.results.select_related("check_item").all()}


@pytest.fixture
def repo(tmp_path):
    return write_files(tmp_path / "repo", {"app/settings.py": "DEBUG = False\nSENTRY = 1\n"})


def test_it_creates_one_pending_result_per_check(repo, server):
    project = make_project(
        repo,
        category("security", grep("no-debug", "DEBUG = False"), http("health", server.url(0))),
    )

    assessment = assessment_create(project=project, trigger=Trigger.MANUAL)

    assert assessment.status == AssessmentStatus.PENDING
    assert assessment.checklist == project.current_checklist()
    assert (assessment.checks_total, assessment.checks_done) == (2, 0)
    rows = results(assessment)
    assert set(rows) == {"no-debug", "health"}
    assert {r.status for r in rows.values()} == {ResultStatus.PENDING}
    # A pending row's lease is the time by which a task should have started it.
    assert all(r.lease_expires_at > timezone.now() for r in rows.values())


def test_it_decides_manual_checks_from_attestations_when_created(repo):
    project = make_project(
        repo, category("process", manual("runbook"), manual("on-call"), grep("x", "DEBUG"))
    )
    AttestationFactory(project=project, check_key="runbook", status="warn", attested_by="Ana")

    assessment = assessment_create(project=project, trigger=Trigger.MANUAL)

    rows = results(assessment)
    assert rows["runbook"].status == ResultStatus.WARN
    assert rows["runbook"].credit == 0.5
    assert rows["runbook"].details["user"] == "Ana"
    assert rows["on-call"].status == ResultStatus.ERROR
    assert rows["on-call"].summary == "needs attestation"
    assert rows["x"].status == ResultStatus.PENDING
    assert assessment.checks_done == 2


def test_it_ignores_attestations_made_after_the_evaluated_time(repo):
    project = make_project(repo, category("process", manual("runbook")))
    AttestationFactory(project=project, check_key="runbook", attested_at=WHEN)

    assessment = assessment_create(
        project=project, trigger=Trigger.IMPORT, evaluated_at=WHEN - dt.timedelta(days=1)
    )

    assert results(assessment)["runbook"].summary == "needs attestation"


def test_it_counts_the_later_of_two_attestations_made_at_the_same_time(repo):
    project = make_project(repo, category("process", manual("runbook")))
    AttestationFactory(project=project, check_key="runbook", status="pass", attested_at=WHEN)
    AttestationFactory(project=project, check_key="runbook", status="fail", attested_at=WHEN)

    assessment = assessment_create(
        project=project, trigger=Trigger.MANUAL, evaluated_at=WHEN + dt.timedelta(days=1)
    )

    assert results(assessment)["runbook"].status == ResultStatus.FAIL


def test_it_records_other_types_as_not_evaluable_on_history(repo, server):
    project = make_project(
        repo, category("ops", grep("debug", "DEBUG"), http("health", server.url(0)), manual("m"))
    )

    assessment = assessment_create(
        project=project,
        trigger=Trigger.BACKFILL,
        revision="abc",
        evaluated_at=WHEN,
        only_types=FILE_CHECK_TYPES,
    )

    rows = results(assessment)
    assert rows["debug"].status == ResultStatus.PENDING
    for key in ("health", "m"):
        assert (rows[key].status, rows[key].summary) == ("error", "not evaluable on history")
        assert rows[key].details["not_evaluable"] is True
    assert (assessment.checks_total, assessment.checks_done) == (3, 2)
    assert (assessment.evaluated_at, assessment.revision) == (WHEN, "abc")


def test_it_refuses_a_project_without_a_checklist():
    project = ProjectFactory()

    with pytest.raises(AssessmentError, match=f"project {project.slug} has no checklist"):
        assessment_create(project=project, trigger=Trigger.MANUAL)

    assert not Assessment.objects.exists()


def test_it_refuses_a_revision_longer_than_a_sha(repo):
    project = make_project(repo, category("c", grep("a", "DEBUG")))

    with pytest.raises(AssessmentError, match="revision: at most 64 characters"):
        assessment_create(project=project, trigger=Trigger.CLI, revision="x" * 65)

    assert not Assessment.objects.exists()


def _in_threads(count, target):
    """Run target(index) in `count` threads released together; returns their results."""
    barrier = threading.Barrier(count)
    answers = [None] * count

    def run(index):
        try:
            barrier.wait()
            answers[index] = target(index)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return answers


def test_it_finalises_only_once():
    project = make_project("/tmp", category("c", manual("m")))
    assessment = assessment_create(project=project, trigger=Trigger.MANUAL)

    assert assessment_finalize(assessment_id=assessment.pk) is True
    assert assessment_finalize(assessment_id=assessment.pk) is False
    assert CategoryScore.objects.filter(assessment=assessment).count() == 1


def test_it_does_not_finalise_while_checks_are_pending(repo):
    project = make_project(repo, category("c", grep("a", "DEBUG")))
    assessment = assessment_create(project=project, trigger=Trigger.MANUAL)

    assert assessment_finalize(assessment_id=assessment.pk) is False
    assessment.refresh_from_db()
    assert (assessment.status, assessment.score) == (AssessmentStatus.PENDING, None)


@pytest.mark.django_db(transaction=True)
def test_it_finalises_exactly_once_when_callers_race():
    project = make_project("/tmp", category("c", manual("m")))
    assessment = assessment_create(project=project, trigger=Trigger.MANUAL)

    answers = _in_threads(8, lambda _: assessment_finalize(assessment_id=assessment.pk))

    assert answers.count(True) == 1
    assert CategoryScore.objects.filter(assessment=assessment).count() == 1


def test_a_cancel_after_the_scores_are_computed_wins_and_nothing_is_stored(monkeypatch):
    # The scores are computed before the finalising transaction; a cancel that lands in
    # between takes the assessment, and the finaliser then writes nothing at all.
    project = make_project("/tmp", category("c", manual("m")))
    assessment = assessment_create(project=project, trigger=Trigger.MANUAL)
    compute = assessments_module._scorecard

    def cancel_meanwhile(*args, **kwargs):
        card = compute(*args, **kwargs)
        assert assessment_cancel(assessment=Assessment.objects.get(pk=assessment.pk))
        return card

    monkeypatch.setattr(assessments_module, "_scorecard", cancel_meanwhile)

    assert assessment_finalize(assessment_id=assessment.pk) is False
    assessment.refresh_from_db()
    assert (assessment.status, assessment.score) == (AssessmentStatus.CANCELLED, None)
    assert not CategoryScore.objects.filter(assessment=assessment).exists()


def test_it_cancels_pending_checks(repo, server):
    project = make_project(repo, category("c", grep("a", "DEBUG"), http("h", server.url(0))))
    assessment = assessment_create(project=project, trigger=Trigger.MANUAL)
    assessment_run_file_checks(assessment_id=assessment.pk)

    assert assessment_cancel(assessment=assessment) is True

    assert assessment.status == AssessmentStatus.CANCELLED
    assert assessment.checks_done == assessment.checks_total == 2
    rows = results(assessment)
    assert (rows["h"].status, rows["h"].summary) == ("skip", "cancelled")
    assert rows["a"].status == "pass"
    # A task delivered after the cancel finds nothing to do; no score is computed.
    assert assessment_run_check(result_id=rows["h"].pk) is False
    assert assessment_cancel(assessment=assessment) is False
    assessment.refresh_from_db()
    assert (assessment.status, assessment.score) == (AssessmentStatus.CANCELLED, None)


def test_it_does_not_cancel_a_finished_assessment():
    project = make_project("/tmp", category("c", manual("m")))
    assessment = assessment_create(project=project, trigger=Trigger.MANUAL)
    assessment_finalize(assessment_id=assessment.pk)

    assert assessment_cancel(assessment=assessment) is False
    assert assessment.status == AssessmentStatus.DONE


def test_it_enqueues_one_file_task_and_one_task_per_slow_check(
    repo, server, broker, django_capture_on_commit_callbacks
):
    project = make_project(
        repo,
        category(
            "c",
            grep("a", "DEBUG"),
            grep("b", "SENTRY"),
            http("h1", server.url(0)),
            http("h2", server.url(0)),
            manual("m"),
        ),
    )

    with django_capture_on_commit_callbacks(execute=True):
        assessment = assessment_start(project=project, trigger=Trigger.MANUAL)

    rows = results(assessment)
    assert sorted(sent_tasks(broker)) == sorted(
        [
            ("readiness.tasks.run_file_checks_task", (assessment.pk,)),
            (
                "readiness.tasks.run_slow_checks_task",
                (assessment.pk, [rows["h1"].pk, rows["h2"].pk]),
            ),
        ]
    )


def test_it_sends_nothing_before_the_transaction_commits(
    repo, broker, django_capture_on_commit_callbacks
):
    project = make_project(repo, category("c", grep("a", "DEBUG")))

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        assessment_enqueue(assessment=assessment_create(project=project, trigger=Trigger.MANUAL))

    assert len(callbacks) == 1
    assert sent_tasks(broker) == []


def test_it_finalises_at_once_an_assessment_decided_when_created(
    broker, django_capture_on_commit_callbacks
):
    project = make_project("/tmp", category("c", manual("m")))
    AttestationFactory(project=project, check_key="m", status="pass")

    with django_capture_on_commit_callbacks(execute=True):
        assessment = assessment_start(project=project, trigger=Trigger.MANUAL)

    assessment.refresh_from_db()
    assert (assessment.status, assessment.score) == (AssessmentStatus.DONE, 10.0)
    assert sent_tasks(broker) == []


def test_it_says_queue_unavailable_and_creates_nothing_when_the_broker_is_down(repo):
    project = make_project(repo, category("c", grep("a", "DEBUG")))

    with (
        using(redis_broker(f"redis://127.0.0.1:{free_port()}/0")),
        pytest.raises(QueueUnavailable, match="the task queue is unavailable"),
    ):
        assessment_start(project=project, trigger=Trigger.MANUAL)

    assert not Assessment.objects.exists()


def test_it_keeps_the_rows_pending_when_the_broker_goes_down_before_sending(
    repo, django_capture_on_commit_callbacks
):
    project = make_project(repo, category("c", grep("a", "DEBUG")))
    assessment = assessment_create(project=project, trigger=Trigger.MANUAL)

    with (
        using(redis_broker(f"redis://127.0.0.1:{free_port()}/0")),
        pytest.raises(QueueUnavailable),
        django_capture_on_commit_callbacks(execute=True),
    ):
        assessment_enqueue(assessment=assessment)

    # The sweeper sends them once the broker is back (tests/readiness/services/test_sweeper.py).
    assert results(assessment)["a"].status == ResultStatus.PENDING
