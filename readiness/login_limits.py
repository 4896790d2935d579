"""Login rate limits with django-axes: the client address that failed logins count
against, and the page a locked-out login gets.

The address is REMOTE_ADDR, the one that connected, unless READINESS_CLIENT_IP_HEADER
names a header that the proxy in front sets on every request: a client can write any
header it likes, so one is believed only when an administrator says a proxy writes it."""

from __future__ import annotations

import ipaddress
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

# Too Many Requests: the request was fine, there were too many of them.
LOCKED_OUT_STATUS = 429


def client_ip(request: HttpRequest) -> str | None:
    """The address of the client: the configured header's right-most address (the one
    the nearest proxy wrote), else REMOTE_ADDR when the header is absent or no address."""
    remote = request.META.get("REMOTE_ADDR")
    header = settings.READINESS_CLIENT_IP_HEADER
    if not header:
        return remote
    key = "HTTP_" + header.upper().replace("-", "_")
    entries = [item.strip() for item in request.META.get(key, "").split(",") if item.strip()]
    if not entries:
        return remote
    try:
        return str(ipaddress.ip_address(entries[-1]))
    except ValueError:
        return remote


def lockout_response(
    request: HttpRequest, original_response: HttpResponse | None, credentials: Any
) -> HttpResponse:
    """The page that says the login is locked, for how long, and how to get it lifted."""
    minutes = int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)
    context = {"failure_limit": settings.AXES_FAILURE_LIMIT, "minutes": minutes}
    return render(request, "registration/lockout.html", context, status=LOCKED_OUT_STATUS)
