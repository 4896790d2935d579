"""Reads of the team's audit page: its entries, newest first, filtered by action, person
and dates, and paginated."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.core.paginator import Page, Paginator
from django.utils import timezone

from readiness.models import AuditEntry, Team

AUDIT_PAGE_SIZE = 50
SYSTEM = "system"  # the person filter's value for the entries of the system


@dataclass(frozen=True)
class AuditFilters:
    action: str = ""
    # A username, or SYSTEM for the entries written by readiness itself (expiries).
    person: str = ""
    date_from: dt.date | None = None
    date_to: dt.date | None = None


def _day_start(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


def audit_page(*, team: Team, filters: AuditFilters, page: int | str | None) -> Page:
    """One page of the team's audit entries, newest first (2 queries: count, page)."""
    rows = AuditEntry.objects.filter(team=team).select_related("actor")
    if filters.action:
        rows = rows.filter(action=filters.action)
    if filters.person == SYSTEM:
        rows = rows.filter(actor__isnull=True)
    elif filters.person:
        rows = rows.filter(actor__username=filters.person)
    if filters.date_from:
        rows = rows.filter(at__gte=_day_start(filters.date_from))
    if filters.date_to:
        rows = rows.filter(at__lt=_day_start(filters.date_to + dt.timedelta(days=1)))
    return Paginator(rows.order_by("-at", "-id"), AUDIT_PAGE_SIZE).get_page(page)


def audit_people(*, team: Team) -> list[str]:
    """The usernames that appear in the team's audit trail, for the person filter."""
    return sorted(
        AuditEntry.objects.filter(team=team, actor__isnull=False)
        .values_list("actor__username", flat=True)
        .distinct()
    )


def audit_actions(*, team: Team) -> list[str]:
    """The actions that appear in the team's audit trail, for the action filter."""
    return sorted(AuditEntry.objects.filter(team=team).values_list("action", flat=True).distinct())


def audit_changes(entry: AuditEntry) -> list[tuple[str, object, object]]:
    """What an entry changed, field by field, as (field, before, after): the fields whose
    values differ when it has both sides, every field of the side it has otherwise."""
    before, after = entry.before or {}, entry.after or {}
    fields = list(dict.fromkeys([*before, *after]))
    if entry.before is not None and entry.after is not None:
        fields = [name for name in fields if before.get(name) != after.get(name)]
    else:  # a creation or a removal: its empty fields say nothing
        fields = [name for name in fields if before.get(name) or after.get(name)]
    return [(name, before.get(name), after.get(name)) for name in fields]
