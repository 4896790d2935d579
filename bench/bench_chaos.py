"""Chaos run: many assessments of a checklist with file, http and command checks, through
real worker processes, while this script SIGKILLs a random worker every few seconds (each
worker runs under bin/worker, which starts it again), and, on PostgreSQL and Redis,
restarts the broker twice and the database once. At the end every assessment must have
finished with one result per check, none lost, none counted twice, and the score, the
coverage and every check's status of the same checklist evaluated in this process.

    .venv/bin/python bench/bench_chaos.py [--config embedded|services] [--assessments 300]
        [--workers 2] [--kill-every 3] [--time-limit 540]

`embedded`: SQLite and the embedded broker, in a folder of its own under bench/.work.
`services`: a PostgreSQL cluster (initdb, port 5440, data in /tmp) and a redis-server
(port 6390, append-only file) of its own, started here and removed at the end, so that
the machine's shared servers are never restarted. The figures are printed; the exit
status is 1 when a result was lost or doubled, or a score differs."""

from __future__ import annotations

import argparse
import contextlib
import os
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
WORK = ROOT / "bench" / ".work"
PG_PORT = 5440
REDIS_PORT = 6390
LEASE_S = 10
MARGIN_S = 5
SWEEP_S = 2
# A random kill may hit the same check more than once; attempts enough that the chaos,
# not the checks, is what is measured (the default, 3, is for checks that kill workers).
MAX_ATTEMPTS = 10


def parse() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--config", choices=("embedded", "services"), default="embedded")
    parser.add_argument("--assessments", type=int, default=300)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--kill-every", type=float, default=3.0, help="seconds, on average")
    parser.add_argument("--submit-over", type=float, default=60.0, help="seconds")
    parser.add_argument("--time-limit", type=float, default=540.0, help="seconds")
    return parser.parse_args()


# Servers of the run's own.


def run(*argv: str, user: str | None = None, **kwargs: Any) -> subprocess.CompletedProcess:
    if user:
        argv = ("runuser", "-u", user, "--", *argv)
    return subprocess.run(argv, check=True, capture_output=True, text=True, **kwargs)


def pg_bin(name: str) -> str:
    found = sorted(Path("/usr/lib/postgresql").glob(f"*/bin/{name}"))
    return str(found[-1]) if found else name


class Postgres:
    """A throwaway cluster, run as the postgres user (the server refuses root)."""

    def __init__(self) -> None:
        self.data = Path(tempfile.mkdtemp(prefix="readiness-chaos-pg-"))
        shutil.chown(self.data, "postgres", "postgres")
        self.url = f"postgres://postgres@127.0.0.1:{PG_PORT}/readiness_chaos"

    def start(self, *, first: bool = False) -> None:
        if first:
            run(pg_bin("initdb"), "-D", str(self.data), "-A", "trust", "-U", "postgres",
                "--no-sync", user="postgres")  # fmt: skip
        options = f"-p {PG_PORT} -k {self.data} -c listen_addresses=127.0.0.1 -c fsync=off"
        run(pg_bin("pg_ctl"), "-D", str(self.data), "-o", options, "-l",
            str(self.data / "log"), "-w", "start", user="postgres")  # fmt: skip
        if first:
            run(pg_bin("createdb"), "-h", "127.0.0.1", "-p", str(PG_PORT), "-U", "postgres",
                "readiness_chaos")  # fmt: skip

    def crash_and_restart(self) -> None:
        # Immediate: no checkpoint, every connection cut, recovery from the WAL at start.
        run(pg_bin("pg_ctl"), "-D", str(self.data), "-m", "immediate", "-w", "stop",
            user="postgres")  # fmt: skip
        time.sleep(2)
        self.start()

    def remove(self) -> None:
        with contextlib.suppress(subprocess.CalledProcessError):
            run(pg_bin("pg_ctl"), "-D", str(self.data), "-m", "immediate", "-w", "stop",
                user="postgres")  # fmt: skip
        shutil.rmtree(self.data, ignore_errors=True)


class Redis:
    """A redis-server whose append-only file keeps queued messages across a restart."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        folder.mkdir(parents=True)
        self.url = f"redis://127.0.0.1:{REDIS_PORT}/0"
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        self.process = subprocess.Popen(
            ["redis-server", "--port", str(REDIS_PORT), "--bind", "127.0.0.1",
             "--dir", str(self.folder), "--appendonly", "yes", "--save", ""],
            stdout=(self.folder / "log").open("ab"),
            stderr=subprocess.STDOUT,
        )  # fmt: skip
        deadline = time.monotonic() + 10
        while subprocess.run(["redis-cli", "-p", str(REDIS_PORT), "ping"],
                             capture_output=True).returncode:  # fmt: skip
            if time.monotonic() > deadline:
                raise SystemExit("redis-server did not start")
            time.sleep(0.1)

    def restart(self, *, kill: bool) -> None:
        """Stop (SIGTERM: redis writes its file; SIGKILL: the last second may be lost, the
        sweeper sends it again) and start again after 2 s."""
        assert self.process is not None
        self.process.send_signal(signal.SIGKILL if kill else signal.SIGTERM)
        self.process.wait(timeout=30)
        time.sleep(2)
        self.start()

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=30)


# The run's environment, set before Django reads its settings.

options = parse()
WORK.mkdir(parents=True, exist_ok=True)
FOLDER = Path(tempfile.mkdtemp(prefix=f"chaos-{options.config}-", dir=WORK))
postgres = redis_server = None
if options.config == "services":
    if shutil.which("redis-server") is None:
        raise SystemExit("redis-server is not installed")
    postgres = Postgres()
    postgres.start(first=True)
    redis_server = Redis(FOLDER / "redis")
    redis_server.start()
    os.environ.update(DATABASE_URL=postgres.url, REDIS_URL=redis_server.url)
else:
    for name in ("DATABASE_URL", "REDIS_URL"):
        os.environ.pop(name, None)
SANDBOX = subprocess.run(["bwrap", "--ro-bind", "/", "/", "true"], capture_output=True)
os.environ.update(
    DJANGO_SETTINGS_MODULE="readiness.settings",
    READINESS_DATA_DIR=str(FOLDER / "data"),
    READINESS_QUEUE=f"bench-chaos-{uuid.uuid4().hex[:8]}",
    READINESS_LEASE_SECONDS=str(LEASE_S),
    READINESS_HARD_LIMIT_MARGIN_SECONDS=str(MARGIN_S),
    READINESS_SWEEP_SECONDS=str(SWEEP_S),
    READINESS_MAX_ATTEMPTS=str(MAX_ATTEMPTS),
    READINESS_ALLOW_COMMANDS="true",
)
if shutil.which("bwrap") is None or SANDBOX.returncode:
    os.environ["READINESS_COMMAND_SANDBOX"] = "none"  # commands run without bubblewrap
sys.path.insert(0, str(ROOT))

import django  # noqa: E402

django.setup()

import yaml  # noqa: E402
from django.conf import settings  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import DatabaseError, close_old_connections, connection  # noqa: E402

from checks.checklist import load_checklist  # noqa: E402
from checks.runner import run_checklist  # noqa: E402
from readiness.models import Assessment, CheckResult, Project, Team, Trigger  # noqa: E402
from readiness.queue import QueueUnavailable  # noqa: E402
from readiness.scored import checklist_scorecard  # noqa: E402
from readiness.services.assessments import assessment_start  # noqa: E402
from readiness.services.checklists import checklist_version_save  # noqa: E402
from readiness.services.outcomes import run_context  # noqa: E402

# The assessed service: answers /<delay ms>/<status>/<name> after that delay.


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 512

    def handle_error(self, request: Any, client_address: Any) -> None:
        pass  # a worker killed mid-request hangs up


HITS: Counter[str] = Counter()


class Handler(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        _, delay, status, *_rest = self.path.split("/")
        HITS[self.path] += 1
        time.sleep(int(delay) / 1000)
        self.send_response(int(status))
        self.send_header("Content-Length", "2")
        self.end_headers()
        self.wfile.write(b"ok")

    def log_message(self, format: str, *args: Any) -> None:
        pass


def checklist_text(url: str) -> str:
    def http(key: str, delay_ms: int, status: int, **more: Any) -> dict[str, Any]:
        return {"key": key, "type": "http", "url": f"{url}/{delay_ms}/{status}/{key}",
                "timeout_s": 5, **more}  # fmt: skip

    def command(key: str, argv: list[str], weight: float = 1, **expect: Any) -> dict[str, Any]:
        return {"key": key, "type": "command", "argv": argv, "timeout_s": 10, "weight": weight,
                "expect": expect}  # fmt: skip

    document = {
        "version": 1,
        "name": "Chaos",
        "categories": [
            {"key": "files", "weight": 2, "checks": [
                {"key": "readme", "type": "file", "paths": ["README.md"]},
                {"key": "no-debug", "type": "grep", "paths": ["**/*.py"],
                 "pattern": "DEBUG = True", "expect": "absent"},
                {"key": "license", "type": "file", "paths": ["LICENSE"], "weight": 2},
            ]},
            {"key": "service", "weight": 3, "checks": [
                http("health", 300, 200),
                http("slow", 800, 200, weight=2),
                http("created", 100, 200, expect_status=201),
                http("ready", 50, 200),
            ]},
            {"key": "commands", "checks": [
                command("true", ["true"]),
                command("exits-3", ["sh", "-c", "exit 3"], weight=3),
                command("says-ready", ["sh", "-c", "echo ready"], stdout_matches="^ready$"),
            ]},
        ],
    }  # fmt: skip
    return yaml.safe_dump(document, sort_keys=False)


def make_repo() -> Path:
    repo = FOLDER / "repo"
    (repo / "app").mkdir(parents=True)
    (repo / "README.md").write_text("# Chaos\n")
    (repo / "app" / "settings.py").write_text("DEBUG = False\n")
    return repo


# Processes: workers under bin/worker, and beat, restarted by this script if it exits.


def worker_env() -> dict[str, str]:
    return {**os.environ}


@dataclass
class Supervised:
    name: str
    argv: list[str]
    log: Path
    env: dict[str, str] = field(default_factory=dict)
    process: subprocess.Popen | None = None
    starts: int = 0

    def start(self) -> None:
        self.process = subprocess.Popen(
            self.argv,
            cwd=ROOT,
            env={**worker_env(), **self.env},
            stdout=self.log.open("ab"),
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        self.starts += 1

    def ensure(self) -> None:
        if self.process is None or self.process.poll() is not None:
            self.start()

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()


def celery_processes(wrapper: Supervised) -> list[int]:
    """The pids of the Celery processes that bin/worker runs: its io worker, its scan
    worker and the scan worker's pool processes (bin/worker -> one supervisor per role ->
    the worker -> its pool)."""
    assert wrapper.process is not None
    found, todo = [], [wrapper.process.pid]
    while todo:
        children = subprocess.run(["pgrep", "-P", str(todo.pop())], capture_output=True,
                                  text=True).stdout.split()  # fmt: skip
        for child in map(int, children):
            todo.append(child)
            with contextlib.suppress(FileNotFoundError):
                if b"celery" in Path(f"/proc/{child}/cmdline").read_bytes():
                    found.append(child)
    return found


def age(pid: int) -> float:
    """Seconds since process `pid` started (0 once it is gone)."""
    found = subprocess.run(["ps", "-o", "etimes=", "-p", str(pid)], capture_output=True,
                           text=True).stdout.strip()  # fmt: skip
    return float(found or 0)


@dataclass
class Chaos:
    workers: list[Supervised]
    beat: Supervised
    kill_every: float
    kills: int = 0
    broker_restarts: int = 0
    database_restarts: int = 0
    events: list[str] = field(default_factory=list)
    stop: threading.Event = field(default_factory=threading.Event)

    def run(self) -> None:
        if not self.kill_every:
            return
        while not self.stop.wait(random.uniform(0.5, 1.5) * self.kill_every):
            self.beat.ensure()
            # A worker up for 10 s at least: one that is still starting holds nothing yet,
            # and bin/worker waits longer and longer before starting one that keeps dying
            # young (as it would a worker that cannot start).
            running = [
                pid for wrapper in self.workers for pid in celery_processes(wrapper)
                if age(pid) >= 10
            ]  # fmt: skip
            if running:
                with contextlib.suppress(ProcessLookupError):
                    os.kill(random.choice(running), signal.SIGKILL)
                    self.kills += 1

    def at(self, name: str, action: Any) -> None:
        started = time.monotonic()
        action()
        self.events.append(f"{name} ({time.monotonic() - started:.1f} s)")


def retrying(action: Any, *, until: float) -> Any:
    """`action()`, tried again while the database or the broker is away."""
    while True:
        try:
            return action()
        except (QueueUnavailable, DatabaseError):
            if time.monotonic() > until:
                raise
            close_old_connections()
            connection.close()
            time.sleep(0.5)


@dataclass
class Figures:
    assessments: int = 0
    finished: int = 0
    lost: int = 0
    doubled: int = 0
    mismatches: int = 0
    examples: list[str] = field(default_factory=list)


def verify(project: Project, reference: dict[str, Any]) -> Figures:
    figures = Figures()
    checks = reference["statuses"]
    for assessment in Assessment.objects.filter(project=project).order_by("pk"):
        figures.assessments += 1
        rows = list(
            CheckResult.objects.filter(assessment=assessment).values_list(
                "check_item__key", "status", "summary"
            )
        )
        statuses = {key: status for key, status, _ in rows}
        finished = [key for key, status, _ in rows if status not in ("pending", "running")]
        lost = (len(checks) - len(finished)) + sum(
            1 for _, _, summary in rows if summary.startswith("worker lost")
        )
        doubled = max(0, assessment.checks_done - len(finished)) + (len(rows) - len(statuses))
        figures.finished += assessment.is_finished
        figures.lost += lost
        figures.doubled += doubled
        same = (
            assessment.is_finished
            and statuses == checks
            and assessment.score == reference["score"]
            and assessment.coverage == reference["coverage"]
        )
        if not same:
            figures.mismatches += 1
            if len(figures.examples) < 5:
                differ = {k: v for k, v in statuses.items() if checks.get(k) != v}
                figures.examples.append(
                    f"#{assessment.pk} {assessment.status} score {assessment.score} "
                    f"coverage {assessment.coverage}: {differ}"
                )
    return figures


def main() -> int:
    started = time.monotonic()
    deadline = started + options.time_limit
    call_command("migrate", verbosity=0)
    server = _Server(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{server.server_address[1]}"
    repo = make_repo()
    text = checklist_text(url)
    checklist = load_checklist(text)

    # This deployment's engine context (commands allowed, in the same sandbox as the workers).
    outcomes = run_checklist(checklist, run_context(repo))
    card = checklist_scorecard(checklist, outcomes)
    reference = {
        "score": card.score,
        "coverage": card.coverage,
        "statuses": {key: str(outcome.status) for key, outcome in outcomes.items()},
    }
    team, _ = Team.objects.get_or_create(slug="chaos", defaults={"name": "Chaos"})
    project = Project.objects.create(team=team, slug=f"chaos-{uuid.uuid4().hex[:8]}",
                                     name="Chaos", source=str(repo))  # fmt: skip
    checklist_version_save(project=project, checklist=checklist, source_text=text)

    logs = FOLDER / "logs"
    logs.mkdir()
    # Each bin/worker runs an io and a scan worker on the run's queues (READINESS_QUEUE),
    # named apart by READINESS_WORKER_NAME.
    workers = [
        Supervised(f"w{i}", [str(ROOT / "bin" / "worker")], logs / f"worker-{i}.log",
                   env={"READINESS_WORKER_NAME": f"chaos{i}"})
        for i in range(1, options.workers + 1)
    ]  # fmt: skip
    beat = Supervised("beat", [str(ROOT / ".venv/bin/celery"), "-A", "readiness", "beat",
                               "--loglevel", "INFO"], logs / "beat.log")  # fmt: skip
    for process in (*workers, beat):
        process.start()
    chaos = Chaos(workers, beat, options.kill_every)
    thread = threading.Thread(target=chaos.run, daemon=True)
    thread.start()

    # Faults of the services, at fixed points of the submission.
    faults: dict[int, tuple[str, Any]] = {}
    if redis_server is not None and postgres is not None:
        n = options.assessments
        faults = {
            n // 4: ("broker restarted (SIGTERM)", lambda: redis_server.restart(kill=False)),
            n // 2: ("database crashed and restarted", postgres.crash_and_restart),
            3 * n // 4: ("broker restarted (SIGKILL)", lambda: redis_server.restart(kill=True)),
        }
    pause = options.submit_over / max(1, options.assessments)
    submitted = 0
    try:
        while submitted < options.assessments:
            if submitted in faults:
                name, action = faults.pop(submitted)
                threading.Thread(target=chaos.at, args=(name, action), daemon=True).start()
            retrying(
                lambda: assessment_start(project=project, trigger=Trigger.MANUAL), until=deadline
            )
            submitted += 1
            time.sleep(pause)
        submitted_at = time.monotonic()
        while time.monotonic() < deadline:
            active = retrying(
                lambda: (
                    Assessment.objects.filter(project=project)
                    .exclude(status__in=("done", "failed", "cancelled"))
                    .count()
                ),
                until=deadline,
            )
            if not active:
                break
            time.sleep(1)
        finished_at = time.monotonic()
    finally:
        chaos.stop.set()
        thread.join(timeout=30)
        for process in (*workers, beat):
            process.stop()
    time.sleep(1)
    chaos.broker_restarts = sum("broker" in e for e in chaos.events)
    chaos.database_restarts = sum("database" in e for e in chaos.events)
    figures = retrying(lambda: verify(project, reference), until=time.monotonic() + 60)
    restarts = sum(
        w.log.read_text(errors="replace").count("starting it again") for w in workers
    ) + (beat.starts - 1)
    http_checks = sum(1 for spec in checklist.all_checks() if spec.type == "http")
    reruns = sum(HITS.values()) - http_checks * (figures.assessments + 1)  # + the reference

    broker = "Redis" if settings.REDIS_URL else "embedded (filesystem)"
    database = settings.DATABASES["default"]["ENGINE"].rsplit(".", 1)[-1]
    sandbox = getattr(settings, "READINESS_COMMAND_SANDBOX", "none")
    print(f"chaos run: {options.config} configuration, {database} + {broker} broker, "
          f"{options.workers} workers x {settings.CELERY_WORKER_CONCURRENCY} threads, "
          f"command sandbox: {sandbox}")  # fmt: skip
    print(f"  checklist: {len(reference['statuses'])} checks (file, grep, http on a slow "
          f"local server, command); in-process score {reference['score']:.4f}, "
          f"coverage {reference['coverage']:.2f}")  # fmt: skip
    print(f"  assessments: {figures.assessments} ({figures.finished} finished)")
    print(f"  worker kills (SIGKILL): {chaos.kills} (a round every {options.kill_every:g} s on "
          "average kills a random worker among those up for 10 s)")  # fmt: skip
    print(f"  process restarts: {restarts} (workers by bin/worker, beat by this script)")
    print(f"  broker restarts: {chaos.broker_restarts}, database restarts: "
          f"{chaos.database_restarts}  {'; '.join(chaos.events)}")  # fmt: skip
    print(f"  http checks run again after a kill: {reruns}")
    print(f"  results lost: {figures.lost}")
    print(f"  results doubled: {figures.doubled}")
    print(f"  score mismatches: {figures.mismatches}")
    for example in figures.examples:
        print(f"    {example}")
    print(f"  wall time: {finished_at - started:.1f} s (submitted over "
          f"{submitted_at - started:.1f} s, all finished {finished_at - submitted_at:.1f} s "
          f"after the last)")  # fmt: skip
    ok = figures.finished == figures.assessments == options.assessments and not (
        figures.lost or figures.doubled or figures.mismatches
    )
    return 0 if ok else 1


if __name__ == "__main__":
    try:
        status = main()
    finally:
        if redis_server is not None:
            redis_server.stop()
        if postgres is not None:
            postgres.remove()
    sys.exit(status)
