"""A team admin adds a project from a monorepo: "Detect" shows the starter, the folder it
lives in and the dry run before anything is saved; the project is added with the fitted
checklist; its base URL is then set on the project page. English and French, 1366×900."""

from __future__ import annotations

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from readiness.models import Project, Role
from tests import factories
from tests.browser.conftest import ARTIFACTS
from tests.readiness.views.test_project_detect import MONOREPO
from tests.starters.repos import write_files

pytestmark = [pytest.mark.browser]


def view(page, name: str) -> None:
    """What the reader sees at 1366×900, under test-artifacts/ (git-ignored)."""
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), animations="disabled")


@pytest.mark.parametrize(("locale", "words"), [("en-US", "Detected"), ("fr-FR", "Détecté")])
def test_detect_then_add_then_set_the_base_url(
    live_server, new_page, log_in, tmp_path, transactional_db, locale, words
):
    team = factories.TeamFactory(name="Orders", slug="orders")
    user = factories.UserFactory(username="lead")
    factories.MembershipFactory(team=team, user=user, role=Role.ADMIN)
    write_files(tmp_path / "repo", MONOREPO)
    page = new_page(width=1366, height=900, locale=locale)
    log_in(page, user)
    language = locale[:2]

    page.goto(live_server.url + reverse("readiness:project-new", args=["orders"]))
    page.locator("#id_name").fill("Orders API")
    page.locator("#id_source").fill(str(tmp_path / "repo"))
    page.get_by_test_id("detect").click()

    detection = page.get_by_test_id("detection")
    expect(detection).to_contain_text(words)
    expect(detection).to_contain_text("sos/")
    expect(page.get_by_test_id("detection-score")).to_contain_text("%")
    expect(page.locator("#id_starter")).to_have_value("detect")
    assert not Project.objects.exists()
    page.get_by_test_id("detect").scroll_into_view_if_needed()
    view(page, f"project-new-detect-{language}")
    page.locator("#field-starter").scroll_into_view_if_needed()
    view(page, f"project-new-detect-{language}-starter")

    page.get_by_test_id("project-new-submit").click()
    page.wait_for_url("**/projects/orders-api/")
    project = Project.objects.get(slug="orders-api")
    assert project.current_checklist().source_name == "django-service.yml"

    form = page.get_by_test_id("base-url-form")
    form.locator("input[name=base_url]").fill("ftp://orders")
    form.locator("button").click()
    expect(page.get_by_test_id("error-base_url")).to_be_visible()
    form = page.get_by_test_id("base-url-form")
    form.locator("input[name=base_url]").fill("https://orders.example.com/")
    form.locator("button").click()
    expect(page.get_by_test_id("base-url")).to_contain_text("https://orders.example.com")
    project.refresh_from_db()
    assert project.base_url == "https://orders.example.com"
    page.get_by_test_id("base-url").scroll_into_view_if_needed()
    view(page, f"project-base-url-{language}")
