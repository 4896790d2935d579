"""The single sign-on button of the login page, read from the settings when it renders."""

from __future__ import annotations

from django import template
from django.conf import settings

register = template.Library()


@register.simple_tag
def sso_provider() -> str:
    """The provider's name for "Sign in with …", or "" while single sign-on is off."""
    return settings.READINESS_OIDC_NAME if settings.READINESS_OIDC_ISSUER else ""
