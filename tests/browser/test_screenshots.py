"""Screenshots of the main pages under test-artifacts/ (git-ignored), for a person to look
at; each page is first checked for what it must show."""

from __future__ import annotations

import datetime as dt
import re
import zoneinfo

import pytest
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import Page, expect

from readiness.middleware import TIME_ZONE_COOKIE
from tests.factories import ActionItemFactory, AttestationFactory, ProjectFactory

pytestmark = pytest.mark.browser

PHONE_WIDTH = 390
# A French date tick: day, then the short month static/readiness/app.js gives plotly.js.
FRENCH_DAY_TICK = re.compile(
    r"^\d{1,2} (janv\.|févr\.|mars|avr\.|mai|juin|juil\.|août|sept\.|oct\.|nov\.|déc\.)"
)
PARIS = "Europe/Paris"


@pytest.fixture
def busy_dashboard(dashboard):
    """The dashboard with what a real week leaves on it: action items (one overdue), an
    attestation, and a second project never assessed."""
    today = timezone.localdate()
    project = dashboard.project
    ActionItemFactory(project=project, title="Rotate the webhook secret", due_date=today)
    ActionItemFactory(
        project=project,
        title=(
            "Move the webhook secret out of the settings file into the secret store, rotate "
            "it, and check that the old one is refused by every environment"
        ),
        owner="Dominique",
        due_date=today + dt.timedelta(days=10),
    )
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


def boxes(locator) -> list[dict[str, float]]:
    return [element.bounding_box() for element in locator.all()]


def assert_action_items_line_up(page: Page) -> None:
    """Every "Done" button sits at the same place at the right of its title, however
    long the title."""
    items = page.get_by_test_id("action-item").all()
    buttons = [item.get_by_test_id("action-item-complete").bounding_box() for item in items]
    titles = [item.get_by_test_id("action-item-title").bounding_box() for item in items]
    assert len({round(b["x"]) for b in buttons}) == 1, buttons
    for button, title in zip(buttons, titles, strict=True):
        assert button["x"] >= title["x"] + title["width"], (button, title)
        assert title["y"] <= button["y"] + button["height"] / 2 <= title["y"] + title["height"]


def assert_side_by_side_fields_line_up(form) -> None:
    """Labels of one row start at one height and their one-line controls are as tall as
    each other."""
    labels = boxes(form.locator("label"))
    assert max(b["y"] for b in labels) - min(b["y"] for b in labels) < 1, labels
    controls = boxes(form.locator("input:not([type=hidden]), select, button"))
    assert max(b["height"] for b in controls) - min(b["height"] for b in controls) < 1, controls


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
    expect(page.get_by_test_id("action-item")).to_have_count(3)
    assert_action_items_line_up(page)
    assert_side_by_side_fields_line_up(page.get_by_test_id("attestation-form"))
    screenshot("project")

    page.goto(base + d.url("assessment", latest.pk))
    expect(page.get_by_test_id("result-row")).to_have_count(4)
    screenshot("assessment")

    page.goto(f"{base}{d.url('compare')}?a={previous.pk}&b={latest.pk}")
    expect(page.get_by_test_id("attribution")).to_be_visible()
    screenshot("compare")

    page.goto(base + d.url("history", project.slug))
    expect(page.get_by_test_id("history-row")).to_have_count(len(d.assessments))
    assert_side_by_side_fields_line_up(page.get_by_test_id("history-filters"))
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

    french = new_page(locale="fr-FR", timezone_id=PARIS)
    log_in(french, d.editor)
    open_project(french, base + d.url("project", project.slug))
    cookies = {c["name"]: c["value"] for c in french.context.cookies()}
    assert cookies[TIME_ZONE_COOKIE] == PARIS
    # The first page was rendered before the browser said where it is; the next one
    # shows Paris time.
    open_project(french, base + d.url("project", project.slug))
    paris = latest.evaluated_at.astimezone(zoneinfo.ZoneInfo(PARIS))
    expect(french.get_by_test_id("project-summary").locator("time")).to_have_attribute(
        "datetime", paris.isoformat()
    )
    expect(french.locator("html")).to_have_attribute("lang", "fr")
    expect(french.get_by_test_id("project-score")).to_have_text(
        f"{latest.score:.1f}/10".replace(".", ",")
    )
    ticks = french.get_by_test_id("score-chart").locator(".xtick text").all_text_contents()
    assert ticks and all(FRENCH_DAY_TICK.match(tick) for tick in ticks), ticks
    screenshot("project-fr", of=french)
