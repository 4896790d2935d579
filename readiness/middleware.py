"""Request-wide behaviour of the dashboard: times in the user's own time zone, and HTMX
requests whose session has expired."""

from __future__ import annotations

import functools
import zoneinfo
from collections.abc import Callable
from urllib.parse import urlsplit

from django.conf import settings
from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse
from django.http.response import HttpResponseRedirectBase
from django.shortcuts import resolve_url
from django.utils import timezone
from django_htmx.http import HttpResponseClientRedirect

from readiness.views.common import HtmxHttpRequest

# static/readiness/app.js writes the browser's IANA time zone name under this name.
TIME_ZONE_COOKIE = "tz"


@functools.cache
def _known_time_zones() -> frozenset[str]:
    # Read once: a cookie is then checked against a set, never used as a file path.
    return frozenset(zoneinfo.available_timezones())


def time_zone_from_cookie(value: str | None) -> zoneinfo.ZoneInfo | None:
    """The time zone a cookie names, or None when it names none that zoneinfo knows."""
    if not value or value not in _known_time_zones():
        return None
    return zoneinfo.ZoneInfo(value)


class TimeZoneMiddleware:
    """Activates the browser's time zone for the request, from the cookie app.js sets;
    without a valid one, settings.TIME_ZONE."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        zone = time_zone_from_cookie(request.COOKIES.get(TIME_ZONE_COOKIE))
        if zone is None:
            # The thread may still hold the zone of the last request it served.
            timezone.deactivate()
        else:
            timezone.activate(zone)
        return self.get_response(request)


class HtmxLoginRedirectMiddleware:
    """An HTMX request whose session has expired would follow login_required's redirect
    and swap the login page into a fragment. Instead, htmx is told (HX-Redirect) to load
    the login page as a page, coming back afterwards to the page the user was on. Goes
    after django_htmx's HtmxMiddleware, which sets request.htmx."""

    def __init__(self, get_response: Callable[[HtmxHttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HtmxHttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if not request.htmx or not isinstance(response, HttpResponseRedirectBase):
            return response
        login_url = resolve_url(settings.LOGIN_URL)
        if urlsplit(response.url).path != urlsplit(login_url).path:
            return response
        # The fragment's own URL is no page to come back to; without the page's URL
        # (a missing or foreign HX-Current-URL), the login goes to its default page.
        page = request.htmx.current_url_abs_path
        return HttpResponseClientRedirect(
            redirect_to_login(page, login_url).url if page else login_url
        )
