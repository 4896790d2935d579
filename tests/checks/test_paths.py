"""Path globs: the index selects exactly what each glob matches."""

from hypothesis import assume, given, settings
from hypothesis import strategies as st

from checks.paths import PathIndex, glob_matches, glob_problem

SEGMENTS = st.sampled_from(["a", "b", "ab", "a.py", ".py", "x.txt", "é"])


GLOB_PARTS = st.sampled_from(["a", "b", "/", "*", "**/", "**", "?", ".py", "[ab]", "[!a]", "é"])


@settings(max_examples=300, deadline=None)
@given(
    paths=st.sets(st.lists(SEGMENTS, min_size=1, max_size=4).map("/".join), max_size=12),
    glob=st.lists(GLOB_PARTS, min_size=1, max_size=6).map("".join),
)
def test_it_selects_exactly_the_paths_each_glob_matches(paths, glob):
    assume(glob_problem(glob) is None)

    assert PathIndex(paths).select(glob) == sorted(p for p in paths if glob_matches(glob, p))
