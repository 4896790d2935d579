"""The time a pattern may spend matching in one scan, and RE2 work run under a watchdog.

RE2 is linear in the text, but its fast DFA gives up on a pattern whose states do not fit
its memory (`[ab]*a[ab]{200}c` over long runs of a and b), and the search then steps
through every live instruction for every byte: about 2·10⁸ instruction-bytes a second,
seconds per megabyte. A call into RE2 cannot be interrupted, so a piece of work that could
take long (its program size times the bytes it reads is large) runs on a thread of its
own: when the pattern's time is up the scan stops waiting, the pattern is stopped on that
file, and the thread ends with its call, its result unused. Smaller work runs in place and
is charged after the fact.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any, TypeVar

T = TypeVar("T")

DEFAULT_PATTERN_SECONDS = 10.0
# Work up to this many instruction-bytes runs in the calling thread: at worst about half a
# second, usually microseconds. A 100-instruction pattern reads a 1 MB file in place.
INLINE_COST = 10**8


class Cancel:
    """Set when nobody waits for the work any more: work that loops over RE2 calls stops
    at the next one."""

    __slots__ = ("is_set",)

    def __init__(self) -> None:
        self.is_set = False


NEVER = Cancel()  # the flag of work that runs in place: nobody stops waiting for it


class Clock:
    """The matching time one pattern (or one combined program) may still spend in one
    scan. When it runs out, `slow_on` names the file being matched then."""

    __slots__ = ("_lock", "limit", "slow_on", "spent")

    def __init__(self, seconds: float) -> None:
        self.limit = seconds
        self.spent = 0.0
        self.slow_on: str | None = None
        self._lock = threading.Lock()

    @property
    def stopped(self) -> bool:
        return self.slow_on is not None

    def run(self, work: Callable[[Cancel], T], *, path: str, cost: int) -> T | None:
        """What `work` returns (work on the file `path` that costs at most `cost`
        instruction-bytes), its time charged to this clock; None when the time ran out,
        which stops the clock on `path`."""
        if self.slow_on is not None:
            return None
        started = time.monotonic()
        if cost <= INLINE_COST:
            finished, result = True, work(NEVER)
        else:
            finished, result = _watched(work, self.limit - self.spent)
        with self._lock:
            self.spent += time.monotonic() - started
            if finished and self.spent <= self.limit:
                return result
            if self.slow_on is None:
                self.slow_on = path
        return None


class _Raised:
    __slots__ = ("error",)

    def __init__(self, error: BaseException) -> None:
        self.error = error


def _watched(work: Callable[[Cancel], T], timeout: float) -> tuple[bool, T | None]:
    """(True, result) when `work` ends within `timeout` seconds on a thread of its own,
    else (False, None), the work told to stop and left to end on its own."""
    cancel = Cancel()
    done = threading.Event()
    box: list[Any] = []

    def target() -> None:
        try:
            box.append(work(cancel))
        except BaseException as exc:  # raised again in the waiting thread
            box.append(_Raised(exc))
        finally:
            done.set()

    threading.Thread(target=target, name="readiness-re2", daemon=True).start()
    if not done.wait(max(0.0, timeout)):
        cancel.is_set = True
        return False, None
    (result,) = box
    if isinstance(result, _Raised):
        raise result.error
    return True, result
