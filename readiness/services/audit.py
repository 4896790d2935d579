"""The audit trail's one writer: `audit_record` appends an entry for a change that affects a
score or access (checklist versions, waivers, attestations, roles, schedules)."""

from __future__ import annotations

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db import models
from django.utils.translation import gettext_lazy as _

from readiness.models import AuditEntry, Team

# The actions written by readiness, with their labels for the audit page. Other modules
# may record their own (a dotted name: "thing.verb"); the page shows an unknown one as it is.
ACTIONS: dict[str, str] = {
    "checklist.version": _("Checklist version added"),
    "waiver.request": _("Waiver asked"),
    "waiver.approve": _("Waiver approved"),
    "waiver.deny": _("Waiver denied"),
    "waiver.expire": _("Waiver expired"),
    "attestation.create": _("Check attested"),
    "membership.add": _("Member added"),
    "membership.role": _("Role changed"),
    "membership.remove": _("Member removed"),
    "project.schedule": _("Schedule changed"),
    "project.target_level": _("Target level changed"),
    "base_checklist.version": _("Base checklist version added"),
    "campaign.create": _("Campaign created"),
    "campaign.join": _("Campaign joined the base checklist"),
    "api_token.create": _("API token created"),
    "api_token.revoke": _("API token revoked"),
    "notification.add": _("Notification channel added"),
    "notification.change": _("Notification channel changed"),
    "notification.remove": _("Notification channel removed"),
    "project.badge_key": _("Badge key regenerated"),
}

_LABEL_MAX = 300


def audit_record(
    *,
    team: Team,
    actor: AbstractBaseUser | AnonymousUser | None,
    action: str,
    target: object | None = None,
    before: dict | None = None,
    after: dict | None = None,
    summary: str = "",
) -> AuditEntry:
    """Append one entry to `team`'s audit trail: `actor` did `action` (a dotted name, see
    ACTIONS) to `target` (a model instance, or anything with a readable str), changing
    `before` into `after` (JSON-serialisable dicts; dates allowed). `actor` None (or an
    anonymous user) is the system. Call it inside the transaction of the change it
    records, so that both are saved or neither."""
    if actor is not None and not actor.is_authenticated:
        actor = None
    target_type = target_id = target_label = ""
    if isinstance(target, models.Model):
        target_type = target._meta.label_lower
        target_id = "" if target.pk is None else str(target.pk)
    if target is not None:
        target_label = str(target)[:_LABEL_MAX]
    return AuditEntry.objects.create(
        team=team,
        actor=actor,
        actor_name=_actor_name(actor),
        action=action,
        target_type=target_type,
        target_id=target_id,
        target_label=target_label,
        before=before,
        after=after,
        summary=summary,
    )


def _actor_name(actor: AbstractBaseUser | None) -> str:
    if actor is None:
        return ""
    full = getattr(actor, "get_full_name", lambda: "")()
    return (full or actor.get_username())[:200]
