"""Reading assessments through the API: a project's history (filtered, keyset-paginated,
in the `history --json` shape), one assessment (the `assess --json` document), and the
progress of a running one (what the project page's progress poll shows)."""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from django.db.models import Q
from django.http import Http404, HttpRequest
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema
from ninja.errors import ValidationError

from readiness.api.auth import api_project, api_projects
from readiness.api.cursors import Cursor, CursorError, cursor_decode
from readiness.api.links import api_url, page_url
from readiness.api.projects import VerdictValue
from readiness.models import Assessment, AssessmentStatus, ResultStatus, Trigger
from readiness.reports import assessment_report_data, history_point, with_check_statuses
from readiness.retained import carried_results
from readiness.selectors.projects import finished_results
from readiness.verdicts import summary_text

router = Router(tags=["assessments"])

PAGE_SIZE = 50
PAGE_SIZE_MAX = 100


def invalid(where: str, message: str) -> ValidationError:
    """A 422 naming the query parameter `where` (the problem's `errors[].where`)."""
    return ValidationError([{"loc": ("query", where), "msg": message}])


def api_assessment(request: HttpRequest, pk: int) -> Assessment:
    """The assessment `pk` of one of the caller's projects (one query): Http404 otherwise,
    as for a project."""
    assessment = (
        Assessment.objects.select_related("project__team", "checklist")
        .filter(pk=pk, project__in=api_projects(request).values("pk"))
        .first()
    )
    if assessment is None:
        raise Http404(_("No assessment #%(id)s.") % {"id": pk})
    return assessment


# --- A project's history ---------------------------------------------------------------


class HistoryFilters(Schema):
    since: str | None = Field(
        None,
        description="Evaluated at or after: a date (2025-01-31, from its start) or an "
        "ISO 8601 date and time (2025-01-31T09:00:00Z). Without a time zone, the server's.",
    )
    until: str | None = Field(
        None,
        description="Evaluated at or before: a date (2025-01-31, to its end) or an ISO "
        "8601 date and time.",
    )
    trigger: Trigger | None = Field(None, description="Only the assessments of one trigger.")
    order: Literal["oldest", "newest"] = Field("oldest", description="Oldest or newest first.")
    cursor: str | None = Field(None, description="The `next_cursor` of the previous page.")
    limit: int = Field(PAGE_SIZE, ge=1, le=PAGE_SIZE_MAX, description="Assessments per page.")


class CheckStatusOut(Schema):
    key: str
    status: ResultStatus


class HistoryPointOut(Schema):
    id: int
    date: str = Field(description="When the evaluated state existed (ISO 8601).")
    revision: str | None
    trigger: Trigger
    file_checks_only: bool = Field(description="A backfilled point: file checks only.")
    status: AssessmentStatus
    score: float | None
    coverage: float | None
    verdict: VerdictValue | None
    level: str | None
    waived: list[str] = Field(description="The keys of the checks waived then.")
    checks: list[CheckStatusOut]
    url: str = Field(description="The assessment's page.")
    api_url: str = Field(description="The assessment in the API.")


class HistoryPageOut(Schema):
    items: list[HistoryPointOut]
    next: str | None = Field(description="The URL of the next page; null on the last one.")
    next_cursor: str | None = Field(description="The cursor of the next page.")


def _moment(where: str, value: str, *, end_of_day: bool) -> tuple[dt.datetime, bool]:
    """The instant `value` names and whether a bound on it is inclusive: a date alone is
    the whole day (since its start, until the next day's start, excluded)."""
    inclusive = True
    try:
        # A date first: Python reads "2025-01-31" as a datetime at midnight too.
        day = parse_date(value)
        if day is not None:
            if end_of_day:
                day, inclusive = day + dt.timedelta(days=1), False
            moment = dt.datetime.combine(day, dt.time.min)
        else:
            moment = parse_datetime(value)
            if moment is None:
                raise ValueError(value)
    except ValueError:
        raise invalid(
            where,
            _(
                "“%(value)s” is not a date (2025-01-31) nor an ISO 8601 date and time "
                "(2025-01-31T09:00:00Z)."
            )
            % {"value": value},
        ) from None
    if timezone.is_naive(moment):
        moment = timezone.make_aware(moment)
    return moment, inclusive


def _period(filters: HistoryFilters) -> Q:
    condition = Q()
    since = until = None
    if filters.since:
        since, _inclusive = _moment("since", filters.since, end_of_day=False)
        condition &= Q(evaluated_at__gte=since)
    if filters.until:
        until, inclusive = _moment("until", filters.until, end_of_day=True)
        condition &= Q(evaluated_at__lte=until) if inclusive else Q(evaluated_at__lt=until)
    if since and until and until < since:
        raise invalid("until", _("“until” is before “since”."))
    return condition


def _cursor(filters: HistoryFilters) -> Cursor | None:
    if not filters.cursor:
        return None
    try:
        cursor = cursor_decode(filters.cursor)
    except CursorError:
        raise invalid(
            "cursor", _("Not a cursor of this list: use the `next_cursor` of a previous page.")
        ) from None
    if cursor.order != filters.order:
        raise invalid(
            "cursor",
            _("This cursor was made for order=%(order)s: keep the order of the first page.")
            % {"order": cursor.order},
        )
    return cursor


@router.get(
    "projects/{slug}/assessments/",
    response=HistoryPageOut,
    url_name="project_assessments",
    summary="A project's assessments, a page at a time",
    description="Filtered by date and trigger, oldest first (or newest first), with a "
    "keyset cursor: follow `next` until it is null. Each point has the shape of "
    "`manage.py history --json`.",
)
def assessment_list(
    request: HttpRequest, slug: str, filters: Query[HistoryFilters]
) -> dict[str, Any]:
    project = api_project(request, slug)
    condition = _period(filters)
    cursor = _cursor(filters)
    rows = Assessment.objects.filter(condition, project=project)
    if filters.trigger:
        rows = rows.filter(trigger=filters.trigger)
    if cursor is not None:
        rows = rows.filter(cursor.after())
    ordering = ("evaluated_at", "id") if filters.order == "oldest" else ("-evaluated_at", "-id")
    page = list(with_check_statuses(rows.order_by(*ordering).defer("note"))[: filters.limit + 1])
    more, page = len(page) > filters.limit, page[: filters.limit]
    # Points pruned by retention show the statuses carried from their kept rows.
    carried = carried_results(page)
    next_cursor = (
        Cursor(order=filters.order, at=page[-1].evaluated_at, id=page[-1].pk).encode()
        if more
        else None
    )
    return {
        "items": [
            {
                **history_point(a, carried.get(a.pk, ())),
                "url": page_url(request, "assessment", a.pk),
                "api_url": api_url(request, "assessment", id=a.pk),
            }
            for a in page
        ],
        "next": _next_url(request, next_cursor) if next_cursor else None,
        "next_cursor": next_cursor,
    }


def _next_url(request: HttpRequest, cursor: str) -> str:
    query = [(key, value) for key, value in request.GET.items() if key != "cursor"]
    return request.build_absolute_uri(f"{request.path}?{urlencode([*query, ('cursor', cursor)])}")


# --- One assessment --------------------------------------------------------------------


class CategoryReportOut(Schema):
    key: str
    name: str
    weight: float
    score: float | None
    coverage: float | None


class CheckReportOut(Schema):
    key: str
    name: str
    category: str
    type: str
    severity: str
    weight: float
    status: ResultStatus
    summary: str
    evidence: list[Any] = Field(description="What the check found: files, lines, answers.")
    details: dict[str, Any]
    duration_ms: float


class AssessmentReportOut(Schema):
    """The document of `manage.py assess --project P --json`, for a stored assessment."""

    id: int
    project: str
    status: AssessmentStatus
    trigger: Trigger
    date: str = Field(description="When the evaluated state existed (ISO 8601).")
    name: str = Field(description="The checklist's name.")
    ready_at: float
    score: float | None
    coverage: float | None
    verdict: VerdictValue | None
    reasons: list[dict[str, Any]]
    levels: list[str]
    level: str | None
    waived: list[dict[str, Any]] = Field(
        description="The waivers in force then: check, waiver, until, reason."
    )
    revision: str | None
    categories: list[CategoryReportOut]
    checks: list[CheckReportOut]


@router.get(
    "assessments/{id}/",
    response=AssessmentReportOut,
    url_name="assessment",
    summary="One assessment: categories, checks, evidence, reasons, waivers, level",
    description="The same document as `manage.py assess --project P --json`.",
)
def assessment_detail(request: HttpRequest, id: int) -> dict[str, Any]:
    return assessment_report_data(api_assessment(request, id))


# --- Progress --------------------------------------------------------------------------


class ProgressResultOut(Schema):
    key: str
    name: str
    status: ResultStatus
    summary: str


class ProgressOut(Schema):
    id: int
    project: str
    status: AssessmentStatus
    finished: bool = Field(description="Done, cancelled or failed: stop polling.")
    checks_done: int
    checks_total: int
    percent: int
    results: list[ProgressResultOut] = Field(
        description="While it runs, the checks finished so far, in the order they finished."
    )
    score: float | None
    coverage: float | None
    verdict: VerdictValue | None
    reasons: list[dict[str, Any]]
    note: str | None = Field(description="Why it failed or was cancelled.")
    url: str = Field(description="The assessment's page.")
    api_url: str = Field(description="The assessment in the API: read it once finished.")


@router.get(
    "assessments/{id}/progress",
    response=ProgressOut,
    url_name="assessment_progress",
    summary="The progress of an assessment",
    description="What the project page's progress bar shows: poll it (every second or "
    "two) until `finished`.",
)
def assessment_progress(request: HttpRequest, id: int) -> dict[str, Any]:
    assessment = api_assessment(request, id)
    running = not assessment.is_finished
    done = assessment.status == AssessmentStatus.DONE
    return {
        "id": assessment.pk,
        "project": assessment.project.slug,
        "status": assessment.status,
        "finished": not running,
        "checks_done": assessment.checks_done,
        "checks_total": assessment.checks_total,
        "percent": assessment.progress_percent,
        "results": [
            {
                "key": result.check_item.key,
                "name": result.check_item.name,
                "status": result.status,
                "summary": summary_text(result.summary, result.details),
            }
            for result in (finished_results(assessment=assessment) if running else [])
        ],
        "score": assessment.score if done else None,
        "coverage": assessment.coverage if done else None,
        "verdict": (assessment.verdict or None) if done else None,
        "reasons": list(assessment.verdict_reasons) if done else [],
        "note": assessment.note or None,
        "url": page_url(request, "assessment", assessment.pk),
        "api_url": api_url(request, "assessment", id=assessment.pk),
    }
