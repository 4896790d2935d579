"""The Celery app. Settings come from readiness/settings.py (the CELERY_ names).

Workers: `bin/worker` (the Procfile's), which runs two, beat: `celery -A readiness beat`
(the DatabaseScheduler: schedules edited in the database apply without a restart).

Two queues, two pools (readiness/routing.py says which task goes where):

- "io" worker, `celery -A readiness worker -Q celery` with READINESS_WORKER_ROLE=io (the
  default): threads, 32 (READINESS_WORKER_POOL, READINESS_WORKER_CONCURRENCY), for the
  task queue: slow checks (http, threshold, command), notifications, beat's tasks. They
  wait on the network or a subprocess, so threads overlap them at almost no cost (a task
  runs up to 8 slow checks of one assessment side by side on threads of its own, the
  others' groups go to other threads). bench/bench_fanout.py: 50 http checks answering after
  200 ms finish in about 0.85 s (SQLite, filesystem broker) or 0.95 s (PostgreSQL, Redis)
  beside 10.6 s of check time. Each thread that touches the database holds a connection:
  on PostgreSQL budget max_connections for the workers' threads (or lower the concurrency).
- "scan" worker, `celery -A readiness worker -Q celery-scan` with
  READINESS_WORKER_ROLE=scan: a prefork pool of READINESS_SCAN_CONCURRENCY processes (one
  per core by default), for the scan queue: an assessment's file scan, backfill points and
  chunks. These keep a core busy from start to end (listing, reading and matching files in
  Python, beside ripgrep), so in one process they would take turns at the interpreter
  lock; in a pool of processes they run side by side. bench/bench_throughput.py measures
  the speedup from 1 to 2 processes.

A worker is one process (and its pool's processes), so a crash loses one worker's claims
and nothing else.

The filesystem broker (the embedded default) serves the workers of one machine; teams
that add workers on other machines use Redis (REDIS_URL) and PostgreSQL (DATABASE_URL).

Crash safety does not rest on the broker: result rows carry a lease, and the sweeper
(beat, every READINESS_SWEEP_SECONDS) re-sends what a dead worker held or a broker lost,
see readiness/services/sweeper.py.

Every worker runs a watchdog (readiness/watchdog.py, a bootstep named by its path so that
this module imports nothing of ours): it stores "timed out" for a check past its hard
limit, and makes a worker that is stuck, or whose consumer died, exit non-zero so that
its supervisor (bin/worker) starts it again; in the scan worker, each pool process runs
its own, and a stuck one ends that process, which the pool replaces."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "readiness.settings")

app = Celery("readiness")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
app.steps["worker"].add("readiness.watchdog:Watchdog")
