import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from readiness.models import Attestation
from readiness.services.attestations import attestation_create, manual_check
from tests import factories


@pytest.fixture
def check(db):
    return factories.CheckFactory(
        key="quotas", type="manual", options={"valid_days": 14, "evidence_required": True}
    )


def test_it_records_who_and_when_and_expires_after_the_checks_valid_days(check):
    user = factories.UserFactory(first_name="Ada", last_name="Lovelace")
    now = timezone.now()
    attestation = attestation_create(
        project=check.checklist.project,
        check=check,
        status="pass",
        user=user,
        note="Quotas reviewed with ops",
        evidence_url="https://example.com/proof",
        now=now,
    )
    assert attestation.attested_by == "Ada Lovelace"
    assert attestation.attested_at == now
    assert attestation.valid_until == now + dt.timedelta(days=14)


def test_it_never_expires_without_valid_days(db):
    check = factories.CheckFactory(type="manual", options={})
    attestation = attestation_create(
        project=check.checklist.project,
        check=check,
        status="warn",
        note="One pod unbounded",
        user=factories.UserFactory(),
    )
    assert attestation.valid_until is None


def test_it_requires_the_evidence_link_when_the_check_does(check):
    with pytest.raises(ValidationError) as error:
        attestation_create(
            project=check.checklist.project,
            check=check,
            status="pass",
            note="Looked at it",
            user=factories.UserFactory(),
        )
    assert "evidence_url" in error.value.message_dict
    assert not Attestation.objects.exists()


def test_it_refuses_a_check_of_another_project(check):
    with pytest.raises(ValidationError):
        attestation_create(
            project=factories.ProjectFactory(),
            check=check,
            status="pass",
            note="Looked at it",
            user=factories.UserFactory(),
            evidence_url="https://example.com",
        )


def test_it_finds_manual_checks_in_the_current_checklist_only(check):
    project = check.checklist.project
    assert manual_check(project=project, check_key="quotas") == check
    factories.ChecklistVersionFactory(project=project, number=check.checklist.number + 1)
    assert manual_check(project=project, check_key="quotas") is None


@pytest.mark.parametrize("status", ["", "error", "skip", "PASS"])
def test_it_refuses_a_status_nobody_chose(check, status):
    with pytest.raises(ValidationError) as error:
        attestation_create(
            project=check.checklist.project,
            check=check,
            status=status,
            note="Looked at it",
            user=factories.UserFactory(),
            evidence_url="https://example.com/proof",
        )
    assert error.value.message_dict["status"] == ["Choose a status: pass, warn or fail."]
    assert not Attestation.objects.exists()


@pytest.mark.parametrize("note", ["", "   \n "])
def test_it_requires_a_note(check, note):
    with pytest.raises(ValidationError) as error:
        attestation_create(
            project=check.checklist.project,
            check=check,
            status="pass",
            note=note,
            user=factories.UserFactory(),
            evidence_url="https://example.com/proof",
        )
    assert error.value.message_dict["note"] == ["Write a note: what was checked, and how."]
    assert not Attestation.objects.exists()


def test_it_names_every_missing_field_at_once(check):
    with pytest.raises(ValidationError) as error:
        attestation_create(
            project=check.checklist.project,
            check=check,
            status="",
            note="",
            user=factories.UserFactory(),
        )
    assert set(error.value.message_dict) == {"status", "note", "evidence_url"}
