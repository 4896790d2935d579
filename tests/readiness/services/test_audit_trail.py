"""Every write that affects a score or access leaves one entry in its team's audit trail:
who, what, and the values before and after."""

import datetime as dt

import pytest
import yaml

from checks.checklist import load_checklist
from readiness.models import AuditEntry, Membership, Role
from readiness.services.attestations import attestation_create
from readiness.services.bases import base_checklist_save
from readiness.services.campaigns import (
    campaign_create,
    campaign_delete,
    campaign_join,
    campaign_update,
)
from readiness.services.checklists import checklist_upload, checklist_version_save
from readiness.services.levels import project_target_level_set
from readiness.services.projects import project_upsert
from readiness.services.schedules import schedule_update
from readiness.services.teams import membership_add, membership_remove, membership_set_role
from readiness.services.waivers import (
    waiver_approve,
    waiver_deny,
    waiver_ends_at,
    waiver_request,
    waivers_expire,
)
from tests.factories import MembershipFactory, ProjectFactory, TeamFactory, UserFactory

pytestmark = pytest.mark.django_db

NOW = dt.datetime(2027, 3, 1, 9, 0, tzinfo=dt.UTC)


def checklist_text(*keys, levels=("bronze", "gold")):
    return yaml.safe_dump(
        {
            "version": 1,
            "name": "Shop",
            "levels": list(levels),
            "categories": [{"key": "ops", "checks": [{"key": k, "type": "manual"} for k in keys]}],
        }
    )


def test_every_write_leaves_an_entry(django_capture_on_commit_callbacks):
    project = ProjectFactory(slug="shop")
    team = project.team
    ada = UserFactory(username="ada")
    MembershipFactory(team=team, user=ada, role=Role.ADMIN)
    ed = UserFactory(username="ed")
    first = checklist_text("runbook", "backup")

    def last():
        return AuditEntry.objects.filter(team=team).order_by("-id").first()

    checklist_version_save(
        project=project, checklist=load_checklist(first), source_text=first, actor=ada
    )
    assert (last().action, last().actor, last().after["version"]) == ("checklist.version", ada, 1)
    assert last().before is None
    checklist_upload(project=project, source=checklist_text("runbook"), source_name="x.yml")
    assert (last().action, last().actor, last().before["version"]) == (
        "checklist.version",
        None,
        1,
    )

    membership = membership_add(team=team, identifier="ed", role=Role.EDITOR, actor=ada)
    assert (last().action, last().after) == ("membership.add", {"user": "ed", "role": "editor"})
    membership_set_role(team=team, membership_id=membership.pk, role=Role.ADMIN, actor=ada)
    assert (last().action, last().before["role"], last().after["role"]) == (
        "membership.role",
        "editor",
        "admin",
    )

    with django_capture_on_commit_callbacks(execute=True):
        schedule_update(project=project, schedule="30 8 * * 1-5", timezone="UTC", actor=ada)
    assert (last().action, last().before, last().after) == (
        "project.schedule",
        {"schedule": "", "timezone": "UTC"},
        {"schedule": "30 8 * * 1-5", "timezone": "UTC"},
    )

    project_target_level_set(project=project, level="gold", actor=ada)
    assert (last().action, last().before, last().after) == (
        "project.target_level",
        {"target_level": ""},
        {"target_level": "gold"},
    )

    check = project.current_checklist().checks.get(key="runbook")
    attestation_create(project=project, check=check, status="pass", user=ed, note="drilled")
    assert (last().action, last().actor, last().after["status"]) == (
        "attestation.create",
        ed,
        "pass",
    )

    until = NOW.date() + dt.timedelta(days=10)
    asked = waiver_request(
        project=project, check_key="runbook", until=until, reason="why", user=ed, now=NOW
    )
    assert (last().action, last().actor, last().after["status"]) == (
        "waiver.request",
        ed,
        "requested",
    )
    waiver_approve(waiver=asked, user=ada, note="fine", now=NOW)
    assert (last().action, last().before["status"], last().after["status"]) == (
        "waiver.approve",
        "requested",
        "approved",
    )
    waivers_expire(now=waiver_ends_at(until))
    assert (last().action, last().actor, last().after["status"]) == (
        "waiver.expire",
        None,
        "expired",
    )
    again = waiver_request(
        project=project,
        check_key="runbook",
        until=until + dt.timedelta(days=20),
        reason="again",
        user=ed,
        now=waiver_ends_at(until),
    )
    waiver_deny(waiver=again, user=ada, note="no", now=waiver_ends_at(until))
    assert (last().action, last().after["status"], last().after["note"]) == (
        "waiver.deny",
        "denied",
        "no",
    )

    membership_remove(team=team, membership_id=membership.pk, actor=ada)
    assert (last().action, last().before) == ("membership.remove", {"user": "ed", "role": "admin"})
    assert not Membership.objects.filter(pk=membership.pk).exists()

    assert list(
        AuditEntry.objects.filter(team=team).order_by("id").values_list("action", flat=True)
    ) == [
        "checklist.version",
        "checklist.version",
        "membership.add",
        "membership.role",
        "project.schedule",
        "project.target_level",
        "attestation.create",
        "waiver.request",
        "waiver.approve",
        "waiver.expire",
        "waiver.request",
        "waiver.deny",
        "membership.remove",
    ]


def test_a_change_to_the_same_value_leaves_no_entry(django_capture_on_commit_callbacks):
    project = ProjectFactory(schedule="", timezone="UTC")
    ada = UserFactory()
    text = checklist_text("runbook")
    checklist_version_save(project=project, checklist=load_checklist(text), source_text=text)
    count = AuditEntry.objects.count()

    checklist_version_save(project=project, checklist=load_checklist(text), source_text=text)
    with django_capture_on_commit_callbacks(execute=True):
        schedule_update(project=project, schedule="", timezone="UTC", actor=ada)
    project_target_level_set(project=project, level="", actor=ada)

    assert AuditEntry.objects.count() == count


def test_a_refused_write_leaves_no_entry():
    project = ProjectFactory()
    text = checklist_text("runbook")
    checklist_version_save(project=project, checklist=load_checklist(text), source_text=text)
    count = AuditEntry.objects.count()

    with pytest.raises(ValueError, match="not a level"):
        project_target_level_set(project=project, level="platinum")

    assert AuditEntry.objects.count() == count


def test_every_write_of_the_shared_standards_leaves_an_entry(tmp_path):
    """Base checklist versions, a base's waivers, and a campaign's whole life."""
    team = TeamFactory(name="Platform", slug="platform")
    ada, bob, ed = (UserFactory(username=name) for name in ("ada", "bob", "ed"))
    MembershipFactory(team=team, user=ada, role=Role.ADMIN)
    MembershipFactory(team=team, user=bob, role=Role.ADMIN)
    MembershipFactory(team=team, user=ed, role=Role.EDITOR)
    repo = tmp_path / "svc"
    repo.mkdir()
    (repo / ".readiness.yml").write_text("version: 1\nname: Svc\nextends: platform/base\n")
    base_text = checklist_text("runbook", "backup")
    version, _updated = base_checklist_save(team=team, slug="base", source=base_text, actor=ada)
    project_upsert(
        slug="svc", source=str(repo), checklist_path=repo / ".readiness.yml", team_name="Platform"
    )
    start = mark = AuditEntry.objects.filter(team=team).order_by("-id").first().pk

    def since() -> list[tuple[str, str]]:
        nonlocal mark
        rows = list(
            AuditEntry.objects.filter(team=team, pk__gt=mark)
            .order_by("id")
            .values_list("action", "actor_name")
        )
        mark = AuditEntry.objects.filter(team=team).order_by("-id").first().pk
        return rows

    base_checklist_save(
        team=team, slug="base", source=checklist_text("runbook", "backup", "slo"), actor=ada
    )
    assert since() == [("checklist.version", ""), ("base_checklist.version", "ada")]
    asked = waiver_request(
        base=version.base, check_key="backup", until=NOW.date(), reason="why", user=ed, now=NOW
    )
    waiver_deny(waiver=asked, user=bob, note="no", now=NOW)
    again = waiver_request(
        base=version.base, check_key="slo", until=NOW.date(), reason="why", user=ed, now=NOW
    )
    waiver_approve(waiver=again, user=bob, now=NOW)
    waivers_expire(now=waiver_ends_at(NOW.date()))
    assert since() == [
        ("waiver.request", "ed"),
        ("waiver.deny", "bob"),
        ("waiver.request", "ed"),
        ("waiver.approve", "bob"),
        ("waiver.expire", ""),
    ]
    today = dt.date.today()
    campaign, _updated = campaign_create(
        team=team,
        name="Tighter",
        start=today,
        target=today,
        checks_text="version: 1\noverrides:\n  backup: {weight: 3}\n",
        actor=ada,
        base=version.base,
    )
    campaign_update(
        campaign=campaign,
        actor=bob,
        name="Tighter backups",
        start=today,
        target=today,
        checks_text=campaign.checks_text,
        base=version.base,
    )
    campaign_join(campaign=campaign, actor=ada, today=today)
    campaign_delete(campaign=campaign, actor=bob)
    assert since() == [
        ("checklist.version", ""),
        ("campaign.create", "ada"),
        ("campaign.update", "bob"),
        ("checklist.version", ""),
        ("base_checklist.version", "ada"),
        ("campaign.join", "ada"),
        ("campaign.delete", "bob"),
    ]
    assert AuditEntry.objects.filter(team=team, pk__gt=start).count() == 14
