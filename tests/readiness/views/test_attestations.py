import datetime as dt

from django.urls import reverse
from django.utils import timezone

from readiness.models import Attestation, Role

HTMX = {"HX-Request": "true"}


def url(name, *args):
    return reverse(f"readiness:{name}", args=args)


def test_it_records_an_attestation_with_who_when_and_expiry(world, login):
    client = login(Role.EDITOR)
    before = timezone.now()
    response = client.post(
        url("attestation-create", "payments-api"),
        {
            "check_key": "cpu-quotas-reviewed",
            "status": "pass",
            "note": "7-12 of 30 vCPU",
            "evidence_url": "https://grafana.example.com/d/cpu",
        },
        headers=HTMX,
    )
    html = response.content.decode()
    assert response.status_code == 200
    attestation = Attestation.objects.get(project=world.project)
    assert attestation.user == client.user
    assert attestation.attested_by == client.user.username
    assert before <= attestation.attested_at <= timezone.now()
    assert attestation.valid_until == attestation.attested_at + dt.timedelta(days=30)
    assert "Attestation recorded." in html
    assert "Valid until" in html


def test_it_requires_the_evidence_link_when_the_check_says_so(world, login):
    response = login(Role.EDITOR).post(
        url("attestation-create", "payments-api"),
        {"check_key": "cpu-quotas-reviewed", "status": "pass", "note": "fine"},
        headers=HTMX,
    )
    assert response.status_code == 200
    assert 'data-testid="attestation-error"' in response.content.decode()
    assert not Attestation.objects.exists()


def test_it_refuses_to_attest_a_check_that_is_not_manual(world, login):
    response = login(Role.EDITOR).post(
        url("attestation-create", "payments-api"),
        {"check_key": "cors-whitelist", "status": "pass"},
        headers=HTMX,
    )
    assert response.status_code == 404
    assert not Attestation.objects.exists()


def test_it_forbids_viewers_to_attest(world, login):
    response = login(Role.VIEWER).post(
        url("attestation-create", "payments-api"),
        {"check_key": "cpu-quotas-reviewed", "status": "pass", "evidence_url": "https://x.example"},
        headers=HTMX,
    )
    assert response.status_code == 403
    assert not Attestation.objects.exists()
