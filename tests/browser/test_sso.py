"""Single sign-on end to end in Chromium: from a team's page to the login page, "Sign in
with Loopback ID", the loopback provider (tests/oidc_provider.py) and back, landing in the
team the provider's groups map to, under the Content-Security-Policy without a violation.
Screenshots of the login page in English and French at 1366x900."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from readiness.models import Membership, Role
from tests import factories
from tests.browser.test_csp import watched

pytestmark = pytest.mark.browser

WIDTH, HEIGHT = 1366, 900


@pytest.fixture
def platform(transactional_db):
    team = factories.TeamFactory(slug="platform", name="Platform")
    factories.MembershipFactory(team=team, role=Role.ADMIN, user__username="dominique")
    factories.ProjectFactory(team=team, slug="payments", name="Payments")
    return team


def test_sso_login_lands_in_the_mapped_team(live_server, sso, platform, new_page, screenshot):
    sso.user = {
        "sub": "alice-0001",
        "email": "alice@example.com",
        "email_verified": True,
        "preferred_username": "alice",
        "given_name": "Alice",
        "family_name": "Martin",
        "groups": ["devs"],
    }
    page = new_page(width=WIDTH, height=HEIGHT)
    messages = watched(page)
    team_url = live_server.url + reverse("readiness:team", args=[platform.slug])

    page.goto(team_url)
    expect(page).to_have_url(re.compile(r"/accounts/login/\?next=/teams/platform/$"))
    button = page.get_by_role("link", name="Sign in with Loopback ID")
    expect(button).to_be_visible()
    expect(page.get_by_test_id("login-form")).to_be_visible()
    assert page.evaluate("window.cspViolations") == []
    screenshot("sso-login-en", of=page)

    button.click()

    expect(page).to_have_url(team_url)
    expect(page.get_by_role("heading", name="Platform")).to_be_visible()
    alice = page.locator('[data-testid="member"][data-user="alice"]')
    expect(alice).to_contain_text("Editor")
    expect(alice).to_contain_text("(you)")
    assert Membership.objects.get(user__username="alice", team=platform).role == Role.EDITOR
    assert page.evaluate("window.cspViolations") == []
    assert messages == []
    assert sso.requests.count("GET /authorize") == 1
    screenshot("sso-landed-en", of=page)


def test_the_login_page_in_french_and_a_refusal_explained(
    live_server, sso, platform, new_page, screenshot
):
    factories.UserFactory(username="camille", email="camille@example.com")
    sso.user = {"sub": "intruder", "email": "camille@example.com", "email_verified": False}
    page = new_page(width=WIDTH, height=HEIGHT, locale="fr-FR")

    page.goto(live_server.url + reverse("login"))
    button = page.get_by_role("link", name="Se connecter avec Loopback ID")
    expect(button).to_be_visible()
    expect(page.get_by_text("ou avec un compte local")).to_be_visible()
    screenshot("sso-login-fr", of=page)

    button.click()

    expect(page).to_have_url(re.compile(r"/accounts/login/$"))
    expect(page.get_by_role("status")).to_contain_text(
        "le fournisseur ne dit pas que l’adresse est vérifiée"
    )
    screenshot("sso-refused-fr", of=page)
