"""The readiness report (readiness/reports.py) and its command, from measured data."""

import datetime as dt
import io
import json

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import translation

from readiness.models import AssessmentStatus, Trigger
from readiness.reports import render_report, report_build
from readiness.services.assessments import assessment_create, assessment_finalize
from readiness.services.imports import import_document_save
from readiness.services.runs import assessment_run_inline
from tests import factories
from tests.readiness.importer.conftest import SEED, import_doc

CATEGORY_WEIGHTS = {"security": 2.0, "monitoring": 1.0}
CREDIT = {"pass": 1.0, "warn": 0.5, "fail": 0.0}
BEFORE = {"tls": "pass", "csp": "fail", "logs": "pass"}
AFTER = {"tls": "pass", "csp": "pass", "logs": "warn"}
CATEGORY_OF = {"tls": "security", "csp": "security", "logs": "monitoring"}


def category_scores(statuses):
    scores = {}
    for category in CATEGORY_WEIGHTS:
        keys = [k for k in statuses if CATEGORY_OF[k] == category]
        scores[category] = 10 * sum(CREDIT[statuses[k]] for k in keys) / len(keys)
    return scores


def overall(statuses):
    scores = category_scores(statuses)
    return sum(CATEGORY_WEIGHTS[c] * s for c, s in scores.items()) / sum(CATEGORY_WEIGHTS.values())


def share(key):
    """A check's share of the overall score: its category's share × its share inside."""
    category = CATEGORY_OF[key]
    inside = sum(1 for k in CATEGORY_OF if CATEGORY_OF[k] == category)
    return CATEGORY_WEIGHTS[category] / sum(CATEGORY_WEIGHTS.values()) / inside


@pytest.fixture
def measured(db):
    """Two measured assessments of one checklist: csp gets fixed, logs degrade."""
    project = factories.ProjectFactory(slug="shop", name="Shop")
    version = factories.ChecklistVersionFactory(project=project, number=1, name="Shop readiness")
    categories = {
        key: factories.CategoryFactory(
            checklist=version, key=key, name=key.title(), weight=weight, position=i
        )
        for i, (key, weight) in enumerate(CATEGORY_WEIGHTS.items())
    }
    checks = {
        key: factories.CheckFactory(
            checklist=version,
            category=categories[CATEGORY_OF[key]],
            key=key,
            name=f"{key.upper()} is right",
            type="grep",
            options={"paths": ["**"], "pattern": key},
            position=i,
        )
        for i, key in enumerate(CATEGORY_OF)
    }
    assessments = []
    for day, statuses in ((1, BEFORE), (2, AFTER)):
        assessment = factories.AssessmentFactory(
            project=project,
            checklist=version,
            status=AssessmentStatus.RUNNING,
            evaluated_at=dt.datetime(2026, 3, day, 9, tzinfo=dt.UTC),
            checks_total=3,
            checks_done=3,
            score=None,
        )
        for key, status in statuses.items():
            factories.CheckResultFactory(
                assessment=assessment,
                check_item=checks[key],
                status=status,
                credit=CREDIT[status],
                summary=f"{key} | {status}",
            )
        assessment_finalize(assessment_id=assessment.pk)
        assessment.refresh_from_db()
        assessments.append(assessment)
    factories.ActionItemFactory(project=project, title="Later", priority="")
    factories.ActionItemFactory(project=project, title="Urgent", priority="P0")
    factories.ActionItemFactory(project=project, title="Soon", priority="P1", owner="bob")
    factories.ActionItemFactory(project=project, title="Finished", status="done")
    return project, assessments


def test_it_attributes_the_change_to_the_checks_that_changed_exactly(measured):
    project, (before, after) = measured
    report = report_build(project=project)
    assert report.assessment == after
    assert report.previous == before
    assert report.change == pytest.approx(overall(AFTER) - overall(BEFORE), abs=1e-9)
    amounts = {i.key: i.amount for i in report.improvements}
    assert amounts == {
        "csp": pytest.approx(share("csp") * 10 * (CREDIT["pass"] - CREDIT["fail"]), abs=1e-9),
        "logs": pytest.approx(share("logs") * 10 * (CREDIT["warn"] - CREDIT["pass"]), abs=1e-9),
    }
    assert sum(amounts.values()) + report.residual + report.claim_gap == pytest.approx(
        report.change, abs=1e-9
    )
    assert report.residual == 0 and report.claim_gap == 0


def test_it_writes_the_markdown_report_in_the_documents_shape(measured):
    project, _ = measured
    with translation.override("en"):
        text = render_report(report_build(project=project), "markdown")
    sections = [line for line in text.splitlines() if line.startswith("## ")]
    assert sections == [
        "## 1. Summary of checks",
        "## 2. Scores per category",
        "## 3. Overall score",
        "## 4. Improvements",
        "## 5. TODO",
    ]
    assert "| TLS is right | Security | ✅ PASS | tls \\| pass |" in text
    assert "| LOGS is right | Monitoring | ⚠️ WARN | logs \\| warn |" in text
    after, before = category_scores(AFTER), category_scores(BEFORE)
    security = after["security"] - before["security"]
    assert (
        f"| Security | {after['security']:.1f}/10 | was {before['security']:.1f} (+{security:.1f}) "
        "| 100% measured |"
    ) in text
    assert f"**{overall(AFTER):.1f}/10** · 100% measured" in text
    change = overall(AFTER) - overall(BEFORE)
    assert (
        f"Previous: {overall(BEFORE):.1f}/10 on 2026-03-01 (measured) · change: +{change:.2f}"
        in text
    )
    csp = share("csp") * 10
    assert f"- ✅ CSP is right (`csp`): FAIL → PASS (+{csp:.3f})" in text
    assert f"Total: +{change:.3f}" in text
    todo = text.split("## 5. TODO\n\n")[1].splitlines()
    assert todo == ["1. **P0** Urgent", "2. **P1** Soon (bob)", "3. Later"]


def test_it_writes_french_numbers_and_the_same_shape(measured):
    project, _ = measured
    with translation.override("en"):
        english = render_report(report_build(project=project), "markdown")
    with translation.override("fr"):
        french = render_report(report_build(project=project), "markdown")
    assert english.count("\n## ") == french.count("\n## ") == 5
    assert english.count("\n| ") == french.count("\n| ")
    assert f"**{overall(AFTER):.1f}/10**".replace(".", ",") in french
    assert f"(+{share('csp') * 10:.3f})".replace(".", ",") in french


def test_it_writes_json_with_unrounded_numbers(measured):
    project, (before, after) = measured
    data = json.loads(render_report(report_build(project=project), "json"))
    assert data["score"] == after.score
    assert data["previous"] == {
        "assessment": before.pk,
        "date": before.evaluated_at.isoformat(),
        "score": before.score,
        "claimed": False,
    }
    assert [c["key"] for c in data["checks"]] == list(CATEGORY_OF)
    assert {c["key"]: c["change"] for c in data["categories"]} == pytest.approx(
        {c: category_scores(AFTER)[c] - category_scores(BEFORE)[c] for c in CATEGORY_WEIGHTS}
    )
    assert sum(i["amount"] for i in data["improvements"]) == pytest.approx(data["change"], abs=1e-9)
    assert [item["title"] for item in data["todo"]] == ["Urgent", "Soon", "Later"]


def test_it_renders_an_html_page(measured):
    project, _ = measured
    with translation.override("fr"):
        html = render_report(report_build(project=project), "html")
    assert html.startswith("<!DOCTYPE html>")
    assert '<html lang="fr">' in html
    assert html.count('<tr data-status="') == 3
    assert 'data-testid="report-improvements"' in html


def test_it_reports_an_earlier_assessment_on_request(measured):
    project, (before, _after) = measured
    report = report_build(project=project, assessment_id=before.pk)
    assert report.assessment == before
    assert report.previous is None
    assert "No previous assessment." in render_report(report, "markdown")


def run_report(*args):
    out = io.StringIO()
    call_command("report", *args, stdout=out)
    return out.getvalue()


@pytest.mark.usefixtures("measured")
def test_the_command_prints_every_format():
    assert run_report("--project", "shop").startswith("# Readiness report · Shop · 2026-03-02")
    assert json.loads(run_report("--project", "shop", "--format", "json"))["project"] == "shop"
    assert "<table" in run_report("--project", "shop", "--format", "html", "--lang", "fr")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--project", "nope"), "No project nope."),
        (("--project", "shop", "--assessment", "999999"), "is not one of project shop"),
    ],
)
@pytest.mark.usefixtures("measured")
def test_the_command_exits_2_on_bad_input(args, message):
    with pytest.raises(CommandError) as error:
        run_report(*args)
    assert error.value.returncode == 2
    assert message in str(error.value)


@pytest.mark.django_db
def test_it_sets_a_run_beside_the_scores_the_seed_claims(tmp_path):
    page = tmp_path / "sos/src/pages/CallCheckout.tsx"
    page.parent.mkdir(parents=True)
    page.write_text("await functionsPayment(createPaymentIntent)\n", encoding="utf-8")
    summary = import_document_save(
        result=import_doc("seed-mojibake.md", source_name=SEED),
        project_slug="sos",
        source=str(tmp_path),
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
    explained = sum(i.amount for i in report.improvements) + report.residual
    assert explained + report.claim_gap == pytest.approx(measured.score - 9.8, abs=1e-9)
    assert len(report.todo) == 5
    with translation.override("en"):
        text = render_report(report, "markdown")
    assert "Previous: 9.8/10 on 2026-02-16 (claimed by document)" in text
    assert "(`functions-pointe-bien-vers-west1-pour-createandschedulecall`): PASS → FAIL" in text
    assert "1. Déployer les 2 fonctions migrées (stripeWebhook, createSubscriptionCheckout)" in text
    rows = {c.key: c for c in report.categories}
    assert rows["coherence-regions"].previous == 10.0
