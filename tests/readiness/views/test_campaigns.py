"""The campaign pages: a new campaign (admins), its page with the burn-up and the projects
behind, joining its base, and the standup's reminder."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.urls import reverse
from django.utils import timezone

from readiness.models import AuditEntry, Campaign, Role
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


def _fields(found, **changes):
    data = {
        "name": found.name,
        "description": found.description,
        "start": found.start.isoformat(),
        "target": found.target.isoformat(),
        "base": found.base_id,
        "checks_text": found.checks_text,
    }
    return data | changes


def test_an_admin_changes_a_campaign_and_its_projects_follow(campaign):
    found, client = campaign
    edit = reverse("readiness:campaign-edit", args=["payments", found.slug])
    page = client.get(edit)
    assert page.status_code == 200
    assert page.context["form"].initial["checks_text"] == CHECKS
    later = (found.target + dt.timedelta(days=10)).isoformat()
    more = CHECKS + "      - key: security\n        type: file\n        paths: [SECURITY.md]\n"

    answer = client.post(edit, _fields(found, target=later, checks_text=more))

    assert answer.status_code == 302
    found.refresh_from_db()
    assert found.target.isoformat() == later
    alpha = found.team.projects.get(slug="alpha").current_checklist()
    assert alpha.checks.filter(key="security").exists()
    assert AuditEntry.objects.filter(action="campaign.update", target_id=str(found.pk)).exists()


def test_a_bad_change_is_shown_at_its_field_and_saves_nothing(campaign):
    found, client = campaign
    edit = reverse("readiness:campaign-edit", args=["payments", found.slug])
    before = (found.target, found.checks_text)
    early = (found.start - dt.timedelta(days=1)).isoformat()

    answer = client.post(edit, _fields(found, target=early))

    assert answer.status_code == 400
    assert answer.context["form"].errors["target"] == ["The target date comes before the start."]
    assert b'class="field-error"' in answer.content
    answer = client.post(
        edit, _fields(found, checks_text="version: 1\noverrides:\n  nope: {weight: 2}\n")
    )
    assert answer.status_code == 400
    assert b'data-testid="checklist-problems"' in answer.content
    found.refresh_from_db()
    assert (found.target, found.checks_text) == before
    assert not AuditEntry.objects.filter(action="campaign.update").exists()


def test_deleting_asks_for_confirmation_then_takes_its_checks_away(campaign):
    found, client = campaign
    delete = reverse("readiness:campaign-delete", args=["payments", found.slug])

    confirm = client.get(delete)

    assert confirm.status_code == 200
    assert b'data-testid="campaign-delete-confirm"' in confirm.content
    assert Campaign.objects.filter(pk=found.pk).exists()
    answer = client.post(delete)
    assert answer.status_code == 302
    assert not Campaign.objects.filter(pk=found.pk).exists()
    alpha = found.team.projects.get(slug="alpha").current_checklist()
    assert not alpha.checks.filter(key="changelog").exists()
    assert AuditEntry.objects.get(action="campaign.delete").target_label == "Changelogs"


def test_a_campaign_starting_later_changes_no_checklist_yet(login, shared):  # noqa: F811
    client = login(Role.ADMIN)
    start = timezone.localdate() + dt.timedelta(days=7)
    answer = client.post(
        reverse("readiness:campaigns", args=["payments"]),
        {
            "name": "Next week",
            "start": start.isoformat(),
            "target": (start + dt.timedelta(days=7)).isoformat(),
            "base": shared.pk,
            "checks_text": CHECKS,
        },
        follow=True,
    )
    assert b"join its projects&#x27; checklists on" in answer.content
    assert b'data-testid="campaign-not-started"' in answer.content
    alpha = shared.team.projects.get(slug="alpha").current_checklist()
    assert not alpha.checks.filter(key="changelog").exists()


def test_editors_cannot_change_or_delete(login, campaign):
    found, _client = campaign
    editor = login(Role.EDITOR)
    for name in ("campaign-edit", "campaign-delete"):
        url = reverse(f"readiness:{name}", args=["payments", found.slug])
        assert editor.get(url).status_code == 403
        assert editor.post(url, _fields(found)).status_code == 403
    assert Campaign.objects.filter(pk=found.pk).exists()
