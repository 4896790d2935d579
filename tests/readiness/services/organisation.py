"""An organisation for the tests of shared checklists and campaigns: a base checklist with
levels, kept by team "org", and 30 projects in 3 teams extending it, each with its own params
(and an override every fourth project)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from readiness.models import Assessment, Trigger
from readiness.services.assessments import assessment_create
from readiness.services.bases import base_checklist_save
from readiness.services.projects import project_upsert
from readiness.services.runs import assessment_run_inline
from tests.factories import TeamFactory, UserFactory

BASE = """\
version: 1
name: Org standard
levels: [bronze, silver, gold]
categories:
  - key: docs
    checks:
      - key: readme
        type: file
        paths: [README.md]
      - key: runbook
        type: file
        paths: [docs/runbook.md]
        level: silver
  - key: config
    weight: 2
    checks:
      - key: service-name
        type: grep
        paths: [service.toml]
        pattern: 'name = "${service}"'
        level: gold
"""

# The change: the README counts three times as much, the runbook becomes critical.
BASE_V2 = BASE.replace("paths: [README.md]", "paths: [README.md]\n        weight: 3").replace(
    "paths: [docs/runbook.md]", "paths: [docs/runbook.md]\n        severity: critical"
)

PROJECTS = 30


def repo_of(root: Path, index: int) -> Path:
    """Project `index`'s folder: a README every other project, a runbook every third, the
    right service name in service.toml unless the index is a multiple of 5."""
    repo = root / f"svc-{index}"
    (repo / "docs").mkdir(parents=True)
    if index % 2 == 0:
        (repo / "README.md").write_text("hello\n")
    if index % 3 == 0:
        (repo / "docs" / "runbook.md").write_text("steps\n")
    name = "svc-other" if index % 5 == 0 else f"svc-{index}"
    (repo / "service.toml").write_text(f'name = "{name}"\n')
    overrides = "overrides:\n  runbook: {weight: 2}\n" if index % 4 == 0 else ""
    (repo / ".readiness.yml").write_text(
        f"version: 1\nname: Service {index}\nextends: org/standard\n"
        f"params: {{service: svc-{index}}}\n{overrides}"
    )
    return repo


def assess(project, at: dt.datetime | None = None) -> Assessment:
    """Run the project's current checklist on its folder, dated `at` (default now)."""
    assessment = assessment_create(project=project, trigger=Trigger.CLI, evaluated_at=at)
    return assessment_run_inline(assessment=assessment)


@pytest.fixture
def organisation(tmp_path):
    admin = UserFactory(username="lead")
    org = TeamFactory(name="Org", slug="org")
    base_checklist_save(team=org, slug="standard", source=BASE, actor=admin, name="Standard")
    projects = []
    for index in range(PROJECTS):
        repo = repo_of(tmp_path, index)
        project, version, _created = project_upsert(
            slug=f"svc-{index}",
            source=str(repo),
            checklist_path=repo / ".readiness.yml",
            team_name=f"Team {index % 3}",
        )
        assert version.extends == "org/standard"
        projects.append(project)
    return admin, org, projects
