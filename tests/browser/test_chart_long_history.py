"""Ten years of daily points: the chart draws about a thousand, chosen to keep the line's
shape, says so, and a drag across it brings every point of that window from the server."""

from __future__ import annotations

import pytest
from django.urls import reverse
from playwright.sync_api import Page, expect

from tests import factories
from tests.browser.conftest import editor_of
from tests.browser.test_chart import open_chart, traces
from tests.readiness.dashboard_builders import add_history

pytestmark = pytest.mark.browser


@pytest.fixture
def decade(transactional_db: None):
    team = factories.TeamFactory(name="Payments", slug="payments")
    project = factories.ProjectFactory(team=team, slug="payments-api", name="Payments API")
    version = factories.ChecklistVersionFactory(project=project)
    history = add_history(project, version, 3650)
    return history, editor_of(team)


def drag_across(page: Page, start: float, end: float) -> None:
    """Drag across the plot area from `start` to `end` (fractions of its width)."""
    box = page.locator("#score-chart .nsewdrag").first.bounding_box()
    y = box["y"] + box["height"] / 2
    page.mouse.move(box["x"] + box["width"] * start, y)
    page.mouse.down()
    page.mouse.move(box["x"] + box["width"] * (start + end) / 2, y, steps=5)
    page.mouse.move(box["x"] + box["width"] * end, y, steps=5)
    page.mouse.up()


@pytest.mark.parametrize("locale", ["en-US", "fr-FR"])
def test_a_drag_across_a_downsampled_decade_loads_every_point_of_the_window(
    live_server, new_page, log_in, decade, screenshot, locale
):
    history, editor = decade
    page = new_page(width=1366, height=900, locale=locale)
    log_in(page, editor)
    if locale == "fr-FR":
        page.context.add_cookies(
            [{"name": "django_language", "value": "fr", "url": live_server.url}]
        )
    url = live_server.url + reverse("readiness:project", args=["payments-api"]) + "?range=all"
    open_chart(page, url)
    overall = traces(page)[0]
    assert len(overall["ids"]) == 1000
    expect(page.get_by_test_id("chart-zoom-note")).to_contain_text("3")
    screenshot(f"chart-decade-{locale}", of=page)

    drag_across(page, 0.45, 0.48)
    expect(page.get_by_test_id("chart-zoom-note")).to_contain_text(
        "Zoomed in" if locale == "en-US" else "Zoom"
    )
    expect(page.locator("#score-chart .main-svg").first).to_be_visible()
    ids = traces(page)[0]["ids"]
    every = [a.pk for a in history]
    first = every.index(ids[0])
    # Every point between the window's ends, none skipped.
    assert ids == every[first : first + len(ids)] and len(ids) > 50
    screenshot(f"chart-decade-zoomed-{locale}", of=page)
