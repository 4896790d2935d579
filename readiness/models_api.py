"""Access from outside the browser: a team's API tokens."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.timezone import now
from django.utils.translation import gettext_lazy as _


class TokenScope(models.TextChoices):
    # Reads the team's projects, assessments, checklists and history.
    READ = "read", _("Read")
    # Reads, and runs assessments, attests, edits action items and checklists.
    RUN = "run", _("Run")
    # Reads the Prometheus metrics only.
    METRICS = "metrics", _("Metrics")


class ApiToken(models.Model):
    """A bearer token of one team with one scope. Only a SHA-256 hash of the secret is
    stored: the secret is shown once, when the token is made. `prefix` (the token's first
    characters) tells tokens apart in lists without revealing them."""

    team = models.ForeignKey("readiness.Team", on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(_("name"), max_length=100)
    scope = models.CharField(_("scope"), max_length=10, choices=TokenScope.choices)
    prefix = models.CharField(_("prefix"), max_length=16)
    token_hash = models.CharField(_("token hash"), max_length=64, unique=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="api_tokens",
        verbose_name=_("created by"),
    )
    created_at = models.DateTimeField(_("created at"), default=now)
    last_used_at = models.DateTimeField(_("last used at"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)

    class Meta:
        ordering = ["team", "-created_at", "-id"]
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")

    def __str__(self) -> str:
        return f"{self.team.slug}/{self.name} ({self.scope}, {self.prefix}…)"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None
