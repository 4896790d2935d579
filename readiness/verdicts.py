"""Words for statuses and verdicts: the structured verdict reasons that scoring stores
become translatable sentences here, so the command line, the reports and the dashboard
say the same thing."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from django.utils import formats
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from checks.messages import AWAITING, AWAITING_TEMPLATES, render
from readiness.formatting import format_coverage, format_score
from readiness.models import Verdict


def verdict_label(verdict: str) -> str:
    if verdict == Verdict.READY:
        return _("ready")
    if verdict == Verdict.NOT_READY:
        return _("not ready")
    return _("no verdict")


def waiver_count(reasons: Iterable[Mapping[str, Any]] | None) -> int:
    """How many checks were waived, from the verdict's reasons (the `waived` one)."""
    for reason in reasons or ():
        if reason.get("code") == "waived":
            return int(reason.get("count") or len(reason.get("checks") or ()))
    return 0


def verdict_phrase(verdict: str, reasons: Iterable[Mapping[str, Any]] | None) -> str:
    """The verdict with its waivers: "ready with 2 waivers", or the bare verdict."""
    label = verdict_label(verdict)
    count = waiver_count(reasons)
    if not count or verdict not in (Verdict.READY, Verdict.NOT_READY):
        return label
    return ngettext(
        "%(verdict)s with %(count)s waiver", "%(verdict)s with %(count)s waivers", count
    ) % {"verdict": label, "count": count}


def blocking_reasons(reasons: Iterable[Mapping[str, Any]] | None) -> list[Mapping[str, Any]]:
    """The reasons that make the verdict "not ready" (the `waived` one never does)."""
    return [reason for reason in reasons or () if reason.get("code") != "waived"]


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
    if code == "waived":
        checks = list(reason.get("checks") or ())
        return ngettext(
            "%(count)s check is waived, so not scored: %(checks)s.",
            "%(count)s checks are waived, so not scored: %(checks)s.",
            len(checks),
        ) % {"count": len(checks), "checks": ", ".join(checks)}
    details = ", ".join(f"{k}={v}" for k, v in reason.items() if k != "code")
    return _("%(code)s (%(details)s)") % {"code": code, "details": details} if details else code


def reasons_text(reasons: Iterable[Mapping[str, Any]]) -> list[str]:
    return [reason_text(reason) for reason in reasons]


# The marks of the teams' own documents, so that text output reads like them.
STATUS_ICONS = {
    "pass": "✅",
    "warn": "⚠️",
    "fail": "❌",
    "error": "⛔",
    "skip": "⏭️",
    "waived": "🏳️",
}
AWAITING_ICON = "⏳"


def status_word(status: str) -> str:
    return {
        "pass": _("PASS"),
        "warn": _("WARN"),
        "fail": _("FAIL"),
        "error": _("ERROR"),
        "skip": _("SKIP"),
        "waived": _("WAIVED"),
        "pending": _("PENDING"),
        "running": _("RUNNING"),
    }.get(status, status.upper())


def trigger_text(trigger: str, *, file_checks_only: bool = False) -> str:
    """The trigger as stored, with "file checks only" for a point of history, whose other
    checks were not measured."""
    if not file_checks_only:
        return trigger
    return _("%(trigger)s (file checks only)") % {"trigger": trigger}


@dataclass(frozen=True)
class Awaiting:
    """An `error` result that waits on a person (an attestation), not a broken check."""

    expired_on: dt.date | None = None

    def text(self) -> str:
        if self.expired_on is None:
            return _("Awaiting attestation")
        return _("Attestation expired on %(date)s") % {
            "date": formats.date_format(self.expired_on, "DATE_FORMAT")
        }


def awaiting(status: str, details: Mapping[str, Any] | None) -> Awaiting | None:
    """Whether a result is an attestation still awaited (none, or only expired ones): its
    details say so (checks.messages.AWAITING), or, for results stored before they did, its
    message is one of the engine's templates for it. Never from the English summary."""
    if status != "error" or not isinstance(details, Mapping):
        return None
    message = details.get("message")
    template = message.get("template") if isinstance(message, Mapping) else None
    if not details.get(AWAITING) and template not in AWAITING_TEMPLATES:
        return None
    expired = details.get("expired_on")
    if expired is None and isinstance(message, Mapping):
        expired = (message.get("params") or {}).get("date")
    try:
        expired_on = dt.date.fromisoformat(str(expired)[:10]) if expired else None
    except ValueError:
        expired_on = None
    return Awaiting(expired_on=expired_on)


def result_word(status: str, details: Mapping[str, Any] | None) -> str:
    """The word for a result where reports show one: "Awaiting attestation" or
    "Attestation expired on DATE" for an awaited attestation, else the status word."""
    found = awaiting(status, details)
    return found.text() if found else status_word(status)


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
