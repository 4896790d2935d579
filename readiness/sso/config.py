"""Readers of the single sign-on's environment variables, failing loudly on a bad value as
readiness.env's do."""

from __future__ import annotations

import ipaddress
import os
from urllib.parse import urlsplit

from django.core.exceptions import ImproperlyConfigured

from readiness.sso.team_map import TeamMapError, TeamRule, team_map_parse

# Asymmetric only: the provider's public keys (JWKS) check the id_token's signature.
SIGN_ALGORITHMS = ("RS256", "RS384", "RS512", "PS256", "ES256", "ES384", "ES512")


def oidc_issuer(name: str) -> str:
    """The issuer's URL, or "" when single sign-on is off. HTTPS, except on a loopback
    address (a provider on this machine, as in the tests): tokens go over it."""
    raw = os.environ.get(name, "").strip()
    if not raw:
        return ""
    parts = urlsplit(raw)
    if parts.scheme not in ("https", "http") or not parts.hostname or parts.query:
        raise ImproperlyConfigured(
            f"{name}={raw!r} is not an issuer URL (e.g. https://login.example.com/realms/main)"
        )
    if parts.scheme == "http" and not _loopback(parts.hostname):
        raise ImproperlyConfigured(
            f"{name}={raw!r}: an issuer is reached over https (http only on a loopback address)"
        )
    return raw


def oidc_name(name: str, issuer: str) -> str:
    """The provider's name on the login button; the issuer's host name when not given."""
    return os.environ.get(name, "").strip() or (urlsplit(issuer).hostname or "")


def oidc_team_rules(name: str, issuer: str) -> tuple[TeamRule, ...]:
    raw = os.environ.get(name, "")
    try:
        rules = team_map_parse(raw)
    except TeamMapError as error:
        raise ImproperlyConfigured(f"{name}: {error}") from None
    if rules and not issuer:
        raise ImproperlyConfigured(
            f"{name} is set but READINESS_OIDC_ISSUER is not: single sign-on is off"
        )
    return rules


def _loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False
