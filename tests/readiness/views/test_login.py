"""Login attempts are limited per username and address (django-axes): failures lock out
that pair only, for the cool-off, with a readable page in the user's language; the
client's address comes from a proxy's header only when one is configured."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from axes.models import AccessAttempt
from django.conf import settings
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from tests import factories
from tests.readiness.repo_builders import run_command

PASSWORD = "correct horse battery staple"  # tests.factories.UserFactory's
HOME = "10.0.0.1"
ELSEWHERE = "10.0.0.2"

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    # Each failed login checks a password: the slow production hasher would make these
    # tests slow without testing anything more.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def user():
    return factories.UserFactory(username="camille")


def log_in(password: str, address: str = HOME, username: str = "camille", **headers: str):
    """One POST of the login form from `address`; the client, to see who it is now."""
    client = Client(headers=headers)
    response = client.post(
        reverse("login"), {"username": username, "password": password}, REMOTE_ADDR=address
    )
    return response, client


def logged_in(client: Client) -> bool:
    return settings.SESSION_COOKIE_NAME in client.cookies and bool(
        client.session.get("_auth_user_id")
    )


def fail(times: int, address: str = HOME, username: str = "camille", **headers: str) -> None:
    for _ in range(times):
        response, _client = log_in("wrong", address, username, **headers)
        assert response.status_code in (200, 429)


def test_it_allows_the_right_password_after_fewer_failures_than_the_limit(user):
    fail(settings.AXES_FAILURE_LIMIT - 1)

    response, client = log_in(PASSWORD)

    assert response.status_code == 302
    assert logged_in(client)


def test_limit_failures_lock_out_that_user_from_that_address_even_with_the_right_password(
    user,
):
    assert settings.AXES_FAILURE_LIMIT == 10
    fail(settings.AXES_FAILURE_LIMIT)

    response, client = log_in(PASSWORD)

    assert response.status_code == 429
    assert not logged_in(client)
    page = response.content.decode()
    assert "Too many failed logins" in page
    assert "After 10 failed attempts, logins to this account from your address are paused." in (
        page
    )
    assert "Try again in 15 minutes." in page
    assert response["Content-Type"].startswith("text/html")


def test_the_lockout_page_is_in_french_for_a_french_browser(user):
    fail(settings.AXES_FAILURE_LIMIT)

    response, _client = log_in(PASSWORD, accept_language="fr")

    assert response.status_code == 429
    page = response.content.decode()
    assert "Trop d’échecs de connexion" in page
    assert "Réessayez dans 15 minutes." in page


def test_the_same_user_still_logs_in_from_another_address(user):
    fail(settings.AXES_FAILURE_LIMIT)

    response, client = log_in(PASSWORD, ELSEWHERE)

    assert response.status_code == 302
    assert logged_in(client)


def test_another_user_still_logs_in_from_the_locked_address(user):
    factories.UserFactory(username="dominique")
    fail(settings.AXES_FAILURE_LIMIT)

    response, client = log_in(PASSWORD, username="dominique")

    assert response.status_code == 302
    assert logged_in(client)


def test_the_right_password_works_again_after_the_cool_off(user):
    fail(settings.AXES_FAILURE_LIMIT)
    assert settings.AXES_COOLOFF_TIME.total_seconds() == 15 * 60

    with time_machine.travel(timezone.now() + dt.timedelta(minutes=14), tick=False):
        assert log_in(PASSWORD)[0].status_code == 429
    # That attempt started the wait again.
    with time_machine.travel(timezone.now() + dt.timedelta(minutes=14 + 16), tick=False):
        response, client = log_in(PASSWORD)

    assert response.status_code == 302
    assert logged_in(client)


def test_axes_reset_lifts_the_lockout(user):
    fail(settings.AXES_FAILURE_LIMIT)

    code, _out, err = run_command("axes_reset")

    assert code == 0, err
    response, client = log_in(PASSWORD)
    assert response.status_code == 302
    assert logged_in(client)


def test_a_forwarded_for_header_is_not_believed_without_configuration(user):
    # A client that writes a new address in each request still counts from its own.
    for n in range(settings.AXES_FAILURE_LIMIT):
        log_in("wrong", x_forwarded_for=f"192.0.2.{n}")

    response, _client = log_in(PASSWORD, x_forwarded_for="192.0.2.200")

    assert response.status_code == 429
    assert set(AccessAttempt.objects.values_list("ip_address", flat=True)) == {HOME}


def test_the_configured_proxy_header_gives_the_clients_address(user, settings):
    settings.READINESS_CLIENT_IP_HEADER = "X-Forwarded-For"
    # The proxy appends the address it saw: the right-most one is the client's.
    fail(settings.AXES_FAILURE_LIMIT, x_forwarded_for="203.0.113.9, 198.51.100.7")

    locked, _client = log_in(PASSWORD, x_forwarded_for="198.51.100.7")
    other, client = log_in(PASSWORD, x_forwarded_for="198.51.100.8")

    assert locked.status_code == 429
    assert other.status_code == 302
    assert logged_in(client)
    assert set(AccessAttempt.objects.values_list("ip_address", flat=True)) == {"198.51.100.7"}


def test_a_configured_header_that_is_missing_or_no_address_falls_back_to_the_connection(
    user, settings
):
    settings.READINESS_CLIENT_IP_HEADER = "X-Real-IP"
    fail(settings.AXES_FAILURE_LIMIT // 2)
    fail(settings.AXES_FAILURE_LIMIT // 2, x_real_ip="not an address")

    response, _client = log_in(PASSWORD)

    assert response.status_code == 429
    assert set(AccessAttempt.objects.values_list("ip_address", flat=True)) == {HOME}


def test_the_admin_lists_login_attempts(user, client):
    fail(3)
    admin = factories.UserFactory(username="root", is_staff=True, is_superuser=True)
    client.force_login(admin)

    response = client.get(reverse("admin:axes_accessattempt_changelist"))

    assert response.status_code == 200
    assert "camille" in response.content.decode()
