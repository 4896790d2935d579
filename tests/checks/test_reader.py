"""Reading values from YAML nodes: types, empty values, globs, patterns, problem limits."""

from __future__ import annotations

import pytest

from checks.checklist import load_checklist
from checks.spec import Severity
from tests.checks.checklists import one_check, problems_of


def test_it_takes_a_null_value_as_the_default() -> None:
    check = load_checklist(
        one_check("type: grep\npaths: [a]\npattern: x\nmin_count: ~\nseverity:")
    ).check("the-check")

    assert check.options["min_count"] is None
    assert check.severity == Severity.MEDIUM


def test_it_accepts_one_path_glob_without_brackets() -> None:
    check = load_checklist(one_check("type: file\npaths: README.md")).check("the-check")

    assert check.options["paths"] == ["README.md"]


def test_it_reads_scalars_that_look_like_numbers_as_text_in_text_fields() -> None:
    check = load_checklist(
        one_check("type: grep\nname: 2026-02-16\npaths: [a]\npattern: 1.50")
    ).check("the-check")

    assert check.name == "2026-02-16"
    assert check.options["pattern"] == "1.50"


def test_it_explains_a_wrong_type() -> None:
    (problem,) = problems_of(one_check("type: manual\nweight: heavy"))

    assert (problem.line, problem.path) == (8, "categories[0].checks[0].weight")
    assert problem.message == "must be a number, not a string"


def test_it_rejects_duplicate_yaml_keys() -> None:
    (problem,) = problems_of(one_check("type: manual\nweight: 1\nweight: 2"))

    assert (problem.line, problem.path) == (9, "categories[0].checks[0].weight")
    assert problem.message == "duplicate field (first on line 8)"


@pytest.mark.parametrize(
    ("glob", "message"),
    [
        ("/etc/passwd", "absolute path"),
        ("../other/**", "leaves the repository"),
        ("src/../../x", "leaves the repository"),
    ],
)
def test_it_rejects_paths_outside_the_repository(glob: str, message: str) -> None:
    (problem,) = problems_of(one_check(f"type: file\npaths: ['{glob}']"))

    assert problem.path == "categories[0].checks[0].paths[0]"
    assert message in problem.message


@pytest.mark.parametrize(
    ("pattern", "construct"),
    [("a(?=b)", "look-ahead"), ("(a)\\1", "backreference"), ("(?<!a)b", "look-behind")],
)
def test_it_names_regex_constructs_re2_lacks(pattern: str, construct: str) -> None:
    (problem,) = problems_of(one_check(f"type: grep\npaths: [a]\npattern: '{pattern}'"))

    assert construct in problem.message


@pytest.mark.parametrize(
    "fields",
    [
        "type: grep\npaths: [a]\npattern: 'x*'",
        "type: grep\npaths: [a]\npattern: 'todo|'",
        "type: consistency\nsources: [{paths: [a], pattern: '(v?)'}, {paths: [b], pattern: '(v)'}]",
    ],
)
def test_it_rejects_a_searched_pattern_that_matches_the_empty_string(fields: str) -> None:
    (problem,) = problems_of(one_check(fields))

    assert "can match an empty string" in problem.message


def test_it_limits_the_number_of_problems_reported() -> None:
    checks = "\n".join(f"      - {{key: c{i}, type: nope}}" for i in range(300))
    text = "version: 1\nname: x\ncategories:\n  - key: a\n    checks:\n" + checks + "\n"

    problems = problems_of(text)

    assert len(problems) == 201
    assert problems[-1].message == "… and 100 more problems"
