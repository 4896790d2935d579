"""Backfilled points written in batches: one transaction per batch of evaluated commits.

Each point gets the rows a one-point backfill writes through assessment_create, the claim
and store steps and assessment_finalize (the assessment, done, dated at its commit time;
one result per check; one score per category), scored by the same functions; only the
number of statements differs. A batch is written whole or not at all, so the points stored
are the resume point of an interrupted backfill: the next run evaluates the others."""

from __future__ import annotations

import datetime as dt
import functools
import json
from collections.abc import Mapping, Sequence
from typing import Any, NamedTuple

from django.db import connection, models, transaction
from django.utils import timezone
from django.utils.translation import gettext_noop

from checks.messages import message
from checks.registry import HISTORY_CHECK_TYPES
from checks.spec import Evidence, Outcome, Status, clip
from readiness.models import (
    Assessment,
    AssessmentStatus,
    CategoryScore,
    Check,
    ChecklistVersion,
    CheckResult,
    Project,
    Trigger,
)
from readiness.scored import scored_check
from readiness.scoring import ScoreCard, score_checks
from readiness.services.assessments import assessment_decided, attestations_for
from readiness.services.outcomes import MAX_SUMMARY, stored_details

_STORED = [AssessmentStatus.PENDING, AssessmentStatus.RUNNING, AssessmentStatus.DONE]
# The columns of a result row after its assessment, in the order _build gives them.
_RESULT_COLUMNS = [
    "check_item",
    "attempts",
    "status",
    "credit",
    "summary",
    "evidence",
    "details",
    "duration_ms",
    "lease_expires_at",
    "started_at",
    "finished_at",
]


_MAX_ITEMS = 100_000  # evidence items whose JSON is kept
_DATES = ("lease_expires_at", "started_at", "finished_at")  # None, the batch's time, and again


class EvaluatedPoint(NamedTuple):
    sha: str
    committed_at: dt.datetime
    outcomes: Mapping[str, Outcome]  # file check outcomes by key


class BatchWriter:
    """Writes batches of evaluated points of one project and checklist version. Loads the
    checks, categories and attestations once, and reuses what consecutive points share:
    the stored fields of an outcome carried over, the scores of the same statuses."""

    def __init__(self, *, project: Project, checklist: ChecklistVersion) -> None:
        self.project = project
        self.checklist = checklist
        self.checks: list[Check] = list(
            checklist.checks.select_related("category").order_by("position")
        )
        categories = list(checklist.categories.order_by("position"))
        self.weights = {category.key: category.weight for category in categories}
        self.names = {category.key: category.name for category in categories}
        self.attestations = attestations_for(project=project, checks=self.checks)
        self._fields: dict[int, tuple[Outcome, str, dict[str, Any]]] = {}
        self._used: set[int] = set()
        self._items: dict[tuple[Any, ...], str] = {}  # evidence item -> its JSON
        self._cards: dict[tuple[str, ...], ScoreCard] = {}
        self._dates: dict[dt.datetime, dict[str, Any]] = {}
        self._missing = Outcome.error(message(gettext_noop("the checker returned nothing")))

    def write(self, points: Sequence[EvaluatedPoint]) -> list[Assessment]:
        """Store `points` in one transaction and return the new assessments, oldest first.
        A point already stored (by a concurrent run or task) is left as it is and not
        returned."""
        if not points:
            return []
        now = timezone.now()
        with transaction.atomic():
            # The project row serialises concurrent backfills of one project, so that the
            # check for existing points and the creation of new ones cannot interleave.
            Project.objects.select_for_update().filter(pk=self.project.pk).first()
            stored = set(
                Assessment.objects.filter(
                    project=self.project,
                    checklist=self.checklist,
                    trigger=Trigger.BACKFILL,
                    status__in=_STORED,
                    revision__in=[point.sha for point in points],
                ).values_list("revision", flat=True)
            )
            fresh = [point for point in points if point.sha not in stored]
            built = [self._build(point, now) for point in fresh]
            assessments = Assessment.objects.bulk_create([a for a, _, _ in built])
            results: list[tuple[Any, ...]] = []
            scores: list[tuple[Any, ...]] = []
            for assessment, rows, card in built:
                results.extend((assessment.pk, *row) for row in rows)
                scores.extend(
                    (
                        assessment.pk,
                        category.key,
                        self.names.get(category.key, category.key),
                        category.weight,
                        category.score,
                        category.coverage,
                        position,
                    )
                    for position, category in enumerate(card.categories)
                )
            # Plain inserts of prepared values: a model instance per row would cost more
            # than the rest of a point.
            _insert(CheckResult, ["assessment", *_RESULT_COLUMNS], results)
            _insert(
                CategoryScore,
                ["assessment", "key", "name", "weight", "score", "coverage", "position"],
                scores,
            )
        # Keep what this batch used: the next one carries most of it over.
        self._fields = {key: self._fields[key] for key in self._used}
        self._used = set()
        return assessments

    def _build(
        self, point: EvaluatedPoint, now: dt.datetime
    ) -> tuple[Assessment, list[tuple[Any, ...]], ScoreCard]:
        decided = assessment_decided(
            project=self.project,
            checks=self.checks,
            evaluated_at=point.committed_at,
            only_types=HISTORY_CHECK_TYPES,
            attestations=self.attestations,
        )
        rows = []
        statuses = []
        for check in self.checks:
            outcome = decided.get(check.pk)
            # Results decided at creation have no attempt; the others were claimed once.
            attempts = 0 if outcome is not None else 1
            if outcome is None:
                outcome = point.outcomes.get(check.key) or self._missing
            status, values = self._stored_fields(outcome, now)
            rows.append((check.pk, attempts, *values))
            statuses.append(status)
        card = self._scorecard(tuple(statuses))
        assessment = Assessment(
            project=self.project,
            checklist=self.checklist,
            revision=point.sha,
            trigger=Trigger.BACKFILL,
            status=AssessmentStatus.DONE,
            evaluated_at=point.committed_at,
            created_at=now,
            started_at=now,
            finished_at=now,
            checks_total=len(rows),
            checks_done=len(rows),
            score=card.score,
            coverage=card.coverage,
            verdict=card.verdict,
            verdict_reasons=[dict(reason) for reason in card.reasons],
        )
        return assessment, rows, card

    def _stored_fields(self, outcome: Outcome, now: dt.datetime) -> tuple[str, tuple[Any, ...]]:
        """The status and the prepared values of _RESULT_COLUMNS[2:] of a result row that
        finished at `now` with `outcome` (the values of outcome_fields, as the database
        takes them). The values that do not depend on `now` are prepared once per outcome
        object, which a point whose check's files did not change shares with the point
        before (checks.history), batch after batch."""
        known = self._fields.get(id(outcome))
        if known is None or known[0] is not outcome:
            status = Status(outcome.status)
            values = {
                "status": _prepared(CheckResult, "status", status.value),
                "credit": _prepared(CheckResult, "credit", status.credit),
                "summary": _prepared(CheckResult, "summary", clip(outcome.summary, MAX_SUMMARY)),
                "evidence": self._evidence(outcome.evidence),
                "details": _prepared(CheckResult, "details", stored_details(outcome)),
                "duration_ms": _prepared(CheckResult, "duration_ms", outcome.duration_ms),
            }
            known = self._fields[id(outcome)] = (outcome, status.value, values)
        self._used.add(id(outcome))
        dates = self._dates.get(now)
        if dates is None:
            # The same dates for the whole batch (no lease; started and finished now).
            prepared = _prepared(CheckResult, "started_at", now)
            self._dates = {now: {"lease_expires_at": None, "started_at": prepared}}
            self._dates[now]["finished_at"] = prepared
            dates = self._dates[now]
        values = known[2]
        return known[1], tuple(
            dates[name] if name in dates else values[name] for name in _RESULT_COLUMNS[2:]
        )

    def _evidence(self, evidence: Sequence[Evidence]) -> Any:
        """The prepared `evidence` of a result row: the JSON of its items joined as
        json.dumps joins them, each item encoded once (consecutive outcomes of a check
        mostly show the same lines)."""
        parts = []
        cache = self._items
        for item in evidence:
            key = (item.path, item.line, item.text)
            text = cache.get(key) if type(item) is Evidence else None
            if text is None:
                text = json.dumps(item.as_dict())
                if type(item) is Evidence:
                    if len(cache) >= _MAX_ITEMS:
                        cache.clear()
                    cache[key] = text
            parts.append(text)
        return connection.ops.adapt_json_value(_Encoded("[" + ", ".join(parts) + "]"), _EncodedJSON)

    def _scorecard(self, statuses: tuple[str, ...]) -> ScoreCard:
        card = self._cards.get(statuses)
        if card is None:
            card = self._cards[statuses] = score_checks(
                [
                    scored_check(check, Status(status).value)
                    for check, status in zip(self.checks, statuses, strict=True)
                ],
                self.weights,
                ready_at=self.checklist.ready_at,
            )
        return card


class _Encoded:
    """A JSON value encoded already."""

    __slots__ = ("text",)

    def __init__(self, text: str) -> None:
        self.text = text


class _EncodedJSON(json.JSONEncoder):
    """Hands an _Encoded value's text to the database backend as the JSON of the value
    (both backends encode a JSONField value with json.dumps and the field's encoder)."""

    def encode(self, o: Any) -> str:
        return o.text if isinstance(o, _Encoded) else super().encode(o)


def _prepared(model: type[models.Model], name: str, value: Any) -> Any:
    """`value` of the field `name` as the database takes it (JSON, dates)."""
    return _field(model, name).get_db_prep_save(value, connection)


@functools.cache
def _field(model: type[models.Model], name: str) -> models.Field:
    return model._meta.get_field(name)


def _insert(model: type[models.Model], names: Sequence[str], rows: Sequence[tuple]) -> None:
    """Insert prepared `rows` (values of the fields `names`, in order) into `model`."""
    if not rows:
        return
    quote = connection.ops.quote_name
    columns = ", ".join(quote(model._meta.get_field(name).column) for name in names)
    marks = ", ".join(["%s"] * len(names))
    with connection.cursor() as cursor:
        cursor.executemany(
            f"INSERT INTO {quote(model._meta.db_table)} ({columns}) VALUES ({marks})", rows
        )
