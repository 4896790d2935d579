"""The single sign-on URLs, under /accounts/sso/."""

from django.urls import path

from readiness.sso.views import SsoCallbackView, SsoStartView

urlpatterns = [
    path("start/", SsoStartView.as_view(), name="sso-start"),
    path("callback/", SsoCallbackView.as_view(), name="sso-callback"),
]
