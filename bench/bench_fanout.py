"""Fan-out benchmark: 50 http checks against a local server that answers each request
after 200 ms, run as tasks by a real worker started with the default settings (the
README's worker command). Prints the assessment's wall time beside the sum of its check
times, and their ratio: how many checks really ran at once. Target: under 1.5 s.

    .venv/bin/python bench/bench_fanout.py [--checks 50] [--delay-ms 200] [--runs 3]

Embedded defaults (SQLite and the filesystem broker) in a folder of its own under
bench/.work; with REDIS_URL / DATABASE_URL set it runs on those instead (on a queue of its
own, and it removes its project afterwards)."""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
WORK = ROOT / "bench" / ".work"
WORK.mkdir(parents=True, exist_ok=True)
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "readiness.settings")
os.environ.setdefault("READINESS_DATA_DIR", tempfile.mkdtemp(prefix="fanout-", dir=WORK))
os.environ.setdefault("READINESS_QUEUE", f"bench-fanout-{uuid.uuid4().hex[:8]}")

import django  # noqa: E402

django.setup()

import yaml  # noqa: E402
from django.conf import settings  # noqa: E402
from django.core.management import call_command  # noqa: E402

from checks.checklist import load_checklist  # noqa: E402
from readiness.models import Project, Team, Trigger  # noqa: E402
from readiness.services.assessments import assessment_start  # noqa: E402
from readiness.services.checklists import checklist_version_save  # noqa: E402


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 256  # all checks may connect at once; the default backlog is 5


def serve(delay_s: float) -> _Server:
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            time.sleep(delay_s)
            self.send_response(200)
            self.send_header("Content-Length", "2")
            self.end_headers()
            self.wfile.write(b"ok")

        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = _Server(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def start_worker(log: Path) -> subprocess.Popen:
    # The default worker: no pool or concurrency option, the settings decide.
    process = subprocess.Popen(
        [
            *(sys.executable, "-m", "celery", "-A", "readiness", "worker"),
            *("--loglevel", "INFO", "--queues", settings.CELERY_TASK_DEFAULT_QUEUE),
        ],
        cwd=ROOT,
        stdout=log.open("wb"),
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    deadline = time.monotonic() + 60
    while " ready." not in log.read_text(errors="replace"):
        if process.poll() is not None or time.monotonic() > deadline:
            raise SystemExit(f"the worker did not start:\n{log.read_text()[-3000:]}")
        time.sleep(0.1)
    return process


def make_project(url: str, checks: int) -> Project:
    document = {
        "version": 1,
        "name": "Fan-out benchmark",
        "categories": [
            {
                "key": "endpoints",
                "checks": [
                    {"key": f"endpoint-{i}", "type": "http", "url": f"{url}/{i}", "timeout_s": 10}
                    for i in range(checks)
                ],
            }
        ],
    }
    text = yaml.safe_dump(document, sort_keys=False)
    team, _ = Team.objects.get_or_create(slug="bench", defaults={"name": "Bench"})
    project = Project.objects.create(
        team=team, slug=f"bench-fanout-{uuid.uuid4().hex[:8]}", name="Fan-out", source=str(ROOT)
    )
    checklist_version_save(project=project, checklist=load_checklist(text), source_text=text)
    return project


def run_once(project: Project) -> tuple[float, float]:
    """(wall seconds from the click to the finished assessment, sum of check seconds)"""
    started = time.perf_counter()
    assessment = assessment_start(project=project, trigger=Trigger.MANUAL)
    while True:
        assessment.refresh_from_db(fields=["status"])
        if assessment.is_finished:
            break
        time.sleep(0.01)
    wall = time.perf_counter() - started
    results = list(assessment.results.values_list("status", "duration_ms"))
    if {status for status, _ in results} != {"pass"}:
        raise SystemExit(f"checks did not all pass: {results}")
    return wall, sum(ms for _, ms in results) / 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--checks", type=int, default=50)
    parser.add_argument("--delay-ms", type=int, default=200)
    parser.add_argument("--runs", type=int, default=3)
    options = parser.parse_args()

    call_command("migrate", verbosity=0)
    server = serve(options.delay_ms / 1000)
    url = f"http://127.0.0.1:{server.server_address[1]}"
    project = make_project(url, options.checks)
    log = Path(settings.DATA_DIR) / "worker.log"
    worker = start_worker(log)
    try:
        run_once(project)  # warm-up: imports, connections
        runs = [run_once(project) for _ in range(options.runs)]
    finally:
        worker.terminate()
        worker.wait(timeout=30)
        server.shutdown()
        project.assessments.all().delete()
        project.delete()

    broker = "redis" if settings.REDIS_URL else "filesystem"
    database = settings.DATABASES["default"]["ENGINE"].rsplit(".", 1)[-1]
    print(
        f"fan-out: {options.checks} http checks x {options.delay_ms} ms, worker pool "
        f"{settings.CELERY_WORKER_POOL} x {settings.CELERY_WORKER_CONCURRENCY}, "
        f"{broker} broker, {database}"
    )
    for index, (wall, total) in enumerate(runs, start=1):
        print(f"  run {index}: wall {wall:.2f} s, sum of checks {total:.2f} s, {total / wall:.1f}x")
    wall = statistics.median(w for w, _ in runs)
    total = statistics.median(t for _, t in runs)
    verdict = "met" if wall < 1.5 else "NOT met"
    print(
        f"median: wall {wall:.2f} s vs sum of checks {total:.2f} s, ratio {total / wall:.1f}x "
        f"(target wall < 1.5 s: {verdict})"
    )


if __name__ == "__main__":
    main()
