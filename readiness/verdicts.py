"""Words for statuses and verdicts: the structured verdict reasons that scoring stores
become translatable sentences here, so the command line, the reports and the dashboard
say the same thing."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from django.utils.translation import gettext as _

from checks.messages import render
from readiness.formatting import format_coverage, format_score
from readiness.models import Verdict


def verdict_label(verdict: str) -> str:
    if verdict == Verdict.READY:
        return _("ready")
    if verdict == Verdict.NOT_READY:
        return _("not ready")
    return _("no verdict")


def reason_text(reason: Mapping[str, Any]) -> str:
    """One sentence for one structured reason of readiness.scoring. An unknown code still
    says something true (its code and fields) rather than nothing."""
    code = reason.get("code", "")
    if code == "score_below":
        score, ready_at = reason.get("score"), reason.get("ready_at")
        # 7.96 below 8.0 must not read "8.0 is below 8.0".
        digits = 1 if format_score(score) != format_score(ready_at) else 2
        return _("The score %(score)s is below the %(ready_at)s needed to be ready.") % {
            "score": format_score(score, digits=digits),
            "ready_at": format_score(ready_at, digits=digits),
        }
    if code == "no_score":
        return _("No check could be scored, so there is no score.")
    if code == "coverage_below":
        return _("Only %(coverage)s; at least %(minimum)s%% is needed.") % {
            "coverage": format_coverage(reason.get("coverage")),
            "minimum": int(reason.get("minimum", 0.8) * 100 + 1e-9),
        }
    if code == "critical":
        if reason.get("status") == "error":
            message = _("Critical check %(check)s could not gather evidence.")
        else:
            message = _("Critical check %(check)s failed.")
        return message % {"check": reason.get("check", "?")}
    details = ", ".join(f"{k}={v}" for k, v in reason.items() if k != "code")
    return _("%(code)s (%(details)s)") % {"code": code, "details": details} if details else code


def reasons_text(reasons: Iterable[Mapping[str, Any]]) -> list[str]:
    return [reason_text(reason) for reason in reasons]


# The marks of the teams' own documents, so that text output reads like them.
STATUS_ICONS = {"pass": "✅", "warn": "⚠️", "fail": "❌", "error": "⛔", "skip": "⏭️"}


def status_word(status: str) -> str:
    return {
        "pass": _("PASS"),
        "warn": _("WARN"),
        "fail": _("FAIL"),
        "error": _("ERROR"),
        "skip": _("SKIP"),
        "pending": _("PENDING"),
        "running": _("RUNNING"),
    }.get(status, status.upper())


def summary_text(summary: str, details: Mapping[str, Any] | None) -> str:
    """A check result's summary in the active language: the engine's message stored in
    `details["message"]` (template and parameters) translated, else the stored English
    `summary` (results written before messages existed, or a message that no longer fits
    its translation)."""
    stored = (details or {}).get("message") if isinstance(details, Mapping) else None
    if not isinstance(stored, Mapping):
        return summary
    try:
        return render(stored, _)
    except (KeyError, TypeError, ValueError):
        return summary
