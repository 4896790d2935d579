"""The workers as bin/worker runs them: an "io" worker (threads) on the task queue and a
"scan" worker (a prefork pool, one process per core) on the scan queue. On the embedded
defaults, or on Redis and PostgreSQL when REDIS_URL and DATABASE_URL are set."""

from __future__ import annotations

import os
import re
import signal
import subprocess

import pytest
from django.conf import settings

from readiness.models import Trigger
from readiness.routing import scan_queue_name
from readiness.services.assessments import assessment_start
from tests.integration.conftest import HARD_LIMIT_MARGIN_S, LEASE_S, WORKER_THREADS
from tests.integration.support import SlowServer
from tests.integration.test_worker import (
    WHEN,
    assert_complete,
    category,
    grep,
    http,
    make_project,
    rows_by_key,
    wait_for,
    wait_until_finished,
)
from tests.integration.test_worker_faults import FAULTY_APP
from tests.readiness.repo_builders import GitRepo

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def server():
    with SlowServer() as running:
        yield running


@pytest.fixture
def lease(settings):
    """This process sweeps with the workers' lease."""
    settings.READINESS_LEASE_SECONDS = LEASE_S


def files_and_http_project(root, server):
    git = GitRepo(root)
    git.commit({"app/settings.py": "DEBUG = False\n", "README.md": "# hi\n"}, when=WHEN)
    return make_project(
        git.root,
        category("files", grep("no-debug", "DEBUG = False"), grep("csp", "CSP_")),
        category(
            "service",
            http("health", server.url(100, "health")),
            http("ready", server.url(50, "ready")),
        ),
    )


def test_bin_worker_consumes_both_queues_and_runs_scans_in_its_process_pool(
    workers, broker, lease, server, tmp_path
):
    log = tmp_path / "bin-worker.log"
    env = {**workers.env(), "READINESS_SCAN_CONCURRENCY": "2"}
    env.pop("READINESS_WORKER_ROLE", None)
    wrapper = subprocess.Popen(
        [settings.BASE_DIR / "bin" / "worker"],
        cwd=settings.BASE_DIR,
        env=env,
        stdout=log.open("wb"),
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        wait_for(lambda: log.read_text(errors="replace").count(" ready.") == 2, timeout_s=90)
        text = log.read_text(errors="replace")
        # One worker on each queue: threads on the task queue, processes on the scan queue.
        assert re.search(rf"\.> {re.escape(broker.queue)}\s+exchange=", text)
        assert re.search(rf"\.> {re.escape(scan_queue_name(broker.queue))}\s+exchange=", text)
        assert f"concurrency: {WORKER_THREADS} (thread)" in text
        assert "concurrency: 2 (prefork)" in text
        assert "io@" in text and "scan@" in text

        projects = [files_and_http_project(tmp_path / f"repo-{n}", server) for n in range(3)]
        started = [assessment_start(project=p, trigger=Trigger.MANUAL) for p in projects]
        for assessment in started:
            assessment = wait_until_finished(assessment, timeout_s=60)
            assert_complete(assessment)
            statuses = {key: row.status for key, row in rows_by_key(assessment).items()}
            assert statuses == {
                "no-debug": "pass",
                "csp": "fail",
                "health": "pass",
                "ready": "pass",
            }

        text = log.read_text(errors="replace")
        # Scans ran in the processes of the scan worker's pool, slow checks on threads.
        scans = re.findall(
            r"/(\w+)-?\d*\] Task readiness\.tasks\.run_file_checks_task\[\S+\] succeeded", text
        )
        checks = re.findall(
            r"/(\w+)-?\d*\] Task readiness\.tasks\.run_slow_checks_task\[\S+\] succeeded", text
        )
        assert scans and set(scans) == {"ForkPoolWorker"}
        assert checks and set(checks) == {"MainProcess"}

        wrapper.send_signal(signal.SIGTERM)
        assert wrapper.wait(timeout=60) == 0
    finally:
        if wrapper.poll() is None:
            os.killpg(wrapper.pid, signal.SIGKILL)
            wrapper.wait()


def test_a_scan_stuck_in_a_pool_process_is_timed_out_and_the_process_replaced(
    workers, lease, server, tmp_path
):
    (tmp_path / "README.md").write_text("hello\n")
    stuck = make_project(
        tmp_path,
        category(
            "files",
            {"key": "stuck-scan", "type": "file", "paths": ["README.md"]},
            {"key": "readme", "type": "file", "paths": ["README.md"]},
        ),
        category("service", http("fine", server.url(0, "fine"))),
    )
    io = workers.start(role="io")
    scan = workers.start(app=FAULTY_APP, role="scan")

    assessment = assessment_start(project=stuck, trigger=Trigger.MANUAL)
    assessment = wait_until_finished(assessment, timeout_s=60, sweep=True)

    assert_complete(assessment)
    rows = rows_by_key(assessment)
    limit = LEASE_S + HARD_LIMIT_MARGIN_S  # a scan's bound is the lease
    for key in ("stuck-scan", "readme"):  # one scan: both of its checks
        assert (rows[key].status, rows[key].summary) == ("error", f"timed out after {limit}s")
        assert rows[key].attempts == 1
    assert rows["fine"].status == "pass"

    # The pool process whose task is stuck ends; the worker stays and starts another one,
    # which takes the message again and finds nothing left to do.
    wait_for(lambda: "ending the process so that the pool starts a fresh one" in scan.tail(400))
    assert scan.alive and io.alive
    other = make_project(
        tmp_path, category("files", {"key": "readme", "type": "file", "paths": ["README.md"]})
    )
    done = wait_until_finished(
        assessment_start(project=other, trigger=Trigger.MANUAL), timeout_s=60
    )
    assert rows_by_key(done)["readme"].status == "pass"
    assert rows_by_key(assessment)["stuck-scan"].attempts == 1
    scan.stop()
    io.stop()
