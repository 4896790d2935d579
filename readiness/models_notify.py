"""Stored state of notifications: a project's channels (what to tell, and where) and the
deliveries sent to them, one row per channel, rule and subject.

Models refer to the core ones (readiness.models) by name, so that this module imports none
of them and readiness.models can re-export these."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.timezone import now
from django.utils.translation import gettext_lazy as _


class NotifyRule(models.TextChoices):
    """What a channel is told about. The values are the names `notify add --on` takes."""

    REGRESSION = "regression", _("Score drops")
    VERDICT = "verdict", _("Verdict changes")
    CRITICAL = "critical", _("A critical check starts failing")
    EXPIRING = "expiring", _("An attestation expires soon")
    MISSED = "missed", _("A scheduled run did not happen")


# A delivery asked for with the "send test" button; never a rule a channel listens to.
TEST_RULE = "test"


def rule_label(rule: str) -> str:
    if rule == TEST_RULE:
        return str(_("Test"))
    return str(NotifyRule(rule).label) if rule in NotifyRule.values else rule


class ChannelKind(models.TextChoices):
    WEBHOOK = "webhook", _("Signed webhook")
    APPRISE = "apprise", _("Chat or e-mail (Apprise)")


def secret_hint(secret: str) -> str:
    """How a secret is shown back: its last 4 characters only."""
    if not secret:
        return ""
    return "…" + secret[-4:] if len(secret) > 8 else "…"


def url_label(url: str, *, kind: str) -> str:
    """A channel's URL as pages show it, since tokens hide in URLs: a webhook's scheme and
    host, an Apprise URL's scheme (its "host" is often a token), then the last 4
    characters of the rest."""
    scheme, _sep, rest = url.partition("://")
    if kind == ChannelKind.WEBHOOK:
        host, _slash, tail = rest.partition("/")
        host = host.rpartition("@")[2]  # never credentials
        return f"{scheme}://{host}/" + (f"…{tail[-4:]}" if tail else "")
    return f"{scheme}://…{rest[-4:]}" if len(rest) > 8 else f"{scheme}://…"


class NotificationChannel(models.Model):
    """Where a project's notifications go (a signed webhook or an Apprise URL) and which
    rules send them there, with the rules' thresholds."""

    project = models.ForeignKey(
        "readiness.Project", on_delete=models.CASCADE, related_name="notification_channels"
    )
    kind = models.CharField(_("kind"), max_length=10, choices=ChannelKind.choices)
    # The webhook's URL or the Apprise URL (which may hold tokens: shown shortened).
    url = models.CharField(_("URL"), max_length=2000)
    # The webhook's signing key. Kept as given, since each delivery is signed with it;
    # pages and the admin show its last 4 characters only.
    secret = models.CharField(_("secret"), max_length=200, blank=True)
    rules = models.JSONField(_("rules"), default=list)
    # `regression`: the drop in points (of 10) that is worth telling.
    min_drop = models.FloatField(_("minimum drop"), default=0.5)
    # `expiring`: how many days before an attestation's end to tell.
    expiring_days = models.PositiveIntegerField(_("days before expiry"), default=14)
    # The language its messages are written in (a team's chat may not read the server's).
    language = models.CharField(
        _("language"), max_length=10, choices=settings.LANGUAGES, default=settings.LANGUAGE_CODE
    )
    enabled = models.BooleanField(_("enabled"), default=True)
    created_at = models.DateTimeField(_("created at"), default=now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True
    )

    class Meta:
        ordering = ["project", "id"]
        verbose_name = _("notification channel")
        verbose_name_plural = _("notification channels")

    def __str__(self) -> str:
        return f"#{self.pk} {self.kind} {self.target_label}"

    @property
    def secret_hint(self) -> str:
        return secret_hint(self.secret)

    @property
    def rule_labels(self) -> list[str]:
        return [rule_label(rule) for rule in self.rules]

    @property
    def target_label(self) -> str:
        return url_label(self.url, kind=self.kind)


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    SENDING = "sending", _("Sending")
    SENT = "sent", _("Sent")
    FAILED = "failed", _("Failed")


class NotificationDelivery(models.Model):
    """One message for one channel about one subject: an assessment (`assessment:<id>`),
    an attestation about to expire (`attestation:<id>`) or a scheduled run that did not
    happen (`missed:<due time>`). The unique (channel, rule, subject) makes the sending
    idempotent: a task delivered twice, or a sweep that evaluates the rules again, finds
    the row and sends nothing more. The body is frozen at creation, so every attempt
    sends the same one (signed anew, with a fresh timestamp)."""

    channel = models.ForeignKey(
        NotificationChannel, on_delete=models.CASCADE, related_name="deliveries"
    )
    rule = models.CharField(_("rule"), max_length=20)
    subject = models.CharField(_("subject"), max_length=100)
    assessment = models.ForeignKey(
        "readiness.Assessment",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="notification_deliveries",
    )
    payload = models.JSONField(_("payload"), default=dict)
    status = models.CharField(
        _("status"), max_length=10, choices=DeliveryStatus.choices, default=DeliveryStatus.PENDING
    )
    attempts = models.PositiveIntegerField(_("attempts"), default=0)
    response_code = models.PositiveIntegerField(_("response code"), null=True, blank=True)
    error = models.TextField(_("error"), blank=True)
    created_at = models.DateTimeField(_("created at"), default=now)
    last_attempt_at = models.DateTimeField(_("last attempt at"), null=True, blank=True)
    # Pending: when the next attempt is due (past it the sweep sends it again, in case
    # its message was lost). Sending: the claim's lease (past it a worker died mid-send).
    due_at = models.DateTimeField(_("due at"), null=True, blank=True)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["channel", "rule", "subject"], name="notificationdelivery_once"
            )
        ]
        indexes = [
            # The notification sweep: deliveries pending or sending past their due time.
            models.Index(fields=["status", "due_at"], name="notificationdelivery_due_idx"),
        ]
        verbose_name = _("notification delivery")
        verbose_name_plural = _("notification deliveries")

    def __str__(self) -> str:
        return f"#{self.pk} {self.rule} {self.subject} → channel {self.channel_id}: {self.status}"

    @property
    def rule_label(self) -> str:
        return rule_label(self.rule)
