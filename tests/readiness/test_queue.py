"""readiness/queue.py: tasks sent by name to the task queue or the scan queue, run here
when eager, QueueUnavailable when the broker cannot be reached."""

import pytest
from django.conf import settings

from readiness.celery import app as celery_app
from readiness.queue import QueueUnavailable, TaskCall, queue_check, queue_depth, queue_send
from readiness.routing import SCAN_TASKS, queue_for, scan_queue_name
from readiness.services.assessments import RUN_CHECK_TASK, RUN_FILE_CHECKS_TASK
from readiness.services.backfill import BACKFILL_CHUNK_TASK, BACKFILL_POINT_TASK
from readiness.services.notify import NOTIFY_TASK, SEND_TASK
from readiness.services.schedules import SCHEDULED_TASK
from tests.integration.support import free_port, private_broker, redis_broker, sent_tasks, using
from tests.readiness.repo_builders import celery_conf


def test_it_names_only_tasks_that_exist():
    celery_app.loader.import_default_modules()
    for name in (RUN_FILE_CHECKS_TASK, RUN_CHECK_TASK, BACKFILL_POINT_TASK, SCHEDULED_TASK):
        assert name in celery_app.tasks


def test_it_sends_each_call_by_name_with_its_arguments_to_its_queue(tmp_path):
    with using(private_broker(tmp_path / "broker")) as broker:
        queue_send(
            calls=[
                TaskCall(RUN_FILE_CHECKS_TASK, (7,)),
                TaskCall(RUN_CHECK_TASK, (8,)),
                TaskCall(RUN_CHECK_TASK, (9,)),
                TaskCall(BACKFILL_CHUNK_TASK, (3, ["abc"])),
            ]
        )
        # The filesystem broker does not keep the order of messages sent in the same instant.
        assert sorted(sent_tasks(broker, broker.queue)) == [
            (RUN_CHECK_TASK, (8,)),
            (RUN_CHECK_TASK, (9,)),
        ]
        assert sorted(sent_tasks(broker, scan_queue_name(broker.queue))) == [
            (BACKFILL_CHUNK_TASK, (3, ["abc"])),
            (RUN_FILE_CHECKS_TASK, (7,)),
        ]


def test_it_sends_the_scans_to_the_scan_queue_and_what_waits_to_the_task_queue():
    celery_app.loader.import_default_modules()
    scans = {RUN_FILE_CHECKS_TASK, BACKFILL_POINT_TASK, BACKFILL_CHUNK_TASK}
    assert scans == SCAN_TASKS
    for name in scans:
        assert name in celery_app.tasks
        assert queue_for(name, queue="q") == "q-scan"
    waits = {RUN_CHECK_TASK, NOTIFY_TASK, SEND_TASK, SCHEDULED_TASK}
    beat = {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}
    for name in waits | beat:
        assert name in celery_app.tasks
        assert queue_for(name, queue="q") == "q"


def test_a_task_sent_by_celery_itself_is_routed_as_queue_send_routes_it():
    # A retry keeps its message's queue; anything sent with Celery's own routing (e.g. a
    # task's .delay()) follows the same table.
    router = celery_app.amqp.router
    assert router.route({}, RUN_FILE_CHECKS_TASK)["queue"].name == settings.READINESS_SCAN_QUEUE
    assert router.route({}, BACKFILL_POINT_TASK)["queue"].name == settings.READINESS_SCAN_QUEUE
    assert router.route({}, RUN_CHECK_TASK)["queue"].name == settings.CELERY_TASK_DEFAULT_QUEUE


@pytest.mark.django_db
def test_it_runs_the_tasks_here_when_eager():
    # The row does not exist: the task runs and finds nothing to do.
    with celery_conf(task_always_eager=True):
        queue_check()
        queue_send(calls=[TaskCall(RUN_CHECK_TASK, (12345,))])


def test_it_says_the_queue_is_unavailable_when_the_broker_is_down():
    with using(redis_broker(f"redis://127.0.0.1:{free_port()}/0")):
        with pytest.raises(QueueUnavailable, match="the task queue is unavailable"):
            queue_check()
        with pytest.raises(QueueUnavailable, match="the task queue is unavailable"):
            queue_send(calls=[TaskCall(RUN_CHECK_TASK, (1,))])


def test_it_counts_the_messages_waiting_in_both_queues(tmp_path):
    with using(private_broker(tmp_path / "broker")) as broker:
        assert queue_depth() == 0
        queue_send(calls=[TaskCall(RUN_CHECK_TASK, (1,)), TaskCall(RUN_CHECK_TASK, (2,))])
        queue_send(calls=[TaskCall(RUN_FILE_CHECKS_TASK, (3,))])
        assert queue_depth() == 3
        sent_tasks(broker, broker.queue)
        assert queue_depth() == 1
        sent_tasks(broker, scan_queue_name(broker.queue))
        assert queue_depth() == 0


def test_its_depth_says_the_queue_is_unavailable_when_the_broker_is_down():
    with (
        using(redis_broker(f"redis://127.0.0.1:{free_port()}/0")),
        pytest.raises(QueueUnavailable),
    ):
        queue_depth()
