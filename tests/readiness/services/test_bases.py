"""A team's base checklist shared by an organisation: 3 teams, 30 projects extending it with
their own params and overrides; a change of the base is previewed on all 30 from their
latest results, then saved as a new version of every project's checklist, which their next
assessment uses."""

from __future__ import annotations

import pytest

from checks.checklist import ChecklistError
from readiness.models import BaseChecklist
from readiness.selectors.bases import base_preview
from readiness.services.bases import base_checklist_save, extending_projects
from tests.readiness.services.organisation import BASE, BASE_V2, PROJECTS, assess

pytestmark = pytest.mark.django_db


def test_a_base_change_is_previewed_on_all_30_projects_then_saved_for_each(organisation):
    admin, org, projects = organisation
    before = {project.pk: assess(project) for project in projects}
    base = BaseChecklist.objects.get(team=org, slug="standard")
    assert len(extending_projects(base=base)) == PROJECTS
    assert {p.team.name for p in projects} == {"Team 0", "Team 1", "Team 2"}

    preview = base_preview(base=base, text=BASE_V2)

    assert len(preview.rows) == PROJECTS
    assert not preview.blocked
    for row in preview.rows:
        assert row.before_score == before[row.project.pk].score
        assert row.changed == ["readme", "runbook"]
        assert row.added == row.removed == row.unmeasured == []
    # Nothing is saved by a preview.
    assert all(p.current_checklist().number == 1 for p in projects)

    version, updated = base_checklist_save(team=org, slug="standard", source=BASE_V2, actor=admin)

    assert version.number == 2
    assert len(updated) == PROJECTS
    after = {project.pk: assess(project) for project in projects}
    for row in preview.rows:
        new = after[row.project.pk]
        assert new.checklist.number == 2
        assert new.checklist.bases.get() == version
        # The preview's score is the one the next run measures (nothing else changed).
        assert row.after_score == pytest.approx(new.score, abs=1e-12)
        assert row.after_coverage == pytest.approx(new.coverage, abs=1e-12)
        assert row.after_verdict == new.verdict
        readme = new.results.get(check_item__key="readme").check_item
        runbook = new.results.get(check_item__key="runbook").check_item
        assert (readme.weight, runbook.severity) == (3.0, "critical")
    index = {p.pk: i for i, p in enumerate(projects)}
    # The README now weighs more: projects that have one gain, those without lose.
    for pk, assessment in after.items():
        if before[pk].score != assessment.score:
            assert (assessment.score > before[pk].score) == (index[pk] % 2 == 0)
    # Projects without a runbook are no longer ready: the runbook is critical now.
    for pk, assessment in after.items():
        if index[pk] % 3:
            assert assessment.verdict == "not-ready"


def test_a_change_that_would_break_a_project_is_refused_and_saves_nothing(organisation):
    admin, org, projects = organisation
    base = BaseChecklist.objects.get(team=org, slug="standard")
    # Project 0 overrides the runbook: a base without it would leave that override dangling.
    without_runbook = BASE.replace(
        "      - key: runbook\n        type: file\n        paths: [docs/runbook.md]\n"
        "        level: silver\n",
        "",
    )

    preview = base_preview(base=base, text=without_runbook)

    assert preview.blocked
    broken = {row.project.slug for row in preview.rows if row.problems}
    assert broken == {f"svc-{i}" for i in range(0, PROJECTS, 4)}
    row = next(row for row in preview.rows if row.project.slug == "svc-0")
    assert "has no check 'runbook'" in row.problems[0]
    fine = next(row for row in preview.rows if row.project.slug == "svc-1")
    assert fine.removed == ["runbook"]
    with pytest.raises(ChecklistError) as caught:
        base_checklist_save(team=org, slug="standard", source=without_runbook, actor=admin)
    assert str(caught.value).startswith("svc-0: ")
    assert base.versions.count() == 1
    assert all(p.current_checklist().number == 1 for p in projects)


def test_the_params_of_each_project_reach_its_checks(organisation):
    _admin, _org, projects = organisation
    checks = projects[7].current_checklist().checks
    assert checks.get(key="service-name").options["pattern"] == 'name = "svc\\-7"'
    assert checks.get(key="runbook").level == "silver"


def _expected_level(index: int) -> str:
    """The level project `index` of the organisation achieves (see organisation.repo_of):
    bronze needs the README, silver also the runbook, gold also the right service name."""
    level = ""
    for name, holds in (
        ("bronze", index % 2 == 0),
        ("silver", index % 3 == 0),
        ("gold", index % 5 != 0),
    ):
        if not holds:
            break
        level = name
    return level


def test_every_project_achieves_the_level_its_checks_allow_before_and_after_a_change(
    organisation,
):
    admin, org, projects = organisation
    for index, project in enumerate(projects):
        assert assess(project).level == _expected_level(index), project.slug
    # Raising the README to gold: bronze and silver no longer need it.
    raised = BASE.replace("paths: [README.md]", "paths: [README.md]\n        level: gold")
    base_checklist_save(team=org, slug="standard", source=raised, actor=admin)
    for index, project in enumerate(projects):
        expected = ""
        if index % 3 == 0:
            expected = "silver" if not (index % 2 == 0 and index % 5 != 0) else "gold"
        else:
            expected = "bronze"
        assert assess(project).level == expected, project.slug
