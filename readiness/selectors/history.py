"""Reads of the history page: the project's assessments, filtered and paginated."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass

from django.core.paginator import Page, Paginator
from django.utils import timezone

from readiness.models import Assessment, CategoryScore, Project

HISTORY_PAGE_SIZES = (25, 50, 100)
HISTORY_PAGE_SIZE = HISTORY_PAGE_SIZES[0]


@dataclass(frozen=True)
class HistoryFilters:
    date_from: dt.date | None = None
    date_to: dt.date | None = None
    trigger: str = ""
    verdict: str = ""


def _day_start(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


@dataclass(frozen=True)
class HistoryRow:
    assessment: Assessment
    category_scores: list[float | None]  # in the order of HistoryPage.categories


@dataclass(frozen=True)
class HistoryPage:
    page: Page
    categories: list[tuple[str, str]]
    rows: list[HistoryRow]


def history_page(
    *,
    project: Project,
    filters: HistoryFilters,
    page: int | str | None,
    page_size: int = HISTORY_PAGE_SIZE,
) -> HistoryPage:
    """One page of `page_size` of the project's assessments, newest first, with their
    category scores (3 queries: count, page, category rows of the page)."""
    rows = Assessment.objects.filter(project=project).only(
        "pk",
        "project_id",
        "evaluated_at",
        "revision",
        "trigger",
        "status",
        "score",
        "coverage",
        "verdict",
        "verdict_reasons",
        "level",
        "claimed",
    )
    if filters.date_from:
        rows = rows.filter(evaluated_at__gte=_day_start(filters.date_from))
    if filters.date_to:
        rows = rows.filter(evaluated_at__lt=_day_start(filters.date_to + dt.timedelta(days=1)))
    if filters.trigger:
        rows = rows.filter(trigger=filters.trigger)
    if filters.verdict:
        rows = rows.filter(verdict=filters.verdict)
    paginator = Paginator(rows.order_by("-evaluated_at", "-id"), page_size)
    current = paginator.get_page(page)
    names: dict[str, tuple[int, str]] = {}
    scores: dict[int, dict[str, float | None]] = defaultdict(dict)
    for assessment_id, key, name, score, position in CategoryScore.objects.filter(
        assessment_id__in=[a.pk for a in current.object_list]
    ).values_list("assessment_id", "key", "name", "score", "position"):
        names.setdefault(key, (position, name))
        scores[assessment_id][key] = score
    categories = [(key, name) for key, (_, name) in sorted(names.items(), key=lambda i: i[1][0])]
    return HistoryPage(
        page=current,
        categories=categories,
        rows=[
            HistoryRow(
                assessment=a,
                category_scores=[scores[a.pk].get(key) for key, _ in categories],
            )
            for a in current.object_list
        ],
    )
