from pathlib import Path

from checks.checklist import dump_checklist, load_checklist
from checks.scan import run_file_checks
from checks.spec import CheckSpec, Outcome, Status
from checks.tree import FileEntry, SkippedFile
from checks.worktree import WorkingTree
from tests.checks.checklists import check_problems, one_check, problems_of


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


def test_it_counts_a_symlink_out_of_the_repository_as_present_without_following_it(tmp_path):
    secret = tmp_path / "secret.env"
    secret.write_text("KEY=1")
    root = tmp_path / "repo"
    root.mkdir()
    (root / ".env").symlink_to(secret)

    outcome = file_check([".env"], WorkingTree(root), expect="absent")

    assert outcome.status == Status.FAIL
    assert outcome.details["found"] == [".env"]


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
