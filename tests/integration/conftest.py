"""Real `celery -A readiness worker` processes for the pipeline's tests.

Workers use the test database this process uses (passed as DATABASE_URL), a broker of
this module's own (a filesystem folder, or the REDIS_URL server with queues named for
this run, so that parallel runs never take each other's messages) and a short lease.

By default a test worker is one process with a pool of threads serving both queues (the
task queue and the scan queue); `role="scan"` starts a worker as bin/worker starts its
scan worker (a prefork pool on the scan queue only), and test_topology.py runs bin/worker
itself."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import quote

import pytest
from django.conf import settings
from django.db import connection
from pytest_django.fixtures import Settings

from readiness.routing import scan_queue_name
from tests.integration.support import Broker, private_broker, using

LEASE_S = 5
HARD_LIMIT_MARGIN_S = 2  # shorter than the lease, as the settings require
WORKER_THREADS = 8
READY_TIMEOUT_S = 60


def database_url() -> str:
    """The URL of the database this process is using (the test database once set up)."""
    db = connection.settings_dict
    if db["ENGINE"] == "django.db.backends.sqlite3":
        return f"sqlite:///{Path(db['NAME']).resolve()}"
    if db["ENGINE"] == "django.db.backends.postgresql":
        user = quote(db.get("USER") or "")
        password = f":{quote(db['PASSWORD'])}" if db.get("PASSWORD") else ""
        credentials = f"{user}{password}@" if user else ""
        return (
            f"postgres://{credentials}{db.get('HOST') or ''}:{db.get('PORT') or 5432}/{db['NAME']}"
        )
    raise RuntimeError(f"no worker test setup for {db['ENGINE']}")


class WorkerProcess:
    """One worker process, in its own process group so that a SIGKILL takes all of it."""

    def __init__(
        self,
        env: Mapping[str, str],
        log: Path,
        name: str,
        broker: Broker,
        app: str = "readiness",
        role: str = "",
    ) -> None:
        self.log = log
        self.broker = broker
        self.app = app
        self.role = role
        queue = env["READINESS_QUEUE"]
        if role == "scan":
            queues = scan_queue_name(queue)
            env = {**env, "READINESS_WORKER_ROLE": "scan"}
        elif role == "io":
            queues = queue
            env = {**env, "READINESS_WORKER_ROLE": "io"}
        else:
            queues = f"{queue},{scan_queue_name(queue)}"
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                app,
                "worker",
                "--loglevel",
                "INFO",
                "--queues",
                queues,
                "--hostname",
                f"{name}@%h",
                "--without-gossip",
                "--without-mingle",
                "--without-heartbeat",
            ],
            cwd=settings.BASE_DIR,
            env=dict(env),
            stdin=subprocess.DEVNULL,
            stdout=log.open("ab"),
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        self._wait_ready()

    def _wait_ready(self) -> None:
        deadline = time.monotonic() + READY_TIMEOUT_S
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"the worker exited ({self.process.returncode}):\n{self.tail()}")
            if " ready." in self.log.read_text(errors="replace"):
                return
            time.sleep(0.1)
        self.kill()
        raise RuntimeError(f"the worker did not start in {READY_TIMEOUT_S} s:\n{self.tail()}")

    def tail(self, lines: int = 40) -> str:
        return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])

    @property
    def alive(self) -> bool:
        return self.process.poll() is None

    def kill(self) -> None:
        """SIGKILL, as the OOM killer or a pulled plug would: no cleanup of any kind."""
        if self.alive:
            os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=10)

    def stop(self) -> None:
        if self.alive:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.kill()


class Workers:
    """Starts workers on one broker; `current()` is a live one, started on first use."""

    def __init__(self, broker: Broker, data_dir: Path) -> None:
        self.broker = broker
        self.data_dir = data_dir
        self.started: list[WorkerProcess] = []

    def env(self, broker: Broker | None = None) -> dict[str, str]:
        return {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "readiness.settings",
            "DATABASE_URL": database_url(),
            "READINESS_DATA_DIR": str(self.data_dir),
            "READINESS_LEASE_SECONDS": str(LEASE_S),
            "READINESS_HARD_LIMIT_MARGIN_SECONDS": str(HARD_LIMIT_MARGIN_S),
            "READINESS_ALLOW_COMMANDS": "0",
            "READINESS_WORKER_CONCURRENCY": str(WORKER_THREADS),
            **(broker or self.broker).env(),
        }

    def start(
        self, broker: Broker | None = None, *, app: str = "readiness", role: str = ""
    ) -> WorkerProcess:
        """A new worker; `app` "tests.integration.faulty_app" for one whose engine hangs or
        dies on checks named for it; `role` "io" or "scan" for one of bin/worker's two
        (by default, one pool of threads on both queues)."""
        number = len(self.started) + 1
        worker = WorkerProcess(
            self.env(broker),
            self.data_dir / f"worker-{number}.log",
            f"test-worker-{number}",
            broker or self.broker,
            app,
            role,
        )
        self.started.append(worker)
        return worker

    @contextmanager
    def running(self, broker: Broker, *, app: str = "readiness") -> Iterator[WorkerProcess]:
        """A worker on another broker, for the duration of the block."""
        worker = self.start(broker, app=app)
        try:
            yield worker
        finally:
            worker.stop()

    def current(self) -> WorkerProcess:
        live = [
            w
            for w in self.started
            if w.alive and w.broker == self.broker and w.app == "readiness" and not w.role
        ]
        return live[-1] if live else self.start()

    def stop_all(self) -> None:
        for worker in self.started:
            worker.stop()

    def logs(self) -> str:
        return "\n".join(w.log.read_text(errors="replace") for w in self.started)


@pytest.fixture(scope="module")
def broker(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Broker]:
    with using(private_broker(tmp_path_factory.mktemp("broker"))) as private:
        yield private


@pytest.fixture(scope="module")
def workers(
    broker: Broker, django_db_setup: None, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Workers]:
    started = Workers(broker, tmp_path_factory.mktemp("worker-data"))
    yield started
    started.stop_all()
    # SQLite under the web side's and the workers' writes at once: WAL, busy timeout and
    # immediate transactions must keep every write waiting its turn, never failing.
    assert "database is locked" not in started.logs()


@pytest.fixture
def worker(workers: Workers, settings: Settings) -> WorkerProcess:
    """A live worker; this process sweeps with the workers' lease."""
    settings.READINESS_LEASE_SECONDS = LEASE_S
    return workers.current()
