"""`POST /api/v1/projects/{slug}/attestations/`: attest a manual check, as the project page
does (the same rules: a status, a note, the evidence link when the check asks for one;
the attestation expires after the check's `valid_days`)."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Router, Schema, Status

from readiness.api.auth import api_project
from readiness.api.problems import ProblemOut
from readiness.api.writes import acting_person, invalid, invalid_fields, invalid_form
from readiness.models import Role
from readiness.services.attestations import attestation_create as attestation_save
from readiness.services.attestations import attestation_errors, manual_check
from readiness.views.forms import AttestationForm

router = Router(tags=["attestations"])


class AttestationIn(Schema):
    check_key: str
    status: str
    note: str
    evidence_url: str = ""


class AttestationOut(Schema):
    id: int
    check_key: str
    status: str
    note: str
    evidence_url: str
    attested_by: str
    attested_at: dt.datetime
    valid_until: dt.datetime | None


@router.post(
    "{slug}/attestations/",
    response={201: AttestationOut, 422: ProblemOut},
    summary="Attest a manual check",
    description=(
        "Needs a `run` token (made by a person: the attestation is theirs) or an editor's "
        "session. `status` is pass, warn or fail; `note` says what was checked and how; "
        "`evidence_url` is required when the check sets `evidence_required`. The "
        "attestation expires after the check's `valid_days`."
    ),
)
def attestation_create(request: HttpRequest, slug: str, payload: AttestationIn) -> Status:
    project = api_project(request, slug, role=Role.EDITOR)
    user = acting_person(request)
    check = manual_check(project=project, check_key=payload.check_key)
    if check is None:
        raise invalid(
            [
                (
                    "body.check_key",
                    _("%(check)s is not a manual check of this project's checklist.")
                    % {"check": payload.check_key},
                )
            ]
        )
    form = AttestationForm(payload.dict())
    if not form.is_valid():
        # Every problem at once: the form's, and the service's rules on the other fields.
        rules = attestation_errors(
            check=check,
            status=payload.status,
            note=payload.note,
            evidence_url=payload.evidence_url,
        )
        for field, message in rules.items():
            if field not in form.errors:
                form.add_error(field, message)
        raise invalid_form(form)
    try:
        saved = attestation_save(
            project=project,
            check=check,
            status=form.cleaned_data["status"],
            note=form.cleaned_data["note"],
            evidence_url=form.cleaned_data["evidence_url"],
            user=user,
        )
    except ValidationError as error:
        raise invalid_fields(error) from None
    return Status(
        201,
        {
            "id": saved.pk,
            "check_key": saved.check_key,
            "status": saved.status,
            "note": saved.note,
            "evidence_url": saved.evidence_url,
            "attested_by": saved.attested_by,
            "attested_at": saved.attested_at,
            "valid_until": saved.valid_until,
        },
    )
