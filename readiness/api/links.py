"""Absolute links in API answers: to the pages people open, and to the API's own
resources (django-ninja names its URLs in the `api` namespace by `url_name`)."""

from __future__ import annotations

from django.http import HttpRequest
from django.urls import reverse


def page_url(request: HttpRequest, name: str, *args: object) -> str:
    """The absolute URL of the dashboard page `name` (readiness/urls.py)."""
    return request.build_absolute_uri(reverse(f"readiness:{name}", args=args))


def api_url(request: HttpRequest, name: str, **kwargs: object) -> str:
    """The absolute URL of the API operation whose `url_name` is `name`."""
    return request.build_absolute_uri(reverse(f"api:{name}", kwargs=kwargs))
