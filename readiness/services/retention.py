"""Retention: storage that stays bounded over years of daily points.

Past `days` of age, a finished point keeps its assessment row and per-category rows, and
only the per-check rows whose state changed since the previous point of the same project
and origin (measured, backfilled, claimed: readiness.selectors.projects.Origin). The state
is the status and what its words depend on (readiness.retained.result_state).

Points form chains: an anchor keeps every row; the pruned points after it name it
(`Assessment.retention_anchor`) and keep their changed rows. A new chain starts at the
first point of a series, where the checklist version changes, where the set of checks
with a row changes, and after CHAIN_MAX_POINTS points (so that reading a pruned point
reads a bounded number of rows). The newest point of each series is never pruned. The
reader (readiness.retained) gives each deleted row back as the status of the
nearest earlier kept row of its chain: every stored score recomputes, and every delta
attributes, exactly as before.

Applied in batches of points, one transaction each. A run resumes after the newest
pruned point of each series, so an interrupted run continues where it stopped and a
second run changes nothing. Points inserted later before that (a backfill of the past)
keep their rows. No other row refers to a result (waivers and attestations name a check
by key), so nothing else has to be kept. Run one at a time.

The metrics rollup (readiness/services/metrics_rollup.py) runs before any row is
deleted, so that `/metrics` keeps counting the deleted rows' durations."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import NamedTuple

from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone

from readiness.models import Assessment, AssessmentStatus, CheckResult, Project, Trigger
from readiness.retained import STATE_LOOKUPS, looked_up_details, result_state
from readiness.selectors.projects import Origin
from readiness.services.metrics_rollup import metrics_rollup

# Reading a pruned point reads the rows of its chain up to it: at most this many points.
CHAIN_MAX_POINTS = 100
DEFAULT_BATCH_SIZE = 500
# Ids per statement, under SQLite's limit on parameters.
_CHUNK = 900

_ORIGIN_FILTERS = {
    Origin.MEASURED: Q(claimed=False) & ~Q(trigger=Trigger.BACKFILL),
    Origin.BACKFILLED: Q(claimed=False, trigger=Trigger.BACKFILL),
    Origin.CLAIMED: Q(claimed=True),
}

State = tuple[str, str]


class _Point(NamedTuple):
    pk: int
    checklist_id: int
    evaluated_at: dt.datetime
    anchor_id: int | None


@dataclass
class RetentionReport:
    """What a run did (or, dry, would do)."""

    days: int
    cutoff: dt.datetime
    dry_run: bool = False
    series: int = 0
    points_examined: int = 0
    points_pruned: int = 0
    rows_deleted: int = 0
    bytes_freed: int = 0
    batches: int = 0
    # False when the run stopped after `max_batches` with work left.
    finished: bool = True


def retention_cutoff(*, days: int, now: dt.datetime | None = None) -> dt.datetime:
    """Points evaluated before this are past retention."""
    return (now or timezone.now()) - dt.timedelta(days=days)


@dataclass
class _Chain:
    """The chain being extended: its anchor, checklist, length, and each check's state."""

    anchor_id: int
    checklist_id: int
    length: int
    states: dict[int, State]


def _series(project_id: int, origin: str) -> list[_Point]:
    return [
        _Point(*values)
        for values in Assessment.objects.filter(
            _ORIGIN_FILTERS[origin], project_id=project_id, status=AssessmentStatus.DONE
        )
        .order_by("evaluated_at", "id")
        .values_list("pk", "checklist_id", "evaluated_at", "retention_anchor_id")
    ]


def _states(assessment_ids: list[int]) -> dict[int, dict[int, tuple[int, State]]]:
    """(row id, state) of each check of each assessment, without loading evidence."""
    found: dict[int, dict[int, tuple[int, State]]] = {pk: {} for pk in assessment_ids}
    for pk, assessment_id, check_id, status, *values in CheckResult.objects.filter(
        assessment_id__in=assessment_ids
    ).values_list("pk", "assessment_id", "check_item_id", "status", *STATE_LOOKUPS):
        found[assessment_id][check_id] = (pk, result_state(status, looked_up_details(values)))
    return found


def _resumed(series: list[_Point], last: int) -> _Chain:
    """The chain of the newest pruned point (`series[last]`), its states as of it."""
    point = series[last]
    anchor = point.anchor_id
    members = [p for p in series[: last + 1] if anchor in (p.pk, p.anchor_id)]
    states: dict[int, State] = {}
    by_point = _states([p.pk for p in members])
    for member in members:
        states.update({check: state for check, (_, state) in by_point[member.pk].items()})
    return _Chain(
        anchor_id=anchor,
        checklist_id=point.checklist_id,
        length=len(members),
        states=states,
    )


def _row_bytes(ids: list[int]) -> int:
    """The stored size of these result rows' data (PostgreSQL: each row as stored; SQLite:
    its JSON and text plus its fixed columns), index entries apart."""
    table = CheckResult._meta.db_table
    if connection.vendor == "postgresql":
        size = "pg_column_size(t.*)"
    else:
        # 8 bytes for each of the 10 numeric and date columns, and the rest as text.
        size = "80 + LENGTH(status) + LENGTH(summary) + LENGTH(evidence) + LENGTH(details)"
    total = 0
    with connection.cursor() as cursor:
        for start in range(0, len(ids), _CHUNK):
            chunk = ids[start : start + _CHUNK]
            cursor.execute(
                f"SELECT COALESCE(SUM({size}), 0) FROM {table} t "
                f"WHERE id IN ({', '.join(['%s'] * len(chunk))})",
                chunk,
            )
            total += int(cursor.fetchone()[0])
    return total


def _apply_batch(
    batch: list[_Point], chain: _Chain | None, *, days: int, report: RetentionReport
) -> _Chain | None:
    """Walk `batch` (consecutive points of one series, all past retention, none the
    newest) from `chain`; delete the unchanged rows and mark the pruned points unless dry.
    Returns the chain after the batch."""
    states = _states([p.pk for p in batch])
    deleted: list[int] = []
    marks: dict[int, list[int]] = {}
    for point in batch:
        report.points_examined += 1
        rows = states[point.pk]
        if (
            chain is None
            or point.checklist_id != chain.checklist_id
            or chain.length >= CHAIN_MAX_POINTS
            or rows.keys() != chain.states.keys()
        ):
            chain = _Chain(
                anchor_id=point.pk,
                checklist_id=point.checklist_id,
                length=1,
                states={check: state for check, (_, state) in rows.items()},
            )
            continue
        for check, (row_id, state) in rows.items():
            if chain.states[check] == state:
                deleted.append(row_id)
            chain.states[check] = state
        chain.length += 1
        marks.setdefault(chain.anchor_id, []).append(point.pk)
        report.points_pruned += 1
    report.rows_deleted += len(deleted)
    report.bytes_freed += _row_bytes(deleted)
    if not report.dry_run:
        # A point stored since the run's first rollup (a backfill of the past) is folded
        # into the metrics' totals before its rows go.
        if Assessment.objects.filter(
            pk__in=[p.pk for p in batch], metrics_rolled_up=False
        ).exists():
            metrics_rollup()
        for start in range(0, len(deleted), _CHUNK):
            CheckResult.objects.filter(pk__in=deleted[start : start + _CHUNK]).delete()
        for anchor_id, point_ids in marks.items():
            for start in range(0, len(point_ids), _CHUNK):
                Assessment.objects.filter(pk__in=point_ids[start : start + _CHUNK]).update(
                    retention_anchor_id=anchor_id, retention_days=days
                )
    report.batches += 1
    return chain


def retention_apply(
    *,
    days: int,
    batch_size: int = DEFAULT_BATCH_SIZE,
    project: Project | None = None,
    dry_run: bool = False,
    now: dt.datetime | None = None,
    max_batches: int | None = None,
    progress: Callable[[str], None] | None = None,
) -> RetentionReport:
    """Prune the per-check rows of points older than `days` (see the module docstring),
    for one project or all, `batch_size` points per transaction; `dry_run` counts what
    would go and changes nothing. Stops after `max_batches` batches when given."""
    if days < 1:
        raise ValueError(f"retention days must be at least 1, got {days}")
    if batch_size < 1:
        raise ValueError(f"batch size must be at least 1, got {batch_size}")
    cutoff = retention_cutoff(days=days, now=now)
    report = RetentionReport(days=days, cutoff=cutoff, dry_run=dry_run)
    if not dry_run:
        metrics_rollup()
    projects = Project.objects.order_by("pk")
    if project is not None:
        projects = projects.filter(pk=project.pk)
    for project_id, slug in projects.values_list("pk", "slug"):
        for origin in Origin.ALL:
            series = _series(project_id, origin)
            if not series:
                continue
            report.series += 1
            last = max((i for i, p in enumerate(series) if p.anchor_id), default=None)
            chain = _resumed(series, last) if last is not None else None
            start = 0 if last is None else last + 1
            # The newest point stays whole, and so does every point inside retention.
            end = start
            while end < len(series) - 1 and series[end].evaluated_at < cutoff:
                end += 1
            for begin in range(start, end, batch_size):
                if max_batches is not None and report.batches >= max_batches:
                    report.finished = False
                    return report
                batch = series[begin : min(begin + batch_size, end)]
                with transaction.atomic():
                    chain = _apply_batch(batch, chain, days=days, report=report)
            if progress is not None and end > start:
                progress(f"{slug} {origin}: {end - start} points examined")
    return report
