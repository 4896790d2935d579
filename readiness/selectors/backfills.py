"""Reads for the backfill card of the project page: the latest request and its progress."""

from __future__ import annotations

from dataclasses import dataclass

from readiness.models import AssessmentStatus, BackfillRequest, Project, Trigger


@dataclass(frozen=True)
class BackfillProgress:
    request: BackfillRequest
    total: int
    done: int
    failed: int

    @property
    def finished(self) -> bool:
        return self.done + self.failed >= self.total


def latest_backfill(*, project: Project) -> BackfillRequest | None:
    return project.backfills.order_by("-created_at", "-id").first()


def backfill_progress(*, request: BackfillRequest) -> BackfillProgress:
    """How many of the request's commits are stored (done) or given up (failed or
    cancelled), read from the backfilled assessments of its checklist (one query)."""
    statuses: dict[str, set[str]] = {}
    rows = request.project.assessments.filter(
        trigger=Trigger.BACKFILL, checklist=request.checklist, revision__in=request.revisions
    ).values_list("revision", "status")
    for revision, status in rows:
        statuses.setdefault(revision, set()).add(status)
    done = sum(AssessmentStatus.DONE in found for found in statuses.values())
    failed = sum(
        AssessmentStatus.DONE not in found
        and bool(found & {AssessmentStatus.FAILED, AssessmentStatus.CANCELLED})
        for found in statuses.values()
    )
    return BackfillProgress(request=request, total=len(request.revisions), done=done, failed=failed)
