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
