import datetime as dt
from pathlib import Path

import pytest
from django.utils import translation

from checks import registry
from checks.spec import Attestation, CheckSpec, RunContext, Status
from readiness.formatting import format_score
from readiness.verdicts import awaiting, reason_text, reasons_text, result_word, verdict_label


@pytest.fixture(autouse=True)
def _english():
    # The sentences below are the English ones, whatever another test left active.
    with translation.override("en"):
        yield


@pytest.mark.parametrize(
    ("reason", "sentence"),
    [
        (
            {"code": "score_below", "score": 7.34, "ready_at": 8.0},
            "The score 7.3/10 is below the 8.0/10 needed to be ready.",
        ),
        (
            {"code": "score_below", "score": 7.96, "ready_at": 8.0},
            "The score 7.96/10 is below the 8.00/10 needed to be ready.",
        ),
        ({"code": "no_score"}, "No check could be scored, so there is no score."),
        (
            {"code": "coverage_below", "coverage": 0.75, "minimum": 0.8},
            "Only 75% measured; at least 80% is needed.",
        ),
        (
            {"code": "critical", "check": "stripe-webhook", "status": "fail"},
            "Critical check stripe-webhook failed.",
        ),
        (
            {"code": "critical", "check": "stripe-webhook", "status": "error"},
            "Critical check stripe-webhook could not gather evidence.",
        ),
    ],
)
def test_it_turns_each_reason_of_scoring_into_a_sentence(reason, sentence):
    assert reason_text(reason) == sentence


def test_it_still_says_something_for_an_unknown_reason():
    assert reason_text({"code": "new_rule", "limit": 3}) == "new_rule (limit=3)"


def test_it_keeps_the_order_of_the_reasons():
    reasons = [{"code": "no_score"}, {"code": "critical", "check": "a", "status": "fail"}]

    assert reasons_text(reasons) == [reason_text(reasons[0]), reason_text(reasons[1])]


def test_it_names_the_verdicts():
    assert (verdict_label("ready"), verdict_label("not-ready"), verdict_label("")) == (
        "ready",
        "not ready",
        "no verdict",
    )


def test_it_uses_the_decimal_separator_of_the_active_language():
    with translation.override("fr"):
        assert format_score(7.94) == f"{7.94:.1f}/10".replace(".", ",")
        assert reason_text({"code": "score_below", "score": 7.96, "ready_at": 8.0}) == (
            "Le score 7,96/10 est inférieur aux 8,00/10 requis pour être prêt pour la production."
        )


def test_it_recognises_an_awaited_attestation_by_the_outcomes_details():
    manual = registry.get("manual")
    spec = CheckSpec(key="drill", name="Drill", type="manual", category="ops")
    now = dt.datetime(2026, 3, 1, tzinfo=dt.UTC)
    old = Attestation(Status.PASS, "ana", now - dt.timedelta(days=200), None)
    none = manual.run(spec, manual.typed({}), RunContext(Path("."), now))
    expired = manual.run(
        spec, manual.typed({}), RunContext(Path("."), now, attestations={"drill": [old]})
    )

    assert awaiting(str(none.status), none.stored_details()).expired_on is None
    assert result_word(str(none.status), none.stored_details()) == "Awaiting attestation"
    assert awaiting(str(expired.status), expired.stored_details()).expired_on == dt.date(
        2025, 11, 11
    )
    assert result_word("error", expired.stored_details()) == (
        "Attestation expired on Nov. 11, 2025"
    )


@pytest.mark.parametrize(
    ("status", "details", "awaited"),
    [
        # Stored before outcomes said so: the engine's message template still tells.
        ("error", {"message": {"template": "needs attestation", "params": {}}}, True),
        # Never from English text: a summary that happens to read the same is an error.
        ("error", {"message": {"template": "checker failed: %(reason)s"}}, False),
        ("error", {}, False),
        ("error", None, False),
        # Only an error awaits: a fail with the marker is a fail.
        ("fail", {"awaiting": "attestation"}, False),
    ],
)
def test_it_tells_an_awaited_attestation_from_a_real_error(status, details, awaited):
    assert (awaiting(status, details) is not None) is awaited
