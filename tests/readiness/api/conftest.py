"""The API's tests: the views' world (a team's project with four checks, another team's
project, members in every role), its history, and clients holding a team's bearer token."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.test import Client

from readiness.services.api_tokens import api_token_create
from tests.readiness.dashboard_builders import add_history, add_results
from tests.readiness.views import conftest as views

World = views.World
# The views' fixtures, shared here: `world` and `login` (a member's signed-in client).
world = views.world
login = views.login


def bearer(team, scope: str = "read") -> Client:
    """A client sending a new token of `team` with `scope` as its bearer."""
    _token, secret = api_token_create(team=team, scope=scope, name=f"{scope} test", by=None)
    return Client(headers={"Authorization": f"Bearer {secret}"})


@pytest.fixture
def api(world: World) -> Callable[..., Client]:
    """A client with a token of the world's team (`scope`), or of `team`."""

    def make(scope: str = "read", team=None) -> Client:
        return bearer(team or world.team, scope)

    return make


@pytest.fixture
def history(world: World) -> list:
    """Three daily finished assessments, oldest first, the last with a result per check:
    fail, pass, warn, error."""
    points = add_history(world.project, world.checklist, 3, categories=world.categories)
    c = world.checks
    add_results(
        points[-1],
        {c["webhook"]: "fail", c["cors"]: "pass", c["logger"]: "warn", c["quotas"]: "error"},
    )
    return points
