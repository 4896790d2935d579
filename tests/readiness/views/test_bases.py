"""The base checklist pages: the team's list, a new base, a change previewed on every
extending project (nothing saved) and then saved for each; access by role."""

from __future__ import annotations

import pytest
from django.urls import reverse

from readiness.models import BaseChecklist, Role
from readiness.services.bases import base_checklist_save
from readiness.services.projects import project_upsert

BASE = """\
version: 1
name: Service base
categories:
  - key: docs
    checks:
      - key: readme
        type: file
        paths: [README.md]
      - key: named
        type: grep
        paths: [service.toml]
        pattern: 'name = "${service}"'
"""


@pytest.fixture
def shared(world, tmp_path):
    """The world's team keeps a base; two projects of the team extend it."""
    base_checklist_save(team=world.team, slug="service", source=BASE, actor=None)
    for name in ("alpha", "beta"):
        repo = tmp_path / name
        repo.mkdir()
        (repo / "README.md").write_text("hi\n")
        (repo / ".readiness.yml").write_text(
            f"version: 1\nextends: payments/service\nparams: {{service: {name}}}\n"
        )
        project_upsert(
            slug=name,
            source=str(repo),
            checklist_path=repo / ".readiness.yml",
            team_name=world.team.name,
        )
    return BaseChecklist.objects.get(slug="service")


def test_it_lists_the_teams_bases_with_their_projects(login, shared):
    page = login(Role.VIEWER).get(reverse("readiness:bases", args=["payments"]))
    assert page.status_code == 200
    assert b"payments/service" in page.content
    assert b'data-testid="base-new"' not in page.content


def test_an_admin_previews_a_change_on_every_project_and_nothing_is_saved(login, shared):
    changed = BASE.replace("paths: [README.md]", "paths: [README.md]\n        weight: 2")
    page = login(Role.ADMIN).post(
        reverse("readiness:base", args=["payments", "service"]),
        {"text": changed, "action": "preview"},
    )
    assert page.status_code == 200
    assert page.content.count(b'data-testid="preview-row"') == 2
    assert b'data-testid="base-save"' in page.content
    assert shared.versions.count() == 1


def test_saving_gives_every_extending_project_a_new_version(login, shared):
    changed = BASE.replace("paths: [README.md]", "paths: [README.md]\n        weight: 2")
    page = login(Role.ADMIN).post(
        reverse("readiness:base", args=["payments", "service"]),
        {"text": changed, "action": "save"},
    )
    assert page.status_code == 302
    assert shared.versions.count() == 2
    for project in shared.versions.first().base.team.projects.filter(slug__in=["alpha", "beta"]):
        version = project.current_checklist()
        assert version.number == 2
        assert version.checks.get(key="readme").weight == 2


def test_an_invalid_base_is_shown_with_its_lines_and_saves_nothing(login, shared):
    page = login(Role.ADMIN).post(
        reverse("readiness:base", args=["payments", "service"]),
        {"text": BASE.replace("type: grep", "type: grepp"), "action": "save"},
    )
    assert page.status_code == 400
    assert b"line 10" in page.content
    assert shared.versions.count() == 1


def test_editors_cannot_change_a_base_and_other_teams_cannot_see_it(login, shared, client):
    url = reverse("readiness:base", args=["payments", "service"])
    assert login(Role.EDITOR).post(url, {"text": BASE, "action": "save"}).status_code == 403
    assert client.get(url).status_code == 302  # to the login page
    assert login(Role.VIEWER).get(reverse("readiness:base", args=["other", "x"])).status_code == 404


def test_an_admin_creates_a_base(login, world):
    page = login(Role.ADMIN).post(
        reverse("readiness:bases", args=["payments"]),
        {"name": "Web", "slug": "web", "text": BASE, "action": "save"},
    )
    assert page.status_code == 302
    assert BaseChecklist.objects.get(slug="web").current_version().number == 1
