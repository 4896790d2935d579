"""Reads of notifications: a project's channels (secrets shown by their last characters)
and their latest deliveries, for the project page and `notify list`."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from readiness.models import NotificationChannel, NotificationDelivery, Project

RECENT_DELIVERIES = 20


@dataclass(frozen=True)
class ChannelView:
    channel: NotificationChannel
    last: NotificationDelivery | None


def project_channels(*, project: Project) -> list[NotificationChannel]:
    return list(NotificationChannel.objects.filter(project=project).order_by("id"))


def recent_deliveries(
    *, project: Project, limit: int = RECENT_DELIVERIES
) -> list[NotificationDelivery]:
    """The project's latest deliveries, newest first (one query)."""
    return list(
        NotificationDelivery.objects.filter(channel__project=project)
        .select_related("channel")
        .defer("payload")
        .order_by("-created_at", "-id")[:limit]
    )


def channel_row(channel: NotificationChannel) -> dict[str, Any]:
    """A channel as `notify list --json` prints it: never its secret, its URL shortened."""
    return {
        "id": channel.pk,
        "project": channel.project.slug,
        "kind": channel.kind,
        "target": channel.target_label,
        "secret": channel.secret_hint,
        "rules": list(channel.rules),
        "min_drop": channel.min_drop,
        "expiring_days": channel.expiring_days,
        "language": channel.language,
        "enabled": channel.enabled,
        "created_at": channel.created_at.isoformat(),
    }
