"""A campaign over the 30 projects extending the organisation's base: its checks join every
project's checklist, the burn-up follows a sequence of assessments day by day, the projects
behind are listed with their owners and failing checks, the standup reminds the teams, and
at the target date its checks join the base."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
import time_machine
from django.utils import timezone

from checks.checklist import ChecklistError
from readiness import tasks
from readiness.models import AuditEntry, BaseChecklist, Campaign, Role
from readiness.selectors.bases import base_preview
from readiness.selectors.campaigns import campaign_burnup, campaign_reminders
from readiness.services.bases import base_checklist_save
from readiness.services.campaigns import (
    CampaignError,
    campaign_create,
    campaign_delete,
    campaign_join,
    campaign_update,
    campaigns_start,
)
from tests.factories import MembershipFactory, UserFactory
from tests.readiness.services.organisation import BASE_V2, PROJECTS, assess

pytestmark = pytest.mark.django_db

CHECKS = """\
version: 1
overrides:
  runbook: {severity: critical}
categories:
  - key: docs
    checks:
      - key: changelog
        type: file
        paths: [CHANGELOG.md]
"""
START = dt.date(2026, 11, 2)


def _noon(day: int) -> dt.datetime:
    moment = dt.datetime.combine(START + dt.timedelta(days=day), dt.time(12))
    return timezone.make_aware(moment)


def _campaign(org, admin) -> Campaign:
    base = BaseChecklist.objects.get(team=org, slug="standard")
    campaign, updated = campaign_create(
        team=org,
        name="Changelogs everywhere",
        start=START,
        target=START + dt.timedelta(days=20),
        checks_text=CHECKS,
        actor=admin,
        base=base,
    )
    assert len(updated) == PROJECTS
    return campaign


def _write(project, name: str, text: str = "x\n") -> None:
    path = Path(project.source) / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)


def _next_week(org, admin, start: dt.date) -> tuple[Campaign, list]:
    """A campaign over the organisation's base that starts on `start`."""
    return campaign_create(
        team=org,
        name="Next week",
        start=start,
        target=start + dt.timedelta(days=14),
        checks_text=CHECKS,
        actor=admin,
        base=BaseChecklist.objects.get(team=org, slug="standard"),
    )


def test_a_campaign_over_30_projects_shows_the_right_burn_up(organisation):
    admin, org, projects = organisation
    owner = UserFactory(username="owner-of-team-1")
    MembershipFactory(team=projects[1].team, user=owner, role=Role.ADMIN)
    campaign = _campaign(org, admin)
    version = projects[0].current_checklist()
    assert version.campaigns.get() == campaign
    assert version.checks.get(key="changelog").type == "file"
    assert version.checks.get(key="runbook").severity == "critical"

    # Day 0: nobody has a changelog. Day 1: the ten projects with a runbook add one.
    for project in projects:
        assess(project, _noon(0))
    with_runbook = [p for i, p in enumerate(projects) if i % 3 == 0]
    for project in with_runbook:
        _write(project, "CHANGELOG.md")
        assess(project, _noon(1))
    # Day 3: five more add a changelog and a runbook; one of the first ten loses its runbook.
    late = [p for i, p in enumerate(projects) if i % 3 == 1][:5]
    for project in late:
        _write(project, "CHANGELOG.md")
        _write(project, "docs/runbook.md")
        assess(project, _noon(3))
    (Path(with_runbook[0].source) / "docs" / "runbook.md").unlink()
    assess(with_runbook[0], _noon(3))

    burnup = campaign_burnup(campaign=campaign, today=START + dt.timedelta(days=4))

    assert burnup.checks == ["changelog", "runbook"]
    assert burnup.total == PROJECTS
    assert burnup.days == [START + dt.timedelta(days=n) for n in range(5)]
    assert burnup.passing == [0, 10, 10, 14, 14]
    assert len(burnup.behind) == PROJECTS - 14
    lost = next(b for b in burnup.behind if b.project == with_runbook[0])
    assert lost.failing == [("runbook", "fail")]
    untouched = next(b for b in burnup.behind if b.project == projects[2])
    assert untouched.failing == [("changelog", "fail"), ("runbook", "fail")]
    team_1 = next(b for b in burnup.behind if b.project.team == projects[1].team)
    assert team_1.owners == ["owner-of-team-1"]

    # The standup reminds each team of its projects behind, once the target is near.
    assert campaign_reminders(team=projects[2].team, today=START) == []
    [reminder] = campaign_reminders(team=projects[2].team, today=START + dt.timedelta(days=8))
    assert reminder.days_left == 12
    assert {b.project.team for b in reminder.behind} == {projects[2].team}


def test_its_checks_join_the_base_from_the_target_date(organisation):
    admin, org, projects = organisation
    campaign = _campaign(org, admin)
    # A preview of a base change keeps the checks of the campaigns that follow the base.
    [row, *_rest] = base_preview(base=campaign.base, text=BASE_V2).rows
    assert row.removed == [] and row.changed == ["readme"]
    with pytest.raises(CampaignError, match="from the target date"):
        campaign_join(campaign=campaign, actor=admin, today=START)

    campaign_join(campaign=campaign, actor=admin, today=campaign.target)

    campaign.refresh_from_db()
    assert campaign.is_joined
    assert campaign.joined_version.number == 2
    assert "key: changelog" in campaign.joined_version.source_text
    version = projects[0].current_checklist()
    assert list(version.campaigns.all()) == []
    assert version.bases.get() == campaign.joined_version
    assert version.checks.get(key="changelog").type == "file"
    assert version.checks.get(key="runbook").severity == "critical"
    actions = set(AuditEntry.objects.filter(team=org).values_list("action", flat=True))
    assert {"campaign.create", "campaign.join", "base_checklist.version"} <= actions


def test_a_campaign_whose_checks_do_not_fit_a_project_saves_nothing(organisation):
    admin, org, projects = organisation
    base = BaseChecklist.objects.get(team=org, slug="standard")
    with pytest.raises(ChecklistError, match="has no check 'run-book'"):
        campaign_create(
            team=org,
            name="Typo",
            start=START,
            target=START,
            checks_text="version: 1\noverrides:\n  run-book: {weight: 2}\n",
            actor=admin,
            base=base,
        )
    assert not Campaign.objects.exists()
    assert projects[0].current_checklist().number == 1


def test_a_campaign_changes_nothing_before_its_start_then_the_next_assessment_uses_it(
    organisation,
):
    admin, org, projects = organisation
    start = timezone.localdate() + dt.timedelta(days=7)
    before = assess(projects[0])

    campaign, updated = _next_week(org, admin, start)

    assert updated == []
    assert all(p.current_checklist().number == 1 for p in projects)
    waiting = assess(projects[0])
    assert waiting.checklist.number == 1
    assert (waiting.score, waiting.coverage) == (before.score, before.coverage)
    assert not waiting.results.filter(check_item__key="changelog").exists()

    with time_machine.travel(timezone.make_aware(dt.datetime.combine(start, dt.time(9)))):
        started = assess(projects[0])
        # Only the project assessed got its new version; the others get theirs at their turn.
        assert projects[1].current_checklist().number == 1
        assert assess(projects[1]).checklist.campaigns.get() == campaign

    assert started.checklist.number == 2
    assert started.checklist.campaigns.get() == campaign
    assert started.results.get(check_item__key="changelog").status == "fail"
    assert started.results.get(check_item__key="runbook").check_item.severity == "critical"
    assert started.score < before.score


def test_on_its_start_day_beat_gives_every_covered_project_the_campaign_s_checks(
    organisation, settings
):
    admin, org, projects = organisation
    start = timezone.localdate() + dt.timedelta(days=7)
    campaign, _updated = _next_week(org, admin, start)

    assert campaigns_start() == []  # not started yet
    assert "readiness-campaigns-start" in settings.CELERY_BEAT_SCHEDULE
    with time_machine.travel(timezone.make_aware(dt.datetime.combine(start, dt.time(0, 30)))):
        assert tasks.campaigns_start_task.apply().get() == len(projects)
        assert campaigns_start() == []  # each project once

    for project in projects:
        version = project.current_checklist()
        assert version.campaigns.get() == campaign
        assert version.checks.filter(key="changelog").exists()


def test_a_campaign_that_starts_later_is_still_checked_against_every_project(organisation):
    admin, org, _projects = organisation
    base = BaseChecklist.objects.get(team=org, slug="standard")
    start = timezone.localdate() + dt.timedelta(days=30)
    with pytest.raises(ChecklistError, match=r"svc-0: .*has no check 'run-book'"):
        campaign_create(
            team=org,
            name="Typo later",
            start=start,
            target=start,
            checks_text="version: 1\noverrides:\n  run-book: {weight: 2}\n",
            actor=admin,
            base=base,
        )
    assert not Campaign.objects.exists()


def test_changing_a_campaign_rebuilds_its_projects_and_is_audited(organisation):
    admin, org, projects = organisation
    campaign = _campaign(org, admin)
    more = CHECKS + "      - key: security-txt\n        type: file\n        paths: [SECURITY.md]\n"

    updated = campaign_update(
        campaign=campaign,
        actor=admin,
        name="Changelogs and security contacts",
        description="Two files",
        start=campaign.start,
        target=campaign.target + dt.timedelta(days=7),
        checks_text=more,
        base=campaign.base,
    )

    assert len(updated) == PROJECTS
    version = projects[3].current_checklist()
    assert {"changelog", "security-txt"} <= set(version.checks.values_list("key", flat=True))
    entry = AuditEntry.objects.filter(action="campaign.update").get()
    assert entry.actor == admin
    assert entry.before["target"] == campaign.target.isoformat()
    assert entry.after["checks"] == ["changelog", "security-txt", "runbook"]
    assert set(entry.before) == {"name", "description", "target", "checks", "checks_text"}

    # Moved to start next month: its checks leave every project until then.
    later = timezone.localdate() + dt.timedelta(days=30)
    updated = campaign_update(
        campaign=campaign,
        actor=admin,
        name="Changelogs and security contacts",
        description="Two files",
        start=later,
        target=later,
        checks_text=more,
        base=campaign.base,
    )
    assert len(updated) == PROJECTS
    assert not projects[3].current_checklist().checks.filter(key="changelog").exists()


def test_a_bad_change_saves_nothing(organisation):
    admin, org, projects = organisation
    campaign = _campaign(org, admin)
    number = projects[0].current_checklist().number
    with pytest.raises(CampaignError, match="before the start"):
        campaign_update(
            campaign=campaign,
            actor=admin,
            name="Renamed",
            start=campaign.start,
            target=campaign.start - dt.timedelta(days=1),
            checks_text=CHECKS,
            base=campaign.base,
        )
    with pytest.raises(ChecklistError, match="has no check 'run-book'"):
        campaign_update(
            campaign=campaign,
            actor=admin,
            name="Renamed",
            start=campaign.start,
            target=campaign.target,
            checks_text="version: 1\noverrides:\n  run-book: {weight: 2}\n",
            base=campaign.base,
        )
    campaign.refresh_from_db()
    assert campaign.name == "Changelogs everywhere"
    assert campaign.checks_text == CHECKS
    assert projects[0].current_checklist().number == number
    assert not AuditEntry.objects.filter(action="campaign.update").exists()


def test_deleting_a_campaign_takes_its_checks_out_of_every_project(organisation):
    admin, org, projects = organisation
    campaign = _campaign(org, admin)
    assert projects[5].current_checklist().checks.filter(key="changelog").exists()

    updated = campaign_delete(campaign=campaign, actor=admin)

    assert len(updated) == PROJECTS
    assert not Campaign.objects.exists()
    version = projects[5].current_checklist()
    assert not version.checks.filter(key="changelog").exists()
    assert version.checks.get(key="runbook").severity == "medium"
    entry = AuditEntry.objects.get(action="campaign.delete")
    assert (entry.actor, entry.target_label, entry.before["checks"]) == (
        admin,
        "Changelogs everywhere",
        ["changelog", "runbook"],
    )


def test_a_joined_campaign_cannot_change(organisation):
    admin, org, _projects = organisation
    campaign = _campaign(org, admin)
    campaign_join(campaign=campaign, actor=admin, today=campaign.target)
    with pytest.raises(CampaignError, match="joined its base"):
        campaign_update(
            campaign=campaign,
            actor=admin,
            name="Renamed",
            start=campaign.start,
            target=campaign.target,
            checks_text=CHECKS,
            base=campaign.base,
        )


def test_joining_the_base_keeps_its_comments(organisation):
    admin, org, projects = organisation
    commented = BASE_V2.replace("categories:\n", "# Owned by the platform team.\ncategories:\n")
    commented = commented.replace("weight: 2\n", "weight: 2  # config matters most\n")
    base_checklist_save(team=org, slug="standard", source=commented, actor=admin)
    campaign = _campaign(org, admin)

    campaign_join(campaign=campaign, actor=admin, today=campaign.target)

    text = BaseChecklist.objects.get(team=org, slug="standard").current_version().source_text
    assert "# Owned by the platform team.\ncategories:\n" in text
    assert "    weight: 2  # config matters most\n" in text
    assert "        severity: critical\n" in text
    assert "      - key: changelog\n        type: file\n        paths: [CHANGELOG.md]\n" in text
    # Every line of the base is still there, in order, except the one it tightened.
    lines = iter(text.splitlines())
    assert all(
        line in lines for line in commented.splitlines() if line != "        severity: critical"
    )
    assert projects[0].current_checklist().checks.get(key="changelog").type == "file"
