"""Compiled patterns: combined without mixing quoted text, counted up to a limit."""

import re

from hypothesis import given, settings
from hypothesis import strategies as st

from checks import compiled
from checks.matches import Matcher
from checks.paths import re2_spans
from checks.patterns import compile_pattern
from checks.scan import run_file_checks
from checks.spec import Status
from checks.worktree import WorkingTree
from tests.checks.trees import (
    CountingTree,
    check,
    write,
)


def test_it_counts_up_to_a_limit_and_says_so(tmp_path, monkeypatch):
    write(tmp_path, {"a.py": "x\n" * 10})
    monkeypatch.setattr(compiled, "MAX_MATCHES_PER_FILE", 4)
    present = check("p", "grep", paths=["**"], pattern="x")
    bounded = check("b", "grep", paths=["**"], pattern="x", max_count=8)

    outcomes = run_file_checks([present, bounded], WorkingTree(tmp_path))

    assert outcomes["p"].status == Status.PASS
    assert outcomes["p"].summary.startswith("at least 4 matches")
    assert outcomes["b"].status == Status.ERROR
    assert outcomes["b"].summary.startswith("too many matches to count")


def test_it_keeps_quoted_patterns_apart_when_it_combines_patterns(tmp_path):
    write(tmp_path, {"a.txt": "x\n", "b.txt": "price: $5)|(\n"})
    specs = [
        check("quoted", "grep", paths=["**"], pattern=r"\Q$5)|("),
        check("other", "grep", paths=["**"], pattern="x"),
    ]

    outcomes = run_file_checks(specs, CountingTree(WorkingTree(tmp_path)))

    assert [(item.path, item.line) for item in outcomes["quoted"].evidence] == [("b.txt", 1)]
    assert [(item.path, item.line) for item in outcomes["other"].evidence] == [("a.txt", 1)]


# Patterns that RE2 and Python's re read alike, some of which can match an empty string.
_SHARED_PATTERNS = ["a", "a+", "a*", "(?:ab)*", "b?", "$", "^", "a+$", "ab|b", "^a*"]


@settings(max_examples=300, deadline=None)
@given(pattern=st.sampled_from(_SHARED_PATTERNS), text=st.text(alphabet="ab\n", max_size=12))
def test_each_match_is_counted_once_as_pythons_finditer_finds_it(pattern, text):
    """A regression: an empty match found past the search's start was counted twice."""
    data = text.encode()
    regex = compile_pattern("(?m)" + pattern, multiline=True)
    expected = [m.span() for m in re.finditer("(?m)" + pattern, text)]

    assert [tuple(spans[0]) for spans in re2_spans(regex, data)] == expected
    tally = compiled.Tally(compiled.Compiled(Matcher(pattern=pattern, multiline=True)))
    tally.scan(data)
    assert tally.count == len(expected)
