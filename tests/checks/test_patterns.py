"""RE2 patterns: refused when their program is too big to run safely, with the cause named."""

import re

import pytest

from checks.patterns import MAX_PROGRAM_SIZE, PatternError, compile_pattern, pattern_problem


def too_big(construct: str) -> re.Pattern[str]:
    """The message for a program too big, with any number of instructions."""
    return re.compile(
        re.escape(construct) + r" makes a program of \d{4,} instructions "
        rf"\(limit {MAX_PROGRAM_SIZE}\)"
    )


def test_it_refuses_nested_counted_repetitions_naming_both() -> None:
    # Issue 11: with multiline, this pattern took 52.5 s on a 4.3 MB repository.
    problem = pattern_problem(r"(?i)([a-z]{1,50}\s*){1,20}zzz", searched=True)

    assert too_big("counted repetition {1,50} inside {1,20}").fullmatch(problem)


def test_it_names_the_repetition_that_makes_a_big_program() -> None:
    assert too_big("counted repetition {1,30}").fullmatch(pattern_problem(r"\p{L}{1,30}"))
    assert too_big("counted repetition {0,600}").fullmatch(pattern_problem(r"secret.{0,600}="))
    assert too_big("the pattern").fullmatch(pattern_problem(r"\p{L}" * 6))


def test_it_counts_the_program_with_the_checks_flags() -> None:
    # ignore_case turns every letter into a class: the same pattern, three times the size.
    pattern = r"([a-z]{1,50}\s*){1,20}zzz"

    assert pattern_problem(pattern) is None
    assert too_big("counted repetition {1,50} inside {1,20}").fullmatch(
        pattern_problem(pattern, ignore_case=True)
    )
    with pytest.raises(PatternError, match="makes a program of"):
        compile_pattern(pattern, ignore_case=True, multiline=True)


@pytest.mark.parametrize(
    "pattern",
    [
        "a" * 2_000,  # the longest literal a pattern may be
        r".{0,500}password",
        r"[0-9a-f]{40}",
        r"(?i)api[_-]?key\s*[:=]\s*['\"][A-Za-z0-9]{16,64}",
        r"\d{1,3}(\.\d{1,3}){3}",
        r"[ab]*a[ab]{200}c",  # small, but slow on long runs of a and b: the scan's clock
    ],
)
def test_it_accepts_the_repetitions_of_ordinary_patterns(pattern: str) -> None:
    assert pattern_problem(pattern, ignore_case=True, multiline=True) is None
