"""The waivers card of a base checklist's page: an editor of its team asks for a waiver of
one check of every project extending it, another admin decides; the projects' pages show it
and send the decision to the base's page."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from readiness.models import AuditEntry, Role, Waiver, WaiverStatus
from tests import factories
from tests.readiness.views.test_bases import shared  # noqa: F401 (a fixture)

pytestmark = pytest.mark.django_db


def ask(client, check="readme", reason="docs move to the portal"):
    until = (timezone.localdate() + dt.timedelta(days=14)).isoformat()
    return client.post(
        reverse("readiness:base-waiver-create", args=["payments", "service"]),
        {"check_key": check, "until": until, "reason": reason},
        HTTP_HX_REQUEST="true",
    )


def test_an_editor_asks_another_admin_approves_and_every_project_shows_it(login, shared):  # noqa: F811
    editor = login(Role.EDITOR)
    page = editor.get(reverse("readiness:base", args=["payments", "service"]))
    assert b'data-testid="waiver-form"' in page.content
    assert [key for key, _label in page.context["waiver_form"].fields["check_key"].choices] == [
        "",
        "readme",
        "named",
    ]

    answer = ask(editor)

    assert answer.status_code == 200
    waiver = Waiver.objects.get()
    assert (waiver.base, waiver.project, waiver.status) == (shared, None, WaiverStatus.REQUESTED)
    assert b'data-testid="waiver-message"' in answer.content
    assert b'data-testid="waiver-decide-form"' not in answer.content  # not the requester's
    decide = reverse("readiness:base-waiver-decide", args=["payments", "service", waiver.pk])
    assert editor.post(decide, {"decision": "approve"}).status_code == 403

    admin = factories.UserFactory(username="ada")
    factories.MembershipFactory(team=shared.team, user=admin, role=Role.ADMIN)
    client = Client()
    client.force_login(admin)
    card = client.get(reverse("readiness:base", args=["payments", "service"]))
    assert b'data-testid="waiver-decide-form"' in card.content
    answer = client.post(decide, {"decision": "approve", "note": "ok"}, HTTP_HX_REQUEST="true")
    assert answer.status_code == 200
    waiver.refresh_from_db()
    assert (waiver.status, waiver.decided_by) == (WaiverStatus.APPROVED, admin)
    assert AuditEntry.objects.filter(action="waiver.approve", target_id=str(waiver.pk)).exists()

    project = client.get(reverse("readiness:project", args=["alpha"]))
    assert b'data-base="payments/service"' in project.content
    assert b'data-testid="waiver-base"' in project.content


def test_a_bad_request_is_shown_on_the_form_and_nothing_is_saved(login, shared):  # noqa: F811
    editor = login(Role.EDITOR)
    answer = ask(editor, reason=" ")
    assert answer.status_code == 200
    assert b"Give a reason" in answer.content
    answer = ask(editor, check="not-a-check")
    assert b"form-error" in answer.content
    assert not Waiver.objects.exists()


def test_viewers_may_not_ask_nor_decide(login, shared):  # noqa: F811
    viewer = login(Role.VIEWER)
    assert ask(viewer).status_code == 403
    page = viewer.get(reverse("readiness:base", args=["payments", "service"]))
    assert b'data-testid="waiver-form"' not in page.content
    assert not Waiver.objects.exists()


def test_another_teams_base_is_not_found(login, shared, client):  # noqa: F811
    stranger = factories.UserFactory(username="stranger")
    client.force_login(stranger)
    assert ask(client).status_code == 404
