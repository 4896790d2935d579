"""Scores, coverage, deltas, statuses and sparklines, formatted for the active language:
"9.8/10" in English, "9,8/10" in French. Statuses always carry an icon and a word, so
they read without colour."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable, Mapping, Sequence
from functools import lru_cache
from typing import Any

from django import template
from django.utils import formats, timezone
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language, gettext_lazy, pgettext, pgettext_lazy
from django.utils.translation import gettext as _

from readiness import verdicts
from readiness.formatting import format_coverage, format_score
from readiness.formatting import format_decimal as decimal
from readiness.models import ResultStatus, Trigger, Verdict, WaiverStatus

register = template.Library()

STATUS_ICONS = {
    "pass": "✓",
    "warn": "!",
    "fail": "✗",
    "error": "?",
    "skip": "–",
    "pending": "…",
    "running": "↻",
    "done": "✓",
    "cancelled": "⊘",
    "failed": "✗",
}


@register.filter
def score(value: float | None) -> str:
    """9.8/10 (9,8/10 in French); —/10 without a score."""
    return format_score(value)


@register.filter
def score_number(value: float | None) -> str:
    return "—" if value is None else decimal(value)


@register.filter
def coverage(value: float | None) -> str:
    """92% measured: a score is never shown without it."""
    return format_coverage(value)


@register.filter
def percent(value: float | None) -> str:
    return "—" if value is None else _("%(percent)s%%") % {"percent": int(value * 100 + 1e-9)}


@register.simple_tag
def delta(value: float | None) -> str:
    """▲ +0.6 / ▼ −0.3 / = 0.0, with words for screen readers; nothing without a change to
    show."""
    if value is None:
        return ""
    rounded = round(value, 1)
    if rounded > 0:
        return format_html(
            '<span class="delta delta-up" title="{}">▲ +{}</span>',
            _("up by %(amount)s") % {"amount": decimal(rounded)},
            decimal(rounded),
        )
    if rounded < 0:
        return format_html(
            '<span class="delta delta-down" title="{}">▼ −{}</span>',
            _("down by %(amount)s") % {"amount": decimal(-rounded)},
            decimal(-rounded),
        )
    return format_html(
        '<span class="delta delta-flat" title="{}">= {}</span>', _("unchanged"), decimal(0.0)
    )


@register.simple_tag
def amount(value: float | None) -> str:
    """A signed contribution to a score change with two decimals: +0.30, −0.05."""
    if value is None:
        return ""
    sign = "+" if value >= 0 else "−"
    return f"{sign}{decimal(abs(value), 2)}"


def status_label(status: str) -> str:
    labels = dict(ResultStatus.choices)
    labels.update(
        {
            "done": pgettext("assessment status", "Done"),
            "cancelled": pgettext("assessment status", "Cancelled"),
            "failed": pgettext("assessment status", "Failed"),
        }
    )
    return str(labels.get(status, status))


@register.filter
def status_text(status: str) -> str:
    """The word for a result's status (Pass, Fail, Waived...)."""
    return status_label(status)


@register.filter
def waiver_state_label(state: str) -> str:
    return str(dict(WaiverStatus.choices).get(state, state))


# Badges repeat on every row of long tables: build each once per language.
@lru_cache(maxsize=256)
def _status_badge(status: str, language: str) -> SafeString:
    if not status:
        return format_html('<span class="badge badge-none">{}</span>', _("none"))
    return format_html(
        '<span class="badge badge-{}" data-status="{}">'
        '<span aria-hidden="true">{}</span> {}</span>',
        status,
        status,
        STATUS_ICONS.get(status, "•"),
        status_label(status),
    )


@register.simple_tag
def status_badge(status: str | None) -> SafeString:
    """An icon and a word, coloured: ✓ Pass, ✗ Fail, ! Warn, ? Error, – Skip."""
    return _status_badge(status or "", get_language())


@register.simple_tag
def result_badge(status: str | None, details: Mapping[str, Any] | None = None) -> SafeString:
    """A result's badge: "Awaiting attestation" (or "Attestation expired on DATE") in a
    neutral style for an attestation still awaited, "Not measured" for a check a point of
    history could not evaluate, otherwise the status badge. The status stays `error`
    (data-status): only the words and the colour differ."""
    found = verdicts.awaiting(status or "", details)
    if found is not None:
        return _awaiting_html(found)
    if status == "error" and isinstance(details, Mapping) and details.get("not_evaluable"):
        # A point of history could not evaluate it: nothing went wrong, nothing was measured.
        return format_html(
            '<span class="badge badge-not-measured" data-status="error" data-not-measured="true"'
            ' title="{}"><span aria-hidden="true">–</span> {}</span>',
            _("not evaluable on history"),
            _("Not measured"),
        )
    return status_badge(status)


@register.simple_tag
def awaiting_badge(expired_on: dt.datetime | dt.date | None = None) -> SafeString:
    """The badge of a manual check whose attestation is awaited (expired on a date)."""
    if isinstance(expired_on, dt.datetime):
        expired_on = timezone.localdate(expired_on)
    return _awaiting_html(verdicts.Awaiting(expired_on=expired_on))


def _awaiting_html(found: verdicts.Awaiting) -> SafeString:
    return format_html(
        '<span class="badge badge-awaiting" data-status="error" data-awaiting="true">'
        '<span aria-hidden="true">◷</span> {}</span>',
        found.text(),
    )


@register.filter
def result_state(result: Any) -> str:
    """A result's status for styling: "awaiting" for an attestation still awaited,
    "not-measured" for a check a point of history could not evaluate, else the status."""
    details = result.details if isinstance(result.details, Mapping) else {}
    if verdicts.awaiting(result.status, details):
        return "awaiting"
    if result.status == "error" and details.get("not_evaluable"):
        return "not-measured"
    return result.status


@register.filter
def not_measured(groups: Iterable[Any]) -> list[Any]:
    """The results of `groups` (readiness.selectors.common.ResultGroup) that are `error`:
    checks that lower coverage because nothing measured them."""
    return [result for group in groups for result in group.results if result.status == "error"]


@lru_cache(maxsize=64)
def _verdict_badge(verdict: str, waivers: int, language: str) -> SafeString:
    if verdict == Verdict.READY:
        css, icon = "ready", "✓"
    elif verdict == Verdict.NOT_READY:
        css, icon = "not-ready", "✗"
    else:
        css, icon = "none", "–"
    return format_html(
        '<span class="verdict verdict-{}" data-verdict="{}">'
        '<span aria-hidden="true">{}</span> {}</span>',
        css,
        verdict,
        icon,
        verdicts.verdict_phrase(
            verdict, [{"code": "waived", "count": waivers}] if waivers else None
        ),
    )


@register.simple_tag
def verdict_badge(
    verdict: str | None, reasons: Iterable[Mapping[str, Any]] | None = None
) -> SafeString:
    """The verdict, coloured; with the verdict's reasons, its waivers too ("ready with 2
    waivers")."""
    return _verdict_badge(verdict or "", verdicts.waiver_count(reasons), get_language())


@register.simple_tag
def level_badge(level: str | None, levels: Sequence[str] | None, target: str = "") -> SafeString:
    """The achieved level among the checklist's `levels` ("Level silver", or "No level yet"),
    with the target when one is set; nothing when the checklist has no levels."""
    if not levels:
        return mark_safe("")
    rank = list(levels).index(level) + 1 if level in levels else 0
    reached = bool(target) and target in levels and rank >= list(levels).index(target) + 1
    text = _("Level %(level)s") % {"level": level} if level else _("No level yet")
    if target and target in levels and not reached:
        text = _("%(level)s · target %(target)s") % {"level": text, "target": target}
    return format_html(
        '<span class="level-badge level-rank-{}{}" data-level="{}" data-testid="level"'
        ' title="{}"><span aria-hidden="true">{}</span> {}</span>',
        rank,
        " level-target-reached" if reached else "",
        level or "",
        " < ".join(levels),
        "★" if rank else "☆",
        text,
    )


# The model's choices are the engine's plain values; these are the words people read.
_SEVERITY_LABELS = {
    "low": pgettext_lazy("severity", "low"),
    "medium": pgettext_lazy("severity", "medium"),
    "high": pgettext_lazy("severity", "high"),
    "critical": pgettext_lazy("severity", "critical"),
}


@register.filter
def severity_label(severity: str) -> str:
    return str(_SEVERITY_LABELS.get(severity, severity))


@lru_cache(maxsize=64)
def _trigger_label(trigger: str, language: str) -> str:
    return str(dict(Trigger.choices).get(trigger, trigger))


@register.filter
def trigger_label(trigger: str) -> str:
    return _trigger_label(trigger, get_language())


@register.filter
def origin_label(assessment: Any) -> str:
    """The trigger, and "file checks only" for a backfilled point (its other checks were
    not measured)."""
    label = _trigger_label(assessment.trigger, get_language())
    if getattr(assessment, "file_checks_only", False):
        return _("%(trigger)s · file checks only") % {"trigger": label}
    return label


@register.filter
def verdict_reasons(reasons: Iterable[Mapping[str, Any]] | None) -> list[str]:
    return verdicts.reasons_text(reasons or [])


@register.simple_tag
def sparkline(scores: Sequence[float], width: int = 120, height: int = 28) -> str:
    """An inline SVG line of the scores (oldest first) on a 0–10 scale."""
    if not scores:
        return format_html('<span class="sparkline sparkline-empty">{}</span>', _("no history yet"))
    pad = 3
    step = (width - 2 * pad) / max(len(scores) - 1, 1)

    def y(value: float) -> float:
        return round(pad + (height - 2 * pad) * (1 - value / 10), 1)

    points = " ".join(f"{round(pad + i * step, 1)},{y(v)}" for i, v in enumerate(scores))
    last_x = round(pad + (len(scores) - 1) * step, 1)
    label = _("Last %(count)s scores, from %(first)s to %(last)s") % {
        "count": len(scores),
        "first": score(scores[0]),
        "last": score(scores[-1]),
    }
    return format_html(
        '<svg class="sparkline" width="{w}" height="{h}" viewBox="0 0 {w} {h}" role="img" '
        'aria-label="{label}"><title>{label}</title>'
        '<polyline fill="none" stroke="currentColor" stroke-width="1.5" points="{points}"/>'
        '<circle cx="{cx}" cy="{cy}" r="2.5" fill="currentColor"/></svg>',
        w=width,
        h=height,
        label=label,
        points=points,
        cx=last_x,
        cy=y(scores[-1]),
    )


@register.filter
def duration(assessment: Any) -> str:
    """How long an assessment ran, from its start and finish times."""
    started, finished = (
        getattr(assessment, "started_at", None),
        getattr(assessment, "finished_at", None),
    )
    if not started or not finished:
        return "—"
    return milliseconds((finished - started) / dt.timedelta(milliseconds=1))


@register.filter
def milliseconds(value: float | None) -> str:
    if value is None:
        return "—"
    if value < 1000:
        return _("%(ms)s ms") % {"ms": round(value)}
    seconds = value / 1000
    if seconds < 60:
        return _("%(s)s s") % {"s": decimal(seconds)}
    minutes, rest = divmod(round(seconds), 60)
    return _("%(min)s min %(s)s s") % {"min": minutes, "s": rest}


# The evidence panel: known detail keys get a label and a shape; others are shown as is.
_DETAIL_LABELS = {
    "captured": gettext_lazy("Captured values"),
    "captured_values": gettext_lazy("Captured values"),
    "values": gettext_lazy("Captured values"),
    "value": gettext_lazy("Measured value"),
    "measured": gettext_lazy("Measured value"),
    "exit_code": gettext_lazy("Exit code"),
    "returncode": gettext_lazy("Exit code"),
    "status": gettext_lazy("HTTP status"),
    "status_code": gettext_lazy("HTTP status"),
    "http_status": gettext_lazy("HTTP status"),
    "latency_ms": gettext_lazy("Latency"),
    "elapsed_ms": gettext_lazy("Latency"),
    "stdout": gettext_lazy("Output"),
    "stdout_excerpt": gettext_lazy("Output"),
    "stderr_excerpt": gettext_lazy("Error output"),
    "argv": gettext_lazy("Command"),
    "url": gettext_lazy("URL"),
    "json_path": gettext_lazy("JSON path"),
    "limits": gettext_lazy("Limits"),
    "error": gettext_lazy("Error"),
    "timed_out": gettext_lazy("Timed out"),
    "duration_ms": gettext_lazy("Duration"),
    "stderr": gettext_lazy("Error output"),
    "output": gettext_lazy("Output"),
    "excerpt": gettext_lazy("Output"),
    "matches": gettext_lazy("Matches"),
    "count": gettext_lazy("Matches"),
    "files": gettext_lazy("Files"),
    "reason": gettext_lazy("Reason"),
}
_PREFORMATTED = {"stdout", "stderr", "output", "excerpt", "stdout_excerpt", "stderr_excerpt"}
# Sizes and truncation flags are bookkeeping, not evidence.
_HIDDEN_SUFFIXES = ("_bytes", "_truncated")
# Shown as the summary, not in the evidence panel.
# Markers the badge and the status words already say (checks.messages.AWAITING, and the
# runner's not-evaluable flag).
_HIDDEN_DETAILS = frozenset({"message", "awaiting", "not_evaluable", "waived"})
_DETAIL_TEXT_LIMIT = 4000


def _detail_text(key: str, value: Any) -> str:
    if key in ("latency_ms", "elapsed_ms", "duration_ms") and isinstance(value, int | float):
        return milliseconds(value)
    if isinstance(value, str):
        text = value
    elif isinstance(value, float):
        text = formats.number_format(value, use_l10n=True)
    elif isinstance(value, Mapping):
        text = "\n".join(f"{k}: {_plain(v)}" for k, v in value.items())
    elif key == "argv" and isinstance(value, list | tuple):
        text = " ".join(_plain(v) for v in value)
    elif isinstance(value, list | tuple):
        text = "\n".join(_plain(v) for v in value)
    elif isinstance(value, bool):
        text = _("yes") if value else _("no")
    else:
        text = str(value)
    return text if len(text) <= _DETAIL_TEXT_LIMIT else text[: _DETAIL_TEXT_LIMIT - 1] + "…"


def _plain(value: Any) -> str:
    if isinstance(value, str):
        return value
    return json.dumps(value, ensure_ascii=False, default=str)


@register.filter
def detail_items(details: Mapping[str, Any] | None) -> list[dict[str, Any]]:
    """The result's details as labelled items for the evidence panel."""
    items = []
    for key, value in (details or {}).items():
        if value in (None, "", [], {}) or key.endswith(_HIDDEN_SUFFIXES) or key in _HIDDEN_DETAILS:
            continue
        text = _detail_text(key, value)
        items.append(
            {
                "key": key,
                "label": str(_DETAIL_LABELS.get(key, key.replace("_", " "))),
                "text": text,
                "block": key in _PREFORMATTED or "\n" in text,
            }
        )
    return items


_CHECK_FIELD_LABELS = {
    "name": gettext_lazy("name"),
    "type": gettext_lazy("type"),
    "weight": gettext_lazy("weight"),
    "severity": gettext_lazy("severity"),
    "options": gettext_lazy("options"),
    "category": gettext_lazy("category"),
}


@register.filter
def check_field_labels(fields: Iterable[str]) -> list[str]:
    return [str(_CHECK_FIELD_LABELS.get(f, f)) for f in fields]


@register.filter
def result_summary(result: Any) -> str:
    """A result's summary (anything with `summary` and `details`: a CheckResult, a
    standup DigestCheck) in the active language."""
    return verdicts.summary_text(result.summary, getattr(result, "details", None))


@register.filter
def http_url(url: str | None) -> str:
    """The link if it is http(s), else nothing: evidence links may come from imported
    documents, and a javascript: link must never become clickable."""
    url = (url or "").strip()
    return url if url.lower().startswith(("https://", "http://")) else ""


@register.filter
def short_revision(revision: str | None) -> str:
    return (revision or "")[:10]


@register.simple_tag
def progress_label(done: int, total: int) -> SafeString:
    return format_html(
        "{}", _("%(done)s of %(total)s checks done") % {"done": done, "total": total}
    )


@register.filter
def translate_text(text: str) -> str:
    """`text` in the reader's language: a word the engine marked for the catalogue (a
    starter's title)."""
    return _(text)


@register.filter
def folder_name(root: str) -> str:
    """A repository folder as people read it: `sos/`, or `/` for the root."""
    return f"{root}/" if root else "/"
