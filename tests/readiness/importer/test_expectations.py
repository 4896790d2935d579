"""Expected results and keys from test titles (readiness/importer/_expectations.py)."""

import pytest

from readiness.importer._expectations import key_hint, read_expectation


@pytest.mark.parametrize(
    ("comment", "text", "status", "absent"),
    [
        ("✅ ATTENDU: functionsPayment (west3)", "functionsPayment (west3)", "pass", False),
        (
            "✅ ATTENDU: Aucun résultat (fonctions supprimées)",
            "Aucun résultat (fonctions supprimées)",
            "pass",
            True,
        ),
        ("EXPECTED: no output", "no output", None, True),
        ("Résultat attendu : vide", "vide", None, True),
        ("❌ Expected: 200 OK", "200 OK", "fail", False),
    ],
)
def test_it_reads_expected_results(comment, text, status, absent):
    expectation = read_expectation(3, comment)
    assert expectation.text == text
    assert expectation.status == status
    assert expectation.absent is absent
    assert expectation.line == 3


def test_it_reads_an_expected_count():
    assert read_expectation(1, "EXPECTED: 3 matches").count == 3


def test_it_ignores_comments_that_are_not_expectations():
    assert read_expectation(1, "Test 1: Vérifier que x") is None


def test_it_makes_short_keys_from_test_titles():
    assert key_hint("Test 1: Vérifier que functionsPayment pointe bien vers west3") == (
        "functionspayment-pointe-bien-vers-west3"
    )
    assert key_hint("Check 2: ensure the health endpoint exists") == "health-endpoint-exists"
