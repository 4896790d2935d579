"""What a scan keeps for the next one: per git blob, what each pattern found in it.

A blob's content never changes, so its results hold for any revision and path that uses
it: scanning consecutive revisions (a backfill) reads and matches only the blobs that
changed. The last tree's glob selections and per-file results are kept too, reused while
the next tree has the same paths.
"""

from __future__ import annotations

from typing import Any

from checks.matches import FileMatches
from checks.paths import PathIndex
from checks.tree import FileEntry


class BlobRecord:
    """What is known of one blob: the patterns (by Compiled.key) it was matched against,
    and the results that are not NO_MATCHES."""

    __slots__ = ("binary", "examined", "found")

    def __init__(self, binary: bool) -> None:
        self.binary = binary
        self.examined: frozenset[str] = frozenset()
        self.found: dict[str, FileMatches] = {}


class Listing:
    """A tree's sorted paths with their glob selections, reusable while the paths stay
    the same (the usual case between consecutive revisions)."""

    def __init__(self, paths: tuple[str, ...]) -> None:
        self.paths = paths
        self.index = PathIndex(paths)
        self.selected: dict[str, list[str]] = {}
        self.scope_sets: dict[tuple[str, ...], set[str]] = {}
        self.combinations: dict[tuple[Any, ...], Any] = {}
        self.last: LastScan | None = None


class LastScan:
    """What the previous scan over a listing found per file, for one set of patterns. An
    entry of the next scan that is the very same object as this scan's (GitRevision reuses
    the entries of unchanged directories) has the same path, blob and size, so what was
    found in it still holds."""

    def __init__(
        self,
        signature: tuple[Any, ...],
        listed: list[FileEntry],
        results: dict[str, dict[str, FileMatches]],
        unreadable: dict[str, str],
        missing: frozenset[str] = frozenset(),
    ) -> None:
        self.signature = signature
        self.listed = listed
        self.results = results
        self.unreadable = unreadable
        self.missing = missing  # files whose blob the repository lacked


class BlobCache:
    """Per-blob results kept across scans: for each git blob id, whether it is binary and,
    per pattern (with its flags), what it matched. A blob's content never
    changes, so the results hold for any revision and path that uses it. The oldest blobs
    are dropped beyond `max_blobs`. It also keeps the last tree's glob selections, reused
    while the next tree has the same paths, and the patterns found too slow. Not
    thread-safe: one cache per backfill."""

    def __init__(self, max_blobs: int = 200_000) -> None:
        self.blobs: dict[str, BlobRecord] = {}
        self._max_blobs = max_blobs
        self.listing: Listing | None = None
        # Patterns (by Compiled.key) that ran out of time, and the file they were on: the
        # next scans report them at once rather than spend the time again.
        self.too_slow: dict[str, str] = {}
        self.reads = 0  # blobs read and matched, for benchmarks and tests
        self.reuses = 0  # blobs answered from the cache

    def __len__(self) -> int:
        return len(self.blobs)

    def put(self, blob: str, record: BlobRecord) -> None:
        """Keep `record` for `blob`; when full, the oldest tenth makes room."""
        if blob not in self.blobs and len(self.blobs) >= self._max_blobs:
            for old in list(self.blobs)[: max(1, self._max_blobs // 10)]:
                del self.blobs[old]
        self.blobs[blob] = record
