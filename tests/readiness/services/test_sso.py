"""readiness.services.sso directly: the account a provider's claims find or make, and the
memberships the team map gives, without the HTTP round trips of
tests/readiness/views/test_sso.py."""

from __future__ import annotations

import pytest

from readiness.models import AuditEntry, Membership, Role, SsoIdentity
from readiness.services.sso import (
    SsoRefused,
    email_verified,
    sso_memberships_sync,
    sso_user_resolve,
)
from readiness.sso.team_map import team_map_parse
from tests import factories

ISSUER = "https://login.example.com"

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("value", "verified"),
    [(True, True), ("true", True), (False, False), ("1", False), (None, False)],
)
def test_email_verified_accepts_the_boolean_and_its_string(value, verified):
    assert email_verified({"email_verified": value}) is verified


def test_a_username_is_cleaned_and_never_an_existing_one():
    factories.UserFactory(username="sso-x")

    first = sso_user_resolve(
        issuer=ISSUER, claims={"sub": "abc", "preferred_username": " Jean Pierre! "}
    )
    second = sso_user_resolve(
        issuer=ISSUER, claims={"sub": "def", "preferred_username": "Jean-Pierre"}
    )
    third = sso_user_resolve(issuer=ISSUER, claims={"sub": "x", "preferred_username": "!!"})

    assert (first.username, second.username, third.username) == (
        "Jean-Pierre",
        "sso-def",
        "sso-x-2",
    )
    assert sso_user_resolve(issuer=ISSUER, claims={"sub": "abc"}) == first


def test_the_same_sub_at_another_issuer_is_another_account():
    first = sso_user_resolve(issuer=ISSUER, claims={"sub": "42"})
    second = sso_user_resolve(issuer="https://other.example.org", claims={"sub": "42"})

    assert first != second
    assert SsoIdentity.objects.count() == 2


def test_claims_without_a_sub_are_refused():
    with pytest.raises(SsoRefused, match="no sub claim"):
        sso_user_resolve(issuer=ISSUER, claims={"email": "a@example.com", "email_verified": True})


def test_an_unverified_address_is_not_stored_on_a_new_account():
    user = sso_user_resolve(issuer=ISSUER, claims={"sub": "7", "email": "ceo@example.com"})

    assert user.email == ""


def test_sync_touches_only_the_teams_the_map_names_and_skips_missing_ones(caplog):
    platform = factories.TeamFactory(slug="platform")
    other = factories.TeamFactory(slug="other")
    user = factories.UserFactory()
    factories.MembershipFactory(team=other, user=user, role=Role.EDITOR)
    rules = team_map_parse("groups:devs=platform:editor,groups:devs=ghost:admin")

    changes = sso_memberships_sync(
        user=user, claims={"groups": ["devs"]}, rules=rules, provider="Example ID"
    )

    assert changes == [f"{user.username} added to platform as editor"]
    assert {m.team.slug: m.role for m in Membership.objects.filter(user=user)} == {
        "platform": "editor",
        "other": "editor",
    }
    assert "names team 'ghost', which does not exist" in caplog.text
    entry = AuditEntry.objects.get()
    assert (entry.team, entry.action, entry.actor) == (platform, "membership.add", None)
    assert entry.summary == "single sign-on (Example ID): groups:devs"


def test_sync_with_no_rules_changes_nothing():
    user = factories.UserFactory()
    membership = factories.MembershipFactory(user=user, role=Role.ADMIN)

    assert sso_memberships_sync(user=user, claims={}, rules=(), provider="x") == []
    assert Membership.objects.get() == membership
