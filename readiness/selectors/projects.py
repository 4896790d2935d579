"""Reads of the project page: summary, results, score chart, manual checks, action items."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field

from django.db.models import F, OuterRef

from checks.manual import MANUAL
from readiness.downsample import lttb_indices
from readiness.models import (
    ActionItem,
    ActionItemStatus,
    Assessment,
    AssessmentStatus,
    Attestation,
    CategoryScore,
    Check,
    ChecklistVersion,
    CheckResult,
    Project,
    Trigger,
)
from readiness.selectors.common import active_assessments, latest_measured, score_delta

CHART_RANGES = {"90d": 90, "1y": 365, "all": None}
DEFAULT_CHART_RANGE = "90d"
# The default range falls back to everything when it would show fewer points than this.
CHART_MIN_POINTS = 2
# A chart over years of daily points draws at most about this many per series (measured,
# backfilled, claimed), chosen by LTTB to keep the line's shape; zooming in, or the
# history table, reaches every point.
CHART_MAX_POINTS = 1000
OPEN_ACTION_ITEMS_LIMIT = 100
DONE_ACTION_ITEMS_LIMIT = 5


@dataclass(frozen=True)
class CategoryCard:
    key: str
    name: str
    score: float | None
    coverage: float | None
    delta: float | None


@dataclass(frozen=True)
class ProjectSummary:
    latest: Assessment | None
    previous: Assessment | None
    categories: list[CategoryCard]
    claim: Assessment | None = None  # a document's latest claim, shown beside

    @property
    def delta(self) -> float | None:
        if self.latest is None or self.previous is None:
            return None
        return score_delta(self.latest.score, self.previous.score)


def project_summary(*, project: Project) -> ProjectSummary:
    """The latest measured assessment, the measured one before, a card per category, and
    the latest claim of a document, shown beside but never compared with (2 queries)."""
    found = latest_measured([project.pk], count=2)[project.pk]
    latest, previous = found.latest, found.previous
    rows: dict[int, list[CategoryScore]] = defaultdict(list)
    for row in CategoryScore.objects.filter(assessment__in=[a.pk for a in found.measured]):
        rows[row.assessment_id].append(row)
    before = {row.key: row.score for row in rows[previous.pk]} if previous else {}
    categories = [
        CategoryCard(
            key=row.key,
            name=row.name,
            score=row.score,
            coverage=row.coverage,
            delta=score_delta(row.score, before.get(row.key)),
        )
        for row in (rows[latest.pk] if latest else [])
    ]
    return ProjectSummary(
        latest=latest, previous=previous, categories=categories, claim=found.claim
    )


def finished_results(*, assessment: Assessment) -> list[CheckResult]:
    """The results of a running assessment that are done, in the order they finished."""
    return list(
        CheckResult.objects.filter(assessment=assessment, finished_at__isnull=False)
        .exclude(status__in=["pending", "running"])
        .select_related("check_item")
        .order_by("finished_at", "id")
    )


class Origin:
    """Where a chart point's score comes from."""

    MEASURED = "measured"  # a run now: by hand, on schedule, from the command line
    BACKFILLED = "backfilled"  # a past revision from git history: file checks only
    CLAIMED = "claimed"  # written in an imported document, not measured

    ALL = (MEASURED, BACKFILLED, CLAIMED)


def origin_of(*, trigger: str, claimed: bool) -> str:
    if claimed:
        return Origin.CLAIMED
    return Origin.BACKFILLED if trigger == Trigger.BACKFILL else Origin.MEASURED


@dataclass(frozen=True)
class HistoryPoint:
    assessment_id: int
    evaluated_at: dt.datetime
    revision: str
    score: float | None
    origin: str = Origin.MEASURED
    checklist_number: int = 1


@dataclass(frozen=True)
class ScoreHistory:
    points: list[HistoryPoint]
    # (key, name) in checklist order, and each category's score by assessment id.
    categories: list[tuple[str, str]]
    category_scores: dict[str, dict[int, float | None]] = field(default_factory=dict)
    # How many points the range holds; more than `points` when the chart is downsampled.
    total: int = 0

    @property
    def downsampled(self) -> bool:
        return self.total > len(self.points)


def downsampled(points: list[HistoryPoint], limit: int) -> list[HistoryPoint]:
    """At most about `limit` points per origin, chosen by LTTB on the overall score, plus
    every point where the checklist version changes (so its mark stays where it was), in
    time order. Short series are returned whole."""
    kept: list[HistoryPoint] = []
    for origin in Origin.ALL:
        series = [p for p in points if p.origin == origin]
        if len(series) <= limit:
            kept.extend(series)
            continue
        xs = [p.evaluated_at.timestamp() for p in series]
        chosen = set(lttb_indices(xs, [p.score for p in series], limit))
        chosen.update(
            i
            for i in range(1, len(series))
            if series[i].checklist_number != series[i - 1].checklist_number
        )
        kept.extend(series[i] for i in sorted(chosen))
    if len(kept) == len(points):
        return points
    return sorted(kept, key=lambda p: (p.evaluated_at, p.assessment_id))


def score_history(
    *, project: Project, since: dt.datetime | None, until: dt.datetime | None = None
) -> ScoreHistory:
    """Overall and per-category scores of the project's finished assessments evaluated
    from `since` through `until` (open ends when None), oldest first, downsampled past
    CHART_MAX_POINTS per series, from the assessment and per-category rows only (2 queries)."""
    rows = Assessment.objects.filter(project=project, status=AssessmentStatus.DONE)
    if since is not None:
        rows = rows.filter(evaluated_at__gte=since)
    if until is not None:
        rows = rows.filter(evaluated_at__lte=until)
    values = rows.order_by("evaluated_at", "id").values_list(
        "pk", "evaluated_at", "revision", "score", "trigger", "claimed", "checklist__number"
    )
    every = [
        HistoryPoint(
            assessment_id=pk,
            evaluated_at=at,
            revision=revision,
            score=score,
            origin=origin_of(trigger=trigger, claimed=claimed),
            checklist_number=number,
        )
        for pk, at, revision, score, trigger, claimed, number in values
    ]
    points = downsampled(every, CHART_MAX_POINTS)
    names: dict[str, tuple[int, str]] = {}
    scores: dict[str, dict[int, float | None]] = defaultdict(dict)
    order = {point.assessment_id: index for index, point in enumerate(points)}
    rows = CategoryScore.objects.filter(assessment_id__in=order).values_list(
        "assessment_id", "key", "name", "score", "position"
    )
    # In the chart's (evaluated) order, so that the newest point's names and positions win,
    # even over a later-created row of an older point (an imported document).
    for assessment_id, key, name, score, position in sorted(rows, key=lambda r: order[r[0]]):
        names[key] = (position, name)
        scores[key][assessment_id] = score
    categories = [(key, name) for key, (_, name) in sorted(names.items(), key=lambda i: i[1][0])]
    return ScoreHistory(
        points=points, categories=categories, category_scores=dict(scores), total=len(every)
    )


# An attestation that lapses within this is listed with the ones awaited.
EXPIRING_SOON = dt.timedelta(days=30)


def chart_history(
    *,
    project: Project,
    latest_at: dt.datetime | None,
    chart_range: str | None,
    window: tuple[dt.datetime, dt.datetime] | None = None,
) -> tuple[str, ScoreHistory | None]:
    """The range shown and the points of the chart that ends at the latest assessment
    (`latest_at`). An unknown or absent range is the default one, which shows everything
    when it would hold fewer than two points, so that the chart never opens empty on a
    project with older data (2 queries, 4 in that case). A `window` (a zoom into a
    downsampled chart) shows the points between its two moments, within `chart_range`."""
    asked = chart_range if chart_range in CHART_RANGES else None
    shown = asked or DEFAULT_CHART_RANGE
    if latest_at is None:
        return shown, None
    if window is not None:
        return shown, score_history(project=project, since=window[0], until=window[1])
    days = CHART_RANGES[shown]
    since = latest_at - dt.timedelta(days=days) if days else None
    history = score_history(project=project, since=since)
    if asked is None and since is not None and len(history.points) < CHART_MIN_POINTS:
        shown, history = "all", score_history(project=project, since=None)
    return shown, history


@dataclass(frozen=True)
class ManualCheckRow:
    check: Check
    attestation: Attestation | None
    expired: bool
    expiring: bool = False

    @property
    def needs_attention(self) -> bool:
        """Awaiting an attestation (none, or expired), or about to."""
        return self.attestation is None or self.expired or self.expiring


@dataclass(frozen=True)
class ManualPanel:
    first: list[ManualCheckRow]  # awaiting, then expiring: shown open
    rest: list[ManualCheckRow]  # attested and valid for a while: collapsed

    def __bool__(self) -> bool:
        return bool(self.first or self.rest)


def manual_panel(rows: list[ManualCheckRow]) -> ManualPanel:
    """The manual checks for the project page: what awaits an attestation first (none,
    then expired, then expiring soon), the rest apart."""
    order = {True: 0, False: 1}
    first = sorted(
        (row for row in rows if row.needs_attention),
        key=lambda row: (order[row.attestation is None], order[row.expired], row.check.position),
    )
    return ManualPanel(first=first, rest=[row for row in rows if not row.needs_attention])


def manual_checks(
    *, project: Project, checklist: ChecklistVersion | None, now: dt.datetime
) -> list[ManualCheckRow]:
    """The manual checks of `checklist` with each one's latest attestation (2 queries)."""
    if checklist is None:
        return []
    latest_attestation = (
        Attestation.objects.filter(project=project, check_key=OuterRef("key"))
        .order_by("-attested_at", "-id")
        .values("pk")[:1]
    )
    checks = list(
        checklist.checks.filter(type=MANUAL.name)
        .annotate(latest_attestation=latest_attestation)
        .order_by("position")
    )
    attestations = Attestation.objects.select_related("user").in_bulk(
        [c.latest_attestation for c in checks if c.latest_attestation]
    )
    rows = []
    for check in checks:
        attestation = attestations.get(check.latest_attestation)
        until = attestation.valid_until if attestation else None
        expired = bool(until and until <= now)
        expiring = bool(until and now < until <= now + EXPIRING_SOON)
        rows.append(
            ManualCheckRow(check=check, attestation=attestation, expired=expired, expiring=expiring)
        )
    return rows


@dataclass(frozen=True)
class ActionItems:
    open: list[ActionItem]
    done: list[ActionItem]


def action_items(*, project: Project) -> ActionItems:
    """Open items by due date and the last few done (2 queries, both bounded)."""
    items = ActionItem.objects.filter(project=project)
    return ActionItems(
        open=list(
            items.filter(status=ActionItemStatus.OPEN).order_by("due_date", "id")[
                :OPEN_ACTION_ITEMS_LIMIT
            ]
        ),
        done=list(
            items.filter(status=ActionItemStatus.DONE).order_by("-done_at", "-id")[
                :DONE_ACTION_ITEMS_LIMIT
            ]
        ),
    )


def running_assessment(*, project: Project) -> Assessment | None:
    return active_assessments([project.pk]).get(project.pk)


def action_item_list(*, project: Project, status: str | None = None) -> list[ActionItem]:
    """Every action item of the project (or those with `status`): the open ones by due date
    (undated last), then the done ones, latest first. Two queries."""
    items = ActionItem.objects.filter(project=project)
    found: list[ActionItem] = []
    if status in (None, ActionItemStatus.OPEN):
        found += items.filter(status=ActionItemStatus.OPEN).order_by(
            F("due_date").asc(nulls_last=True), "id"
        )
    if status in (None, ActionItemStatus.DONE):
        found += items.filter(status=ActionItemStatus.DONE).order_by("-done_at", "-id")
    return found
