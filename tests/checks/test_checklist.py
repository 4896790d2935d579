"""The checklist file format v1: validation with exact locations, defaults, dumping back."""

from __future__ import annotations

import copy
import json
import pickle
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from checks import registry
from checks.checklist import (
    MAX_ALIASES,
    MAX_CHECKLIST_BYTES,
    MAX_VALUES,
    ChecklistError,
    Problem,
    dump_checklist,
    load_checklist,
    load_checklist_file,
)
from checks.patterns import MAX_PATTERN_LENGTH
from checks.reader import MAX_PROBLEMS
from checks.spec import CategorySpec, Checklist, CheckSpec, Severity
from tests.checks.checklists import check_problems, doc, one_check, problems_of, where

CHECK_TYPES = registry.names()


def defaults(check_type: str) -> dict[str, Any]:
    return registry.get(check_type).defaults()


STARTERS = sorted((Path(__file__).resolve().parents[2] / "checklists").glob("*.yml"))


ISSUE_EXAMPLE = doc(
    """
    version: 1
    name: Payments platform readiness
    ready_at: 9.0              # optional, default 8.0: score needed for the verdict "ready"
    categories:
      - key: security          # [a-z0-9-]+, unique in the file
        name: Security         # optional, default: the key in title case
        weight: 2              # optional, default 1, must be > 0
        checks:
          - key: stripe-webhook-signature   # [a-z0-9-]+, unique in the whole file
            name: Stripe webhook signature is verified
            type: grep
            weight: 1                       # optional, default 1, must be > 0
            severity: critical              # low | medium | high | critical; default medium
            paths: ["functions/src/**/*.ts"]
            pattern: 'webhooks\\.constructEvent\\('
    """
)


# Loading valid files


def test_it_loads_the_issue_example_with_every_default_filled() -> None:
    checklist = load_checklist(ISSUE_EXAMPLE)

    assert checklist == Checklist(
        name="Payments platform readiness",
        ready_at=9.0,
        categories=(
            CategorySpec(
                key="security",
                name="Security",
                weight=2.0,
                checks=(
                    CheckSpec(
                        key="stripe-webhook-signature",
                        name="Stripe webhook signature is verified",
                        type="grep",
                        category="security",
                        weight=1.0,
                        severity=Severity.CRITICAL,
                        options={
                            "paths": ["functions/src/**/*.ts"],
                            "pattern": r"webhooks\.constructEvent\(",
                            "expect": "present",
                            "min_count": None,
                            "max_count": None,
                            "each_file": False,
                            "multiline": False,
                            "ignore_case": False,
                            "forbid": None,
                            "exclude": [],
                            "each_directory": False,
                            "where": None,
                        },
                    ),
                ),
            ),
        ),
    )


def test_it_records_the_line_of_each_category_and_check() -> None:
    checklist = load_checklist(ISSUE_EXAMPLE)

    assert checklist.categories[0].line == 5
    assert checklist.check("stripe-webhook-signature").line == 9


@pytest.mark.parametrize(
    ("fields", "expected"),
    [
        (
            'type: file\npaths: ["a.txt"]',
            {"paths": ["a.txt"], "expect": "present", "match": "all", "exclude": []},
        ),
        (
            "type: consistency\nsources:\n"
            "  - {paths: [a.ts], pattern: 'region: (\\w+)'}\n"
            "  - {paths: [b.ts], pattern: 'REGION=(\\w+)'}",
            {
                "sources": [
                    {"paths": ["a.ts"], "pattern": r"region: (\w+)"},
                    {"paths": ["b.ts"], "pattern": r"REGION=(\w+)"},
                ],
                "ignore_case": False,
            },
        ),
        (
            "type: command\nargv: [make, check]",
            {**defaults("command"), "argv": ["make", "check"]},
        ),
        (
            "type: http\nurl: http://127.0.0.1:8000/health",
            {**defaults("http"), "url": "http://127.0.0.1:8000/health"},
        ),
        (
            "type: threshold\nsource: {path: m.json, json_path: cpu.used}\nfail_above: 0.9",
            {
                **defaults("threshold"),
                "source": {"url": None, "path": "m.json", "json_path": "cpu.used"},
                "fail_above": 0.9,
            },
        ),
        ("type: manual", defaults("manual")),
    ],
)
def test_it_fills_the_defaults_of_each_check_type(fields: str, expected: dict[str, Any]) -> None:
    check = load_checklist(one_check(fields)).check("the-check")

    assert check.options == expected


def test_it_names_categories_in_title_case_and_checks_in_sentence_case_by_default() -> None:
    text = doc(
        """
        version: 1
        name: Test
        categories:
          - key: error-handling
            checks:
              - {key: retry-with-backoff, type: manual}
        """
    )
    checklist = load_checklist(text)

    assert checklist.categories[0].name == "Error Handling"
    assert checklist.check("retry-with-backoff").name == "Retry with backoff"


def test_it_accepts_aliases_for_repeated_values() -> None:
    text = doc(
        """
        version: 1
        name: Test
        categories:
          - key: main
            checks:
              - {key: a, type: file, paths: &src ["src/**"]}
              - {key: b, type: grep, paths: *src, pattern: TODO, expect: absent}
        """
    )

    assert load_checklist(text).check("b").options["paths"] == ["src/**"]


# Problems and their locations


def test_a_too_long_pattern_gets_one_limit_and_one_message_at_any_length() -> None:
    for length in (MAX_PATTERN_LENGTH + 1, 5 * MAX_PATTERN_LENGTH, 12_000):
        text = one_check(f"type: grep\npaths: [src]\npattern: {'a' * length}")

        (problem,) = problems_of(text)

        assert str(problem) == (
            "checklist.yml:9 categories[0].checks[0].pattern: "
            f"pattern is longer than {MAX_PATTERN_LENGTH} characters"
        )
    fine = one_check(f"type: grep\npaths: [src]\npattern: {'a' * MAX_PATTERN_LENGTH}")
    assert load_checklist(fine).check("the-check").options["pattern"] == "a" * MAX_PATTERN_LENGTH


@pytest.mark.parametrize(
    "fields",
    [
        {"type": "grep", "paths": ["src"], "pattern": "{long}"},
        {"type": "http", "url": "http://127.0.0.1/", "body_matches": "{long}"},
        {"type": "http", "url": "http://127.0.0.1/", "headers": {"server": "{long}"}},
        {"type": "command", "argv": ["true"], "expect": {"stdout_matches": "{long}"}},
        {
            "type": "consistency",
            "sources": [{"paths": ["a"], "pattern": "(x)"}, {"paths": ["b"], "pattern": "{long}"}],
        },
    ],
    ids=["grep", "body", "header", "stdout", "consistency"],
)
def test_every_pattern_field_has_the_same_length_limit_and_message(fields: dict) -> None:
    long = "(" + "a" * MAX_PATTERN_LENGTH + ")"
    fields = json.loads(json.dumps(fields).replace("{long}", long))

    (problem,) = check_problems(fields)

    assert problem.message == f"pattern is longer than {MAX_PATTERN_LENGTH} characters"


def test_it_refuses_a_pattern_too_costly_to_run_with_its_flags_naming_the_construct() -> None:
    nested = r"(?:[a-z]{1,50}\s*){1,20}"
    text = doc(
        f"""
        version: 1
        name: Test
        categories:
          - key: main
            checks:
              - key: words
                type: grep
                paths: ["**"]
                pattern: '{nested}zzz'
                multiline: true
                ignore_case: true
              - key: same
                type: consistency
                ignore_case: true
                sources:
                  - paths: [a]
                    pattern: 'v=(\\w+)'
                  - paths: [b]
                    pattern: '{nested}(zzz)'
        """
    )

    problems = problems_of(text)

    cost = "counted repetition {1,50} inside {1,20} makes a program of"
    assert [(p.line, p.path, p.message.startswith(cost)) for p in problems] == [
        (9, "categories[0].checks[0].pattern", True),
        (19, "categories[0].checks[1].sources[1].pattern", True),
    ]
    assert load_checklist(text.replace("ignore_case: true", "ignore_case: false"))


def test_it_names_file_line_and_key_path_of_a_bad_pattern() -> None:
    text = doc(
        """
        version: 1
        name: Payments
        ready_at: 9.0
        categories:
          - key: security
            checks:
              - key: one
                type: manual
              - key: two
                type: manual
              - key: three
                type: grep
                paths: ["src/**"]
                pattern: 'constructEvent('
        """
    )

    (problem,) = problems_of(text)

    assert str(problem).startswith(
        "checklist.yml:14 categories[0].checks[2].pattern: unbalanced parenthesis"
    )


def test_it_collects_every_problem_of_a_file() -> None:
    text = doc(
        """
        version: 1
        name: Test
        ready_at: 11
        categories:
          - key: Security
            weight: 0
            checks:
              - key: a
                type: grep
                paths: ["/etc/passwd"]
                pattern: '(?=x)'
              - key: a
                type: regex
        """
    )

    assert where(text) == [
        (3, "ready_at"),
        (5, "categories[0].key"),
        (6, "categories[0].weight"),
        (10, "categories[0].checks[0].paths[0]"),
        (11, "categories[0].checks[0].pattern"),
        (13, "categories[0].checks[1].type"),
        (12, "categories[0].checks[1].key"),
    ]


def test_it_lists_all_problems_one_per_line_in_the_error_message() -> None:
    text = one_check("type: grep\nweight: heavy\nseverity: urgent")
    with pytest.raises(ChecklistError) as caught:
        load_checklist(text)

    lines = str(caught.value).splitlines()
    assert lines == [str(problem) for problem in caught.value.problems]
    assert len(lines) == 4  # weight, severity, paths, pattern


def test_it_rejects_an_unknown_field_and_lists_the_allowed_ones() -> None:
    (problem,) = problems_of(one_check("type: grep\npaths: [a]\npatern: x\npattern: y"))

    assert (problem.line, problem.path) == (9, "categories[0].checks[0].patern")
    assert "did you mean 'pattern'" in problem.message
    assert "allowed: key, name, description, type, weight, severity, level, paths, pattern" in (
        problem.message
    )


def test_it_rejects_a_field_of_another_check_type() -> None:
    (problem,) = problems_of(one_check("type: manual\nurl: http://example.com"))

    assert problem.path == "categories[0].checks[0].url"
    assert "unknown field for a manual check" in problem.message


def test_it_reports_a_missing_required_field_at_its_mapping() -> None:
    (problem,) = problems_of(one_check("type: grep\npaths: [a]"))

    assert (problem.line, problem.path) == (6, "categories[0].checks[0].pattern")
    assert problem.message == "is required for a grep check"


def test_it_rejects_duplicate_check_keys_across_categories() -> None:
    text = doc(
        """
        version: 1
        name: Test
        categories:
          - key: one
            checks:
              - {key: same, type: manual}
          - key: two
            checks:
              - {key: same, type: manual}
          - key: one
            checks:
              - {key: other, type: manual}
        """
    )

    problems = problems_of(text)

    assert [(p.line, p.path) for p in problems] == [
        (9, "categories[1].checks[0].key"),
        (10, "categories[2].key"),
    ]
    assert problems[0].message == "duplicate check key 'same' (first on line 6)"


@pytest.mark.parametrize(
    ("fields", "path", "message"),
    [
        ("type: manual\nweight: -1", "weight", "greater than 0"),
        ("type: manual\nweight: .inf", "weight", "finite"),
        ("type: manual\nname: ''", "name", "must not be empty"),
        ("type: manual\ndescription: [a, b]", "description", "must be a string"),
        ("type: manual\nseverity: urgent", "severity", "low, medium, high, critical"),
    ],
)
def test_it_validates_the_fields_every_check_has(fields: str, path: str, message: str) -> None:
    problems = problems_of(one_check(fields))

    assert [p.path for p in problems] == [f"categories[0].checks[0].{path}"]
    assert message in problems[0].message


def test_it_rejects_a_key_that_is_not_lowercase_letters_digits_and_dashes() -> None:
    (problem,) = problems_of(one_check("type: manual").replace("key: the-check", "key: Bad_Key"))

    assert (problem.line, problem.path) == (6, "categories[0].checks[0].key")
    assert problem.message == "'Bad_Key' is not a key: use lowercase letters, digits and '-'"


ONE_CATEGORY = "categories: [{key: a, checks: [{key: b, type: manual}]}]"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("name: x\ncategories: []", [(1, "version"), (2, "categories")]),
        ("version: 2\nname: x", [(1, "version")]),
        (f"version: '1'\nname: x\n{ONE_CATEGORY}", [(1, "version")]),
        (
            "version: 1\ncategories: [{key: a, checks: []}]",
            [(1, "name"), (2, "categories[0].checks")],
        ),
        ("version: 1\nname: x\ncategories: [{key: a}]", [(3, "categories[0].checks")]),
        ("version: 1\nname: x\ncategories: {a: 1}", [(3, "categories")]),
        ("version: 1\nname: x\ncategories: [[1]]", [(3, "categories[0]")]),
        (f"version: 1\nname: x\nready_at: high\n{ONE_CATEGORY}", [(3, "ready_at")]),
    ],
)
def test_it_validates_the_top_level_and_categories(
    text: str, expected: list[tuple[int, str]]
) -> None:
    assert where(text) == expected


# Files that are not checklists at all


@pytest.mark.parametrize(
    ("text", "line", "message"),
    [
        ("", None, "the checklist is empty"),
        ("# only a comment\n", None, "the checklist is empty"),
        ("---\n...\n", None, "the checklist is empty"),
        ("- a\n- b\n", 1, "must be a mapping"),
        ("just words", 1, "must be a mapping"),
        ("version: 1\nname: [unclosed\n", 3, "invalid YAML"),
        ("version: 1\n  name: x\n", 2, "invalid YAML"),
        ("a: 1\n---\nb: 2\n", 2, "expected a single document"),
        ("a: *nowhere\n", 1, "undefined alias"),
        ("version: 1\nname: \x07\n", 2, "U+0007 is not allowed"),
        ("version: 1\nname: !!python/object:os.system x\n", 2, "must be a string"),
        ("version: !!int 0x\n", 1, "not a valid integer"),
        ("<<: {version: 1}\n", 1, "merge keys"),
        ("\ufeffversion: 1\n", None, "byte order mark"),
        (b"\xef\xbb\xbfversion: 1\n", None, "byte order mark"),
        (b"\xff\xfev\x00", None, "UTF-16"),
        (b"version: 1\nname: caf\xe9\n", 2, "not valid UTF-8"),
        (b"x" * (MAX_CHECKLIST_BYTES + 1), None, "larger than the 1 MiB limit"),
        ("é" * (MAX_CHECKLIST_BYTES // 2 + 1), None, "larger than the 1 MiB limit"),
        ("a: " + "[" * 200 + "]" * 200, 1, "nested deeper than"),
        ("? [a]\n: 1\n", 1, "field names must be plain words"),
    ],
)
def test_it_reports_a_file_that_is_not_a_checklist_as_one_problem(
    text: str | bytes, line: int | None, message: str
) -> None:
    problems = problems_of(text)

    assert problems[0].line == line
    assert message in problems[0].message


def test_it_stops_an_alias_bomb_before_expanding_it() -> None:
    lines = ["a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
    lines += [f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 10)}]" for i in range(1, 12)]
    lines += ["version: 1", "name: bomb", "categories: *a11"]

    (problem,) = problems_of("\n".join(lines))

    assert f"more than {MAX_ALIASES} aliases" in problem.message


def test_it_bounds_the_work_of_aliases_within_the_limit() -> None:
    checks = "\n".join(f"    - {{key: c{i}, type: file, paths: [p{i}]}}" for i in range(1200))
    text = "x: &cat\n  key: big\n  checks:\n" + checks + "\n"
    text += "version: 1\nname: big\ncategories: [" + ", ".join(["*cat"] * 90) + "]\n"

    problems = problems_of(text)

    assert problems[-1].message == f"the checklist holds more than {MAX_VALUES} values"
    assert len(problems) <= MAX_PROBLEMS + 2


# Files on disk


def test_it_loads_a_file_and_returns_its_text(tmp_path: Path) -> None:
    path = tmp_path / ".readiness.yml"
    path.write_text(ISSUE_EXAMPLE, encoding="utf-8")

    checklist, text = load_checklist_file(path)

    assert text == ISSUE_EXAMPLE
    assert checklist == load_checklist(ISSUE_EXAMPLE)


def test_it_names_the_file_in_its_problems(tmp_path: Path) -> None:
    path = tmp_path / "bad.yml"
    path.write_text("version: 1\nname: x\ncategories: []\n", encoding="utf-8")

    with pytest.raises(ChecklistError) as caught:
        load_checklist_file(path)

    assert str(caught.value) == f"{path}:3 categories: must list at least 1 category"


@pytest.mark.parametrize("make", [lambda p: p / "missing.yml", lambda p: p])
def test_it_reports_an_unreadable_file_as_a_problem(tmp_path: Path, make: Any) -> None:
    path = make(tmp_path)

    with pytest.raises(ChecklistError) as caught:
        load_checklist_file(path)

    assert str(caught.value).startswith(f"{path}: cannot read the file: ")


def test_it_keeps_problems_when_pickled() -> None:
    error = ChecklistError([Problem("a.yml", 3, "name", "must not be empty")])

    copied = pickle.loads(pickle.dumps(error))

    assert copied.problems == error.problems
    assert str(copied) == "a.yml:3 name: must not be empty"


def test_it_prints_a_problem_without_line_or_path() -> None:
    assert str(Problem("a.yml", None, "", "the checklist is empty")) == (
        "a.yml: the checklist is empty"
    )
    assert str(Problem("a.yml", 2, "", "invalid YAML: x")) == "a.yml:2: invalid YAML: x"


# Starter checklists


@pytest.mark.parametrize("path", STARTERS, ids=lambda p: p.name)
def test_it_ships_valid_starter_checklists(path: Path) -> None:
    checklist, _text = load_checklist_file(path)

    assert len(checklist.categories) >= 3
    assert 10 <= len(list(checklist.all_checks())) <= 25
    assert load_checklist(dump_checklist(checklist)) == checklist


def test_it_ships_the_starter_checklists() -> None:
    assert [p.name for p in STARTERS] == [
        "django-service.yml",
        "dockerfile.yml",
        "github-actions.yml",
        "go-service.yml",
        "http-service.yml",
        "kubernetes.yml",
        "node-express-service.yml",
        "node-firebase-functions.yml",
        "python-web-service.yml",
        "spring-boot-service.yml",
        "terraform.yml",
    ]


# Dumping


def test_it_dumps_in_the_issue_layout_without_defaults() -> None:
    assert dump_checklist(load_checklist(ISSUE_EXAMPLE)) == doc(
        """
        version: 1
        name: Payments platform readiness
        ready_at: 9
        categories:
          - key: security
            name: Security
            weight: 2
            checks:
              - key: stripe-webhook-signature
                name: Stripe webhook signature is verified
                type: grep
                severity: critical
                paths: [functions/src/**/*.ts]
                pattern: webhooks\\.constructEvent\\(
        """
    )


def test_it_dumps_multi_line_descriptions_as_blocks() -> None:
    checklist = load_checklist(one_check('type: manual\ndescription: "First line.\\nSecond."'))

    text = dump_checklist(checklist)

    assert "description: |-\n          First line.\n          Second.\n" in text
    assert load_checklist(text) == checklist


def test_it_dumps_every_non_default_option_of_every_type() -> None:
    text = one_check(
        """
        type: command
        argv: ["python", "-c", "print('yes')"]
        timeout_s: 5.5
        expect: {exit_code: 1, stdout_matches: "y.s", stdout_empty: false}
        enabled: false
        """
    )
    checklist = load_checklist(text)

    dumped = dump_checklist(checklist)

    assert "enabled: false" in dumped
    assert "stdout_not_matches" not in dumped
    assert load_checklist(dumped) == checklist


# Property tests

KEYS = st.from_regex(r"[a-z0-9][a-z0-9-]{0,12}", fullmatch=True)
TEXT = st.text(min_size=1, max_size=40).filter(lambda s: s.strip())
GLOBS = st.lists(
    st.sampled_from(["src/**/*.py", "*.md", "a b/c.txt", "functions/src/*.ts", "[!x]*", "**"]),
    min_size=1,
    max_size=3,
)
PATTERNS = st.sampled_from([r"x", r"webhooks\.constructEvent\(", r"^DEBUG\s*=", "é+", r"\d{2,}"])
GROUP_PATTERNS = st.sampled_from([r"region: (\w+)", r"=(\S+)$", r"(?i)v(\d+)"])
NUMBERS = st.floats(min_value=-1e6, max_value=1e6, allow_nan=False)
WEIGHTS = st.one_of(st.integers(1, 100), st.floats(min_value=0.01, max_value=1000))
SEVERITIES = st.sampled_from([s.value for s in Severity])


def _optional(draw: st.DrawFn, fields: dict[str, Any], name: str, strategy: Any) -> None:
    if draw(st.booleans()):
        fields[name] = draw(strategy)


@st.composite
def check_options(draw: st.DrawFn, check_type: str) -> dict[str, Any]:
    fields: dict[str, Any] = {}
    if check_type == "grep":
        fields |= {"paths": draw(GLOBS), "pattern": draw(PATTERNS)}
        _optional(draw, fields, "each_file", st.booleans())
        _optional(draw, fields, "multiline", st.booleans())
        _optional(draw, fields, "ignore_case", st.booleans())
        if draw(st.booleans()):
            low = draw(st.integers(0, 5))
            fields |= {"min_count": low, "max_count": low + draw(st.integers(0, 5))}
        else:
            _optional(draw, fields, "expect", st.sampled_from(["present", "absent"]))
    elif check_type == "file":
        fields["paths"] = draw(GLOBS)
        _optional(draw, fields, "expect", st.sampled_from(["present", "absent"]))
    elif check_type == "consistency":
        sources = st.fixed_dictionaries({"paths": GLOBS, "pattern": GROUP_PATTERNS})
        fields["sources"] = draw(st.lists(sources, min_size=2, max_size=3))
        _optional(draw, fields, "ignore_case", st.booleans())
    elif check_type == "command":
        argument = TEXT.filter(lambda s: "\x00" not in s)
        fields["argv"] = draw(st.lists(argument, min_size=1, max_size=4))
        _optional(draw, fields, "timeout_s", st.integers(1, 3600))
        _optional(draw, fields, "network", st.booleans())
        _optional(draw, fields, "enabled", st.booleans())
        expect: dict[str, Any] = {}
        _optional(draw, expect, "exit_code", st.integers(0, 255))
        _optional(draw, expect, "stdout_matches", PATTERNS)
        _optional(draw, expect, "stdout_not_matches", PATTERNS)
        _optional(draw, expect, "stdout_empty", st.booleans())
        if expect:
            fields["expect"] = expect
    elif check_type == "http":
        fields["url"] = draw(
            st.sampled_from(["http://127.0.0.1:8000/health", "https://x.io/a?b=1"])
        )
        _optional(draw, fields, "method", st.sampled_from(["GET", "HEAD", "get"]))
        status = st.integers(100, 599)
        statuses = st.one_of(status, st.lists(status, min_size=1, max_size=3))
        _optional(draw, fields, "expect_status", statuses)
        _optional(draw, fields, "max_latency_ms", st.integers(1, 10_000))
        header_names = st.sampled_from(["X-A", "Content-Type"])
        _optional(draw, fields, "headers", st.dictionaries(header_names, PATTERNS))
        _optional(draw, fields, "body_matches", PATTERNS)
        _optional(draw, fields, "timeout_s", st.floats(min_value=0.1, max_value=300))
    elif check_type == "threshold":
        where = draw(st.sampled_from([{"url": "http://h/m.json"}, {"path": "var/m.json"}]))
        fields["source"] = {**where, "json_path": draw(st.sampled_from(["a", "a.b[0].c"]))}
        low, high = sorted(draw(st.lists(NUMBERS, min_size=2, max_size=2, unique=True)))
        side = draw(st.sampled_from(["above", "below"]))
        warn, fail = (low, high) if side == "above" else (high, low)
        fields[f"warn_{side}"] = warn
        if draw(st.booleans()):
            fields[f"fail_{side}"] = fail
    else:
        _optional(draw, fields, "valid_days", st.integers(1, 3650))
        _optional(draw, fields, "evidence_required", st.booleans())
    return fields


@st.composite
def checklist_documents(draw: st.DrawFn) -> dict[str, Any]:
    categories = []
    for c, category_key in enumerate(draw(st.lists(KEYS, min_size=1, max_size=3))):
        checks = []
        for k, check_key in enumerate(draw(st.lists(KEYS, min_size=1, max_size=4))):
            check_type = draw(st.sampled_from(sorted(CHECK_TYPES)))
            check = {"key": f"{check_key}-{c}-{k}", "type": check_type}
            _optional(draw, check, "name", TEXT)
            _optional(draw, check, "description", st.text(max_size=60))
            _optional(draw, check, "weight", WEIGHTS)
            _optional(draw, check, "severity", SEVERITIES)
            checks.append(check | draw(check_options(check_type)))
        category = {"key": f"{category_key}-{c}", "checks": checks}
        _optional(draw, category, "name", TEXT)
        _optional(draw, category, "weight", WEIGHTS)
        categories.append(category)
    document = {"version": 1, "name": draw(TEXT), "categories": categories}
    _optional(draw, document, "ready_at", st.floats(min_value=0, max_value=10))
    return document


JUNK = st.recursive(
    st.one_of(
        st.none(),
        st.booleans(),
        st.integers(),
        st.floats(),
        st.text(max_size=20),
        st.sampled_from(["/abs", "../up", "(", "a(?=b)", "grep", "http", "-1", "1e400"]),
    ),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4)
    ),
    max_leaves=12,
)


def _mutate(data: st.DataObject, node: Any) -> Any:
    """`node` with one random change somewhere inside it."""
    if isinstance(node, dict) and node and data.draw(st.booleans()):
        name = data.draw(st.sampled_from(sorted(node, key=str)))
        action = data.draw(st.sampled_from(["descend", "replace", "delete", "add"]))
        changed = dict(node)
        if action == "descend":
            changed[name] = _mutate(data, node[name])
        elif action == "replace":
            changed[name] = data.draw(JUNK)
        elif action == "delete":
            del changed[name]
        else:
            changed[data.draw(st.text(max_size=10))] = data.draw(JUNK)
        return changed
    if isinstance(node, list) and node and data.draw(st.booleans()):
        index = data.draw(st.integers(0, len(node) - 1))
        changed = list(node)
        if data.draw(st.booleans()):
            changed[index] = _mutate(data, node[index])
        else:
            changed.insert(index, copy.deepcopy(node[index]))
        return changed
    return data.draw(JUNK)


def _load_or_problems(text: str | bytes) -> None:
    try:
        load_checklist(text)
    except ChecklistError as exc:
        assert exc.problems
        assert all(isinstance(p.message, str) and p.message for p in exc.problems)


FUZZ = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@FUZZ
@given(st.text(max_size=300))
def test_it_never_crashes_on_any_text(text: str) -> None:
    _load_or_problems(text)


@FUZZ
@given(st.text(alphabet="abk:-[]{}&*!|>'\"#\n \t,?%@`01.~<=\\xé", max_size=200))
def test_it_never_crashes_on_yaml_like_noise(text: str) -> None:
    _load_or_problems(text)


@FUZZ
@given(st.binary(max_size=300))
def test_it_never_crashes_on_any_bytes(data: bytes) -> None:
    _load_or_problems(data)


@FUZZ
@given(JUNK)
def test_it_never_crashes_on_any_yaml_value(value: Any) -> None:
    _load_or_problems(yaml.safe_dump(value))


@FUZZ
@given(checklist_documents(), st.data())
def test_it_never_crashes_on_a_mutated_checklist(document: dict[str, Any], data: Any) -> None:
    _load_or_problems(yaml.safe_dump(_mutate(data, document), allow_unicode=True))


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(checklist_documents())
def test_it_loads_what_it_dumps(document: dict[str, Any]) -> None:
    checklist = load_checklist(yaml.safe_dump(document, allow_unicode=True, sort_keys=False))

    assert load_checklist(dump_checklist(checklist)) == checklist
