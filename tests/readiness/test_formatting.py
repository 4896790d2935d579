"""Numbers for people (readiness/formatting.py)."""

import pytest
from django.utils import translation

from readiness.formatting import format_coverage, format_score, score_line


@pytest.fixture(autouse=True)
def _english():
    # The sentences below are the English ones, whatever another test left active.
    with translation.override("en"):
        yield


def test_it_shows_a_score_with_its_coverage():
    assert score_line(9.4, 0.92) == "9.4/10 · 92% measured"


def test_it_never_rounds_coverage_up_to_a_threshold():
    assert format_coverage(0.7999) == "79% measured"
    assert format_coverage(0.8) == "80% measured"


def test_it_shows_a_dash_when_there_is_no_score():
    assert format_score(None) == "—/10"
    assert format_coverage(None) == "nothing measured"


def test_it_rounds_like_the_command_line_rather_than_cutting_decimals_off():
    with translation.override("fr"):
        assert format_score(7.96) == f"{7.96:.1f}/10".replace(".", ",")
