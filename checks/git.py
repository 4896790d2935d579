"""Running git on a repository: its binary, a safe environment, rev-parse and friends."""

from __future__ import annotations

import functools
import os
import shutil
import subprocess
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
