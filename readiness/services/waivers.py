"""Waivers: asking to exempt a check of a project, or of every project extending a team's
base checklist, for a reason and until a date; approving or denying it (a team admin other
than the requester); and their end at their date."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.db import models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from readiness.models import (
    BaseChecklist,
    Check,
    ChecklistVersion,
    Membership,
    Project,
    Role,
    Waiver,
    WaiverStatus,
)
from readiness.permissions import role_allows
from readiness.services.audit import audit_record
from readiness.services.bases import base_checks

IN_FORCE = (WaiverStatus.APPROVED, WaiverStatus.EXPIRED)


class WaiverError(ValueError):
    """A waiver that cannot be asked for or decided as given; the message says why."""


class WaiverRefused(WaiverError):
    """The user may not do this (their role, or their own request)."""


def waiver_ends_at(until: dt.date) -> dt.datetime:
    """When a waiver valid through `until` ends: the next midnight in the server's time zone."""
    return timezone.make_aware(
        dt.datetime.combine(until + dt.timedelta(days=1), dt.time.min),
        timezone.get_default_timezone(),
    )


def waiver_role(
    *, user: AbstractBaseUser, project: Project | None = None, team_id: int | None = None
) -> str | None:
    """The user's role in the team of `project` (or the team `team_id`); a superuser is an
    admin of every team."""
    if not user.is_active:
        return None
    if user.is_superuser:
        return Role.ADMIN
    return (
        Membership.objects.filter(team_id=team_id or project.team_id, user_id=user.pk)
        .values_list("role", flat=True)
        .first()
    )


def waiver_can_decide(*, waiver: Waiver, user: AbstractBaseUser) -> bool:
    """Whether `user` may approve or deny `waiver`: the role the settings name in the
    waiver's team (a team admin by default; a superuser always), and never the requester."""
    return (
        waiver.status == WaiverStatus.REQUESTED
        and user.pk != waiver.requested_by_id
        and role_allows(
            waiver_role(user=user, team_id=waiver.team_id), settings.READINESS_WAIVER_APPROVER_ROLE
        )
    )


def waiver_max_until(*, today: dt.date) -> dt.date:
    return today + dt.timedelta(days=settings.READINESS_WAIVER_MAX_DAYS)


def waiver_request(
    *,
    check_key: str,
    until: dt.date,
    reason: str,
    user: AbstractBaseUser,
    project: Project | None = None,
    base: BaseChecklist | None = None,
    now: dt.datetime | None = None,
) -> Waiver:
    """Ask for a waiver of the check `check_key` through `until` (today at the earliest, at
    most READINESS_WAIVER_MAX_DAYS ahead): of the project's current checklist, or, given
    `base`, of every project extending that team's base checklist (a check of its current
    version), now and later while it holds. The requester is an editor or admin of the
    project's team (the base's team). Raises WaiverRefused for a user who may not ask,
    WaiverError naming what is wrong (nothing is saved then)."""
    if (project is None) == (base is None):
        raise WaiverError(_("Name either a project or a base checklist."))
    now = now or timezone.now()
    today = timezone.localdate(now)
    team = project.team if project is not None else base.team
    if not role_allows(waiver_role(user=user, team_id=team.pk), Role.EDITOR):
        raise WaiverRefused(
            _("%(user)s may not ask for waivers in %(team)s: an editor or admin may.")
            % {"user": user.get_username(), "team": team.name}
        )
    reason = reason.strip()
    if not reason:
        raise WaiverError(_("Give a reason: why the check does not apply for now."))
    if until < today:
        raise WaiverError(
            _("until: %(until)s has passed; give today or a later date.")
            % {"until": until.isoformat()}
        )
    latest = waiver_max_until(today=today)
    if until > latest:
        raise WaiverError(
            _("until: at most %(days)s days ahead (%(latest)s), got %(until)s.")
            % {
                "days": settings.READINESS_WAIVER_MAX_DAYS,
                "latest": latest.isoformat(),
                "until": until.isoformat(),
            }
        )
    if project is not None:
        current = ChecklistVersion.objects.filter(project=project).order_by("-number").values("pk")
        if not Check.objects.filter(checklist__in=current[:1], key=check_key).exists():
            raise WaiverError(
                _("%(check)s is not a check of %(project)s's current checklist.")
                % {"check": check_key, "project": project.slug}
            )
    elif check_key not in {key for key, _name in base_checks(base=base)}:
        raise WaiverError(
            _("%(check)s is not a check of the base checklist %(base)s.")
            % {"check": check_key, "base": base.ref}
        )
    with transaction.atomic():
        open_ = _open_waiver(project, base, check_key, now)
        if open_ is not None:
            raise WaiverError(
                _("%(check)s already has waiver #%(id)s (%(status)s).")
                % {"check": check_key, "id": open_.pk, "status": open_.get_status_display()}
            )
        waiver = Waiver.objects.create(
            team=team,
            project=project,
            base=base,
            check_key=check_key,
            reason=reason,
            until=until,
            ends_at=waiver_ends_at(until),
            requested_by=user,
            requested_at=now,
        )
        audit_record(
            team=team,
            actor=user,
            action="waiver.request",
            target=waiver,
            after=_fields(waiver),
            summary=reason,
        )
    return waiver


def _open_waiver(
    project: Project | None, base: BaseChecklist | None, check_key: str, now: dt.datetime
) -> Waiver | None:
    """The check's waiver (of the project, or of the base) still asked for, or approved and
    not ended: one at a time."""
    return (
        Waiver.objects.select_for_update()
        .filter(project=project, base=base, check_key=check_key)
        .filter(
            models.Q(status=WaiverStatus.REQUESTED)
            | models.Q(status=WaiverStatus.APPROVED, ends_at__gt=now)
        )
        .first()
    )


def _fields(waiver: Waiver) -> dict:
    return {
        "project": waiver.project.slug if waiver.project_id else None,
        **({"base": waiver.base.ref} if waiver.base_id else {}),
        "check": waiver.check_key,
        "status": waiver.status,
        "until": waiver.until,
        "reason": waiver.reason,
        "note": waiver.decision_note,
    }


def waiver_approve(
    *, waiver: Waiver, user: AbstractBaseUser, note: str = "", now: dt.datetime | None = None
) -> Waiver:
    """Approve a waiver that is asked for: from now through its `until`, its check is
    `waived` in the project's assessments. Raises WaiverRefused for the requester and
    for a user without the approver's role, WaiverError when it is no longer asked for
    or its date has passed."""
    return _decide(waiver, user, WaiverStatus.APPROVED, note, now)


def waiver_deny(
    *, waiver: Waiver, user: AbstractBaseUser, note: str, now: dt.datetime | None = None
) -> Waiver:
    """Deny a waiver that is asked for, saying why in `note` (required). Same rules as
    `waiver_approve` on who may."""
    if not note.strip():
        raise WaiverError(_("Write a note: why the waiver is denied."))
    return _decide(waiver, user, WaiverStatus.DENIED, note, now)


def _decide(
    waiver: Waiver, user: AbstractBaseUser, status: str, note: str, now: dt.datetime | None
) -> Waiver:
    now = now or timezone.now()
    with transaction.atomic():
        waiver = (
            Waiver.objects.select_for_update(of=("self",))
            .select_related("team", "project", "base__team")
            .get(pk=waiver.pk)
        )
        if user.pk == waiver.requested_by_id:
            raise WaiverRefused(_("Nobody approves or denies their own waiver request."))
        if not role_allows(
            waiver_role(user=user, team_id=waiver.team_id), settings.READINESS_WAIVER_APPROVER_ROLE
        ):
            raise WaiverRefused(
                _("%(user)s may not decide waivers in %(team)s: a team %(role)s may.")
                % {
                    "user": user.get_username(),
                    "team": waiver.team.name,
                    "role": Role(settings.READINESS_WAIVER_APPROVER_ROLE).label,
                }
            )
        if waiver.status != WaiverStatus.REQUESTED:
            raise WaiverError(
                _("Waiver #%(id)s is already %(status)s.")
                % {"id": waiver.pk, "status": waiver.get_status_display().lower()}
            )
        if status == WaiverStatus.APPROVED and waiver.ends_at <= now:
            raise WaiverError(
                _("Waiver #%(id)s was asked until %(until)s, which has passed: ask again.")
                % {"id": waiver.pk, "until": waiver.until.isoformat()}
            )
        before = _fields(waiver)
        waiver.status = status
        waiver.decided_by = user
        waiver.decided_at = now
        waiver.decision_note = note.strip()
        waiver.save(update_fields=["status", "decided_by", "decided_at", "decision_note"])
        audit_record(
            team=waiver.team,
            actor=user,
            action="waiver.approve" if status == WaiverStatus.APPROVED else "waiver.deny",
            target=waiver,
            before=before,
            after=_fields(waiver),
            summary=waiver.decision_note,
        )
    return waiver


def waivers_expire(*, now: dt.datetime | None = None) -> int:
    """Mark `expired`, with an audit entry by the system, every approved waiver whose date
    has passed. The waivers stop counting at their date whether or not this has run: it
    only records it (the expiry task runs it). Returns how many expired."""
    now = now or timezone.now()
    count = 0
    with transaction.atomic():
        due = (
            # Only the waivers' rows: PostgreSQL locks no row of a nullable join (project).
            Waiver.objects.select_for_update(of=("self",))
            .select_related("team", "project", "base__team")
            .filter(status=WaiverStatus.APPROVED, ends_at__lte=now)
        )
        for waiver in due:
            before = _fields(waiver)
            waiver.status = WaiverStatus.EXPIRED
            waiver.expired_at = now
            waiver.save(update_fields=["status", "expired_at"])
            audit_record(
                team=waiver.team,
                actor=None,
                action="waiver.expire",
                target=waiver,
                before=before,
                after=_fields(waiver),
            )
            count += 1
    return count


def waivers_in_force(
    *, project: Project, at: dt.datetime, base_ids: Iterable[int] | None = None
) -> list[Waiver]:
    """The waivers in force for the project at `at`: approved by then and not yet ended,
    its own and those of the bases its checklist extends (`base_ids`; by default those of
    its current checklist). One per check: the latest approved."""
    if base_ids is None:
        current = project.current_checklist()
        base_ids = current.bases.values_list("base_id", flat=True) if current else []
    found: dict[str, Waiver] = {}
    for waiver in (
        Waiver.objects.filter(
            models.Q(project=project) | models.Q(base_id__in=list(base_ids)),
            status__in=IN_FORCE,
            decided_at__lte=at,
            ends_at__gt=at,
        )
        .select_related("base__team")
        .order_by("decided_at", "id")
    ):
        found[waiver.check_key] = waiver
    return list(found.values())


def waived_snapshot(waivers: list[Waiver]) -> list[dict]:
    """What an assessment keeps of the waivers in force when it was evaluated (a base's
    waiver names the base: `"base": "team/checklist"`)."""
    return [
        {
            "check": waiver.check_key,
            "waiver": waiver.pk,
            "until": waiver.until.isoformat(),
            "reason": waiver.reason,
            **({"base": waiver.base.ref} if waiver.base_id else {}),
        }
        for waiver in sorted(waivers, key=lambda w: w.check_key)
    ]
