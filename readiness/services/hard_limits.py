"""The checks this process is running and the hard limit by which each must have ended.

A task registers the result rows it claimed, with a hard limit: the check's own bound (its
`timeout_s`, the fetch of its source) plus READINESS_HARD_LIMIT_MARGIN_SECONDS, for as
long as it runs them. Checks end by their own deadlines; this is the last line of
defence for one that does not. The worker's watchdog (readiness/watchdog.py) renews the
leases of those within their limit, and has the outcome of those past it stored as timed
out (readiness.services.runs): a thread cannot be killed, but the result no longer waits
for it. One still registered after that is a stuck thread.

In-process bookkeeping only: nothing here touches the database."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field

from checks.spec import Status


@dataclass(eq=False)
class Running:
    """Result rows one task is evaluating: (result id, attempt) pairs of one assessment,
    the status they get past their limit, and the limit (seconds, and as a
    time.monotonic() deadline)."""

    assessment_id: int
    rows: tuple[tuple[int, int], ...]
    status: Status
    limit_s: float
    deadline: float
    expired_at: float | None = field(default=None)

    def extend(self, limit_s: float) -> None:
        """A new phase of the task (a scan after its fetch): `limit_s` from now."""
        with _LOCK:
            self.limit_s = limit_s
            self.deadline = time.monotonic() + limit_s


_LOCK = threading.Lock()
_RUNNING: set[Running] = set()
_WATCHED = threading.Event()


def watch() -> None:
    """Say that a watchdog renews leases and enforces hard limits in this process."""
    _WATCHED.set()


def watched() -> bool:
    return _WATCHED.is_set()


@contextmanager
def hard_limit(
    *, assessment_id: int, rows: Sequence[tuple[int, int]], status: Status, limit_s: float
) -> Iterator[Running]:
    """Register `rows` (claimed by this task) as running until the block ends; past
    `limit_s` the watchdog stores them as `status` "timed out"."""
    running = Running(assessment_id, tuple(rows), status, limit_s, time.monotonic() + limit_s)
    with _LOCK:
        _RUNNING.add(running)
    try:
        yield running
    finally:
        with _LOCK:
            _RUNNING.discard(running)


def overdue(now: float | None = None) -> list[Running]:
    """Registered tasks past their limit whose rows have not been timed out yet."""
    now = time.monotonic() if now is None else now
    with _LOCK:
        return [r for r in _RUNNING if r.expired_at is None and r.deadline < now]


def mark_expired(running: Running, now: float | None = None) -> None:
    with _LOCK:
        running.expired_at = time.monotonic() if now is None else now


def stuck(*, for_s: float, now: float | None = None) -> list[Running]:
    """Tasks still running `for_s` seconds after their rows were timed out."""
    now = time.monotonic() if now is None else now
    with _LOCK:
        return [r for r in _RUNNING if r.expired_at is not None and now - r.expired_at >= for_s]


def within_limits() -> list[Running]:
    """Registered tasks still within their limit."""
    with _LOCK:
        return [r for r in _RUNNING if r.expired_at is None]
