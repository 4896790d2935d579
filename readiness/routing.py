"""Which queue each task goes to (imports nothing, so that the settings can use it).

- The task queue (READINESS_QUEUE, default "celery"): what waits on the network or a
  subprocess (slow checks), notifications and beat's tasks. Served by the "io" worker, a
  pool of threads.
- The scan queue (the task queue's name and "-scan"): what keeps a core busy for as long
  as it runs (an assessment's file scan, backfill points and chunks). Served by the
  "scan" worker, a pool of processes, one per core, so that scans run side by side
  instead of taking turns at one process's interpreter lock.

bin/worker starts one worker of each role; readiness/celery.py says more."""

SCAN_TASKS = frozenset(
    {
        "readiness.tasks.run_file_checks_task",
        "readiness.tasks.backfill_point_task",
        "readiness.tasks.backfill_chunk_task",
    }
)
SCAN_QUEUE_SUFFIX = "-scan"


def scan_queue_name(queue: str) -> str:
    """The scan queue that goes with the task queue `queue`."""
    return f"{queue}{SCAN_QUEUE_SUFFIX}"


def queue_for(task_name: str, *, queue: str) -> str:
    """The queue the task `task_name` goes to, `queue` being the task queue."""
    return scan_queue_name(queue) if task_name in SCAN_TASKS else queue
