"""What the pages say about awaited attestations, claimed scores and unmeasured checks
(issue 9: statuses in words, never compare with a claim, failures first)."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from readiness.models import Assessment, CheckResult
from tests import factories
from tests.readiness.dashboard_builders import add_history, add_results

AWAITED = {"message": {"template": "needs attestation", "params": {}}, "awaiting": "attestation"}


@pytest.fixture
def two_runs(world):
    """Yesterday everything passed; today cors fails and the manual check awaits."""
    now = timezone.now()
    yesterday, today = add_history(
        world.project, world.checklist, 2, end=now - dt.timedelta(hours=1)
    )
    c = world.checks
    add_results(yesterday, {c["webhook"]: "pass", c["cors"]: "pass", c["logger"]: "pass"})
    add_results(today, {c["webhook"]: "pass", c["cors"]: "fail", c["logger"]: "pass"})
    CheckResult.objects.create(
        assessment=today, check_item=c["quotas"], status="error", summary="", details=AWAITED
    )
    return yesterday, today


def section(html: str, testid: str) -> str:
    return html.split(f'data-testid="{testid}"')[1].split("</div>")[0]


def test_it_lists_an_awaited_attestation_apart_from_the_new_failures(world, login, two_runs):
    html = login().get(reverse("readiness:standup", args=["payments"])).content.decode()

    failures = section(html, "standup-new-failures")
    assert "CORS uses a whitelist" in failures
    assert "CPU quotas reviewed" not in failures
    awaiting = section(html, "standup-awaiting")
    assert "CPU quotas reviewed" in awaiting and "Awaiting attestation" in awaiting


def test_it_counts_failing_and_awaiting_apart_and_collapses_passes(world, login, two_runs):
    html = login().get(reverse("readiness:assessment", args=[two_runs[1].pk])).content.decode()

    monitoring = html.split('data-category="monitoring"')[1].split("</section>")[0]
    assert "1 awaiting attestation" in monitoring
    assert "failing" not in monitoring.split("</h3>")[0]
    assert "Awaiting attestation" in monitoring and "? Error" not in monitoring
    security = html.split('data-category="security"')[1].split("</section>")[0]
    assert "1 failing" in security
    # The failing check is in the open table, the passing one collapsed with a count.
    opened, collapsed = security.split('data-testid="passing-checks"')
    assert "CORS uses a whitelist" in opened and "Stripe webhook" not in opened
    assert "1 passing or skipped check" in collapsed and "Stripe webhook" in collapsed


def test_it_reads_expired_attestations_by_date_in_french(world, login, two_runs):
    CheckResult.objects.filter(check_item=world.checks["quotas"]).update(
        details={
            "message": {"template": "attestation expired on %(date)s", "params": {"date": "x"}},
            "expired_on": "2026-02-03T10:00:00+00:00",
        }
    )
    client = login()
    client.cookies["django_language"] = "fr"
    html = client.get(
        reverse("readiness:assessment", args=[two_runs[1].pk]), HTTP_ACCEPT_LANGUAGE="fr"
    ).content.decode()

    assert "Attestation expirée le 3 février 2026" in html


def test_it_says_what_a_ready_verdict_did_not_measure(world, login, two_runs):
    Assessment.objects.filter(pk=two_runs[1].pk).update(verdict="ready", coverage=0.8)

    html = login().get(reverse("readiness:project", args=["payments-api"])).content.decode()

    line = html.split('data-testid="not-measured"')[1].split("</p>")[0]
    assert "Ready, but 1 check was not measured:" in line
    assert "CPU quotas reviewed" in line


@pytest.fixture
def claim_between(world, two_runs):
    """Measured 7.0 yesterday and 8.0 an hour ago; a document claimed 9.9 in between."""
    yesterday, today = two_runs
    Assessment.objects.filter(pk=yesterday.pk).update(score=7.0)
    Assessment.objects.filter(pk=today.pk).update(score=8.0)
    return factories.AssessmentFactory(
        project=world.project,
        checklist=world.checklist,
        trigger="import",
        claimed=True,
        status="done",
        score=9.9,
        evaluated_at=timezone.now() - dt.timedelta(hours=3),
    )


def test_it_never_compares_a_measured_score_with_a_claimed_one(world, login, claim_between):
    client = login()

    overview = client.get(reverse("readiness:overview")).content.decode()
    project = client.get(reverse("readiness:project", args=["payments-api"])).content.decode()
    # After the claim: the claim would be the standup's baseline if claims were measured.
    since = (timezone.localtime() - dt.timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M")
    standup = client.get(
        reverse("readiness:standup", args=["payments"]), {"since": since}
    ).content.decode()

    for html in (overview, project, standup):
        assert "▲ +1.0" in html and "▼" not in html.split('data-testid="category-card"')[0]
        assert "Claimed by a document: 9.9/10" in html
    assert "was 7.0/10" in standup
    assert "Claimed by a document: 9.9/10" in standup
    assert "was 9.9" not in standup


def test_it_does_not_list_an_awaited_attestation_as_newly_failing_on_compare(
    world, login, two_runs
):
    yesterday, today = two_runs
    html = (
        login()
        .get(reverse("readiness:compare"), {"a": yesterday.pk, "b": today.pk})
        .content.decode()
    )

    newly = html.split('data-testid="newly-failing"')[1].split("</section>")[0]
    assert "CORS uses a whitelist" in newly
    assert "CPU quotas reviewed" not in newly


def test_it_says_not_measured_for_a_check_history_could_not_evaluate(world, login, two_runs):
    CheckResult.objects.filter(check_item=world.checks["quotas"]).update(
        details={
            "message": {"template": "not evaluable on history", "params": {}},
            "not_evaluable": True,
        }
    )
    Assessment.objects.filter(pk=two_runs[1].pk).update(trigger="backfill")

    html = login().get(reverse("readiness:assessment", args=[two_runs[1].pk])).content.decode()

    row = html.split('data-check="cpu-quotas-reviewed"')[1].split("</tr>")[0]
    assert "Not measured" in row and "Error" not in row
    assert "Backfill · file checks only" in html
    monitoring = html.split('data-category="monitoring"')[1].split("</h3>")[0]
    assert "failing" not in monitoring and "awaiting" not in monitoring
