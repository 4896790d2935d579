"""Reads of the campaign pages and the standup's reminders: which projects pass a campaign's
checks, day by day since its start (the burn-up), and which are behind, with their owners and
the checks each still fails.

A project passes a campaign when its latest measured assessment (a run, not a document's
claim) has every check of the campaign `pass` or `warn` (`waived` too, where waivers exist);
a check missing from that assessment, not measured, or failing keeps it behind."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field

from django.db.models import Q
from django.utils import timezone

from readiness.models import (
    Assessment,
    AssessmentStatus,
    Campaign,
    CheckResult,
    Membership,
    Project,
    Role,
    Team,
)
from readiness.retained import Point, carried_results
from readiness.selectors.common import latest_measured
from readiness.services.campaigns import campaign_check_keys, campaign_projects

PASSING = frozenset({"pass", "warn", "waived"})
# The standup reminds a team of a campaign this many days before its target date.
REMINDER_DAYS = 14


@dataclass
class Behind:
    project: Project
    owners: list[str]
    failing: list[tuple[str, str]] = field(default_factory=list)  # (check key, status)


@dataclass
class Burnup:
    campaign: Campaign
    checks: list[str]
    days: list[dt.date]
    passing: list[int]
    total: int
    behind: list[Behind]
    today: dt.date

    @property
    def passing_now(self) -> int:
        return self.passing[-1] if self.passing else 0

    @property
    def days_left(self) -> int:
        return (self.campaign.target - self.today).days


def _passes(statuses: dict[str, str], keys: list[str]) -> bool:
    return all(statuses.get(key) in PASSING for key in keys)


def campaign_burnup(*, campaign: Campaign, today: dt.date | None = None) -> Burnup:
    """The burn-up of `campaign` from its start to today (at most its target date, or later
    when it is late), and the projects behind today."""
    today = today or timezone.localdate()
    projects = campaign_projects(campaign=campaign)
    ids = [p.pk for p in projects]
    keys = campaign_check_keys(campaign.checks_text)
    zone = timezone.get_current_timezone()
    start = dt.datetime.combine(campaign.start, dt.time.min, tzinfo=zone)
    # Each project's state at the start, then every measured assessment since.
    initial = latest_measured(ids, count=1, at_or_before=start)
    assessments = list(
        Assessment.objects.filter(
            Q(project_id__in=ids, status=AssessmentStatus.DONE, claimed=False)
            & (
                Q(evaluated_at__gt=start)
                | Q(pk__in=[p.latest.pk for p in initial.values() if p.latest])
            )
        )
        .order_by("evaluated_at", "id")
        .values("pk", "project_id", "evaluated_at", "retention_anchor_id", "retention_days")
    )
    statuses: dict[int, dict[str, str]] = defaultdict(dict)
    for assessment_id, key, status in CheckResult.objects.filter(
        assessment_id__in=[a["pk"] for a in assessments], check_item__key__in=keys
    ).values_list("assessment_id", "check_item__key", "status"):
        statuses[assessment_id][key] = status
    # Points pruned by retention: the statuses of their deleted rows, carried.
    pruned = [
        Point(a["pk"], a["evaluated_at"], a["retention_anchor_id"], a["retention_days"])
        for a in assessments
        if a["retention_anchor_id"]
    ]
    for assessment_id, carried in carried_results(pruned).items():
        for result in carried:
            if result.check_item.key in keys:
                statuses[assessment_id][result.check_item.key] = result.status
    end = max(today, campaign.start)
    days = [campaign.start + dt.timedelta(days=n) for n in range((end - campaign.start).days + 1)]
    latest: dict[int, int] = {}
    passing: list[int] = []
    cursor = 0
    for day in days:
        limit = dt.datetime.combine(day + dt.timedelta(days=1), dt.time.min, tzinfo=zone)
        while cursor < len(assessments) and assessments[cursor]["evaluated_at"] < limit:
            latest[assessments[cursor]["project_id"]] = assessments[cursor]["pk"]
            cursor += 1
        passing.append(sum(1 for pk in latest.values() if _passes(statuses[pk], keys)))
    owners = _owners(projects)
    behind = []
    for project in projects:
        current = statuses.get(latest.get(project.pk, 0), {})
        if _passes(current, keys):
            continue
        failing = [(key, current.get(key, "")) for key in keys if current.get(key) not in PASSING]
        behind.append(Behind(project, owners.get(project.team_id, []), failing))
    return Burnup(campaign, keys, days, passing, len(projects), behind, today)


def _owners(projects: list[Project]) -> dict[int, list[str]]:
    """A project's owners: its team's admins, by username."""
    found: dict[int, list[str]] = defaultdict(list)
    for team_id, username in (
        Membership.objects.filter(team_id__in={p.team_id for p in projects}, role=Role.ADMIN)
        .order_by("user__username")
        .values_list("team_id", "user__username")
    ):
        found[team_id].append(username)
    return found


def team_campaigns(*, team: Team) -> list[Campaign]:
    """Campaigns the team runs or whose scope holds its projects, the nearest target first."""
    scope = Q(team=team) | Q(teams=team) | Q(base__versions__checklist_versions__project__team=team)
    return list(Campaign.objects.filter(scope).distinct().order_by("target", "name"))


@dataclass
class Reminder:
    campaign: Campaign
    days_left: int
    behind: list[Behind]


def campaign_reminders(*, team: Team, today: dt.date | None = None) -> list[Reminder]:
    """For the standup: campaigns not joined yet whose target is within REMINDER_DAYS (or
    past), with the team's projects still behind."""
    today = today or timezone.localdate()
    reminders = []
    for campaign in team_campaigns(team=team):
        if campaign.is_joined or (campaign.target - today).days > REMINDER_DAYS:
            continue
        burnup = campaign_burnup(campaign=campaign, today=today)
        behind = [b for b in burnup.behind if b.project.team_id == team.pk]
        if behind:
            reminders.append(Reminder(campaign, (campaign.target - today).days, behind))
    return reminders
