"""Where the files of an assessment come from: a working directory, or a git revision read
straight from the repository's objects through one long-lived `git cat-file` process
(trees walked from the commit; no checkout, no work tree needed).

Both sources list regular files with their size and, for git, their blob id. Entries that
are not searched are collected in `skipped` while listing, with the reason: symlinks that
lead outside the repository (never followed), symlinks to directories, broken symlinks,
special files, unreadable directories, submodules. A symlink to a file inside the
repository is listed at the link's path with the target's content, in both sources.

A working directory that is the top of a git working tree is listed as git sees it:
tracked files and untracked files that are not ignored (`git ls-files --cached --others
--exclude-standard`), so a virtualenv or build output never reaches a check and a live
assessment agrees with one of the same commit read from git.
"""

from __future__ import annotations

import atexit
import contextlib
import datetime as dt
import functools
import logging
import os
import posixpath
import queue
import shutil
import signal
import stat
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NamedTuple, Protocol, TypeVar

T = TypeVar("T")

logger = logging.getLogger(__name__)

GIT_TIMEOUT_S = 120.0
# A listing bigger than this is not a repository this tool can assess in one pass.
MAX_FILES = 500_000
_MAX_SYMLINK_HOPS = 40
_PIPE_BYTES = 16 << 10  # well under a pipe's buffer (64 KiB on Linux)
_IGNORED_OUTPUT = 64 << 20
NESTED_REPOSITORY_REASON = "nested git repository (not scanned)"


class SourceError(Exception):
    """The files could not be listed or read; the message says which and why."""


@dataclass(frozen=True, slots=True)
class FileEntry:
    path: str  # POSIX, relative to the repository root
    size: int
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


def _safe_relative(path: str) -> str:
    if not path or path.startswith("/") or "\x00" in path or ".." in path.split("/"):
        raise SourceError(f"path {path!r} is not inside the repository")
    return path


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
    directory is listed whole and `ignore_note` says why."""

    def __init__(
        self, root: Path, *, max_files: int = MAX_FILES, respect_gitignore: bool = True
    ) -> None:
        self.root = Path(root)
        if not self.root.is_dir():
            raise SourceError(f"{self.root} is not a directory")
        self._real_root = os.path.realpath(self.root)
        self._max_files = max_files
        self.respect_gitignore = respect_gitignore
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

    def _read_ignored(self) -> Ignored | None:
        # Only the top of a working tree holds a .git entry: other folders need no git.
        if not os.path.lexists(os.path.join(self._real_root, ".git")):
            return None
        root = Path(self._real_root)
        try:
            top = git_run(root, "rev-parse", "--show-toplevel")
            if top.returncode != 0:
                return self._not_ignoring(f"git rev-parse failed: {_git_message(top)}")
            toplevel = os.fsdecode(top.stdout.rstrip(b"\n"))
            if os.path.realpath(toplevel) != self._real_root:
                return self._not_ignoring(f"git sees it as part of the working tree {toplevel}")
            found = git_run(
                root,
                *("ls-files", "-z", "--others", "--ignored", "--exclude-standard", "--directory"),
                max_output=_IGNORED_OUTPUT,
            )
        except SourceError as exc:
            return self._not_ignoring(str(exc))
        if found.returncode != 0:
            return self._not_ignoring(f"git ls-files failed: {_git_message(found)}")
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
                        raise SourceError(f"{self.root} holds more than {self._max_files} files")
                    yield entry

    def _symlink(self, rel: str, path: str) -> FileEntry | None:
        real = os.path.realpath(path)
        if not self._inside(real):
            self.skipped.append(SkippedFile(rel, "symlink leads outside the repository"))
            return None
        if ".git" in Path(os.path.relpath(real, self._real_root)).parts:
            self.skipped.append(SkippedFile(rel, "symlink leads into .git"))
            return None
        try:
            info = os.stat(real)
        except OSError:
            self.skipped.append(SkippedFile(rel, "broken symlink"))
            return None
        if stat.S_ISDIR(info.st_mode):
            self.skipped.append(SkippedFile(rel, "symlink to a directory (not followed)"))
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
        rel = _safe_relative(entry.path)
        target = self._targets.get(rel)
        if target is not None:
            real = os.path.realpath(os.path.join(self._real_root, rel))
            if real != target or not self._inside(real):
                raise SourceError(f"{rel}: symlink changed while scanning")
            path = real
        else:
            path = os.path.join(self._real_root, rel)
        try:
            fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC)
        except OSError as exc:
            raise SourceError(f"{rel}: {exc.strerror}") from None
        with os.fdopen(fd, "rb", buffering=0) as handle:
            if not stat.S_ISREG(os.fstat(fd).st_mode):
                raise SourceError(f"{rel}: not a regular file")
            try:
                data = handle.read() if limit is None else handle.read(limit)
            except OSError as exc:
                raise SourceError(f"{rel}: {exc.strerror}") from None
        return data or b""

    def read_many(
        self, entries: Iterable[FileEntry]
    ) -> Iterator[tuple[FileEntry, bytes | SourceError]]:
        for entry in entries:
            try:
                yield entry, self.read(entry)
            except SourceError as exc:
                yield entry, exc


# -- git ---------------------------------------------------------------------------------


def git_binary() -> str:
    found = shutil.which("git")
    if not found:
        raise SourceError("git is not installed")
    return found


def _git_env() -> dict[str, str]:
    env = {key: value for key, value in os.environ.items() if not key.startswith("GIT_")}
    # Never prompt, never take locks that a concurrent git would trip on.
    env.update(GIT_TERMINAL_PROMPT="0", GIT_OPTIONAL_LOCKS="0", LC_ALL="C")
    return env


def _git_argv(repo: Path, *args: str) -> list[str]:
    # core.fsmonitor could run a program configured by the assessed repository.
    return [git_binary(), "-C", str(repo), "-c", "core.fsmonitor=false", *args]


def _kill_group(proc: subprocess.Popen) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(proc.pid, signal.SIGKILL)


@dataclass(frozen=True)
class Completed:
    returncode: int
    stdout: bytes
    stderr: bytes
    timed_out: bool = False
    truncated: bool = False  # stdout went over max_output and the process was killed


class CappedProcess:
    """A child process in its own process group, with a deadline and a cap on its
    output; on either the whole group is killed. Start it, do other work, then `wait()`."""

    def __init__(
        self,
        argv: Sequence[str],
        *,
        cwd: Path | str | None = None,
        timeout: float,
        max_output: int,
        env: dict[str, str] | None = None,
    ) -> None:
        self._timeout = timeout
        self._max_output = max_output
        self._deadline = time.monotonic() + timeout
        self._proc = subprocess.Popen(
            list(argv),
            cwd=cwd,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            start_new_session=True,
        )
        self._chunks: list[bytes] = []
        self._errors: list[bytes] = []
        self._truncated = False
        self._out = threading.Thread(target=self._drain_stdout, daemon=True)
        self._err = threading.Thread(target=self._drain_stderr, daemon=True)
        self._out.start()
        self._err.start()

    def _drain_stdout(self) -> None:
        size = 0
        stream = self._proc.stdout
        assert stream is not None
        while chunk := stream.read1(1 << 20):
            size += len(chunk)
            if size > self._max_output:
                self._truncated = True
                _kill_group(self._proc)
                break
            self._chunks.append(chunk)

    def _drain_stderr(self) -> None:
        stream = self._proc.stderr
        assert stream is not None
        size = 0
        while chunk := stream.read1(1 << 16):
            if size < 1 << 20:
                self._errors.append(chunk)
            size += len(chunk)

    def wait(self) -> Completed:
        # Joining the reader (it ends when the process closes stdout) blocks on a lock;
        # Popen.wait(timeout) would poll with sleeps instead.
        self._out.join(timeout=max(0.0, self._deadline - time.monotonic()))
        timed_out = self._out.is_alive()
        if timed_out:
            _kill_group(self._proc)
        self._proc.wait()
        self._out.join()
        self._err.join()
        for stream in (self._proc.stdout, self._proc.stderr):
            if stream is not None:
                stream.close()
        return Completed(
            self._proc.returncode,
            b"".join(self._chunks),
            b"".join(self._errors),
            timed_out=timed_out,
            truncated=self._truncated,
        )

    def kill(self) -> None:
        _kill_group(self._proc)


@functools.cache
def git_version() -> tuple[int, ...]:
    """The installed git's version, e.g. (2, 39, 5); (0,) when it cannot be told."""
    try:
        output = subprocess.run(
            [git_binary(), "--version"], capture_output=True, timeout=30, env=_git_env()
        ).stdout
    except (OSError, subprocess.TimeoutExpired):
        return (0,)
    words = output.decode("ascii", "replace").split()
    numbers = words[2].split(".") if len(words) > 2 else []
    return tuple(int(part) for part in numbers if part.isdigit()) or (0,)


def git_run(repo: Path, *args: str, max_output: int = 16 << 20) -> Completed:
    try:
        process = CappedProcess(
            _git_argv(repo, *args),
            timeout=GIT_TIMEOUT_S,
            max_output=max_output,
            env=_git_env(),
        )
    except OSError as exc:
        raise SourceError(f"cannot run git: {exc}") from None
    result = process.wait()
    if result.timed_out:
        raise SourceError(f"git {args[0]} took longer than {GIT_TIMEOUT_S:.0f} s in {repo}")
    if result.truncated:
        raise SourceError(f"git {args[0]} printed more than {max_output} bytes in {repo}")
    return result


def _git_message(result: Completed) -> str:
    text = result.stderr.decode("utf-8", "replace").strip().splitlines()
    return text[-1] if text else f"exit code {result.returncode}"


def _check_rev(rev: str) -> None:
    if not isinstance(rev, str) or not rev.strip():
        raise SourceError("revision is empty")
    if rev.startswith("-") or "\x00" in rev or len(rev) > 256 or "\n" in rev:
        raise SourceError(f"{rev!r} is not a valid revision")


def git_resolve(repo: Path, rev: str) -> str:
    """The full sha of the commit `rev` names in `repo`."""
    _check_rev(rev)
    repo = Path(repo)
    if not repo.is_dir():
        raise SourceError(f"repository {repo} does not exist")
    result = git_run(
        repo, "rev-parse", "--verify", "--quiet", "--end-of-options", f"{rev}^{{commit}}"
    )
    if result.returncode != 0:
        inside = git_run(repo, "rev-parse", "--git-dir")
        if inside.returncode != 0:
            raise SourceError(f"{repo} is not a git repository ({_git_message(inside)})")
        raise SourceError(f"{rev!r} is not a commit of the repository {repo}")
    return result.stdout.decode("ascii").strip()


def git_head(repo: Path) -> str | None:
    """The sha of HEAD when `repo` lies in a git working tree with at least one commit
    (for a subdirectory, the enclosing repository's HEAD), else None."""
    repo = Path(repo)
    if not repo.is_dir():
        return None
    try:
        inside = git_run(repo, "rev-parse", "--is-inside-work-tree")
        if inside.returncode != 0 or inside.stdout.strip() != b"true":
            return None
        head = git_run(repo, "rev-parse", "--verify", "--quiet", "HEAD^{commit}")
    except SourceError:
        return None
    return head.stdout.decode("ascii").strip() if head.returncode == 0 else None


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
                _git_argv(repo, "cat-file", mode, *(["--buffer"] if command else [])),
                env=_git_env(),
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=subprocess.DEVNULL,
                start_new_session=True,
                bufsize=1 << 20,
            )
        except OSError as exc:
            raise SourceError(f"cannot run git: {exc}") from None
        self._lock = threading.Lock()
        self.broken = False
        self._progress = time.monotonic()
        self._busy = False
        self._closed = threading.Event()
        threading.Thread(target=self._watch, daemon=True).start()

    def _watch(self) -> None:
        while not self._closed.wait(min(1.0, self._timeout / 4)):
            if self._busy and time.monotonic() - self._progress > self._timeout:
                _kill_group(self._proc)
                return

    def objects(
        self, names: Sequence[str], *, info: bool = False
    ) -> Iterator[_Object | SourceError]:
        """The objects `names` (ids or revision expressions), in order, with their content
        unless `info`; a missing object gives a SourceError in its place, a broken process
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
                    _kill_group(self._proc)
                if writer is not None:
                    writer.join()

    def object(self, name: str) -> _Object:
        (found,) = self.objects([name])
        if isinstance(found, SourceError):
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

    def _read_one(self, name: str, info: bool) -> _Object | SourceError:
        stdout = self._proc.stdout
        assert stdout is not None
        header = stdout.readline()
        if not header:
            raise SourceError("git cat-file stopped (killed after a timeout, or crashed)")
        if header.endswith((b" missing\n", b" ambiguous\n")):
            return SourceError(f"git object {name!r} is {header.split()[-1].decode()}")
        parts = header.split()
        if len(parts) != 3:
            raise SourceError(f"unexpected answer from git cat-file: {header[:80]!r}")
        size = int(parts[2])
        data = b""
        if not info:
            data = stdout.read(size)
            if len(data) != size or stdout.read(1) != b"\n":
                raise SourceError("git cat-file answer was cut short")
        return _Object(parts[0].decode("ascii"), parts[1], size, data)

    def usable(self) -> bool:
        return not self.broken and self._proc.poll() is None

    def close(self) -> None:
        self._closed.set()
        # cat-file keeps no state worth a graceful exit; waiting for one would poll.
        _kill_group(self._proc)
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

    def __init__(self, repo: Path, rev: str, *, timeout: float = GIT_TIMEOUT_S) -> None:
        _check_rev(rev)
        self.repo = Path(repo)
        if not self.repo.is_dir():
            raise SourceError(f"repository {self.repo} does not exist")
        self._timeout = timeout
        self._batch: _CatFile | None = None
        self._sizes: _CatFile | None = None
        self.skipped: list[SkippedFile] = []
        # The pool's key: the same directory, not another one created at the same path.
        where = self.repo.stat()
        self._key = (os.path.realpath(self.repo), where.st_dev, where.st_ino, timeout)
        try:
            commit = self._cat().object(f"{rev}^{{commit}}")
        except SourceError:
            if self._batch is not None:
                self._batch.close()  # not handed back: it may be the reason
                self._batch = None
            git_resolve(self.repo, rev)  # raises with git's own explanation
            raise
        self.revision = commit.sha
        self._tree, self.committed_at = self._commit_fields(commit.data)

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

    def _info(self, ids: Sequence[str]) -> Iterator[_Object | SourceError]:
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
            raise SourceError(f"commit {self.revision} has no tree or committer line")
        return tree, committed

    def files(self) -> Iterator[FileEntry]:
        self.skipped = []
        flat = self._flatten()
        if len(flat.files) > MAX_FILES:
            raise SourceError(f"revision {self.revision} holds more than {MAX_FILES} files")
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
            for sha, found in zip(unknown, self._cat().objects(unknown), strict=True):
                if isinstance(found, SourceError) or found.kind != b"tree":
                    raise SourceError(f"tree {sha} of {self.revision} cannot be read")
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
                raise SourceError(f"revision {self.revision} holds too many directories")
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
        for blob, found in zip(unknown, self._info(unknown), strict=True):
            if isinstance(found, SourceError):
                raise found
            _SIZES[blob] = sizes[blob] = found.size
        return sizes

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
        texts = self._cat().objects(list(links.values()))
        targets = {
            path: found if isinstance(found, SourceError) else found.data
            for path, found in zip(links, texts, strict=True)
        }
        for path, target in targets.items():
            current, hops = path, 0
            while True:
                reason = None
                if isinstance(target, SourceError):
                    reason = "broken symlink"
                    break
                text = target.decode("utf-8", "surrogateescape")
                if text.startswith("/"):
                    reason = "symlink leads outside the repository"
                    break
                resolved = posixpath.normpath(posixpath.join(posixpath.dirname(current), text))
                if resolved == ".." or resolved.startswith("../"):
                    reason = "symlink leads outside the repository"
                elif ".git" in resolved.split("/"):
                    reason = "symlink leads into .git"
                elif resolved in blobs:
                    yield FileEntry(path, blobs[resolved].size, blobs[resolved].blob)
                elif resolved in links and hops < _MAX_SYMLINK_HOPS:
                    current, hops = resolved, hops + 1
                    target = targets[resolved]
                    continue
                elif resolved in directories or resolved == ".":
                    reason = "symlink to a directory (not followed)"
                else:
                    reason = "broken symlink"
                break
            if reason:
                self.skipped.append(SkippedFile(path, reason))

    def read(self, entry: FileEntry, limit: int | None = None) -> bytes:
        if not entry.blob:
            raise SourceError(f"{entry.path}: no blob id")
        data = self._cat().object(entry.blob).data
        return data if limit is None else data[:limit]

    def read_many(
        self, entries: Iterable[FileEntry]
    ) -> Iterator[tuple[FileEntry, bytes | SourceError]]:
        """Contents of many blobs through the one cat-file process. A thread reads ahead
        (up to READ_AHEAD_BYTES), so git inflates the next blobs while the caller works
        on this one. A missing blob gives a SourceError in its place; a failure of the
        process raises it."""
        entries = list(entries)
        found = self._cat().objects([entry.blob or "" for entry in entries])
        if len(entries) > 1:
            found = read_ahead(found, size=_object_size)
        for entry, item in zip(entries, found, strict=True):
            yield entry, item if isinstance(item, SourceError) else item.data


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


def _object_size(item: _Object | SourceError) -> int:
    return len(item.data) if isinstance(item, _Object) else 0


def ripgrep_binary() -> str | None:
    """The `rg` of this virtualenv (the PyPI ripgrep wheel), else one on PATH."""
    beside = Path(sys.executable).with_name("rg")
    if beside.is_file() and os.access(beside, os.X_OK):
        return str(beside)
    return shutil.which("rg")
