"""The ripgrep engine: fallbacks when rg fails, and what it is told to leave out."""

import subprocess
from pathlib import Path

import pytest

from checks import ripgrep
from checks.process import CappedProcess
from checks.ripgrep import ripgrep_binary
from checks.scan import run_file_checks
from checks.spec import Status
from checks.worktree import Ignored, WorkingTree
from tests.checks.trees import (
    CHECKS,
    FILES,
    check,
    ignoring_repo,
    statuses,
    write,
)


@pytest.fixture
def ignoring(tmp_path: Path) -> Path:
    return ignoring_repo(tmp_path)


def test_it_falls_back_to_its_own_engine_when_ripgrep_fails(tmp_path, monkeypatch):
    fake = tmp_path / "rg"
    fake.write_text("#!/bin/sh\necho 'rg: something broke' >&2\nexit 2\n")
    fake.chmod(0o755)
    write(tmp_path / "repo", FILES)
    expected = statuses(run_file_checks(CHECKS, WorkingTree(tmp_path / "repo")))

    monkeypatch.setattr(ripgrep, "ripgrep_binary", lambda: str(fake))
    assert statuses(run_file_checks(CHECKS, WorkingTree(tmp_path / "repo"))) == expected
    monkeypatch.setattr(ripgrep, "ripgrep_binary", lambda: None)
    assert statuses(run_file_checks(CHECKS, WorkingTree(tmp_path / "repo"))) == expected


def test_it_falls_back_when_ripgrep_prints_more_than_the_cap(tmp_path, monkeypatch):
    write(tmp_path, {"a.py": "# TODO\n" * 50})
    monkeypatch.setattr(ripgrep, "MAX_RG_OUTPUT", 100)

    outcome = run_file_checks(CHECKS[:1], WorkingTree(tmp_path))["todo"]

    assert outcome.details["matches"] == 50


def record_ripgrep(monkeypatch) -> list[tuple[list[str], bytes]]:
    """Each rg run of the scans that follow: its argv and what it printed."""
    runs = []

    class Recorded(CappedProcess):
        def __init__(self, argv, **options) -> None:
            super().__init__(argv, **options)
            self.argv = list(argv)

        def wait(self):
            result = super().wait()
            runs.append((self.argv, result.stdout))
            return result

    monkeypatch.setattr(ripgrep, "CappedProcess", Recorded)
    return runs


def test_it_keeps_ripgrep_out_of_what_git_ignores_and_filters_what_it_reports(
    ignoring, monkeypatch
):
    runs = record_ripgrep(monkeypatch)
    spec = check("no-print", "grep", paths=["**"], pattern=r"print\(", expect="absent")

    kept_out = run_file_checks([spec], WorkingTree(ignoring))["no-print"]
    ((argv, printed),) = runs
    monkeypatch.setattr(ripgrep, "MAX_RG_EXCLUSIONS", 0)
    filtered = run_file_checks([spec], WorkingTree(ignoring))["no-print"]

    assert {"--glob=!/.venv/", "--glob=!/build/", "--glob=!/debug.log"} <= set(argv)
    assert b".venv" not in printed
    assert b"./.venv/lib/site-packages/pkg/mod.py\x00" in runs[-1][1]  # read by rg ...
    assert kept_out.status == filtered.status == Status.PASS  # ... and not counted


def test_it_spells_exclusions_that_ripgrep_reads_as_literal_paths_from_the_root(tmp_path):
    write(
        tmp_path,
        {
            "we[ir]d {x}/a.txt": "x",
            "weid x/a.txt": "x",  # what the unescaped glob would match
            ".venv/a.txt": "x",
            "sub/.venv/a.txt": "x",  # not at the root
            "odd*?!.txt": "x",
            "oddly!.txt": "x",
            "back\\slash.txt": "x",
            "trail /a.txt": "x",
        },
    )
    ignored = Ignored(
        frozenset({"we[ir]d {x}", ".venv", "trail "}),
        frozenset({"odd*?!.txt", "back\\slash.txt"}),
    )
    argv = [ripgrep_binary(), "--no-config", "--no-ignore", "--hidden", "--files"]
    argv += [*ripgrep.rg_exclusions(ignored), "--", "."]

    listed = subprocess.run(argv, cwd=tmp_path, capture_output=True, text=True, check=True)

    assert sorted(listed.stdout.splitlines()) == [
        "./oddly!.txt",
        "./sub/.venv/a.txt",
        "./weid x/a.txt",
    ]


def test_it_leaves_names_a_glob_cannot_spell_and_those_beyond_the_limit_to_the_filter(
    monkeypatch,
):
    ignored = Ignored(frozenset({"b", "a"}), frozenset({"new\nline", "c"}))

    assert ripgrep.rg_exclusions(ignored) == ["--glob=!/a/", "--glob=!/b/", "--glob=!/c"]
    assert ripgrep.rg_exclusions(None) == []
    monkeypatch.setattr(ripgrep, "MAX_RG_EXCLUSIONS", 2)
    assert ripgrep.rg_exclusions(ignored) == ["--glob=!/a/", "--glob=!/b/"]
