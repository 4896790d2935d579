"""Every write that affects a score or access leaves one entry in its team's audit trail:
who, what, and the values before and after."""

import datetime as dt

import pytest
import yaml

from checks.checklist import load_checklist
from readiness.models import AuditEntry, Membership, Role
from readiness.services.attestations import attestation_create
from readiness.services.checklists import checklist_upload, checklist_version_save
from readiness.services.levels import project_target_level_set
from readiness.services.schedules import schedule_update
from readiness.services.teams import membership_add, membership_remove, membership_set_role
from readiness.services.waivers import (
    waiver_approve,
    waiver_deny,
    waiver_ends_at,
    waiver_request,
    waivers_expire,
)
from tests.factories import MembershipFactory, ProjectFactory, UserFactory

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
