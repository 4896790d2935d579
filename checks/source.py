"""Where the files of an assessment come from: a working directory, or a git revision read
straight from the repository's objects (`git ls-tree` and one long-lived `git cat-file
--batch`), without a checkout.

Both sources list regular files with their size and, for git, their blob id. Entries that
are not searched are collected in `skipped` while listing, with the reason: symlinks that
lead outside the repository (never followed), symlinks to directories, broken symlinks,
special files, unreadable directories, submodules. A symlink to a file inside the
repository is listed at the link's path with the target's content, in both sources.
"""

from __future__ import annotations

import datetime as dt
import os
import posixpath
import shutil
import signal
import stat
import subprocess
import sys
import threading
import time
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

GIT_TIMEOUT_S = 120.0
# A listing bigger than this is not a repository this tool can assess in one pass.
MAX_FILES = 500_000
MAX_LISTING_BYTES = 256 << 20
_MAX_SYMLINK_HOPS = 40


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


class WorkingTree:
    """The files of a directory on disk. `.git` entries are left out at any depth."""

    def __init__(self, root: Path, *, max_files: int = MAX_FILES) -> None:
        self.root = Path(root)
        if not self.root.is_dir():
            raise SourceError(f"{self.root} is not a directory")
        self._real_root = os.path.realpath(self.root)
        self._max_files = max_files
        # Symlinked files inside the root: link path -> resolved target.
        self._targets: dict[str, str] = {}
        self.skipped: list[SkippedFile] = []

    def __repr__(self) -> str:
        return f"WorkingTree({str(self.root)!r})"

    def _inside(self, real: str) -> bool:
        return real == self._real_root or real.startswith(self._real_root + os.sep)

    def files(self) -> Iterator[FileEntry]:
        self.skipped = []
        self._targets = {}
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
            for item in items:
                if item.name == ".git":
                    continue
                rel = prefix + item.name
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
                        raise SourceError(
                            f"{self.root} holds more than {self._max_files} files"
                        )
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
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass


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
        timed_out = False
        try:
            self._proc.wait(timeout=max(0.0, self._deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            timed_out = True
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


def _git(repo: Path, *args: str, max_output: int = 16 << 20) -> Completed:
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
    result = _git(repo, "rev-parse", "--verify", "--quiet", "--end-of-options", f"{rev}^{{commit}}")
    if result.returncode != 0:
        inside = _git(repo, "rev-parse", "--git-dir")
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
        inside = _git(repo, "rev-parse", "--is-inside-work-tree")
        if inside.returncode != 0 or inside.stdout.strip() != b"true":
            return None
        head = _git(repo, "rev-parse", "--verify", "--quiet", "HEAD^{commit}")
    except SourceError:
        return None
    return head.stdout.decode("ascii").strip() if head.returncode == 0 else None


class _CatFile:
    """One `git cat-file --batch` process. Requests are written by a thread while the
    answers are read, so a long request list cannot deadlock on full pipes. A watchdog
    kills the process group when a request makes no progress for `timeout` seconds."""

    def __init__(self, repo: Path, timeout: float) -> None:
        self._timeout = timeout
        try:
            self._proc = subprocess.Popen(
                _git_argv(repo, "cat-file", "--batch"),
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

    def read_many(self, ids: Sequence[str]) -> Iterator[bytes]:
        """The contents of the objects `ids`, in order."""
        with self._lock:
            self._busy = True
            self._progress = time.monotonic()
            writer = threading.Thread(target=self._write, args=(ids,), daemon=True)
            writer.start()
            done = 0
            try:
                for object_id in ids:
                    yield self._read_one(object_id)
                    done += 1
                    self._progress = time.monotonic()
            finally:
                self._busy = False
                if done < len(ids):
                    # Unread answers would be taken for the next request's: start afresh.
                    self.broken = True
                    _kill_group(self._proc)
                writer.join()

    def _write(self, ids: Sequence[str]) -> None:
        stdin = self._proc.stdin
        assert stdin is not None
        try:
            stdin.write(b"".join(f"{object_id}\n".encode("ascii") for object_id in ids))
            stdin.flush()
        except (BrokenPipeError, ValueError, OSError):
            pass  # the reader reports the dead process

    def _read_one(self, object_id: str) -> bytes:
        stdout = self._proc.stdout
        assert stdout is not None
        header = stdout.readline()
        if not header:
            raise SourceError("git cat-file stopped (killed after a timeout, or crashed)")
        parts = header.split()
        if len(parts) == 2 and parts[1] == b"missing":
            raise SourceError(f"git object {object_id} is missing")
        if len(parts) != 3:
            raise SourceError(f"unexpected answer from git cat-file: {header[:80]!r}")
        size = int(parts[2])
        data = stdout.read(size)
        if len(data) != size or stdout.read(1) != b"\n":
            raise SourceError("git cat-file answer was cut short")
        return data

    def close(self) -> None:
        self._closed.set()
        if self._proc.poll() is None:
            try:
                assert self._proc.stdin is not None
                self._proc.stdin.close()
                self._proc.wait(timeout=5)
            except (subprocess.TimeoutExpired, OSError):
                _kill_group(self._proc)
                self._proc.wait()
        for stream in (self._proc.stdin, self._proc.stdout):
            if stream is not None and not stream.closed:
                stream.close()


class GitRevision:
    """The files of one commit, read from the repository's objects; nothing is checked
    out. Use as a context manager (or call close()) to stop the cat-file process."""

    def __init__(self, repo: Path, rev: str, *, timeout: float = GIT_TIMEOUT_S) -> None:
        self.repo = Path(repo)
        self.revision = git_resolve(self.repo, rev)
        self._timeout = timeout
        self._batch: _CatFile | None = None
        self.skipped: list[SkippedFile] = []
        self.committed_at = self._commit_time()

    def __repr__(self) -> str:
        return f"GitRevision({str(self.repo)!r}, {self.revision[:12]!r})"

    def __enter__(self) -> GitRevision:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        if self._batch is not None:
            self._batch.close()
            self._batch = None

    def _cat(self) -> _CatFile:
        if self._batch is not None and self._batch.broken:
            self.close()
        if self._batch is None:
            self._batch = _CatFile(self.repo, self._timeout)
        return self._batch

    def _commit_time(self) -> dt.datetime:
        (text,) = self._cat().read_many([self.revision])
        for line in text.split(b"\n"):
            if not line:
                break
            if line.startswith(b"committer "):
                # "committer Name <mail> 1700000000 +0100": the epoch is UTC already.
                seconds = int(line.rsplit(b" ", 2)[1])
                return dt.datetime.fromtimestamp(seconds, tz=dt.UTC)
        raise SourceError(f"commit {self.revision} has no committer line")

    def files(self) -> Iterator[FileEntry]:
        self.skipped = []
        result = _git(
            self.repo,
            "ls-tree",
            "-r",
            "-l",
            "-z",
            "--full-tree",
            self.revision,
            max_output=MAX_LISTING_BYTES,
        )
        if result.returncode != 0:
            raise SourceError(f"git ls-tree failed: {_git_message(result)}")
        blobs: dict[str, FileEntry] = {}
        links: dict[str, str] = {}
        directories: set[str] = set()
        for record in result.stdout.split(b"\x00"):
            if not record:
                continue
            meta, _, raw_path = record.partition(b"\t")
            mode, kind, object_id, size = meta.split()
            path = os.fsdecode(raw_path)
            if ".git" in path.split("/"):
                continue
            parent = posixpath.dirname(path)
            while parent and parent not in directories:
                directories.add(parent)
                parent = posixpath.dirname(parent)
            if kind == b"commit":
                self.skipped.append(SkippedFile(path, "submodule (not scanned)"))
            elif mode == b"120000":
                links[path] = object_id.decode("ascii")
            elif kind == b"blob":
                blobs[path] = FileEntry(path, int(size), object_id.decode("ascii"))
        if len(blobs) > MAX_FILES:
            raise SourceError(f"revision {self.revision} holds more than {MAX_FILES} files")
        yield from blobs.values()
        yield from self._resolve_links(links, blobs, directories)

    def _resolve_links(
        self, links: dict[str, str], blobs: dict[str, FileEntry], directories: set[str]
    ) -> Iterator[FileEntry]:
        if not links:
            return
        targets = dict(zip(links, self._cat().read_many(list(links.values())), strict=True))
        for path, target in targets.items():
            current, hops = path, 0
            while True:
                reason = None
                text = os.fsdecode(target)
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
        (data,) = self._cat().read_many([entry.blob])
        return data if limit is None else data[:limit]

    def read_many(
        self, entries: Iterable[FileEntry]
    ) -> Iterator[tuple[FileEntry, bytes | SourceError]]:
        """Contents of many blobs through the one cat-file process, pipelined. A failure
        of the process ends the iteration with SourceError."""
        entries = list(entries)
        ids = [entry.blob or "" for entry in entries]
        for entry, data in zip(entries, self._cat().read_many(ids), strict=False):
            yield entry, data


def ripgrep_binary() -> str | None:
    """The `rg` of this virtualenv (the PyPI ripgrep wheel), else one on PATH."""
    beside = Path(sys.executable).with_name("rg")
    if beside.is_file() and os.access(beside, os.X_OK):
        return str(beside)
    return shutil.which("rg")
