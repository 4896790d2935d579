"""The files of a directory on disk, as git sees them when it is the top of a working tree.

A working directory that is the top of a git working tree is listed as git sees it:
tracked files and untracked files that are not ignored (`git ls-files --cached --others
--exclude-standard`), so a virtualenv or build output never reaches a check and a live
assessment agrees with one of the same commit read from git (checks.gitrevision).
"""

from __future__ import annotations

import errno
import logging
import os
import stat
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import NamedTuple

from checks.git import git_message, git_run
from checks.tree import (
    BROKEN_SYMLINK,
    LEADS_INTO_GIT,
    LEADS_OUTSIDE,
    MAX_FILES,
    SYMLINK_LOOP,
    TO_DIRECTORY,
    FileEntry,
    SkippedFile,
    TreeError,
    safe_relative,
)

logger = logging.getLogger(__name__)

_IGNORED_OUTPUT = 64 << 20
NESTED_REPOSITORY_REASON = "nested git repository (not scanned)"
# Folders of dependencies, virtualenvs and build output, left out at any depth of a folder
# git's rules do not apply to (what a .gitignore would say of them in nearly every project).
DEFAULT_EXCLUDED = frozenset({"node_modules", ".venv", "venv", "vendor", "dist", "build"})


class Ignored(NamedTuple):
    """What git ignores below a working tree's root, as root-relative POSIX paths: whole
    directories (which hold no tracked file) and single files. Entries below an ignored
    directory are left out."""

    directories: frozenset[str]
    files: frozenset[str]


class WorkingTree:
    """The files of a directory on disk. `.git` entries are left out at any depth.

    When the directory is the top of a git working tree and `respect_gitignore` holds,
    what git ignores is left out too (a tracked file stays, whatever .gitignore says), and
    so is any nested repository (a submodule or a clone inside: git does not list its
    files either). A plain folder, or a subfolder of a working tree, is listed whole: the
    enclosing repository's rules may have nothing to do with it (the assessment's own
    checkouts of a commit are such folders). If git cannot say what it ignores, the
    directory is listed whole and `ignore_note` says why.

    Where git's rules do not apply, folders named in DEFAULT_EXCLUDED (`node_modules/`,
    `.venv/`, `venv/`, `vendor/`, `dist/`, `build/`) are left out at any depth, unless
    `default_exclusions` is off: an exact checkout of a commit keeps them, so that it sees
    what git holds (a committed `vendor/`), as a backfilled point of the same commit does."""

    def __init__(
        self,
        root: Path,
        *,
        max_files: int = MAX_FILES,
        respect_gitignore: bool = True,
        default_exclusions: bool = True,
    ) -> None:
        self.root = Path(root)
        if not self.root.is_dir():
            raise TreeError(f"{self.root} is not a directory")
        self._real_root = os.path.realpath(self.root)
        self._max_files = max_files
        self.respect_gitignore = respect_gitignore
        self.default_exclusions = default_exclusions
        self.ignore_note: str | None = None
        self._ignored: Ignored | None = None
        self._ignored_read = False
        # Symlinked files inside the root: link path -> resolved target.
        self._targets: dict[str, str] = {}
        self.skipped: list[SkippedFile] = []

    def __repr__(self) -> str:
        return f"WorkingTree({str(self.root)!r})"

    def _inside(self, real: str) -> bool:
        return real == self._real_root or real.startswith(self._real_root + os.sep)

    def ignored(self) -> Ignored | None:
        """What git ignores here, or None when git's rules do not apply (see the class).
        Read once per tree, so that the listing and ripgrep's exclusions agree."""
        if not self._ignored_read:
            self._ignored_read = True
            if self.respect_gitignore:
                self._ignored = self._read_ignored()
        return self._ignored

    @property
    def excluded_names(self) -> frozenset[str]:
        """Names of folders left out at any depth (see the class)."""
        if self.respect_gitignore and self.default_exclusions and self.ignored() is None:
            return DEFAULT_EXCLUDED
        return frozenset()

    def _read_ignored(self) -> Ignored | None:
        # Only the top of a working tree holds a .git entry: other folders need no git.
        if not os.path.lexists(os.path.join(self._real_root, ".git")):
            return None
        root = Path(self._real_root)
        try:
            top = git_run(root, "rev-parse", "--show-toplevel")
            if top.returncode != 0:
                return self._not_ignoring(f"git rev-parse failed: {git_message(top)}")
            toplevel = os.fsdecode(top.stdout.rstrip(b"\n"))
            if os.path.realpath(toplevel) != self._real_root:
                return self._not_ignoring(f"git sees it as part of the working tree {toplevel}")
            found = git_run(
                root,
                *("ls-files", "-z", "--others", "--ignored", "--exclude-standard", "--directory"),
                max_output=_IGNORED_OUTPUT,
            )
        except TreeError as exc:
            return self._not_ignoring(str(exc))
        if found.returncode != 0:
            return self._not_ignoring(f"git ls-files failed: {git_message(found)}")
        directories: set[str] = set()
        files: set[str] = set()
        # Sorted, a directory comes before what lies below it (git lists both at times).
        for name in sorted(os.fsdecode(raw) for raw in found.stdout.split(b"\0") if raw):
            path = name.rstrip("/")
            parts = path.split("/")
            if any("/".join(parts[:i]) in directories for i in range(1, len(parts))):
                continue
            if path in ("", ".") or path.startswith("/") or ".." in parts:
                return self._not_ignoring(f"git listed an unexpected path {name!r}")
            (directories if name.endswith("/") else files).add(path)
        return Ignored(frozenset(directories), frozenset(files))

    def _not_ignoring(self, reason: str) -> None:
        self.ignore_note = f"git-ignored files are listed too: {reason}"
        logger.warning("%s: %s", self.root, self.ignore_note)

    def files(self) -> Iterator[FileEntry]:
        self.skipped = []
        self._targets = {}
        ignored = self.ignored()
        leave_out = ignored.directories | ignored.files if ignored is not None else frozenset()
        excluded_names = self.excluded_names
        count = 0
        stack = [("", self._real_root)]
        while stack:
            prefix, directory = stack.pop()
            try:
                with os.scandir(directory) as it:
                    items = list(it)
            except OSError as exc:
                self.skipped.append(
                    SkippedFile(prefix.rstrip("/") or ".", f"unreadable directory: {exc.strerror}")
                )
                continue
            if prefix and ignored is not None and any(item.name == ".git" for item in items):
                self.skipped.append(SkippedFile(prefix[:-1], NESTED_REPOSITORY_REASON))
                continue
            for item in items:
                if item.name == ".git":
                    continue
                rel = prefix + item.name
                if rel in leave_out:
                    continue
                try:
                    if item.is_dir(follow_symlinks=False):
                        if item.name not in excluded_names:
                            stack.append((rel + "/", item.path))
                        continue
                    if item.is_file(follow_symlinks=False):
                        entry = FileEntry(rel, item.stat(follow_symlinks=False).st_size)
                    elif item.is_symlink():
                        entry = self._symlink(rel, item.path)
                    else:
                        entry = None
                        self.skipped.append(SkippedFile(rel, "not a regular file"))
                except OSError as exc:
                    self.skipped.append(SkippedFile(rel, f"unreadable: {exc.strerror}"))
                    continue
                if entry is not None:
                    count += 1
                    if count > self._max_files:
                        raise TreeError(f"{self.root} holds more than {self._max_files} files")
                    yield entry

    def _symlink(self, rel: str, path: str) -> FileEntry | None:
        real = os.path.realpath(path)
        if not self._inside(real):
            self.skipped.append(SkippedFile(rel, LEADS_OUTSIDE))
            return None
        if ".git" in Path(os.path.relpath(real, self._real_root)).parts:
            self.skipped.append(SkippedFile(rel, LEADS_INTO_GIT))
            return None
        try:
            info = os.stat(real)
        except OSError as exc:
            # realpath stops inside a loop without saying so; stat then meets it.
            reason = SYMLINK_LOOP if exc.errno == errno.ELOOP else BROKEN_SYMLINK
            self.skipped.append(SkippedFile(rel, reason))
            return None
        if stat.S_ISDIR(info.st_mode):
            self.skipped.append(SkippedFile(rel, TO_DIRECTORY))
            return None
        if not stat.S_ISREG(info.st_mode):
            self.skipped.append(SkippedFile(rel, "not a regular file"))
            return None
        self._targets[rel] = real
        return FileEntry(rel, info.st_size)

    def is_symlink(self, entry: FileEntry) -> bool:
        return entry.path in self._targets

    def read(self, entry: FileEntry, limit: int | None = None) -> bytes:
        """The file's bytes (at most `limit`). A symlink is resolved again and must still
        lead inside the root; anything else is opened without following a symlink."""
        rel = safe_relative(entry.path)
        target = self._targets.get(rel)
        if target is not None:
            real = os.path.realpath(os.path.join(self._real_root, rel))
            if real != target or not self._inside(real):
                raise TreeError(f"{rel}: symlink changed while scanning")
            path = real
        else:
            path = os.path.join(self._real_root, rel)
        try:
            fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC)
        except OSError as exc:
            raise TreeError(f"{rel}: {exc.strerror}") from None
        with os.fdopen(fd, "rb", buffering=0) as handle:
            if not stat.S_ISREG(os.fstat(fd).st_mode):
                raise TreeError(f"{rel}: not a regular file")
            try:
                data = handle.read() if limit is None else handle.read(limit)
            except OSError as exc:
                raise TreeError(f"{rel}: {exc.strerror}") from None
        return data or b""

    def read_many(
        self, entries: Iterable[FileEntry]
    ) -> Iterator[tuple[FileEntry, bytes | TreeError]]:
        for entry in entries:
            try:
                yield entry, self.read(entry)
            except TreeError as exc:
                yield entry, exc
