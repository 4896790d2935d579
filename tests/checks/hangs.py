"""Running code that may block forever on a FIFO, so that a test fails instead of hanging."""

from __future__ import annotations

import contextlib
import os
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any


def run_unblocking_fifo(run: Callable[[], Any], *fifos: Path, within_s: float) -> Any:
    """`run()`'s result, or AssertionError if it has not returned after `within_s`
    seconds. A `run` stuck opening one of `fifos` for reading is then released by a writer
    that opens and closes it, so that the test ends either way."""
    result: list[Any] = []

    def call() -> None:
        try:
            result.append(run())
        except BaseException as exc:  # raised again in the test's thread
            result.append(exc)

    thread = threading.Thread(target=call, daemon=True)
    thread.start()
    thread.join(timeout=within_s)
    if thread.is_alive():
        while thread.is_alive():
            for fifo in fifos:
                with contextlib.suppress(OSError):  # ENXIO: no reader waits on this one
                    os.close(os.open(fifo, os.O_WRONLY | os.O_NONBLOCK))
            thread.join(timeout=0.1)
        raise AssertionError(f"still running after {within_s}s: blocked on a FIFO")
    if isinstance(result[0], BaseException):
        raise result[0]
    return result[0]
