"""Throughput benchmark: a burst of queued assessments of many projects, each with file
checks on its own generated git repository and slow http checks answered by a loopback
server started here, run by the workers as the README runs them (`bin/worker`: an "io"
worker of threads on the task queue, a "scan" worker of processes on the scan queue),
with 1 and then with 2 scan processes. Prints, per configuration and process count, the
assessments per minute, the speedup from 1 to 2 processes (target: at least 1.7x on 2
cores), the p50 / p95 time from "Run now" (the assessment created and its tasks enqueued)
to its score stored, and the workers' memory (RSS of all their processes) after 1,000 and
after 10,000 checks (`--checks-for-leak`): a leak shows as growth between the two.

    .venv/bin/python bench/bench_throughput.py [--config embedded|services|both]
        [--assessments 500] [--projects 50] [--processes 1,2] [--checks-for-leak 10000]

`embedded`: SQLite and the embedded broker, in a folder of its own under bench/.work.
`services`: the PostgreSQL server of DATABASE_URL (the bench creates a database of its own
there and drops it at the end) and the Redis of REDIS_URL (on queues of its own); `both`
(the default) runs `embedded`, then `services` when both variables are set. Nothing is
asserted: on a shared machine the figures move with the load, so run it twice."""

from __future__ import annotations

import argparse
import math
import os
import random
import signal
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
WORK = ROOT / "bench" / ".work"
FILE_CHECKS = 15
RSS_FIRST_MARK = 1_000


def parse() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--config", choices=("embedded", "services", "both"), default="both")
    parser.add_argument("--assessments", type=int, default=500)
    parser.add_argument("--projects", type=int, default=50)
    parser.add_argument("--processes", default="1,2", help="scan processes, comma-separated")
    parser.add_argument("--files", type=int, default=600, help="files per generated repository")
    parser.add_argument("--http-checks", type=int, default=5, help="per assessment")
    parser.add_argument("--http-delay-ms", type=int, default=200)
    parser.add_argument(
        "--checks-for-leak",
        type=int,
        default=10_000,
        help="the workers' RSS is taken after 1,000 checks and after this many",
    )
    parser.add_argument("--time-limit", type=float, default=1800.0, help="seconds per run")
    return parser.parse_args()


options = parse()

if options.config == "both":
    # One process per configuration: the settings are read once, at Django's start.
    configs = ["embedded"]
    if os.environ.get("DATABASE_URL") and os.environ.get("REDIS_URL"):
        configs.append("services")
    else:
        print("services: skipped (set DATABASE_URL and REDIS_URL to run it)\n", flush=True)
    argv, skip = [], False
    for arg in sys.argv[1:]:  # drop "--config both" and "--config=both"
        if skip or arg.startswith("--config"):
            skip = arg == "--config" and not skip
            continue
        argv.append(arg)
    status = 0
    for config in configs:
        status |= subprocess.call([sys.executable, __file__, "--config", config, *argv])
    raise SystemExit(status)

WORK.mkdir(parents=True, exist_ok=True)
FOLDER = Path(tempfile.mkdtemp(prefix=f"throughput-{options.config}-", dir=WORK))
BENCH_DB_URL = ""
BENCH_DB_NAME = ""
if options.config == "services":
    if not (os.environ.get("DATABASE_URL") and os.environ.get("REDIS_URL")):
        raise SystemExit("--config services needs DATABASE_URL and REDIS_URL")
    import psycopg

    server_url = urlsplit(os.environ["DATABASE_URL"])
    bench_db = f"readiness_bench_throughput_{uuid.uuid4().hex[:8]}"
    BENCH_DB_URL = urlunsplit(server_url._replace(path=f"/{bench_db}"))
    BENCH_DB_NAME = bench_db
    admin_url = urlunsplit(server_url._replace(path="/postgres", scheme="postgresql"))
    with psycopg.connect(admin_url, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{bench_db}"')
    os.environ["DATABASE_URL"] = BENCH_DB_URL
else:
    for name in ("DATABASE_URL", "REDIS_URL"):
        os.environ.pop(name, None)
os.environ.update(
    DJANGO_SETTINGS_MODULE="readiness.settings",
    READINESS_DATA_DIR=str(FOLDER / "data"),
)
os.environ.pop("READINESS_WORKER_ROLE", None)
sys.path.insert(0, str(ROOT))

import django  # noqa: E402

django.setup()

import yaml  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.db.models import Count, Q, Sum  # noqa: E402

from checks.checklist import load_checklist  # noqa: E402
from readiness.celery import app as celery_app  # noqa: E402
from readiness.models import Assessment, Project, Team, Trigger  # noqa: E402
from readiness.services.assessments import assessment_start  # noqa: E402
from readiness.services.checklists import checklist_version_save  # noqa: E402

# The assessed services: GET /<delay ms>/<anything> answers 200 after that delay.


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 512

    def handle_error(self, request: Any, client_address: Any) -> None:
        pass


class Handler(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        delay = self.path.split("/")[1]
        time.sleep(int(delay) / 1000)
        self.send_response(200)
        self.send_header("Content-Length", "2")
        self.end_headers()
        self.wfile.write(b"ok")

    def log_message(self, format: str, *args: Any) -> None:
        pass


# The projects: a generated repository each, one checklist for all.

WORDS = [
    "account",
    "order",
    "invoice",
    "user",
    "session",
    "cache",
    "queue",
    "worker",
    "report",
    "health",
    "metric",
]


def python_file(rng: random.Random, number: int) -> str:
    lines = [f'"""Module {number}."""', "import logging", "import os", ""]
    lines.append("logger = logging.getLogger(__name__)")
    for function in range(rng.randint(4, 14)):
        name = f"{rng.choice(WORDS)}_{rng.choice(WORDS)}_{function}"
        lines += ["", "", f"def {name}(value, *, limit=10):", f'    """{name} of value."""']
        for _ in range(rng.randint(3, 12)):
            word = rng.choice(WORDS)
            lines.append(f"    {word} = value.get({word!r}, limit)  # {rng.choice(WORDS)}")
        lines.append(f"    return {rng.choice(WORDS)}")
    if number % 17 == 0:
        lines.append('TIMEOUT = int(os.environ.get("TIMEOUT", "30"))')
    if number % 23 == 0:
        lines.append("# TODO: remove this fallback")
    return "\n".join(lines) + "\n"


def make_repository(root: Path, seed: int, files: int) -> None:
    rng = random.Random(seed)
    (root / "app").mkdir(parents=True)
    (root / "docs").mkdir()
    (root / "README.md").write_text("# Service\n\nRun the tests with `pytest`.\n")
    (root / "LICENSE").write_text("MIT\n")
    (root / "Dockerfile").write_text("FROM python:3.12-slim\nUSER app\nHEALTHCHECK CMD true\n")
    (root / "app" / "settings.py").write_text(
        'import os\nDEBUG = os.environ.get("DEBUG") == "1"\n'
        'SECRET_KEY = os.environ["SECRET_KEY"]\nALLOWED_HOSTS = ["service.example"]\n'
    )
    for number in range(files):
        if number % 10 == 9:
            (root / "docs" / f"page_{number}.md").write_text(
                "\n".join(f"{rng.choice(WORDS)} " * 12 for _ in range(40)) + "\n"
            )
        else:
            (root / "app" / f"module_{number}.py").write_text(python_file(rng, number))
    git = ["git", "-C", str(root), "-c", "user.name=bench", "-c", "user.email=bench@example"]
    subprocess.run([*git, "init", "-q"], check=True)
    subprocess.run([*git, "add", "-A"], check=True)
    subprocess.run([*git, "commit", "-qm", "generated"], check=True)


def checklist_text(url: str) -> str:
    def grep(key: str, paths: list[str], pattern: str, expect: str = "present") -> dict:
        return {"key": key, "type": "grep", "paths": paths, "pattern": pattern, "expect": expect}

    def file(key: str, *paths: str) -> dict:
        return {"key": key, "type": "file", "paths": list(paths)}

    files = [
        file("readme", "README.md"),
        file("license", "LICENSE"),
        file("dockerfile", "Dockerfile"),
        grep("debug-from-env", ["app/settings.py"], r"DEBUG\s*=\s*os\.environ"),
        grep("secret-from-env", ["app/settings.py"], r"SECRET_KEY\s*=\s*os\.environ"),
        grep("no-print", ["**/*.py"], r"^\s*print\(", "absent"),
        grep("no-bare-except", ["**/*.py"], r"except\s*:", "absent"),
        grep("no-eval", ["**/*.py"], r"\beval\(", "absent"),
        grep("no-todo", ["**/*.py"], r"TODO|FIXME", "absent"),
        grep("logging", ["**/*.py"], r"logging\.getLogger"),
        grep("timeouts-configurable", ["**/*.py"], r"os\.environ\.get\(\"TIMEOUT\""),
        grep("no-private-key", ["**/*"], r"-----BEGIN (RSA|EC) PRIVATE KEY", "absent"),
        grep("no-aws-key", ["**/*"], r"AKIA[0-9A-Z]{16}", "absent"),
        grep("docker-user", ["Dockerfile"], r"^USER "),
        grep("docs-mention-tests", ["**/*.md"], r"pytest|tests"),
    ]
    assert len(files) == FILE_CHECKS
    service = [
        {"key": f"http-{n}", "type": "http", "url": f"{url}/{options.http_delay_ms}/{n}",
         "timeout_s": 10}
        for n in range(options.http_checks)
    ]  # fmt: skip
    document = {
        "version": 1,
        "name": "Throughput",
        "categories": [
            {"key": "files", "weight": 2, "checks": files},
            {"key": "service", "weight": 1, "checks": service},
        ],
    }
    return yaml.safe_dump(document, sort_keys=False)


def make_projects(url: str) -> list[Project]:
    team = Team.objects.create(name="Bench", slug="bench")
    text = checklist_text(url)
    checklist = load_checklist(text)
    projects = []
    for number in range(options.projects):
        root = FOLDER / "repos" / f"service-{number}"
        make_repository(root, seed=number, files=options.files)
        project = Project.objects.create(
            team=team, name=f"Service {number}", slug=f"service-{number}", source=str(root)
        )
        checklist_version_save(project=project, checklist=checklist, source_text=text)
        projects.append(project)
    return projects


# The workers: bin/worker, as the Procfile runs it.


def descendants(pid: int) -> list[int]:
    found, todo = [], [pid]
    while todo:
        parent = todo.pop()
        children = subprocess.run(["pgrep", "-P", str(parent)], capture_output=True, text=True)
        for child in map(int, children.stdout.split()):
            found.append(child)
            todo.append(child)
    return found


def rss_mb(pids: list[int]) -> dict[str, float]:
    """RSS in MB of the Celery processes among `pids`: the io worker, the scan worker,
    and the scan worker's pool processes."""
    roles = {"io": 0.0, "scan": 0.0, "pool": 0.0}
    for pid in pids:
        try:
            argv = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
            status = Path(f"/proc/{pid}/status").read_text()
        except (FileNotFoundError, ProcessLookupError):
            continue
        if not any(b"celery" in part for part in argv):
            continue
        kb = next(int(line.split()[1]) for line in status.splitlines() if line.startswith("VmRSS"))
        ppid = int(next(line.split()[1] for line in status.splitlines() if line.startswith("PPid")))
        roles[_role(argv, ppid, pids)] += kb / 1024
    return roles


def _role(argv: list[bytes], ppid: int, pids: list[int]) -> str:
    """The role of a Celery process among `pids`: io, scan, or pool (the scan worker's)."""
    if b"io@%h" in argv:
        return "io"
    if b"scan@%h" in argv and ppid in pids and _is_celery(ppid):
        return "pool"
    return "scan"


def cpu_seconds(pids: list[int]) -> dict[str, float]:
    """User and system CPU time of the Celery processes among `pids` (and of the children
    they have waited for: ripgrep, git), by role: the io worker, the scan worker, and the
    scan worker's pool processes."""
    ticks = {"io": 0, "scan": 0, "pool": 0}
    for pid in pids:
        try:
            argv = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
            if not any(b"celery" in part for part in argv):
                continue
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except (FileNotFoundError, ProcessLookupError):
            continue
        # utime stime cutime cstime
        ticks[_role(argv, int(fields[1]), pids)] += sum(int(v) for v in fields[11:15])
    return {role: value / os.sysconf("SC_CLK_TCK") for role, value in ticks.items()}


def _process_cpu(pid: int) -> float:
    """User and system CPU seconds of process `pid` (0 when it is gone)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (FileNotFoundError, ProcessLookupError):
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def server_cpu() -> dict[str, float]:
    """CPU seconds so far of the local servers' processes, by server: "postgres" (the
    backends connected to this run's database, found by the database's name in their
    title) and "redis" (redis-server, shared with whatever else uses it: its figure is an
    upper bound). Keyed by pid too, so that a backend that appears or goes during a run is
    counted from 0."""
    found: dict[str, float] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            comm = (entry / "comm").read_text().strip()
            if comm == "postgres":
                title = (entry / "cmdline").read_bytes()
                if not BENCH_DB_NAME or BENCH_DB_NAME.encode() not in title:
                    continue
            elif comm != "redis-server":
                continue
        except (FileNotFoundError, ProcessLookupError):
            continue
        found[f"{comm}:{entry.name}"] = _process_cpu(int(entry.name))
    return found


def server_cpu_used(before: dict[str, float], after: dict[str, float]) -> dict[str, float]:
    """CPU seconds each server used between two server_cpu() readings."""
    used = {"postgres": 0.0, "redis-server": 0.0}
    for key, seconds in after.items():
        used[key.split(":")[0]] += max(0.0, seconds - before.get(key, 0.0))
    return used


def machine_times() -> tuple[int, int]:
    """(idle, total) jiffies of every core since boot, from /proc/stat."""
    values = [int(v) for v in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
    return values[3] + values[4], sum(values)


def _is_celery(pid: int) -> bool:
    try:
        return b"celery" in Path(f"/proc/{pid}/cmdline").read_bytes()
    except FileNotFoundError:
        return False


@dataclass
class Workers:
    processes: int
    queue: str
    log: Path
    process: subprocess.Popen | None = None

    def start(self) -> None:
        env = {
            **os.environ,
            "READINESS_QUEUE": self.queue,
            "READINESS_SCAN_CONCURRENCY": str(self.processes),
        }
        self.process = subprocess.Popen(
            [str(ROOT / "bin" / "worker")],
            cwd=ROOT,
            env=env,
            stdout=self.log.open("wb"),
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        deadline = time.monotonic() + 120
        while self.log.read_text(errors="replace").count(" ready.") < 2:
            if self.process.poll() is not None or time.monotonic() > deadline:
                raise SystemExit(f"the workers did not start:\n{self.log.read_text()[-3000:]}")
            time.sleep(0.2)

    def rss(self) -> dict[str, float]:
        assert self.process is not None
        return rss_mb(descendants(self.process.pid))

    def cpu(self) -> dict[str, float]:
        assert self.process is not None
        return cpu_seconds(descendants(self.process.pid))

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()


# One run: a burst of assessments with N scan processes.


@dataclass
class Run:
    processes: int
    assessments: int
    checks: int = 0
    seconds: float = 0.0
    per_minute: float = 0.0
    p50: float = 0.0
    p95: float = 0.0
    incomplete: int = 0
    locked: int = 0
    cpu_s: float = 0.0
    cpu_roles: dict[str, float] = field(default_factory=dict)
    postgres_s: float = 0.0
    redis_s: float = 0.0
    bench_s: float = 0.0  # this process's main thread: the starts and the polling
    starts_s: float = 0.0  # of which the starts
    bench_all_s: float = 0.0  # this process, the loopback http server's threads included
    idle: float = 0.0
    rss: dict[int, dict[str, float]] = field(default_factory=dict)


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, math.ceil(fraction * len(ordered)) - 1))]


def progress(first_id: int, last_id: int) -> tuple[int, int]:
    """(checks finished, assessments unfinished) of the run, in one aggregate query."""
    figures = Assessment.objects.filter(pk__gte=first_id, pk__lte=last_id).aggregate(
        done=Sum("checks_done"), unfinished=Count("pk", filter=Q(finished_at__isnull=True))
    )
    return figures["done"] or 0, figures["unfinished"]


def run(projects: list[Project], processes: int, count: int, marks: list[int]) -> Run:
    queue = f"bench-throughput-{uuid.uuid4().hex[:8]}"
    celery_app.conf.task_default_queue = queue  # this process sends to the run's queues
    workers = Workers(processes, queue, FOLDER / f"workers-{processes}.log")
    workers.start()
    result = Run(processes=processes, assessments=count)
    idle_before, total_before = machine_times()
    servers_before = server_cpu()
    thread_before, process_before = time.thread_time(), time.process_time()
    try:
        started = []
        for number in range(count):
            assessment = assessment_start(
                project=projects[number % len(projects)], trigger=Trigger.MANUAL
            )
            started.append(assessment.pk)
        result.starts_s = time.thread_time() - thread_before
        first_id, last_id = min(started), max(started)
        total = sum(
            Assessment.objects.filter(pk__in=started).values_list("checks_total", flat=True)
        )
        deadline = time.monotonic() + options.time_limit
        pending_marks = [m for m in marks if m <= total]
        done = 0
        # Polled once a second, with one aggregate query: the bench's own CPU and queries
        # compete with the workers' (the rates are taken from the stored times anyway).
        while time.monotonic() < deadline:
            done, unfinished = progress(first_id, last_id)
            while pending_marks and done >= pending_marks[0]:
                result.rss[pending_marks.pop(0)] = workers.rss()
            if not unfinished:
                break
            time.sleep(1.0)
        result.bench_s = time.thread_time() - thread_before
        result.bench_all_s = time.process_time() - process_before
        servers = server_cpu_used(servers_before, server_cpu())
        result.postgres_s, result.redis_s = servers["postgres"], servers["redis-server"]
        result.rss.setdefault(done, workers.rss())
        result.cpu_roles = workers.cpu()
        result.cpu_s = sum(result.cpu_roles.values())
        idle_after, total_after = machine_times()
        result.idle = (idle_after - idle_before) / max(1, total_after - total_before)
    finally:
        workers.stop()
    rows = list(
        Assessment.objects.filter(pk__in=started).values_list(
            "created_at", "finished_at", "checks_done", "checks_total"
        )
    )
    done = [(c, f) for c, f, d, t in rows if f is not None and d == t]
    result.incomplete = len(rows) - len(done)
    # SQLite: the writes of several processes must wait their turn, never fail.
    result.locked = workers.log.read_text(errors="replace").count("database is locked")
    result.checks = sum(t for *_, t in rows)
    if done:
        first = min(c for c, _ in done)
        last = max(f for _, f in done)
        result.seconds = (last - first).total_seconds()
        result.per_minute = len(done) / result.seconds * 60 if result.seconds else 0.0
        latencies = [(f - c).total_seconds() for c, f in done]
        result.p50 = percentile(latencies, 0.50)
        result.p95 = percentile(latencies, 0.95)
    return result


def describe_rss(rss: dict[str, float]) -> str:
    total = sum(rss.values())
    return (
        f"{total:.0f} MB (io {rss['io']:.0f}, scan {rss['scan']:.0f}, its pool {rss['pool']:.0f})"
    )


def main() -> int:
    call_command("migrate", verbosity=0)
    server = _Server(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{server.server_address[1]}"
    built = time.monotonic()
    projects = make_projects(url)
    per_assessment = FILE_CHECKS + options.http_checks
    broker = "Redis" if os.environ.get("REDIS_URL") else "embedded broker"
    print(
        f"{options.config}: {connection.vendor}, {broker}; "
        f"{options.projects} projects ({options.files} files each, built in "
        f"{time.monotonic() - built:.1f} s), {options.assessments} assessments of "
        f"{per_assessment} checks ({FILE_CHECKS} file checks in one scan, "
        f"{options.http_checks} http checks answering after {options.http_delay_ms} ms); "
        f"{len(os.sched_getaffinity(0))} cores, load average {os.getloadavg()[0]:.1f}",
        flush=True,
    )
    marks = [RSS_FIRST_MARK, options.checks_for_leak]
    runs = []
    for processes in [int(p) for p in options.processes.split(",")]:
        count = options.assessments
        figures = run(projects, processes, count, marks)
        runs.append(figures)
        print(
            f"  {processes} scan process{'es' if processes > 1 else ''}: "
            f"{figures.per_minute:.0f} assessments/min ({count} in {figures.seconds:.1f} s, "
            f"{figures.checks} checks); Run now -> score stored p50 {figures.p50:.1f} s, "
            f"p95 {figures.p95:.1f} s; incomplete {figures.incomplete}, "
            f"'database is locked' {figures.locked}",
            flush=True,
        )
        per = 1000 / count
        print(
            f"    the workers used {figures.cpu_s:.0f} CPU-s "
            f"({per * figures.cpu_s:.0f} ms per assessment: io worker "
            f"{per * figures.cpu_roles['io']:.0f}, scan worker "
            f"{per * figures.cpu_roles['scan']:.0f}, its pool "
            f"{per * figures.cpu_roles['pool']:.0f}); the machine's cores "
            f"were idle {100 * figures.idle:.0f}% of the run; load average "
            f"{os.getloadavg()[0]:.1f}",
            flush=True,
        )
        outside = figures.postgres_s + figures.bench_all_s
        print(
            f"    CPU per assessment outside the workers: PostgreSQL backends "
            f"{per * figures.postgres_s:.0f} ms, redis-server {per * figures.redis_s:.0f} ms "
            f"(shared server: an upper bound), this process {per * figures.bench_all_s:.0f} ms "
            f"(starts {per * figures.starts_s:.0f} ms, polling "
            f"{per * (figures.bench_s - figures.starts_s):.0f} ms, the rest the loopback "
            f"http server); workers + PostgreSQL + this process "
            f"{per * (figures.cpu_s + outside):.0f} ms",
            flush=True,
        )
        for checks, rss in sorted(figures.rss.items()):
            print(f"    workers' RSS after {checks:,} checks: {describe_rss(rss)}", flush=True)
    by_processes = {r.processes: r for r in runs}
    if 1 in by_processes and 2 in by_processes and by_processes[1].per_minute:
        speedup = by_processes[2].per_minute / by_processes[1].per_minute
        print(f"  speedup from 1 to 2 scan processes: {speedup:.2f}x (target >= 1.7x)")
    return 1 if any(r.incomplete for r in runs) else 0


if __name__ == "__main__":
    try:
        status = main()
    finally:
        if BENCH_DB_URL:
            connection.close()
            with psycopg.connect(admin_url, autocommit=True) as admin:
                admin.execute(f'DROP DATABASE IF EXISTS "{bench_db}" WITH (FORCE)')
    raise SystemExit(status)
