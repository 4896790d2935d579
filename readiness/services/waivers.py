"""Waivers: asking to exempt a check of a project for a reason and until a date, approving
or denying it (a team admin other than the requester), and their end at their date."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.db import models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from readiness.models import (
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


def waiver_role(*, user: AbstractBaseUser, project: Project) -> str | None:
    """The user's role in the project's team; a superuser is an admin of every team."""
    if not user.is_active:
        return None
    if user.is_superuser:
        return Role.ADMIN
    return (
        Membership.objects.filter(team_id=project.team_id, user_id=user.pk)
        .values_list("role", flat=True)
        .first()
    )


def waiver_can_decide(*, waiver: Waiver, user: AbstractBaseUser) -> bool:
    """Whether `user` may approve or deny `waiver`: the role the settings name (a team
    admin by default; a superuser always), and never the requester."""
    return (
        waiver.status == WaiverStatus.REQUESTED
        and user.pk != waiver.requested_by_id
        and role_allows(
            waiver_role(user=user, project=waiver.project), settings.READINESS_WAIVER_APPROVER_ROLE
        )
    )


def waiver_max_until(*, today: dt.date) -> dt.date:
    return today + dt.timedelta(days=settings.READINESS_WAIVER_MAX_DAYS)


def waiver_request(
    *,
    project: Project,
    check_key: str,
    until: dt.date,
    reason: str,
    user: AbstractBaseUser,
    now: dt.datetime | None = None,
) -> Waiver:
    """Ask for a waiver of the check `check_key` of the project's current checklist through
    `until` (today at the earliest, at most READINESS_WAIVER_MAX_DAYS ahead). The requester
    is an editor or admin of the project's team. Raises WaiverRefused for a user who may
    not ask, WaiverError naming what is wrong (nothing is saved then)."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    if not role_allows(waiver_role(user=user, project=project), Role.EDITOR):
        raise WaiverRefused(
            _("%(user)s may not ask for waivers in %(team)s: an editor or admin may.")
            % {"user": user.get_username(), "team": project.team.name}
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
    current = ChecklistVersion.objects.filter(project=project).order_by("-number").values("pk")
    if not Check.objects.filter(checklist__in=current[:1], key=check_key).exists():
        raise WaiverError(
            _("%(check)s is not a check of %(project)s's current checklist.")
            % {"check": check_key, "project": project.slug}
        )
    with transaction.atomic():
        open_ = _open_waiver(project, check_key, now)
        if open_ is not None:
            raise WaiverError(
                _("%(check)s already has waiver #%(id)s (%(status)s).")
                % {"check": check_key, "id": open_.pk, "status": open_.get_status_display()}
            )
        waiver = Waiver.objects.create(
            team_id=project.team_id,
            project=project,
            check_key=check_key,
            reason=reason,
            until=until,
            ends_at=waiver_ends_at(until),
            requested_by=user,
            requested_at=now,
        )
        audit_record(
            team=project.team,
            actor=user,
            action="waiver.request",
            target=waiver,
            after=_fields(waiver),
            summary=reason,
        )
    return waiver


def _open_waiver(project: Project, check_key: str, now: dt.datetime) -> Waiver | None:
    """The check's waiver still asked for, or approved and not ended: one at a time."""
    return (
        Waiver.objects.select_for_update()
        .filter(project=project, check_key=check_key)
        .filter(
            models.Q(status=WaiverStatus.REQUESTED)
            | models.Q(status=WaiverStatus.APPROVED, ends_at__gt=now)
        )
        .first()
    )


def _fields(waiver: Waiver) -> dict:
    return {
        "project": waiver.project.slug if waiver.project_id else None,
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
            .select_related("project__team")
            .get(pk=waiver.pk)
        )
        if user.pk == waiver.requested_by_id:
            raise WaiverRefused(_("Nobody approves or denies their own waiver request."))
        if not role_allows(
            waiver_role(user=user, project=waiver.project), settings.READINESS_WAIVER_APPROVER_ROLE
        ):
            raise WaiverRefused(
                _("%(user)s may not decide waivers in %(team)s: a team %(role)s may.")
                % {
                    "user": user.get_username(),
                    "team": waiver.project.team.name,
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
            team=waiver.project.team,
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
            .select_related("team", "project")
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


def waivers_in_force(*, project: Project, at: dt.datetime) -> list[Waiver]:
    """The project's waivers in force at `at`: approved by then and not yet ended (one per
    check, the latest approved)."""
    found: dict[str, Waiver] = {}
    for waiver in Waiver.objects.filter(
        project=project, status__in=IN_FORCE, decided_at__lte=at, ends_at__gt=at
    ).order_by("decided_at", "id"):
        found[waiver.check_key] = waiver
    return list(found.values())


def waived_snapshot(waivers: list[Waiver]) -> list[dict]:
    """What an assessment keeps of the waivers in force when it was evaluated."""
    return [
        {
            "check": waiver.check_key,
            "waiver": waiver.pk,
            "until": waiver.until.isoformat(),
            "reason": waiver.reason,
        }
        for waiver in sorted(waivers, key=lambda w: w.check_key)
    ]
