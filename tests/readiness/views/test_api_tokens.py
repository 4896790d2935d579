"""The team page's API tokens: the team's admins see them, create one (its secret shown
once) and revoke one; viewers and editors see no management and are refused it."""

from __future__ import annotations

import pytest
from django.urls import reverse

from readiness.models import ApiToken, AuditEntry, Role
from readiness.services.api_tokens import api_token_authenticate, api_token_create
from tests import factories


def team_url() -> str:
    return reverse("readiness:team", args=["payments"])


def create_url(slug: str = "payments") -> str:
    return reverse("readiness:api-token-create", args=[slug])


def revoke_url(pk: int, slug: str = "payments") -> str:
    return reverse("readiness:api-token-revoke", args=[slug, pk])


def test_an_admin_sees_the_tokens_without_their_secrets(world, login):
    admin = login(Role.ADMIN)
    token, secret = api_token_create(team=world.team, scope="run", name="deploy", by=admin.user)
    api_token_create(team=world.other_project.team, scope="read", name="theirs", by=None)
    html = admin.get(team_url()).content.decode()
    assert 'data-testid="api-tokens"' in html
    assert html.count('data-testid="api-token"') == 1  # not the other team's
    assert "deploy" in html and "Run" in html and f"<code>{token.prefix}…</code>" in html
    assert "by admin-user" in html and "never" in html
    assert secret not in html


@pytest.mark.parametrize("role", [Role.VIEWER, Role.EDITOR])
def test_viewers_and_editors_see_no_tokens_and_are_refused_managing_them(world, login, role):
    token, _secret = api_token_create(team=world.team, scope="read", name="ci", by=None)
    client = login(role)
    html = client.get(team_url()).content.decode()
    assert 'data-testid="api-tokens"' not in html and token.prefix not in html
    assert client.post(create_url(), {"name": "mine", "scope": "run"}).status_code == 403
    assert client.post(revoke_url(token.pk)).status_code == 403
    assert ApiToken.objects.count() == 1 and ApiToken.objects.get().revoked_at is None


def test_another_teams_tokens_are_404(world, login):
    theirs, _secret = api_token_create(
        team=world.other_project.team, scope="read", name="theirs", by=None
    )
    admin = login(Role.ADMIN)
    assert admin.post(create_url("other"), {"name": "x", "scope": "read"}).status_code == 404
    assert admin.post(revoke_url(theirs.pk)).status_code == 404  # under our team's URL
    assert ApiToken.objects.get(pk=theirs.pk).revoked_at is None


def test_creating_a_token_shows_its_secret_once(world, login):
    admin = login(Role.ADMIN)
    response = admin.post(create_url(), {"name": "GitHub Actions", "scope": "run"})
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    html = response.content.decode()
    secret = html.split('data-testid="api-token-value"')[0].rsplit('value="', 1)[1].split('"')[0]
    token = api_token_authenticate(secret)
    assert token is not None and token.team == world.team and token.scope == "run"
    assert token.created_by == admin.user and token.name == "GitHub Actions"
    assert "Copy it now: it is shown only this once" in html
    assert secret not in admin.get(team_url()).content.decode()  # never again
    assert AuditEntry.objects.filter(action="api_token.create").count() == 1


@pytest.mark.parametrize(
    ("data", "field"),
    [({"name": "   ", "scope": "read"}, "name"), ({"name": "ci", "scope": "admin"}, "scope")],
)
def test_a_bad_name_or_scope_is_shown_on_the_form_and_nothing_is_saved(world, login, data, field):
    response = login(Role.ADMIN).post(create_url(), data)
    assert response.status_code == 400
    assert f'data-testid="api-token-error" data-field="{field}"' in response.content.decode()
    assert not ApiToken.objects.exists()


def test_revoking_a_token_stops_it_at_once(world, login):
    admin = login(Role.ADMIN)
    token, secret = api_token_create(team=world.team, scope="read", name="old job", by=None)
    response = admin.post(revoke_url(token.pk), follow=True)
    html = response.content.decode()
    assert "Token “old job” revoked: it no longer works." in html
    assert "Revoked on" in html
    assert api_token_authenticate(secret) is None
    assert AuditEntry.objects.get(action="api_token.revoke").actor == admin.user


def test_the_tokens_section_is_in_french(world, login):
    admin = login(Role.ADMIN)
    api_token_create(team=world.team, scope="metrics", name="prometheus", by=None)
    admin.cookies["django_language"] = "fr"
    html = admin.get(team_url(), headers={"Accept-Language": "fr"}).content.decode()
    assert "Jetons d’API" in html and "Créer un jeton" in html and "jamais" in html


def test_a_superuser_manages_any_teams_tokens(world):
    from django.test import Client

    client = Client()
    client.force_login(factories.UserFactory(is_superuser=True, is_staff=True))
    assert client.post(create_url("other"), {"name": "x", "scope": "read"}).status_code == 200
