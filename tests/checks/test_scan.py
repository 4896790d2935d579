import os
import subprocess
import tempfile
from collections import Counter
from dataclasses import replace
from pathlib import Path

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from checks import registry, scan
from checks.grep import GREP
from checks.paths import PathIndex, glob_matches, glob_problem
from checks.patterns import PatternError, compile_pattern
from checks.scan import BlobCache, line_prefix, run_file_checks, rust_translation
from checks.source import (
    CappedProcess,
    FileEntry,
    GitRevision,
    Ignored,
    SourceError,
    WorkingTree,
    ripgrep_binary,
)
from checks.spec import CheckSpec, Status


def write(root: Path, files: dict[str, str | bytes]) -> None:
    for name, content in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(content.encode() if isinstance(content, str) else content)


def git(repo: Path, *args: str) -> str:
    env = {**os.environ, "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@e.com"}
    env |= {"GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@e.com"}
    done = subprocess.run(["git", "-C", str(repo), *args], capture_output=True, text=True, env=env)
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()


def commit(repo: Path, files: dict[str, str | bytes]) -> str:
    write(repo, files)
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "m")
    return git(repo, "rev-parse", "HEAD")


def check(key: str, kind: str, **options) -> CheckSpec:
    return CheckSpec(key, key, kind, "c", options=options)


CHECKS = [
    check("todo", "grep", paths=["**/*.py"], pattern=r"\bTODO\b", expect="absent"),
    check(
        "secrets", "grep", paths=["app/**", "*.png"], pattern=r"AKIA[0-9A-Z]{16}", expect="absent"
    ),
    check("login", "grep", paths=["app/*.py"], pattern="login_required", each_file=True),
    check("swallow", "grep", paths=["**/*.py"], pattern=r"except:\s*pass", multiline=True),
    check(
        "region",
        "consistency",
        sources=[
            {"paths": ["app/**"], "pattern": r"REGION = '([a-z-]+\d)'"},
            {"paths": ["web/*.js"], "pattern": r"region: '([a-z-]+\d)'"},
        ],
    ),
    check("readme", "file", paths=["README.md"]),
]
FILES = {
    "README.md": "# demo\n",
    "app/views.py": "@login_required\ndef f():\n    try:\n        g()\n    except:\n        pass\n",
    "app/settings.py": "REGION = 'europe-west1'\n# TODO: remove\nlogin_required = True\n",
    "web/api.js": "call({region: 'europe-west1'})\n",
    "lib/util.py": "x = 1  # TODO\n",
    "logo.png": b"\x89PNG\x00\x00AKIA0000000000000000",
}


class CountingTree:
    """Any tree, counting reads per file (and not a WorkingTree, so no rg)."""

    def __init__(self, tree) -> None:
        self.tree = tree
        self.skipped = []
        self.reads: Counter[str] = Counter()

    def files(self):
        yield from self.tree.files()
        self.skipped = self.tree.skipped

    def read(self, entry: FileEntry, limit: int | None = None) -> bytes:
        self.reads[entry.path] += 1
        return self.tree.read(entry, limit)


class CountingWorkingTree(WorkingTree):
    def __init__(self, root: Path) -> None:
        super().__init__(root)
        self.reads: Counter[str] = Counter()

    def read(self, entry: FileEntry, limit: int | None = None) -> bytes:
        self.reads[entry.path] += 1
        return super().read(entry, limit)


def statuses(outcomes) -> dict[str, str]:
    return {key: str(outcome.status) for key, outcome in outcomes.items()}


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


def test_it_reads_only_the_blobs_that_changed_at_the_next_revision(tmp_path):
    git(tmp_path, "init", "-q")
    first = commit(tmp_path, FILES)
    second = commit(tmp_path, {"lib/util.py": "x = 2  # TODO\n# TODO again\n"})
    cache = BlobCache()
    with GitRevision(tmp_path, first) as tree:
        run_file_checks(CHECKS, tree, cache=cache)
    reads = cache.reads

    with GitRevision(tmp_path, second) as tree:
        cached = run_file_checks(CHECKS, tree, cache=cache)
        fresh = run_file_checks(CHECKS, tree)

    assert cache.reads == reads + 1
    assert {key: (o.status, o.summary, o.evidence) for key, o in cached.items()} == {
        key: (o.status, o.summary, o.evidence) for key, o in fresh.items()
    }
    assert cached["todo"].details["matches"] == 1 + 2  # app/settings.py, then lib/util.py


def test_it_falls_back_to_its_own_engine_when_ripgrep_fails(tmp_path, monkeypatch):
    fake = tmp_path / "rg"
    fake.write_text("#!/bin/sh\necho 'rg: something broke' >&2\nexit 2\n")
    fake.chmod(0o755)
    write(tmp_path / "repo", FILES)
    expected = statuses(run_file_checks(CHECKS, WorkingTree(tmp_path / "repo")))

    monkeypatch.setattr(scan, "ripgrep_binary", lambda: str(fake))
    assert statuses(run_file_checks(CHECKS, WorkingTree(tmp_path / "repo"))) == expected
    monkeypatch.setattr(scan, "ripgrep_binary", lambda: None)
    assert statuses(run_file_checks(CHECKS, WorkingTree(tmp_path / "repo"))) == expected


def test_it_falls_back_when_ripgrep_prints_more_than_the_cap(tmp_path, monkeypatch):
    write(tmp_path, {"a.py": "# TODO\n" * 50})
    monkeypatch.setattr(scan, "MAX_RG_OUTPUT", 100)

    outcome = run_file_checks(CHECKS[:1], WorkingTree(tmp_path))["todo"]

    assert outcome.details["matches"] == 50


def test_it_counts_up_to_a_limit_and_says_so(tmp_path, monkeypatch):
    write(tmp_path, {"a.py": "x\n" * 10})
    monkeypatch.setattr(scan, "MAX_MATCHES_PER_FILE", 4)
    present = check("p", "grep", paths=["**"], pattern="x")
    bounded = check("b", "grep", paths=["**"], pattern="x", max_count=8)

    outcomes = run_file_checks([present, bounded], WorkingTree(tmp_path))

    assert outcomes["p"].status == Status.PASS
    assert outcomes["p"].summary.startswith("at least 4 matches")
    assert outcomes["b"].status == Status.ERROR
    assert outcomes["b"].summary.startswith("too many matches to count")


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
        raise SourceError("git ls-tree failed: bad object")
        yield

    def read(self, entry, limit=None):
        raise AssertionError("never read")


def test_it_keeps_quoted_patterns_apart_when_it_combines_patterns(tmp_path):
    write(tmp_path, {"a.txt": "x\n", "b.txt": "price: $5)|(\n"})
    specs = [
        check("quoted", "grep", paths=["**"], pattern=r"\Q$5)|("),
        check("other", "grep", paths=["**"], pattern="x"),
    ]

    outcomes = run_file_checks(specs, CountingTree(WorkingTree(tmp_path)))

    assert [(item.path, item.line) for item in outcomes["quoted"].evidence] == [("b.txt", 1)]
    assert [(item.path, item.line) for item in outcomes["other"].evidence] == [("a.txt", 1)]


def test_it_makes_every_check_an_error_when_the_tree_cannot_be_listed():
    outcomes = run_file_checks(CHECKS, Unlistable())

    assert {outcome.status for outcome in outcomes.values()} == {Status.ERROR}
    assert outcomes["readme"].summary == "could not read the files: git ls-tree failed: bad object"


def test_it_answers_a_check_that_is_not_file_based_with_an_error(tmp_path):
    spec = check("ping", "http", url="http://localhost")

    outcome = run_file_checks([spec], WorkingTree(tmp_path))["ping"]

    assert outcome.status == Status.ERROR
    assert "not a file-based check" in outcome.summary


@pytest.mark.parametrize(
    ("pattern", "ignore_case", "translated"),
    [
        (r"webhooks\.constructEvent\(", False, r"webhooks\.constructEvent\("),
        (r"\bTODO\b", False, r"(?-u:\b)TODO(?-u:\b)"),
        (r"\d+\s\w", False, r"[0-9]+[\t\x{0C}\r ][0-9A-Za-z_]"),
        (r"a{,2}\<", False, r"a\{,2\}<"),
        ('[^"]+&&', True, '(?i:[^"\\n]+\\&\\&)'),
        (r"\pL", False, None),
        (r"café", True, None),
        (r"(?i)[^k]", False, None),
        (r"a\nb", False, None),
    ],
)
def test_it_translates_only_what_it_can_read_exactly_or_more_widely(
    pattern, ignore_case, translated
):
    assert rust_translation(pattern, ignore_case=ignore_case) == translated


ATOMS = [
    "a", "b", "k", "s", "é", "\u212a", "ſ", " ", ".", "-", "#", "~", "&&", '"', "0", "_",
    r"\d", r"\D", r"\s", r"\S", r"\w", r"\W", r"\b", r"\B", r"\.", r"\<", r"\x41", r"\t",
    "[a-c]", "[^a]", '[^"]', r"[\w-]", r"[\s.]", "[[:alpha:]]", "[]a]", "[a-]", "{", "}",
    "^", "$", r"\A", r"\z",
]  # fmt: skip
QUANTIFIERS = ["", "", "*", "+", "?", "{1,2}", "{,2}", "*?", "{2}"]


def patterns(atoms: list[str]) -> st.SearchStrategy[str]:
    item = st.tuples(st.sampled_from(atoms), st.sampled_from(QUANTIFIERS)).map("".join)

    def extend(inner: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
        groups = st.tuples(st.sampled_from(["(", "(?:", "(?i:", "(?P<n>"]), inner).map(
            lambda parts: parts[0] + parts[1] + ")"
        )
        return st.one_of(
            groups,
            st.lists(inner, min_size=1, max_size=3).map("".join),
            st.tuples(inner, inner).map("|".join),
        )

    return st.recursive(item, extend, max_leaves=6)


PIECES = [
    b"a", b"b", b"k", b"s", b"K", b"S", "é".encode(), "É".encode(), "\u212a".encode(),
    "ſ".encode(), b" ", b"\t", b"\r", b"-", b"#", b"~", b"&", b'"', b"0", b"9", b"_", b".",
    b"<", b"{", b"}", b",", b"A", b"\xff", b"\x00", b"\x0b",
]  # fmt: skip
LINES = st.lists(st.lists(st.sampled_from(PIECES), max_size=8).map(b"".join), max_size=6)


@pytest.mark.skipif(ripgrep_binary() is None, reason="ripgrep is not installed")
@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(pattern=patterns(ATOMS), ignore_case=st.booleans(), lines=LINES)
def test_it_never_lets_ripgrep_miss_a_line_that_re2_matches(pattern, ignore_case, lines):
    try:
        regex = compile_pattern("(?m)" + pattern, ignore_case=ignore_case)
    except PatternError:
        assume(False)
    translated = rust_translation(pattern, ignore_case=ignore_case)
    assume(translated is not None)
    expected = {number for number, line in enumerate(lines, 1) if regex.search(line)}
    with tempfile.NamedTemporaryFile() as handle:
        handle.write(b"".join(line + b"\n" for line in lines))
        handle.flush()
        argv = [ripgrep_binary(), "--no-config", "--text", "--encoding=none", "-n"]
        found = subprocess.run([*argv, "--regexp", translated, handle.name], capture_output=True)
    assert found.returncode in (0, 1), found.stderr
    reported = {int(line.split(b":", 1)[0]) for line in found.stdout.split(b"\n") if line}
    assert expected <= reported


# Few, permissive atoms and a small alphabet, so that patterns often match the text.
MULTILINE_ATOMS = ["a", "b", "k", " ", ".", r"\s", r"\n", "[^x]", r"\w", r"\d", r"\b", "^", "$"]
MULTILINE_ATOMS += ["(?s:.)", "[a-b]", r"\S"]
# Concatenations, so that there is a prefix to find.
MULTILINE_PATTERNS = st.lists(
    st.one_of(
        st.tuples(st.sampled_from(MULTILINE_ATOMS), st.sampled_from(QUANTIFIERS)).map("".join),
        patterns(MULTILINE_ATOMS).map(lambda inner: f"(?:{inner})"),
    ),
    min_size=1,
    max_size=3,
).map("".join)
TEXTS = st.lists(st.sampled_from([b"a", b"b", b"K", b" ", b"\n", b"0", b"x", b"\xff"]), max_size=60)
TEXTS = TEXTS.map(b"".join)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.filter_too_much])
@given(pattern=MULTILINE_PATTERNS, ignore_case=st.booleans(), text=TEXTS)
def test_it_prefilters_a_multiline_pattern_with_a_prefix_found_on_one_line(
    pattern, ignore_case, text
):
    try:
        whole = compile_pattern("(?m)" + pattern, ignore_case=ignore_case, multiline=True)
    except PatternError:
        assume(False)
    prefix = line_prefix(pattern)
    assume(prefix is not None)
    if whole.search(text):
        lines = compile_pattern("(?m)" + prefix, ignore_case=ignore_case)
        assert any(lines.search(line) for line in text.split(b"\n"))


SEGMENTS = st.sampled_from(["a", "b", "ab", "a.py", ".py", "x.txt", "é"])
GLOB_PARTS = st.sampled_from(["a", "b", "/", "*", "**/", "**", "?", ".py", "[ab]", "[!a]", "é"])


@settings(max_examples=300, deadline=None)
@given(
    paths=st.sets(st.lists(SEGMENTS, min_size=1, max_size=4).map("/".join), max_size=12),
    glob=st.lists(GLOB_PARTS, min_size=1, max_size=6).map("".join),
)
def test_it_selects_exactly_the_paths_each_glob_matches(paths, glob):
    assume(glob_problem(glob) is None)

    assert PathIndex(paths).select(glob) == sorted(p for p in paths if glob_matches(glob, p))


TRACKED = {
    ".gitignore": ".venv/\n*.log\nbuild/\n",
    "app/settings.py": "REGION = 'eu'\n",
    "app/views.py": "import logging\n\ntry:\n    go()\nexcept ValueError:\n    logging.info('x')\n",
    "app/tests/test_views.py": "def test_it():\n    assert True\n",
    "web/api.js": "call({region: 'eu'})\n",
    "keep.log": "TODO: tracked although *.log is ignored\n",
}
IGNORED = {
    ".venv/lib/site-packages/pkg/mod.py": "print('x')\ntry:\n    f()\nexcept:\n    pass\n",
    ".venv/lib/site-packages/pkg/tests/test_mod.py": "REGION = 'us'\n",
    "build/bundle.js": "call({region: 'us'})\n",
    "debug.log": "TODO: ignored\n",
    "app/trace.log": "TODO: ignored\n",
}
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


@pytest.fixture
def ignoring(tmp_path: Path) -> Path:
    """A clean working tree (nothing untracked but what .gitignore ignores) with a tracked
    file that .gitignore matches."""
    repo = tmp_path / "repo"
    git(repo.parent, "init", "-q", repo.name)
    write(repo, TRACKED)
    git(repo, "add", "-f", *TRACKED)
    git(repo, "commit", "-q", "-m", "m")
    write(repo, IGNORED)
    assert git(repo, "status", "--porcelain") == ""
    return repo


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

    monkeypatch.setattr(scan, "CappedProcess", Recorded)
    return runs


def test_it_keeps_ripgrep_out_of_what_git_ignores_and_filters_what_it_reports(
    ignoring, monkeypatch
):
    runs = record_ripgrep(monkeypatch)
    spec = check("no-print", "grep", paths=["**"], pattern=r"print\(", expect="absent")

    kept_out = run_file_checks([spec], WorkingTree(ignoring))["no-print"]
    ((argv, printed),) = runs
    monkeypatch.setattr(scan, "MAX_RG_EXCLUSIONS", 0)
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
    argv += [*scan.rg_exclusions(ignored), "--", "."]

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

    assert scan.rg_exclusions(ignored) == ["--glob=!/a/", "--glob=!/b/", "--glob=!/c"]
    assert scan.rg_exclusions(None) == []
    monkeypatch.setattr(scan, "MAX_RG_EXCLUSIONS", 2)
    assert scan.rg_exclusions(ignored) == ["--glob=!/a/", "--glob=!/b/"]
