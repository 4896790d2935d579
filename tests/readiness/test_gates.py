"""The CI gate: the floor (as assess --fail-under) and the baseline branch."""

from __future__ import annotations

import pytest

from readiness.gates import gate_evaluate

READY = {"score": 8.5, "verdict": "ready"}


def baseline(score, branch="main"):
    return {"branch": branch, "assessment": {"id": 7, "score": score}}


@pytest.mark.parametrize(
    ("report", "fail_under", "before", "passed", "said"),
    [
        (READY, None, None, True, "no gate asked for"),
        (READY, 8.5, None, True, "at least fail_under 8.5"),
        (READY, 8.6, None, False, "below fail_under 8.6"),
        ({"score": 9.0, "verdict": "not-ready"}, 8.0, None, False, "verdict is not ready"),
        ({"score": None, "verdict": ""}, 1.0, None, False, "no score"),
        (READY, None, baseline(8.5), True, "not lower than 8.50/10 on main"),
        (READY, None, baseline(8.504), True, "not lower"),  # two decimals, as shown
        (READY, None, baseline(8.51), False, "lower than 8.51/10, the last assessment of main"),
        (READY, None, {"branch": "main", "assessment": None}, True, "no finished assessment"),
        (READY, 9.0, baseline(9.5), False, "below fail_under 9.0; score 8.50/10 is lower"),
    ],
)
def test_the_gate(report, fail_under, before, passed, said):
    gate = gate_evaluate(report, fail_under=fail_under, baseline=before)
    assert gate.passed is passed
    assert said in gate.reason
