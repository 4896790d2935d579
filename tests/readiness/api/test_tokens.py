"""API tokens: made with their secret shown once, stored hashed, found by the bearer
secret, revoked, audited; and `manage.py api_token`."""

from __future__ import annotations

import json
from io import StringIO

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.core.management.base import CommandError

from readiness.models import ApiToken, AuditEntry
from readiness.services.api_tokens import (
    api_token_authenticate,
    api_token_create,
    api_token_revoke,
    token_hash,
)
from tests.factories import TeamFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_a_token_is_stored_only_as_its_hash_and_found_by_its_secret() -> None:
    team = TeamFactory()
    token, secret = api_token_create(team=team, scope="read", name="ci", by=None)
    stored = ApiToken.objects.get(pk=token.pk)
    assert secret.startswith("rdy_") and len(secret) > 40
    assert secret not in {stored.token_hash, stored.prefix, stored.name}
    assert stored.token_hash == token_hash(secret)
    assert stored.prefix == secret[:10]
    found = api_token_authenticate(secret)
    assert found == token and found.team == team and found.last_used_at is not None
    assert api_token_authenticate(secret + "x") is None
    assert api_token_authenticate("not-a-token") is None


def test_a_revoked_token_no_longer_authenticates_and_both_changes_are_audited() -> None:
    user = UserFactory()
    token, secret = api_token_create(team=TeamFactory(), scope="run", name="deploy", by=user)
    api_token_revoke(token=token, by=user)
    api_token_revoke(token=token, by=user)  # idempotent
    assert api_token_authenticate(secret) is None
    actions = list(AuditEntry.objects.order_by("id").values_list("action", "actor"))
    assert actions == [("api_token.create", user.pk), ("api_token.revoke", user.pk)]


@pytest.mark.parametrize(
    ("scope", "name", "field"), [("admin", "ci", "scope"), ("read", "  ", "name")]
)
def test_a_bad_scope_or_name_is_refused_and_nothing_is_saved(scope, name, field) -> None:
    with pytest.raises(ValidationError) as caught:
        api_token_create(team=TeamFactory(), scope=scope, name=name, by=None)
    assert field in caught.value.message_dict
    assert not ApiToken.objects.exists() and not AuditEntry.objects.exists()


def test_the_command_prints_the_secret_alone_on_its_last_line_and_lists_without_it() -> None:
    team = TeamFactory(slug="platform")
    out = StringIO()
    call_command("api_token", "create", "--team", "platform", "--scope", "metrics", stdout=out)
    secret = out.getvalue().rstrip("\n").splitlines()[-1]
    assert api_token_authenticate(secret).team == team
    listing = StringIO()
    call_command("api_token", "list", "--team", "platform", "--json", stdout=listing)
    rows = json.loads(listing.getvalue())
    assert [(r["scope"], r["revoked_at"]) for r in rows] == [("metrics", None)]
    assert secret not in listing.getvalue()
    call_command("api_token", "revoke", str(rows[0]["id"]), stdout=StringIO())
    assert api_token_authenticate(secret) is None


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["create", "--team", "nope", "--scope", "read"], "--team nope: no such team"),
        (["revoke", "999"], "999: no such API token"),
        (["create", "--team", "t", "--scope", "read", "--by", "ghost"], "--by ghost"),
    ],
)
def test_the_command_refuses_bad_input_with_exit_code_2(args, message) -> None:
    TeamFactory(slug="t")
    with pytest.raises(CommandError) as caught:
        call_command("api_token", *args, stdout=StringIO())
    assert caught.value.returncode == 2 and message in str(caught.value)
    assert not ApiToken.objects.exists()
