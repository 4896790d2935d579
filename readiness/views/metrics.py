"""Prometheus metrics at `/metrics`, for a team's `metrics` token (its projects only) or an
address of READINESS_METRICS_ALLOW (every project).

A bearer token, when one is sent, decides: unknown or revoked is 401, another scope is
403. Without one, the client's address must be allowed: it is the address that connected
(REMOTE_ADDR), or the one the proxy named by READINESS_CLIENT_IP_HEADER wrote, as for the
login limits (readiness/login_limits.py); a client's own X-Forwarded-For is never believed."""

from __future__ import annotations

import ipaddress

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, generate_latest

from readiness.login_limits import client_ip
from readiness.metrics import ReadinessCollector
from readiness.models import TokenScope
from readiness.services.api_tokens import api_token_authenticate


@never_cache
@require_safe
def metrics(request: HttpRequest) -> HttpResponse:
    header = request.headers.get("Authorization", "")
    if header:
        scheme, _space, secret = header.partition(" ")
        token = api_token_authenticate(secret.strip()) if scheme.lower() == "bearer" else None
        if token is None:
            return _refused(401, _("Unknown or revoked token."))
        if token.scope != TokenScope.METRICS:
            return _refused(
                403,
                _("This token's scope is “%(scope)s”: /metrics needs a “metrics” token.")
                % {"scope": token.scope},
            )
        team_id: int | None = token.team_id
    elif _allowed_address(client_ip(request)):
        team_id = None
    else:
        return _refused(
            401,
            _(
                "Send a token of scope “metrics” (Authorization: Bearer …), or scrape from "
                "an address of READINESS_METRICS_ALLOW."
            ),
        )
    registry = CollectorRegistry(auto_describe=False)
    registry.register(
        ReadinessCollector(
            team_id=team_id,
            now=timezone.now(),
            expiring_days=settings.READINESS_METRICS_EXPIRING_DAYS,
        )
    )
    return HttpResponse(generate_latest(registry), content_type=CONTENT_TYPE_LATEST)


def _allowed_address(address: str | None) -> bool:
    if not address or not settings.READINESS_METRICS_ALLOW:
        return False
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    if ip.version == 6 and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return any(ip in network for network in settings.READINESS_METRICS_ALLOW)


def _refused(status: int, message: str) -> HttpResponse:
    response = HttpResponse(message + "\n", status=status, content_type="text/plain; charset=utf-8")
    if status == 401:
        response["WWW-Authenticate"] = 'Bearer realm="metrics"'
    return response
