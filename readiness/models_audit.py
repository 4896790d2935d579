"""The audit trail: who changed what affects a score or access, append-only."""

from __future__ import annotations

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.utils.timezone import now
from django.utils.translation import gettext_lazy as _


class AppendOnlyError(RuntimeError):
    """An attempt to change or delete an audit entry: the trail is append-only."""


class AuditEntryQuerySet(models.QuerySet):
    def update(self, **kwargs: object) -> int:
        raise AppendOnlyError("audit entries are append-only: they cannot be changed")

    def delete(self) -> tuple[int, dict[str, int]]:
        raise AppendOnlyError("audit entries are append-only: they cannot be deleted")


class AuditEntry(models.Model):
    """One change that affects a score or access: who (None: the system), when, what, and
    the values before and after. Append-only: written once by `audit_record`, never changed
    (the database refuses an UPDATE) nor deleted (the model, its queryset and the admin
    refuse)."""

    team = models.ForeignKey(
        "readiness.Team", on_delete=models.PROTECT, related_name="audit_entries"
    )
    # Who acted; None for the system (a waiver that expired). PROTECT: who did what stays
    # answerable, so a user who acted is deactivated rather than deleted.
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="audit_entries",
        verbose_name=_("actor"),
    )
    actor_name = models.CharField(_("actor name"), max_length=200, blank=True)
    at = models.DateTimeField(_("at"), default=now)
    action = models.CharField(_("action"), max_length=60)
    # What was changed, by model label and primary key, with its name at the time (the
    # object may be gone since).
    target_type = models.CharField(_("target type"), max_length=100, blank=True)
    target_id = models.CharField(_("target id"), max_length=64, blank=True)
    target_label = models.CharField(_("target"), max_length=300, blank=True)
    before = models.JSONField(_("before"), null=True, blank=True, encoder=DjangoJSONEncoder)
    after = models.JSONField(_("after"), null=True, blank=True, encoder=DjangoJSONEncoder)
    summary = models.TextField(_("summary"), blank=True)

    objects = AuditEntryQuerySet.as_manager()

    class Meta:
        ordering = ["-at", "-id"]
        indexes = [
            # The team's audit page: its entries, newest first, filtered by action or date.
            models.Index(fields=["team", "at", "id"], name="auditentry_team_idx"),
        ]
        verbose_name = _("audit entry")
        verbose_name_plural = _("audit entries")

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.actor_name or 'system'} {self.action}"

    def save(self, *args: object, **kwargs: object) -> None:
        if self.pk is not None:
            raise AppendOnlyError("audit entries are append-only: they cannot be changed")
        super().save(*args, **kwargs)

    def delete(self, *args: object, **kwargs: object) -> tuple[int, dict[str, int]]:
        raise AppendOnlyError("audit entries are append-only: they cannot be deleted")
