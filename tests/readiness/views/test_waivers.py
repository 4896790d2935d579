"""The project page's waivers card: editors ask, an approver other than the requester
decides, viewers only read; and the levels card with its target (admins)."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from readiness.models import AuditEntry, Role, Waiver, WaiverStatus
from tests import factories

pytestmark = pytest.mark.django_db


def url(name, *args):
    return reverse(f"readiness:{name}", args=args)


def ask(client, check="cors-whitelist", days=14, reason="migrating the gateway"):
    until = (timezone.localdate() + dt.timedelta(days=days)).isoformat()
    return client.post(
        url("waiver-create", "payments-api"),
        {"check_key": check, "until": until, "reason": reason},
        HTTP_HX_REQUEST="true",
    )


def test_an_editor_asks_and_the_card_shows_it(world, login):
    editor = login(Role.EDITOR)

    response = ask(editor)

    assert response.status_code == 200
    waiver = Waiver.objects.get()
    assert (waiver.check_key, waiver.requested_by, waiver.status) == (
        "cors-whitelist",
        editor.user,
        WaiverStatus.REQUESTED,
    )
    html = response.content.decode()
    assert 'id="waivers"' in html and "migrating the gateway" in html
    assert 'data-testid="waiver-decide-form"' not in html  # not for its requester


def test_a_bad_request_is_shown_on_the_form_and_nothing_is_saved(world, login):
    response = ask(login(Role.EDITOR), days=400)

    assert response.status_code == 200
    assert "at most 180 days" in response.content.decode()
    assert not Waiver.objects.exists()


def test_a_viewer_may_not_ask(world, login):
    assert ask(login(Role.VIEWER)).status_code == 403
    assert not Waiver.objects.exists()


def test_another_admin_approves_and_the_requester_cannot(world, login):
    admin = login(Role.ADMIN)
    ask(admin)
    waiver = Waiver.objects.get()
    other = factories.UserFactory(username="other-admin")
    factories.MembershipFactory(team=world.team, user=other, role=Role.ADMIN)
    second = type(admin)()
    second.force_login(other)

    own = admin.post(url("waiver-decide", "payments-api", waiver.pk), {"decision": "approve"})
    assert "their own" in own.content.decode()
    page = second.get(url("project", "payments-api")).content.decode()
    assert 'data-testid="waiver-decide-form"' in page
    approved = second.post(
        url("waiver-decide", "payments-api", waiver.pk), {"decision": "approve", "note": "ok"}
    )

    assert approved.status_code == 200
    waiver.refresh_from_db()
    assert (waiver.status, waiver.decided_by, waiver.decision_note) == ("approved", other, "ok")
    assert AuditEntry.objects.filter(action="waiver.approve", actor=other).exists()


def test_a_viewer_may_not_decide(world, login):
    ask(login(Role.EDITOR))
    waiver = Waiver.objects.get()

    response = login(Role.VIEWER).post(
        url("waiver-decide", "payments-api", waiver.pk), {"decision": "approve"}
    )

    assert response.status_code == 403
    assert Waiver.objects.get().status == WaiverStatus.REQUESTED


def test_a_denial_without_a_note_is_refused(world, login):
    ask(login(Role.EDITOR))
    waiver = Waiver.objects.get()

    response = login(Role.ADMIN).post(
        url("waiver-decide", "payments-api", waiver.pk), {"decision": "deny", "note": ""}
    )

    assert "Write a note" in response.content.decode()
    assert Waiver.objects.get().status == WaiverStatus.REQUESTED


def test_another_teams_waiver_is_not_found(world, login):
    other = factories.WaiverFactory(project=world.other_project)

    response = login(Role.ADMIN).post(
        url("waiver-decide", "payments-api", other.pk), {"decision": "approve"}
    )

    assert response.status_code == 404


def test_the_project_page_shows_the_level_and_what_blocks_the_next(world, login, latest):
    world.checklist.levels = ["bronze", "silver"]
    world.checklist.save()
    world.checks["webhook"].level = "silver"
    world.checks["webhook"].save()
    world.checks["quotas"].level = "silver"
    world.checks["quotas"].save()
    latest.level = "bronze"
    latest.save()

    html = login().get(url("project", "payments-api")).content.decode()

    assert 'data-level="bronze"' in html
    assert 'data-testid="level-blockers"' in html
    blockers = html.split('data-testid="level-blockers"')[1].split("</ul>")[0]
    assert 'data-check="stripe-webhook-signature"' in blockers
    assert 'data-check="cpu-quotas-reviewed"' in blockers
    assert 'data-check="cors-whitelist"' not in blockers


def test_an_admin_sets_the_target_level(world, login):
    world.checklist.levels = ["bronze", "silver"]
    world.checklist.save()

    admin = login(Role.ADMIN)
    response = admin.post(url("project-target-level", "payments-api"), {"level": "silver"})
    wrong = admin.post(url("project-target-level", "payments-api"), {"level": "gold"})
    viewer = login(Role.VIEWER).post(url("project-target-level", "payments-api"), {"level": ""})

    assert response.status_code == 200
    assert "not a level" in wrong.content.decode()
    assert viewer.status_code == 403
    world.project.refresh_from_db()
    assert world.project.target_level == "silver"
