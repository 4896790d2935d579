"""The worker's watchdog: hard limits on running checks, and a worker that exits rather
than wedges.

A Celery bootstep (added to the worker in readiness/celery.py) runs a thread that:

- renews, every third of READINESS_LEASE_SECONDS, the leases of the checks the worker
  runs within their hard limits (readiness/services/hard_limits.py), so that a lease runs
  out only when its worker is dead, and the sweeper re-sends a dead worker's checks one
  lease after its death whatever their own timeouts;
- stores, every TICK_S, "timed out after N s" for each check running past its hard limit:
  a thread cannot be killed, but its result no longer waits for it;
- when such a thread is still stuck STUCK_GRACE_S later, stops the worker with exit code
  1 (a warm stop: no new task, the others finish), so that its supervisor (bin/worker,
  systemd) starts a fresh process;
- once the worker is stopping, whatever the reason (SIGTERM, an unrecoverable broker
  error, a stuck thread), ends the process when no check is left within its limit and
  Celery has not exited EXIT_GRACE_S later. Celery's own stop waits for every thread of
  its pool, a stuck one included, so without this a worker whose consumer died (kombu's
  "Unrecoverable error") would stay alive, consuming nothing, for as long as a thread
  hangs.

In a worker whose pool is made of processes (the "scan" worker, prefork), tasks run in the
pool's processes, not in the worker's: each of them runs its own watchdog thread instead,
started when the process starts (Celery's worker_process_init), which renews and times out
what that process runs, and ends the process (exit code 1) when its task is still stuck
STUCK_GRACE_S later. The pool starts a fresh process in its place, and the task's message,
not acknowledged, is delivered again and finds its rows already stored. The worker's own
process runs no check, so it has no watchdog thread: its warm stop waits for the pool's
processes, each of which ends within its hard limit and the grace.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from typing import Any

from celery import bootsteps
from celery.concurrency.prefork import TaskPool as ProcessPool
from celery.platforms import EX_FAILURE
from celery.signals import worker_process_init
from celery.worker import state

from readiness.services import hard_limits

logger = logging.getLogger(__name__)

TICK_S = 1.0
STUCK_GRACE_S = 5.0
EXIT_GRACE_S = 10.0


class Watchdog(bootsteps.StartStopStep):
    """The watchdog's thread, started with the worker's pool and told when it stops."""

    requires = ("celery.worker.components:Pool",)

    def __init__(self, parent: Any, **kwargs: Any) -> None:
        super().__init__(parent, **kwargs)
        self._stopping = threading.Event()
        self._exitcode = 0
        self._thread: threading.Thread | None = None

    def start(self, parent: Any) -> None:
        if isinstance(parent.pool, ProcessPool):
            logger.info("watchdog: one in each process of the pool (tasks run there)")
            return
        self._thread = threading.Thread(target=self._run, name="readiness-watchdog", daemon=True)
        self._thread.start()

    def close(self, parent: Any) -> None:
        # Called first when the worker stops (before its pool waits for its threads).
        self._exitcode = parent.exitcode or 0
        self._stopping.set()

    def _run(self) -> None:
        rounds = _Rounds()
        quiet_since: float | None = None
        while True:
            rounds.tick()
            self._restart_if_stuck()
            if not self._stopping.is_set():
                continue
            if hard_limits.within_limits():
                quiet_since = None
            elif quiet_since is None:
                quiet_since = time.monotonic()
            elif time.monotonic() - quiet_since >= EXIT_GRACE_S:
                _exit(self._exitcode)

    def _restart_if_stuck(self) -> None:
        stuck = hard_limits.stuck(for_s=STUCK_GRACE_S)
        if stuck and not self._stopping.is_set() and not state.should_stop:
            logger.critical(
                "watchdog: %s check thread(s) stuck past their hard limit (results %s): "
                "stopping this worker so that its supervisor starts a fresh one",
                len(stuck),
                sorted(pk for running in stuck for pk, _ in running.rows),
            )
            state.should_stop = EX_FAILURE  # the consumer's loop stops the worker warm


class _Rounds:
    """What every watchdog does each TICK_S: renew the leases of the checks this process
    runs within their limits (every third of a lease), and store "timed out" for those
    past them."""

    def __init__(self) -> None:
        from django.conf import settings

        hard_limits.watch()
        self._renew_every = settings.READINESS_LEASE_SECONDS / 3
        self._renewed = time.monotonic()

    def tick(self) -> None:
        time.sleep(TICK_S)
        if time.monotonic() - self._renewed >= self._renew_every:
            self._renewed = time.monotonic()
            self._renew()
        self._enforce()

    def _renew(self) -> None:
        from django.db import close_old_connections

        from readiness.services.runs import assessment_renew_leases

        try:
            assessment_renew_leases()
        except Exception:  # the database may be away: the next round tries again
            logger.exception("watchdog: could not renew the leases of running checks")
            close_old_connections()

    def _enforce(self) -> None:
        from django.db import close_old_connections

        from readiness.services.runs import assessment_enforce_hard_limits

        try:
            timed_out = assessment_enforce_hard_limits()
        except Exception:  # the database may be away: the next tick tries again
            logger.exception("watchdog: could not store the outcome of timed-out checks")
            close_old_connections()
            return
        if timed_out:
            logger.error("watchdog: %s check(s) timed out past their hard limit", timed_out)


@worker_process_init.connect(weak=False)
def _watch_pool_process(**_: Any) -> None:
    """In each process of a prefork pool, as it starts: a watchdog for the tasks it runs."""
    hard_limits.watch()  # before its first task: leases are sized for a watched process
    threading.Thread(target=_watch_pool_process_run, name="readiness-watchdog", daemon=True).start()


def _watch_pool_process_run() -> None:
    rounds = _Rounds()
    while True:
        rounds.tick()
        stuck = hard_limits.stuck(for_s=STUCK_GRACE_S)
        if stuck:
            logger.critical(
                "watchdog: a task of pool process %s is stuck past its hard limit (results "
                "%s): ending the process so that the pool starts a fresh one",
                os.getpid(),
                sorted(pk for running in stuck for pk, _ in running.rows),
            )
            logging.shutdown()
            os._exit(EX_FAILURE)


def _exit(code: int) -> None:
    logger.critical(
        "watchdog: the worker is stopping, no check is left within its limit, and it has not "
        "exited %s s later: exiting (%s)",
        f"{EXIT_GRACE_S:g}",
        code,
    )
    logging.shutdown()
    os._exit(code)
