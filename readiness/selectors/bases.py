"""Reads of the base checklist pages: a team's bases, and what a change of one would do to
every project that extends it, from each project's latest results, running nothing.

How "after" is computed: the project's checklist is built again with the changed base (its
own file, its params, its campaigns), and each check gets the status it had in the
project's latest measured assessment when the check existed then with the same type and
options (a new weight, severity or level keeps its status); a new check, or one whose
type or options changed, has no result yet and counts as not measured (`error`), which
lowers coverage until the next run measures it. The same formula (readiness.scoring) then
gives the score, coverage and verdict."""

from __future__ import annotations

from dataclasses import dataclass, field

from checks.checklist import ChecklistError
from checks.spec import CheckSpec
from readiness.models import BaseChecklist, CheckResult, Project, Team
from readiness.scoring import ScoredCheck, score_checks
from readiness.selectors.common import latest_measured
from readiness.services.bases import extending_projects
from readiness.services.builds import project_build
from readiness.services.checklists import checklist_spec


def team_bases(*, team: Team) -> list[BaseChecklist]:
    """The team's base checklists, each with `current` (its latest version) and `projects`
    (how many projects extend it)."""
    bases = list(BaseChecklist.objects.filter(team=team).order_by("slug"))
    for base in bases:
        base.current = base.current_version()
        base.projects = len(extending_projects(base=base))
    return bases


@dataclass
class PreviewRow:
    """One extending project: its score before (its latest measured assessment) and after
    (the same results read through the changed checklist), or the problems that stop it."""

    project: Project
    before_score: float | None = None
    before_coverage: float | None = None
    before_verdict: str = ""
    after_score: float | None = None
    after_coverage: float | None = None
    after_verdict: str = ""
    added: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)
    unmeasured: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)

    @property
    def delta(self) -> float | None:
        if self.after_score is None or self.before_score is None:
            return None
        return self.after_score - self.before_score


@dataclass
class BasePreview:
    rows: list[PreviewRow]

    @property
    def blocked(self) -> bool:
        """A project whose checklist the change would break: saving is refused."""
        return any(row.problems for row in self.rows)


def base_preview(*, base: BaseChecklist, text: str) -> BasePreview:
    """What saving `text` as `base`'s next version would do to each extending project."""
    pairs = extending_projects(base=base)
    points = latest_measured([project.pk for project, _v in pairs], count=1)
    rows = []
    for project, current in pairs:
        row = PreviewRow(project=project)
        rows.append(row)
        try:
            built = project_build(
                project=project,
                source=current.source_text,
                filename=current.source_name,
                candidates={base.ref: text},
            )
        except ChecklistError as error:
            row.problems = [str(problem) for problem in error.problems]
            continue
        latest = points[project.pk].latest
        statuses: dict[str, tuple[str, str, dict]] = {}
        if latest is not None:
            row.before_score, row.before_coverage = latest.score, latest.coverage
            row.before_verdict = latest.verdict
            for result in CheckResult.objects.filter(assessment=latest).select_related(
                "check_item"
            ):
                check = result.check_item
                statuses[check.key] = (result.status, check.type, check.options)
        old = {check.key: check for check in checklist_spec(current).all_checks()}
        after = built.checklist
        checks = []
        for spec in after.all_checks():
            before = old.get(spec.key)
            if before is None:
                row.added.append(spec.key)
            elif _definition(before) != _definition(spec):
                row.changed.append(spec.key)
            status, kind, options = statuses.get(spec.key, ("error", "", {}))
            if (kind, dict(options)) != (spec.type, dict(spec.options)):
                status = "error"
                row.unmeasured.append(spec.key)
            checks.append(
                ScoredCheck(
                    key=spec.key,
                    category=spec.category,
                    status=status,
                    weight=spec.weight,
                    severity=str(spec.severity),
                )
            )
        new_keys = {spec.key for spec in after.all_checks()}
        row.removed = [key for key in old if key not in new_keys]
        if latest is None:
            continue
        card = score_checks(
            checks, {c.key: c.weight for c in after.categories}, ready_at=after.ready_at
        )
        row.after_score, row.after_coverage, row.after_verdict = (
            card.score,
            card.coverage,
            card.verdict,
        )
    return BasePreview(rows)


def _definition(spec: CheckSpec) -> tuple:
    """What a check is and how much it counts; its name and description do not matter."""
    return (spec.type, dict(spec.options), spec.weight, spec.severity, spec.level, spec.category)
