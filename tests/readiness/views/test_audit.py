"""The team's audit page: every member reads it, newest first, filtered by action,
person and dates; other teams' entries are never shown."""

import datetime as dt

import pytest
from django.urls import reverse

from readiness.models import Role
from tests import factories

pytestmark = pytest.mark.django_db

URL = reverse("readiness:team-audit", args=["payments"])


def entry(team, action, actor=None, at=None, **fields):
    return factories.AuditEntryFactory(
        team=team,
        action=action,
        actor=actor,
        actor_name=actor.get_username() if actor else "",
        at=at or dt.datetime(2027, 1, 10, 9, 0, tzinfo=dt.UTC),
        **fields,
    )


def actions(response):
    html = response.content.decode()
    return [part.split('"')[0] for part in html.split('data-action="')[1:]]


def test_a_member_sees_the_teams_entries_newest_first(world, login):
    client = login(Role.VIEWER)
    entry(world.team, "waiver.request", at=dt.datetime(2027, 1, 1, tzinfo=dt.UTC))
    entry(world.team, "waiver.approve", at=dt.datetime(2027, 1, 2, tzinfo=dt.UTC))
    entry(world.other_project.team, "membership.role")

    response = client.get(URL)

    assert response.status_code == 200
    assert actions(response) == ["waiver.approve", "waiver.request"]
    assert "Waiver approved" in response.content.decode()


def test_it_filters_by_action_person_and_dates(world, login):
    client = login(Role.VIEWER)
    ada = factories.UserFactory(username="ada")
    entry(world.team, "waiver.request", actor=ada, at=dt.datetime(2027, 1, 1, tzinfo=dt.UTC))
    entry(world.team, "waiver.expire", at=dt.datetime(2027, 1, 5, tzinfo=dt.UTC))
    entry(world.team, "membership.role", actor=ada, at=dt.datetime(2027, 1, 9, tzinfo=dt.UTC))

    assert actions(client.get(URL, {"action": "waiver.request"})) == ["waiver.request"]
    assert actions(client.get(URL, {"person": "ada"})) == ["membership.role", "waiver.request"]
    assert actions(client.get(URL, {"person": "system"})) == ["waiver.expire"]
    assert actions(client.get(URL, {"date_from": "2027-01-02", "date_to": "2027-01-05"})) == [
        "waiver.expire"
    ]
    partial = client.get(URL, {"action": "waiver.expire"}, HTTP_HX_REQUEST="true")
    assert partial.content.decode().lstrip().startswith('<section id="audit-entries"')


def test_a_bad_date_is_said_and_ignored(world, login):
    entry(world.team, "waiver.request")

    response = login(Role.VIEWER).get(URL, {"date_from": "yesterday"})

    assert response.status_code == 200
    assert "not understood" in response.content.decode()
    assert actions(response) == ["waiver.request"]


def test_it_is_in_french_for_a_french_browser(world, login):
    entry(world.team, "waiver.approve")

    response = login(Role.VIEWER).get(URL, HTTP_ACCEPT_LANGUAGE="fr")

    html = response.content.decode()
    assert "Journal d’audit" in html
    assert "Dérogation approuvée" in html


def test_another_team_gets_a_404(world, login):
    client = login(Role.ADMIN)

    response = client.get(reverse("readiness:team-audit", args=["other"]))

    assert response.status_code == 404


def test_it_shows_only_what_changed(world, login):
    entry(
        world.team,
        "waiver.approve",
        before={"check": "tls", "status": "requested", "note": ""},
        after={"check": "tls", "status": "approved", "note": "ok"},
    )

    html = login(Role.VIEWER).get(URL).content.decode()

    change = html.split('data-testid="audit-change">')[1].split("</td>")[0]
    assert "status</span>: requested → approved" in change
    assert "note</span>: – → ok" in change
    assert "check" not in change
