"""Reads of waivers: a project's waivers (its own and those of the bases it extends) and a
base's, for their pages and the command line, and the waivers of a team's projects that end
soon or just ended (the standup)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.db.models import OuterRef, Q, QuerySet, Subquery
from django.utils import timezone

from readiness.models import BaseChecklist, ChecklistVersion, Project, Waiver, WaiverStatus


def waiver_state(waiver: Waiver, now: dt.datetime) -> str:
    """The status as of `now`: an approved waiver past its date is `expired` even before
    the expiry task has recorded it."""
    if waiver.status == WaiverStatus.APPROVED and waiver.ends_at <= now:
        return WaiverStatus.EXPIRED
    return waiver.status


def _name(user: Any) -> str | None:
    return None if user is None else user.get_username()


def _current_bases(project_ids: Iterable[int]) -> QuerySet:
    """Rows (project, base) of the bases each project's current checklist extends (any
    depth)."""
    current = ChecklistVersion.objects.filter(project_id=OuterRef("checklistversion__project_id"))
    return ChecklistVersion.bases.through.objects.filter(
        checklistversion__project_id__in=list(project_ids),
        checklistversion_id=Subquery(current.order_by("-number").values("pk")[:1]),
    )


def project_base_ids(project_ids: Iterable[int]) -> dict[int, set[int]]:
    """The bases each project's current checklist extends (any depth), by project (one
    query)."""
    found: dict[int, set[int]] = {}
    for project_id, base_id in _current_bases(project_ids).values_list(
        "checklistversion__project_id", "basechecklistversion__base_id"
    ):
        found.setdefault(project_id, set()).add(base_id)
    return found


def _applying(project: Project) -> QuerySet[Waiver]:
    """The project's own waivers and those of the bases its current checklist extends."""
    bases = _current_bases([project.pk]).values("basechecklistversion__base_id")
    return Waiver.objects.filter(Q(project=project) | Q(base_id__in=bases)).select_related(
        "requested_by", "decided_by", "base__team", "project"
    )


def waiver_rows(
    *,
    project: Project | None = None,
    base: BaseChecklist | None = None,
    now: dt.datetime | None = None,
) -> list[dict[str, Any]]:
    """The waivers that apply to `project` (its own, and its bases' with `"base"` set and
    `"project"` null), or those of `base`, as JSON-ready dicts, newest first."""
    now = now or timezone.now()
    if project is not None:
        waivers = _applying(project)
    else:
        waivers = Waiver.objects.filter(base=base).select_related(
            "requested_by", "decided_by", "base__team"
        )
    return [
        {
            "id": w.pk,
            "project": w.project.slug if w.project_id else None,
            "base": w.base.ref if w.base_id else None,
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
        for w in waivers
    ]


@dataclass(frozen=True)
class ProjectWaivers:
    asked: list[Waiver]
    in_force: list[Waiver]
    past: list[Waiver]

    def __bool__(self) -> bool:
        return bool(self.asked or self.in_force or self.past)


PAST_SHOWN = 5


def project_waivers(
    *,
    project: Project | None = None,
    base: BaseChecklist | None = None,
    now: dt.datetime | None = None,
) -> ProjectWaivers:
    """The waivers of a project's page (its own and its bases') or of a base's page: asked
    for, in force (soonest end first), and the last few denied or ended (one query)."""
    now = now or timezone.now()
    asked, in_force, past = [], [], []
    if project is not None:
        waivers = _applying(project)
    else:
        waivers = Waiver.objects.filter(base=base).select_related(
            "requested_by", "decided_by", "base__team"
        )
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
    *,
    projects: Iterable[Project],
    now: dt.datetime,
    ahead_days: int,
    since: dt.datetime,
) -> tuple[list[Waiver], list[Waiver]]:
    """Approved waivers of `projects` and of the bases they extend that end within
    `ahead_days`, and those that ended since `since` (their checks count again), soonest
    first (one query)."""
    horizon = now + dt.timedelta(days=ahead_days)
    projects = list(projects)
    bases = _current_bases([p.pk for p in projects]).values("basechecklistversion__base_id")
    rows = (
        Waiver.objects.filter(
            Q(project__in=projects) | Q(base_id__in=bases),
            status__in=(WaiverStatus.APPROVED, WaiverStatus.EXPIRED),
            ends_at__gt=since,
            ends_at__lte=horizon,
        )
        .select_related("project", "base__team")
        .order_by("ends_at", "id")
    )
    ending, ended = [], []
    for waiver in rows:
        (ended if waiver.ends_at <= now else ending).append(waiver)
    return ending, ended
