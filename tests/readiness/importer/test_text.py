"""Dates, labels and one-line names in document text (readiness/importer/_text.py)."""

import datetime as dt

import pytest

from readiness.importer._text import find_date, one_line, split_label


@pytest.mark.parametrize(
    "text",
    [
        "2026-02-16",
        "le 16/02/2026",
        "16 février 2026",
        "February 16, 2026",
        "Le 16 Février 2026",
    ],
)
def test_it_finds_a_date_written_in_any_of_the_usual_ways(text):
    assert find_date(text) == dt.date(2026, 2, 16)


def test_it_takes_the_first_valid_date_of_the_text():
    assert find_date("due 2026-02-30, then 01/03/2026 and 2026-04-01") == dt.date(2026, 3, 1)
    assert find_date("no date here") is None


def test_it_splits_a_label_from_its_value():
    assert split_label("Date : 2026-02-16") == ("Date", "2026-02-16")
    assert split_label("Score：9/10") == ("Score", "9/10")
    assert split_label("no label here") == (None, "no label here")


def test_it_puts_a_name_on_one_line_clipped_to_its_limit():
    assert one_line("  a   b\n c ", 10) == "a b c"
    assert one_line("abcdef", 4) == "abc…"
