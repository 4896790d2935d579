"""What the scan reads files from: a tree's entries, what it skips and why, its error.

Two trees implement `Tree`: checks.worktree (a directory on disk) and checks.gitrevision (a
commit read from git's objects). Both list regular files with their size and, for git,
their blob id. Entries that are not searched are collected in `skipped` while listing, with
the reason: symlinks that lead outside the repository (never followed), symlinks to
directories, broken symlinks and loops, special files, unreadable directories, submodules. A
symlink to a file inside the repository is listed at the link's path with the target's
content, in both trees.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any, NamedTuple, Protocol, TypeVar

T = TypeVar("T")

# Why a symlink is skipped, in both trees. The first four say that it leads to no file or
# directory of the repository: such a link is no file of it either (NOT_PRESENT), so a
# `file` check does not count it as present.
LEADS_OUTSIDE = "symlink leads outside the repository"
LEADS_INTO_GIT = "symlink leads into .git"
BROKEN_SYMLINK = "broken symlink"
SYMLINK_LOOP = "symlink loop"
TO_DIRECTORY = "symlink to a directory (not followed)"
# A git symlink whose own blob the repository lacks: it exists, where it leads is unknown.
UNKNOWN_TARGET = "symlink whose target is unknown (its git object is missing)"
NOT_PRESENT = frozenset({LEADS_OUTSIDE, LEADS_INTO_GIT, BROKEN_SYMLINK, SYMLINK_LOOP})

UNKNOWN_SIZE = -1

# A listing bigger than this is not a repository this tool can assess in one pass.
MAX_FILES = 500_000


class TreeError(Exception):
    """The files could not be listed or read; the message says which and why."""


class MissingObject(TreeError):
    """A file of a git revision whose blob the repository lacks (a partial clone whose
    remote cannot be reached, a damaged or pruned repository): it exists, its content is
    unknown."""

    def __init__(self, path: str, revision: str, blob: str) -> None:
        super().__init__(f"could not read {path} at {revision[:12]}: git object {blob} is missing")
        self.path = path
        self.revision = revision
        self.blob = blob


@dataclass(frozen=True, slots=True)
class FileEntry:
    path: str  # POSIX, relative to the repository root
    size: int  # UNKNOWN_SIZE for a git blob the repository lacks (until it is fetched)
    blob: str | None = None  # git blob id; None for files of a working directory


@dataclass(frozen=True, slots=True)
class SkippedFile:
    """An entry of the tree that is not searched, and why."""

    path: str
    reason: str


class Tree(Protocol):
    """What the scan needs from a source. `skipped` is filled while `files()` runs."""

    skipped: list[SkippedFile]

    def files(self) -> Iterator[FileEntry]: ...

    def read(self, entry: FileEntry, limit: int | None = None) -> bytes: ...


def safe_relative(path: str) -> str:
    if not path or path.startswith("/") or "\x00" in path or ".." in path.split("/"):
        raise TreeError(f"path {path!r} is not inside the repository")
    return path


READ_AHEAD_BYTES = 32 << 20
_BATCH_BYTES = 2 << 20
_BATCH_ITEMS = 128


class _Raised(NamedTuple):
    error: BaseException


def read_ahead(
    source: Iterable[T],
    *,
    size: Callable[[T], int] = lambda item: 0,
    limit: int = READ_AHEAD_BYTES,
) -> Iterator[T]:
    """The items of `source`, produced by a thread while the caller works on earlier
    ones, handed over in batches (a handover per item would cost more than small items
    do) and at most `limit` bytes (as `size` counts them) ahead. An exception in the
    thread is raised in the caller; stopping early stops the thread and closes `source`."""
    batches: queue.Queue[list[Any] | None] = queue.Queue(maxsize=max(1, limit // _BATCH_BYTES))
    stop = threading.Event()

    def hand_over(batch: list[Any] | None) -> None:
        while not stop.is_set():
            try:
                batches.put(batch, timeout=0.1)
                return
            except queue.Full:
                continue

    def pump() -> None:
        batch: list[Any] = []
        taken = 0
        try:
            for item in source:
                batch.append(item)
                taken += size(item)
                if len(batch) >= _BATCH_ITEMS or taken >= _BATCH_BYTES:
                    hand_over(batch)
                    if stop.is_set():
                        return
                    batch, taken = [], 0
            hand_over(batch)
        except BaseException as exc:  # handed to the consumer, which raises it
            hand_over([_Raised(exc)])
        finally:
            close = getattr(source, "close", None)
            if close is not None:
                close()
            hand_over(None)

    thread = threading.Thread(target=pump, daemon=True)
    thread.start()
    try:
        while (batch := batches.get()) is not None:
            for item in batch:
                if isinstance(item, _Raised):
                    raise item.error
                yield item
    finally:
        stop.set()
        thread.join()
