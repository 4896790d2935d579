"""The Content-Security-Policy in Chromium: every page of the app (checked against the list
of its URLs), the admin, the HTML report and the lockout page come with the policy and work
under it without a single violation (charts drawn and styled, htmx swaps, the admin's
scripts)."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from urllib.parse import urlsplit

import pytest
from axes.models import AccessAttempt
from django.conf import settings
from django.urls import resolve, reverse
from django.utils import timezone
from playwright.sync_api import Browser, ConsoleMessage, Page, expect

from readiness.models import BaseChecklist
from readiness.services.bases import base_checklist_save
from readiness.services.campaigns import campaign_create
from readiness.services.waivers import waiver_request
from tests import factories
from tests.browser.test_attest_import import preview
from tests.readiness.views.pages import page_names

pytestmark = pytest.mark.browser

BASE = """\
version: 1
name: Service
categories:
  - key: docs
    checks:
      - {key: readme, type: file, paths: [README.md]}
      - {key: named, type: file, paths: [service.toml]}
"""
CAMPAIGN = """\
version: 1
categories:
  - key: docs
    checks:
      - {key: changelog, type: file, paths: [CHANGELOG.md]}
"""

# Runs before any script of the page (Playwright's init scripts are not subject to it).
WATCH_VIOLATIONS = """
window.cspViolations = [];
document.addEventListener("securitypolicyviolation", function (event) {
  window.cspViolations.push(
    event.effectiveDirective + " blocked " + (event.blockedURI || "inline") + " " + event.sample
  );
});
"""


def watched(page: Page) -> list[str]:
    """Console messages that mention the policy, from now on (violations are errors in
    Chromium; the new_page fixture fails on those anyway, this names them)."""
    messages: list[str] = []

    def console(message: ConsoleMessage) -> None:
        if "Content Security Policy" in message.text:
            messages.append(f"{page.url}: {message.text}")

    page.add_init_script(WATCH_VIOLATIONS)
    page.on("console", console)
    return messages


# The app's URL names opened by visit(), to check that every page was.
VISITED: set[str] = set()


def visit(page: Page, url: str, ready: Callable[[Page], None]) -> None:
    """Open `url`, check that it came with the policy, wait until it is `ready`, and
    fail on any violation so far."""
    match = resolve(urlsplit(url).path)
    if match.namespace == "readiness":
        VISITED.add(match.url_name)
    response = page.goto(url)
    assert response is not None
    policy = response.headers.get("content-security-policy", "")
    assert "script-src 'self'" in policy, (url, policy)
    assert "frame-ancestors 'none'" in policy, (url, policy)
    ready(page)
    assert page.evaluate("window.cspViolations") == [], url


def chart_drawn(page: Page) -> None:
    chart = page.get_by_test_id("score-chart")
    expect(chart.locator("path.point").first).to_be_visible()
    # plotly.js's own rules (the mode bar's) went in: its <style> was allowed.
    sheet = "document.getElementById('plotly.js-style-global').sheet"
    assert page.evaluate(f"{sheet} ? {sheet}.cssRules.length : 0") > 0


def test_every_page_works_under_the_policy_without_a_violation(
    live_server, page, log_in, dashboard
):
    messages = watched(page)
    d = dashboard
    base = live_server.url
    project = d.project
    latest, previous = d.assessments[-1], d.assessments[-2]

    visit(
        page,
        base + reverse("login"),
        lambda p: expect(p.get_by_test_id("login-form")).to_be_visible(),
    )

    admin = factories.UserFactory(username="root", is_staff=True, is_superuser=True)
    log_in(page, admin)
    visit(
        page,
        base + d.url("overview"),
        lambda p: expect(p.get_by_test_id("project-card")).to_have_count(1),
    )
    visit(
        page,
        base + d.url("team", d.team.slug),
        lambda p: expect(p.get_by_test_id("member")).to_have_count(1),
    )
    visit(page, base + d.url("project", project.slug), chart_drawn)
    # An htmx swap: another range of the chart, drawn again.
    page.get_by_role("link", name="All").click()
    expect(page.locator('.range-links a[aria-current="true"]')).to_have_text("All")
    chart_drawn(page)
    visit(
        page,
        base + d.url("assessment", latest.pk),
        lambda p: expect(p.get_by_test_id("result-row")).to_have_count(4),
    )
    visit(
        page,
        f"{base}{d.url('compare')}?a={previous.pk}&b={latest.pk}",
        lambda p: expect(p.get_by_test_id("attribution")).to_be_visible(),
    )
    visit(page, base + d.url("history", project.slug), chart_drawn)
    # An htmx swap of the table: a filter.
    page.get_by_test_id("history-filters").locator("select").first.select_option(index=1)
    expect(page).to_have_url(re.compile(r"\?.+"))
    expect(page.get_by_test_id("history-table")).to_be_visible()
    visit(
        page,
        base + d.url("standup", d.team.slug),
        lambda p: expect(p.get_by_test_id("standup-project")).to_have_count(1),
    )
    visit(
        page,
        base + d.url("checklist", project.slug),
        lambda p: expect(p.get_by_test_id("checklist-check")).to_have_count(4),
    )
    visit(
        page,
        base + d.url("project-new", d.team.slug),
        lambda p: expect(p.get_by_test_id("project-new-form")).to_be_visible(),
    )
    visit(
        page,
        base + d.url("import-document", project.slug),
        lambda p: expect(p.get_by_test_id("import-form")).to_be_visible(),
    )
    expect(preview(page, live_server, d)).to_be_visible()
    assert page.evaluate("window.cspViolations") == []

    # The HTML report: one standalone file whose inline styles the policy allows by hash.
    def report_styled(p: Page) -> None:
        table = p.get_by_test_id("report-checks")
        expect(table).to_be_visible()
        assert table.evaluate("t => getComputedStyle(t).borderCollapse") == "collapse"

    visit(page, f"{base}{d.url('report-download', project.slug)}?format=html", report_styled)

    # The shared standards: a base checklist with a waiver asked, a campaign of the team.
    base_checklist_save(team=d.team, slug="service", source=BASE, actor=admin, name="Service")
    shared = BaseChecklist.objects.get(team=d.team, slug="service")
    waiver_request(
        base=shared,
        check_key="readme",
        until=timezone.localdate() + dt.timedelta(days=10),
        reason="docs move",
        user=admin,
    )
    today = timezone.localdate()
    campaign, _updated = campaign_create(
        team=d.team,
        name="Runbooks",
        start=today - dt.timedelta(days=3),
        target=today + dt.timedelta(days=20),
        checks_text=CAMPAIGN,
        actor=admin,
        teams=[d.team],
    )
    visit(
        page,
        base + d.url("team-audit", d.team.slug),
        lambda p: expect(p.get_by_test_id("audit-entry").first).to_be_visible(),
    )
    visit(
        page,
        base + d.url("bases", d.team.slug),
        lambda p: expect(p.get_by_test_id("bases")).to_be_visible(),
    )
    visit(
        page,
        base + d.url("base", d.team.slug, "service"),
        lambda p: expect(p.get_by_test_id("waiver")).to_have_count(1),
    )
    # The preview of a change, then an htmx swap of the waivers card.
    page.get_by_test_id("base-preview-button").click()
    expect(page.get_by_test_id("base-preview")).to_be_visible()
    page.get_by_test_id("waiver-request").locator("summary").click()
    page.get_by_test_id("waiver-form").locator("select").select_option("named")
    page.get_by_test_id("waiver-until").fill(today.isoformat())
    page.get_by_test_id("waiver-reason").fill("renaming")
    page.get_by_test_id("waiver-submit").click()
    expect(page.get_by_test_id("waiver")).to_have_count(2)
    assert page.evaluate("window.cspViolations") == []
    visit(
        page,
        base + d.url("campaigns", d.team.slug),
        lambda p: expect(p.get_by_test_id("campaign")).to_have_count(1),
    )
    visit(
        page,
        base + d.url("campaign", d.team.slug, campaign.slug),
        lambda p: expect(p.locator("#burnup-chart .main-svg").first).to_be_visible(),
    )
    visit(
        page,
        base + d.url("campaign-edit", d.team.slug, campaign.slug),
        lambda p: expect(p.get_by_test_id("campaign-form")).to_be_visible(),
    )
    visit(
        page,
        base + d.url("campaign-delete", d.team.slug, campaign.slug),
        lambda p: expect(p.get_by_test_id("campaign-delete-confirm")).to_be_visible(),
    )
    assert page_names() <= VISITED, f"pages not opened: {page_names() - VISITED}"

    visit(
        page,
        base + reverse("admin:index"),
        lambda p: expect(p.locator("#content-main")).to_be_visible(),
    )
    visit(
        page,
        base + reverse("admin:readiness_project_changelist"),
        lambda p: expect(p.locator("#result_list")).to_be_visible(),
    )
    visit(
        page,
        base + reverse("admin:readiness_project_change", args=[project.pk]),
        lambda p: expect(p.locator("#project_form")).to_be_visible(),
    )
    visit(
        page,
        base + reverse("admin:axes_accessattempt_changelist"),
        lambda p: expect(p.locator("#changelist")).to_be_visible(),
    )
    assert messages == []


def test_the_lockout_page_works_under_the_policy(live_server, browser: Browser, transactional_db):
    # Its own context: the 429 answer is logged by Chromium as a failed resource, which
    # the new_page fixture would count as a script error.
    context = browser.new_context(locale="en-US")
    try:
        page = context.new_page()
        messages = watched(page)
        AccessAttempt.objects.create(
            username="ghost",
            ip_address="127.0.0.1",
            user_agent="",
            attempt_time=timezone.now(),
            get_data="",
            post_data="",
            http_accept="",
            path_info="/accounts/login/",
            failures_since_start=settings.AXES_FAILURE_LIMIT,
        )
        visit(page, live_server.url + reverse("login"), lambda p: None)
        page.get_by_label("User name").fill("ghost")
        page.get_by_label("Password").fill("wrong")
        with page.expect_response(lambda r: r.url.endswith(reverse("login"))) as answer:
            page.get_by_test_id("login-submit").click()
        assert answer.value.status == 429
        assert "script-src 'self'" in answer.value.headers["content-security-policy"]
        expect(page.get_by_test_id("lockout")).to_contain_text("Too many failed logins")
        assert page.evaluate("window.cspViolations") == []
        assert messages == []
    finally:
        context.close()
