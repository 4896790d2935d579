"""The project's score chart (a click on a point loads that assessment below it, in
place) and the comparison of two assessments picked on the history page."""

from __future__ import annotations

import re
from urllib.parse import parse_qs, urlsplit

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import expected_score
from tests.readiness.repo_builders import CREDIT

pytestmark = pytest.mark.browser


def signed(text: str) -> float:
    """ "+3.75" or "−1.25" (the typographic minus) as a number."""
    return float(text.strip().replace("−", "-"))


def statuses_of(assessment) -> dict[str, str]:
    return dict(assessment.results.values_list("check_item__key", "status"))


def moves(version, old: dict[str, str], new: dict[str, str]) -> list[float]:
    """What each check that changed status moved the score by, by the formula: its share
    of the score times its change of credit (every check here passes or fails, so no
    share moves)."""
    categories = list(version.categories.all())
    total = sum(c.weight for c in categories)
    amounts = []
    for cat in categories:
        checks = list(cat.checks.all())
        for check in checks:
            if old[check.key] != new[check.key]:
                share = cat.weight / total * check.weight / sum(c.weight for c in checks)
                amounts.append(10 * share * (CREDIT[new[check.key]] - CREDIT[old[check.key]]))
    return amounts


def test_it_loads_the_assessment_of_a_clicked_chart_point_without_a_reload(
    live_server, page, log_in, dashboard
):
    log_in(page, dashboard.editor)
    url = live_server.url + dashboard.url("project", dashboard.project.slug)
    page.goto(url)
    page.evaluate("window.sameDocument = true")

    points = page.get_by_test_id("score-chart").locator(".scatterlayer path.point")
    expect(points).to_have_count(len(dashboard.assessments))
    clicked = dashboard.assessments[2]  # the chart's points are oldest first
    box = points.nth(2).bounding_box()
    assert box is not None
    page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    # Plotly finds the point under the pointer on hover; the click then reports it.
    expect(page.locator("#score-chart .hoverlayer .hovertext").first).to_contain_text(
        clicked.revision[:12]
    )
    page.mouse.down()
    page.mouse.up()

    detail = page.get_by_test_id("assessment-panel").get_by_test_id("assessment-detail")
    expect(detail).to_have_attribute("data-assessment-id", str(clicked.pk))
    expect(detail).to_contain_text(f"Assessment #{clicked.pk}")
    expect(detail).to_contain_text(clicked.revision[:10])
    expect(detail.get_by_test_id("assessment-score")).to_have_text(f"{clicked.score:.1f}/10")
    assert page.url == url
    assert page.evaluate("window.sameDocument") is True


def test_it_compares_two_assessments_picked_in_the_history(live_server, page, log_in, dashboard):
    log_in(page, dashboard.editor)
    page.goto(live_server.url + dashboard.url("history", dashboard.project.slug))
    # Neither is the page's default pair (the two newest).
    before, after = dashboard.assessments[1], dashboard.assessments[3]

    page.locator(f'[data-testid="history-row"][data-assessment-id="{before.pk}"]').locator(
        'input[name="a"]'
    ).check()
    page.locator(f'[data-testid="history-row"][data-assessment-id="{after.pk}"]').locator(
        'input[name="b"]'
    ).check()
    page.get_by_test_id("compare-selected").click()

    expect(page).to_have_url(re.compile(r"/compare/\?"))
    assert parse_qs(urlsplit(page.url).query) == {"a": [str(before.pk)], "b": [str(after.pk)]}
    contributions = page.get_by_test_id("contribution")
    # Webhook fail→pass, CORS pass→fail, logger fail→pass; the manual check stayed.
    expect(contributions).to_have_count(3)
    amounts = [signed(t) for t in contributions.locator("td.num").all_inner_texts()]
    residual = signed(page.get_by_test_id("residual").locator("td.num").inner_text())
    total = signed(page.get_by_test_id("total-delta").inner_text())
    assert sum(amounts) + residual == pytest.approx(total, abs=1e-9)

    old, new = (statuses_of(a) for a in (before, after))
    scores = [expected_score(before.checklist, s)[0] for s in (old, new)]
    assert total == pytest.approx(round(scores[1] - scores[0], 2), abs=1e-9)
    assert sorted(amounts) == pytest.approx(sorted(moves(before.checklist, old, new)), abs=1e-9)
    expect(page.get_by_test_id("before-score")).to_have_text(f"{scores[0]:.1f}/10")
    expect(page.get_by_test_id("after-score")).to_have_text(f"{scores[1]:.1f}/10")
