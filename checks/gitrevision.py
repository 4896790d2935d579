"""A git revision read straight from the repository's objects, without a checkout.

One long-lived `git cat-file` process per repository reads the trees walked from the
commit and the blobs; it is handed on to the next revision of the same repository, so a
backfill over many commits starts git once.

A blob the repository lacks does not stop the revision: its file is listed (size unknown)
and reading it gives a checks.tree.MissingObject, so that only the checks that read it are
affected. A partial clone's missing blobs are fetched from its promisor remote when they
are read, a batch at a time (checks.git); those that cannot be fetched are missing.
"""

from __future__ import annotations

import atexit
import contextlib
import datetime as dt
import os
import posixpath
import subprocess
import threading
import time
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any, NamedTuple

from checks.git import (
    GIT_TIMEOUT_S,
    check_rev,
    git_argv,
    git_env,
    git_fetch_objects,
    git_missing_objects,
    git_promisor_remote,
    git_resolve,
    git_version,
)
from checks.process import kill_group
from checks.tree import (
    BROKEN_SYMLINK,
    LEADS_INTO_GIT,
    LEADS_OUTSIDE,
    MAX_FILES,
    SYMLINK_LOOP,
    TO_DIRECTORY,
    UNKNOWN_SIZE,
    UNKNOWN_TARGET,
    FileEntry,
    MissingObject,
    SkippedFile,
    TreeError,
    read_ahead,
)

_MAX_SYMLINK_HOPS = 40
_PIPE_BYTES = 16 << 10  # well under a pipe's buffer (64 KiB on Linux)


class _Missing(TreeError):
    """What git cat-file answers for an object the repository lacks."""

    def __init__(self, name: str) -> None:
        super().__init__(f"git object {name!r} is missing")
        self.name = name


class _Object(NamedTuple):
    sha: str
    kind: bytes
    size: int
    data: bytes  # empty for a `--batch-check` process


class _CatFile:
    """One `git cat-file --batch` (or `--batch-check`) process. Requests are written by a
    thread while the answers are read, so a long request list cannot deadlock on full
    pipes. A watchdog kills the process group when a request makes no progress for
    `timeout` seconds."""

    def __init__(self, repo: Path, timeout: float, *, mode: str = "--batch") -> None:
        self._timeout = timeout
        self.mode = mode  # --batch, --batch-check, or --batch-command (both, git >= 2.36)
        command = mode == "--batch-command"
        try:
            self._proc = subprocess.Popen(
                # With --batch-command, --buffer lets git write its answers in big
                # chunks; each request list ends with a flush command.
                git_argv(repo, "cat-file", mode, *(["--buffer"] if command else [])),
                env=git_env(),
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=subprocess.DEVNULL,
                start_new_session=True,
                bufsize=1 << 20,
            )
        except OSError as exc:
            raise TreeError(f"cannot run git: {exc}") from None
        self._lock = threading.Lock()
        self.broken = False
        self._progress = time.monotonic()
        self._busy = False
        self._closed = threading.Event()
        threading.Thread(target=self._watch, daemon=True).start()

    def _watch(self) -> None:
        while not self._closed.wait(min(1.0, self._timeout / 4)):
            if self._busy and time.monotonic() - self._progress > self._timeout:
                kill_group(self._proc)
                return

    def objects(self, names: Sequence[str], *, info: bool = False) -> Iterator[_Object | TreeError]:
        """The objects `names` (ids or revision expressions), in order, with their content
        unless `info`; a missing object gives a TreeError in its place, a broken process
        raises it."""
        info = info or self.mode == "--batch-check"
        command = ("info " if info else "contents ") if self.mode == "--batch-command" else ""
        with self._lock:
            self._busy = True
            self._progress = time.monotonic()
            payload = "".join(f"{command}{name}\n" for name in names)
            if command:
                payload += "flush\n"
            payload = payload.encode("utf-8", "surrogateescape")
            # Git has answered every earlier request, so its input pipe is empty and a
            # request that fits in it is written at once; a longer one is written by a
            # thread while the answers are read.
            writer = None
            if len(payload) <= _PIPE_BYTES:
                self._write(payload)
            else:
                writer = threading.Thread(target=self._write, args=(payload,), daemon=True)
                writer.start()
            done = 0
            try:
                for name in names:
                    yield self._read_one(name, info)
                    done += 1
                    self._progress = time.monotonic()
            finally:
                self._busy = False
                if done < len(names):
                    # Unread answers would be taken for the next request's: start afresh.
                    self.broken = True
                    kill_group(self._proc)
                if writer is not None:
                    writer.join()

    def object(self, name: str) -> _Object:
        (found,) = self.objects([name])
        if isinstance(found, TreeError):
            raise found
        return found

    def _write(self, payload: bytes) -> None:
        stdin = self._proc.stdin
        assert stdin is not None
        try:
            stdin.write(payload)
            stdin.flush()
        except (BrokenPipeError, ValueError, OSError):
            pass  # the reader reports the dead process

    def _read_one(self, name: str, info: bool) -> _Object | TreeError:
        stdout = self._proc.stdout
        assert stdout is not None
        header = stdout.readline()
        if not header:
            raise TreeError("git cat-file stopped (killed after a timeout, or crashed)")
        if header.endswith(b" missing\n"):
            return _Missing(name)
        if header.endswith(b" ambiguous\n"):
            return TreeError(f"git object {name!r} is ambiguous")
        parts = header.split()
        if len(parts) != 3:
            raise TreeError(f"unexpected answer from git cat-file: {header[:80]!r}")
        size = int(parts[2])
        data = b""
        if not info:
            data = stdout.read(size)
            if len(data) != size or stdout.read(1) != b"\n":
                raise TreeError("git cat-file answer was cut short")
        return _Object(parts[0].decode("ascii"), parts[1], size, data)

    def usable(self) -> bool:
        return not self.broken and self._proc.poll() is None

    def close(self) -> None:
        self._closed.set()
        # cat-file keeps no state worth a graceful exit; waiting for one would poll.
        kill_group(self._proc)
        self._proc.wait()
        for stream in (self._proc.stdin, self._proc.stdout):
            if stream is not None and not stream.closed:
                with contextlib.suppress(OSError):
                    stream.close()


class _Pool:
    """Idle cat-file processes by repository: a backfill opens a GitRevision per commit,
    and starting git costs more than the rest of a revision that changed a few files.
    At most MAX_IDLE are kept; they are ended at exit, and a forked child starts with
    none (the parent's processes are not its to use)."""

    MAX_IDLE = 4

    def __init__(self) -> None:
        self._idle: list[tuple[tuple[Any, ...], _CatFile]] = []
        self._lock = threading.Lock()

    def take(self, key: tuple[Any, ...]) -> _CatFile | None:
        with self._lock:
            for index, (found, batch) in enumerate(self._idle):
                if found == key:
                    del self._idle[index]
                    if batch.usable():
                        return batch
                    batch.close()
                    return None
        return None

    def give(self, key: tuple[Any, ...], batch: _CatFile) -> None:
        if not batch.usable():
            batch.close()
            return
        with self._lock:
            self._idle.append((key, batch))
            extra = self._idle[: -self.MAX_IDLE]
            del self._idle[: -self.MAX_IDLE]
        for _, old in extra:
            old.close()

    def clear(self) -> None:
        with self._lock:
            idle, self._idle = self._idle, []
        for _, batch in idle:
            batch.close()

    def forget(self) -> None:
        self._idle = []
        self._lock = threading.Lock()


_POOL = _Pool()
atexit.register(_POOL.clear)
os.register_at_fork(after_in_child=_POOL.forget)


class _Bounded(dict):
    """A dict that forgets its oldest tenth when full."""

    def __init__(self, limit: int) -> None:
        super().__init__()
        self.limit = limit

    def __setitem__(self, key: Any, value: Any) -> None:
        if len(self) >= self.limit and key not in self:
            for old in list(self)[: max(1, self.limit // 10)]:
                self.pop(old, None)  # another thread may have dropped it already
        super().__setitem__(key, value)


# Content-addressed, so valid for any repository and shared by all GitRevisions of the
# process: consecutive revisions share almost every tree and blob, and only the new ones
# are read. Tree id -> entries; blob id -> size; (path prefix, tree id) -> its files.
_TREES: _Bounded = _Bounded(200_000)
_SIZES: _Bounded = _Bounded(2_000_000)
_FLATS: _Bounded = _Bounded(4_096)
_TREE_MODE = b"40000"
_LINK_MODE = b"120000"
_SUBMODULE_MODE = b"160000"


class _Flat(NamedTuple):
    """Everything below one tree, in git's order (which is sorted by path)."""

    files: tuple[FileEntry, ...]
    links: tuple[tuple[str, str], ...]  # (path, blob id of the link text)
    submodules: tuple[str, ...]
    directories: tuple[str, ...]


def _parse_tree(data: bytes) -> tuple[tuple[bytes, str, str], ...]:
    """A tree object's entries: (mode, name, object id)."""
    entries = []
    pos, end = 0, len(data)
    while pos < end:
        space = data.index(b" ", pos)
        nul = data.index(b"\x00", space)
        name = data[space + 1 : nul].decode("utf-8", "surrogateescape")
        entries.append((data[pos:space], name, data[nul + 1 : nul + 21].hex()))
        pos = nul + 21
    return tuple(entries)


class GitRevision:
    """The files of one commit, read from the repository's objects through a long-lived
    `git cat-file` process; nothing is checked out. Trees are walked from the commit,
    and trees, blob sizes and per-directory listings are cached by object id, so the next
    revision reads only what changed. Use as a context manager (or call close()): the
    process then waits, idle, for the next GitRevision of the same repository."""

    def __init__(
        self, repo: Path, rev: str, *, subfolder: str = "", timeout: float = GIT_TIMEOUT_S
    ) -> None:
        """`subfolder` (a clean relative path) makes that folder of the commit the root
        of the files listed; TreeError when the commit has no such folder."""
        check_rev(rev)
        self.repo = Path(repo)
        if not self.repo.is_dir():
            raise TreeError(f"repository {self.repo} does not exist")
        self._timeout = timeout
        self._batch: _CatFile | None = None
        self._sizes: _CatFile | None = None
        self.skipped: list[SkippedFile] = []
        # A partial clone's remote, and the objects below this revision it lacks (listed
        # when first needed, again after a fetch).
        self._promisor = git_promisor_remote(self.repo)
        self._absent: set[str] | None = None
        # The pool's key: the same directory, not another one created at the same path, and
        # the same promisor remote (a process started with one would fetch, or die).
        where = self.repo.stat()
        realpath = os.path.realpath(self.repo)
        self._key = (realpath, where.st_dev, where.st_ino, timeout, self._promisor)
        try:
            commit = self._cat().object(f"{rev}^{{commit}}")
        except TreeError:
            if self._batch is not None:
                self._batch.close()  # not handed back: it may be the reason
                self._batch = None
            git_resolve(self.repo, rev)  # raises with git's own explanation
            raise
        self.revision = commit.sha
        self._tree, self.committed_at = self._commit_fields(commit.data)
        if subfolder:
            self._tree = self._subtree(subfolder)

    def __repr__(self) -> str:
        return f"GitRevision({str(self.repo)!r}, {self.revision[:12]!r})"

    def __enter__(self) -> GitRevision:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Hand the git processes back to the pool for the next revision."""
        for batch in (self._batch, self._sizes):
            if batch is not None:
                _POOL.give((*self._key, batch.mode), batch)
        self._batch = self._sizes = None

    def _process(self, mode: str) -> _CatFile:
        return _POOL.take((*self._key, mode)) or _CatFile(self.repo, self._timeout, mode=mode)

    def _cat(self) -> _CatFile:
        if self._batch is not None and not self._batch.usable():
            self._batch.close()
            self._batch = None
        if self._batch is None:
            mode = "--batch-command" if git_version() >= (2, 36) else "--batch"
            self._batch = self._process(mode)
        return self._batch

    def _info(self, ids: Sequence[str]) -> Iterator[_Object | TreeError]:
        """Headers only (type and size), through the main process where git can."""
        batch = self._cat()
        if batch.mode == "--batch-command":
            return batch.objects(ids, info=True)
        if self._sizes is not None and not self._sizes.usable():
            self._sizes.close()
            self._sizes = None
        if self._sizes is None:
            self._sizes = self._process("--batch-check")
        return self._sizes.objects(ids)

    def _subtree(self, subfolder: str) -> str:
        (found,) = self._cat().objects([f"{self._tree}:{subfolder}"])
        if isinstance(found, TreeError) or found.kind != b"tree":
            self.close()  # the process is sound: back to the pool
            raise TreeError(f"no folder {subfolder} at revision {self.revision}")
        _TREES[found.sha] = _parse_tree(found.data)
        return found.sha

    def _commit_fields(self, text: bytes) -> tuple[str, dt.datetime]:
        tree, committed = None, None
        for line in text.split(b"\n"):
            if not line:
                break  # the message follows the headers
            if line.startswith(b"tree "):
                tree = line[5:].decode("ascii")
            elif line.startswith(b"committer "):
                # "committer Name <mail> 1700000000 +0100": the epoch is UTC already.
                seconds = int(line.rsplit(b" ", 2)[1])
                committed = dt.datetime.fromtimestamp(seconds, tz=dt.UTC)
        if tree is None or committed is None:
            raise TreeError(f"commit {self.revision} has no tree or committer line")
        return tree, committed

    def files(self) -> Iterator[FileEntry]:
        self.skipped = []
        flat = self._flatten()
        if len(flat.files) > MAX_FILES:
            raise TreeError(f"revision {self.revision} holds more than {MAX_FILES} files")
        self.skipped.extend(
            SkippedFile(path, "submodule (not scanned)") for path in flat.submodules
        )
        yield from flat.files
        if flat.links:
            blobs = {entry.path: entry for entry in flat.files}
            yield from self._resolve_links(dict(flat.links), blobs, set(flat.directories))

    def _flatten(self) -> _Flat:
        root = ("", self._tree)
        cached = _FLATS.get(root)
        if cached is not None:
            return cached
        # Read the trees not seen before, a level at a time, skipping whole subtrees
        # whose listing is cached.
        trees: dict[str, tuple[tuple[bytes, str, str], ...]] = {}
        todo: list[tuple[str, str]] = []
        level = [root]
        while level:
            for _, sha in level:
                cached = _TREES.get(sha)
                if cached is not None:
                    trees[sha] = cached
            unknown = list(dict.fromkeys(sha for _, sha in level if sha not in trees))
            lacking = self._lacking(unknown, fetch=True)
            if lacking:
                raise TreeError(
                    f"tree {min(lacking)} of {self.revision} cannot be read: the object is missing"
                )
            for sha, found in zip(unknown, self._cat().objects(unknown), strict=True):
                if isinstance(found, TreeError) or found.kind != b"tree":
                    raise TreeError(f"tree {sha} of {self.revision} cannot be read")
                _TREES[sha] = trees[sha] = _parse_tree(found.data)
            following = []
            for prefix, sha in level:
                todo.append((prefix, sha))
                for mode, name, child in trees[sha]:
                    key = (f"{prefix}{name}/", child)
                    if mode == _TREE_MODE and name != ".git" and key not in _FLATS:
                        following.append(key)
            level = following
            if len(todo) > MAX_FILES:
                raise TreeError(f"revision {self.revision} holds too many directories")
        sizes = self._blob_sizes(
            child
            for _, sha in todo
            for mode, _, child in trees[sha]
            if mode not in (_TREE_MODE, _LINK_MODE, _SUBMODULE_MODE)
        )
        built: dict[tuple[str, str], _Flat] = {}
        for prefix, sha in reversed(todo):  # children before their parents
            built[(prefix, sha)] = self._flat(prefix, trees[sha], sizes, built)
        for key, flat in built.items():
            _FLATS[key] = flat
        return built[root]

    def _blob_sizes(self, ids: Iterable[str]) -> dict[str, int]:
        sizes: dict[str, int] = {}
        unknown = []
        for blob in ids:
            size = _SIZES.get(blob)
            if size is None:
                unknown.append(blob)
            else:
                sizes[blob] = size
        unknown = list(dict.fromkeys(unknown))
        # Blobs the repository lacks have no size until they are read (and fetched).
        lacking = self._lacking(unknown, fetch=False)
        if lacking:
            sizes.update(dict.fromkeys(lacking, UNKNOWN_SIZE))
            unknown = [blob for blob in unknown if blob not in lacking]
        for blob, found in zip(unknown, self._info(unknown), strict=True):
            if isinstance(found, _Missing):
                sizes[blob] = UNKNOWN_SIZE
            elif isinstance(found, TreeError):
                raise found
            else:
                _SIZES[blob] = sizes[blob] = found.size
        return sizes

    def _lacking(self, ids: Sequence[str], *, fetch: bool) -> set[str]:
        """Those of `ids` that a partial clone lacks (after fetching them, with `fetch`),
        which must not be asked of git cat-file: its lazy fetch would end it when the
        remote cannot be reached. Empty for any other repository, whose cat-file says
        "missing" by itself."""
        if self._promisor is None or not ids:
            return set()
        if self._absent is None:
            self._absent = git_missing_objects(self.repo, self._tree)
        lacking = self._absent.intersection(ids)
        if lacking and fetch and git_fetch_objects(self.repo, self._promisor, lacking):
            self._absent = git_missing_objects(self.repo, self._tree)
            lacking = self._absent.intersection(ids)
        return lacking

    @staticmethod
    def _flat(
        prefix: str,
        entries: tuple[tuple[bytes, str, str], ...],
        sizes: dict[str, int],
        built: dict[tuple[str, str], _Flat],
    ) -> _Flat:
        files: list[FileEntry] = []
        links: list[tuple[str, str]] = []
        submodules: list[str] = []
        directories: list[str] = [prefix[:-1]] if prefix else []
        for mode, name, child in entries:
            if name == ".git":
                continue  # as in a working tree, where .git holds git's own files
            path = prefix + name
            if mode == _TREE_MODE:
                key = (path + "/", child)
                sub = built.get(key) or _FLATS[key]
                files.extend(sub.files)
                links.extend(sub.links)
                submodules.extend(sub.submodules)
                directories.extend(sub.directories)
            elif mode == _LINK_MODE:
                links.append((path, child))
            elif mode == _SUBMODULE_MODE:
                submodules.append(path)
            else:
                files.append(FileEntry(path, sizes[child], child))
        return _Flat(tuple(files), tuple(links), tuple(submodules), tuple(directories))

    def _resolve_links(
        self, links: dict[str, str], blobs: dict[str, FileEntry], directories: set[str]
    ) -> Iterator[FileEntry]:
        targets: dict[str, bytes | TreeError] = {}
        for entry, text in self.read_many(FileEntry(path, 0, blob) for path, blob in links.items()):
            targets[entry.path] = text
        # A link (mode 120000) is a blob holding the target's path. As in a working tree,
        # it is resolved inside the revision: ending at a blob, it is listed with that
        # blob's content; at a directory, skipped but still an existing entry. Its own blob
        # is never listed, so a link that leads outside, into .git, nowhere or round in a
        # loop is skipped with the reason and is no present file (checks.tree.NOT_PRESENT).
        for path, target in targets.items():
            current, hops = path, 0
            while True:
                reason = None
                if isinstance(target, MissingObject):
                    reason = UNKNOWN_TARGET
                    break
                if isinstance(target, TreeError):
                    reason = BROKEN_SYMLINK
                    break
                text = target.decode("utf-8", "surrogateescape")
                if text.startswith("/"):
                    reason = LEADS_OUTSIDE
                    break
                resolved = posixpath.normpath(posixpath.join(posixpath.dirname(current), text))
                if resolved == ".." or resolved.startswith("../"):
                    reason = LEADS_OUTSIDE
                elif ".git" in resolved.split("/"):
                    reason = LEADS_INTO_GIT
                elif resolved in blobs:
                    yield FileEntry(path, blobs[resolved].size, blobs[resolved].blob)
                elif resolved in links:
                    if hops >= _MAX_SYMLINK_HOPS:
                        reason = SYMLINK_LOOP
                        break
                    current, hops = resolved, hops + 1
                    target = targets[resolved]
                    continue
                elif resolved in directories or resolved == ".":
                    reason = TO_DIRECTORY
                else:
                    reason = BROKEN_SYMLINK
                break
            if reason:
                self.skipped.append(SkippedFile(path, reason))

    def read(self, entry: FileEntry, limit: int | None = None) -> bytes:
        ((_, data),) = self.read_many([entry])
        if isinstance(data, TreeError):
            raise data
        return data if limit is None else data[:limit]

    def read_many(
        self, entries: Iterable[FileEntry]
    ) -> Iterator[tuple[FileEntry, bytes | TreeError]]:
        """Contents of many blobs through the one cat-file process (a partial clone's
        missing ones fetched first, in one batch). A thread reads ahead (up to
        READ_AHEAD_BYTES), so git inflates the next blobs while the caller works on this
        one. A blob the repository lacks gives a MissingObject in its place, another
        unreadable one a TreeError; a failure of the process raises it."""
        entries = list(entries)
        lacking = self._lacking([entry.blob for entry in entries if entry.blob], fetch=True)
        asked = [entry.blob for entry in entries if entry.blob and entry.blob not in lacking]
        found: Iterator[_Object | TreeError] = iter(())
        if asked:
            found = self._cat().objects(asked)
            if len(asked) > 1:
                found = read_ahead(found, size=_object_size)
        for entry in entries:
            if not entry.blob:
                yield entry, TreeError(f"{entry.path}: no blob id")
                continue
            item = _Missing(entry.blob) if entry.blob in lacking else next(found)
            if isinstance(item, _Missing):
                yield entry, MissingObject(entry.path, self.revision, item.name)
            else:
                yield entry, item if isinstance(item, TreeError) else item.data
        next(found, None)  # let the request finish: an unfinished one breaks the process


def _object_size(item: _Object | TreeError) -> int:
    return len(item.data) if isinstance(item, _Object) else 0
