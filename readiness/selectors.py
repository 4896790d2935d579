"""Dashboard reads. Every function here runs a fixed number of queries that does not grow
with a project's history: charts, sparklines and history read the per-category score rows
and the assessment rows, never the per-check results, and "the last N of each project" is
one statement of per-project LIMIT subqueries."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.core.paginator import Page, Paginator
from django.db.models import Count, Exists, OuterRef, Q, QuerySet
from django.utils import timezone

from checks.manual import MANUAL
from readiness.models import (
    ActionItem,
    ActionItemStatus,
    Assessment,
    AssessmentStatus,
    Attestation,
    Category,
    CategoryScore,
    Check,
    ChecklistVersion,
    CheckResult,
    Project,
    Team,
)
from readiness.scored import scored_check
from readiness.scoring import Attribution, ScoredCheck, attribute_change

SPARKLINE_POINTS = 30
ACTIVE_STATUSES = (AssessmentStatus.PENDING, AssessmentStatus.RUNNING)
FAILING = frozenset({"fail", "error"})
# Failing first, then what is unsure or unfinished, then passes; skips last.
STATUS_ORDER = {"fail": 0, "error": 1, "warn": 2, "running": 3, "pending": 4, "pass": 5, "skip": 6}
CHART_RANGES = {"90d": 90, "1y": 365, "all": None}
DEFAULT_CHART_RANGE = "90d"
# A chart over years of daily points is thinned to this many, evenly spread.
CHART_MAX_POINTS = 400
HISTORY_PAGE_SIZE = 20
STANDUP_HORIZON = dt.timedelta(days=7)
OPEN_ACTION_ITEMS_LIMIT = 100
DONE_ACTION_ITEMS_LIMIT = 5


def _delta(after: float | None, before: float | None) -> float | None:
    if after is None or before is None:
        return None
    return after - before


def latest_done(
    project_ids: Sequence[int], *, count: int, at_or_before: dt.datetime | None = None
) -> dict[int, list[Assessment]]:
    """The last `count` finished assessments of each project, newest first, in one query:
    one indexed LIMIT subquery per project, so the cost follows the number of projects,
    not the length of their history."""
    if not project_ids:
        return {}
    condition = Q()
    for project_id in project_ids:
        newest = Assessment.objects.filter(project_id=project_id, status=AssessmentStatus.DONE)
        if at_or_before is not None:
            newest = newest.filter(evaluated_at__lte=at_or_before)
        condition |= Q(pk__in=newest.order_by("-evaluated_at", "-id").values("pk")[:count])
    found: dict[int, list[Assessment]] = {project_id: [] for project_id in project_ids}
    for assessment in (
        Assessment.objects.filter(condition)
        .defer("note")
        .order_by("project_id", "-evaluated_at", "-id")
    ):
        found[assessment.project_id].append(assessment)
    return found


def active_assessments(project_ids: Sequence[int]) -> dict[int, Assessment]:
    """The newest pending or running assessment of each project that has one."""
    # By status alone, so that the status index answers: with a project filter as well
    # SQLite walks the project's whole history. Few assessments are active at any time.
    wanted = set(project_ids)
    active: dict[int, Assessment] = {}
    for assessment in (
        Assessment.objects.filter(status__in=ACTIVE_STATUSES)
        .defer("note", "verdict_reasons")
        .order_by("created_at", "id")
    ):
        if assessment.project_id in wanted:
            active[assessment.project_id] = assessment
    return active


# Overview


@dataclass(frozen=True)
class ProjectCard:
    project: Project
    latest: Assessment | None
    previous: Assessment | None
    sparkline: tuple[float, ...]  # oldest first
    running: Assessment | None

    @property
    def delta(self) -> float | None:
        if self.latest is None or self.previous is None:
            return None
        return _delta(self.latest.score, self.previous.score)


def project_cards(*, projects: QuerySet[Project]) -> list[ProjectCard]:
    """One card per project (three queries whatever the number of assessments)."""
    projects_list = list(projects.select_related("team").order_by("team__name", "name"))
    ids = [p.pk for p in projects_list]
    recent = latest_done(ids, count=SPARKLINE_POINTS)
    running = active_assessments(ids)
    cards = []
    for project in projects_list:
        points = recent[project.pk]
        cards.append(
            ProjectCard(
                project=project,
                latest=points[0] if points else None,
                previous=points[1] if len(points) > 1 else None,
                sparkline=tuple(a.score for a in reversed(points) if a.score is not None),
                running=running.get(project.pk),
            )
        )
    return cards


# Project page


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

    @property
    def delta(self) -> float | None:
        if self.latest is None or self.previous is None:
            return None
        return _delta(self.latest.score, self.previous.score)


def project_summary(*, project: Project) -> ProjectSummary:
    """The latest finished assessment, the one before, and a card per category (2 queries)."""
    points = latest_done([project.pk], count=2)[project.pk]
    latest = points[0] if points else None
    previous = points[1] if len(points) > 1 else None
    rows: dict[int, list[CategoryScore]] = defaultdict(list)
    for row in CategoryScore.objects.filter(assessment__in=[a.pk for a in points]):
        rows[row.assessment_id].append(row)
    before = {row.key: row.score for row in rows[previous.pk]} if previous else {}
    categories = [
        CategoryCard(
            key=row.key,
            name=row.name,
            score=row.score,
            coverage=row.coverage,
            delta=_delta(row.score, before.get(row.key)),
        )
        for row in (rows[latest.pk] if latest else [])
    ]
    return ProjectSummary(latest=latest, previous=previous, categories=categories)


@dataclass(frozen=True)
class ResultGroup:
    key: str
    name: str
    score: float | None
    coverage: float | None
    results: list[CheckResult]

    @property
    def failing(self) -> int:
        return sum(1 for r in self.results if r.status in FAILING)


def result_groups(*, assessment: Assessment) -> list[ResultGroup]:
    """The assessment's results by category (in checklist order), failing first inside
    each (2 queries; the results are bounded by the checklist, not by history)."""
    scores = {row.key: row for row in CategoryScore.objects.filter(assessment=assessment)}
    groups: dict[int, tuple[Category, list[CheckResult]]] = {}
    for result in CheckResult.objects.filter(assessment=assessment).select_related(
        "check_item__category"
    ):
        category = result.check_item.category
        groups.setdefault(category.pk, (category, []))[1].append(result)
    ordered = sorted(groups.values(), key=lambda group: group[0].position)
    return [
        ResultGroup(
            key=category.key,
            name=category.name,
            score=scores[category.key].score if category.key in scores else None,
            coverage=scores[category.key].coverage if category.key in scores else None,
            results=sorted(
                results,
                key=lambda r: (STATUS_ORDER.get(r.status, 9), r.check_item.position),
            ),
        )
        for category, results in ordered
    ]


def finished_results(*, assessment: Assessment) -> list[CheckResult]:
    """The results of a running assessment that are done, in the order they finished."""
    return list(
        CheckResult.objects.filter(assessment=assessment, finished_at__isnull=False)
        .exclude(status__in=["pending", "running"])
        .select_related("check_item")
        .order_by("finished_at", "id")
    )


@dataclass(frozen=True)
class HistoryPoint:
    assessment_id: int
    evaluated_at: dt.datetime
    revision: str
    score: float | None


@dataclass(frozen=True)
class ScoreHistory:
    points: list[HistoryPoint]
    # (key, name) in checklist order, and each category's score by assessment id.
    categories: list[tuple[str, str]]
    category_scores: dict[str, dict[int, float | None]] = field(default_factory=dict)


def _thinned(rows: list, limit: int) -> list:
    """At most `limit` rows, evenly spread, always keeping the first and the last."""
    if len(rows) <= limit:
        return rows
    step = (len(rows) - 1) / (limit - 1)
    return [rows[round(i * step)] for i in range(limit)]


def score_history(*, project: Project, since: dt.datetime | None) -> ScoreHistory:
    """Overall and per-category scores of the project's finished assessments evaluated at
    or after `since` (all when None), oldest first, from the assessment and per-category
    rows only (2 queries)."""
    rows = Assessment.objects.filter(project=project, status=AssessmentStatus.DONE)
    if since is not None:
        rows = rows.filter(evaluated_at__gte=since)
    values = list(
        rows.order_by("evaluated_at", "id").values_list("pk", "evaluated_at", "revision", "score")
    )
    points = [HistoryPoint(*row) for row in _thinned(values, CHART_MAX_POINTS)]
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
    return ScoreHistory(points=points, categories=categories, category_scores=dict(scores))


@dataclass(frozen=True)
class ManualCheckRow:
    check: Check
    attestation: Attestation | None
    expired: bool


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
        expired = bool(attestation and attestation.valid_until and attestation.valid_until <= now)
        rows.append(ManualCheckRow(check=check, attestation=attestation, expired=expired))
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


# Assessment page


def previous_assessment(*, assessment: Assessment) -> Assessment | None:
    """The project's finished assessment just before this one in history (1 query)."""
    return (
        Assessment.objects.filter(project_id=assessment.project_id, status=AssessmentStatus.DONE)
        .filter(
            Q(evaluated_at__lt=assessment.evaluated_at)
            | Q(evaluated_at=assessment.evaluated_at, pk__lt=assessment.pk)
        )
        .order_by("-evaluated_at", "-id")
        .only("pk", "score", "evaluated_at")
        .first()
    )


# History page


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
    *, project: Project, filters: HistoryFilters, page: int | str | None
) -> HistoryPage:
    """One page of the project's assessments, newest first, with their category scores
    (3 queries: count, page, category rows of the page)."""
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
    paginator = Paginator(rows.order_by("-evaluated_at", "-id"), HISTORY_PAGE_SIZE)
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


# Compare page


@dataclass(frozen=True)
class CheckChange:
    key: str
    name: str
    category: str  # the key
    category_name: str
    before: str | None
    after: str | None
    amount: float | None = None


@dataclass(frozen=True)
class ChecklistChange:
    key: str
    name: str
    fields: tuple[str, ...]


@dataclass(frozen=True)
class ChecklistChanges:
    added: list[Check]
    removed: list[Check]
    changed: list[ChecklistChange]

    def __bool__(self) -> bool:
        return bool(self.added or self.removed or self.changed)


@dataclass(frozen=True)
class Comparison:
    before: Assessment
    after: Assessment
    attribution: Attribution
    contributions: list[CheckChange]
    newly_failing: list[CheckChange]
    fixed: list[CheckChange]
    unchanged: list[CheckChange]
    checklist_changes: ChecklistChanges

    @property
    def claimed(self) -> bool:
        return self.before.claimed or self.after.claimed

    @property
    def recomputed_differs(self) -> bool:
        """The stored scores are not the ones the stored results give (a document's claim,
        or results edited since)."""
        pairs = [
            (self.before.score, self.attribution.before),
            (self.after.score, self.attribution.after),
        ]
        return any(
            (stored is None) != (computed is None)
            or (stored is not None and abs(stored - computed) > 1e-6)
            for stored, computed in pairs
        )

    @property
    def disagreements(self) -> list[CheckChange]:
        """When one side was claimed by a document, the checks it and the measurement
        see differently."""
        return [c for c in self.contributions if c.before and c.after]


_COMPARED_FIELDS = ("name", "type", "weight", "severity", "options")


def _checklist_changes(before: Iterable[Check], after: Iterable[Check]) -> ChecklistChanges:
    old = {c.key: c for c in before}
    new = {c.key: c for c in after}
    changed = []
    for key, check in new.items():
        if key not in old:
            continue
        fields = [f for f in _COMPARED_FIELDS if getattr(old[key], f) != getattr(check, f)]
        if old[key].category.key != check.category.key or (
            old[key].category.weight != check.category.weight
        ):
            fields.append("category")
        if fields:
            changed.append(ChecklistChange(key=key, name=check.name, fields=tuple(fields)))
    return ChecklistChanges(
        added=[c for k, c in new.items() if k not in old],
        removed=[c for k, c in old.items() if k not in new],
        changed=changed,
    )


def comparison(*, before: Assessment, after: Assessment) -> Comparison:
    """What changed from `before` to `after`: the engine's exact attribution of the score
    change to checks, the status changes, and the checklist changes (3 queries)."""
    version_ids = {before.checklist_id, after.checklist_id}
    checks_by_version: dict[int, list[Check]] = defaultdict(list)
    for check in Check.objects.filter(checklist_id__in=version_ids).select_related("category"):
        checks_by_version[check.checklist_id].append(check)
    weights: dict[int, dict[str, float]] = defaultdict(dict)
    category_names: dict[int, dict[str, str]] = defaultdict(dict)
    for category in Category.objects.filter(checklist_id__in=version_ids).order_by("position"):
        weights[category.checklist_id][category.key] = category.weight
        category_names[category.checklist_id][category.key] = category.name
    statuses: dict[int, dict[str, str]] = defaultdict(dict)
    for assessment_id, check_id, status in CheckResult.objects.filter(
        assessment_id__in=[before.pk, after.pk]
    ).values_list("assessment_id", "check_item_id", "status"):
        statuses[assessment_id][check_id] = status

    def scored(assessment: Assessment) -> list[ScoredCheck]:
        found = statuses[assessment.pk]
        return [
            scored_check(check, found[check.pk])
            for check in checks_by_version[assessment.checklist_id]
            if found.get(check.pk) not in (None, "pending", "running")
        ]

    old_checks = scored(before)
    new_checks = scored(after)
    attribution = attribute_change(
        old_checks, weights[before.checklist_id], new_checks, weights[after.checklist_id]
    )
    names = {c.key: c.name for c in checks_by_version[before.checklist_id]}
    names.update({c.key: c.name for c in checks_by_version[after.checklist_id]})
    old_status = {c.key: c.status for c in old_checks}
    new_status = {c.key: c.status for c in new_checks}
    categories = {c.key: c.category for c in [*old_checks, *new_checks]}
    # A category renamed between the versions shows its newer name.
    category_names_now = {
        **category_names[before.checklist_id],
        **category_names[after.checklist_id],
    }

    def change(key: str, amount: float | None = None) -> CheckChange:
        return CheckChange(
            key=key,
            name=names.get(key, key),
            category=categories[key],
            category_name=category_names_now.get(categories[key], categories[key]),
            before=old_status.get(key),
            after=new_status.get(key),
            amount=amount,
        )

    contributions = sorted(
        (change(c.key, c.amount) for c in attribution.contributions),
        key=lambda c: (-abs(c.amount or 0.0), c.key),
    )
    keys = list(new_status) + [k for k in old_status if k not in new_status]
    return Comparison(
        before=before,
        after=after,
        attribution=attribution,
        contributions=contributions,
        newly_failing=[
            change(k)
            for k in keys
            if new_status.get(k) in FAILING and old_status.get(k) not in FAILING
        ],
        fixed=[
            change(k)
            for k in keys
            if old_status.get(k) in FAILING and new_status.get(k) in ("pass", "warn")
        ],
        unchanged=[change(k) for k in keys if old_status.get(k) == new_status.get(k)],
        checklist_changes=(
            _checklist_changes(
                checks_by_version[before.checklist_id], checks_by_version[after.checklist_id]
            )
            if before.checklist_id != after.checklist_id
            else ChecklistChanges(added=[], removed=[], changed=[])
        ),
    )


# Standup page


@dataclass(frozen=True)
class DigestCheck:
    key: str
    name: str
    status: str
    summary: str
    details: dict[str, Any] = field(default_factory=dict)  # only "message", when stored


@dataclass(frozen=True)
class ProjectDigest:
    project: Project
    current: Assessment | None
    baseline: Assessment | None
    new_failures: list[DigestCheck]
    fixes: list[DigestCheck]
    overdue: list[ActionItem]
    due: list[ActionItem]
    expiring: list[Attestation]
    running: Assessment | None = None

    @property
    def delta(self) -> float | None:
        if self.current is None or self.baseline is None:
            return None
        return _delta(self.current.score, self.baseline.score)

    @property
    def action_count(self) -> int:
        return len(self.overdue) + len(self.due)

    @property
    def assessed_since(self) -> bool:
        return self.current is not None and (
            self.baseline is None or self.current.pk != self.baseline.pk
        )


def standup_digest(*, team: Team, since: dt.datetime, now: dt.datetime) -> list[ProjectDigest]:
    """Every project of the team: the latest score against the latest one at `since`,
    checks newly failing and fixed between them, open action items overdue or due within
    a week, and attestations expiring within a week (7 queries, whatever the number of
    projects' assessments)."""
    projects = list(team.projects.order_by("name"))
    ids = [p.pk for p in projects]
    current = latest_done(ids, count=1)
    baseline = latest_done(ids, count=1, at_or_before=since)
    running = active_assessments(ids)
    pairs = {
        p.pk: (
            current[p.pk][0] if current[p.pk] else None,
            baseline[p.pk][0] if baseline[p.pk] else None,
        )
        for p in projects
    }
    wanted = {a.pk for pair in pairs.values() for a in pair if a is not None}
    results: dict[int, dict[str, DigestCheck]] = defaultdict(dict)
    # Only the summary's message is read from details: the rest can be large.
    for assessment_id, key, name, status, summary, message in CheckResult.objects.filter(
        assessment_id__in=wanted
    ).values_list(
        "assessment_id",
        "check_item__key",
        "check_item__name",
        "status",
        "summary",
        "details__message",
    ):
        details = {"message": message} if message else {}
        results[assessment_id][key] = DigestCheck(key, name, status, summary, details)

    today = timezone.localdate(now)
    items: dict[int, list[ActionItem]] = defaultdict(list)
    for item in ActionItem.objects.filter(
        project_id__in=ids,
        status=ActionItemStatus.OPEN,
        due_date__lte=today + STANDUP_HORIZON,
    ).order_by("due_date", "id"):
        items[item.project_id].append(item)

    newer = Attestation.objects.filter(
        project_id=OuterRef("project_id"),
        check_key=OuterRef("check_key"),
        attested_at__gt=OuterRef("attested_at"),
    )
    expiring: dict[int, list[Attestation]] = defaultdict(list)
    for attestation in (
        Attestation.objects.filter(
            project_id__in=ids, valid_until__gt=now, valid_until__lte=now + STANDUP_HORIZON
        )
        .exclude(Exists(newer))
        .order_by("valid_until")
    ):
        expiring[attestation.project_id].append(attestation)

    digests = []
    for project in projects:
        latest, before = pairs[project.pk]
        now_checks = results[latest.pk] if latest else {}
        then_checks = results[before.pk] if before and before != latest else {}
        if before is not None and before == latest:
            new_failures, fixes = [], []
        else:
            new_failures = [
                c
                for k, c in now_checks.items()
                if c.status in FAILING
                and (k not in then_checks or then_checks[k].status not in FAILING)
            ]
            fixes = [
                c
                for k, c in now_checks.items()
                if c.status in ("pass", "warn")
                and k in then_checks
                and then_checks[k].status in FAILING
            ]
        digests.append(
            ProjectDigest(
                project=project,
                current=latest,
                baseline=before,
                new_failures=new_failures,
                fixes=fixes,
                overdue=[i for i in items[project.pk] if i.due_date < today],
                due=[i for i in items[project.pk] if i.due_date >= today],
                expiring=expiring[project.pk],
                running=running.get(project.pk),
            )
        )
    return digests


# Checklist page


def checklist_versions(*, project: Project) -> list[ChecklistVersion]:
    """The project's checklist versions, newest first, with their number of checks."""
    return list(
        project.checklist_versions.annotate(check_count=Count("checks"))
        .defer("source_text")
        .order_by("-number")
    )


@dataclass(frozen=True)
class ChecklistSection:
    category: Category
    checks: list[Check]


def checklist_sections(*, version: ChecklistVersion) -> list[ChecklistSection]:
    """The version's categories with their checks, in file order (2 queries)."""
    checks: dict[int, list[Check]] = defaultdict(list)
    for check in version.checks.order_by("position"):
        checks[check.category_id].append(check)
    return [
        ChecklistSection(category=category, checks=checks[category.pk])
        for category in version.categories.order_by("position")
    ]
