"""Running git on a repository: its binary, a safe environment, rev-parse and friends, and
the objects a partial clone lacks."""

from __future__ import annotations

import functools
import os
import shutil
import subprocess
import time
from pathlib import Path

from checks.process import CappedProcess, Completed
from checks.tree import TreeError

GIT_TIMEOUT_S = 120.0


def git_binary() -> str:
    found = shutil.which("git")
    if not found:
        raise TreeError("git is not installed")
    return found


def git_env() -> dict[str, str]:
    env = {key: value for key, value in os.environ.items() if not key.startswith("GIT_")}
    # Never prompt, never take locks that a concurrent git would trip on.
    env.update(GIT_TERMINAL_PROMPT="0", GIT_OPTIONAL_LOCKS="0", LC_ALL="C")
    return env


def git_argv(repo: Path, *args: str) -> list[str]:
    # core.fsmonitor could run a program configured by the assessed repository.
    return [git_binary(), "-C", str(repo), "-c", "core.fsmonitor=false", *args]


@functools.cache
def git_version() -> tuple[int, ...]:
    """The installed git's version, e.g. (2, 39, 5); (0,) when it cannot be told."""
    try:
        output = subprocess.run(
            [git_binary(), "--version"], capture_output=True, timeout=30, env=git_env()
        ).stdout
    except (OSError, subprocess.TimeoutExpired):
        return (0,)
    words = output.decode("ascii", "replace").split()
    numbers = words[2].split(".") if len(words) > 2 else []
    return tuple(int(part) for part in numbers if part.isdigit()) or (0,)


def git_run(repo: Path, *args: str, max_output: int = 16 << 20) -> Completed:
    try:
        process = CappedProcess(
            git_argv(repo, *args),
            timeout=GIT_TIMEOUT_S,
            max_output=max_output,
            env=git_env(),
        )
    except OSError as exc:
        raise TreeError(f"cannot run git: {exc}") from None
    result = process.wait()
    if result.timed_out:
        raise TreeError(f"git {args[0]} took longer than {GIT_TIMEOUT_S:.0f} s in {repo}")
    if result.truncated:
        raise TreeError(f"git {args[0]} printed more than {max_output} bytes in {repo}")
    return result


def git_message(result: Completed) -> str:
    text = result.stderr.decode("utf-8", "replace").strip().splitlines()
    return text[-1] if text else f"exit code {result.returncode}"


def check_rev(rev: str) -> None:
    if not isinstance(rev, str) or not rev.strip():
        raise TreeError("revision is empty")
    if rev.startswith("-") or "\x00" in rev or len(rev) > 256 or "\n" in rev:
        raise TreeError(f"{rev!r} is not a valid revision")


def git_resolve(repo: Path, rev: str) -> str:
    """The full sha of the commit `rev` names in `repo`."""
    check_rev(rev)
    repo = Path(repo)
    if not repo.is_dir():
        raise TreeError(f"repository {repo} does not exist")
    result = git_run(
        repo, "rev-parse", "--verify", "--quiet", "--end-of-options", f"{rev}^{{commit}}"
    )
    if result.returncode != 0:
        inside = git_run(repo, "rev-parse", "--git-dir")
        if inside.returncode != 0:
            raise TreeError(f"{repo} is not a git repository ({git_message(inside)})")
        shallow = git_run(repo, "rev-parse", "--is-shallow-repository")
        if shallow.stdout.strip() == b"true":
            raise TreeError(
                f"{rev!r} is not a commit of the repository {repo}, a shallow clone: its "
                "history stops at the shallow boundary (git fetch --deepen=N or --unshallow "
                "brings older commits)"
            )
        raise TreeError(f"{rev!r} is not a commit of the repository {repo}")
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
    except TreeError:
        return None
    return head.stdout.decode("ascii").strip() if head.returncode == 0 else None


# Missing objects. A partial clone (`--filter=blob:none`) lacks blobs that its promisor
# remote can send; git's own lazy fetch brings them one at a time, and in git before 2.45
# a lazy fetch that fails ends the reading process. So for such a repository the objects
# it lacks are listed first (rev-list, which never fetches), fetched in batches, and what
# is still missing is never asked of git cat-file.

FETCH_TIMEOUT_S = 60.0
# After a failed fetch, a repository's remote is not tried again for this long (a backfill
# opens hundreds of revisions).
FETCH_RETRY_S = 300.0
_FETCH_BATCH = 1_000
_unreachable: dict[str, float] = {}


def _config_stamp(repo: Path) -> tuple[int, int, int] | None:
    """What changes when git writes the repository's config (through a new file, renamed
    into place): its inode, time and size."""
    for config in (repo / ".git" / "config", repo / "config"):
        try:
            found = config.stat()
        except OSError:
            continue
        return found.st_ino, found.st_mtime_ns, found.st_size
    return None


@functools.lru_cache(maxsize=64)
def _promisor_remote(repo: Path, stamp: tuple[int, int, int] | None) -> str | None:
    result = git_run(
        repo, "config", "-z", "--get-regexp", r"^(remote\..*\.promisor|extensions\.partialclone)$"
    )
    remotes = []
    for item in result.stdout.decode("utf-8", "surrogateescape").split("\x00"):
        key, _, value = item.partition("\n")
        if key.lower() == "extensions.partialclone" and value:
            remotes.insert(0, value)
        elif key.endswith(".promisor") and value.lower() in ("true", "yes", "on", "1"):
            remotes.append(key[len("remote.") : -len(".promisor")])
    return remotes[0] if remotes else None


def git_promisor_remote(repo: Path) -> str | None:
    """The remote a partial clone fetches its missing objects from, or None when `repo`
    is no partial clone (its missing objects are missing for good)."""
    repo = Path(repo)
    stamp = _config_stamp(repo)
    if stamp is None:  # a linked work tree or an odd layout: ask git every time
        return _promisor_remote.__wrapped__(repo, None)
    return _promisor_remote(repo, stamp)


def git_missing_objects(repo: Path, tree: str) -> set[str]:
    """The objects below the tree (or commit) `tree` that `repo` lacks, without fetching."""
    result = git_run(
        repo,
        "rev-list",
        "--objects",
        "--missing=print",
        "--no-object-names",
        "--end-of-options",
        tree,
        max_output=256 << 20,
    )
    if result.returncode != 0:
        raise TreeError(f"cannot list the objects of {tree} in {repo}: {git_message(result)}")
    return {line[1:] for line in result.stdout.decode("ascii").split() if line.startswith("?")}


def git_fetch_objects(repo: Path, remote: str, ids: set[str]) -> bool:
    """Fetch the objects `ids` from `remote` as git's lazy fetch would, in batches;
    whether every batch was fetched. A remote that failed is left alone for a while."""
    key = os.path.realpath(repo)
    failed = _unreachable.get(key)
    if failed is not None and time.monotonic() - failed < FETCH_RETRY_S:
        return False
    wanted = sorted(ids)
    for start in range(0, len(wanted), _FETCH_BATCH):
        try:
            process = CappedProcess(
                git_argv(
                    repo,
                    "-c",
                    "fetch.negotiationAlgorithm=noop",
                    "fetch",
                    "--quiet",
                    "--no-tags",
                    "--no-write-fetch-head",
                    "--recurse-submodules=no",
                    "--filter=blob:none",
                    "--end-of-options",
                    remote,
                    *wanted[start : start + _FETCH_BATCH],
                ),
                timeout=FETCH_TIMEOUT_S,
                max_output=1 << 20,
                env=git_env(),
            )
        except OSError:
            return False
        result = process.wait()
        if result.timed_out or result.returncode != 0:
            _unreachable[key] = time.monotonic()
            return False
    _unreachable.pop(key, None)
    return True
