"""Repositories for the tests of the trees: files written, commits with a fixed date."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path


def write(root: Path, files: dict[str, str | bytes]) -> None:
    for name, content in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, str):
            content = content.encode()
        path.write_bytes(content)


def git(repo: Path, *args: str, date: str = "2026-02-01T10:00:00+01:00") -> str:
    env = {
        **os.environ,
        "GIT_AUTHOR_NAME": "t",
        "GIT_AUTHOR_EMAIL": "t@example.com",
        "GIT_COMMITTER_NAME": "t",
        "GIT_COMMITTER_EMAIL": "t@example.com",
        "GIT_AUTHOR_DATE": date,
        "GIT_COMMITTER_DATE": date,
    }
    result = subprocess.run(
        ["git", "-C", str(repo), *args], capture_output=True, text=True, env=env, check=True
    )
    return result.stdout.strip()


def commit(repo: Path, files: dict[str, str | bytes], date: str) -> str:
    write(repo, files)
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "change", date=date)
    return git(repo, "rev-parse", "HEAD")


def listing(tree) -> dict[str, int]:
    return {entry.path: entry.size for entry in tree.files()}


def drop_object(repo: Path, rev_path: str) -> str:
    """Delete the loose object of the blob at `rev_path` ("HEAD:a.txt") from `repo`, as in
    a clone that lacks it; its id."""
    blob = git(repo, "rev-parse", rev_path)
    (repo / ".git" / "objects" / blob[:2] / blob[2:]).unlink()
    return blob


def partial_clone(source: Path, into: Path) -> Path:
    """A `--filter=blob:none` clone of `source` (through a bare copy that allows filters,
    by a file:// URL): it has the commits and trees, and fetches blobs when they are read."""
    bare = into.with_name(into.name + ".origin.git")
    git(source.parent, "clone", "-q", "--bare", str(source), str(bare))
    git(bare, "config", "uploadpack.allowFilter", "true")
    git(into.parent, "clone", "-q", "--filter=blob:none", "--no-checkout", bare.as_uri(), str(into))
    return into


def missing_objects(repo: Path, rev: str = "HEAD") -> list[str]:
    """The objects of `rev` that `repo` lacks (without fetching them)."""
    listed = git(repo, "rev-list", "--objects", "--missing=print", "--no-object-names", rev)
    return [line[1:] for line in listed.split() if line.startswith("?")]
