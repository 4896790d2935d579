"""The shared scan: every file check in one pass over a tree, whatever the tree."""

import os
import re
from collections import Counter
from dataclasses import replace
from pathlib import Path

import pytest

from checks import registry
from checks.blobcache import BlobCache
from checks.gitrevision import GitRevision
from checks.grep import GREP
from checks.scan import run_file_checks
from checks.spec import Status
from checks.tree import FileEntry, TreeError
from checks.worktree import WorkingTree
from tests.checks.hangs import run_unblocking_fifo
from tests.checks.repos import drop_object, missing_objects, partial_clone
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


# Patterns that take too long: stopped on a file, the other checks measured


def ab_runs(size: int, line: int = 400) -> bytes:
    """`size` bytes of a and b at random, in lines of `line` characters (the text on which
    RE2's DFA gives up `[ab]*a[ab]{N}c`)."""
    letters = os.urandom(size).translate(bytes(b"ab"[i & 1] for i in range(256)))
    return b"\n".join(letters[i : i + line] for i in range(0, size, line))


@pytest.fixture(scope="module")
def runs_of_ab(tmp_path_factory) -> Path:
    """A generated repository of 8 MB of such text, 100 KB a file."""
    root = tmp_path_factory.mktemp("ab")
    write(root, {f"f{i:03}.txt": ab_runs(100_000) for i in range(80)})
    return root


def finished(run, within_s: float = 120):
    """`run()`'s result; the test fails rather than hangs if it does not return."""
    return run_unblocking_fifo(run, within_s=within_s)


@pytest.mark.parametrize("multiline", [False, True], ids=["lines", "multiline"])
def test_a_pattern_too_slow_on_the_repository_ends_as_error_naming_the_file(runs_of_ab, multiline):
    # Issue 11: over 4.3 MB this pattern took 5.7 s and 515 MB, with no limit.
    specs = [
        check("slow", "grep", paths=["*.txt"], pattern="[ab]*a[ab]{200}c", multiline=multiline),
        check("lines", "grep", paths=["*.txt"], pattern="^[ab]{400}$", each_file=True),
    ]

    outcomes = finished(lambda: run_file_checks(specs, WorkingTree(runs_of_ab), pattern_seconds=1))

    slow = outcomes["slow"]
    assert slow.status == Status.ERROR
    assert re.fullmatch(r"pattern too slow on f\d{3}\.txt \(stopped after 1 s\)", slow.summary)
    assert slow.details["too_slow"] in os.listdir(runs_of_ab)
    assert outcomes["lines"].status == Status.PASS


def test_the_issues_multiline_pattern_is_refused_before_it_reads_a_file(runs_of_ab):
    # Issue 11: 52.5 s on a 4.3 MB repository with multiline.
    spec = check(
        "words",
        "grep",
        paths=["*.txt"],
        pattern=r"(?i)([a-z]{1,50}\s*){1,20}zzz",
        multiline=True,
    )
    tree = CountingTree(WorkingTree(runs_of_ab))

    (outcome,) = run_file_checks([spec], tree).values()

    assert outcome.status == Status.ERROR
    assert outcome.summary.startswith(
        "invalid grep check: counted repetition {1,50} inside {1,20} makes a program of"
    )
    assert not tree.reads


def test_a_search_that_cannot_be_interrupted_is_left_behind_at_the_deadline(tmp_path):
    # One RE2 call over this file takes seconds; the scan stops waiting for it.
    write(tmp_path, {"big.txt": ab_runs(2_000_000, line=2_000_000), "ok.txt": "hello\n"})
    specs = [
        check("slow", "grep", paths=["*.txt"], pattern="[ab]*a[ab]{1000}c", multiline=True),
        check("fine", "grep", paths=["*.txt"], pattern="hello", multiline=True),
    ]

    outcomes = finished(
        lambda: run_file_checks(specs, CountingTree(WorkingTree(tmp_path)), pattern_seconds=1)
    )

    assert outcomes["slow"].summary == "pattern too slow on big.txt (stopped after 1 s)"
    assert outcomes["fine"].status == Status.PASS


def test_a_backfill_does_not_spend_the_time_again_on_a_pattern_found_too_slow(tmp_path):
    git(tmp_path, "init", "-q", "-b", "main")
    first = commit(tmp_path, {"big.txt": ab_runs(2_000_000, line=2_000_000), "a.py": "x"})
    second = commit(tmp_path, {"a.py": "y"})
    spec = check("slow", "grep", paths=["*.txt"], pattern="[ab]*a[ab]{1000}c", multiline=True)
    cache = BlobCache()

    def scan(rev):
        with GitRevision(tmp_path, rev) as tree:
            return run_file_checks([spec], tree, cache=cache, pattern_seconds=1)["slow"]

    assert finished(lambda: scan(first)).summary.startswith("pattern too slow on big.txt")
    reads = cache.reads
    assert scan(second).summary == "pattern too slow on big.txt (stopped after 1 s)"
    assert cache.reads == reads


# Git objects the repository lacks: only the checks that read them are affected


MISSING_CHECKS = [
    check("python", "grep", paths=["**/*.py"], pattern="verify_signature"),
    check("config", "grep", paths=["config/*.json"], pattern="region"),
    check("anywhere", "grep", paths=["**"], pattern="TODO", expect="absent"),
    check("present", "file", paths=["config/services.json"]),
]


def lacking_repo(root: Path) -> tuple[Path, str, str]:
    """A repository whose last commit's config/services.json has no object: the
    repository, the commit and the missing blob."""
    repo = root / "repo"
    git(root, "init", "-q", "-b", "main", repo.name)
    sha = commit(
        repo, {"app.py": "verify_signature(e)\n", "config/services.json": '{"region": "eu"}'}
    )
    return repo, sha, drop_object(repo, "HEAD:config/services.json")


def test_a_missing_blob_makes_error_only_the_checks_that_read_that_file(tmp_path):
    repo, sha, blob = lacking_repo(tmp_path)

    with GitRevision(repo, sha) as tree:
        outcomes = run_file_checks(MISSING_CHECKS, tree)

    message = f"could not read config/services.json at {sha[:12]}: git object {blob} is missing"
    assert statuses(outcomes) == {
        "python": "pass",
        "config": "error",
        "anywhere": "error",
        "present": "pass",
    }
    assert outcomes["config"].summary == message
    assert outcomes["anywhere"].summary == message
    assert outcomes["config"].details["missing_objects"] == ["config/services.json"]


def test_a_missing_blob_errs_at_every_revision_that_holds_it(tmp_path):
    repo, first, blob = lacking_repo(tmp_path)
    write(repo, {"app.py": "verify_signature(e)  # 2\n"})
    git(repo, "commit", "-q", "-m", "m", "--", "app.py")  # nothing else is hashed again
    second = git(repo, "rev-parse", "HEAD")
    cache = BlobCache()

    for sha in (first, second):
        with GitRevision(repo, sha) as tree:
            outcomes = run_file_checks(MISSING_CHECKS, tree, cache=cache)
        assert statuses(outcomes)["config"] == "error"
        assert outcomes["config"].summary == (
            f"could not read config/services.json at {sha[:12]}: git object {blob} is missing"
        )
        assert statuses(outcomes)["python"] == "pass"


def source_repo(root: Path) -> Path:
    source = root / "source"
    git(root, "init", "-q", "-b", "main", source.name)
    commit(source, {"app.py": "verify_signature(e)\n", "config/services.json": '{"region": 1}'})
    return source


def test_a_partial_clone_fetches_the_blobs_it_reads(tmp_path):
    clone = partial_clone(source_repo(tmp_path), tmp_path / "clone")
    assert len(missing_objects(clone)) == 2

    with GitRevision(clone, "HEAD") as tree:
        outcomes = run_file_checks(MISSING_CHECKS, tree)

    assert statuses(outcomes) == {
        "python": "pass",
        "config": "pass",
        "anywhere": "pass",
        "present": "pass",
    }
    assert missing_objects(clone) == []


@pytest.mark.parametrize("remote", ["unreachable", "removed"])
def test_a_partial_clone_without_its_remote_errs_only_where_a_blob_is_needed(tmp_path, remote):
    clone = partial_clone(source_repo(tmp_path), tmp_path / "clone")
    with GitRevision(clone, "HEAD") as tree:  # fetches app.py's blob, not the json
        run_file_checks(MISSING_CHECKS[:1], tree)
    if remote == "removed":
        git(clone, "remote", "remove", "origin")
    else:
        git(clone, "remote", "set-url", "origin", (tmp_path / "gone.git").as_uri())

    with GitRevision(clone, "HEAD") as tree:
        outcomes = run_file_checks(MISSING_CHECKS, tree)

    assert statuses(outcomes) == {
        "python": "pass",
        "config": "error",
        "anywhere": "error",
        "present": "pass",
    }
    assert outcomes["config"].summary.startswith("could not read config/services.json at ")
