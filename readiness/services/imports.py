"""Saving an imported readiness document: the project's checklist version, the manual
attestations of the document's author, the scores it claims as history points, and its
action items, in one transaction. Importing the same document again adds nothing twice."""

from __future__ import annotations

import datetime as dt
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from checks.checklist import dump_checklist, load_checklist
from checks.manual import MANUAL
from checks.merge import checklist_diff, checklist_merge
from checks.spec import Status
from readiness.importer import ClaimedPoint, ImportResult, yaml_name
from readiness.models import (
    ActionItem,
    ActionItemStatus,
    Assessment,
    AssessmentStatus,
    Attestation,
    CategoryScore,
    ChecklistVersion,
    CheckResult,
    Project,
    Trigger,
)
from readiness.services.checklists import (
    checklist_spec,
    checklist_upload,
    checklist_version_save,
)
from readiness.services.projects import project_upsert

# Imported points are dated at noon UTC, so that the day shows the same in every time zone
# a team is likely to work in.
DOCUMENT_TIME = dt.time(12, 0)


class ImportSaveError(ValueError):
    """The document cannot be stored for this project; the message says why."""


@dataclass
class ImportSummary:
    """What one import stored (`created`) and what was already there from an earlier
    import of the same document (`kept`)."""

    project: Project
    version: ChecklistVersion
    version_created: bool
    merged: bool = False
    assessments: list[Assessment] = field(default_factory=list)
    created: dict[str, int] = field(default_factory=dict)
    kept: dict[str, int] = field(default_factory=dict)

    def count(self, what: str, *, kept: bool = False) -> int:
        return (self.kept if kept else self.created).get(what, 0)


def document_datetime(date: dt.date | None, *, default: dt.datetime) -> dt.datetime:
    if date is None:
        return default
    return dt.datetime.combine(date, DOCUMENT_TIME, tzinfo=dt.UTC)


def too_old_marks(*, result: ImportResult, now: dt.datetime) -> int:
    """How many of the document's marks are older than their check's `valid_days` at
    `now` (the checks as the document writes them)."""
    if result.checklist is None:
        return 0
    attested_at = document_datetime(result.date, default=now)
    valid = {spec.key: spec.options.get("valid_days") for spec in result.checklist.all_checks()}
    return sum(
        1
        for item in result.manual_items
        if item.status is not None
        and item.check_key in valid
        and mark_too_old(attested_at=attested_at, valid_days=valid[item.check_key], now=now)
    )


def mark_too_old(*, attested_at: dt.datetime, valid_days: int | None, now: dt.datetime) -> bool:
    """Whether a mark made at `attested_at` has already expired at `now`: it is then the
    document's claim, never a current attestation."""
    return bool(valid_days) and attested_at + dt.timedelta(days=valid_days) <= now


def import_document_save(
    *,
    result: ImportResult,
    project_slug: str,
    source: str | None = None,
    team_name: str | None = None,
    user: AbstractBaseUser | None = None,
    merge: bool = False,
    now: dt.datetime | None = None,
) -> ImportSummary:
    """Store `result` for the project `project_slug`, all or nothing. With `source` the
    project is created (or its source updated); without it the project must exist. The
    document's checklist becomes the next version; with `merge`, that version is the current
    checklist plus the document's checks of new keys (a key both have keeps the current
    check). A mark older than its check's `valid_days` is not an attestation: it stays the
    document's claim (counted as `too_old_marks`).
    Raises ImportSaveError, or ProjectError / ChecklistError from the project service."""
    now = now or timezone.now()
    with transaction.atomic():
        project, version, created, merged = _project_and_version(
            result, project_slug, source, team_name, merge
        )
        summary = ImportSummary(
            project=project, version=version, version_created=created, merged=merged
        )
        attested_at = document_datetime(result.date, default=now)
        _attestations(summary, result, attested_at, now)
        _history(summary, result, user, now)
        _action_items(summary, result, attested_at)
    return summary


def _project_and_version(
    result: ImportResult, slug: str, source: str | None, team_name: str | None, merge: bool
) -> tuple[Project, ChecklistVersion, bool, bool]:
    existing = Project.objects.select_for_update().filter(slug=slug).first()
    if result.checklist is None:
        version = existing.current_checklist() if existing else None
        if existing is None or version is None:
            raise ImportSaveError(
                _(
                    "The document holds no check, and project %(slug)s has no checklist for "
                    "its history to refer to: import a checklist first."
                )
                % {"slug": slug}
            )
        return existing, version, False, False
    current = existing.current_checklist() if existing else None
    if merge and current is not None:
        if source and source != existing.source:
            raise ImportSaveError(
                _(
                    "A merge keeps project %(slug)s as it is, source included: import "
                    "without a new source, or replace the checklist."
                )
                % {"slug": slug}
            )
        version, created = _merge(existing, current, result)
        return existing, version, created, True
    if source:
        with tempfile.TemporaryDirectory() as folder:
            path = Path(folder) / yaml_name(result.source_name)
            path.write_text(result.checklist_yaml, encoding="utf-8")
            project, version, created = project_upsert(
                slug=slug, source=source, checklist_path=path, team_name=team_name
            )
        return project, version, created, False
    if existing is None:
        raise ImportSaveError(
            _(
                "Project %(slug)s does not exist: give its source (a folder or git URL) "
                "to create it."
            )
            % {"slug": slug}
        )
    version, created = checklist_upload(
        project=existing, source=result.checklist_yaml, source_name=yaml_name(result.source_name)
    )
    return existing, version, created, False


def _merge(
    project: Project, current: ChecklistVersion, result: ImportResult
) -> tuple[ChecklistVersion, bool]:
    name = yaml_name(result.source_name)
    document = load_checklist(result.checklist_yaml, filename=name)
    before = checklist_spec(current)
    if not checklist_diff(before, document).added:
        return current, False
    merged = checklist_merge(before, document)
    return checklist_version_save(
        project=project,
        checklist=merged,
        source_text=dump_checklist(merged),
        source_name=f"{current.source_name[:120]} + {name}"[:255],
    )


def _bump(counts: dict[str, int], what: str, amount: int = 1) -> None:
    counts[what] = counts.get(what, 0) + amount


def _attestations(
    summary: ImportSummary, result: ImportResult, attested_at: dt.datetime, now: dt.datetime
) -> None:
    checks = {
        check.key: check
        for check in summary.version.checks.filter(type=MANUAL.name).only("key", "options")
    }
    attested_by = result.attested_by[:200]
    for item in result.manual_items:
        check = checks.get(item.check_key)
        if item.status is None or check is None:
            continue
        valid_days = check.options.get("valid_days")
        if mark_too_old(attested_at=attested_at, valid_days=valid_days, now=now):
            _bump(summary.created, "too_old_marks")
            continue
        fields = {
            "project": summary.project,
            "check_key": item.check_key,
            "status": item.status,
            "attested_by": attested_by,
            "attested_at": attested_at,
        }
        if Attestation.objects.filter(**fields).exists():
            _bump(summary.kept, "attestations")
            continue
        Attestation.objects.create(
            **fields,
            note=f"{result.source_name}:{item.line} — {item.text}"[:2000],
            valid_until=attested_at + dt.timedelta(days=valid_days) if valid_days else None,
        )
        _bump(summary.created, "attestations")


def _history(
    summary: ImportSummary, result: ImportResult, user: AbstractBaseUser | None, now: dt.datetime
) -> None:
    categories = {c.key: c for c in summary.version.categories.all()}
    checks = {c.key: c for c in summary.version.checks.all()}
    points = list(result.points)
    held = {point.date for point in points}
    if summary.count("too_old_marks") and result.date and result.date not in held:
        # Expired marks stay the document's claims: a point at its date, without a score
        # when the document states none, holds them.
        line = min(line for _status, line in result.claims.values())
        points.append(ClaimedPoint(date=result.date, score=None, line=line))
    for point in sorted(points, key=lambda p: p.date):
        evaluated_at = document_datetime(point.date, default=now)
        existing = Assessment.objects.filter(
            project=summary.project,
            claimed=True,
            trigger=Trigger.IMPORT,
            evaluated_at=evaluated_at,
            score=point.score,
        ).first()
        if existing is not None:
            if point.date in held:
                _bump(summary.kept, "history_points")
            continue
        # The document's own date carries its per-check claims (✅ next to a command or an
        # item); the compare view sets them against what a run measures.
        claims = result.claims if point.date == result.date else {}
        rows = [
            CheckResult(
                check_item=checks[key],
                status=status,
                credit=Status(status).credit,
                summary=f"{result.source_name}:{line}",
                started_at=now,
                finished_at=now,
            )
            for key, (status, line) in claims.items()
            if key in checks
        ]
        note = "\n".join(
            [f"{result.source_name}:{point.line}"]
            + [f"{item.text} ({result.source_name}:{item.line})" for item in point.improvements]
        )
        assessment = Assessment.objects.create(
            project=summary.project,
            checklist=summary.version,
            trigger=Trigger.IMPORT,
            status=AssessmentStatus.DONE,
            evaluated_at=evaluated_at,
            created_at=now,
            finished_at=now,
            score=point.score,
            coverage=None,
            verdict=point.verdict,
            verdict_reasons=[],
            checks_total=len(rows),
            checks_done=len(rows),
            claimed=True,
            note=note,
            requested_by=user,
        )
        for row in rows:
            row.assessment = assessment
        CheckResult.objects.bulk_create(rows)
        order = {key: position for position, key in enumerate(categories)}
        CategoryScore.objects.bulk_create(
            CategoryScore(
                assessment=assessment,
                key=claim.key,
                name=claim.name,
                weight=categories[claim.key].weight if claim.key in categories else 1.0,
                score=claim.score,
                coverage=None,
                position=order.get(claim.key, len(order) + index),
            )
            for index, claim in enumerate(point.categories)
        )
        summary.assessments.append(assessment)
        if point.date in held:
            _bump(summary.created, "history_points")
        _bump(summary.created, "category_scores", len(point.categories))


def _action_items(summary: ImportSummary, result: ImportResult, dated: dt.datetime) -> None:
    titles = set(ActionItem.objects.filter(project=summary.project).values_list("title", flat=True))
    for draft in result.action_items:
        what = "done_items" if draft.done else "action_items"
        if draft.title in titles:
            _bump(summary.kept, what)
            continue
        titles.add(draft.title)
        item = ActionItem(
            project=summary.project,
            title=draft.title,
            owner=draft.owner,
            due_date=draft.due_date,
            priority=draft.priority,
            status=ActionItemStatus.DONE if draft.done else ActionItemStatus.OPEN,
            done_at=dated if draft.done else None,
        )
        try:
            item.full_clean()
        except ValidationError as error:
            raise ImportSaveError(
                _("Action item on line %(line)s cannot be saved: %(reason)s")
                % {"line": draft.line, "reason": "; ".join(error.messages)}
            ) from None
        item.save()
        _bump(summary.created, what)


def claimed_point(*, project: Project) -> Assessment | None:
    """The project's most recent point claimed by an imported document."""
    return (
        Assessment.objects.filter(project=project, claimed=True, status=AssessmentStatus.DONE)
        .order_by("-evaluated_at", "-id")
        .first()
    )


@dataclass(frozen=True)
class Disagreement:
    key: str
    name: str
    claimed: str
    measured: str


def claim_disagreements(*, claimed: Assessment, measured: Assessment) -> list[Disagreement]:
    """The checks whose measured status is not the status the document claimed for them
    (a claimed pass that now fails, or cannot even be measured, disagrees)."""
    said = dict(claimed.results.values_list("check_item__key", "status"))
    found = []
    for key, name, status in measured.results.order_by("check_item__position").values_list(
        "check_item__key", "check_item__name", "status"
    ):
        if key in said and said[key] != status:
            found.append(Disagreement(key=key, name=name, claimed=said[key], measured=status))
    return found
