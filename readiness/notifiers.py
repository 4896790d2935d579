"""How a notification leaves: a signed webhook POST, or a chat or e-mail message through
Apprise, each connection to an address the outbound policy allows (checks.outbound, the
policy of http checks). No database here: text in, a `Sent` out.

Webhooks go through checks.http.fetch, so every connection is judged at connect time on
the addresses the host resolved to (DNS rebinding changes nothing), redirects are not
followed, the environment's proxies are ignored, and one deadline bounds the exchange.

Apprise talks to its services with its own clients (requests, smtplib, ...). Their name
lookups go through socket.getaddrinfo, which `_guarded_getaddrinfo` replaces once per
process: in a thread that is sending through Apprise, every address a name resolves to is
judged by the policy, and a name with a refused address does not resolve, so those
clients connect only to allowed addresses. Limits: a client that connects to a literal
address without calling getaddrinfo, or one that runs in another thread or process, is
not covered; a proxy from the environment (HTTP(S)_PROXY, which requests honours) is
judged, not what it reaches; and an Apprise service's own redirects are followed by its
client (each hop's lookup is judged). Before sending, `apprise_problem` refuses URLs that
Apprise does not know."""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import httpx

from checks.http import FetchError, fetch, network_problem
from checks.outbound import OutboundPolicy, Refused

USER_AGENT = "readiness-notify/1"
TIMEOUT_S = 10.0
# A receiver's answer is kept for the delivery's record, cut to this.
ERROR_MAX = 500


@dataclass(frozen=True)
class Sent:
    """One attempt: whether the target took it, the HTTP status when there was one, and
    what went wrong. `retry` is False when another attempt cannot help (the address is
    refused, the URL is not valid)."""

    ok: bool
    response_code: int | None = None
    error: str = ""
    retry: bool = True


# Webhooks


def signature(secret: str, timestamp: int, body: bytes) -> str:
    """The X-Readiness-Signature header: sha256=<hex HMAC-SHA256 of "<timestamp>.<body>">
    keyed with the channel's secret."""
    signed = f"{timestamp}.".encode() + body
    return "sha256=" + hmac.new(secret.encode(), signed, hashlib.sha256).hexdigest()


def webhook_headers(secret: str, body: bytes, *, timestamp: int | None = None) -> dict[str, str]:
    timestamp = int(time.time()) if timestamp is None else timestamp
    return {
        "Content-Type": "application/json",
        "User-Agent": USER_AGENT,
        "X-Readiness-Timestamp": str(timestamp),
        "X-Readiness-Signature": signature(secret, timestamp, body),
    }


def webhook_problem(url: str) -> str | None:
    """Why `url` cannot be a webhook's URL, or None: an http(s) URL with a host."""
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 (raises ValueError on a bad port)
    except ValueError as exc:
        return f"not a valid URL ({exc})"
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return "give an http:// or https:// URL with a host"
    if any(c.isspace() for c in url):
        return "a URL has no spaces"
    return None


def webhook_post(url: str, *, secret: str, body: bytes, policy: OutboundPolicy) -> Sent:
    """POST `body` (JSON) to `url`, signed with `secret`. A 2xx answer is success."""
    try:
        fetched = fetch(
            url,
            policy=policy,
            method="POST",
            timeout_s=TIMEOUT_S,
            max_bytes=ERROR_MAX,
            content=body,
            headers=webhook_headers(secret, body),
        )
    except Refused as exc:
        return Sent(ok=False, error=str(exc.message), retry=False)
    except FetchError as exc:
        return Sent(ok=False, error=str(exc), retry=False)
    except (httpx.TransportError, httpx.TooManyRedirects) as exc:
        return Sent(ok=False, error=str(network_problem(exc, TIMEOUT_S)))
    if 200 <= fetched.status < 300:
        return Sent(ok=True, response_code=fetched.status)
    return Sent(
        ok=False,
        response_code=fetched.status,
        error=f"HTTP {fetched.status}: {fetched.text[:ERROR_MAX]}".strip(),
    )


# Apprise


def _asset() -> Any:
    import apprise

    # No plugins loaded from the user's folders, nothing written to disk.
    return apprise.AppriseAsset(plugin_paths=[], storage_mode="memory")


def apprise_problem(url: str) -> str | None:
    """Why Apprise cannot send to `url`, or None when it knows the service."""
    import apprise

    if "://" not in url:
        return "not an Apprise URL (e.g. slack://..., mailtos://..., json://host/path)"
    if apprise.Apprise.instantiate(url, asset=_asset()) is None:
        scheme = url.partition("://")[0]
        return f"Apprise does not know {scheme}:// or cannot read this URL"
    return None


def apprise_send(url: str, *, title: str, body: str, policy: OutboundPolicy) -> Sent:
    """Send `title` and `body` through Apprise to `url`, its lookups judged by `policy`.
    Apprise says only whether it worked; its log (captured) says why not."""
    import apprise

    service = apprise.Apprise.instantiate(url, asset=_asset())
    if service is None:
        return Sent(ok=False, error=apprise_problem(url) or "invalid Apprise URL", retry=False)
    with apprise.LogCapture(level=apprise.logging.WARNING) as log, _judged(policy) as refusals:
        try:
            ok = bool(service.notify(body=body, title=title))
        except Exception as exc:  # a plugin's bug must not kill the worker's thread
            ok = False
            refusals.append(f"{type(exc).__name__}: {exc}")
    if ok:
        return Sent(ok=True)
    said = " ".join([*refusals, log.getvalue().strip()]).strip()
    return Sent(ok=False, error=said[:ERROR_MAX] or "Apprise could not send", retry=not refusals)


_local = threading.local()
_original_getaddrinfo = socket.getaddrinfo
_install_lock = threading.Lock()


def _guarded_getaddrinfo(host: Any, port: Any, *args: Any, **kwargs: Any) -> Any:
    infos = _original_getaddrinfo(host, port, *args, **kwargs)
    policy: OutboundPolicy | None = getattr(_local, "policy", None)
    if policy is None:
        return infos
    # As checks.outbound.resolve judges: every address, and one refused refuses the name.
    for info in infos:
        address = ipaddress.ip_address(str(info[4][0]).split("%")[0])
        reason = policy.refusal(address)
        if reason is not None:
            name = host.decode() if isinstance(host, bytes) else str(host)
            said = f"{name} resolves to {address}, which is refused: {reason}"
            _local.refusals.append(said)
            raise socket.gaierror(socket.EAI_FAIL, said)
    return infos


@contextmanager
def _judged(policy: OutboundPolicy) -> Iterator[list[str]]:
    """Name lookups in this thread judged by `policy` for the block; yields the list of
    refusals, filled as they happen."""
    with _install_lock:
        if socket.getaddrinfo is not _guarded_getaddrinfo:
            socket.getaddrinfo = _guarded_getaddrinfo
    refusals: list[str] = []
    _local.policy, _local.refusals = policy, refusals
    try:
        yield refusals
    finally:
        _local.policy = None
