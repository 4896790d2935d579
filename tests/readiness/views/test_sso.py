"""Single sign-on through the loopback provider of tests/oidc_provider.py, with Django's
test client for the browser: the login page's button, the redirect to the provider and
back, the account and memberships it makes, the refusals, and local logins beside it."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from django.conf import settings
from django.contrib.auth import get_user_model
from django.test import Client
from django.urls import reverse

from readiness.models import AuditEntry, Membership, Role, SsoIdentity
from tests import factories

PASSWORD = "correct horse battery staple"  # tests.factories.UserFactory's

pytestmark = pytest.mark.django_db


@pytest.fixture
def teams():
    return {
        "platform": factories.TeamFactory(slug="platform", name="Platform"),
        "data": factories.TeamFactory(slug="data", name="Data"),
        "other": factories.TeamFactory(slug="other", name="Other"),
    }


def alice(**claims):
    return {
        "sub": "alice-0001",
        "email": "alice@example.com",
        "email_verified": True,
        "preferred_username": "alice",
        "given_name": "Alice",
        "family_name": "Martin",
        "groups": ["devs"],
        **claims,
    }


def sso_login(client: Client, provider, next_url: str = ""):
    """Click "Sign in with …", let the provider sign in `provider.user`, follow it back;
    the callback's response."""
    start = reverse("sso-start") + (f"?next={next_url}" if next_url else "")
    response = client.get(start)
    assert response.status_code == 302, response
    authorize = response["Location"]
    assert authorize.startswith(provider.url + "/authorize?")
    back = requests.get(authorize, allow_redirects=False, timeout=10)
    assert back.status_code == 302, back.text
    callback = urlsplit(back.headers["Location"])
    assert callback.path == reverse("sso-callback")
    return client.get(f"{callback.path}?{callback.query}")


def user_of(client: Client):
    user_id = client.session.get("_auth_user_id")
    return get_user_model().objects.get(pk=user_id) if user_id else None


def roles(user) -> dict[str, str]:
    return {m.team.slug: m.role for m in Membership.objects.filter(user=user)}


def test_it_shows_the_sign_in_button_in_english_and_french(sso):
    english = Client().get(reverse("login") + "?next=/teams/platform/")
    french = Client(headers={"accept-language": "fr"}).get(reverse("login"))

    assert "Sign in with Loopback ID" in english.content.decode()
    assert 'href="/accounts/sso/start/?next=/teams/platform/"' in english.content.decode()
    assert "Se connecter avec Loopback ID" in french.content.decode()
    assert "ou avec un compte local" in french.content.decode()


def test_it_shows_no_button_and_no_sso_pages_when_sso_is_off():
    assert settings.READINESS_OIDC_ISSUER == ""

    page = Client().get(reverse("login")).content.decode()

    assert 'data-testid="sso-login"' not in page
    assert Client().get(reverse("sso-start")).status_code == 404
    assert Client().get(reverse("sso-callback") + "?code=x&state=y").status_code == 404


def test_the_first_sign_in_makes_the_account_and_its_mapped_memberships(sso, teams):
    sso.user = alice(groups=["devs", "data"])
    client = Client()

    response = sso_login(client, sso)

    assert response.status_code == 302
    assert response["Location"] == reverse(settings.LOGIN_REDIRECT_URL)
    user = user_of(client)
    assert (user.username, user.email, user.get_full_name()) == (
        "alice",
        "alice@example.com",
        "Alice Martin",
    )
    assert not user.has_usable_password()
    assert SsoIdentity.objects.get(user=user).subject == "alice-0001"
    # devs gives editor, example.com viewer: the highest wins.
    assert roles(user) == {"platform": "editor", "data": "editor"}
    entry = AuditEntry.objects.get(team=teams["platform"], action="membership.add")
    assert entry.actor is None
    assert entry.after == {"user": "alice", "role": "editor"}
    assert "Loopback ID" in entry.summary and "groups:devs" in entry.summary


def test_it_lands_on_the_page_asked_for_before_the_sign_in(sso, teams):
    sso.user = alice()
    client = Client()

    response = sso_login(client, sso, next_url="/teams/platform/")

    assert response["Location"] == "/teams/platform/"
    assert client.get("/teams/platform/").status_code == 200


def test_each_sign_in_brings_the_mapped_memberships_in_line_and_leaves_others_alone(sso, teams):
    sso.user = alice(groups=["platform-admins", "data"])
    client = Client()
    sso_login(client, sso)
    user = user_of(client)
    factories.MembershipFactory(team=teams["other"], user=user, role=Role.ADMIN)
    # Another admin, so that alice is not the last one.
    factories.MembershipFactory(team=teams["platform"], role=Role.ADMIN)
    assert roles(user) == {"platform": "admin", "data": "editor", "other": "admin"}

    sso.user = alice(groups=["devs"])
    sso_login(Client(), sso)

    assert roles(user) == {"platform": "editor", "other": "admin"}
    changes = sorted(
        (e.team.slug, e.action, e.before, e.after)
        for e in AuditEntry.objects.filter(action__in=["membership.role", "membership.remove"])
    )
    assert changes == [
        ("data", "membership.remove", {"user": "alice", "role": "editor"}, None),
        (
            "platform",
            "membership.role",
            {"user": "alice", "role": "admin"},
            {"user": "alice", "role": "editor"},
        ),
    ]


def test_a_group_removed_at_the_provider_removes_the_membership(sso, teams):
    sso.user = alice(groups=["data"], email="alice@elsewhere.org")
    client = Client()
    sso_login(client, sso)
    user = user_of(client)
    assert roles(user) == {"data": "editor"}

    sso.user = alice(groups=[], email="alice@elsewhere.org")
    sso_login(Client(), sso)

    assert roles(user) == {}
    assert AuditEntry.objects.filter(team=teams["data"], action="membership.remove").count() == 1


def test_the_last_admin_of_a_team_stays_admin(sso, teams):
    sso.user = alice(groups=["platform-admins"])
    client = Client()
    sso_login(client, sso)

    sso.user = alice(groups=[], email="alice@elsewhere.org")
    sso_login(Client(), sso)

    assert roles(user_of(client)) == {"platform": "admin"}


def test_an_unverified_address_does_not_take_over_a_local_account(sso, teams):
    local = factories.UserFactory(username="camille", email="camille@example.com")
    sso.user = {
        "sub": "intruder",
        "email": "Camille@example.com",
        "email_verified": False,
        "groups": ["platform-admins"],
    }
    client = Client()

    response = sso_login(client, sso)

    assert response.status_code == 302
    assert response["Location"] == reverse("login")
    assert user_of(client) is None
    assert not SsoIdentity.objects.exists()
    assert roles(local) == {}
    page = client.get(response["Location"]).content.decode()
    assert "does not say the address is verified" in page


def test_a_verified_address_links_the_local_account_once_then_the_sub_finds_it(sso, teams):
    local = factories.UserFactory(username="camille", email="camille@example.com")
    sso.user = {"sub": "c-42", "email": "camille@example.com", "email_verified": True}
    client = Client()

    sso_login(client, sso)

    assert user_of(client) == local
    assert SsoIdentity.objects.get(subject="c-42").user == local
    # Verified at the domain example.com: a viewer of platform.
    assert roles(local) == {"platform": "viewer"}

    sso.user = {"sub": "c-42", "email": "camille@new.example.org", "email_verified": True}
    again = Client()
    sso_login(again, sso)
    local.refresh_from_db()
    assert user_of(again) == local
    assert local.email == "camille@new.example.org"


def test_another_sub_with_the_linked_address_does_not_take_the_account(sso, teams):
    local = factories.UserFactory(username="camille", email="camille@example.com")
    sso.user = {"sub": "c-42", "email": "camille@example.com", "email_verified": True}
    sso_login(Client(), sso)

    sso.user = {"sub": "c-43", "email": "camille@example.com", "email_verified": True}
    client = Client()
    sso_login(client, sso)

    assert user_of(client) is None
    assert list(SsoIdentity.objects.values_list("subject", "user")) == [("c-42", local.pk)]


def test_a_taken_username_gives_the_new_account_another_one(sso, teams):
    factories.UserFactory(username="alice", email="alice@corp.example.net")
    sso.user = alice(email="alice@example.com")
    client = Client()

    sso_login(client, sso)

    assert user_of(client).username == "alice@example.com"


def test_a_disabled_account_is_not_signed_in(sso, teams):
    sso.user = alice()
    client = Client()
    sso_login(client, sso)
    user = user_of(client)
    user.is_active = False
    user.save()

    again = Client()
    response = sso_login(again, sso)

    assert response["Location"] == reverse("login")
    assert user_of(again) is None


def test_a_forged_id_token_is_refused(sso, teams):
    from cryptography.hazmat.primitives.asymmetric import rsa

    sso.user = alice()
    # The provider signs with a key that is not the one its JWKS publishes.
    published = sso.jwks()
    sso.key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    sso.jwks = lambda: published
    client = Client()

    response = sso_login(client, sso)

    assert response["Location"] == reverse("login")
    assert user_of(client) is None
    assert not get_user_model().objects.filter(username="alice").exists()


def test_a_provider_that_is_down_gives_a_message_and_local_logins_still_work(settings, teams):
    settings.READINESS_OIDC_ISSUER = "http://127.0.0.1:9"
    settings.READINESS_OIDC_NAME = "Down ID"
    settings.OIDC_RP_CLIENT_ID = "x"
    settings.OIDC_RP_CLIENT_SECRET = "y"
    settings.AUTHENTICATION_BACKENDS = [
        *settings.AUTHENTICATION_BACKENDS,
        "readiness.sso.backend.SsoBackend",
    ]
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    factories.UserFactory(username="camille")
    client = Client()

    response = client.get(reverse("sso-start"), follow=True)

    assert "Down ID cannot be reached right now" in response.content.decode()
    logged = client.post(reverse("login"), {"username": "camille", "password": PASSWORD})
    assert logged.status_code == 302
    assert user_of(client).username == "camille"


def test_local_logins_and_their_limits_keep_working_with_sso_on(sso, settings, teams):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    factories.UserFactory(username="camille")
    for _ in range(settings.AXES_FAILURE_LIMIT):
        Client().post(reverse("login"), {"username": "camille", "password": "wrong"})

    locked = Client().post(reverse("login"), {"username": "camille", "password": PASSWORD})
    elsewhere = Client()
    allowed = elsewhere.post(
        reverse("login"), {"username": "camille", "password": PASSWORD}, REMOTE_ADDR="10.9.9.9"
    )

    assert locked.status_code == 429
    assert allowed.status_code == 302
    assert user_of(elsewhere).username == "camille"
    # None of it went to the provider.
    assert sso.requests == []


def test_a_sign_in_refused_at_the_provider_says_so(sso, teams):
    client = Client()
    start = client.get(reverse("sso-start"))
    state = parse_qs(urlsplit(start["Location"]).query)["state"][0]

    response = client.get(
        reverse("sso-callback") + f"?error=access_denied&state={state}", follow=True
    )

    assert "Loopback ID did not sign you in (access_denied)" in response.content.decode()
    assert user_of(client) is None


def test_only_the_configured_provider_is_contacted(sso, teams):
    sso.user = alice()

    sso_login(Client(), sso)

    assert sso.requests == [
        "GET /.well-known/openid-configuration",
        "GET /authorize",  # the browser's visit
        "POST /token",
        "GET /jwks",
        "GET /userinfo",
    ]


def test_refused_sign_ins_count_as_failed_logins_of_the_address_without_a_user_name(
    sso, settings, teams
):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    factories.UserFactory(username="camille", email="camille@example.com")
    sso.user = {"sub": "intruder", "email": "camille@example.com", "email_verified": False}
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        assert sso_login(Client(), sso)["Location"] == reverse("login")
    assert sso_login(Client(), sso).status_code == 429

    sso.user = alice()
    locked = Client()
    response = sso_login(locked, sso)

    assert response.status_code == 429
    assert "Too many failed logins" in response.content.decode()
    assert user_of(locked) is None
    # The password form of a user from that address is another pair: still open.
    local = Client().post(reverse("login"), {"username": "camille", "password": PASSWORD})
    assert local.status_code == 302


def test_groups_only_in_the_id_token_count_too(sso, teams):
    sso.user = {name: value for name, value in alice().items() if name != "groups"}
    sso.id_token_extra = {"groups": ["data"]}
    client = Client()

    sso_login(client, sso)

    # data from the id_token; example.com (verified) from userinfo.
    assert roles(user_of(client)) == {"data": "editor", "platform": "viewer"}
