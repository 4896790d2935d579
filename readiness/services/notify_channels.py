"""A project's notification channels: add, change and remove them, each change audited.

Every value is checked before anything is saved, and a problem names its field by the
name the command line gives it (on, webhook, secret, apprise, min_drop, days, language), so that
`notify add` can say `--on` and the page can mark its own field."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db import transaction
from django.utils.translation import gettext as _

from readiness.models import NotificationChannel, Project
from readiness.models_notify import ChannelKind, NotifyRule
from readiness.notifiers import apprise_problem, webhook_problem
from readiness.services.audit import audit_record

URL_MAX = NotificationChannel._meta.get_field("url").max_length
SECRET_MAX = NotificationChannel._meta.get_field("secret").max_length
SECRET_MIN = 16
MIN_DROP_MAX = 10.0
DAYS_MAX = 365


class ChannelError(ValueError):
    """A channel's value is not valid; `field` names it, the message says what is wrong."""

    def __init__(self, field: str, problem: str) -> None:
        super().__init__(problem)
        self.field = field


def rules_parse(value: str | Sequence[str]) -> list[str]:
    """The rules named in `value` ("regression,verdict" or a list), in NotifyRule's order.
    Raises ChannelError("on") naming the unknown ones, or when none is given."""
    names = value.split(",") if isinstance(value, str) else list(value)
    names = [name.strip().lower() for name in names if name.strip()]
    known = [rule.value for rule in NotifyRule]
    unknown = [name for name in names if name not in known]
    if unknown:
        raise ChannelError(
            "on",
            _("unknown rule %(names)s; choose among %(known)s")
            % {"names": ", ".join(unknown), "known": ", ".join(known)},
        )
    if not names:
        problem = _("name at least one rule (%(known)s)") % {"known": ", ".join(known)}
        raise ChannelError("on", problem)
    return [rule.value for rule in NotifyRule if rule.value in names]


def channel_clean(
    *,
    kind: str,
    url: str,
    secret: str,
    rules: str | Sequence[str],
    min_drop: float,
    expiring_days: int,
    language: str | None = None,
) -> dict[str, Any]:
    """The channel's fields, checked and normalised; raises ChannelError on the first
    problem, naming its field."""
    url = url.strip()
    field = "webhook" if kind == ChannelKind.WEBHOOK else "apprise"
    if kind not in ChannelKind.values:
        raise ChannelError("kind", _("unknown kind %(kind)s") % {"kind": kind})
    if not url:
        raise ChannelError(field, _("give the URL to send to"))
    if len(url) > URL_MAX:
        raise ChannelError(field, _("longer than %(limit)s characters") % {"limit": URL_MAX})
    if kind == ChannelKind.WEBHOOK:
        problem = webhook_problem(url)
        if problem:
            raise ChannelError(field, _("%(url)s: %(problem)s") % {"url": url, "problem": problem})
        secret = secret.strip()
        if not secret:
            raise ChannelError("secret", _("a webhook needs a secret to sign its deliveries"))
        if len(secret) < SECRET_MIN or len(secret) > SECRET_MAX:
            raise ChannelError(
                "secret",
                _("give between %(min)s and %(max)s characters (it is the signing key)")
                % {"min": SECRET_MIN, "max": SECRET_MAX},
            )
    else:
        problem = apprise_problem(url)
        if problem:
            raise ChannelError(field, problem)
        if secret.strip():
            raise ChannelError("secret", _("only a webhook takes a secret"))
        secret = ""
    if not 0 < min_drop <= MIN_DROP_MAX:
        raise ChannelError(
            "min_drop",
            _("give a drop above 0 and at most %(max)s points") % {"max": MIN_DROP_MAX},
        )
    if not 1 <= expiring_days <= DAYS_MAX:
        raise ChannelError("days", _("give between 1 and %(max)s days") % {"max": DAYS_MAX})
    language = settings.LANGUAGE_CODE if language is None else language.strip().lower()
    known = [code for code, _name in settings.LANGUAGES]
    if language not in known:
        raise ChannelError(
            "language",
            _("unknown language %(language)s; choose among %(known)s")
            % {"language": language, "known": ", ".join(known)},
        )
    return {
        "kind": kind,
        "url": url,
        "secret": secret,
        "rules": rules_parse(rules),
        "min_drop": float(min_drop),
        "expiring_days": int(expiring_days),
        "language": language,
    }


def channel_add(
    *,
    project: Project,
    kind: str,
    url: str,
    secret: str = "",
    rules: str | Sequence[str],
    min_drop: float = 0.5,
    expiring_days: int = 14,
    language: str | None = None,
    actor: AbstractBaseUser | AnonymousUser | None = None,
) -> NotificationChannel:
    """A new channel for `project`, with an audit entry. Raises ChannelError naming the
    field; nothing is saved then."""
    fields = channel_clean(
        kind=kind,
        url=url,
        secret=secret,
        rules=rules,
        min_drop=min_drop,
        expiring_days=expiring_days,
        language=language,
    )
    user = actor if actor is not None and actor.is_authenticated else None
    with transaction.atomic():
        channel = NotificationChannel.objects.create(project=project, created_by=user, **fields)
        _audit(channel, actor, "notification.add", None, channel_audit(channel))
    return channel


def channel_audit(channel: NotificationChannel) -> dict[str, Any]:
    """A channel as the audit trail keeps it: its secret and URL shortened (tokens)."""
    return {
        "kind": channel.kind,
        "url": channel.target_label,
        "secret": channel.secret_hint,
        "rules": list(channel.rules),
        "min_drop": channel.min_drop,
        "expiring_days": channel.expiring_days,
        "language": channel.language,
        "enabled": channel.enabled,
    }


def channel_changed(
    *,
    channel: NotificationChannel,
    before: dict[str, Any] | None,
    actor: AbstractBaseUser | AnonymousUser | None,
) -> None:
    """Audit a channel saved elsewhere (the admin): added when `before` is None, changed
    when it differs from `before` (channel_audit of the stored row)."""
    after = channel_audit(channel)
    if before is None:
        _audit(channel, actor, "notification.add", None, after)
    elif after != before:
        _audit(channel, actor, "notification.change", before, after)


def channel_enable(
    *,
    channel: NotificationChannel,
    enabled: bool,
    actor: AbstractBaseUser | AnonymousUser | None = None,
) -> None:
    """Pause or resume a channel, audited."""
    if channel.enabled == enabled:
        return
    with transaction.atomic():
        before = channel_audit(channel)
        channel.enabled = enabled
        channel.save(update_fields=["enabled"])
        _audit(channel, actor, "notification.change", before, channel_audit(channel))


def channel_remove(
    *, channel: NotificationChannel, actor: AbstractBaseUser | AnonymousUser | None = None
) -> None:
    """Remove a channel and its deliveries, audited."""
    with transaction.atomic():
        before = channel_audit(channel)
        _audit(channel, actor, "notification.remove", before, None)
        channel.delete()


def _audit(
    channel: NotificationChannel,
    actor: AbstractBaseUser | AnonymousUser | None,
    action: str,
    before: dict[str, Any] | None,
    after: dict[str, Any] | None,
) -> None:
    audit_record(
        team=channel.project.team,
        actor=actor,
        action=action,
        target=channel,
        before=before,
        after=after,
        summary=f"{channel.project.slug}: {channel.target_label}",
    )
