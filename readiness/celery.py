"""The Celery app. Settings come from readiness/settings.py (the CELERY_ names).

Worker: `celery -A readiness worker --loglevel INFO`, beat: `celery -A readiness beat`
(the DatabaseScheduler: schedules edited in the database apply without a restart).

Pool: threads, 32 per worker by default (READINESS_WORKER_POOL,
READINESS_WORKER_CONCURRENCY). Slow checks wait on the network or a subprocess, so
threads overlap them at almost no cost (each slow check is its own task), and a worker is
one process, so a crash loses one process's claims and nothing else. bench/bench_fanout.py:
50 http checks answering after 200 ms finish in about 0.85 s (SQLite, filesystem broker)
or 0.95 s (PostgreSQL, Redis) beside 10.6 s of check time. Each thread that touches the
database holds a connection: on PostgreSQL budget max_connections for the workers'
threads (or lower the concurrency). The file scan of an assessment is one task; its heavy
part (ripgrep) runs in a subprocess.

The filesystem broker (the embedded default) serves the workers of one machine; teams
that add workers on other machines use Redis (REDIS_URL) and PostgreSQL (DATABASE_URL).

Crash safety does not rest on the broker: result rows carry a lease, and the sweeper
(beat, every READINESS_SWEEP_SECONDS) re-sends what a dead worker held or a broker lost,
see readiness/services/sweeper.py.

Every worker runs a watchdog (readiness/watchdog.py, a bootstep named by its path so that
this module imports nothing of ours): it stores "timed out" for a check past its hard
limit, and makes a worker that is stuck, or whose consumer died, exit non-zero so that
its supervisor (bin/worker) starts it again."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "readiness.settings")

app = Celery("readiness")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
app.steps["worker"].add("readiness.watchdog:Watchdog")
