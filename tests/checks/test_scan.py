"""The shared scan: every file check in one pass over a tree, whatever the tree."""

import os
from collections import Counter
from dataclasses import replace
from pathlib import Path

import pytest

from checks import registry
from checks.gitrevision import GitRevision
from checks.grep import GREP
from checks.scan import run_file_checks
from checks.spec import Status
from checks.tree import FileEntry, TreeError
from checks.worktree import WorkingTree
from tests.checks.hangs import run_unblocking_fifo
from tests.checks.trees import (
    CHECKS,
    FILES,
    CountingTree,
    check,
    commit,
    git,
    ignoring_repo,
    statuses,
    write,
)


@pytest.fixture
def ignoring(tmp_path: Path) -> Path:
    return ignoring_repo(tmp_path)


class CountingWorkingTree(WorkingTree):
    def __init__(self, root: Path) -> None:
        super().__init__(root)
        self.reads: Counter[str] = Counter()

    def read(self, entry: FileEntry, limit: int | None = None) -> bytes:
        self.reads[entry.path] += 1
        return super().read(entry, limit)


def test_it_reads_every_file_once_for_all_checks_together(tmp_path):
    write(tmp_path, FILES)
    tree = CountingTree(WorkingTree(tmp_path))

    outcomes = run_file_checks(CHECKS, tree)

    assert set(tree.reads) == set(FILES) - {"README.md"}  # no pattern looks at README.md
    assert set(tree.reads.values()) == {1}
    assert statuses(outcomes) == {
        "todo": "fail",
        "secrets": "pass",
        "login": "pass",
        "swallow": "pass",
        "region": "pass",
        "readme": "pass",
    }


@pytest.mark.parametrize("engine", ["ripgrep", "python"])
def test_it_skips_fifos_instead_of_blocking_on_them(tmp_path, engine):
    write(tmp_path, FILES)
    fifos = [tmp_path / name for name in ("app/pipe.py", "web/pipe.js", "lib/x.py", "s.json")]
    for fifo in fifos:
        os.mkfifo(fifo)
    tree = WorkingTree(tmp_path) if engine == "ripgrep" else CountingTree(WorkingTree(tmp_path))
    checks = [*CHECKS, check("status", "file", paths=["s.json"])]

    outcomes = run_unblocking_fifo(lambda: run_file_checks(checks, tree), *fifos, within_s=10)

    assert statuses(outcomes) == {
        "todo": "fail",
        "secrets": "pass",
        "login": "pass",
        "swallow": "pass",
        "region": "pass",
        "readme": "pass",
        "status": "pass",  # the name is there (as a skipped special file), never opened
    }


def test_it_reads_no_file_twice_when_ripgrep_does_the_searching(tmp_path):
    write(tmp_path, FILES)
    tree = CountingWorkingTree(tmp_path)

    outcomes = run_file_checks(CHECKS, tree)

    assert max(tree.reads.values()) == 1
    assert statuses(outcomes) == statuses(run_file_checks(CHECKS, CountingTree(tree)))


def test_it_evaluates_an_old_revision_on_its_own_content(tmp_path):
    git(tmp_path, "init", "-q")
    old = commit(tmp_path, FILES)
    new = commit(tmp_path, {"lib/util.py": "x = 1\n", "app/settings.py": "REGION = 'us-east1'\n"})

    with GitRevision(tmp_path, old) as tree:
        before = run_file_checks(CHECKS, tree)
    with GitRevision(tmp_path, new) as tree:
        after = run_file_checks(CHECKS, tree)

    assert (before["todo"].status, after["todo"].status) == (Status.FAIL, Status.PASS)
    assert (before["region"].status, after["region"].status) == (Status.PASS, Status.FAIL)


def test_it_turns_a_failure_inside_one_check_into_an_error_for_that_check(tmp_path, monkeypatch):
    write(tmp_path, FILES)

    def broken(options, found):
        raise RuntimeError("boom")

    monkeypatch.setitem(registry._BY_NAME, "grep", replace(GREP, evaluate=broken))
    outcomes = run_file_checks(CHECKS, WorkingTree(tmp_path))

    assert outcomes["todo"].status == Status.ERROR
    assert outcomes["todo"].summary == "grep check failed: RuntimeError: boom"
    assert outcomes["readme"].status == Status.PASS
    assert outcomes["region"].status == Status.PASS


class Unlistable:
    skipped = []

    def files(self):
        raise TreeError("git ls-tree failed: bad object")
        yield

    def read(self, entry, limit=None):
        raise AssertionError("never read")


def test_it_makes_every_check_an_error_when_the_tree_cannot_be_listed():
    outcomes = run_file_checks(CHECKS, Unlistable())

    assert {outcome.status for outcome in outcomes.values()} == {Status.ERROR}
    assert outcomes["readme"].summary == "could not read the files: git ls-tree failed: bad object"


def test_it_answers_a_check_that_is_not_file_based_with_an_error(tmp_path):
    spec = check("ping", "http", url="http://localhost")

    outcome = run_file_checks([spec], WorkingTree(tmp_path))["ping"]

    assert outcome.status == Status.ERROR
    assert "not a file-based check" in outcome.summary


GIT_CHECKS = [
    check("no-print", "grep", paths=["**/*.py"], pattern=r"\bprint\(", expect="absent"),
    check(
        "no-swallow",
        "grep",
        paths=["**"],
        pattern=r"except:\s*pass",
        multiline=True,
        expect="absent",
    ),
    check("todo", "grep", paths=["**/*.log"], pattern="TODO"),
    check("tests", "file", paths=["**/tests/test_*.py"]),
    check("no-site-packages", "file", paths=["**/site-packages"], expect="absent"),
    check(
        "region",
        "consistency",
        sources=[
            {"paths": ["**/settings.py"], "pattern": r"REGION = '(\w+)'"},
            {"paths": ["**/*.js"], "pattern": r"region: '(\w+)'"},
        ],
    ),
]


def comparable(outcomes) -> dict:
    return {key: replace(outcome, duration_ms=0) for key, outcome in outcomes.items()}


@pytest.mark.parametrize("engine", [WorkingTree, lambda root: CountingTree(WorkingTree(root))])
def test_it_never_looks_at_what_git_ignores_but_does_at_tracked_files_it_would(ignoring, engine):
    outcomes = run_file_checks(GIT_CHECKS, engine(ignoring))

    assert statuses(outcomes) == {key: "pass" for key in outcomes}
    assert [(item.path, item.line) for item in outcomes["todo"].evidence] == [("keep.log", 1)]
    assert outcomes["tests"].details["found"] == ["app/tests/test_views.py"]


def test_it_finds_the_same_in_a_clean_working_tree_as_in_its_head_commit(ignoring):
    live = comparable(run_file_checks(GIT_CHECKS, WorkingTree(ignoring)))
    with GitRevision(ignoring, "HEAD") as tree:
        backfilled = comparable(run_file_checks(GIT_CHECKS, tree))
    everything = WorkingTree(ignoring, respect_gitignore=False)

    assert live == backfilled
    # The ignored files would change every outcome: the comparison above means something.
    assert all(
        outcome != live[key]
        for key, outcome in comparable(run_file_checks(GIT_CHECKS, everything)).items()
    )
