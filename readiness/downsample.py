"""Largest-Triangle-Three-Buckets (Steinarsson, 2013): which points of a long series to
draw so that its shape survives. Unlike even thinning, a one-day drop between two good days
is kept: each bucket keeps the point that makes the largest triangle with the point kept
before it and the mean of the next bucket."""

from __future__ import annotations

from collections.abc import Sequence


def lttb_indices(xs: Sequence[float], ys: Sequence[float | None], limit: int) -> list[int]:
    """The indices, ascending, of at most `limit` points of the series (xs ascending) that
    keep its shape: always the first and the last. A missing y counts as the one before it
    (so a gap neither attracts nor repels the choice)."""
    n = len(xs)
    if n <= limit:
        return list(range(n))
    if limit < 3:
        return [0, n - 1][: max(limit, 0)]
    filled: list[float] = []
    last = 0.0
    for y in ys:
        last = last if y is None else y
        filled.append(last)
    every = (n - 2) / (limit - 2)
    kept = [0]
    anchor = 0
    for bucket in range(limit - 2):
        start = int(bucket * every) + 1
        end = int((bucket + 1) * every) + 1
        next_start, next_end = end, min(int((bucket + 2) * every) + 1, n)
        size = next_end - next_start
        mean_x = sum(xs[next_start:next_end]) / size
        mean_y = sum(filled[next_start:next_end]) / size
        ax, ay = xs[anchor], filled[anchor]
        best, best_area = start, -1.0
        for j in range(start, end):
            area = abs((ax - mean_x) * (filled[j] - ay) - (ax - xs[j]) * (mean_y - ay))
            if area > best_area:
                best, best_area = j, area
        kept.append(best)
        anchor = best
    kept.append(n - 1)
    return kept
