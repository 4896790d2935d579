from urllib.parse import quote

import pytest
from django.conf import settings
from django.http import HttpResponse
from django.test import RequestFactory
from django.urls import reverse
from django.utils import timezone

from readiness.middleware import TIME_ZONE_COOKIE, TimeZoneMiddleware, time_zone_from_cookie


@pytest.fixture(autouse=True)
def _default_time_zone():
    """A zone activated here must not leak into the next test run by this thread."""
    yield
    timezone.deactivate()


def zone_seen_by_the_view(cookie: str | None) -> str:
    seen = []

    def view(request):
        seen.append(timezone.get_current_timezone_name())
        return HttpResponse()

    request = RequestFactory().get("/")
    if cookie is not None:
        request.COOKIES[TIME_ZONE_COOKIE] = cookie
    TimeZoneMiddleware(view)(request)
    return seen[0]


def test_it_activates_the_time_zone_the_cookie_names():
    assert zone_seen_by_the_view("Asia/Tokyo") == "Asia/Tokyo"


@pytest.mark.parametrize(
    "cookie",
    [None, "", "Mars/Olympus_Mons", "Europe", "../etc/passwd", "/etc/localtime", "UTC\x00"],
)
def test_it_falls_back_to_the_settings_time_zone_without_a_valid_cookie(cookie):
    assert settings.TIME_ZONE != "Asia/Tokyo"
    assert zone_seen_by_the_view(cookie) == settings.TIME_ZONE


def test_it_does_not_keep_the_last_requests_time_zone():
    zone_seen_by_the_view("Asia/Tokyo")
    assert zone_seen_by_the_view("not a zone") == settings.TIME_ZONE


def test_it_checks_the_cookie_against_the_zones_zoneinfo_knows():
    assert str(time_zone_from_cookie("America/Argentina/Buenos_Aires")) == (
        "America/Argentina/Buenos_Aires"
    )
    assert time_zone_from_cookie("America/Argentina") is None


def chart_url() -> str:
    return reverse("readiness:project-chart", args=["payments-api"]) + "?range=1y"


def test_it_tells_htmx_to_load_the_login_page_with_the_page_to_come_back_to(client):
    page = "/projects/payments-api/?range=1y"
    response = client.get(
        chart_url(),
        headers={"HX-Request": "true", "HX-Current-URL": f"http://testserver{page}"},
    )
    assert response.status_code == 200
    assert response["HX-Redirect"] == f"{reverse('login')}?next={quote(page, safe='/')}"
    assert response.content == b""


def test_it_sends_htmx_to_the_login_page_alone_when_the_page_is_on_another_site(client):
    response = client.get(
        chart_url(),
        headers={"HX-Request": "true", "HX-Current-URL": "https://elsewhere.example/x/"},
    )
    assert response["HX-Redirect"] == reverse("login")


def test_it_answers_an_htmx_post_after_the_session_expired_with_a_redirect_header(client):
    response = client.post(
        reverse("readiness:project-run", args=["payments-api"]),
        headers={"HX-Request": "true", "HX-Current-URL": "http://testserver/projects/x/"},
    )
    assert response["HX-Redirect"] == f"{reverse('login')}?next=/projects/x/"


def test_it_leaves_the_login_redirect_of_a_plain_request_alone(client):
    response = client.get(chart_url())
    assert response.status_code == 302
    assert response["Location"] == f"{reverse('login')}?next={quote(chart_url(), safe='/')}"
    assert "HX-Redirect" not in response
