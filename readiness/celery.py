"""The Celery app. Settings come from readiness/settings.py (the CELERY_ names).

Worker: `celery -A readiness worker --loglevel INFO`, beat: `celery -A readiness beat`
(the DatabaseScheduler: schedules edited in the database apply without a restart).

Pool: threads, 16 by default (READINESS_WORKER_POOL, READINESS_WORKER_CONCURRENCY). The
slow checks wait on the network or a subprocess, so threads overlap them at almost no
cost, and one process has one broker connection to lose when it dies, which keeps the
recovery simple. 50 http checks answering in 200 ms take about 16× less than their sum
(bench/bench_fanout.py). The file scan of an assessment runs in one thread; its heavy
part (ripgrep) is a subprocess.

Crash safety does not rest on the broker: result rows carry a lease, and the sweeper
(beat, every READINESS_SWEEP_SECONDS) re-sends what a dead worker held or a broker lost,
see readiness/services/assessments.py."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "readiness.settings")

app = Celery("readiness")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
