"""Reads of the standup page: per project, what changed since a day and what is due."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Exists, OuterRef
from django.utils import timezone

from checks.messages import AWAITING
from readiness.models import (
    ActionItem,
    ActionItemStatus,
    Assessment,
    Attestation,
    CheckResult,
    Project,
    Team,
    Waiver,
)
from readiness.retained import carried_results
from readiness.selectors.common import (
    FAILING,
    active_assessments,
    is_failing,
    latest_measured,
    score_delta,
)
from readiness.selectors.waivers import project_base_ids, waivers_ending

STANDUP_HORIZON = dt.timedelta(days=7)


@dataclass(frozen=True)
class DigestCheck:
    key: str
    name: str
    status: str
    summary: str
    # Only what the page shows: "message", and what says an attestation is awaited.
    details: dict[str, Any] = field(default_factory=dict)

    @property
    def failing(self) -> bool:
        return is_failing(self.status, self.details)

    @property
    def awaiting(self) -> bool:
        return self.status in FAILING and not self.failing and not self.not_evaluable

    @property
    def not_evaluable(self) -> bool:
        return bool(self.details.get("not_evaluable"))


@dataclass(frozen=True)
class ProjectDigest:
    project: Project
    current: Assessment | None
    baseline: Assessment | None
    new_failures: list[DigestCheck]
    fixes: list[DigestCheck]
    awaiting: list[DigestCheck]
    overdue: list[ActionItem]
    due: list[ActionItem]
    expiring: list[Attestation]
    running: Assessment | None = None
    claim: Assessment | None = None  # a document's latest claim, shown beside
    # Approved waivers ending within the horizon, and those that ended since `since`.
    waivers_ending: list[Waiver] = field(default_factory=list)
    waivers_ended: list[Waiver] = field(default_factory=list)

    @property
    def delta(self) -> float | None:
        if self.current is None or self.baseline is None:
            return None
        return score_delta(self.current.score, self.baseline.score)

    @property
    def waiver_count(self) -> int:
        return len(self.waivers_ending) + len(self.waivers_ended)

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
    a week, attestations expiring within a week, and waivers ending within a week or
    ended since `since`, the bases' included (8 queries, 9 with a base's waiver, whatever
    the number of projects' assessments)."""
    projects = list(team.projects.order_by("name"))
    ids = [p.pk for p in projects]
    # Measured against measured: a document's claim is never the baseline.
    current = latest_measured(ids, count=1)
    baseline = latest_measured(ids, count=1, at_or_before=since)
    running = active_assessments(ids)
    pairs = {p.pk: (current[p.pk].latest, baseline[p.pk].latest) for p in projects}
    wanted = {a.pk for pair in pairs.values() for a in pair if a is not None}
    results: dict[int, dict[str, DigestCheck]] = defaultdict(dict)
    # Only these keys are read from details: the rest can be large.
    kept = ("message", AWAITING, "expired_on", "not_evaluable")
    for assessment_id, key, name, status, summary, *values in CheckResult.objects.filter(
        assessment_id__in=wanted
    ).values_list(
        "assessment_id",
        "check_item__key",
        "check_item__name",
        "status",
        "summary",
        *(f"details__{k}" for k in kept),
    ):
        details = {k: v for k, v in zip(kept, values, strict=True) if v}
        results[assessment_id][key] = DigestCheck(key, name, status, summary, details)
    # A baseline pruned by retention: the statuses of its deleted rows, carried.
    points = [a for pair in pairs.values() for a in pair if a is not None]
    for assessment_id, carried in carried_results(points).items():
        for r in carried:
            check = r.check_item
            results[assessment_id][check.key] = DigestCheck(
                check.key, check.name, r.status, "", r.details
            )

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

    ending, ended = waivers_ending(
        projects=projects, now=now, ahead_days=STANDUP_HORIZON.days, since=since
    )
    # A base's waiver is listed under every project of the team extending the base (one
    # more query, only when there is one).
    bases_of = project_base_ids(ids) if any(w.base_id for w in ending + ended) else {}
    waivers: dict[tuple[str, int], list[Waiver]] = defaultdict(list)
    for kind, rows in (("ending", ending), ("ended", ended)):
        for waiver in rows:
            if waiver.project_id:
                waivers[kind, waiver.project_id].append(waiver)
            for pk in (pk for pk, found in bases_of.items() if waiver.base_id in found):
                waivers[kind, pk].append(waiver)

    digests = []
    for project in projects:
        latest, before = pairs[project.pk]
        now_checks = results[latest.pk] if latest else {}
        then_checks = results[before.pk] if before and before != latest else {}
        if before is not None and before == latest:
            new_failures, fixes = [], []
        else:
            # Fails and real errors only: an attestation still awaited is listed apart.
            new_failures = [
                c
                for k, c in now_checks.items()
                if c.failing and (k not in then_checks or not then_checks[k].failing)
            ]
            fixes = [
                c
                for k, c in now_checks.items()
                if c.status in ("pass", "warn") and k in then_checks and then_checks[k].failing
            ]
        digests.append(
            ProjectDigest(
                project=project,
                current=latest,
                baseline=before,
                new_failures=new_failures,
                fixes=fixes,
                awaiting=[c for c in now_checks.values() if c.awaiting],
                overdue=[i for i in items[project.pk] if i.due_date < today],
                due=[i for i in items[project.pk] if i.due_date >= today],
                expiring=expiring[project.pk],
                running=running.get(project.pk),
                claim=current[project.pk].claim,
                waivers_ending=waivers["ending", project.pk],
                waivers_ended=waivers["ended", project.pk],
            )
        )
    return digests
