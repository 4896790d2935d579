"""The CI gate: does a run's report pass the score floor and the baseline it was given?

The floor is `assess --fail-under`'s rule (a score, at least the floor, and the verdict
ready); the baseline is the score of the last assessment of a branch, which the run must not
fall below (scores compared at the two decimals reports show)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext as _

from readiness.formatting import format_score
from readiness.models import Assessment
from readiness.verdicts import verdict_label


@dataclass(frozen=True)
class Gate:
    passed: bool
    reason: str

    def as_dict(self) -> dict[str, Any]:
        return {"passed": self.passed, "reason": self.reason}


def baseline_data(assessment: Assessment | None, *, branch: str) -> dict[str, Any]:
    """What the report says of its baseline: the branch and the assessment compared with
    (None when the branch has no finished assessment yet)."""
    if assessment is None:
        return {"branch": branch, "assessment": None}
    return {
        "branch": branch,
        "assessment": {
            "id": assessment.pk,
            "score": assessment.score,
            "verdict": assessment.verdict or None,
            "revision": assessment.revision or None,
            "date": assessment.evaluated_at.isoformat(),
        },
    }


def gate_evaluate(
    report: Mapping[str, Any],
    *,
    fail_under: float | None,
    baseline: Mapping[str, Any] | None,
) -> Gate:
    """Whether `report` passes: every rule asked for, the first failing one as the reason."""
    problems = [p for p in (_floor(report, fail_under), _regression(report, baseline)) if p]
    if problems:
        return Gate(False, "; ".join(problems))
    if fail_under is None and baseline is None:
        return Gate(True, _("no gate asked for (give fail_under or baseline)"))
    return Gate(True, _pass_reason(report, fail_under, baseline))


def _floor(report: Mapping[str, Any], fail_under: float | None) -> str | None:
    if fail_under is None:
        return None
    score = report["score"]
    if score is None:
        return _("no score could be computed (fail_under %(limit)s)") % {"limit": fail_under}
    if score < fail_under:
        return _("score %(score)s is below fail_under %(limit)s") % {
            "score": format_score(score, digits=2),
            "limit": fail_under,
        }
    if report["verdict"] != "ready":
        return _("verdict is %(verdict)s") % {"verdict": verdict_label(report["verdict"] or "")}
    return None


def _regression(report: Mapping[str, Any], baseline: Mapping[str, Any] | None) -> str | None:
    if baseline is None or baseline["assessment"] is None:
        return None
    before = baseline["assessment"]["score"]
    score = report["score"]
    if before is None:
        return None
    if score is None or round(score, 2) < round(before, 2):
        return _(
            "score %(score)s is lower than %(before)s, the last assessment of %(branch)s (#%(id)s)"
        ) % {
            "score": format_score(score, digits=2) if score is not None else "—",
            "before": format_score(before, digits=2),
            "branch": baseline["branch"],
            "id": baseline["assessment"]["id"],
        }
    return None


def _pass_reason(
    report: Mapping[str, Any], fail_under: float | None, baseline: Mapping[str, Any] | None
) -> str:
    parts = []
    score = format_score(report["score"], digits=2) if report["score"] is not None else "—"
    if fail_under is not None:
        parts.append(
            _("score %(score)s is at least fail_under %(limit)s")
            % {"score": score, "limit": fail_under}
        )
    if baseline is not None:
        if baseline["assessment"] is None:
            parts.append(
                _("%(branch)s has no finished assessment to compare with")
                % {"branch": baseline["branch"]}
            )
        else:
            parts.append(
                _("score %(score)s is not lower than %(before)s on %(branch)s")
                % {
                    "score": score,
                    "before": format_score(baseline["assessment"]["score"], digits=2),
                    "branch": baseline["branch"],
                }
            )
    return "; ".join(parts)
