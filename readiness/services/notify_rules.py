"""When a notification is due: the rules of notifications, as events with the subject they
are about and the JSON body they send. Reads only; readiness/services/notify.py stores
and sends.

- regression: a live assessment's score is at least `min_drop` below the previous one's;
- verdict: its verdict differs from the previous one's;
- critical: a critical check fails (or errs) that did not in the previous assessment;
- expiring: a project's current attestation of a check ends within `expiring_days`;
- missed: the project's schedule was due and no scheduled assessment started.

"Previous" is the project's last finished live assessment before it (run from the
dashboard, a schedule or the command line): backfilled points and imported documents are
history, never news, and never a baseline."""

from __future__ import annotations

import datetime as dt
import zoneinfo
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from celery.schedules import crontab
from django.conf import settings
from django.db.models import Max
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from readiness.formatting import format_decimal, format_score
from readiness.models import (
    Assessment,
    AssessmentStatus,
    Attestation,
    AuditEntry,
    NotificationChannel,
    Project,
    Trigger,
)
from readiness.models_notify import NotifyRule
from readiness.verdicts import verdict_label

LIVE_TRIGGERS = (Trigger.MANUAL, Trigger.SCHEDULE, Trigger.CLI)
ASSESSMENT_RULES = frozenset({NotifyRule.REGRESSION, NotifyRule.VERDICT, NotifyRule.CRITICAL})
_FAILING = ("fail", "error")


@dataclass(frozen=True)
class Event:
    """One notification due: its rule, its subject (what it is about, unique per rule and
    channel: the delivery's key) and its JSON body."""

    rule: str
    subject: str
    payload: dict[str, Any]
    assessment_id: int | None = None


# Assessments


@dataclass(frozen=True)
class Change:
    """What a finished live assessment changed since the previous one."""

    assessment: Assessment
    previous: Assessment | None
    new_critical: list[Mapping[str, Any]] = field(default_factory=list)

    @property
    def drop(self) -> float | None:
        if self.previous is None or self.previous.score is None or self.assessment.score is None:
            return None
        return self.previous.score - self.assessment.score

    @property
    def verdict_changed(self) -> bool:
        before = self.previous.verdict if self.previous else ""
        return bool(before and self.assessment.verdict and before != self.assessment.verdict)


def assessment_change(*, assessment: Assessment) -> Change | None:
    """The change a finished live assessment made, or None for one that notifies
    nothing (not done, claimed by a document, or backfilled)."""
    if (
        assessment.status != AssessmentStatus.DONE
        or assessment.claimed
        or assessment.trigger not in LIVE_TRIGGERS
    ):
        return None
    previous = (
        Assessment.objects.filter(
            project_id=assessment.project_id,
            status=AssessmentStatus.DONE,
            claimed=False,
            trigger__in=LIVE_TRIGGERS,
            evaluated_at__lte=assessment.evaluated_at,
        )
        .exclude(pk=assessment.pk)
        .exclude(evaluated_at=assessment.evaluated_at, pk__gt=assessment.pk)
        .order_by("-evaluated_at", "-id")
        .first()
    )
    before = _critical(previous.verdict_reasons) if previous else {}
    now = _critical(assessment.verdict_reasons)
    new = [reason for key, reason in now.items() if key not in before]
    return Change(assessment=assessment, previous=previous, new_critical=new)


def _critical(reasons: Iterable[Mapping[str, Any]] | None) -> dict[str, Mapping[str, Any]]:
    return {
        str(reason.get("check")): reason
        for reason in reasons or ()
        if reason.get("code") == "critical" and reason.get("status") in _FAILING
    }


def change_events(change: Change, *, channel: NotificationChannel) -> list[Event]:
    """The events `change` raises for the rules of `channel`."""
    rules = set(channel.rules)
    assessment, previous = change.assessment, change.previous
    subject = f"assessment:{assessment.pk}"
    events = []
    drop = change.drop
    if NotifyRule.REGRESSION in rules and drop is not None and drop >= channel.min_drop - 1e-9:
        summary = _("%(project)s: the score dropped from %(before)s to %(after)s (−%(drop)s).")
        # "9.0/10 to 7.5/10 (−1.5)": the drop is in points, not a score.
        events.append(
            _event(
                NotifyRule.REGRESSION,
                subject,
                change,
                summary,
                extra={"drop": round(drop, 4)},
                before=format_score(previous.score),
                after=format_score(assessment.score),
                drop=format_decimal(drop, 1),
            )
        )
    if NotifyRule.VERDICT in rules and change.verdict_changed:
        summary = _("%(project)s: the verdict changed from %(before)s to %(after)s.")
        events.append(
            _event(
                NotifyRule.VERDICT,
                subject,
                change,
                summary,
                before=verdict_label(previous.verdict),
                after=verdict_label(assessment.verdict),
            )
        )
    if NotifyRule.CRITICAL in rules and change.new_critical:
        checks = [
            {"check": str(r.get("check")), "status": str(r.get("status"))}
            for r in change.new_critical
        ]
        summary = ngettext(
            "%(project)s: critical check %(checks)s started failing.",
            "%(project)s: critical checks %(checks)s started failing.",
            len(checks),
        )
        events.append(
            _event(
                NotifyRule.CRITICAL,
                subject,
                change,
                summary,
                extra={"checks": checks},
                checks=", ".join(c["check"] for c in checks),
            )
        )
    return events


def _event(
    rule: str,
    subject: str,
    change: Change,
    summary: str,
    *,
    extra: Mapping[str, Any] | None = None,
    **words: str,
) -> Event:
    assessment, previous = change.assessment, change.previous
    project = assessment.project
    payload = {
        **_head(rule, project),
        "summary": summary % {"project": project.name, **words},
        "assessment": _assessment(assessment),
        "previous": _assessment(previous) if previous else None,
        **(extra or {}),
    }
    payload["url"] = public_url(reverse("readiness:assessment", args=[assessment.pk]))
    return Event(rule=rule, subject=subject, payload=payload, assessment_id=assessment.pk)


def _assessment(assessment: Assessment) -> dict[str, Any]:
    return {
        "id": assessment.pk,
        "score": assessment.score,
        "coverage": assessment.coverage,
        "verdict": assessment.verdict,
        "level": assessment.level,
        "revision": assessment.revision,
        "trigger": assessment.trigger,
        "evaluated_at": assessment.evaluated_at.isoformat(),
    }


def _head(rule: str, project: Project) -> dict[str, Any]:
    return {
        "event": rule,
        "project": {"slug": project.slug, "name": project.name, "team": project.team.slug},
    }


def public_url(path: str) -> str:
    """`path` under READINESS_PUBLIC_URL when the deployment gives it (receivers then get
    a link they can open), else the path alone."""
    base = settings.READINESS_PUBLIC_URL.rstrip("/")
    return f"{base}{path}" if base else path


# Attestations


def expiring_events(
    *, project: Project, channel: NotificationChannel, now: dt.datetime
) -> list[Event]:
    """One event per check whose current attestation ends within the channel's
    `expiring_days` and has not ended yet; its subject is the attestation, so a new
    attestation of the check is told about again when it, in turn, nears its end."""
    horizon = now + dt.timedelta(days=channel.expiring_days)
    checklist = project.current_checklist()
    if checklist is None:
        return []
    keys = list(checklist.checks.values_list("key", flat=True))
    latest = (
        Attestation.objects.filter(project=project, check_key__in=keys, attested_at__lte=now)
        .values("check_key")
        .annotate(last=Max("attested_at"))
    )
    events = []
    for row in latest:
        attestation = (
            Attestation.objects.filter(
                project=project, check_key=row["check_key"], attested_at=row["last"]
            )
            .order_by("-id")
            .first()
        )
        if attestation is None or attestation.valid_until is None:
            continue
        if not now < attestation.valid_until <= horizon:
            continue
        days = max(0, (attestation.valid_until - now).days)
        summary = ngettext(
            "%(project)s: the attestation of %(check)s expires in %(days)s day (%(date)s).",
            "%(project)s: the attestation of %(check)s expires in %(days)s days (%(date)s).",
            days,
        ) % {
            "project": project.name,
            "check": attestation.check_key,
            "days": days,
            "date": attestation.valid_until.date().isoformat(),
        }
        payload = {
            **_head(NotifyRule.EXPIRING, project),
            "summary": summary,
            "attestation": {
                "id": attestation.pk,
                "check": attestation.check_key,
                "status": attestation.status,
                "attested_by": attestation.attested_by,
                "valid_until": attestation.valid_until.isoformat(),
            },
            "days_left": days,
            "url": public_url(reverse("readiness:project", args=[project.slug])),
        }
        events.append(Event(NotifyRule.EXPIRING, f"attestation:{attestation.pk}", payload))
    return events


# Schedules


def last_due(
    *, schedule: str, zone: str, before: dt.datetime, lookback_days: int = 366
) -> dt.datetime | None:
    """The latest time at or before `before` when the cron `schedule` in `zone` was due
    (as Celery's crontab reads it: day of month and day of week must both match), or None
    in the last `lookback_days`."""
    parts = schedule.split()
    if len(parts) != 5:
        return None
    try:
        cron = crontab(
            minute=parts[0],
            hour=parts[1],
            day_of_month=parts[2],
            month_of_year=parts[3],
            day_of_week=parts[4],
        )
        tz = zoneinfo.ZoneInfo(zone)
    except (ValueError, TypeError, IndexError, zoneinfo.ZoneInfoNotFoundError):
        return None
    local = before.astimezone(tz)
    minutes, hours = sorted(cron.minute, reverse=True), sorted(cron.hour, reverse=True)
    for back in range(lookback_days + 1):
        day = local.date() - dt.timedelta(days=back)
        if (
            day.month not in cron.month_of_year
            or day.day not in cron.day_of_month
            or (day.isoweekday() % 7) not in cron.day_of_week
        ):
            continue
        for hour in hours:
            for minute in minutes:
                at = dt.datetime(day.year, day.month, day.day, hour, minute, tzinfo=tz)
                if at <= local:
                    return at.astimezone(dt.UTC)
    return None


def missed_event(*, project: Project, now: dt.datetime) -> Event | None:
    """The scheduled run that did not happen, if any: the schedule was last due at least
    READINESS_NOTIFY_MISSED_GRACE_SECONDS ago, after the schedule was set (the project's
    creation or its last "project.schedule" audit entry), and no scheduled assessment was
    created since."""
    if not project.schedule.strip():
        return None
    grace = dt.timedelta(seconds=settings.READINESS_NOTIFY_MISSED_GRACE_SECONDS)
    due = last_due(schedule=project.schedule, zone=project.timezone, before=now - grace)
    if due is None or due <= _schedule_set_at(project):
        return None
    ran = Assessment.objects.filter(
        project=project,
        trigger=Trigger.SCHEDULE,
        created_at__gte=due - dt.timedelta(minutes=1),
    ).exists()
    if ran:
        return None
    summary = _("%(project)s: the scheduled run due at %(due)s did not happen.") % {
        "project": project.name,
        "due": timezone.localtime(due, zoneinfo.ZoneInfo(project.timezone)).strftime(
            "%Y-%m-%d %H:%M %Z"
        ),
    }
    payload = {
        **_head(NotifyRule.MISSED, project),
        "summary": summary,
        "schedule": project.schedule,
        "timezone": project.timezone,
        "due_at": due.isoformat(),
        "url": public_url(reverse("readiness:project", args=[project.slug])),
    }
    return Event(NotifyRule.MISSED, f"missed:{due.isoformat()}", payload)


def _schedule_set_at(project: Project) -> dt.datetime:
    changed = (
        AuditEntry.objects.filter(
            action="project.schedule", target_type="readiness.project", target_id=str(project.pk)
        )
        .order_by("-at")
        .values_list("at", flat=True)
        .first()
    )
    return max(project.created_at, changed) if changed else project.created_at


def in_channel_language(channel: NotificationChannel) -> translation.override:
    """A channel's messages are written in its own language (the server's by default)."""
    return translation.override(channel.language or settings.LANGUAGE_CODE)


def rules_clean(names: Sequence[str]) -> list[str]:
    """The known rule names among `names`, in the order of NotifyRule, without repeats."""
    wanted = set(names)
    return [rule.value for rule in NotifyRule if rule.value in wanted]
