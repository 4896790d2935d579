"""The task queue: Celery tasks sent by name, so that services and tasks never import each other.

Services say which task to run with a `TaskCall` (the task's registered name and its
arguments); this module checks that the broker answers and sends the calls, or raises
QueueUnavailable. When CELERY_TASK_ALWAYS_EAGER is set the tasks run in this process as
they are sent, and there is no broker to reach.

Each task goes to the task queue or the scan queue by its name (readiness/routing.py); both
are read from the app at send time, so that a test run can give the pipeline its own."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from kombu.exceptions import ChannelError, KombuError

from readiness.celery import app as celery_app
from readiness.routing import queue_for, scan_queue_name

# A web request asks the broker once more, briefly, and then says the queue is unavailable.
_CONNECT = {"max_retries": 1, "interval_start": 0.1, "interval_step": 0, "timeout": 5}
_RETRY_POLICY = {"max_retries": 1, "interval_start": 0, "interval_step": 0.5}


def queue_names() -> tuple[str, str]:
    """The task queue and the scan queue, as configured now."""
    base = celery_app.conf.task_default_queue
    return base, scan_queue_name(base)


class QueueUnavailable(Exception):
    """The broker cannot be reached; the message says so in words for the user."""


@dataclass(frozen=True)
class TaskCall:
    """One task to send: its registered name (e.g. "readiness.tasks.run_check_task") and
    its arguments."""

    name: str
    args: tuple[Any, ...] = ()
    kwargs: Mapping[str, Any] = field(default_factory=dict)


def queue_check() -> None:
    """Raise QueueUnavailable unless the broker answers (tasks run in this process when
    CELERY_TASK_ALWAYS_EAGER is set, so there is nothing to reach)."""
    if celery_app.conf.task_always_eager:
        return
    try:
        with celery_app.connection_for_write() as connection:
            connection.ensure_connection(**_CONNECT)
    except (KombuError, OSError) as exc:
        raise _unavailable(exc) from exc


def queue_send(*, calls: Sequence[TaskCall]) -> None:
    """Send `calls` to the broker on one connection. Raises QueueUnavailable when the
    broker cannot be reached."""
    if not calls:
        return
    if celery_app.conf.task_always_eager:
        # Run here, as sent: a task is found by name once the task modules are imported.
        celery_app.loader.import_default_modules()
        for call in calls:
            celery_app.tasks[call.name].apply_async(call.args, dict(call.kwargs))
        return
    # A fresh connection rather than the pool: a broken pooled connection must not hide
    # that the broker is back, and the queue is read at send time so that a deployment (or
    # a test run) can give the pipeline its own queues.
    queue = celery_app.conf.task_default_queue
    try:
        with celery_app.connection_for_write() as connection:
            connection.ensure_connection(**_CONNECT)
            for call in calls:
                celery_app.send_task(
                    call.name,
                    args=call.args,
                    kwargs=dict(call.kwargs),
                    connection=connection,
                    queue=queue_for(call.name, queue=queue),
                    retry=True,
                    retry_policy=_RETRY_POLICY,
                )
    except (KombuError, OSError) as exc:
        raise _unavailable(exc) from exc


def queue_depth() -> int:
    """How many messages wait in the task queue and the scan queue (taken ones, being
    worked on, not counted). 0 when tasks run eagerly; QueueUnavailable when the broker
    cannot be reached."""
    if celery_app.conf.task_always_eager:
        return 0
    try:
        with celery_app.connection_for_read() as connection:
            connection.ensure_connection(**_CONNECT)
            return sum(_waiting(connection, queue) for queue in queue_names())
    except (KombuError, OSError) as exc:
        raise _unavailable(exc) from exc


def _waiting(connection: Any, queue: str) -> int:
    try:
        return connection.default_channel.queue_declare(queue=queue, passive=True)[1]
    except ChannelError:
        # Redis has no key for an empty queue: "NOT_FOUND" means none waiting.
        return 0


def _unavailable(exc: BaseException) -> QueueUnavailable:
    return QueueUnavailable(
        f"the task queue is unavailable ({type(exc).__name__}: {exc}); "
        "pending checks are sent again once it is back"
    )
