import os
import subprocess
from pathlib import Path

import pytest

from checks.gitrevision import GitRevision
from checks.matches import BINARY_REASON
from checks.scan import run_file_checks
from checks.spec import MAX_EVIDENCE_ITEMS, MAX_EVIDENCE_TEXT, CheckSpec, Outcome, Status
from checks.worktree import WorkingTree
from tests.checks.checklists import check_problems, one_check, problems_of


class Link(str):
    """A symlink to create, pointing at this text."""


class PlainTree:
    """A tree that is not a WorkingTree, so the scan runs its Python engine on it."""

    def __init__(self, tree: WorkingTree) -> None:
        self.tree = tree
        self.skipped = []

    def files(self):
        yield from self.tree.files()
        self.skipped = self.tree.skipped

    def read(self, entry, limit=None):
        return self.tree.read(entry, limit)


def write(root: Path, files: dict) -> None:
    for name, content in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, Link):
            path.symlink_to(str(content))
        else:
            path.write_bytes(content.encode() if isinstance(content, str) else content)


def commit_all(root: Path) -> str:
    env = {**os.environ, "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@e.com"}
    env |= {"GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@e.com"}
    for args in (["init", "-q"], ["add", "-A"], ["commit", "-q", "-m", "m"]):
        subprocess.run(["git", "-C", str(root), *args], check=True, env=env)
    return "HEAD"


@pytest.fixture(params=["ripgrep", "python", "git"])
def scan(request, tmp_path):
    """Runs checks over `files` with one of the three engines; all must agree."""

    runs = iter(range(1000))

    def run(files: dict, *specs: CheckSpec, **options) -> dict[str, Outcome]:
        root = tmp_path / f"repo{next(runs)}"
        write(root, files)
        if request.param == "git":
            with GitRevision(root, commit_all(root)) as tree:
                return run_file_checks(specs, tree, **options)
        tree = WorkingTree(root)
        plain = tree if request.param == "ripgrep" else PlainTree(tree)
        return run_file_checks(specs, plain, **options)

    return run


def grep(pattern: str, paths=("**",), key: str = "g", **options) -> CheckSpec:
    options = {"paths": list(paths), "pattern": pattern, **options}
    return CheckSpec(key=key, name=key, type="grep", category="c", options=options)


def spots(outcome: Outcome) -> list[tuple[str | None, int | None, str]]:
    return [(item.path, item.line, item.text) for item in outcome.evidence]


def test_it_passes_when_the_pattern_is_present_and_shows_where(scan):
    files = {"src/pay.ts": "a\nwebhooks.constructEvent(body)\n", "src/b.ts": "b\n"}

    outcome = scan(files, grep(r"webhooks\.constructEvent\(", ["src/**/*.ts"]))["g"]

    assert outcome.status == Status.PASS
    assert spots(outcome) == [("src/pay.ts", 2, "webhooks.constructEvent(body)")]
    assert outcome.details["matches"] == 1
    assert outcome.details["files"] == 2
    assert outcome.summary == "1 match in 1 file"


def test_it_fails_when_the_pattern_is_missing(scan):
    outcome = scan({"a.py": "x = 1\n", "b.py": "y = 2\n"}, grep("import os"))["g"]

    assert outcome.status == Status.FAIL
    assert outcome.summary == "no match in 2 searched files, expected at least 1"
    assert outcome.evidence == ()


def test_it_passes_an_absent_pattern_only_when_nothing_matches(scan):
    files = {"a.py": "print('x')\n", "b.py": "ok\n"}

    clean = scan(files, grep("breakpoint\\(", expect="absent"))["g"]
    dirty = scan(files, grep("print\\(", expect="absent"))["g"]

    assert clean.status == Status.PASS
    assert dirty.status == Status.FAIL
    assert spots(dirty) == [("a.py", 1, "print('x')")]
    assert dirty.summary == "1 match in 1 file, expected none"


def test_it_counts_every_match_and_shows_each_line_once(scan):
    outcome = scan({"a.py": "TODO TODO\nTODO\n"}, grep("TODO"))["g"]

    assert outcome.details["matches"] == 3
    assert [item.line for item in outcome.evidence] == [1, 2]


@pytest.mark.parametrize(("min_count", "status"), [(3, Status.PASS), (4, Status.FAIL)])
def test_it_needs_at_least_min_count_matches_in_total(scan, min_count, status):
    files = {"a.py": "log()\nlog()\n", "b.py": "log()\n"}
    total = 3

    outcome = scan(files, grep(r"log\(\)", min_count=min_count))["g"]

    assert outcome.status == status
    assert outcome.details["matches"] == total
    assert (outcome.status == Status.PASS) == (total >= min_count)


@pytest.mark.parametrize(("max_count", "status"), [(2, Status.PASS), (1, Status.FAIL)])
def test_it_allows_at_most_max_count_matches_in_total(scan, max_count, status):
    outcome = scan(
        {"a.js": "console.log(1)\nconsole.log(2)\n"}, grep(r"console\.log", max_count=max_count)
    )

    assert outcome["g"].status == status


def test_it_requires_each_file_to_match_when_each_file_is_set(scan):
    files = {"a/views.py": "@login_required\n", "b/views.py": "def f(): pass\n", "c.py": ""}
    spec = grep("@login_required", ["*/views.py"], each_file=True)

    outcome = scan(files, spec)["g"]

    assert outcome.status == Status.FAIL
    assert spots(outcome) == [("b/views.py", None, "0 matches")]
    assert outcome.summary == "1 of 2 files have no match"


def test_it_passes_each_file_when_every_file_matches(scan):
    files = {"a/views.py": "@login_required\n", "b/views.py": "@login_required\n"}

    outcome = scan(files, grep("@login_required", ["*/views.py"], each_file=True))["g"]

    assert outcome.status == Status.PASS
    assert outcome.summary == "all 2 searched files match"


def test_it_applies_counts_to_each_file_on_its_own_with_each_file(scan):
    files = {"a.py": "x\nx\n", "b.py": "x\n"}

    outcome = scan(files, grep("x", each_file=True, min_count=2))["g"]

    assert outcome.status == Status.FAIL
    assert spots(outcome) == [("b.py", None, "1 match")]


def test_it_shows_the_offending_matches_for_an_absent_pattern_per_file(scan):
    files = {"a.py": "ok\n", "b.py": "eval(x)\n"}

    outcome = scan(files, grep(r"eval\(", expect="absent", each_file=True))["g"]

    assert outcome.status == Status.FAIL
    assert spots(outcome) == [("b.py", 1, "eval(x)")]


def test_it_matches_whole_files_in_multiline_mode_so_whitespace_spans_lines(scan):
    files = {"a.py": "try:\n    x()\nexcept Exception:\n    pass\n"}
    pattern = r"except Exception:\s*pass"

    whole = scan(files, grep(pattern, multiline=True))["g"]
    lines = scan(files, grep(pattern))["g"]

    assert whole.status == Status.PASS
    assert spots(whole) == [("a.py", 3, "except Exception: pass")]
    assert lines.status == Status.FAIL


def test_it_anchors_caret_and_dollar_at_every_line(scan):
    files = {"settings.py": "import os\nDEBUG = True\n"}

    for multiline in (False, True):
        outcome = scan(files, grep(r"^DEBUG = True$", multiline=multiline))["g"]
        assert spots(outcome) == [("settings.py", 2, "DEBUG = True")]


def test_it_reads_backslash_a_as_the_start_of_each_line_in_line_mode(scan):
    outcome = scan({"a.py": "x = 1\nimport os\n"}, grep(r"\Aimport"))["g"]

    assert spots(outcome) == [("a.py", 2, "import os")]


def test_it_ignores_case_when_asked(scan):
    files = {"q.py": "cursor.execute('select * FROM users')\n"}

    exact = scan(
        files,
        grep(r"SELECT \* FROM", key="exact"),
        grep(r"SELECT \* FROM", ignore_case=True, key="loose"),
    )

    assert exact["exact"].status == Status.FAIL
    assert exact["loose"].status == Status.PASS


def test_it_is_an_error_when_paths_match_no_file(scan):
    outcome = scan({"a.py": "x"}, grep("x", ["functions/src/**/*.ts"]))["g"]

    assert outcome.status == Status.ERROR
    assert outcome.summary == "paths matched no file"


def test_it_ignores_matches_inside_binary_files_and_lists_those_files(scan):
    files = {
        "text.txt": "password\n",
        "blob.bin": b"\x00\x01password\n",
        "quiet.bin": b"\x00\x01nothing\n",
    }

    outcome = scan(files, grep("password"))["g"]

    assert outcome.status == Status.PASS
    assert outcome.details["matches"] == 1
    assert outcome.details["skipped_files"] == [{"path": "blob.bin", "reason": BINARY_REASON}]
    assert "1 file skipped" in outcome.summary


def test_it_lists_every_binary_file_for_each_file_checks(scan):
    files = {"a.txt": "ok\n", "b.bin": b"\x00ok\n", "c.bin": b"\x00\n"}

    outcome = scan(files, grep("ok", each_file=True))["g"]

    assert outcome.status == Status.PASS
    assert [item["path"] for item in outcome.details["skipped_files"]] == ["b.bin", "c.bin"]


def test_it_searches_a_file_whose_first_nul_comes_after_8_kib(scan):
    files = {"data.txt": b"x" * 9000 + b"\x00\nneedle\n"}

    outcome = scan(files, grep("needle"))["g"]

    assert spots(outcome) == [("data.txt", 2, "needle")]


def test_it_reports_files_over_the_size_limit_instead_of_reading_them(scan):
    files = {"big.txt": "needle\n" + "x" * 200, "small.txt": "needle\n"}

    outcome = scan(files, grep("needle"), max_file_bytes=100)["g"]

    assert outcome.details["matches"] == 1
    (skipped,) = outcome.details["skipped_files"]
    assert skipped["path"] == "big.txt"
    assert skipped["reason"].startswith("larger than the 100-byte limit")


def test_it_is_an_error_when_no_file_in_scope_could_be_searched(scan):
    outcome = scan({"big.txt": "x" * 200}, grep("x"), max_file_bytes=100)["g"]

    assert outcome.status == Status.ERROR
    assert outcome.summary.startswith("none of the 1 file that paths matched could be searched")


def test_it_shows_bytes_that_are_not_utf8_and_lists_their_files(scan):
    files = {"latin1.txt": b"caf\xe9 password\n"}

    outcome = scan(files, grep("password"))["g"]

    assert spots(outcome) == [("latin1.txt", 1, "caf\ufffd password")]
    assert outcome.details["non_utf8_files"] == ["latin1.txt"]


def test_it_never_follows_a_symlink_out_of_the_repository(scan, tmp_path):
    secret = tmp_path / "secret.txt"
    secret.write_text("password\n")
    files = {"ok.txt": "fine\n", "leak.txt": Link(str(secret))}

    outcome = scan(files, grep("password", expect="absent"))["g"]

    assert outcome.status == Status.PASS
    assert outcome.details["skipped_files"] == [
        {"path": "leak.txt", "reason": "symlink leads outside the repository"}
    ]


def test_it_searches_a_symlinked_file_inside_the_repository_at_its_link_path(scan):
    files = {"real.py": "SECRET = 1\n", "alias.py": Link("real.py")}

    outcome = scan(files, grep("SECRET"))["g"]

    assert [item.path for item in outcome.evidence] == ["alias.py", "real.py"]


def test_it_finds_matches_in_a_file_whose_name_holds_a_newline(scan):
    outcome = scan({"odd\nname.py": "needle\n", "plain.py": "needle\n"}, grep("needle"))["g"]

    assert [item.path for item in outcome.evidence] == ["odd\nname.py", "plain.py"]


def test_it_bounds_the_evidence_and_clips_long_lines(scan):
    files = {"a.txt": "hit\n" * (MAX_EVIDENCE_ITEMS + 5) + "hit " + "y" * 2000 + "\n"}

    outcome = scan(files, grep("hit"))["g"]

    assert outcome.details["matches"] == MAX_EVIDENCE_ITEMS + 6
    assert len(outcome.evidence) == MAX_EVIDENCE_ITEMS
    long = scan({"b.txt": "hit " + "y" * 2000}, grep("hit"))["g"]
    assert len(long.evidence[0].text) == MAX_EVIDENCE_TEXT


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"pattern": "a(b"}, "unbalanced parenthesis"),
        ({"pattern": r"(?<=a)b"}, "look-behind"),
        ({"pattern": "x*"}, "can match an empty string"),
    ],
)
def test_it_is_an_error_naming_the_problem_for_unusable_options(scan, options, message):
    spec = CheckSpec("g", "g", "grep", "c", options={"paths": ["**"], **options})

    outcome = scan({"a.txt": "a"}, spec)["g"]

    assert outcome.status == Status.ERROR
    assert message in outcome.summary


@pytest.mark.parametrize(
    ("options", "path", "message"),
    [
        ({"pattern": "a", "expect": "sometimes"}, "expect", "is not one of: present, absent"),
        ({"pattern": "a", "paths": ["../x"]}, "paths[0]", "leaves the repository"),
        ({"pattern": "a", "min_count": -1}, "min_count", "must be 0..1000000000"),
    ],
)
def test_it_rejects_unusable_options_when_loaded(options, path, message):
    (problem,) = check_problems({"type": "grep", "paths": ["**"], **options})

    assert problem.path == f"categories[0].checks[0].{path}"
    assert message in problem.message


# Its fields, as the checklist loader reads them


@pytest.mark.parametrize(
    ("fields", "path", "message"),
    [
        ("type: grep\npaths: [a]\npattern: x\nmin_count: 3\nmax_count: 2", "min_count", "3 > 2"),
        (
            "type: grep\npaths: [a]\npattern: x\nexpect: absent\nmax_count: 2",
            "max_count",
            "present",
        ),
        ("type: grep\npaths: [a]\npattern: x\nexpect: missing", "expect", "present, absent"),
        ("type: grep\npaths: []\npattern: x", "paths", "at least one path"),
    ],
)
def test_it_validates_its_fields_when_loaded(fields: str, path: str, message: str) -> None:
    problems = problems_of(one_check(fields))

    assert [p.path for p in problems] == [f"categories[0].checks[0].{path}"]
    assert message in problems[0].message


# forbid: a second pattern that must not match in the same files

SETTINGS_SAFE = "import os\nDEBUG = os.getenv('DEBUG', '') == '1'\n"
SETTINGS_UNSAFE = "import os\nDEBUG = envbool('DEBUG', 'True')\n"
DEBUG_READ = r"^DEBUG\s*=.*(?:env|getenv)\w*\("
DEBUG_DEFAULT_TRUE = r"^DEBUG\s*=.*\(.*,\s*'True'\)"


def test_a_forbidden_pattern_that_matches_nowhere_leaves_the_check_to_its_pattern(scan):
    outcome = scan({"settings.py": SETTINGS_SAFE}, grep(DEBUG_READ, forbid=DEBUG_DEFAULT_TRUE))["g"]

    assert outcome.status == Status.PASS
    assert spots(outcome) == [("settings.py", 2, "DEBUG = os.getenv('DEBUG', '') == '1'")]


def test_a_forbidden_match_fails_the_check_with_its_lines_whatever_the_pattern_found(scan):
    files = {"settings.py": SETTINGS_UNSAFE, "other.py": "DEBUG = getenv('DEBUG')\n"}

    outcome = scan(files, grep(DEBUG_READ, forbid=DEBUG_DEFAULT_TRUE))["g"]

    assert outcome.status == Status.FAIL
    assert outcome.summary == "1 match of the forbidden pattern in 1 file"
    assert spots(outcome) == [("settings.py", 2, "DEBUG = envbool('DEBUG', 'True')")]
    assert outcome.details["forbidden_matches"] == 1


def test_the_forbidden_pattern_searches_every_file_of_the_paths_and_follows_ignore_case(scan):
    files = {"a.py": "DEBUG = getenv('DEBUG')\n", "b.py": "debug = x('d', 'True')\n"}

    outcome = scan(files, grep(DEBUG_READ, ["*.py"], forbid=DEBUG_DEFAULT_TRUE, ignore_case=True))[
        "g"
    ]
    only_a = scan(files, grep(DEBUG_READ, ["a.py"], forbid=DEBUG_DEFAULT_TRUE))["g"]

    assert outcome.status == Status.FAIL
    assert [path for path, _line, _text in spots(outcome)] == ["b.py"]
    assert only_a.status == Status.PASS


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ("expect: absent\nforbid: y", "applies to expect: present only"),
        ("forbid: 'a(b'", "unbalanced parenthesis"),
    ],
)
def test_it_refuses_a_forbid_it_cannot_apply_naming_the_field(fields, message):
    problems = problems_of(one_check(f"type: grep\npaths: [a]\npattern: x\n{fields}"))

    assert [p.path for p in problems] == ["categories[0].checks[0].forbid"]
    assert message in problems[0].message


def test_a_forbidden_match_fails_a_check_of_each_file_too(scan):
    files = {"a.py": "DEBUG = getenv('DEBUG')\n", "b.py": SETTINGS_UNSAFE}

    outcome = scan(files, grep(DEBUG_READ, ["*.py"], forbid=DEBUG_DEFAULT_TRUE, each_file=True))[
        "g"
    ]

    assert outcome.status == Status.FAIL
    assert outcome.summary == "1 match of the forbidden pattern in 1 file"


# exclude: files the paths select but the check leaves out


def test_excluded_files_are_neither_searched_nor_counted(scan):
    files = {
        "app/settings.py": "DEBUG = False\n",
        "app/tests/settings.py": "DEBUG = True\n",
        "app/settings_test/settings.py": "DEBUG = True\n",
    }
    check = grep(r"DEBUG = True", ["**/settings.py"], expect="absent")
    excluded = grep(
        r"DEBUG = True",
        ["**/settings.py"],
        key="x",
        expect="absent",
        exclude=["**/tests/**", "**/*_test/**"],
    )

    outcomes = scan(files, check, excluded)

    assert outcomes["g"].status == Status.FAIL
    assert outcomes["x"].status == Status.PASS
    assert outcomes["x"].summary == "no match in 1 searched file"
    assert outcomes["x"].details["files"] == 1


def test_a_scope_excluded_entirely_matches_no_file(scan):
    outcome = scan({"tests/a.py": "x\n"}, grep("x", ["**/*.py"], exclude=["tests"]))["g"]

    assert outcome.status == Status.ERROR
    assert outcome.summary == "paths matched no file"


def test_an_excluded_file_cannot_break_a_forbid(scan):
    files = {"settings.py": SETTINGS_SAFE, "tests/settings.py": SETTINGS_UNSAFE}

    outcome = scan(
        files,
        grep(DEBUG_READ, ["**/settings.py"], forbid=DEBUG_DEFAULT_TRUE, exclude=["tests/**"]),
    )["g"]

    assert outcome.status == Status.PASS


# each_directory and where: each directory (or file) a second pattern picks, on its own

ROOT_OK = {"live/prod/main.tf": 'provider "aws" {}\n', "live/prod/backend.tf": 'backend "s3" {}\n'}
BACKEND = r'backend "\w+"'
PROVIDER = r'provider "\w+"'


def test_each_directory_adds_up_the_matches_of_its_files_only(scan):
    files = {**ROOT_OK, "live/prod/nested/main.tf": 'provider "aws" {}\n'}

    outcome = scan(files, grep(BACKEND, ["**/*.tf"], each_directory=True))["g"]

    assert outcome.status == Status.FAIL
    assert outcome.summary == "1 of 2 directories have no match"
    assert spots(outcome) == [("live/prod/nested/", None, "0 matches")]
    assert outcome.details["failing_directories"] == 1
    assert outcome.details["directories"] == 2


def test_where_picks_the_directories_held_to_the_test(scan):
    files = {
        **ROOT_OK,
        "live/staging/main.tf": 'provider "aws" {}\n',
        "modules/vpc/main.tf": 'variable "cidr" {}\n',
        "main.tf": 'module "x" {}\n',
    }

    outcome = scan(files, grep(BACKEND, ["**/*.tf"], each_directory=True, where=PROVIDER))["g"]

    assert outcome.status == Status.FAIL
    assert outcome.summary == "1 of 2 directories have no match"
    assert spots(outcome) == [("live/staging/", None, "0 matches")]
    assert outcome.details["picked"] == 2


def test_where_passes_when_every_picked_directory_matches_and_names_the_root_dot(scan):
    files = {"main.tf": 'provider "aws" {}\nbackend "s3" {}\n', "modules/a/main.tf": "x\n"}

    outcome = scan(files, grep(BACKEND, ["**/*.tf"], each_directory=True, where=PROVIDER))["g"]
    failing = scan(
        {"main.tf": 'provider "aws" {}\n'}, grep(BACKEND, ["**/*.tf"], each_directory=True)
    )["g"]

    assert outcome.status == Status.PASS
    assert outcome.summary == "all 1 directory match"
    assert spots(outcome) == [("main.tf", 2, 'backend "s3" {}')]
    assert spots(failing) == [("./", None, "0 matches")]


def test_where_that_picks_nothing_makes_the_check_skip(scan):
    files = {"main.tf": 'variable "a" {}\n', "outputs.tf": 'output "b" {}\n'}

    by_directory = scan(files, grep(BACKEND, ["**/*.tf"], each_directory=True, where=PROVIDER))
    by_file = scan(files, grep(BACKEND, ["**/*.tf"], each_file=True, where=PROVIDER))

    assert by_directory["g"].status == Status.SKIP
    assert by_directory["g"].summary == "no directory has a file matching `where`"
    assert by_file["g"].status == Status.SKIP
    assert by_file["g"].summary == "no file matches `where`"


def test_where_skips_when_exclude_left_nothing_to_pick_from(scan):
    files = {"modules/vpc/main.tf": 'provider "aws" {}\n'}
    check = grep(BACKEND, ["**/*.tf"], each_directory=True, where=PROVIDER, exclude=["modules"])

    outcome = scan(files, check)["g"]
    nowhere = scan({"a.py": "x\n"}, check)["g"]

    assert outcome.status == Status.SKIP
    assert nowhere.status == Status.ERROR
    assert nowhere.summary == "paths matched no file"


def test_where_picks_the_files_held_to_the_test_with_each_file(scan):
    files = {
        "deploy.yaml": "kind: Deployment\nresources:\n",
        "svc.yaml": "kind: Service\n",
        "bad.yaml": "kind: Deployment\n",
    }

    outcome = scan(files, grep("resources:", ["*.yaml"], each_file=True, where="kind: Deployment"))[
        "g"
    ]

    assert outcome.status == Status.FAIL
    assert outcome.summary == "1 of 2 files have no match"
    assert spots(outcome) == [("bad.yaml", None, "0 matches")]


def test_where_leaves_excluded_files_out(scan):
    files = {**ROOT_OK, "examples/basic/main.tf": 'provider "aws" {}\n'}

    outcome = scan(
        files,
        grep(BACKEND, ["**/*.tf"], each_directory=True, where=PROVIDER, exclude=["examples/**"]),
    )["g"]

    assert outcome.status == Status.PASS


@pytest.mark.parametrize(
    ("fields", "path", "message"),
    [
        ("where: y", "where", "needs each_file or each_directory"),
        (
            "each_file: true\neach_directory: true",
            "each_directory",
            "cannot be used with each_file",
        ),
        ("each_directory: yes please", "each_directory", "must be"),
        ("each_file: true\nwhere: 'a(b'", "where", "unbalanced parenthesis"),
        ("exclude: []", "exclude", "at least one path glob"),
        ("exclude: ['../x']", "exclude[0]", "leaves the repository"),
        ("exclude: {a: b}", "exclude", "must be"),
    ],
)
def test_it_refuses_each_directory_where_and_exclude_it_cannot_apply(fields, path, message):
    problems = problems_of(one_check(f"type: grep\npaths: [a]\npattern: x\n{fields}"))

    assert [p.path for p in problems] == [f"categories[0].checks[0].{path}"]
    assert message in problems[0].message
    assert problems[0].line is not None
