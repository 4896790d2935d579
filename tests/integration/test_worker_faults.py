"""What a real worker does when something goes wrong beyond what a checker handles: a
check stuck past its hard limit, a check that kills its worker, a broken file in the
embedded broker, a broker that stops working under a worker, and bin/worker restarting a
worker that exits."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
from pathlib import Path

import pytest
from django.conf import settings

from readiness.models import Trigger
from readiness.services.assessments import assessment_start
from tests.integration.conftest import HARD_LIMIT_MARGIN_S, LEASE_S
from tests.integration.support import SlowServer, filesystem_broker, using
from tests.integration.test_worker import (
    assert_complete,
    category,
    http,
    make_project,
    rows_by_key,
    wait_for,
    wait_for_rows,
    wait_until_finished,
)

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]

FAULTY_APP = "tests.integration.faulty_app"
embedded_only = pytest.mark.skipif(
    bool(settings.REDIS_URL), reason="a fault of the embedded broker's folder"
)


@pytest.fixture
def server():
    with SlowServer() as running:
        yield running


@pytest.fixture
def lease(settings):
    """This process sweeps with the workers' lease."""
    settings.READINESS_LEASE_SECONDS = LEASE_S


def wait_for_exit(worker, *, timeout_s):
    try:
        return worker.process.wait(timeout=timeout_s)
    except subprocess.TimeoutExpired:
        raise AssertionError(
            f"the worker is still alive after {timeout_s} s:\n{worker.tail()}"
        ) from None


def test_a_check_stuck_past_its_hard_limit_is_timed_out_and_its_worker_exits(
    workers, lease, server, tmp_path
):
    (tmp_path / "README.md").write_text("hello\n")
    project = make_project(
        tmp_path,
        category(
            "c",
            http("stuck-1", server.url(0, "stuck"), timeout_s=1),
            http("fine", server.url(0, "fine")),
            {"key": "readme", "type": "file", "paths": ["README.md"]},
        ),
    )
    worker = workers.start(app=FAULTY_APP)

    assessment = assessment_start(project=project, trigger=Trigger.MANUAL)
    assessment = wait_until_finished(assessment, timeout_s=30, sweep=True)

    assert_complete(assessment)
    rows = rows_by_key(assessment)
    limit = 1 + HARD_LIMIT_MARGIN_S
    assert (rows["stuck-1"].status, rows["stuck-1"].summary) == (
        "fail",
        f"timed out after {limit}s",
    )
    assert rows["stuck-1"].details["hard_limit_s"] == limit
    assert rows["stuck-1"].attempts == 1  # never sent again as a lost check
    assert (rows["fine"].status, rows["readme"].status) == ("pass", "pass")
    # Its thread is still blocked: the worker stops so that its supervisor starts a fresh one.
    assert wait_for_exit(worker, timeout_s=30) == 1
    assert "stuck past their hard limit" in worker.tail(200)


def test_a_check_that_kills_its_worker_is_worker_lost_once_its_attempts_are_used(
    workers, lease, server, tmp_path
):
    # Alone: a check sent again with it could be killed along with it every time.
    project = make_project(tmp_path, category("c", http("kill-1", server.url(0), timeout_s=1)))
    live = [workers.start(app=FAULTY_APP)]

    def restart_a_dead_worker():
        if not live[-1].alive:
            live.append(workers.start(app=FAULTY_APP))

    assessment = assessment_start(project=project, trigger=Trigger.MANUAL)
    assessment = wait_until_finished(
        assessment, timeout_s=90, sweep=True, supervise=restart_a_dead_worker
    )
    live[-1].stop()

    assert_complete(assessment)
    rows = rows_by_key(assessment)
    attempts = settings.READINESS_MAX_ATTEMPTS
    assert (rows["kill-1"].status, rows["kill-1"].summary) == (
        "error",
        f"worker lost: no result after {attempts} attempts",
    )
    assert rows["kill-1"].attempts == attempts
    assert len(live) >= attempts  # each attempt killed a worker


@embedded_only
def test_a_half_written_message_does_not_stop_the_worker(workers, lease, server, tmp_path):
    broker = filesystem_broker(tmp_path / "broker")
    # What kombu's own filesystem transport leaves when its writer is killed mid-write.
    # That transport's workers died on it: "Unrecoverable error: JSONDecodeError".
    queue = tmp_path / "broker" / "queue"
    (queue / f"0_half.{broker.queue}.msg").write_text('{"body": "eyJh')
    project = make_project(
        "/tmp", category("c", http("a", server.url(0)), http("b", server.url(0)))
    )

    with using(broker), workers.running(broker) as worker:
        assessment = assessment_start(project=project, trigger=Trigger.MANUAL)
        assessment = wait_until_finished(assessment, timeout_s=30)
        assert worker.alive

    assert_complete(assessment)
    assert os.listdir(tmp_path / "broker" / "quarantine") == [f"0_half.{broker.queue}.msg"]
    assert f"0_half.{broker.queue}.msg is not a message" in worker.tail(200)


@embedded_only
def test_a_worker_whose_broker_fails_exits_non_zero_even_with_a_stuck_check(
    workers, lease, server, tmp_path
):
    broker = filesystem_broker(tmp_path / "broker")
    project = make_project("/tmp", category("c", http("stuck-1", server.url(0), timeout_s=1)))

    with using(broker), workers.running(broker, app=FAULTY_APP) as worker:
        assessment = assessment_start(project=project, trigger=Trigger.MANUAL)
        wait_for_rows(assessment, ["stuck-1"], "running")
        queue = tmp_path / "broker" / "queue"
        shutil.rmtree(queue)
        queue.write_text("not a folder")  # the worker's next read of the queue fails
        # Celery's stop waits for every thread of its pool, the stuck one too: without the
        # watchdog this worker would stay alive, consuming nothing.
        assert wait_for_exit(worker, timeout_s=40) == 1

    log = worker.tail(300)
    assert "Unrecoverable error" in log
    assert "no check is left within its limit" in log
    assessment.refresh_from_db()
    stuck = rows_by_key(assessment)["stuck-1"]
    assert (stuck.status, stuck.summary) == ("fail", f"timed out after {1 + HARD_LIMIT_MARGIN_S}s")


def celery_processes(wrapper):
    """The Celery workers that bin/worker (`wrapper`) runs, by role: its children are one
    supervisor per role, whose child is the worker."""

    def children(pid):
        found = subprocess.run(["pgrep", "-P", str(pid)], capture_output=True, text=True)
        return [int(child) for child in found.stdout.split()]

    workers = {}
    for supervisor in children(wrapper.pid):
        for pid in children(supervisor):
            try:
                argv = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
            except FileNotFoundError:
                continue
            if b"celery" in b" ".join(argv):
                role = "scan" if b"scan@%h" in argv else "io"
                workers[role] = pid
    return workers


def test_bin_worker_starts_a_killed_worker_again_and_stops_on_sigterm(
    workers, broker, lease, server, tmp_path
):
    log = tmp_path / "bin-worker.log"
    wrapper = subprocess.Popen(
        [settings.BASE_DIR / "bin" / "worker"],
        cwd=settings.BASE_DIR,
        env={**workers.env(), "READINESS_SCAN_CONCURRENCY": "1"},
        stdout=log.open("wb"),
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:

        def ready_count():
            return log.read_text(errors="replace").count(" ready.")

        wait_for(lambda: ready_count() == 2, timeout_s=90)
        wait_for(lambda: len(celery_processes(wrapper)) == 2)
        first = celery_processes(wrapper)
        os.kill(first["io"], signal.SIGKILL)
        wait_for(lambda: ready_count() == 3, timeout_s=60)
        now = celery_processes(wrapper)
        assert now["io"] != first["io"] and now["scan"] == first["scan"]
        assert "the io worker exited with status 137; starting it again in 1 s" in log.read_text()

        project = make_project("/tmp", category("c", http("a", server.url(0))))
        assessment = assessment_start(project=project, trigger=Trigger.MANUAL)
        wait_until_finished(assessment, timeout_s=30)

        wrapper.send_signal(signal.SIGTERM)
        assert wrapper.wait(timeout=60) == 0
        for pid in now.values():
            with pytest.raises(ProcessLookupError):
                os.kill(pid, 0)
    finally:
        if wrapper.poll() is None:
            os.killpg(wrapper.pid, signal.SIGKILL)
            wrapper.wait()
