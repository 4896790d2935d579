"""A child process with a deadline and a cap on its output, killed as a whole group."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path


def kill_group(proc: subprocess.Popen) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(proc.pid, signal.SIGKILL)


@dataclass(frozen=True)
class Completed:
    returncode: int
    stdout: bytes
    stderr: bytes
    timed_out: bool = False
    truncated: bool = False  # stdout went over max_output and the process was killed


class CappedProcess:
    """A child process in its own process group, with a deadline and a cap on its
    output; on either the whole group is killed. Start it, do other work, then `wait()`."""

    def __init__(
        self,
        argv: Sequence[str],
        *,
        cwd: Path | str | None = None,
        timeout: float,
        max_output: int,
        env: dict[str, str] | None = None,
    ) -> None:
        self._timeout = timeout
        self._max_output = max_output
        self._deadline = time.monotonic() + timeout
        self._proc = subprocess.Popen(
            list(argv),
            cwd=cwd,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            start_new_session=True,
        )
        self._chunks: list[bytes] = []
        self._errors: list[bytes] = []
        self._truncated = False
        self._out = threading.Thread(target=self._drain_stdout, daemon=True)
        self._err = threading.Thread(target=self._drain_stderr, daemon=True)
        self._out.start()
        self._err.start()

    def _drain_stdout(self) -> None:
        size = 0
        stream = self._proc.stdout
        assert stream is not None
        while chunk := stream.read1(1 << 20):
            size += len(chunk)
            if size > self._max_output:
                self._truncated = True
                kill_group(self._proc)
                break
            self._chunks.append(chunk)

    def _drain_stderr(self) -> None:
        stream = self._proc.stderr
        assert stream is not None
        size = 0
        while chunk := stream.read1(1 << 16):
            if size < 1 << 20:
                self._errors.append(chunk)
            size += len(chunk)

    def wait(self) -> Completed:
        # Joining the reader (it ends when the process closes stdout) blocks on a lock;
        # Popen.wait(timeout) would poll with sleeps instead.
        self._out.join(timeout=max(0.0, self._deadline - time.monotonic()))
        timed_out = self._out.is_alive()
        if timed_out:
            kill_group(self._proc)
        self._proc.wait()
        self._out.join()
        self._err.join()
        for stream in (self._proc.stdout, self._proc.stderr):
            if stream is not None:
                stream.close()
        return Completed(
            self._proc.returncode,
            b"".join(self._chunks),
            b"".join(self._errors),
            timed_out=timed_out,
            truncated=self._truncated,
        )

    def kill(self) -> None:
        kill_group(self._proc)
