"""Slow checks run in groups: one task claims several of an assessment's slow checks,
runs them side by side and stores each as it is done (assessment_run_slow_checks)."""

import threading
import time

import pytest
from django.db import OperationalError, connection

from readiness.models import AssessmentStatus, CategoryScore, ResultStatus, Trigger
from readiness.services import hard_limits
from readiness.services.assessments import (
    RUN_FILE_CHECKS_TASK,
    RUN_SLOW_CHECKS_TASK,
    SLOW_CHECKS_PER_TASK,
    assessment_cancel,
    assessment_create,
    assessment_scorecard,
    assessment_tasks,
)
from readiness.services.runs import assessment_run_slow_checks
from tests.integration.support import SlowServer
from tests.readiness.repo_builders import category
from tests.readiness.services.test_runs import http, make_project, results

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def server():
    with SlowServer() as running:
        yield running


def test_it_runs_a_group_of_slow_checks_and_finalises_once(server):
    keys = [f"h{i}" for i in range(5)]
    project = make_project("/tmp", category("c", *(http(k, server.url(50, k)) for k in keys)))
    assessment = assessment_create(project=project, trigger=Trigger.MANUAL)
    ids = [results(assessment)[k].pk for k in keys]

    written = assessment_run_slow_checks(assessment_id=assessment.pk, result_ids=ids)

    assert written == 5
    assessment.refresh_from_db()
    assert assessment.status == AssessmentStatus.DONE
    assert assessment.checks_done == assessment.checks_total == 5
    assert assessment.score == 10.0 == assessment_scorecard(assessment=assessment).score
    assert CategoryScore.objects.filter(assessment=assessment).count() == 1
    assert {r.status for r in results(assessment).values()} == {ResultStatus.PASS}
    assert {r.attempts for r in results(assessment).values()} == {1}


def test_it_writes_nothing_on_a_duplicate_delivery(server):
    project = make_project(
        "/tmp", category("c", http("a", server.url(0)), http("b", server.url(0)))
    )
    assessment = assessment_create(project=project, trigger=Trigger.MANUAL)
    ids = [r.pk for r in results(assessment).values()]
    assert assessment_run_slow_checks(assessment_id=assessment.pk, result_ids=ids) == 2
    stored = {k: (r.summary, r.finished_at) for k, r in results(assessment).items()}

    assert assessment_run_slow_checks(assessment_id=assessment.pk, result_ids=ids) == 0

    assert {k: (r.summary, r.finished_at) for k, r in results(assessment).items()} == stored
    assessment.refresh_from_db()
    assert assessment.checks_done == 2


def test_it_runs_nothing_of_a_cancelled_assessment(server):
    project = make_project(
        "/tmp", category("c", http("a", server.url(0)), http("b", server.url(0)))
    )
    assessment = assessment_create(project=project, trigger=Trigger.MANUAL)
    ids = [r.pk for r in results(assessment).values()]
    assessment_cancel(assessment=assessment)

    assert assessment_run_slow_checks(assessment_id=assessment.pk, result_ids=ids) == 0
    assert sum(server.hits.values()) == 0
    assert {r.status for r in results(assessment).values()} == {ResultStatus.SKIP}


def test_it_stores_a_fast_check_while_a_slower_one_of_its_group_runs(server):
    project = make_project(
        "/tmp", category("c", http("fast", server.url(0)), http("slow", server.url(1500)))
    )
    assessment = assessment_create(project=project, trigger=Trigger.MANUAL)
    ids = [r.pk for r in results(assessment).values()]
    runner = threading.Thread(
        target=assessment_run_slow_checks,
        kwargs={"assessment_id": assessment.pk, "result_ids": ids},
    )
    runner.start()
    try:
        deadline = time.monotonic() + 10
        while results(assessment)["fast"].status == ResultStatus.RUNNING or (
            results(assessment)["fast"].status == ResultStatus.PENDING
        ):
            assert time.monotonic() < deadline
            time.sleep(0.05)
        rows = results(assessment)
        assert rows["fast"].status == ResultStatus.PASS
        assert rows["slow"].status == ResultStatus.RUNNING
        # Only the slow check is still registered for its hard limit: a check stored
        # early is not taken for stuck while its group runs on.
        registered = {pk for running in hard_limits.within_limits() for pk, _ in running.rows}
        assert registered == {rows["slow"].pk}
    finally:
        runner.join()
    assert results(assessment)["slow"].status == ResultStatus.PASS
    assessment.refresh_from_db()
    assert assessment.status == AssessmentStatus.DONE


def test_it_sends_the_slow_checks_in_groups_and_the_file_checks_in_one_scan():
    rows = [(100, "grep"), *((n, "http") for n in range(1, 11)), (101, "file")]
    rows += [(200, "command"), (11, "threshold"), (201, "command")]

    calls = assessment_tasks(7, rows)

    assert [(c.name, c.args) for c in calls] == [
        (RUN_FILE_CHECKS_TASK, (7,)),
        (RUN_SLOW_CHECKS_TASK, (7, list(range(1, SLOW_CHECKS_PER_TASK + 1)))),
        (RUN_SLOW_CHECKS_TASK, (7, list(range(SLOW_CHECKS_PER_TASK + 1, 11)))),
        # A command (this machine's CPU) or a threshold (it may wait for the source) runs
        # alone: at most as many at once as the io worker has threads.
        (RUN_SLOW_CHECKS_TASK, (7, [200])),
        (RUN_SLOW_CHECKS_TASK, (7, [11])),
        (RUN_SLOW_CHECKS_TASK, (7, [201])),
    ]


def test_when_a_store_fails_every_check_of_the_group_not_stored_is_given_back(server):
    project = make_project(
        "/tmp", category("c", http("fast", server.url(0)), http("slow", server.url(400)))
    )
    assessment = assessment_create(project=project, trigger=Trigger.MANUAL)
    ids = [r.pk for r in results(assessment).values()]

    def refuse_the_results(execute, sql, params, many, context):
        if sql.startswith("UPDATE") and '"finished_at"' in sql:
            raise OperationalError("database is locked")
        return execute(sql, params, many, context)

    with connection.execute_wrapper(refuse_the_results), pytest.raises(OperationalError):
        assessment_run_slow_checks(assessment_id=assessment.pk, result_ids=ids)

    # Neither the check whose store failed nor the one still running stays claimed: the
    # task's retry runs both at once, their attempt not spent.
    rows = results(assessment)
    assert {(r.status, r.attempts) for r in rows.values()} == {(ResultStatus.PENDING, 0)}
    assert assessment_run_slow_checks(assessment_id=assessment.pk, result_ids=ids) == 2
    assert {r.status for r in results(assessment).values()} == {ResultStatus.PASS}
