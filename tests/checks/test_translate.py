"""RE2 to Rust regex translation for ripgrep: exact or wider, and line prefixes."""

import subprocess
import tempfile

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from checks.patterns import PatternError, compile_pattern
from checks.ripgrep import ripgrep_binary
from checks.translate import line_prefix, rust_translation


@pytest.mark.parametrize(
    ("pattern", "ignore_case", "translated"),
    [
        (r"webhooks\.constructEvent\(", False, r"webhooks\.constructEvent\("),
        (r"\bTODO\b", False, r"(?-u:\b)TODO(?-u:\b)"),
        (r"\d+\s\w", False, r"[0-9]+[\t\x{0C}\r ][0-9A-Za-z_]"),
        (r"a{,2}\<", False, r"a\{,2\}<"),
        ('[^"]+&&', True, '(?i:[^"\\n]+\\&\\&)'),
        (r"\pL", False, None),
        (r"café", True, None),
        (r"(?i)[^k]", False, None),
        (r"a\nb", False, None),
    ],
)
def test_it_translates_only_what_it_can_read_exactly_or_more_widely(
    pattern, ignore_case, translated
):
    assert rust_translation(pattern, ignore_case=ignore_case) == translated


ATOMS = [
    "a", "b", "k", "s", "é", "\u212a", "ſ", " ", ".", "-", "#", "~", "&&", '"', "0", "_",
    r"\d", r"\D", r"\s", r"\S", r"\w", r"\W", r"\b", r"\B", r"\.", r"\<", r"\x41", r"\t",
    "[a-c]", "[^a]", '[^"]', r"[\w-]", r"[\s.]", "[[:alpha:]]", "[]a]", "[a-]", "{", "}",
    "^", "$", r"\A", r"\z",
]  # fmt: skip


QUANTIFIERS = ["", "", "*", "+", "?", "{1,2}", "{,2}", "*?", "{2}"]


def patterns(atoms: list[str]) -> st.SearchStrategy[str]:
    item = st.tuples(st.sampled_from(atoms), st.sampled_from(QUANTIFIERS)).map("".join)

    def extend(inner: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
        groups = st.tuples(st.sampled_from(["(", "(?:", "(?i:", "(?P<n>"]), inner).map(
            lambda parts: parts[0] + parts[1] + ")"
        )
        return st.one_of(
            groups,
            st.lists(inner, min_size=1, max_size=3).map("".join),
            st.tuples(inner, inner).map("|".join),
        )

    return st.recursive(item, extend, max_leaves=6)


PIECES = [
    b"a", b"b", b"k", b"s", b"K", b"S", "é".encode(), "É".encode(), "\u212a".encode(),
    "ſ".encode(), b" ", b"\t", b"\r", b"-", b"#", b"~", b"&", b'"', b"0", b"9", b"_", b".",
    b"<", b"{", b"}", b",", b"A", b"\xff", b"\x00", b"\x0b",
]  # fmt: skip


LINES = st.lists(st.lists(st.sampled_from(PIECES), max_size=8).map(b"".join), max_size=6)


@pytest.mark.skipif(ripgrep_binary() is None, reason="ripgrep is not installed")
@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(pattern=patterns(ATOMS), ignore_case=st.booleans(), lines=LINES)
def test_it_never_lets_ripgrep_miss_a_line_that_re2_matches(pattern, ignore_case, lines):
    try:
        regex = compile_pattern("(?m)" + pattern, ignore_case=ignore_case)
    except PatternError:
        assume(False)
    translated = rust_translation(pattern, ignore_case=ignore_case)
    assume(translated is not None)
    expected = {number for number, line in enumerate(lines, 1) if regex.search(line)}
    with tempfile.NamedTemporaryFile() as handle:
        handle.write(b"".join(line + b"\n" for line in lines))
        handle.flush()
        argv = [ripgrep_binary(), "--no-config", "--text", "--encoding=none", "-n"]
        found = subprocess.run([*argv, "--regexp", translated, handle.name], capture_output=True)
    assert found.returncode in (0, 1), found.stderr
    reported = {int(line.split(b":", 1)[0]) for line in found.stdout.split(b"\n") if line}
    assert expected <= reported


# Few, permissive atoms and a small alphabet, so that patterns often match the text.
MULTILINE_ATOMS = ["a", "b", "k", " ", ".", r"\s", r"\n", "[^x]", r"\w", r"\d", r"\b", "^", "$"]
MULTILINE_ATOMS += ["(?s:.)", "[a-b]", r"\S"]


# Concatenations, so that there is a prefix to find.
MULTILINE_PATTERNS = st.lists(
    st.one_of(
        st.tuples(st.sampled_from(MULTILINE_ATOMS), st.sampled_from(QUANTIFIERS)).map("".join),
        patterns(MULTILINE_ATOMS).map(lambda inner: f"(?:{inner})"),
    ),
    min_size=1,
    max_size=3,
).map("".join)


TEXTS = st.lists(st.sampled_from([b"a", b"b", b"K", b" ", b"\n", b"0", b"x", b"\xff"]), max_size=60)
TEXTS = TEXTS.map(b"".join)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.filter_too_much])
@given(pattern=MULTILINE_PATTERNS, ignore_case=st.booleans(), text=TEXTS)
def test_it_prefilters_a_multiline_pattern_with_a_prefix_found_on_one_line(
    pattern, ignore_case, text
):
    try:
        whole = compile_pattern("(?m)" + pattern, ignore_case=ignore_case, multiline=True)
    except PatternError:
        assume(False)
    prefix = line_prefix(pattern)
    assume(prefix is not None)
    if whole.search(text):
        lines = compile_pattern("(?m)" + prefix, ignore_case=ignore_case)
        assert any(lines.search(line) for line in text.split(b"\n"))
