"""The authentication backend for single sign-on: mozilla-django-oidc's authorization code
flow (with PKCE), the endpoints taken from the provider's discovery document, an id_token
checked for signature, issuer, audience, expiry and nonce, and the user and memberships made
by readiness.services.sso. Listed in AUTHENTICATION_BACKENDS only when SSO is configured."""

from __future__ import annotations

import logging
from typing import Any

import jwt
import requests
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import SuspiciousOperation
from django.db import transaction
from django.http import HttpRequest
from django.utils.translation import gettext as _
from mozilla_django_oidc.auth import OIDCAuthenticationBackend

from readiness.services.sso import SsoRefused, sso_memberships_sync, sso_user_resolve
from readiness.sso.provider import ProviderUnavailable, provider_metadata

logger = logging.getLogger(__name__)

# Clocks of the provider and of this server may differ by this much.
LEEWAY_SECONDS = 60


class SsoBackend(OIDCAuthenticationBackend):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        # Nothing is fetched here: Django builds its backends for every login, local ones
        # included, and for every request with a session.
        self.UserModel = get_user_model()

    # The attribute names mozilla-django-oidc reads, looked up when it reads them.
    @property
    def OIDC_RP_CLIENT_ID(self) -> str:
        return settings.OIDC_RP_CLIENT_ID

    @property
    def OIDC_RP_CLIENT_SECRET(self) -> str:
        return settings.OIDC_RP_CLIENT_SECRET

    @property
    def OIDC_RP_SIGN_ALGO(self) -> str:
        return settings.OIDC_RP_SIGN_ALGO

    @property
    def OIDC_OP_TOKEN_ENDPOINT(self) -> str:
        return self._metadata()["token_endpoint"]

    @property
    def OIDC_OP_USER_ENDPOINT(self) -> str | None:
        return self._metadata().get("userinfo_endpoint")

    @property
    def OIDC_OP_JWKS_ENDPOINT(self) -> str:
        return self._metadata()["jwks_uri"]

    def _metadata(self) -> dict[str, Any]:
        return provider_metadata(settings.READINESS_OIDC_ISSUER)

    def authenticate(self, request: HttpRequest | None, **kwargs: Any) -> AbstractBaseUser | None:
        """The user of the provider's answer, or None with the reason in
        `request.sso_error`. Only the SSO callback passes a nonce: any other login (the
        password form) is not this backend's."""
        if request is None or "nonce" not in kwargs or not settings.READINESS_OIDC_ISSUER:
            return None
        try:
            return super().authenticate(request, **kwargs)
        except SsoRefused as refusal:
            logger.warning("single sign-on refused: %s", refusal)
            request.sso_error = str(refusal)
        except (
            ProviderUnavailable,
            requests.RequestException,
            SuspiciousOperation,
            ValueError,
            KeyError,
        ) as error:
            logger.warning("single sign-on failed: %s", error)
            request.sso_error = _(
                "The sign-in with %(provider)s could not be completed. Try again, or ask an "
                "administrator to look at the server's log."
            ) % {"provider": settings.READINESS_OIDC_NAME}
        return None

    def verify_token(self, token: str, **kwargs: Any) -> dict[str, Any]:
        """The id_token's claims, once its signature (a key of the provider's JWKS), issuer,
        audience, expiry and nonce are right; SuspiciousOperation otherwise."""
        metadata = self._metadata()
        try:
            payload = jwt.decode(
                token,
                self._signing_key(token),
                algorithms=[self.OIDC_RP_SIGN_ALGO],
                audience=self.OIDC_RP_CLIENT_ID,
                issuer=metadata["issuer"],
                leeway=LEEWAY_SECONDS,
                options={"require": ["iss", "aud", "exp", "iat", "sub"]},
            )
        except jwt.PyJWTError as error:
            raise SuspiciousOperation(f"id_token refused: {error}") from None
        audience = payload["aud"]
        many = isinstance(audience, list) and len(audience) > 1
        if many and payload.get("azp") != self.OIDC_RP_CLIENT_ID:
            raise SuspiciousOperation("id_token refused: azp is not this client")
        if payload.get("nonce") != kwargs.get("nonce"):
            raise SuspiciousOperation("id_token refused: wrong nonce")
        return payload

    def _signing_key(self, token: str) -> jwt.PyJWK:
        """The key of the provider's JWKS that signed `token`: the one with its `kid` (any
        signing key of its algorithm when the token names none)."""
        header = jwt.get_unverified_header(token)
        response = requests.get(
            self.OIDC_OP_JWKS_ENDPOINT,
            timeout=settings.OIDC_TIMEOUT,
            verify=settings.OIDC_VERIFY_SSL,
            allow_redirects=False,
        )
        response.raise_for_status()
        keys = [
            key
            for key in response.json().get("keys", [])
            if key.get("use", "sig") == "sig"
            and key.get("alg", header.get("alg")) == header.get("alg")
            and ("kid" not in header or key.get("kid") == header["kid"])
        ]
        if len(keys) != 1:
            raise SuspiciousOperation(
                f"id_token refused: {len(keys)} keys of the JWKS match kid {header.get('kid')!r}"
            )
        return jwt.PyJWK(keys[0])

    def get_or_create_user(
        self, access_token: str, id_token: str, payload: dict[str, Any]
    ) -> AbstractBaseUser:
        """The user of the id_token's `sub`, with the userinfo endpoint's claims (when the
        provider has one) over the id_token's, and their mapped memberships updated."""
        claims = dict(payload)
        if self.OIDC_OP_USER_ENDPOINT:
            userinfo = self.get_userinfo(access_token, id_token, payload)
            # OpenID Connect Core §5.3.2: userinfo of another subject is refused.
            if userinfo.get("sub") != payload["sub"]:
                raise SuspiciousOperation("userinfo is about another subject")
            claims.update({name: value for name, value in userinfo.items() if value is not None})
        with transaction.atomic():
            user = sso_user_resolve(issuer=settings.READINESS_OIDC_ISSUER, claims=claims)
            if not user.is_active:
                raise SsoRefused(_("Your account is disabled: ask an administrator."))
            changes = sso_memberships_sync(
                user=user,
                claims=claims,
                rules=settings.READINESS_OIDC_TEAM_RULES,
                provider=settings.READINESS_OIDC_NAME,
            )
        for change in changes:
            logger.info("single sign-on: %s", change)
        return user
