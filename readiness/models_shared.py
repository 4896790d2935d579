"""Stored state of shared standards: a team's base checklists (immutable versions that many
projects extend) and campaigns (checks added or tightened for many projects by a date).

Models refer to the core ones (readiness.models) by name, so that this module imports none
of them and readiness.models can re-export these."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import models
from django.utils.timezone import now
from django.utils.translation import gettext_lazy as _


class BaseChecklist(models.Model):
    """A team's base checklist, `extends: <team>/<slug>` in the projects that use it."""

    team = models.ForeignKey(
        "readiness.Team", on_delete=models.PROTECT, related_name="base_checklists"
    )
    slug = models.SlugField(_("slug"), max_length=100)
    name = models.CharField(_("name"), max_length=200)
    created_at = models.DateTimeField(_("created at"), default=now)

    class Meta:
        ordering = ["team", "slug"]
        constraints = [
            models.UniqueConstraint(fields=["team", "slug"], name="basechecklist_unique_slug")
        ]
        verbose_name = _("base checklist")
        verbose_name_plural = _("base checklists")

    def __str__(self) -> str:
        return self.ref

    @property
    def ref(self) -> str:
        """How a checklist names it: `extends: platform/service-base`."""
        return f"{self.team.slug}/{self.slug}"

    def current_version(self) -> BaseChecklistVersion | None:
        return self.versions.order_by("-number").first()


class BaseChecklistVersion(models.Model):
    """One immutable version of a base checklist's file."""

    base = models.ForeignKey(BaseChecklist, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField(_("version"))
    source_text = models.TextField(_("checklist file"))
    digest = models.CharField(_("SHA-256"), max_length=64)
    created_at = models.DateTimeField(_("created at"), default=now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True
    )

    class Meta:
        ordering = ["base", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["base", "number"], name="basechecklistversion_unique")
        ]
        verbose_name = _("base checklist version")
        verbose_name_plural = _("base checklist versions")

    def __str__(self) -> str:
        return f"{self.base} v{self.number}"


class Campaign(models.Model):
    """Checks added or tightened for a set of projects (the projects of `teams`, and every
    project extending `base`), from `start` to `target`. Its checks are written like a
    checklist that extends each project's own (`checks_text`)."""

    team = models.ForeignKey("readiness.Team", on_delete=models.PROTECT, related_name="campaigns")
    slug = models.SlugField(_("slug"), max_length=100)
    name = models.CharField(_("name"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    start = models.DateField(_("start"))
    target = models.DateField(_("target date"))
    teams = models.ManyToManyField(
        "readiness.Team", blank=True, related_name="campaigns_in", verbose_name=_("teams")
    )
    base = models.ForeignKey(
        BaseChecklist,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="campaigns",
        verbose_name=_("base checklist"),
    )
    checks_text = models.TextField(_("checks"))
    created_at = models.DateTimeField(_("created at"), default=now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True
    )
    # Set when its checks joined the base checklist: from then on they are the base's.
    joined_at = models.DateTimeField(_("joined the base at"), null=True, blank=True)
    joined_version = models.ForeignKey(
        BaseChecklistVersion,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="joined_campaigns",
        verbose_name=_("joined base version"),
    )

    class Meta:
        ordering = ["target", "name"]
        constraints = [
            models.UniqueConstraint(fields=["team", "slug"], name="campaign_unique_slug")
        ]
        verbose_name = _("campaign")
        verbose_name_plural = _("campaigns")

    def __str__(self) -> str:
        return self.name

    @property
    def is_joined(self) -> bool:
        return self.joined_at is not None

    def days_left(self, today: dt.date) -> int:
        return (self.target - today).days
