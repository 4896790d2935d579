"""LTTB keeps a long series' shape: its ends, its spikes, at most the asked number."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from readiness.downsample import lttb_indices


def test_a_short_series_is_kept_whole() -> None:
    assert lttb_indices([1, 2, 3], [5, 6, 7], 10) == [0, 1, 2]


def test_a_one_day_drop_in_a_flat_year_survives_where_even_thinning_loses_it() -> None:
    xs = list(range(3650))
    ys = [9.0] * 3650
    ys[1234] = 2.0  # one bad day
    kept = lttb_indices(xs, ys, 100)
    assert 1234 in kept
    assert 1234 not in {round(i * 3649 / 99) for i in range(100)}  # even thinning


def test_missing_values_count_as_the_one_before() -> None:
    kept = lttb_indices(list(range(50)), [None, *[5.0] * 20, 1.0, *[5.0] * 28], 10)
    assert 21 in kept and len(kept) == 10


@given(
    ys=st.lists(st.floats(min_value=0, max_value=10), min_size=0, max_size=400),
    limit=st.integers(min_value=0, max_value=120),
)
def test_it_keeps_at_most_limit_ascending_indices_with_both_ends(ys, limit) -> None:
    kept = lttb_indices([float(i) for i in range(len(ys))], ys, limit)
    assert kept == sorted(set(kept))
    assert len(kept) == min(len(ys), limit) or (limit < 3 and len(kept) <= limit)
    if ys and limit >= 2:
        assert kept[0] == 0 and kept[-1] == len(ys) - 1
