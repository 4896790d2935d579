"""Action items: what a team still owes on a project (the "À FAIRE" list)."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from readiness.models import ActionItem, ActionItemStatus, Project


def action_item_create(
    *,
    project: Project,
    title: str,
    owner: str = "",
    due_date: dt.date | None = None,
    priority: str = "",
    check_key: str = "",
) -> ActionItem:
    """Add an open action item. Raises ValidationError naming the field on a bad value."""
    item = ActionItem(
        project=project,
        title=title.strip(),
        owner=owner.strip(),
        due_date=due_date,
        priority=priority.strip(),
        check_key=check_key.strip(),
    )
    item.full_clean()
    item.save()
    return item


def action_item_complete(*, item: ActionItem, now: dt.datetime | None = None) -> ActionItem:
    """Mark the item done; completing it twice keeps the first completion time."""
    if item.status != ActionItemStatus.DONE:
        item.status = ActionItemStatus.DONE
        item.done_at = now or timezone.now()
        item.save(update_fields=["status", "done_at"])
    return item
