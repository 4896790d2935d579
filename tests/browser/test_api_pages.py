"""The API's pages in Chromium: the interactive docs load from our own origin only (no CDN)
and show every operation under the Content-Security-Policy; and the team page's tokens,
created (the secret shown once) and revoked by an admin, in English and French."""

from __future__ import annotations

import datetime as dt
from urllib.parse import urlsplit

import pytest
from django.utils import timezone
from playwright.sync_api import Request, expect

from readiness.models import ApiToken, Role
from readiness.services.api_tokens import api_token_create, api_token_revoke
from tests import factories
from tests.browser.test_csp import watched

pytestmark = pytest.mark.browser

# Swagger UI's inline images and the spec it may load as a blob stay in the page.
IN_PAGE_SCHEMES = ("data", "blob", "about")


def outside(live_server_url: str, requests: list[Request]) -> list[str]:
    origin = urlsplit(live_server_url)
    return [
        request.url
        for request in requests
        if urlsplit(request.url).scheme not in IN_PAGE_SCHEMES
        and urlsplit(request.url)[:2] != origin[:2]
    ]


def test_the_docs_load_only_from_the_server_and_show_every_operation(live_server, page, db):
    requests: list[Request] = []
    page.on("request", lambda request: requests.append(request))
    violations = watched(page)
    response = page.goto(f"{live_server.url}/api/v1/docs")  # public: no login
    assert response is not None and response.status == 200
    assert "script-src 'self'" in response.headers.get("content-security-policy", "")
    operations = page.locator(".opblock")
    expect(operations.first).to_be_visible()
    expect(page.get_by_text("The projects the caller can see")).to_be_visible()
    paths = {p.strip() for p in page.locator(".opblock-summary-path").all_inner_texts()}
    assert {
        "/api/v1/projects/",
        "/api/v1/projects/{slug}/",
        "/api/v1/projects/{slug}/assessments/",
        "/api/v1/assessments/{id}/",
        "/api/v1/assessments/{id}/progress",
        "/api/v1/compare/",
    } <= {p.replace("\u200b", "") for p in paths}
    page.wait_for_load_state("networkidle")
    assert any(r.url.endswith("/api/v1/openapi.json") for r in requests)
    assert outside(live_server.url, requests) == []
    assert page.evaluate("window.cspViolations") == [] and violations == []


@pytest.fixture
def token_team(dashboard):
    """The dashboard's team with an admin and three tokens: one used this morning, one
    never used, one revoked."""
    admin = factories.UserFactory(username="camille", first_name="Camille", last_name="Martin")
    factories.MembershipFactory(team=dashboard.team, user=admin, role=Role.ADMIN)
    used, _ = api_token_create(team=dashboard.team, scope="run", name="GitHub Actions", by=admin)
    ApiToken.objects.filter(pk=used.pk).update(
        created_at=timezone.now() - dt.timedelta(days=40),
        last_used_at=timezone.now() - dt.timedelta(minutes=7),
    )
    api_token_create(team=dashboard.team, scope="metrics", name="Prometheus", by=admin)
    old, _ = api_token_create(team=dashboard.team, scope="read", name="Old dashboard", by=admin)
    api_token_revoke(token=old, by=admin)
    return dashboard, admin


@pytest.mark.parametrize(("locale", "words"), [("en-US", "Copy it now"), ("fr-FR", "Copiez-le")])
def test_an_admin_creates_a_token_sees_its_secret_once_and_revokes_one(
    live_server, new_page, log_in, screenshot, token_team, locale, words
):
    _dashboard, admin = token_team
    page = new_page(width=1366, height=900, locale=locale)
    log_in(page, admin)
    page.goto(f"{live_server.url}/teams/payments/")
    tokens = page.get_by_test_id("api-tokens")
    expect(tokens.get_by_test_id("api-token")).to_have_count(3)
    language = "en" if locale == "en-US" else "fr"
    screenshot(f"team-tokens-{language}", of=page)
    page.get_by_test_id("api-token-name").fill("Deploy from GitLab")
    page.get_by_test_id("api-token-scope").select_option("run")
    page.get_by_test_id("api-token-create").click()
    secret_box = page.get_by_test_id("api-token-secret")
    expect(secret_box).to_contain_text(words)
    secret = page.get_by_test_id("api-token-value").input_value()
    assert secret.startswith("rdy_")
    screenshot(f"team-token-created-{language}", of=page)
    assert ApiToken.objects.get(name="Deploy from GitLab").prefix == secret[:10]
    page.goto(f"{live_server.url}/teams/payments/")
    assert secret not in page.content()
    row = page.locator('[data-testid="api-token"]', has_text="Prometheus")
    row.get_by_test_id("api-token-revoke").locator("summary").click()
    row.get_by_test_id("api-token-revoke-confirm").click()
    expect(page.locator(".messages")).to_contain_text("Prometheus")
    assert ApiToken.objects.get(name="Prometheus").revoked_at is not None
