"""The two pages of a single sign-on: `sso-start` sends the browser to the provider with a
state, a nonce and a PKCE challenge; the provider sends it back to `sso-callback`, which
logs the user in (readiness.sso.backend) or returns to the login page with the reason.
Both answer 404 while SSO is off."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from mozilla_django_oidc.views import OIDCAuthenticationCallbackView, OIDCAuthenticationRequestView

from readiness.sso.provider import ProviderUnavailable, provider_metadata


def _require_sso() -> None:
    if not settings.READINESS_OIDC_ISSUER:
        raise Http404("single sign-on is not configured")


class SsoStartView(OIDCAuthenticationRequestView):
    def __init__(self, **kwargs: object) -> None:
        # The provider's address is looked up when the request comes, not when the view is
        # built, so that a provider that is down gives a message rather than an error page.
        super(OIDCAuthenticationRequestView, self).__init__(**kwargs)

    @property
    def OIDC_RP_CLIENT_ID(self) -> str:
        return settings.OIDC_RP_CLIENT_ID

    @property
    def OIDC_OP_AUTH_ENDPOINT(self) -> str:
        return provider_metadata(settings.READINESS_OIDC_ISSUER)["authorization_endpoint"]

    def get(self, request: HttpRequest) -> HttpResponse:
        _require_sso()
        try:
            return super().get(request)
        except ProviderUnavailable as error:
            messages.error(
                request,
                _("%(provider)s cannot be reached right now: %(error)s")
                % {"provider": settings.READINESS_OIDC_NAME, "error": error},
            )
            return _back_to_login(request.GET.get("next", ""))


class SsoCallbackView(OIDCAuthenticationCallbackView):
    def get(self, request: HttpRequest) -> HttpResponse:
        _require_sso()
        return super().get(request)

    def login_failure(self) -> HttpResponse:
        request = self.request
        reason = getattr(request, "sso_error", "")
        if not reason and request.GET.get("error"):
            reason = _("%(provider)s did not sign you in (%(error)s).") % {
                "provider": settings.READINESS_OIDC_NAME,
                "error": request.GET["error"][:100],
            }
        messages.error(
            request,
            reason
            or _("The sign-in with %(provider)s did not succeed: please try again.")
            % {"provider": settings.READINESS_OIDC_NAME},
        )
        return _back_to_login(request.session.get("oidc_login_next") or "")


def _back_to_login(next_url: str) -> HttpResponseRedirect:
    url = reverse("login")
    # Only a path of this site: the login page checks it again.
    if next_url.startswith("/") and not next_url.startswith("//"):
        url += "?" + urlencode({"next": next_url})
    return redirect(url)
