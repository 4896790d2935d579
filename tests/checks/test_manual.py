import datetime as dt
from pathlib import Path

import pytest

from checks.manual import MANUAL, run_manual
from checks.spec import Attestation, CheckSpec, RunContext, Status
from tests.checks.checklists import one_check, problems_of

NOW = dt.datetime(2026, 3, 1, 12, tzinfo=dt.UTC)


def day(month: int, day_: int, year: int = 2026) -> dt.datetime:
    return dt.datetime(year, month, day_, 9, 30, tzinfo=dt.UTC)


def spec(*, valid_days=None, evidence_required=False):
    return CheckSpec(
        key="backup-restore-drill",
        name="Backup restore drill",
        type="manual",
        category="ops",
        options={"valid_days": valid_days, "evidence_required": evidence_required},
    )


def attest(status, user, at, until, *, note="", evidence_url=""):
    return Attestation(
        status=Status(status),
        user=user,
        attested_at=at,
        valid_until=until,
        note=note,
        evidence_url=evidence_url,
    )


def run(*attestations, now=NOW, **options):
    ctx = RunContext(
        repo=Path("unused-by-manual-checks"),
        now=now,
        attestations={"backup-restore-drill": list(attestations)},
    )
    check = spec(**options)
    return run_manual(check, MANUAL.typed(check.options), ctx)


def test_it_needs_an_attestation():
    outcome = run()
    assert outcome.status == Status.ERROR
    assert outcome.summary == "needs attestation"


def test_it_takes_the_status_of_the_latest_valid_attestation():
    outcome = run(
        attest("pass", "alice", day(1, 10), day(6, 1)),
        attest(
            "warn",
            "bob",
            day(2, 16),
            day(5, 17),
            note="restore took 3h",
            evidence_url="https://wiki/drill",
        ),
    )
    assert outcome.status == Status.WARN
    assert outcome.summary == "attested warn by bob on 2026-02-16 (valid until 2026-05-17)"
    assert outcome.details["user"] == "bob"
    assert [e.text for e in outcome.evidence] == ["restore took 3h", "https://wiki/drill"]


def test_it_falls_back_to_an_older_attestation_that_is_still_valid():
    outcome = run(
        attest("fail", "alice", day(1, 10), day(12, 31)),
        attest("pass", "bob", day(2, 1), day(2, 20)),
    )
    assert outcome.status == Status.FAIL
    assert outcome.summary == "attested fail by alice on 2026-01-10 (valid until 2026-12-31)"


def test_it_says_when_the_only_attestations_expired():
    outcome = run(
        attest("pass", "alice", day(1, 2), day(1, 20)),
        attest("pass", "bob", day(1, 15), day(2, 14)),
    )
    assert outcome.status == Status.ERROR
    assert outcome.summary == "attestation expired on 2026-02-14"


def test_it_keeps_an_attestation_without_expiry():
    outcome = run(attest("pass", "alice", day(2, 16), None))
    assert outcome.status == Status.PASS
    assert outcome.summary == "attested pass by alice on 2026-02-16 (no expiry)"


def test_it_expires_an_attestation_after_the_checklist_valid_days():
    outcome = run(attest("pass", "alice", day(1, 1), None), valid_days=30)
    assert outcome.status == Status.ERROR
    assert outcome.summary == "attestation expired on 2026-01-31"


def test_it_shows_the_earlier_of_valid_until_and_valid_days():
    outcome = run(attest("pass", "alice", day(2, 16), day(12, 31)), valid_days=90)
    assert outcome.summary == "attested pass by alice on 2026-02-16 (valid until 2026-05-17)"


def test_it_ignores_attestations_made_after_the_evaluated_moment():
    outcome = run(attest("pass", "alice", day(3, 5), None))
    assert outcome.status == Status.ERROR
    assert outcome.summary == "needs attestation"


def test_it_errs_when_the_required_evidence_link_is_missing():
    outcome = run(attest("pass", "alice", day(2, 16), None, note="done"), evidence_required=True)
    assert outcome.status == Status.ERROR
    assert outcome.summary == "attestation lacks the required evidence link"


def test_it_passes_with_the_required_evidence_link():
    outcome = run(
        attest("pass", "alice", day(2, 16), None, evidence_url="https://ci/run/42"),
        evidence_required=True,
    )
    assert outcome.status == Status.PASS
    assert outcome.details["evidence_url"] == "https://ci/run/42"


# Its fields, as the checklist loader reads them


@pytest.mark.parametrize(
    ("fields", "path", "message"),
    [
        ("type: manual\nvalid_days: 0", "valid_days", "1..3650"),
    ],
)
def test_it_validates_its_fields_when_loaded(fields: str, path: str, message: str) -> None:
    problems = problems_of(one_check(fields))

    assert [p.path for p in problems] == [f"categories[0].checks[0].{path}"]
    assert message in problems[0].message
