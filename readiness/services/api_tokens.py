"""API tokens: made, found from a bearer secret, revoked. The secret is `rdy_` and 40
URL-safe random characters; only its SHA-256 is stored, so a leaked database reveals no
token. Each change is in the team's audit trail."""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.timezone import now
from django.utils.translation import gettext as _

from readiness.models import ApiToken, Team, TokenScope
from readiness.services.audit import audit_record

TOKEN_PREFIX = "rdy_"
_PREFIX_SHOWN = 10
NAME_MAX = 100
# `last_used_at` is written at most this often per token: a busy CI job does not turn
# every read into a write.
LAST_USE_PRECISION = timedelta(minutes=1)


def token_hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


@transaction.atomic
def api_token_create(
    *, team: Team, scope: str, name: str, by: AbstractBaseUser | None
) -> tuple[ApiToken, str]:
    """A new token of `team` with `scope`, and its secret (shown once, never stored).
    ValidationError naming the field when the scope or name is not acceptable."""
    if scope not in TokenScope.values:
        raise ValidationError(
            {
                "scope": _("Unknown scope “%(scope)s”: use one of %(scopes)s.")
                % {"scope": scope, "scopes": ", ".join(TokenScope.values)}
            }
        )
    name = name.strip()
    if not name:
        raise ValidationError({"name": _("Give the token a name, e.g. the CI job using it.")})
    if len(name) > NAME_MAX:
        raise ValidationError(
            {"name": _("A token's name has at most %(max)d characters.") % {"max": NAME_MAX}}
        )
    secret = TOKEN_PREFIX + secrets.token_urlsafe(30)
    token = ApiToken.objects.create(
        team=team,
        name=name,
        scope=scope,
        prefix=secret[:_PREFIX_SHOWN],
        token_hash=token_hash(secret),
        created_by=by,
    )
    audit_record(
        team=team,
        actor=by,
        action="api_token.create",
        target=token,
        after={"name": name, "scope": scope, "prefix": token.prefix},
    )
    return token, secret


def api_token_authenticate(secret: str) -> ApiToken | None:
    """The active token whose secret is `secret` (with its team), or None. Records its
    last use (at most once a minute)."""
    if not secret.startswith(TOKEN_PREFIX):
        return None
    token = (
        ApiToken.objects.select_related("team")
        .filter(token_hash=token_hash(secret), revoked_at__isnull=True)
        .first()
    )
    if token is None:
        return None
    moment = now()
    if token.last_used_at is None or moment - token.last_used_at >= LAST_USE_PRECISION:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=moment)
        token.last_used_at = moment
    return token


@transaction.atomic
def api_token_revoke(*, token: ApiToken, by: AbstractBaseUser | None) -> ApiToken:
    """Revoke `token` (idempotent: a revoked token stays revoked at its first date)."""
    token = ApiToken.objects.select_for_update().select_related("team").get(pk=token.pk)
    if token.revoked_at is not None:
        return token
    token.revoked_at = now()
    token.save(update_fields=["revoked_at"])
    audit_record(
        team=token.team,
        actor=by,
        action="api_token.revoke",
        target=token,
        before={"active": True},
        after={"active": False},
    )
    return token
