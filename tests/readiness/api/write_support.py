"""A team whose project has a real checklist (uploaded through the service) on a small git
repository, tokens of every scope, and another team; imported by the write endpoints' tests.

Kept out of a conftest so that the read endpoints' tests can have their own."""

from __future__ import annotations

import subprocess
from dataclasses import dataclass
from pathlib import Path

import pytest
from django.test import Client

from readiness.models import Project, Role, Team
from readiness.services.api_tokens import api_token_create
from readiness.services.checklists import checklist_upload
from tests import factories
from tests.readiness.repo_builders import write_files

CHECKLIST = """\
version: 1
name: Payments readiness
ready_at: 5.0
categories:
  - key: security
    weight: 2
    checks:
      - key: webhook-signature
        name: Stripe webhook signature is verified
        type: grep
        paths: ["src/**/*.py"]
        pattern: verify_signature
      - key: logger
        name: Production logger
        type: file
        paths: ["src/logging.py"]
        expect: present
  - key: reviews
    weight: 1
    checks:
      - key: quotas-reviewed
        name: CPU quotas reviewed
        type: manual
        valid_days: 30
        evidence_required: true
"""

FILES = {
    "src/app.py": "def handle(event):\n    verify_signature(event)\n",
    "src/logging.py": "LOGGING = {}\n",
}


@dataclass
class ApiWorld:
    team: Team
    project: Project
    other_project: Project
    editor: object
    repo: Path
    secrets: dict[str, str]  # read, run, other-run, anonymous-run

    def client(self, who: str | None = "run", **headers: str) -> Client:
        """A client sending the bearer token `who` (None: no token)."""
        if who is not None:
            headers["Authorization"] = f"Bearer {self.secrets[who]}"
        return Client(headers=headers)


def git(repo: Path, *args: str) -> str:
    done = subprocess.run(
        ["git", "-C", str(repo), *args], check=True, capture_output=True, text=True
    )
    return done.stdout.strip()


def git_repo(root: Path, files: dict[str, str]) -> Path:
    write_files(root, files)
    git(root, "init", "--quiet", "--initial-branch=main")
    git(root, "-c", "user.email=t@example.com", "-c", "user.name=T", "add", "-A")
    git(root, "-c", "user.email=t@example.com", "-c", "user.name=T", "commit", "-qm", "one")
    return root


def commit(repo: Path, files: dict[str, str | None], message: str) -> str:
    write_files(repo, files)
    git(repo, "add", "-A")
    git(repo, "-c", "user.email=t@example.com", "-c", "user.name=T", "commit", "-qm", message)
    return git(repo, "rev-parse", "HEAD")


@pytest.fixture
def api_world(db, tmp_path) -> ApiWorld:
    repo = git_repo(tmp_path / "payments", FILES)
    team = factories.TeamFactory(name="Payments", slug="payments")
    editor = factories.UserFactory(username="erin", first_name="Erin", last_name="Editor")
    factories.MembershipFactory(team=team, user=editor, role=Role.EDITOR)
    project = factories.ProjectFactory(
        team=team, slug="payments-api", name="Payments API", source=str(repo)
    )
    checklist_upload(project=project, source=CHECKLIST, source_name=".readiness.yml")
    other_team = factories.TeamFactory(name="Other", slug="other")
    other_project = factories.ProjectFactory(team=other_team, slug="secret", source=str(repo))
    checklist_upload(project=other_project, source=CHECKLIST, source_name=".readiness.yml")
    secrets = {
        "read": api_token_create(team=team, scope="read", name="dash", by=editor)[1],
        "run": api_token_create(team=team, scope="run", name="ci", by=editor)[1],
        "metrics": api_token_create(team=team, scope="metrics", name="prom", by=editor)[1],
        "anonymous-run": api_token_create(team=team, scope="run", name="bot", by=None)[1],
        "other-run": api_token_create(team=other_team, scope="run", name="ci", by=None)[1],
    }
    return ApiWorld(team, project, other_project, editor, repo, secrets)
