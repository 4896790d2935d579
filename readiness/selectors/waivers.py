"""Reads of waivers: a project's waivers for its page and the command line, and the
waivers of a team's projects that end soon or just ended (the standup)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.utils import timezone

from readiness.models import Project, Waiver, WaiverStatus


def waiver_state(waiver: Waiver, now: dt.datetime) -> str:
    """The status as of `now`: an approved waiver past its date is `expired` even before
    the expiry task has recorded it."""
    if waiver.status == WaiverStatus.APPROVED and waiver.ends_at <= now:
        return WaiverStatus.EXPIRED
    return waiver.status


def _name(user: Any) -> str | None:
    return None if user is None else user.get_username()


def waiver_rows(*, project: Project, now: dt.datetime | None = None) -> list[dict[str, Any]]:
    """The project's waivers as JSON-ready dicts, newest first (one query)."""
    now = now or timezone.now()
    return [
        {
            "id": w.pk,
            "project": project.slug,
            "check": w.check_key,
            "status": waiver_state(w, now),
            "until": w.until.isoformat(),
            "reason": w.reason,
            "requested_by": _name(w.requested_by),
            "requested_at": w.requested_at.isoformat(),
            "decided_by": _name(w.decided_by),
            "decided_at": w.decided_at.isoformat() if w.decided_at else None,
            "note": w.decision_note,
        }
        for w in Waiver.objects.filter(project=project).select_related("requested_by", "decided_by")
    ]


@dataclass(frozen=True)
class ProjectWaivers:
    asked: list[Waiver]
    in_force: list[Waiver]
    past: list[Waiver]

    def __bool__(self) -> bool:
        return bool(self.asked or self.in_force or self.past)


PAST_SHOWN = 5


def project_waivers(*, project: Project, now: dt.datetime | None = None) -> ProjectWaivers:
    """The project page's waivers: asked for, in force (soonest end first), and the last
    few denied or ended (one query)."""
    now = now or timezone.now()
    asked, in_force, past = [], [], []
    waivers = Waiver.objects.filter(project=project).select_related("requested_by", "decided_by")
    for waiver in waivers:
        waiver.state = waiver_state(waiver, now)
        if waiver.state == WaiverStatus.REQUESTED:
            asked.append(waiver)
        elif waiver.state == WaiverStatus.APPROVED:
            in_force.append(waiver)
        elif len(past) < PAST_SHOWN:
            past.append(waiver)
    in_force.sort(key=lambda w: w.ends_at)
    return ProjectWaivers(asked=asked, in_force=in_force, past=past)


def waivers_ending(
    *, projects: Iterable[Project], now: dt.datetime, ahead_days: int, since: dt.datetime
) -> tuple[list[Waiver], list[Waiver]]:
    """Approved waivers of `projects` that end within `ahead_days`, and those that ended
    since `since` (their checks count again), soonest first (one query)."""
    horizon = now + dt.timedelta(days=ahead_days)
    rows = (
        Waiver.objects.filter(
            project__in=list(projects),
            status__in=(WaiverStatus.APPROVED, WaiverStatus.EXPIRED),
            ends_at__gt=since,
            ends_at__lte=horizon,
        )
        .select_related("project")
        .order_by("ends_at", "id")
    )
    ending, ended = [], []
    for waiver in rows:
        (ended if waiver.ends_at <= now else ending).append(waiver)
    return ending, ended
