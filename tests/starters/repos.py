"""Fixture repositories for the starter checklists: written, run through a starter, compared.

Each starter has a test module beside this one (`test_django_service.py`, ...) that lists
`Fixture`s: small repositories written for the tests, each reproducing the layout and the
idioms of one kind of real project (never its code), with the status every check of the
starter must have on it. `assert_statuses` builds one, runs the starter the way `assess
--checklist --repo` does (commands not allowed, so `command` checks are `skip`; no base URL
unless given, so runtime checks on `${base_url}` are `skip`; manual checks unattested, so
`error`), and fails with every check whose status differs, its summary and its evidence.
"""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import textwrap
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from checks.checklist import load_checklist_file
from checks.runner import run_checklist
from checks.spec import Checklist, Outcome, RunContext

CHECKLISTS = Path(__file__).resolve().parents[2] / "checklists"


@dataclass(frozen=True)
class Fixture:
    """A repository written for a test. `files`: path -> text (dedented, so it can be
    written indented in the test module). `ignored`: files written but git-ignored (a
    `.gitignore` naming them is added) or, in a plain folder, left there as a developer's
    machine has them (`node_modules/`, `.venv/`). `expected`: check key -> status, for
    every check of the starter."""

    name: str
    modelled_on: str
    files: Mapping[str, str]
    expected: Mapping[str, str]
    ignored: Mapping[str, str] = field(default_factory=dict)
    git: bool = True


def write_files(root: Path, files: Mapping[str, str]) -> None:
    for name, content in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(content).lstrip("\n"), encoding="utf-8")


def git(repo: Path, *args: str) -> str:
    date = "2026-02-01T10:00:00+01:00"
    env = {
        **os.environ,
        "GIT_AUTHOR_NAME": "t",
        "GIT_AUTHOR_EMAIL": "t@example.com",
        "GIT_COMMITTER_NAME": "t",
        "GIT_COMMITTER_EMAIL": "t@example.com",
        "GIT_AUTHOR_DATE": date,
        "GIT_COMMITTER_DATE": date,
    }
    done = subprocess.run(
        ["git", "-C", str(repo), *args], capture_output=True, text=True, env=env, check=True
    )
    return done.stdout.strip()


def build(fixture: Fixture, root: Path) -> Path:
    """Write `fixture` into `root` (created), committed when `fixture.git`; its path."""
    root.mkdir(parents=True, exist_ok=True)
    write_files(root, fixture.files)
    write_files(root, fixture.ignored)
    if fixture.git:
        if fixture.ignored:
            names = "".join(f"/{name}\n" for name in sorted(fixture.ignored))
            existing = (root / ".gitignore").read_text() if (root / ".gitignore").exists() else ""
            (root / ".gitignore").write_text(existing + names)
        git(root, "init", "-q", "-b", "main")
        git(root, "add", "-A")
        git(root, "commit", "-q", "-m", "fixture")
    return root


def starter(name: str) -> Checklist:
    """The starter `checklists/<name>.yml`, loaded."""
    checklist, _ = load_checklist_file(CHECKLISTS / f"{name}.yml")
    return checklist


def run_starter(
    checklist: str | Checklist, repo: Path, *, base_url: str = ""
) -> dict[str, Outcome]:
    """Outcomes of a starter (by name, or loaded) on `repo`, keyed by check key."""
    if isinstance(checklist, str):
        checklist = starter(checklist)
    values = {"base_url": base_url} if base_url else {}
    ctx = RunContext(repo=repo, now=dt.datetime.now(dt.UTC), placeholders=values)
    return run_checklist(checklist, ctx)


def statuses(outcomes: Mapping[str, Outcome]) -> dict[str, str]:
    return {key: str(outcome.status) for key, outcome in outcomes.items()}


def differences(outcomes: Mapping[str, Outcome], expected: Mapping[str, str]) -> list[str]:
    """One line per check whose status is not the expected one (or that one side lacks)."""
    lines = []
    for key in sorted(set(outcomes) | set(expected)):
        outcome = outcomes.get(key)
        got = str(outcome.status) if outcome is not None else "(no such check)"
        want = expected.get(key, "(not in expected)")
        if got != want:
            where = (
                "; ".join(
                    f"{item.path}:{item.line} {item.text.strip()}" for item in outcome.evidence[:3]
                )
                if outcome is not None
                else ""
            )
            summary = outcome.summary if outcome is not None else ""
            lines.append(f"{key}: {got}, expected {want} — {summary} {where}".rstrip())
    return lines


def assert_statuses(
    checklist: str | Checklist, fixture: Fixture, root: Path, *, base_url: str = ""
) -> dict[str, Outcome]:
    """Build `fixture` in `root`, run the starter, and fail with every difference."""
    repo = build(fixture, root)
    outcomes = run_starter(checklist, repo, base_url=base_url)
    wrong = differences(outcomes, fixture.expected)
    assert not wrong, f"{fixture.name} ({fixture.modelled_on}):\n" + "\n".join(wrong)
    return outcomes
