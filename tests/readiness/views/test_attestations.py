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
    assert 'data-field="evidence_url"' in response.content.decode()
    assert not Attestation.objects.exists()


def test_it_offers_no_status_by_default(world, login):
    html = login(Role.EDITOR).get(url("project", "payments-api")).content.decode()
    form = html[html.index('data-testid="attestation-status"') :]
    form = form[: form.index("</select>")]
    assert '<option value="" selected>— choose —</option>' in form
    assert form.count(" selected") == 1


def test_it_refuses_an_attestation_without_status_or_note(world, login):
    response = login(Role.EDITOR).post(
        url("attestation-create", "payments-api"),
        {
            "check_key": "cpu-quotas-reviewed",
            "status": "",
            "note": " ",
            "evidence_url": "https://grafana.example.com/d/cpu",
        },
        headers=HTMX,
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert "Choose a status: pass, warn or fail." in html
    assert "Write a note: what was checked, and how." in html
    assert "Attestation recorded." not in html
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
