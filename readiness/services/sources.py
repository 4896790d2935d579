"""Where a worker finds the files of a project: a local folder as it is, or a git source
fetched into a cache and checked out at one commit.

Git runs as a subprocess with an argv list, a timeout that kills its whole process group,
no terminal prompt, and only the transports a project may use."""

from __future__ import annotations

import fcntl
import hashlib
import os
import re
import shutil
import signal
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from django.conf import settings
from django.utils.translation import gettext as _

from readiness.models import Project, is_git_url

# ext:: and fd:: can run commands, so they are not in this list.
ALLOWED_SCHEMES = frozenset({"https", "http", "ssh", "git", "file"})
# git's <transport>::<address> syntax (ext::, fd::, ...): a remote helper, never allowed.
_REMOTE_HELPER = re.compile(r"^([A-Za-z][A-Za-z0-9+.-]*)::")
_SHA = re.compile(r"^[0-9a-f]{40}([0-9a-f]{24})?$")
# Network operations may take a while on a large repository; local ones should not.
FETCH_TIMEOUT_S = 600
LOCAL_TIMEOUT_S = 60
# A form waits for this answer: a reachable remote lists its refs in well under this.
LS_REMOTE_TIMEOUT_S = 20
# Detection fetches one commit's trees (no file contents) before the form can answer.
SNAPSHOT_TIMEOUT_S = 120
# Checkouts kept per project: the newest few, so that tasks of recent assessments still
# find theirs while the cache does not grow without bound.
KEEP_CHECKOUTS = 3
_MAX_MESSAGE = 2000


class SourceError(Exception):
    """The project's files cannot be had; the message says why."""


@dataclass(frozen=True)
class SourceState:
    path: Path
    revision: str  # "" for a plain folder
    # An exact checkout of `revision` (in the cache): it holds what git holds, committed
    # `vendor/` or `build/` folders included, so the scan keeps them (checks.worktree).
    checkout: bool = False


def source_prepare(*, project: Project, revision: str = "") -> SourceState:
    """Make the project's files available on this machine and say which commit they are.

    `revision` (a sha or any git revision) pins the commit to evaluate, so that every
    task of one assessment sees the same files; without it the project's ref, else the
    default branch. A plain folder is used as it is. A local git working tree without a
    ref is used as it is (uncommitted changes included, as the team sees them) while the
    revision asked for is its HEAD; any other commit, and every commit of a git URL (which
    is cloned or fetched into READINESS_GIT_CACHE_DIR/<slug>), is checked out into the
    cache, one folder per commit."""
    if project.is_git_url:
        _check_url(project.source)
        root = _cache_root(project)
        with _locked(root):
            mirror = _fetched(root, project.source, revision)
            sha = _resolve(mirror, revision or project.ref or "HEAD")
            return SourceState(path=_checked_out(root, mirror, sha), revision=sha, checkout=True)
    path = Path(project.source)
    if not path.is_dir():
        raise SourceError(f"source {project.source}: no such folder on this machine")
    if not _is_git(path):
        if project.ref or revision:
            raise SourceError(
                f"source {project.source}: a revision is asked for but the folder is not a "
                "git repository"
            )
        return SourceState(path=path, revision="")
    head = _head(path)
    wanted = revision or project.ref
    sha = _resolve(path, wanted) if wanted else head
    if sha == head and not project.ref:
        return SourceState(path=path, revision=head)
    root = _cache_root(project)
    with _locked(root):
        return SourceState(path=_checked_out(root, path, sha), revision=sha, checkout=True)


def source_within(*, state: SourceState, subfolder: str) -> SourceState:
    """`state` moved into the project's subfolder (a clean relative path, see
    models.subfolder_clean), so that checks see that folder as the repository's root.
    Raises SourceError when the folder is not there at this revision, or is a link that
    leads out of the repository."""
    if not subfolder:
        return state
    path = state.path / subfolder
    where = f"at revision {state.revision}" if state.revision else f"in {state.path}"
    if not path.is_dir():
        raise SourceError(f"no folder {subfolder} {where}")
    if not path.resolve().is_relative_to(state.path.resolve()):
        raise SourceError(f"folder {subfolder} {where} leads outside the repository")
    return SourceState(path=path, revision=state.revision, checkout=state.checkout)


def source_time_limit(project: Project) -> float:
    """The longest source_prepare may take for this project (its git timeouts), for the
    lease of a task that prepares it."""
    if project.is_git_url:
        return FETCH_TIMEOUT_S + 2 * LOCAL_TIMEOUT_S  # fetch, then resolve and check out
    return 3 * LOCAL_TIMEOUT_S


def source_git_dir(*, project: Project, revision: str = "") -> Path:
    """The repository to read the project's git objects from (past revisions, without a
    checkout): the local repository itself, or the cached clone of a git URL, fetched
    unless it already holds `revision`."""
    if not project.is_git_url:
        path = Path(project.source)
        if not path.is_dir() or not _is_git(path):
            raise SourceError(f"source {project.source}: not a git repository")
        return path
    _check_url(project.source)
    root = _cache_root(project)
    with _locked(root):
        return _fetched(root, project.source, revision)


def source_snapshot(*, source: str, ref: str = "") -> tuple[Path, str]:
    """One commit of the git URL `source` (`ref`, else its default branch) to read without
    a checkout, for detection before any project exists: the git directory of a cached
    shallow, blob-less clone (READINESS_GIT_CACHE_DIR/detect/<hash of the URL>/repo.git)
    and the commit's sha. File contents are fetched as they are read (checks.gitrevision).
    Raises SourceError naming what is wrong."""
    _check_url(source)
    digest = hashlib.sha256(source.encode("utf-8")).hexdigest()[:32]
    root = Path(settings.READINESS_GIT_CACHE_DIR) / "detect" / digest
    root.mkdir(parents=True, exist_ok=True)
    with _locked(root):
        mirror = root / "repo.git"
        if not (mirror / "HEAD").is_file():
            shutil.rmtree(mirror, ignore_errors=True)
            _git(["init", "--quiet", "--bare", str(mirror)])
            _git(["-C", str(mirror), "remote", "add", "origin", "--", source])
        if _SHA.match(ref) and _has_commit(mirror, ref):
            return mirror, ref
        _git(
            [
                "-C",
                str(mirror),
                "fetch",
                "--quiet",
                "--depth=1",
                "--filter=blob:none",
                "--no-tags",
                "origin",
                "--end-of-options",
                ref or "HEAD",
            ],
            timeout=SNAPSHOT_TIMEOUT_S,
        )
        return mirror, _resolve(mirror, "FETCH_HEAD")


def source_branch_commits(*, project: Project, branch: str, limit: int = 500) -> list[str]:
    """The newest `limit` commits of the branch `branch` of the project's repository,
    newest first (a git URL is fetched first). Raises SourceError when the source is not a
    git repository or has no such branch (a local clone's `origin/<branch>` counts)."""
    repo = source_git_dir(project=project)
    try:
        _git(["check-ref-format", "--branch", branch])
    except SourceError:
        raise SourceError(f"{branch!r} is not a branch name") from None
    for ref in (f"refs/heads/{branch}", f"refs/remotes/origin/{branch}"):
        try:
            listed = _git(
                ["-C", str(repo), "rev-list", f"--max-count={limit}", "--end-of-options", ref]
            )
        except SourceError:
            continue
        return listed.split()
    raise SourceError(f"no branch {branch} in the repository")


def source_check(*, source: str, ref: str = "") -> None:
    """Raise SourceError, with a message for the person who typed it, unless `source` can
    be read from here: a folder that exists and is readable, or a git URL on an allowed
    transport that answers `git ls-remote` within LS_REMOTE_TIMEOUT_S. A `ref` given must
    be a branch or tag of it (a commit sha of a remote cannot be checked without a fetch)."""
    helper = _REMOTE_HELPER.match(source)
    if helper:
        raise SourceError(
            _("%(url)s: the git transport %(scheme)s is not allowed (use %(allowed)s)")
            % {"url": source, "scheme": helper[1], "allowed": ", ".join(sorted(ALLOWED_SCHEMES))}
        )
    if is_git_url(source):
        _check_url(source)
        try:
            listing = _git(["ls-remote", "--", source], timeout=LS_REMOTE_TIMEOUT_S)
        except SourceError as error:
            raise SourceError(
                _("%(url)s does not answer as a git repository: %(error)s")
                % {"url": source, "error": error}
            ) from None
        refs = {line.partition("\t")[2] for line in listing.splitlines()}
        if (
            ref
            and not _SHA.match(ref)
            and not refs & {ref, f"refs/heads/{ref}", f"refs/tags/{ref}"}
        ):
            raise SourceError(
                _("%(ref)s is not a branch or tag of %(url)s") % {"ref": ref, "url": source}
            )
        return
    path = Path(source)
    if not path.is_absolute():
        raise SourceError(_("%(path)s: give the folder's absolute path") % {"path": source})
    if not path.is_dir():
        raise SourceError(_("%(path)s: no such folder on this machine") % {"path": source})
    if not os.access(path, os.R_OK | os.X_OK):
        raise SourceError(_("%(path)s: the folder cannot be read") % {"path": source})
    if ref:
        if not _is_git(path):
            raise SourceError(
                _("%(path)s is not a git repository, so it has no branch or tag %(ref)s")
                % {"path": source, "ref": ref}
            )
        try:
            _resolve(path, ref)
        except SourceError:
            raise SourceError(
                _("%(ref)s is not a branch, tag or commit of %(path)s")
                % {"ref": ref, "path": source}
            ) from None


def source_check_subfolder(*, source: str, ref: str = "", subfolder: str) -> None:
    """Raise SourceError unless the folder `subfolder` (clean, see models.subfolder_clean)
    is in the local `source`, at `ref` when one is given. A git URL is not fetched for
    this: a subfolder missing there shows on the checks of the first assessment."""
    if not subfolder or is_git_url(source):
        return
    path = Path(source)
    if ref and _is_git(path):
        try:
            kind = _git(["-C", str(path), "cat-file", "-t", f"{_resolve(path, ref)}:{subfolder}"])
        except SourceError:
            kind = ""
        if kind != "tree":
            raise SourceError(
                _("%(folder)s: no such folder at %(ref)s of %(path)s")
                % {"folder": subfolder, "ref": ref, "path": source}
            )
    elif not (path / subfolder).is_dir():
        raise SourceError(
            _("%(folder)s: no such folder in %(path)s") % {"folder": subfolder, "path": source}
        )


def _check_url(url: str) -> None:
    if url.startswith("-"):
        raise SourceError(f"source {url}: not a git URL")
    if "://" not in url and is_git_url(url):
        return
    scheme = urlsplit(url).scheme.lower()
    if scheme not in ALLOWED_SCHEMES:
        raise SourceError(
            _("%(url)s: the git transport %(scheme)s is not allowed (use %(allowed)s)")
            % {"url": url, "scheme": scheme or "?", "allowed": ", ".join(sorted(ALLOWED_SCHEMES))}
        )


def _cache_root(project: Project) -> Path:
    root = Path(settings.READINESS_GIT_CACHE_DIR) / project.slug
    root.mkdir(parents=True, exist_ok=True)
    return root


def _checked_out(root: Path, repo: Path, sha: str) -> Path:
    tree = root / "trees" / sha
    if not tree.is_dir():
        _checkout(repo, sha, tree)
    os.utime(tree)  # recently used: kept by _prune
    _prune(root / "trees")
    return tree


def _fetched(root: Path, url: str, revision: str) -> Path:
    """The bare clone under `root`, created or brought up to date. A clone that already
    holds `revision` is not fetched again: a commit never changes."""
    mirror = root / "repo.git"
    if not (mirror / "HEAD").is_file():
        shutil.rmtree(mirror, ignore_errors=True)
        _git(["clone", "--bare", "--quiet", "--", url, str(mirror)], timeout=FETCH_TIMEOUT_S)
        return mirror
    if _SHA.match(revision) and _has_commit(mirror, revision):
        return mirror
    _git(
        [
            "-C",
            str(mirror),
            "fetch",
            "--quiet",
            "--prune",
            "--tags",
            "--force",
            "--",
            url,
            "+refs/heads/*:refs/heads/*",
        ],
        timeout=FETCH_TIMEOUT_S,
    )
    return mirror


def _checkout(repo: Path, sha: str, tree: Path) -> None:
    """Write the files of `sha` to `tree`, all or nothing: into a temporary folder first,
    renamed into place when complete. A private index leaves the repository untouched."""
    tree.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{sha[:12]}-", dir=tree.parent))
    index = staging.with_suffix(".index")
    env = {"GIT_INDEX_FILE": str(index)}
    try:
        _git(["-C", str(repo), "read-tree", sha], env=env)
        _git(
            ["-C", str(repo), "--work-tree", str(staging), "checkout-index", "-a", "-f"],
            env=env,
        )
        staging.rename(tree)
    finally:
        index.unlink(missing_ok=True)
        shutil.rmtree(staging, ignore_errors=True)


def _prune(trees: Path) -> None:
    checkouts = sorted(
        (p for p in trees.iterdir() if p.is_dir() and _SHA.match(p.name)),
        key=lambda p: p.stat().st_mtime,
        reverse=True,
    )
    for old in checkouts[KEEP_CHECKOUTS:]:
        shutil.rmtree(old, ignore_errors=True)


def _is_git(path: Path) -> bool:
    try:
        return _git(["-C", str(path), "rev-parse", "--is-inside-work-tree"]) == "true"
    except SourceError:
        return False


def _head(path: Path) -> str:
    try:
        return _git(["-C", str(path), "rev-parse", "--verify", "--quiet", "HEAD^{commit}"])
    except SourceError:
        return ""  # a repository without any commit yet


def _resolve(repo: Path, revision: str) -> str:
    try:
        return _git(
            ["-C", str(repo), "rev-parse", "--verify", "--end-of-options", f"{revision}^{{commit}}"]
        )
    except SourceError:
        raise SourceError(f"revision {revision}: not found in the repository") from None


def _has_commit(repo: Path, sha: str) -> bool:
    try:
        _git(["-C", str(repo), "cat-file", "-e", f"{sha}^{{commit}}"])
    except SourceError:
        return False
    return True


@contextmanager
def _locked(root: Path) -> Iterator[None]:
    # One fetch or checkout per project at a time, across threads and worker processes.
    with open(root / ".lock", "w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _git(
    args: list[str], *, timeout: float = LOCAL_TIMEOUT_S, env: dict[str, str] | None = None
) -> str:
    full_env = {
        **os.environ,
        "GIT_TERMINAL_PROMPT": "0",
        "GIT_ALLOW_PROTOCOL": ":".join(sorted(ALLOWED_SCHEMES)),
        "GIT_SSH_COMMAND": os.environ.get("GIT_SSH_COMMAND", "ssh -o BatchMode=yes"),
        **(env or {}),
    }
    process = subprocess.Popen(
        ["git", *args],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=full_env,
        start_new_session=True,
    )
    try:
        stdout, stderr = process.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        # git starts helpers (remote-https, ssh): kill the whole group, not just git.
        os.killpg(process.pid, signal.SIGKILL)
        process.communicate()
        raise SourceError(f"git {_subcommand(args)} timed out after {timeout:.0f} s") from None
    if process.returncode != 0:
        message = stderr.decode("utf-8", "replace").strip()[-_MAX_MESSAGE:]
        raise SourceError(f"git {_subcommand(args)}: {message}")
    return stdout.decode("utf-8", "replace").strip()


def _subcommand(args: list[str]) -> str:
    options_with_value = {"-C", "--git-dir", "--work-tree"}
    skip = False
    for arg in args:
        if skip:
            skip = False
        elif arg in options_with_value:
            skip = True
        elif not arg.startswith("-"):
            return arg
    return "command"
