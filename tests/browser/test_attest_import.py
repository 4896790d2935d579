"""Attestations that mean something, and an import that says what it changes: in Chromium,
attesting without a status is refused, and the import preview sets the current checklist
beside the document's and saves only once merge or replace is chosen."""

from __future__ import annotations

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from readiness.models import Attestation

pytestmark = pytest.mark.browser

CHECK = "cpu-quotas-reviewed"


def review(date: str) -> bytes:
    return (
        f"# Payments API review\n\nDate: {date}\n\n"
        "## Operations\n\n- ✅ CPU quotas reviewed\n- ✅ On-call rota published\n\n"
        "## Security\n\n- ❌ Secrets rotated\n"
    ).encode()


def test_it_refuses_an_attestation_without_a_status_and_saves_nothing(
    live_server, page, log_in, dashboard
):
    log_in(page, dashboard.editor)
    page.goto(live_server.url + dashboard.url("project", dashboard.project.slug))
    manual = page.locator(f'[data-testid="manual-check"][data-check="{CHECK}"]')
    status = manual.get_by_test_id("attestation-status")
    expect(status).to_have_value("")
    expect(status.locator("option:checked")).to_have_text("— choose —")

    manual.get_by_label("Evidence link").fill("https://wiki.example.com/quotas")
    manual.get_by_test_id("attestation-submit").click()

    errors = manual.get_by_test_id("attestation-error")
    expect(errors.and_(manual.locator('[data-field="status"]'))).to_have_text(
        "Choose a status: pass, warn or fail."
    )
    expect(errors.and_(manual.locator('[data-field="note"]'))).to_have_text(
        "Write a note: what was checked, and how."
    )
    expect(manual).not_to_contain_text("Attestation recorded.")
    # What the user typed is kept for the next try.
    expect(manual.get_by_label("Evidence link")).to_have_value("https://wiki.example.com/quotas")
    assert not Attestation.objects.filter(project=dashboard.project).exists()

    manual.get_by_test_id("attestation-status").select_option("pass")
    manual.get_by_label("Note").fill("Reviewed with ops: 7-12 of 30 vCPU.")
    manual.get_by_test_id("attestation-submit").click()
    expect(manual).to_contain_text("Attestation recorded.")
    assert Attestation.objects.get(project=dashboard.project).status == "pass"


def preview(page, live_server, dashboard):
    page.goto(live_server.url + dashboard.url("import-document", dashboard.project.slug))
    page.get_by_test_id("import-form").locator('input[type="file"]').set_input_files(
        {
            "name": "review.md",
            "mimeType": "text/markdown",
            "buffer": review(timezone.localdate().isoformat()),
        }
    )
    page.get_by_test_id("import-preview").click()
    return page.get_by_test_id("import-changes")


def test_the_import_preview_shows_the_replaced_version_and_merges_when_chosen(
    live_server, page, log_in, dashboard, screenshot
):
    log_in(page, dashboard.editor)
    changes = preview(page, live_server, dashboard)

    expect(changes.get_by_test_id("import-current")).to_contain_text("Version 1")
    expect(changes.get_by_test_id("import-current")).to_contain_text("4 checks")
    expect(changes.get_by_test_id("import-new")).to_contain_text("3 checks")
    expect(changes.get_by_test_id("import-change-counts")).to_contain_text(
        "2 added 3 removed 1 changed"
    )
    added = changes.get_by_test_id("import-added")
    expect(added).to_contain_text("on-call-rota-published")
    expect(added).to_contain_text("secrets-rotated")
    removed = changes.get_by_test_id("import-removed")
    for key in ("stripe-webhook-signature", "cors-whitelist", "production-logger"):
        expect(removed).to_contain_text(key)
    expect(changes.get_by_test_id("import-changed")).to_contain_text("valid_days: 30 → 90")
    screenshot("import-preview")

    # Nothing is saved until the user says what happens to the current checklist.
    page.get_by_test_id("import-confirm").click()
    expect(page.get_by_test_id("import-mode-error")).to_contain_text("merge or replace")
    assert dashboard.project.current_checklist().number == 1
    assert not Attestation.objects.exists()

    page.get_by_test_id("import-merge").check()
    page.get_by_test_id("import-confirm").click()
    expect(page.locator(".message-success")).to_contain_text("checklist version 2")
    version = dashboard.project.current_checklist()
    assert list(version.checks.order_by("position").values_list("key", flat=True)) == [
        "stripe-webhook-signature",
        "cors-whitelist",
        "secrets-rotated",  # at the end of its category, as the document has it
        "production-logger",
        CHECK,
        "on-call-rota-published",
    ]
    assert version.checks.get(key=CHECK).options["valid_days"] == 30  # the current one kept


def test_the_import_replaces_the_checklist_when_chosen(live_server, page, log_in, dashboard):
    log_in(page, dashboard.editor)
    preview(page, live_server, dashboard)
    page.get_by_test_id("import-replace").check()
    page.get_by_test_id("import-confirm").click()
    expect(page.locator(".message-success")).to_contain_text("checklist version 2")
    version = dashboard.project.current_checklist()
    assert set(version.checks.values_list("key", flat=True)) == {
        CHECK,
        "on-call-rota-published",
        "secrets-rotated",
    }
