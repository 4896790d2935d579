"""The pipeline through real worker processes and a real broker: the embedded defaults,
or Redis and PostgreSQL when REDIS_URL and DATABASE_URL are set."""

from __future__ import annotations

import datetime as dt
import shutil
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import redis
import yaml

from checks.checklist import load_checklist
from readiness.celery import app as celery_app
from readiness.models import Assessment, AssessmentStatus, CheckResult, Trigger
from readiness.queue import QueueUnavailable
from readiness.services.assessments import assessment_scorecard, assessment_start
from readiness.services.checklists import checklist_version_save
from readiness.services.sweeper import assessment_sweep
from tests.factories import AttestationFactory, ProjectFactory
from tests.integration.conftest import LEASE_S, WORKER_THREADS
from tests.integration.support import SlowServer, free_port, queue_size, redis_broker, using
from tests.readiness.repo_builders import GitRepo, category, checklist

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]

WHEN = dt.datetime(2026, 2, 16, 9, 0, tzinfo=dt.UTC)
FINISHED = ("pass", "warn", "fail", "error", "skip")


@pytest.fixture
def server() -> Iterator[SlowServer]:
    with SlowServer() as running:
        yield running


def make_project(source, *categories, **fields):
    text = yaml.safe_dump(checklist(*categories), sort_keys=False)
    project = ProjectFactory(source=str(source), **fields)
    checklist_version_save(project=project, checklist=load_checklist(text), source_text=text)
    return project


def http(key, url, timeout_s=4):
    return {"key": key, "type": "http", "url": url, "timeout_s": timeout_s}


def grep(key, pattern):
    return {"key": key, "type": "grep", "paths": ["**/*.py"], "pattern": pattern}


def wait_until_finished(assessment, *, timeout_s, sweep=False, supervise=None):
    """Poll the row the dashboard reads; with `sweep`, sweep as beat would meanwhile, and
    call `supervise` on each poll (a process supervisor's round)."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        assessment.refresh_from_db()
        if assessment.is_finished:
            return assessment
        if sweep:
            assessment_sweep()
        if supervise is not None:
            supervise()
        time.sleep(0.25)
    rows = dict(assessment.results.values_list("check_item__key", "status"))
    raise AssertionError(f"assessment #{assessment.pk} still {assessment.status}: {rows}")


def wait_for_rows(assessment, keys, status, *, timeout_s=20):
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        rows = assessment.results.filter(check_item__key__in=keys, status=status)
        if rows.count() == len(keys):
            return
        time.sleep(0.05)
    raise AssertionError(f"{keys} never all {status}")


def wait_for(condition, *, timeout_s=20):
    deadline = time.monotonic() + timeout_s
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.05)


def rows_by_key(assessment):
    return {r.check_item.key: r for r in assessment.results.select_related("check_item")}


def assert_complete(assessment):
    """Every check has exactly one finished result, counted once, and the stored score
    is the one its results give."""
    rows = rows_by_key(assessment)
    assert assessment.status == AssessmentStatus.DONE
    assert {r.status for r in rows.values()} <= set(FINISHED)
    assert assessment.checks_done == assessment.checks_total == len(rows)
    assert len(rows) == assessment.checklist.checks.count()
    card = assessment_scorecard(assessment=assessment)
    assert (assessment.score, assessment.coverage) == (card.score, card.coverage)
    stored = list(assessment.category_scores.values_list("key", "score"))
    assert stored == [(c.key, c.score) for c in card.categories]


def test_a_worker_runs_an_assessment_end_to_end(worker, server, tmp_path):
    git = GitRepo(tmp_path / "repo")
    sha = git.commit({"app/settings.py": "DEBUG = False\n"}, when=WHEN)
    project = make_project(
        git.root,
        category("security", grep("no-debug", "DEBUG = False"), grep("csp", "CSP_"), weight=2),
        category(
            "ops",
            http("health", server.url(100, "health")),
            http("ready", server.url(100, "ready")),
            {"key": "runbook", "type": "manual"},
        ),
    )
    AttestationFactory(project=project, check_key="runbook", status="pass")

    assessment = assessment_start(project=project, trigger=Trigger.MANUAL)
    assessment = wait_until_finished(assessment, timeout_s=30)

    assert_complete(assessment)
    statuses = {key: row.status for key, row in rows_by_key(assessment).items()}
    assert statuses == {
        "no-debug": "pass",
        "csp": "fail",
        "health": "pass",
        "ready": "pass",
        "runbook": "pass",
    }
    assert assessment.revision == sha
    assert assessment.score == pytest.approx((2 * 10 * (1 + 0) / 2 + 1 * 10.0) / 3, abs=1e-9)
    attempts = {key: row.attempts for key, row in rows_by_key(assessment).items()}
    # The manual check was decided from its attestation when the assessment was created.
    assert attempts == {"no-debug": 1, "csp": 1, "health": 1, "ready": 1, "runbook": 0}


def send_every_task_again(assessment, broker):
    """Publish each of the assessment's task messages once more, as a broker that
    delivers twice would."""
    celery_app.send_task(
        "readiness.tasks.run_file_checks_task", args=[assessment.pk], queue=broker.queue
    )
    for pk in assessment.results.values_list("pk", flat=True):
        celery_app.send_task("readiness.tasks.run_check_task", args=[pk], queue=broker.queue)


def wait_until_drained(broker, *, timeout_s=20):
    deadline = time.monotonic() + timeout_s
    while queue_size(broker) and time.monotonic() < deadline:
        time.sleep(0.1)
    time.sleep(1)  # the last messages taken are being handled


def test_duplicate_deliveries_store_one_result_each_and_the_same_score(worker, server, broker):
    keys = [f"h{i}" for i in range(6)]
    project = make_project("/tmp", category("c", *(http(k, server.url(300, k)) for k in keys)))

    assessment = assessment_start(project=project, trigger=Trigger.MANUAL)
    send_every_task_again(assessment, broker)  # while it runs
    assessment = wait_until_finished(assessment, timeout_s=30)
    finished = {
        key: (row.finished_at, row.attempts) for key, row in rows_by_key(assessment).items()
    }
    score = assessment.score
    send_every_task_again(assessment, broker)  # after it finished
    wait_until_drained(broker)

    assessment.refresh_from_db()
    assert_complete(assessment)
    assert assessment.score == score == 10.0
    after = {key: (row.finished_at, row.attempts) for key, row in rows_by_key(assessment).items()}
    assert after == finished
    assert {attempts for _, attempts in after.values()} == {1}
    # Each check ran once: the duplicates found their row claimed or finished.
    assert [server.hits[f"/delay/300/{k}"] for k in keys] == [1] * len(keys)


def test_a_killed_worker_loses_no_check_and_counts_none_twice(workers, worker, server, tmp_path):
    project = make_project(
        tmp_path,
        category(
            "c",
            http("fast-1", server.url(0, "fast-1")),
            http("fast-2", server.url(0, "fast-2")),
            http("slow-1", server.url(3000, "slow-1")),
            http("slow-2", server.url(3000, "slow-2")),
            {"key": "readme", "type": "file", "paths": ["README.md"]},
        ),
    )
    (tmp_path / "README.md").write_text("hello\n")

    assessment = assessment_start(project=project, trigger=Trigger.MANUAL)
    wait_for_rows(assessment, ["slow-1", "slow-2"], "running")
    wait_for(lambda: server.hits["/delay/3000/slow-1"] and server.hits["/delay/3000/slow-2"])
    worker.kill()  # in the middle of both slow checks
    replacement = workers.start()
    assessment = wait_until_finished(assessment, timeout_s=60, sweep=True)

    assert replacement.alive
    assert_complete(assessment)
    rows = rows_by_key(assessment)
    assert {key: row.status for key, row in rows.items()} == dict.fromkeys(rows, "pass")
    # The killed attempt is the only one lost; the retry's result is the one stored.
    assert (rows["slow-1"].attempts, rows["slow-2"].attempts) == (2, 2)
    assert (server.hits["/delay/3000/slow-1"], server.hits["/delay/3000/slow-2"]) == (2, 2)
    assert assessment.score == 10.0


@pytest.fixture
def private_redis(tmp_path) -> Iterator[RedisServer]:
    if shutil.which("redis-server") is None:
        pytest.fail("redis-server is not installed (apt-get install redis-server)")
    server = RedisServer(tmp_path / "redis", free_port())
    server.start()
    yield server
    server.stop()


class RedisServer:
    """A redis-server of the test's own, which the test may stop and start again. Its
    append-only file keeps the queued messages across a restart, like a real broker."""

    def __init__(self, folder: Path, port: int) -> None:
        self.folder = folder
        self.port = port
        self.url = f"redis://127.0.0.1:{port}/0"
        self.process: subprocess.Popen | None = None
        folder.mkdir(parents=True, exist_ok=True)

    def start(self) -> None:
        self.process = subprocess.Popen(
            [
                "redis-server",
                "--port", str(self.port),
                "--bind", "127.0.0.1",
                "--dir", str(self.folder),
                "--appendonly", "yes",
                "--save", "",
            ],
            stdout=(self.folder / "redis.log").open("ab"),
            stderr=subprocess.STDOUT,
        )  # fmt: skip
        client = redis.Redis.from_url(self.url)
        deadline = time.monotonic() + 10
        while True:
            try:
                client.ping()
                return
            except redis.ConnectionError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.05)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()  # redis writes its append-only file and exits
            self.process.wait(timeout=10)


def test_a_run_completes_once_the_broker_is_back(workers, settings, server, private_redis):
    settings.READINESS_LEASE_SECONDS = LEASE_S
    broker = redis_broker(private_redis.url, lease_s=LEASE_S)
    # More checks than the worker's threads take at once: some wait in the broker.
    keys = [f"h{i}" for i in range(WORKER_THREADS * 2 + 4)]
    project = make_project("/tmp", category("c", *(http(k, server.url(1500, k)) for k in keys)))
    other = make_project("/tmp", category("c", http("x", server.url(0))))

    with using(broker), workers.running(broker) as first:
        assessment = assessment_start(project=project, trigger=Trigger.MANUAL)
        wait_for_rows(assessment, keys[:1], "running")
        private_redis.stop()

        with pytest.raises(QueueUnavailable, match="the task queue is unavailable"):
            assessment_start(project=other, trigger=Trigger.MANUAL)
        assert not Assessment.objects.filter(project=other).exists()
        time.sleep(2)

        private_redis.start()
        # kombu can make a worker exit while it restores unacknowledged messages over a
        # lost Redis connection ("'NoneType' object has no attribute 'hostname'"), so
        # deployments run workers under a supervisor that restarts them: so does this test.
        live = [first]

        def restart_a_dead_worker():
            if not live[-1].alive:
                live.append(workers.start(broker))

        try:
            assessment = wait_until_finished(
                assessment, timeout_s=90, sweep=True, supervise=restart_a_dead_worker
            )
        finally:
            for worker in live[1:]:
                worker.stop()

    assert_complete(assessment)
    assert assessment.score == 10.0
    assert CheckResult.objects.filter(assessment=assessment).count() == len(keys)
