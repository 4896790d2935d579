"""Each rule's trigger: regression by at least the channel's drop, a verdict that changed,
a critical check that started failing, an attestation about to expire, a scheduled run
that did not happen; live assessments only, compared with the previous live one; the
time-based rules once per subject however often the sweep runs."""

import datetime as dt

import pytest
import time_machine

from readiness.models import NotificationDelivery
from readiness.services.audit import audit_record
from readiness.services.notify import notifications_for_assessment, notify_sweep
from readiness.services.notify_rules import last_due
from tests import factories

pytestmark = pytest.mark.django_db

T0 = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)
CRITICAL = {"code": "critical", "check": "backups", "status": "fail"}


@pytest.fixture
def checklist():
    return factories.ChecklistVersionFactory(project__created_at=T0 - dt.timedelta(days=30))


def channel(checklist, rules, **options):
    return factories.NotificationChannelFactory(
        project=checklist.project, rules=rules, created_at=T0 - dt.timedelta(days=1), **options
    )


def point(checklist, hours, **fields):
    return factories.AssessmentFactory(
        project=checklist.project,
        checklist=checklist,
        evaluated_at=T0 + dt.timedelta(hours=hours),
        finished_at=T0 + dt.timedelta(hours=hours),
        **fields,
    )


def rules_sent(assessment):
    notifications_for_assessment(assessment_id=assessment.pk)
    return sorted(
        NotificationDelivery.objects.filter(assessment=assessment).values_list("rule", flat=True)
    )


def test_a_drop_of_at_least_the_channel_s_minimum_is_a_regression(checklist):
    channel(checklist, ["regression"], min_drop=1.0)
    point(checklist, 0, score=9.0)

    assert rules_sent(point(checklist, 1, score=8.1)) == []  # 0.9 < 1.0
    assert rules_sent(point(checklist, 2, score=7.1)) == ["regression"]  # exactly 1.0
    assert rules_sent(point(checklist, 3, score=9.5)) == []  # a rise


def test_a_changed_verdict_is_told_whichever_way_it_goes(checklist):
    channel(checklist, ["verdict"])
    point(checklist, 0, verdict="ready")

    assert rules_sent(point(checklist, 1, verdict="ready")) == []
    down = point(checklist, 2, verdict="not-ready")
    assert rules_sent(down) == ["verdict"]
    assert "from ready to not ready" in NotificationDelivery.objects.get().payload["summary"]
    assert rules_sent(point(checklist, 3, verdict="ready")) == ["verdict"]


def test_a_critical_check_is_told_when_it_starts_failing_not_while_it_keeps_failing(checklist):
    channel(checklist, ["critical"])
    point(checklist, 0, verdict_reasons=[])

    first = point(checklist, 1, verdict_reasons=[CRITICAL])
    assert rules_sent(first) == ["critical"]
    assert NotificationDelivery.objects.get().payload["checks"] == [
        {"check": "backups", "status": "fail"}
    ]
    assert rules_sent(point(checklist, 2, verdict_reasons=[CRITICAL])) == []
    erring = {"code": "critical", "check": "tls", "status": "error"}
    assert rules_sent(point(checklist, 3, verdict_reasons=[CRITICAL, erring])) == ["critical"]


def test_backfilled_imported_and_claimed_points_are_history_not_news(checklist):
    channel(checklist, ["regression", "verdict"])
    point(checklist, 0, score=9.0, verdict="ready")
    # A backfilled point, lower, is neither told nor the baseline of the next run.
    assert rules_sent(point(checklist, 1, score=3.0, trigger="backfill")) == []
    assert rules_sent(point(checklist, 2, score=3.0, trigger="import", claimed=True)) == []

    assert rules_sent(point(checklist, 3, score=8.9, verdict="ready")) == []


def test_the_rules_of_a_channel_only_and_of_channels_that_existed(checklist):
    channel(checklist, ["verdict"])
    factories.NotificationChannelFactory(
        project=checklist.project, rules=["verdict"], created_at=T0 + dt.timedelta(days=5)
    )
    paused = channel(checklist, ["verdict"], enabled=False)
    point(checklist, 0, score=9.0, verdict="ready")

    latest = point(checklist, 1, score=5.0, verdict="not-ready")

    assert rules_sent(latest) == ["verdict"]
    assert not NotificationDelivery.objects.filter(channel=paused).exists()


def attest(checklist, key, until, at=T0 - dt.timedelta(days=80)):
    if not checklist.checks.filter(key=key).exists():
        factories.CheckFactory(checklist=checklist, key=key)
    return factories.AttestationFactory(
        project=checklist.project, check_key=key, attested_at=at, valid_until=until
    )


def test_an_attestation_expiring_within_the_days_is_told_once(
    checklist, django_capture_on_commit_callbacks
):
    channel(checklist, ["expiring"], expiring_days=14)
    soon = attest(checklist, "runbook", T0 + dt.timedelta(days=10))
    attest(checklist, "dr-test", T0 + dt.timedelta(days=40))  # later than 14 days
    attest(checklist, "pentest", T0 - dt.timedelta(days=1))  # already expired
    # Renewed: the attestation that counts is the newer one, far from its end.
    attest(checklist, "oncall", T0 + dt.timedelta(days=3))
    attest(checklist, "oncall", T0 + dt.timedelta(days=90), at=T0 - dt.timedelta(days=1))

    assert notify_sweep(now=T0).created == 1
    assert notify_sweep(now=T0 + dt.timedelta(hours=1)).created == 0

    delivery = NotificationDelivery.objects.get()
    assert (delivery.rule, delivery.subject) == ("expiring", f"attestation:{soon.pk}")
    assert delivery.payload["days_left"] == 10


def test_a_scheduled_run_that_did_not_happen_is_told_once_per_due_time(checklist):
    project = checklist.project
    project.schedule, project.timezone = "0 8 * * *", "UTC"
    project.save()
    channel(checklist, ["missed"])
    due = dt.datetime(2026, 3, 2, 8, 0, tzinfo=dt.UTC)

    # Within the grace period nothing is said yet.
    assert notify_sweep(now=due + dt.timedelta(minutes=5)).created == 0
    assert notify_sweep(now=due + dt.timedelta(minutes=20)).created == 1
    assert notify_sweep(now=due + dt.timedelta(minutes=25)).created == 0
    delivery = NotificationDelivery.objects.get()
    assert (delivery.rule, delivery.subject) == ("missed", f"missed:{due.isoformat()}")

    # The next day's run happened: nothing more.
    factories.AssessmentFactory(
        project=project,
        checklist=checklist,
        trigger="schedule",
        created_at=due + dt.timedelta(days=1),
    )
    assert notify_sweep(now=due + dt.timedelta(days=1, minutes=30)).created == 0


def test_a_run_due_before_the_schedule_was_set_is_not_missed(checklist):
    project = checklist.project
    project.schedule = "0 8 * * *"
    project.save()
    channel(checklist, ["missed"])
    with time_machine.travel(dt.datetime(2026, 3, 2, 8, 10, tzinfo=dt.UTC), tick=False):
        audit_record(team=project.team, actor=None, action="project.schedule", target=project)

    assert notify_sweep(now=dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)).created == 0


@pytest.mark.parametrize(
    ("schedule", "zone", "before", "expected"),
    [
        ("30 8 * * 1-5", "UTC", "2026-03-02T09:00", "2026-03-02T08:30"),  # a Monday
        ("30 8 * * 1-5", "UTC", "2026-03-01T09:00", "2026-02-27T08:30"),  # Sunday: Friday's
        ("0 8 * * *", "Europe/Paris", "2026-03-02T09:00", "2026-03-02T07:00"),
        ("*/15 * * * *", "UTC", "2026-03-02T09:14", "2026-03-02T09:00"),
        ("0 0 1 1 *", "UTC", "2026-03-02T09:00", "2026-01-01T00:00"),
    ],
)
def test_last_due_reads_the_cron_as_beat_does(schedule, zone, before, expected):
    at = dt.datetime.fromisoformat(before).replace(tzinfo=dt.UTC)

    assert last_due(schedule=schedule, zone=zone, before=at) == dt.datetime.fromisoformat(
        expected
    ).replace(tzinfo=dt.UTC)
