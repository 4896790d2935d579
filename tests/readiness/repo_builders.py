"""Small repositories and checklists built in a test's tmp_path: plain folders, and git
repositories with commits dated exactly where a test needs them."""

from __future__ import annotations

import contextlib
import datetime as dt
import io
import os
import socket
import subprocess
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

import yaml
from django.core.management import call_command
from django.core.management.base import CommandError

from readiness.celery import app as celery_app


def write_files(root: Path, files: Mapping[str, str | bytes | None]) -> Path:
    """Write `files` (repo-relative path -> text, bytes, or None to delete) under `root`."""
    root.mkdir(parents=True, exist_ok=True)
    for relative, content in files.items():
        path = root / relative
        if content is None:
            path.unlink(missing_ok=True)
            continue
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8")
    return root


def write_checklist(path: Path, data: Mapping[str, Any]) -> Path:
    """Write a checklist document as YAML; `data` is the document as Python values."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(yaml.safe_dump(dict(data), sort_keys=False), encoding="utf-8")
    return path


def checklist(*categories: Mapping[str, Any], ready_at: float | None = None) -> dict[str, Any]:
    document: dict[str, Any] = {"version": 1, "name": "Test readiness"}
    if ready_at is not None:
        document["ready_at"] = ready_at
    document["categories"] = [dict(c) for c in categories]
    return document


def category(key: str, *checks: Mapping[str, Any], weight: float = 1) -> dict[str, Any]:
    return {"key": key, "weight": weight, "checks": [dict(c) for c in checks]}


class GitRepo:
    """A git repository whose commits carry the author and committer dates a test gives."""

    def __init__(self, root: Path) -> None:
        self.root = root
        root.mkdir(parents=True, exist_ok=True)
        self.git("init", "--quiet", "--initial-branch=main")

    def git(self, *args: str, when: dt.datetime | None = None) -> str:
        env = {
            **os.environ,
            "GIT_AUTHOR_NAME": "Test",
            "GIT_AUTHOR_EMAIL": "test@example.com",
            "GIT_COMMITTER_NAME": "Test",
            "GIT_COMMITTER_EMAIL": "test@example.com",
            "GIT_CONFIG_GLOBAL": os.devnull,
            "GIT_CONFIG_NOSYSTEM": "1",
        }
        if when is not None:
            stamp = when.isoformat()
            env["GIT_AUTHOR_DATE"] = stamp
            env["GIT_COMMITTER_DATE"] = stamp
        completed = subprocess.run(
            ["git", "-C", str(self.root), *args],
            env=env,
            check=True,
            capture_output=True,
            text=True,
        )
        return completed.stdout.strip()

    def commit(
        self, files: Mapping[str, str | bytes | None], *, when: dt.datetime, message: str = "change"
    ) -> str:
        """Write `files`, commit everything at `when` (timezone-aware) and return the sha."""
        write_files(self.root, files)
        self.git("add", "--all")
        self.git("commit", "--quiet", "--allow-empty", "-m", message, when=when)
        return self.git("rev-parse", "HEAD")

    def branch(self, name: str, start: str = "HEAD") -> None:
        self.git("branch", name, start)

    def switch(self, name: str) -> None:
        self.git("switch", "--quiet", name)

    def merge(self, name: str, *, when: dt.datetime) -> str:
        self.git("merge", "--quiet", "--no-ff", "-m", f"merge {name}", name, when=when)
        return self.git("rev-parse", "HEAD")


CREDIT = {"pass": 1.0, "warn": 0.5, "fail": 0.0}


def formula(
    categories: Sequence[tuple[float, Sequence[tuple[float, str]]]],
) -> tuple[float | None, float | None, list[tuple[float | None, float | None]]]:
    """The README's formula, written out for tests so that expected numbers never come from
    the code under test. `categories` is [(category weight, [(check weight, status)])];
    returns (score, coverage, [(category score, category coverage)])."""
    per_category = []
    weighted = []
    for weight, checks in categories:
        scored = [(w, CREDIT[s]) for w, s in checks if s in CREDIT]
        applicable = [(w, s) for w, s in checks if s != "skip"]
        score = 10 * sum(w * c for w, c in scored) / sum(w for w, _ in scored) if scored else None
        coverage = (
            sum(w for w, s in applicable if s != "error") / sum(w for w, _ in applicable)
            if applicable
            else None
        )
        per_category.append((score, coverage))
        weighted.append((weight, score, coverage))
    with_score = [(w, s) for w, s, _ in weighted if s is not None]
    with_cov = [(w, c) for w, _, c in weighted if c is not None]
    score = (
        sum(w * s for w, s in with_score) / sum(w for w, _ in with_score) if with_score else None
    )
    coverage = sum(w * c for w, c in with_cov) / sum(w for w, _ in with_cov) if with_cov else None
    return score, coverage, per_category


def run_command(name: str, *args: str) -> tuple[int, str, str]:
    """Run a management command as the command line would: (exit code, stdout, stderr)."""
    stdout, stderr = io.StringIO(), io.StringIO()
    try:
        call_command(name, *args, stdout=stdout, stderr=stderr)
    except CommandError as exc:
        stderr.write(str(exc))
        return exc.returncode, stdout.getvalue(), stderr.getvalue()
    return 0, stdout.getvalue(), stderr.getvalue()


def free_port() -> int:
    """A local TCP port nothing listens on (it was free a moment ago)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextlib.contextmanager
def celery_conf(**values: Any) -> Iterator[None]:
    """Celery settings changed for the block, e.g. task_always_eager=True (tasks run in this
    process as they are sent) or broker_url pointing at a port nobody listens on."""
    previous = {name: getattr(celery_app.conf, name) for name in values}
    for name, value in values.items():
        setattr(celery_app.conf, name, value)
    try:
        yield
    finally:
        for name, value in previous.items():
            setattr(celery_app.conf, name, value)
