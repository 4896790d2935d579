import datetime as dt

import pytest
from django.contrib.auth.models import AnonymousUser
from django.db import DatabaseError, connection, transaction

from readiness.models import AppendOnlyError, AuditEntry
from readiness.services.audit import audit_record
from tests.factories import ProjectFactory, TeamFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_it_records_who_what_and_the_values_before_and_after():
    team = TeamFactory()
    user = UserFactory(username="ana", first_name="Ana", last_name="Lima")
    project = ProjectFactory(team=team, name="Payments")

    entry = audit_record(
        team=team,
        actor=user,
        action="project.schedule",
        target=project,
        before={"schedule": ""},
        after={"schedule": "30 8 * * 1-5", "on": dt.date(2027, 1, 2)},
        summary="daily",
    )

    entry.refresh_from_db()
    assert entry.team == team
    assert entry.actor == user
    assert entry.actor_name == "Ana Lima"
    assert entry.action == "project.schedule"
    assert (entry.target_type, entry.target_id, entry.target_label) == (
        "readiness.project",
        str(project.pk),
        "Payments",
    )
    assert entry.before == {"schedule": ""}
    assert entry.after == {"schedule": "30 8 * * 1-5", "on": "2027-01-02"}
    assert entry.summary == "daily"


def test_it_records_the_system_when_there_is_no_actor():
    team = TeamFactory()

    entry = audit_record(team=team, actor=None, action="waiver.expire", target="a waiver")
    anonymous = audit_record(team=team, actor=AnonymousUser(), action="waiver.expire")

    assert entry.actor is None and entry.actor_name == ""
    assert entry.target_type == "" and entry.target_label == "a waiver"
    assert anonymous.actor is None


def test_an_entry_cannot_be_changed_or_deleted():
    entry = audit_record(team=TeamFactory(), actor=None, action="waiver.expire")

    entry.summary = "rewritten"
    with pytest.raises(AppendOnlyError):
        entry.save()
    with pytest.raises(AppendOnlyError):
        entry.delete()
    with pytest.raises(AppendOnlyError):
        AuditEntry.objects.filter(pk=entry.pk).update(summary="rewritten")
    with pytest.raises(AppendOnlyError):
        AuditEntry.objects.filter(pk=entry.pk).delete()
    assert AuditEntry.objects.get(pk=entry.pk).summary == ""


def test_the_database_refuses_an_update_that_bypasses_the_model():
    entry = audit_record(team=TeamFactory(), actor=None, action="waiver.expire")
    table = AuditEntry._meta.db_table

    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f"UPDATE {table} SET summary = 'rewritten' WHERE id = %s", [entry.pk])

    assert AuditEntry.objects.get(pk=entry.pk).summary == ""
