"""The life of a waiver: asked, refused for the requester, approved by another admin, the
check `waived` (score, coverage and verdict exactly as the formula says), its end at its
date, and history that recomputes exactly."""

import datetime as dt

import pytest
import yaml
from django.utils import timezone

from checks.checklist import load_checklist
from readiness.models import Assessment, AuditEntry, ResultStatus, Role, Trigger, WaiverStatus
from readiness.services.assessments import (
    assessment_create,
    assessment_finalize,
    assessment_scorecard,
)
from readiness.services.attestations import attestation_create
from readiness.services.checklists import checklist_version_save
from readiness.services.waivers import (
    WaiverError,
    WaiverRefused,
    waiver_approve,
    waiver_deny,
    waiver_ends_at,
    waiver_request,
    waivers_expire,
    waivers_in_force,
)
from tests.factories import MembershipFactory, ProjectFactory, UserFactory

pytestmark = pytest.mark.django_db

NOW = dt.datetime(2027, 3, 1, 9, 0, tzinfo=dt.UTC)
TODAY = NOW.date()

CHECKLIST = {
    "version": 1,
    "name": "Payments",
    "levels": ["bronze", "silver"],
    "categories": [
        {
            "key": "sec",
            "weight": 2,
            "checks": [
                {"key": "tls", "type": "manual", "weight": 3},
                {"key": "webhook", "type": "manual", "severity": "critical", "level": "silver"},
            ],
        },
        {"key": "ops", "checks": [{"key": "runbook", "type": "manual"}]},
    ],
}


@pytest.fixture
def team_project():
    project = ProjectFactory(slug="payments")
    text = yaml.safe_dump(CHECKLIST, sort_keys=False)
    checklist_version_save(project=project, checklist=load_checklist(text), source_text=text)
    return project


@pytest.fixture
def people(team_project):
    def member(name, role):
        user = UserFactory(username=name)
        MembershipFactory(team=team_project.team, user=user, role=role)
        return user

    return {
        "ed": member("ed", Role.EDITOR),
        "ada": member("ada", Role.ADMIN),
        "bob": member("bob", Role.ADMIN),
        "val": member("val", Role.VIEWER),
        "root": UserFactory(username="root", is_superuser=True),
    }


def attest(project, user, key, status, at):
    check = project.current_checklist().checks.get(key=key)
    attestation_create(project=project, check=check, status=status, user=user, note="seen", now=at)


def assess(project, at):
    assessment = assessment_create(project=project, trigger=Trigger.CLI, evaluated_at=at)
    assert assessment_finalize(assessment_id=assessment.pk)
    return Assessment.objects.select_related("checklist").get(pk=assessment.pk)


def ask(project, user, until=TODAY + dt.timedelta(days=30), key="webhook", now=NOW):
    return waiver_request(
        project=project, check_key=key, until=until, reason="vendor fix due", user=user, now=now
    )


def test_the_life_of_a_waiver(team_project, people):
    project = team_project
    before_at = NOW - dt.timedelta(hours=1)
    attest(project, people["ada"], "tls", "pass", before_at)
    attest(project, people["ada"], "webhook", "fail", before_at)
    attest(project, people["ada"], "runbook", "pass", before_at)

    plain = assess(project, NOW)
    # sec = 10 × (3×1 + 1×0) / 4 = 7.5, ops = 10; overall (2 × 7.5 + 1 × 10) / 3.
    assert plain.score == pytest.approx(25 / 3)
    assert plain.coverage == 1.0
    assert plain.verdict == "not-ready"
    assert {"code": "critical", "check": "webhook", "status": "fail"} in plain.verdict_reasons
    assert plain.level == "bronze"  # webhook (silver) fails

    waiver = ask(project, people["ed"])
    assert waiver.status == WaiverStatus.REQUESTED
    with pytest.raises(WaiverRefused, match="their own"):
        waiver_approve(waiver=waiver, user=people["ed"], now=NOW)
    with pytest.raises(WaiverRefused):
        waiver_approve(waiver=waiver, user=people["val"], now=NOW)
    approved_at = NOW + dt.timedelta(minutes=5)
    waiver = waiver_approve(waiver=waiver, user=people["bob"], note="ok till Q2", now=approved_at)
    assert (waiver.status, waiver.decided_by, waiver.decision_note) == (
        WaiverStatus.APPROVED,
        people["bob"],
        "ok till Q2",
    )

    waived = assess(project, approved_at + dt.timedelta(minutes=1))
    # webhook is out of scoring and coverage: sec = 10 × 3×1 / 3 = 10, ops = 10; every
    # check left is measured. The critical failure no longer blocks the verdict.
    assert waived.score == 10.0
    assert waived.coverage == 1.0
    assert waived.verdict == "ready"
    webhook = waived.results.get(check_item__key="webhook")
    assert webhook.status == ResultStatus.WAIVED
    assert webhook.details["waived"]["measured"] == "fail"
    assert webhook.details["waived"]["waiver"] == waiver.pk
    assert waived.waived == [
        {
            "check": "webhook",
            "waiver": waiver.pk,
            "until": waiver.until.isoformat(),
            "reason": "vendor fix due",
        }
    ]
    assert waived.verdict_reasons == [{"code": "waived", "count": 1, "checks": ["webhook"]}]
    assert waived.level == "silver"

    end = waiver_ends_at(waiver.until)
    assert waivers_in_force(project=project, at=end - dt.timedelta(seconds=1)) == [waiver]
    assert waivers_in_force(project=project, at=end) == []
    after = assess(project, end + dt.timedelta(minutes=1))
    assert after.waived == []
    assert after.results.get(check_item__key="webhook").status == "fail"
    assert (after.score, after.verdict, after.level) == (plain.score, "not-ready", "bronze")

    assert waivers_expire(now=end + dt.timedelta(minutes=2)) == 1
    waiver.refresh_from_db()
    assert waiver.status == WaiverStatus.EXPIRED
    assert waivers_expire(now=end + dt.timedelta(minutes=3)) == 0
    actions = list(
        AuditEntry.objects.filter(target_type="readiness.waiver", target_id=str(waiver.pk))
        .order_by("id")
        .values_list("action", "actor_name")
    )
    assert actions == [
        ("waiver.request", "ed"),
        ("waiver.approve", "bob"),
        ("waiver.expire", ""),
    ]

    for stored in (plain, waived, after):
        card = assessment_scorecard(assessment=stored)
        assert (card.score, card.coverage, card.verdict) == (
            stored.score,
            stored.coverage,
            stored.verdict,
        )
        assert (card.level.achieved or "") == stored.level


def test_a_superuser_approves_like_a_team_admin(team_project, people):
    waiver = ask(team_project, people["ada"])

    approved = waiver_approve(waiver=waiver, user=people["root"], now=NOW)

    assert approved.status == WaiverStatus.APPROVED


def test_a_denial_needs_a_note_and_leaves_the_check_counted(team_project, people):
    waiver = ask(team_project, people["ed"])
    with pytest.raises(WaiverError, match="note"):
        waiver_deny(waiver=waiver, user=people["ada"], note=" ", now=NOW)

    denied = waiver_deny(waiver=waiver, user=people["ada"], note="fix it now", now=NOW)

    assert denied.status == WaiverStatus.DENIED
    assert waivers_in_force(project=team_project, at=NOW + dt.timedelta(days=1)) == []
    with pytest.raises(WaiverError, match="already denied"):
        waiver_approve(waiver=denied, user=people["bob"], now=NOW)


@pytest.mark.parametrize(
    ("until", "key", "message"),
    [
        (TODAY - dt.timedelta(days=1), "webhook", "has passed"),
        (TODAY + dt.timedelta(days=181), "webhook", "at most 180 days"),
        (TODAY + dt.timedelta(days=10), "nope", "not a check of payments"),
    ],
)
def test_it_refuses_a_request_it_cannot_keep(team_project, people, until, key, message):
    with pytest.raises(WaiverError, match=message):
        ask(team_project, people["ed"], until=until, key=key)

    assert not team_project.waivers.exists()
    assert not AuditEntry.objects.filter(action="waiver.request").exists()


def test_the_maximum_is_a_setting(team_project, people, settings):
    settings.READINESS_WAIVER_MAX_DAYS = 7

    with pytest.raises(WaiverError, match="at most 7 days"):
        ask(team_project, people["ed"], until=TODAY + dt.timedelta(days=8))
    assert ask(team_project, people["ed"], until=TODAY + dt.timedelta(days=7))


def test_a_viewer_may_not_ask_and_one_check_has_one_open_waiver(team_project, people):
    with pytest.raises(WaiverRefused, match="editor or admin"):
        ask(team_project, people["val"])
    first = ask(team_project, people["ed"])

    with pytest.raises(WaiverError, match=f"already has waiver #{first.pk}"):
        ask(team_project, people["ada"])


def test_the_approver_role_is_a_setting(team_project, people, settings):
    settings.READINESS_WAIVER_APPROVER_ROLE = "editor"
    waiver = ask(team_project, people["ada"])

    assert waiver_approve(waiver=waiver, user=people["ed"], now=NOW).status == "approved"


def test_a_waiver_whose_date_passed_before_approval_cannot_be_approved(team_project, people):
    waiver = ask(team_project, people["ed"], until=TODAY)

    with pytest.raises(WaiverError, match="has passed"):
        waiver_approve(waiver=waiver, user=people["ada"], now=NOW + dt.timedelta(days=1))


def test_it_ends_at_the_next_midnight_of_the_server_time_zone(settings):
    settings.TIME_ZONE = "Europe/Paris"
    timezone.activate("Europe/Paris")
    try:
        end = waiver_ends_at(dt.date(2027, 1, 31))
    finally:
        timezone.deactivate()

    assert end == dt.datetime(2027, 1, 31, 23, 0, tzinfo=dt.UTC)
