"""grep's options, pattern syntax and paths (readiness/importer/_grep.py)."""

import pytest
import re2

from checks.patterns import pattern_problem
from readiness.importer._grep import grep_pattern
from tests.readiness.importer.conftest import one


@pytest.mark.parametrize(
    ("line", "paths"),
    [
        ("grep -rn TODO src/", ["src/**"]),
        ("grep -r TODO src", ["src/**"]),
        ("grep -r TODO .", ["**"]),
        ("grep -r TODO", ["**"]),
        ("grep -r --include=*.ts TODO src", ["src/**/*.ts"]),
        ("grep -r TODO Dockerfile", ["Dockerfile"]),
        ("grep TODO src/*.py", ["src/*.py"]),
        ("grep TODO ./a/../b.py", ["b.py"]),
    ],
)
def test_it_maps_grep_paths_to_globs(line, paths):
    assert one(line).paths == paths


def test_it_keeps_grep_flags_that_change_matching():
    plan = one('grep -rni "Timeout" src/')
    assert plan.ignore_case
    assert one("grep -x 'a.b' f.txt").pattern == "^(?:a.b)$"
    assert one("grep -e foo -e bar f.txt").pattern == "(?:foo)|(?:bar)"
    assert one("grep -F 'a.b(c)' f.txt").pattern == r"a\.b\(c\)"


@pytest.mark.parametrize(
    ("source", "syntax", "expected"),
    [
        ("region.*PAYMENT", "basic", "region.*PAYMENT"),
        (r"AKIA[0-9A-Z]\{16\}", "basic", "AKIA[0-9A-Z]{16}"),
        ("foo(bar)|baz+?", "basic", r"foo\(bar\)\|baz\+\?"),
        (r"\(a\|b\)\+", "basic", "(a|b)+"),
        ("*star", "basic", r"\*star"),
        ("a^b$c", "basic", r"a\^b\$c"),
        ("^start end$", "basic", "^start end$"),
        (r"[\.]x", "basic", r"[\\.]x"),
        ("[[:digit:]]+", "extended", "[[:digit:]]+"),
        ("(a|b)+", "extended", "(a|b)+"),
        ("[]a]", "basic", r"[\]a]"),
    ],
)
def test_it_converts_grep_syntax_to_re2_with_the_same_matches(source, syntax, expected):
    pattern, approx = grep_pattern(source, syntax)
    assert pattern == expected
    assert approx == []
    assert pattern_problem(pattern) is None


def test_it_says_when_a_word_boundary_is_only_approximate():
    pattern, approx = grep_pattern(r"\<foo\>", "basic")
    assert pattern == r"\bfoo\b"
    assert len(approx) == 2


def test_it_matches_what_grep_matches_after_conversion():
    pattern, _ = grep_pattern("region.*europe-west3", "basic")
    compiled = re2.compile(pattern)
    assert compiled.search('  region: "europe-west3",')
    assert not compiled.search('  region: "europe-west1",')
