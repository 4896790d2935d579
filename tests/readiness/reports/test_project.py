"""The project's readiness report built from stored rows (readiness/reports/project.py)."""

import datetime as dt

import pytest
from django.utils import translation

from readiness.models import Trigger
from readiness.reports.project import change_kind, report_build
from readiness.reports.render import render_report
from readiness.services.assessments import assessment_create
from readiness.services.imports import import_document_save
from readiness.services.runs import assessment_run_inline
from tests.readiness.importer.conftest import SEED, import_doc
from tests.readiness.reports.conftest import AFTER, BEFORE, CREDIT, overall, share


def test_it_attributes_the_change_to_the_checks_that_changed_exactly(measured):
    project, (before, after) = measured
    report = report_build(project=project)
    assert report.assessment == after
    assert report.previous == before
    assert report.change == pytest.approx(overall(AFTER) - overall(BEFORE), abs=1e-9)
    # csp gets fixed, logs degrades: a regression, never listed as an improvement.
    assert {i.key: i.amount for i in report.improvements} == {
        "csp": pytest.approx(share("csp") * 10 * (CREDIT["pass"] - CREDIT["fail"]), abs=1e-9),
    }
    assert {i.key: i.amount for i in report.regressions} == {
        "logs": pytest.approx(share("logs") * 10 * (CREDIT["warn"] - CREDIT["pass"]), abs=1e-9),
    }
    assert report.other_changes == []
    amounts = [i.amount for i in report.improvements + report.regressions]
    assert sum(amounts) + report.residual + report.claim_gap == pytest.approx(
        report.change, abs=1e-9
    )
    assert report.residual == 0 and report.claim_gap == 0


def test_it_reports_an_earlier_assessment_on_request(measured):
    project, (before, _after) = measured
    report = report_build(project=project, assessment_id=before.pk)
    assert report.assessment == before
    assert report.previous is None
    assert "No previous assessment." in render_report(report, "markdown")


@pytest.mark.django_db
def test_it_sets_a_run_beside_the_scores_the_seed_claims(tmp_path):
    page = tmp_path / "sos/src/pages/CallCheckout.tsx"
    page.parent.mkdir(parents=True)
    page.write_text("await functionsPayment(createPaymentIntent)\n", encoding="utf-8")
    summary = import_document_save(
        result=import_doc("seed-mojibake.md", source_name=SEED),
        project_slug="sos",
        source=str(tmp_path),
        now=dt.datetime(2026, 3, 1, 9, tzinfo=dt.UTC),
    )
    measured = assessment_run_inline(
        assessment=assessment_create(
            project=summary.project,
            trigger=Trigger.CLI,
            evaluated_at=dt.datetime(2026, 3, 2, 12, tzinfo=dt.UTC),
        )
    )
    report = report_build(project=summary.project)
    assert report.assessment == measured
    assert report.previous.claimed and report.previous.score == 9.8
    lines = report.improvements + report.regressions + report.other_changes
    explained = sum(i.amount for i in lines) + report.residual
    assert explained + report.claim_gap == pytest.approx(measured.score - 9.8, abs=1e-9)
    assert len(report.todo) == 5
    with translation.override("en"):
        text = render_report(report, "markdown")
    assert "Previous: 9.8/10 on 2026-02-16 (claimed by document)" in text
    regressions = text.split("### Regressions")[1].split("###")[0]
    assert "(`functions-pointe-bien-vers-west1-pour-createandschedulecall`): PASS → FAIL" in (
        regressions
    )
    improvements = text.split("### Improvements")[1].split("### Regressions")[0]
    assert "→ FAIL" not in improvements and "→ ERROR" not in improvements
    assert "1. Déployer les 2 fonctions migrées (stripeWebhook, createSubscriptionCheckout)" in text
    rows = {c.key: c for c in report.categories}
    assert rows["coherence-regions"].previous == 10.0


@pytest.mark.parametrize(
    ("before", "after", "kind"),
    [
        ("fail", "pass", "improvement"),
        ("warn", "pass", "improvement"),
        ("fail", "warn", "improvement"),
        ("pass", "warn", "regression"),
        ("pass", "fail", "regression"),
        ("pass", "error", "regression"),  # e.g. an attestation expired
        ("warn", "skip", "regression"),
        # A failure that can no longer be measured raises the score: no improvement.
        ("fail", "error", "other"),
        ("error", "pass", "improvement"),
        ("error", "fail", "regression"),
        (None, "pass", "improvement"),
        (None, "fail", "regression"),
        (None, "warn", "other"),
        ("error", "skip", "other"),
    ],
)
def test_it_sorts_a_change_by_what_the_check_does_never_by_the_scores_sign(before, after, kind):
    assert change_kind(before, after) == kind
