import datetime as dt
import os
import subprocess
from pathlib import Path

import pytest

from checks.source import (
    _POOL,
    NESTED_REPOSITORY_REASON,
    FileEntry,
    GitRevision,
    Ignored,
    SourceError,
    WorkingTree,
    git_head,
    git_resolve,
)


def write(root: Path, files: dict[str, str | bytes]) -> None:
    for name, content in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, str):
            content = content.encode()
        path.write_bytes(content)


def git(repo: Path, *args: str, date: str = "2026-02-01T10:00:00+01:00") -> str:
    env = {
        **os.environ,
        "GIT_AUTHOR_NAME": "t",
        "GIT_AUTHOR_EMAIL": "t@example.com",
        "GIT_COMMITTER_NAME": "t",
        "GIT_COMMITTER_EMAIL": "t@example.com",
        "GIT_AUTHOR_DATE": date,
        "GIT_COMMITTER_DATE": date,
    }
    result = subprocess.run(
        ["git", "-C", str(repo), *args], capture_output=True, text=True, env=env, check=True
    )
    return result.stdout.strip()


def commit(repo: Path, files: dict[str, str | bytes], date: str) -> str:
    write(repo, files)
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "change", date=date)
    return git(repo, "rev-parse", "HEAD")


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    path = tmp_path / "repo"
    path.mkdir()
    git(path, "init", "-q", "-b", "main")
    return path


def listing(tree) -> dict[str, int]:
    return {entry.path: entry.size for entry in tree.files()}


def test_it_lists_files_with_sizes_and_leaves_out_git_directories(tmp_path):
    write(tmp_path, {"a.txt": "abc", "src/b.py": "x = 1\n", ".git/config": "x", "s/.git": "x"})

    assert listing(WorkingTree(tmp_path)) == {"a.txt": 3, "src/b.py": 6}


def test_it_reads_a_file_whole_or_up_to_a_limit(tmp_path):
    write(tmp_path, {"a.txt": "abcdef"})
    tree = WorkingTree(tmp_path)
    (entry,) = tree.files()

    assert tree.read(entry) == b"abcdef"
    assert tree.read(entry, 2) == b"ab"


def test_it_never_follows_a_symlink_that_leads_outside_the_root(tmp_path):
    outside = tmp_path / "outside.txt"
    outside.write_text("secret")
    root = tmp_path / "repo"
    write(root, {"a.txt": "a"})
    (root / "leak.txt").symlink_to(outside)
    (root / "up").symlink_to(tmp_path)
    tree = WorkingTree(root)

    assert listing(tree) == {"a.txt": 1}
    assert {(item.path, item.reason) for item in tree.skipped} == {
        ("leak.txt", "symlink leads outside the repository"),
        ("up", "symlink leads outside the repository"),
    }
    with pytest.raises(SourceError):
        tree.read(FileEntry("leak.txt", 6))


def test_it_follows_a_symlink_to_a_file_inside_the_root_but_not_to_a_directory(tmp_path):
    write(tmp_path, {"real/a.txt": "hello"})
    (tmp_path / "alias.txt").symlink_to(tmp_path / "real" / "a.txt")
    (tmp_path / "dir-alias").symlink_to(tmp_path / "real")
    (tmp_path / "dangling").symlink_to(tmp_path / "missing")
    tree = WorkingTree(tmp_path)
    entries = {entry.path: entry for entry in tree.files()}

    assert sorted(entries) == ["alias.txt", "real/a.txt"]
    assert tree.read(entries["alias.txt"]) == b"hello"
    assert {(item.path, item.reason) for item in tree.skipped} == {
        ("dir-alias", "symlink to a directory (not followed)"),
        ("dangling", "broken symlink"),
    }


def test_it_reports_special_files_instead_of_reading_them(tmp_path):
    os.mkfifo(tmp_path / "pipe")
    tree = WorkingTree(tmp_path)

    assert listing(tree) == {}
    assert [(item.path, item.reason) for item in tree.skipped] == [("pipe", "not a regular file")]


def test_it_raises_a_source_error_for_a_file_that_vanished(tmp_path):
    write(tmp_path, {"a.txt": "a"})
    tree = WorkingTree(tmp_path)
    (entry,) = tree.files()
    (tmp_path / "a.txt").unlink()

    with pytest.raises(SourceError, match=r"a\.txt"):
        tree.read(entry)
    ((_, error),) = tree.read_many([entry])
    assert isinstance(error, SourceError)


def test_it_refuses_to_read_paths_that_leave_the_root(tmp_path):
    tree = WorkingTree(tmp_path)

    with pytest.raises(SourceError, match="not inside the repository"):
        tree.read(FileEntry("../etc/passwd", 1))


def test_it_refuses_a_root_that_is_not_a_directory(tmp_path):
    with pytest.raises(SourceError, match="not a directory"):
        WorkingTree(tmp_path / "missing")


IGNORING = {
    ".gitignore": ".venv/\n*.log\n",
    "app.py": "print('app')\n",
    "keep.log": "tracked although ignored\n",
    ".venv/pyvenv.cfg": "home = /usr\n",
}
IGNORED = {
    ".venv/lib/site.py": "print('site')\n",
    ".venv/bin/activate": "x\n",
    "debug.log": "x\n",
    "src/trace.log": "x\n",
}


@pytest.fixture
def ignoring(repo: Path) -> Path:
    """A working tree with tracked files (two of them force-added against .gitignore),
    ignored ones, and an untracked file that is not ignored."""
    write(repo, IGNORING)
    git(repo, "add", ".gitignore", "app.py")
    git(repo, "add", "-f", "keep.log", ".venv/pyvenv.cfg")
    git(repo, "commit", "-q", "-m", "start")
    write(repo, {**IGNORED, "src/notes.txt": "untracked\n"})
    return repo


def test_it_lists_what_git_lists_in_a_working_tree(ignoring):
    tree = WorkingTree(ignoring)
    listed = git(ignoring, "ls-files", "--cached", "--others", "--exclude-standard")

    assert sorted(listing(tree)) == sorted(listed.splitlines())
    assert sorted(listing(tree)) == [
        ".gitignore",
        ".venv/pyvenv.cfg",
        "app.py",
        "keep.log",
        "src/notes.txt",
    ]
    assert tree.ignore_note is None


def test_it_tells_which_directories_and_files_git_ignores(ignoring):
    ignored = WorkingTree(ignoring).ignored()

    # .venv holds a tracked file, so git names what it ignores inside it one by one.
    assert ignored == Ignored(
        frozenset({".venv/lib", ".venv/bin"}), frozenset({"debug.log", "src/trace.log"})
    )


def test_it_lists_everything_when_asked_not_to_follow_gitignore(ignoring):
    tree = WorkingTree(ignoring, respect_gitignore=False)

    assert set(listing(tree)) == set(IGNORING) | set(IGNORED) | {"src/notes.txt"}
    assert tree.ignored() is None


def test_it_lists_a_plain_folder_whole_whatever_its_gitignore_says(tmp_path):
    assert git_head(tmp_path) is None  # not inside a working tree
    write(tmp_path, {**IGNORING, **IGNORED})
    tree = WorkingTree(tmp_path)

    assert set(listing(tree)) == set(IGNORING) | set(IGNORED)
    assert tree.ignored() is None
    assert tree.ignore_note is None


def test_it_lists_a_subfolder_of_a_working_tree_whole(ignoring):
    # The enclosing repository's rules may have nothing to do with a folder inside it.
    tree = WorkingTree(ignoring / "src")

    assert sorted(listing(tree)) == ["notes.txt", "trace.log"]
    assert tree.ignored() is None


def test_it_lists_everything_and_says_why_when_git_cannot_tell(ignoring, monkeypatch):
    monkeypatch.setenv("PATH", "")  # no git to ask
    tree = WorkingTree(ignoring)

    assert set(listing(tree)) == set(IGNORING) | set(IGNORED) | {"src/notes.txt"}
    assert "git is not installed" in tree.ignore_note


def test_it_lists_everything_and_says_why_when_its_git_folder_is_no_repository(tmp_path):
    assert git_head(tmp_path) is None  # not inside a working tree
    write(tmp_path, {".git/config": "x", ".gitignore": "*.log\n", "a.log": "x"})
    tree = WorkingTree(tmp_path)

    assert sorted(listing(tree)) == [".gitignore", "a.log"]
    assert "git rev-parse failed: fatal: not a git repository" in tree.ignore_note


def test_it_leaves_a_repository_inside_the_working_tree_to_its_own_git(ignoring):
    nested = ignoring / "vendor" / "lib"
    nested.mkdir(parents=True)
    git(nested, "init", "-q")
    write(nested, {"lib.py": "x = 1\n"})

    tree = WorkingTree(ignoring)

    assert not any(path.startswith("vendor/") for path in listing(tree))
    assert [(item.path, item.reason) for item in tree.skipped] == [
        ("vendor/lib", NESTED_REPOSITORY_REASON)
    ]


def test_it_reads_an_old_revision_from_git_objects_without_checking_out(repo):
    old = commit(repo, {"app.py": "REGION = 'us'\n", "gone.txt": "x"}, "2026-01-05T09:00:00+01:00")
    git(repo, "rm", "-q", "gone.txt")
    commit(repo, {"app.py": "REGION = 'eu'\n", "new.txt": "n"}, "2026-01-06T09:00:00+01:00")

    with GitRevision(repo, old) as tree:
        entries = {entry.path: entry for entry in tree.files()}
        assert sorted(entries) == ["app.py", "gone.txt"]
        assert tree.read(entries["app.py"]) == b"REGION = 'us'\n"
        assert entries["app.py"].size == len(b"REGION = 'us'\n")
        assert entries["app.py"].blob == git(repo, "rev-parse", f"{old}:app.py")
        assert tree.revision == old
        assert tree.committed_at == dt.datetime(2026, 1, 5, 8, 0, tzinfo=dt.UTC)
    assert (repo / "app.py").read_text() == "REGION = 'eu'\n"


def test_it_resolves_branch_names_and_short_shas_to_the_full_sha(repo):
    sha = commit(repo, {"a": "a"}, "2026-01-05T09:00:00Z")

    assert git_resolve(repo, "main") == sha
    assert git_resolve(repo, sha[:8]) == sha
    assert GitRevision(repo, "HEAD").revision == sha


@pytest.mark.parametrize(
    ("rev", "message"),
    [
        ("no-such-branch", "is not a commit"),
        ("--output=/tmp/x", "not a valid revision"),
        ("", "revision is empty"),
    ],
)
def test_it_explains_a_revision_it_cannot_use(repo, rev, message):
    commit(repo, {"a": "a"}, "2026-01-05T09:00:00Z")

    with pytest.raises(SourceError, match=message):
        git_resolve(repo, rev)
    with pytest.raises(SourceError, match=message):
        GitRevision(repo, rev)


def test_it_explains_that_a_plain_directory_is_not_a_git_repository(tmp_path):
    with pytest.raises(SourceError, match="not a git repository"):
        GitRevision(tmp_path, "HEAD")


def test_it_gives_head_for_a_working_tree_and_none_for_a_plain_directory(repo, tmp_path):
    plain = tmp_path / "plain"
    plain.mkdir()
    assert git_head(repo) is None  # no commit yet
    sha = commit(repo, {"a": "a"}, "2026-01-05T09:00:00Z")

    assert git_head(repo) == sha
    assert git_head(plain) is None


def test_it_follows_git_symlinks_inside_the_tree_and_reports_the_others(repo):
    write(repo, {"real/a.txt": "hello"})
    (repo / "alias.txt").symlink_to("real/a.txt")
    (repo / "leak").symlink_to("../../etc/passwd")
    (repo / "absolute").symlink_to("/etc/passwd")
    (repo / "dir-alias").symlink_to("real")
    sha = commit(repo, {}, "2026-01-05T09:00:00Z")

    with GitRevision(repo, sha) as tree:
        entries = {entry.path: entry for entry in tree.files()}
        assert sorted(entries) == ["alias.txt", "real/a.txt"]
        assert tree.read(entries["alias.txt"]) == b"hello"
        assert {(item.path, item.reason) for item in tree.skipped} == {
            ("leak", "symlink leads outside the repository"),
            ("absolute", "symlink leads outside the repository"),
            ("dir-alias", "symlink to a directory (not followed)"),
        }


def test_it_reports_a_submodule_instead_of_scanning_it(repo):
    sha = commit(repo, {"a": "a"}, "2026-01-05T09:00:00Z")
    git(repo, "update-index", "--add", "--cacheinfo", f"160000,{sha},vendor/lib")
    git(repo, "commit", "-q", "-m", "submodule")

    with GitRevision(repo, "HEAD") as tree:
        assert listing(tree) == {"a": 1}
        assert [(item.path, item.reason) for item in tree.skipped] == [
            ("vendor/lib", "submodule (not scanned)")
        ]


def test_it_gives_an_error_in_place_of_a_missing_blob(repo):
    sha = commit(repo, {"a": "a"}, "2026-01-05T09:00:00Z")
    missing = FileEntry("ghost", 1, "0" * 40)

    with GitRevision(repo, sha) as tree:
        (entry,) = tree.files()
        results = list(tree.read_many([missing, entry]))
        assert isinstance(results[0][1], SourceError)
        assert results[1][1] == b"a"
        with pytest.raises(SourceError, match="missing"):
            tree.read(missing)


def test_it_hands_its_git_process_to_the_next_revision_of_the_same_repository(repo):
    first = commit(repo, {"a": "a"}, "2026-01-05T09:00:00Z")
    second = commit(repo, {"a": "b"}, "2026-01-06T09:00:00Z")
    with GitRevision(repo, first) as tree:
        process = tree._batch._proc

    with GitRevision(repo, second) as tree:
        assert tree._batch._proc is process
        assert [tree.read(entry) for entry in tree.files()] == [b"b"]
    _POOL.clear()
    assert process.poll() is not None


def test_it_never_hands_on_a_git_process_that_died(repo):
    sha = commit(repo, {"a": "a"}, "2026-01-05T09:00:00Z")
    with GitRevision(repo, sha) as tree:
        process = tree._batch._proc
        process.kill()
        process.wait()

    with GitRevision(repo, sha) as tree:
        assert tree._batch._proc is not process
        assert [tree.read(entry) for entry in tree.files()] == [b"a"]
