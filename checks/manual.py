"""`manual` checks: the status comes from a person's attestation, not from a machine.

The latest attestation that is still valid at `ctx.now` decides (pass, warn or fail).
Without one there is no evidence, so the status is `error` ("needs attestation" or
"attestation expired on DATE"): it lowers coverage and never counts as a pass. Its details
say `awaiting: attestation`, so that pages show "Awaiting attestation" rather than an error.

An attestation is valid until its `valid_until` (None: no expiry) and, when the checklist
sets `valid_days`, no longer than that many days after it was made, so shortening
`valid_days` in the checklist takes effect at once. Attestations made after `ctx.now` are
ignored, so that re-evaluating an old assessment sees what existed then.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from checks import reader as read
from checks.checktype import CheckType, Kind, option
from checks.messages import (
    ATTESTATION_EXPIRED,
    AWAITING,
    NEEDS_ATTESTATION,
    gettext_noop,
    message,
)
from checks.spec import Attestation, CheckSpec, Evidence, Outcome, RunContext, Status, clip

ATTESTED = (Status.PASS, Status.WARN, Status.FAIL)
# One sentence per status, so that each reads naturally once translated.
ATTESTED_TEMPLATES = {
    Status.PASS: gettext_noop("attested pass by %(user)s on %(date)s (%(validity)s)"),
    Status.WARN: gettext_noop("attested warn by %(user)s on %(date)s (%(validity)s)"),
    Status.FAIL: gettext_noop("attested fail by %(user)s on %(date)s (%(validity)s)"),
}


@dataclass(frozen=True, kw_only=True)
class ManualOptions:
    valid_days: int | None = option(read.integer(minimum=1, maximum=3650), 90)
    evidence_required: bool = option(read.boolean, False)


def expires_at(attestation: Attestation, valid_days: int | None) -> dt.datetime | None:
    """When `attestation` stops counting; None when it never does."""
    if valid_days is None:
        return attestation.valid_until
    limit = attestation.attested_at + dt.timedelta(days=valid_days)
    return limit if attestation.valid_until is None else min(attestation.valid_until, limit)


def run_manual(spec: CheckSpec, options: ManualOptions, ctx: RunContext) -> Outcome:
    """Judge the check by its latest attestation still valid at `ctx.now`."""
    valid_days = options.valid_days
    made = [a for a in ctx.attestations.get(spec.key, ()) if a.attested_at <= ctx.now]
    if not made:
        return Outcome.error(message(NEEDS_ATTESTATION), **{AWAITING: "attestation"})
    made.sort(key=lambda a: a.attested_at)
    valid = [a for a in made if (until := expires_at(a, valid_days)) is None or until > ctx.now]
    if not valid:
        lapsed = expires_at(made[-1], valid_days)
        return Outcome.error(
            message(ATTESTATION_EXPIRED, date=lapsed.date().isoformat()),
            expired_on=lapsed.isoformat(),
            user=made[-1].user,
            **{AWAITING: "attestation"},
        )
    latest = valid[-1]
    until = expires_at(latest, valid_days)
    details = {
        "user": latest.user,
        "status": str(latest.status),
        "attested_at": latest.attested_at.isoformat(),
        "valid_until": until.isoformat() if until else None,
        "note": clip(latest.note),
        "evidence_url": latest.evidence_url,
    }
    if latest.status not in ATTESTED:
        return Outcome.error(
            message(
                gettext_noop("attestation has status %(status)s, expected pass, warn or fail"),
                status=str(latest.status),
            )
        )
    status = Status(latest.status)
    if options.evidence_required and not latest.evidence_url:
        return Outcome.said(
            Status.ERROR,
            message(gettext_noop("attestation lacks the required evidence link")),
            details=details,
        )
    validity = (
        message(gettext_noop("valid until %(date)s"), date=until.date().isoformat())
        if until
        else message(gettext_noop("no expiry"))
    )
    summary = message(
        ATTESTED_TEMPLATES[status],
        user=latest.user,
        date=latest.attested_at.date().isoformat(),
        validity=validity,
    )
    evidence = tuple(
        Evidence(text=clip(text)) for text in (latest.note, latest.evidence_url) if text
    )
    return Outcome.said(status, summary, evidence, details)


MANUAL = CheckType("manual", Kind.INLINE, ManualOptions, run=run_manual)
