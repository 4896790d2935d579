"""A team with a project and its checklist, users in every role, and another team whose
project nobody here may see."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import pytest
from django.test import Client

from readiness.models import Role
from tests import factories
from tests.readiness.dashboard_builders import add_history, add_results


@dataclass
class World:
    team: object
    project: object
    checklist: object
    categories: dict
    checks: dict
    other_project: object
    other_assessment: object


@pytest.fixture
def world(db) -> World:
    team = factories.TeamFactory(name="Payments", slug="payments")
    project = factories.ProjectFactory(team=team, slug="payments-api", name="Payments API")
    checklist = factories.ChecklistVersionFactory(project=project, number=1, name="Payments")
    security = factories.CategoryFactory(
        checklist=checklist, key="security", name="Security", weight=2, position=0
    )
    monitoring = factories.CategoryFactory(
        checklist=checklist, key="monitoring", name="Monitoring", weight=1, position=1
    )
    checks = {
        "webhook": factories.CheckFactory(
            checklist=checklist,
            category=security,
            key="stripe-webhook-signature",
            name="Stripe webhook signature is verified",
            type="grep",
            severity="critical",
            options={"paths": ["src/**/*.py"], "pattern": "verify_signature"},
            position=0,
        ),
        "cors": factories.CheckFactory(
            checklist=checklist,
            category=security,
            key="cors-whitelist",
            name="CORS uses a whitelist",
            type="grep",
            options={"paths": ["src/**/*.py"], "pattern": "ALLOWED_ORIGINS"},
            position=1,
        ),
        "logger": factories.CheckFactory(
            checklist=checklist,
            category=monitoring,
            key="production-logger",
            name="Production logger",
            type="file",
            options={"paths": ["src/logging.py"], "expect": "present"},
            position=2,
        ),
        "quotas": factories.CheckFactory(
            checklist=checklist,
            category=monitoring,
            key="cpu-quotas-reviewed",
            name="CPU quotas reviewed",
            type="manual",
            options={"valid_days": 30, "evidence_required": True},
            position=3,
        ),
    }
    other_team = factories.TeamFactory(name="Other", slug="other")
    other_project = factories.ProjectFactory(team=other_team, slug="secret", name="Secret")
    other_checklist = factories.ChecklistVersionFactory(project=other_project, number=1)
    other_assessment = factories.AssessmentFactory(
        project=other_project, checklist=other_checklist, score=9.1
    )
    return World(
        team=team,
        project=project,
        checklist=checklist,
        categories={"security": security, "monitoring": monitoring},
        checks=checks,
        other_project=other_project,
        other_assessment=other_assessment,
    )


@pytest.fixture
def login(world) -> Callable[[str], Client]:
    """A logged-in client for a new member of the world's team with `role`."""

    def make(role: str = Role.VIEWER, **client_options) -> Client:
        user = factories.UserFactory(username=f"{role}-user")
        factories.MembershipFactory(team=world.team, user=user, role=role)
        client = Client(**client_options)
        client.force_login(user)
        client.user = user
        return client

    return make


@pytest.fixture
def latest(world):
    """Two finished assessments; the latest has a result for every check."""
    _, latest = add_history(world.project, world.checklist, 2, categories=world.categories)
    latest.score, latest.coverage = 9.8, 0.92
    latest.verdict_reasons = [
        {"code": "critical", "check": "stripe-webhook-signature", "status": "fail"}
    ]
    latest.save()
    c = world.checks
    add_results(
        latest, {c["webhook"]: "fail", c["cors"]: "pass", c["logger"]: "pass", c["quotas"]: "error"}
    )
    return latest
