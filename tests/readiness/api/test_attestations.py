"""POST /api/v1/projects/{slug}/attestations/: the page's rules, over the API."""

from __future__ import annotations

import datetime as dt
import json

from readiness.models import Attestation, AuditEntry

URL = "/api/v1/projects/payments-api/attestations/"
GOOD = {
    "check_key": "quotas-reviewed",
    "status": "pass",
    "note": "Reviewed the quotas with the SRE team.",
    "evidence_url": "https://wiki.example.com/quotas",
}


def post(world, body, who="run", **headers):
    return world.client(who, **headers).post(
        URL, data=json.dumps(body), content_type="application/json"
    )


def test_it_records_the_attestation_of_the_tokens_maker_expiring_as_the_check_says(api_world):
    response = post(api_world, GOOD)
    assert response.status_code == 201
    body = response.json()
    saved = Attestation.objects.get(pk=body["id"])
    assert saved.user == api_world.editor and body["attested_by"] == "Erin Editor"
    assert saved.valid_until - saved.attested_at == dt.timedelta(days=30)
    assert body["valid_until"] is not None and body["status"] == "pass"
    assert AuditEntry.objects.filter(action="attestation.create", actor=api_world.editor).exists()


def test_a_missing_evidence_link_and_a_bad_status_are_named_and_nothing_is_saved(api_world):
    response = post(api_world, {**GOOD, "status": "great", "evidence_url": ""})
    assert response.status_code == 422
    problem = response.json()
    where = {error["where"]: error["message"] for error in problem["errors"]}
    assert set(where) == {"body.status", "body.evidence_url"}
    assert "requires an evidence link" in where["body.evidence_url"]
    assert not Attestation.objects.exists()


def test_an_unknown_or_automatic_check_is_named(api_world):
    for key in ("nope", "webhook-signature"):
        response = post(api_world, {**GOOD, "check_key": key})
        assert response.status_code == 422
        assert response.json()["errors"][0]["where"] == "body.check_key"
    assert not Attestation.objects.exists()


def test_a_missing_field_is_a_422_naming_it(api_world):
    response = post(api_world, {"check_key": "quotas-reviewed", "status": "pass"})
    assert response.status_code == 422
    assert [e["where"] for e in response.json()["errors"]] == ["body.payload.note"]


def test_a_token_made_by_no_one_cannot_attest(api_world):
    response = post(api_world, GOOD, who="anonymous-run")
    assert response.status_code == 403
    assert "--by" in response.json()["detail"]
    assert not Attestation.objects.exists()


def test_errors_are_in_french_for_a_french_caller(api_world):
    response = post(api_world, {**GOOD, "note": " "}, **{"Accept-Language": "fr"})
    assert response.status_code == 422
    assert "Écrivez une note" in response.json()["errors"][0]["message"]
