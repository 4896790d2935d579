"""An unattested manual check reads "Awaiting attestation", in a neutral style, and is
not one of the standup's new failures."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from checks import registry
from checks.spec import RunContext
from readiness.models import CheckResult
from readiness.services.checklists import checklist_spec
from tests.browser.conftest import add_assessment

pytestmark = pytest.mark.browser

CHECK = "cpu-quotas-reviewed"


@pytest.fixture
def today(dashboard):
    """Today's run: the webhook check newly fails, the manual check has no attestation
    (its result is the engine's own outcome for that)."""
    keys = [c.key for c in dashboard.project.current_checklist().checks.order_by("position")]
    statuses = dict(zip(keys, ["fail", "pass", "pass", "error"], strict=True))
    assessment = add_assessment(
        dashboard.project,
        statuses,
        evaluated_at=timezone.now() - dt.timedelta(minutes=10),
        revision="f" * 40,
    )
    spec = checklist_spec(dashboard.project.current_checklist()).check(CHECK)
    manual = registry.get(spec.type)
    outcome = manual.run(spec, manual.typed(spec.options), RunContext(Path("."), timezone.now()))
    CheckResult.objects.filter(assessment=assessment, check_item__key=CHECK).update(
        status=outcome.status, summary=outcome.summary, details=outcome.stored_details()
    )
    return assessment


def test_it_shows_an_unattested_check_as_awaiting_not_as_a_failure(
    live_server, page, log_in, dashboard, today
):
    log_in(page, dashboard.editor)
    page.goto(live_server.url + dashboard.url("project", dashboard.project.slug))

    row = page.locator(f'[data-testid="result-row"][data-check="{CHECK}"]')
    expect(row.locator(".badge")).to_have_text("◷ Awaiting attestation")
    expect(row).not_to_contain_text("Error")
    # Neutral: not the colour of a failure.
    colour = row.locator(".badge").evaluate("e => getComputedStyle(e).color")
    failed = page.locator('[data-testid="result-row"][data-status="fail"] .badge-fail')
    fail_colour = failed.evaluate("e => getComputedStyle(e).color")
    assert colour != fail_colour
    operations = page.locator('[data-testid="result-group"][data-category="operations"]')
    expect(operations.get_by_test_id("group-awaiting")).to_have_text("1 awaiting attestation")
    expect(operations.get_by_test_id("group-failing")).to_have_count(0)

    page.goto(live_server.url + dashboard.url("standup", dashboard.team.slug))
    failures = page.get_by_test_id("standup-new-failures")
    expect(failures).to_contain_text("Stripe webhook signature is verified")
    expect(failures).not_to_contain_text("CPU quotas reviewed")
    awaiting = page.get_by_test_id("standup-awaiting")
    expect(awaiting).to_contain_text("CPU quotas reviewed")
    expect(awaiting).to_contain_text("Awaiting attestation")
