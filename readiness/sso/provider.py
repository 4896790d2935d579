"""The identity provider's discovery document (`<issuer>/.well-known/openid-configuration`):
fetched on the first sign-in, not at startup (a provider that is down must not stop the
server or local logins), then kept in memory for READINESS_OIDC_DISCOVERY_SECONDS."""

from __future__ import annotations

import threading
import time
from typing import Any
from urllib.parse import urlsplit

import requests
from django.conf import settings

_REQUIRED = ("authorization_endpoint", "token_endpoint", "jwks_uri")
_lock = threading.Lock()
_cache: dict[str, tuple[float, dict[str, Any]]] = {}


class ProviderUnavailable(Exception):
    """The discovery document could not be had or is not usable; the message says why."""


def issuer_same(a: str, b: str) -> bool:
    """Whether two issuer identifiers name the same issuer (a trailing slash aside)."""
    return a.rstrip("/") == b.rstrip("/")


def provider_metadata(issuer: str) -> dict[str, Any]:
    """The discovery document of `issuer`, from memory while it is fresh."""
    now = time.monotonic()
    with _lock:
        cached = _cache.get(issuer)
        if cached is not None and now - cached[0] < settings.READINESS_OIDC_DISCOVERY_SECONDS:
            return cached[1]
    document = _fetch(issuer)
    with _lock:
        _cache[issuer] = (now, document)
    return document


def provider_forget() -> None:
    """Drop every cached document (tests, or a provider that changed its keys' address)."""
    with _lock:
        _cache.clear()


def _fetch(issuer: str) -> dict[str, Any]:
    url = issuer.rstrip("/") + "/.well-known/openid-configuration"
    try:
        response = requests.get(
            url,
            timeout=settings.OIDC_TIMEOUT,
            verify=settings.OIDC_VERIFY_SSL,
            allow_redirects=False,
        )
        response.raise_for_status()
        document = response.json()
    except (requests.RequestException, ValueError) as error:
        raise ProviderUnavailable(f"{url}: {error}") from None
    if not isinstance(document, dict):
        raise ProviderUnavailable(f"{url}: not a JSON object")
    if not issuer_same(str(document.get("issuer", "")), issuer):
        # OpenID Connect Discovery 1.0 §4.3: a document for another issuer is refused.
        raise ProviderUnavailable(
            f"{url}: its issuer is {document.get('issuer')!r}, not the configured {issuer!r}"
        )
    for key in _REQUIRED:
        value = document.get(key)
        if not isinstance(value, str) or urlsplit(value).scheme not in ("https", "http"):
            raise ProviderUnavailable(f"{url}: {key} is missing or not a URL")
    return document
