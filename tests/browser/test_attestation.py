"""Attesting a manual check with the inline form on the project page."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone, translation
from django.utils.formats import date_format
from playwright.sync_api import expect

from readiness.models import Attestation

pytestmark = pytest.mark.browser

CHECK = "cpu-quotas-reviewed"


def test_it_records_an_attestation_and_shows_who_when_and_until_when(
    live_server, page, log_in, dashboard
):
    log_in(page, dashboard.editor)
    page.goto(live_server.url + dashboard.url("project", dashboard.project.slug))
    page.evaluate("window.sameDocument = true")
    manual = page.locator(f'[data-testid="manual-check"][data-check="{CHECK}"]')
    expect(manual).to_contain_text("Awaiting attestation")

    manual.get_by_test_id("attestation-status").select_option("warn")
    manual.get_by_label("Note").fill("Reviewed with ops; one pod still unbounded.")
    manual.get_by_label("Evidence link").fill("https://wiki.example.com/quotas")
    manual.get_by_test_id("attestation-submit").click()

    current = manual.get_by_test_id("attestation-current")
    expect(current.locator(".badge")).to_have_attribute("data-status", "warn")
    expect(manual).to_contain_text("Attestation recorded.")
    expect(manual).not_to_contain_text("Awaiting attestation")
    expect(manual).to_contain_text("Reviewed with ops; one pod still unbounded.")
    expect(manual.get_by_role("link", name="Evidence")).to_have_attribute(
        "href", "https://wiki.example.com/quotas"
    )

    attestation = Attestation.objects.get(project=dashboard.project, check_key=CHECK)
    valid_days = dashboard.project.current_checklist().checks.get(key=CHECK).options["valid_days"]
    assert attestation.valid_until == attestation.attested_at + dt.timedelta(days=valid_days)
    with translation.override("en"):
        when = date_format(timezone.localtime(attestation.attested_at), "DATETIME_FORMAT")
        until = date_format(timezone.localtime(attestation.valid_until), "DATE_FORMAT")
    expect(current).to_contain_text(f"by {dashboard.editor.username} on {when}")
    expect(manual.get_by_test_id("attestation-expiry")).to_have_text(f"Valid until {until}")
    assert page.evaluate("window.sameDocument") is True
