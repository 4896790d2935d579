"""Attestations: a person's statement about a manual check of a project."""

from __future__ import annotations

import datetime as dt

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from checks.manual import MANUAL
from readiness.models import Attestation, AttestationStatus, Check, ChecklistVersion, Project
from readiness.services.audit import audit_record


def manual_check(*, project: Project, check_key: str) -> Check | None:
    """The manual check `check_key` of the project's current checklist, if there is one."""
    current = ChecklistVersion.objects.filter(project=project).order_by("-number").values("pk")
    return (
        Check.objects.select_related("checklist")
        .filter(checklist__in=current[:1], key=check_key, type=MANUAL.name)
        .first()
    )


def attestation_errors(*, check: Check, status: str, note: str, evidence_url: str) -> dict:
    """What is wrong with an attestation of `check`, by field (empty when nothing is): the
    status must be chosen, a note written, and the evidence link given when the check asks
    for one. The dashboard's form, the admin and the service all apply these rules."""
    errors: dict[str, str] = {}
    if status not in AttestationStatus.values:
        errors["status"] = _("Choose a status: pass, warn or fail.")
    if not note.strip():
        errors["note"] = _("Write a note: what was checked, and how.")
    if check.options.get("evidence_required") and not evidence_url.strip():
        errors["evidence_url"] = _("This check requires an evidence link.")
    return errors


def attestation_create(
    *,
    project: Project,
    check: Check,
    status: str,
    user: AbstractBaseUser,
    note: str,
    evidence_url: str = "",
    now: dt.datetime | None = None,
) -> Attestation:
    """Record `user`'s attestation of the manual `check`. It expires after the check's
    `valid_days` (never when unset). Raises ValidationError naming each field that is wrong
    (see `attestation_errors`); nothing is saved then."""
    if check.type != MANUAL.name or check.checklist.project_id != project.pk:
        raise ValidationError(
            _("%(check)s is not a manual check of this project.") % {"check": check.key}
        )
    errors = attestation_errors(check=check, status=status, note=note, evidence_url=evidence_url)
    if errors:
        raise ValidationError(errors)
    evidence_url = evidence_url.strip()
    attested_at = now or timezone.now()
    valid_days = check.options.get("valid_days")
    attestation = Attestation(
        project=project,
        check_key=check.key,
        status=status,
        note=note.strip(),
        evidence_url=evidence_url,
        user=user,
        attested_by=user.get_full_name() or user.get_username(),
        attested_at=attested_at,
        valid_until=attested_at + dt.timedelta(days=valid_days) if valid_days else None,
    )
    attestation.full_clean()
    with transaction.atomic():
        attestation.save()
        audit_record(
            team=project.team,
            actor=user,
            action="attestation.create",
            target=attestation,
            after={
                "check": attestation.check_key,
                "status": attestation.status,
                "valid_until": attestation.valid_until,
                "evidence_url": attestation.evidence_url,
            },
            summary=attestation.note,
        )
    return attestation
