"""The worker app of readiness with faults put into its engine, for the tests of what a
worker does when a check misbehaves beyond what a checker can: `celery -A
tests.integration.faulty_app worker`. A check whose key starts with `stuck-` blocks its
thread forever (what the hard limit is for); one whose key starts with `kill-` SIGKILLs
its own worker process (as the OOM killer would)."""

from __future__ import annotations

import os
import signal
import threading
from collections.abc import Sequence
from typing import Any

from checks import runner, scan
from checks.spec import CheckSpec, Outcome, RunContext
from readiness.celery import app

__all__ = ["app"]

_run_check = runner.run_check


def _faulty_run_check(spec: CheckSpec, ctx: RunContext) -> Outcome:
    if spec.key.startswith("stuck-"):
        threading.Event().wait()
    if spec.key.startswith("kill-"):
        os.kill(os.getpid(), signal.SIGKILL)
    return _run_check(spec, ctx)


runner.run_check = _faulty_run_check

_run_file_checks = scan.run_file_checks


def _faulty_run_file_checks(specs: Sequence[CheckSpec], *args: Any, **kwargs: Any) -> Any:
    if any(spec.key.startswith("stuck-") for spec in specs):
        threading.Event().wait()
    return _run_file_checks(specs, *args, **kwargs)


# Before readiness.services.runs imports it (when the worker loads the tasks).
scan.run_file_checks = _faulty_run_file_checks
