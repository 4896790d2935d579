"""A pattern's clock: work charged to it, stopped on the file where its time runs out, even
inside a call that cannot be interrupted."""

import threading

import pytest

from checks.budget import INLINE_COST, Clock


def test_it_stops_waiting_for_work_that_outlasts_the_time_left_and_names_the_file():
    clock = Clock(0.2)
    release = threading.Event()
    ended = threading.Event()

    def blocked(cancel):
        release.wait(30)  # stands for an RE2 call that nothing can interrupt
        ended.set()
        return "late"

    assert clock.run(lambda cancel: "quick", path="a.txt", cost=1) == "quick"
    assert clock.run(blocked, path="big.txt", cost=INLINE_COST + 1) is None

    assert clock.slow_on == "big.txt"
    assert not ended.is_set()  # the scan went on without it
    release.set()
    assert ended.wait(30)
    assert clock.run(lambda cancel: "more", path="c.txt", cost=1) is None
    assert clock.slow_on == "big.txt"


def test_it_tells_abandoned_work_to_stop_at_its_next_call():
    clock = Clock(0.1)
    stopped = threading.Event()

    def loop(cancel):
        while not cancel.is_set:
            threading.Event().wait(0.01)
        stopped.set()

    assert clock.run(loop, path="x", cost=INLINE_COST + 1) is None
    assert stopped.wait(30)


def test_it_charges_work_done_in_place_and_stops_once_the_time_is_spent():
    clock = Clock(0.05)

    assert clock.run(lambda cancel: threading.Event().wait(0.1) or 1, path="a", cost=1) is None
    assert clock.slow_on == "a"
    assert clock.spent >= 0.05


def test_it_raises_in_the_caller_what_the_work_raised():
    clock = Clock(5)

    def broken(cancel):
        raise ValueError("bad")

    with pytest.raises(ValueError, match="bad"):
        clock.run(broken, path="a", cost=INLINE_COST + 1)
