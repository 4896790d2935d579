"""A CI run: a checklist file run against a working tree, scored and gated, stored nowhere.

It is `manage.py assess --checklist F --repo DIR --json` over the API: the same engine, the
same document. The tree is an uploaded tarball (readiness/services/tarballs.py) or a
revision of a project's repository that the server reaches (readiness/services/sources.py).
With a project its bases and campaigns apply, as they would to its own checklist, and a
`baseline` branch gates the run against the last assessment of that branch."""

from __future__ import annotations

import math
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from django.conf import settings
from django.utils.translation import gettext as _

from checks.checklist import ChecklistError, load_checklist
from checks.registry import SLOW_CHECK_TYPES
from checks.runner import run_checklist
from checks.spec import Checklist
from checks.tree import TreeError
from checks.worktree import WorkingTree
from readiness.gates import Gate, baseline_data, gate_evaluate
from readiness.models import Assessment, AssessmentStatus, Project
from readiness.reports import run_report_data
from readiness.services.builds import BaseResolver, checklist_build
from readiness.services.outcomes import run_context
from readiness.services.runs import INLINE_THREADS
from readiness.services.sources import (
    SourceError,
    source_branch_commits,
    source_prepare,
    source_within,
)
from readiness.services.tarballs import TarballError, TarballLimits, tarball_unpacked


class CiRunError(ValueError):
    """The run cannot be made; `errors` lists each problem as (where, message)."""

    def __init__(self, errors: list[tuple[str, str]]) -> None:
        self.errors = errors
        super().__init__("; ".join(f"{where}: {message}" for where, message in errors))


@dataclass(frozen=True)
class CiRun:
    report: dict[str, Any]
    gate: Gate


def ci_tarball_limits() -> TarballLimits:
    return TarballLimits(
        max_files=settings.READINESS_API_TARBALL_MAX_FILES,
        max_bytes=settings.READINESS_API_TARBALL_MAX_UNPACKED_BYTES,
    )


def ci_run(
    *,
    checklist_text: str,
    checklist_name: str,
    project: Project | None,
    ref: str = "",
    tarball: IO[bytes] | None = None,
    fail_under: float | None = None,
    baseline: str = "",
) -> CiRun:
    """Run `checklist_text` on the tarball's tree, else on the project's repository at
    `ref` (its own ref by default), and gate the report. Raises CiRunError naming each
    problem: the checklist (with its lines), the tarball, the revision, the baseline."""
    before = _baseline(project, baseline) if baseline else None
    with _tree(project, ref, tarball) as (path, revision, checkout):
        checklist = _checklist(project, path, checklist_text, checklist_name)
        _check_bound(checklist)
        context = run_context(path)
        try:
            tree = WorkingTree(path, default_exclusions=not checkout)
            outcomes = run_checklist(checklist, context, tree=tree)
        except TreeError as exc:
            raise CiRunError([("tree", str(exc))]) from None
    report = run_report_data(checklist, outcomes, revision or None)
    if before is not None:
        report["baseline"] = before
    return CiRun(report, gate_evaluate(report, fail_under=fail_under, baseline=before))


@contextmanager
def _tree(
    project: Project | None, ref: str, tarball: IO[bytes] | None
) -> Iterator[tuple[Path, str, bool]]:
    """(folder, revision, exact checkout) of the files to assess."""
    if tarball is not None:
        try:
            with tarball_unpacked(tarball, limits=ci_tarball_limits()) as folder:
                yield folder, "", False
        except TarballError as exc:
            raise CiRunError([("tarball", str(exc))]) from None
        return
    assert project is not None  # the API asks for one or the other
    try:
        state = source_within(
            state=source_prepare(project=project, revision=ref), subfolder=project.subfolder
        )
    except SourceError as exc:
        raise CiRunError([("ref" if ref else "project", str(exc))]) from None
    yield state.path, state.revision, state.checkout


def _checklist(project: Project | None, repo: Path, text: str, name: str) -> Checklist:
    try:
        if project is None:
            return load_checklist(text, filename=name, resolve=BaseResolver(repo=repo))
        return checklist_build(team=project.team, repo=repo, source=text, filename=name).checklist
    except ChecklistError as error:
        raise CiRunError(
            [(problem_where(p.line, p.path), p.message) for p in error.problems]
        ) from None


def problem_where(line: int | None, path: str) -> str:
    """Where a checklist problem is, as the upload page shows it: "line 12, checks.x.pattern"."""
    parts = [_("line %(line)s") % {"line": line}] if line else []
    if path:
        parts.append(path)
    return ", ".join(parts) or "checklist"


def ci_slow_bound(checklist: Checklist) -> float:
    """The longest the slow checks can wait in all: they run INLINE_THREADS at a time, each
    within its own `timeout_s`."""
    timeouts = sorted(
        (
            float(spec.options.get("timeout_s") or 0)
            for spec in checklist.all_checks()
            if spec.type in SLOW_CHECK_TYPES
        ),
        reverse=True,
    )
    waves = math.ceil(len(timeouts) / INLINE_THREADS)
    return sum(timeouts[wave * INLINE_THREADS] for wave in range(waves))


def _check_bound(checklist: Checklist) -> None:
    bound = ci_slow_bound(checklist)
    limit = settings.READINESS_API_ASSESS_SECONDS
    if bound > limit:
        raise CiRunError(
            [
                (
                    "checklist",
                    _(
                        "its slow checks may take %(bound)s s in all, more than the %(limit)s s "
                        "this endpoint waits: lower their timeout_s, or run manage.py assess"
                    )
                    % {"bound": f"{bound:g}", "limit": limit},
                )
            ]
        )


def _baseline(project: Project | None, branch: str) -> Mapping[str, Any]:
    if project is None:
        raise CiRunError([("baseline", _("A baseline needs a project."))])
    try:
        commits = source_branch_commits(project=project, branch=branch)
    except SourceError as exc:
        raise CiRunError([("baseline", str(exc))]) from None
    last = (
        Assessment.objects.filter(
            project=project,
            status=AssessmentStatus.DONE,
            score__isnull=False,
            revision__in=commits,
        )
        .order_by("-evaluated_at", "-pk")
        .first()
    )
    return baseline_data(last, branch=branch)
