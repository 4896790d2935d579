"""The campaign pages: a new campaign (admins), its page with the burn-up and the projects
behind, joining its base, and the standup's reminder."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.urls import reverse
from django.utils import timezone

from readiness.models import Campaign, Role
from tests.readiness.views.test_bases import shared  # noqa: F401 (a fixture)

CHECKS = """\
version: 1
categories:
  - key: docs
    checks:
      - key: changelog
        type: file
        paths: [CHANGELOG.md]
"""


@pytest.fixture
def campaign(login, shared):  # noqa: F811
    today = timezone.localdate()
    client = login(Role.ADMIN)
    page = client.post(
        reverse("readiness:campaigns", args=["payments"]),
        {
            "name": "Changelogs",
            "start": (today - dt.timedelta(days=3)).isoformat(),
            "target": (today + dt.timedelta(days=5)).isoformat(),
            "base": shared.pk,
            "checks_text": CHECKS,
        },
    )
    assert page.status_code == 302, page.content.decode()
    return Campaign.objects.get(slug="changelogs"), client


def test_a_new_campaign_gives_its_projects_its_checks(campaign):
    found, _client = campaign
    for project in found.team.projects.filter(slug__in=["alpha", "beta"]):
        assert project.current_checklist().checks.filter(key="changelog").exists()
        assert project.current_checklist().campaigns.get() == found


def test_its_page_shows_the_burn_up_and_the_projects_behind(campaign):
    found, client = campaign
    page = client.get(reverse("readiness:campaign", args=["payments", found.slug]))
    assert page.status_code == 200
    chart = page.context["chart"]
    assert json.dumps(chart)  # plain JSON for plotly.js
    assert chart["data"][0]["y"] == [0, 0, 0, 0]
    assert page.content.count(b'data-testid="behind-row"') == 2
    assert b'data-testid="campaign-join"' not in page.content  # before its target date


def test_the_standup_reminds_the_team(campaign):
    _found, client = campaign
    page = client.get(reverse("readiness:standup", args=["payments"]))
    assert b'data-testid="campaign-reminder"' in page.content


def test_viewers_cannot_create_or_join(login, campaign):
    found, _client = campaign
    viewer = login(Role.VIEWER)
    assert viewer.post(reverse("readiness:campaigns", args=["payments"]), {}).status_code == 403
    join = reverse("readiness:campaign-join", args=["payments", found.slug])
    assert viewer.post(join).status_code == 403
