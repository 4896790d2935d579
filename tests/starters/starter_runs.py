"""Runs a starter checklist of checklists/ on a fixture repository written from a dict."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from pathlib import Path

from checks.checklist import load_checklist
from checks.runner import run_checklist
from checks.spec import Outcome, RunContext
from tests.checks.repos import write

STARTERS = Path(__file__).resolve().parents[2] / "checklists"
NOW = dt.datetime(2026, 3, 1, 12, 0, tzinfo=dt.UTC)


def statuses(
    starter: str,
    files: dict[str, str],
    root: Path,
    *,
    only: Iterable[str] | None = None,
    outcomes: bool = False,
):
    """The status of each check of `starter` on a repository of `files` (a plain folder at
    `root`), limited to the keys of `only`; with `outcomes`, the outcomes themselves."""
    write(root, files)
    text = (STARTERS / starter).read_text().replace("${base_url}", "http://127.0.0.1:9")
    checklist = load_checklist(text, filename=starter)
    found: dict[str, Outcome] = run_checklist(checklist, RunContext(repo=root, now=NOW))
    if outcomes:
        return found
    keys = list(found) if only is None else list(only)
    return {key: str(found[key].status) for key in keys}
