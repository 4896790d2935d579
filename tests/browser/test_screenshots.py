"""Screenshots of the main pages under test-artifacts/ (git-ignored), for a person to look
at; each page is first checked for what it must show."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import Page, expect

from tests.factories import ActionItemFactory, AttestationFactory, ProjectFactory

pytestmark = pytest.mark.browser

PHONE_WIDTH = 390


@pytest.fixture
def busy_dashboard(dashboard):
    """The dashboard with what a real week leaves on it: action items (one overdue), an
    attestation, and a second project never assessed."""
    today = timezone.localdate()
    project = dashboard.project
    ActionItemFactory(project=project, title="Rotate the webhook secret", due_date=today)
    ActionItemFactory(
        project=project,
        title="Add CORS origins to the settings",
        owner="Camille",
        due_date=today - dt.timedelta(days=2),
        check_key="cors-whitelist",
    )
    AttestationFactory(
        project=project,
        check_key="cpu-quotas-reviewed",
        status="pass",
        attested_by="Camille Martin",
        note="Limits set on every deployment.",
        attested_at=timezone.now() - dt.timedelta(days=25),
    )
    ProjectFactory(team=dashboard.team, slug="ledger", name="Ledger")
    return dashboard


def open_project(page: Page, url: str) -> None:
    page.goto(url)
    expect(page.get_by_test_id("score-chart").locator("path.point").first).to_be_visible()


def fits_width(page: Page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def test_it_saves_screenshots_of_the_main_pages(
    live_server, page, new_page, log_in, screenshot, busy_dashboard
):
    d = busy_dashboard
    project = d.project
    base = live_server.url
    latest, previous = d.assessments[-1], d.assessments[-2]

    page.goto(base + reverse("login"))
    expect(page.get_by_test_id("login-form")).to_be_visible()
    screenshot("login")

    log_in(page, d.editor)
    page.goto(base + d.url("overview"))
    expect(page.get_by_test_id("project-card")).to_have_count(2)
    screenshot("overview")

    open_project(page, base + d.url("project", project.slug))
    expect(page.get_by_test_id("action-item")).to_have_count(2)
    screenshot("project")

    page.goto(base + d.url("assessment", latest.pk))
    expect(page.get_by_test_id("result-row")).to_have_count(4)
    screenshot("assessment")

    page.goto(f"{base}{d.url('compare')}?a={previous.pk}&b={latest.pk}")
    expect(page.get_by_test_id("attribution")).to_be_visible()
    screenshot("compare")

    page.goto(base + d.url("history", project.slug))
    expect(page.get_by_test_id("history-row")).to_have_count(len(d.assessments))
    screenshot("history")

    page.goto(base + d.url("standup", d.team.slug))
    expect(page.get_by_test_id("standup-project")).to_have_count(2)
    screenshot("standup")

    page.goto(base + d.url("checklist", project.slug))
    expect(page.get_by_test_id("checklist-check")).to_have_count(4)
    screenshot("checklist")

    phone = new_page(width=PHONE_WIDTH, height=844)
    log_in(phone, d.editor)
    open_project(phone, base + d.url("project", project.slug))
    screenshot("project-phone", of=phone)
    assert fits_width(phone), "the project page scrolls sideways on a phone"

    french = new_page(locale="fr-FR")
    log_in(french, d.editor)
    open_project(french, base + d.url("project", project.slug))
    expect(french.locator("html")).to_have_attribute("lang", "fr")
    expect(french.get_by_test_id("project-score")).to_have_text(
        f"{latest.score:.1f}/10".replace(".", ",")
    )
    screenshot("project-fr", of=french)
