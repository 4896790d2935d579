from pathlib import Path

from checks.checklist import dump_checklist, load_checklist
from checks.gitrevision import GitRevision
from checks.scan import run_file_checks
from checks.spec import CheckSpec, Outcome, Status
from checks.tree import FileEntry, SkippedFile
from checks.worktree import WorkingTree
from tests.checks.checklists import check_problems, one_check, problems_of
from tests.checks.repos import commit, git


def write(root: Path, names: list[str]) -> None:
    for name in names:
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("x")


def file_check(paths: list[str], tree, **options) -> Outcome:
    spec = CheckSpec("f", "f", "file", "c", options={"paths": paths, **options})
    return run_file_checks([spec], tree)["f"]


def test_it_passes_when_every_path_exists(tmp_path):
    write(tmp_path, ["README.md", "docs/runbook.md"])

    outcome = file_check(["README.md", "docs/*.md"], WorkingTree(tmp_path))

    assert outcome.status == Status.PASS
    assert outcome.summary == "all 2 paths exist"
    assert [(item.path, item.text) for item in outcome.evidence] == [
        ("README.md", "matches README.md"),
        ("docs/runbook.md", "matches docs/*.md"),
    ]


def test_it_fails_naming_the_globs_that_found_nothing(tmp_path):
    write(tmp_path, ["README.md"])

    outcome = file_check(["README.md", "SECURITY.md", "docs/**"], WorkingTree(tmp_path))

    assert outcome.status == Status.FAIL
    assert outcome.summary == "missing: SECURITY.md, docs/**"
    assert outcome.details["missing"] == ["SECURITY.md", "docs/**"]


def test_it_passes_alternatives_when_one_of_them_exists_with_match_any(tmp_path):
    write(tmp_path, ["app/tests.py"])
    tree = WorkingTree(tmp_path)

    outcome = file_check(["tests/**/test_*.py", "*/tests.py"], tree, match="any")

    assert outcome.status == Status.PASS
    assert outcome.summary == "1 of 2 alternatives exist"
    assert file_check(["tests/**/test_*.py", "*/tests.py"], tree).status == Status.FAIL
    none = file_check(["tests/**/test_*.py", "*/test_*.py"], tree, match="any")
    assert none.status == Status.FAIL
    assert none.summary == "missing: tests/**/test_*.py, */test_*.py"


def test_it_passes_an_absent_file_only_when_no_path_matches(tmp_path):
    write(tmp_path, ["app/.env", "app/settings.py"])
    tree = WorkingTree(tmp_path)

    assert file_check(["**/*.pem"], tree, expect="absent").status == Status.PASS
    present = file_check(["**/.env"], tree, expect="absent")
    assert present.status == Status.FAIL
    assert [item.path for item in present.evidence] == ["app/.env"]


def test_it_treats_a_directory_name_as_everything_below_it(tmp_path):
    write(tmp_path, ["migrations/0001_initial.py"])

    assert file_check(["migrations"], WorkingTree(tmp_path)).status == Status.PASS


def test_a_symlink_out_of_the_repository_is_not_a_present_file(tmp_path):
    secret = tmp_path / "secret.env"
    secret.write_text("KEY=1")
    root = tmp_path / "repo"
    root.mkdir()
    (root / ".env").symlink_to(secret)
    (root / "LICENSE").symlink_to("/etc/passwd")
    tree = WorkingTree(root)

    present = file_check(["LICENSE"], tree)
    absent = file_check([".env"], WorkingTree(root), expect="absent")

    assert present.status == Status.FAIL
    assert present.summary == "missing: LICENSE"
    assert absent.status == Status.PASS
    assert absent.details["found"] == []


def test_a_symlink_loop_is_not_a_present_file(tmp_path):
    write(tmp_path, ["README.md"])
    (tmp_path / "a").symlink_to("b")
    (tmp_path / "b").symlink_to("a")
    (tmp_path / "self").symlink_to("self")

    outcome = file_check(["README.md", "a", "self"], WorkingTree(tmp_path))

    assert outcome.status == Status.FAIL
    assert outcome.details["missing"] == ["a", "self"]


def test_a_git_symlink_out_of_the_revision_or_in_a_loop_is_not_a_present_file(tmp_path):
    repo = tmp_path / "repo"
    repo.mkdir()
    git(repo, "init", "-q", "-b", "main")
    write(repo, ["README.md", "docs/guide.md"])
    (repo / "LICENSE").symlink_to("/etc/passwd")
    (repo / "up").symlink_to("../../etc/passwd")
    (repo / "a").symlink_to("b")
    (repo / "b").symlink_to("a")
    (repo / "guide.md").symlink_to("docs/guide.md")
    sha = commit(repo, {}, "2026-01-05T09:00:00Z")

    with GitRevision(repo, sha) as tree:
        outcome = file_check(["README.md", "guide.md", "LICENSE", "up", "a"], tree)

    assert outcome.status == Status.FAIL
    assert outcome.details["missing"] == ["LICENSE", "up", "a"]
    assert outcome.details["found"] == ["README.md", "guide.md"]


class Unlisted:
    """A tree with a directory that could not be listed."""

    skipped: list[SkippedFile] = []

    def files(self):
        self.skipped = [SkippedFile("private", "unreadable directory: Permission denied")]
        yield FileEntry("README.md", 1)

    def read(self, entry, limit=None):
        return b"x"


def test_it_is_an_error_when_a_missing_file_may_sit_in_an_unreadable_directory():
    outcome = file_check(["private/keys/*.pem", "other/x"], Unlisted())

    assert outcome.status == Status.ERROR
    assert outcome.details["unlisted"] == ["private"]


def test_it_rejects_an_unusable_glob():
    (problem,) = check_problems({"type": "file", "paths": ["/etc/passwd"]})

    assert problem.path == "categories[0].checks[0].paths[0]"
    assert "absolute path" in problem.message


# Its fields, as the checklist loader reads them


def test_it_reads_how_a_file_check_combines_its_paths() -> None:
    checklist = load_checklist(one_check("type: file\npaths: [a, b]\nmatch: any"))

    assert next(checklist.all_checks()).options["match"] == "any"
    assert load_checklist(dump_checklist(checklist)) == checklist
    (problem,) = problems_of(one_check("type: file\npaths: [a]\nmatch: some"))
    assert problem.path.endswith(".match")


def test_excluded_entries_are_found_by_no_glob(tmp_path):
    write(tmp_path, ["app/tests/test_a.py", "tests/settings.py"])

    present = file_check(["**/test_*.py"], WorkingTree(tmp_path), exclude=["**/tests/**"])
    absent = file_check(
        ["**/settings.py"], WorkingTree(tmp_path), expect="absent", exclude=["tests"]
    )

    assert present.status == Status.FAIL
    assert present.summary == "missing: **/test_*.py"
    assert absent.status == Status.PASS


def test_it_refuses_an_unusable_exclude_glob_at_its_line():
    problems = problems_of(one_check("type: file\npaths: [a]\nexclude: ['/etc']"))

    assert [(p.line, p.path) for p in problems] == [(9, "categories[0].checks[0].exclude[0]")]
    assert "absolute path" in problems[0].message
