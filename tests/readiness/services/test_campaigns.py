"""A campaign over the 30 projects extending the organisation's base: its checks join every
project's checklist, the burn-up follows a sequence of assessments day by day, the projects
behind are listed with their owners and failing checks, the standup reminds the teams, and
at the target date its checks join the base."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from django.utils import timezone

from checks.checklist import ChecklistError
from readiness.models import AuditEntry, BaseChecklist, Campaign, Role
from readiness.selectors.bases import base_preview
from readiness.selectors.campaigns import campaign_burnup, campaign_reminders
from readiness.services.campaigns import CampaignError, campaign_create, campaign_join
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
