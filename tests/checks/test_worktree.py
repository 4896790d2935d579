"""A working directory as a tree: what it lists, skips and reads, and what git ignores."""

import os
from pathlib import Path

import pytest

from checks.git import git_head
from checks.tree import FileEntry, TreeError
from checks.worktree import NESTED_REPOSITORY_REASON, Ignored, WorkingTree
from tests.checks.repos import git, listing, write


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    path = tmp_path / "repo"
    path.mkdir()
    git(path, "init", "-q", "-b", "main")
    return path


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
    with pytest.raises(TreeError):
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


def test_it_names_a_symlink_loop(tmp_path):
    (tmp_path / "a").symlink_to("b")
    (tmp_path / "b").symlink_to("a")
    tree = WorkingTree(tmp_path)

    assert listing(tree) == {}
    assert {(item.path, item.reason) for item in tree.skipped} == {
        ("a", "symlink loop"),
        ("b", "symlink loop"),
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

    with pytest.raises(TreeError, match=r"a\.txt"):
        tree.read(entry)
    ((_, error),) = tree.read_many([entry])
    assert isinstance(error, TreeError)


def test_it_refuses_to_read_paths_that_leave_the_root(tmp_path):
    tree = WorkingTree(tmp_path)

    with pytest.raises(TreeError, match="not inside the repository"):
        tree.read(FileEntry("../etc/passwd", 1))


def test_it_refuses_a_root_that_is_not_a_directory(tmp_path):
    with pytest.raises(TreeError, match="not a directory"):
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


def without_venv(paths) -> set[str]:
    return {path for path in paths if not path.startswith(".venv/")}


def test_it_lists_a_plain_folder_whole_whatever_its_gitignore_says(tmp_path):
    assert git_head(tmp_path) is None  # not inside a working tree
    write(tmp_path, {**IGNORING, **IGNORED})
    tree = WorkingTree(tmp_path)

    # Its .gitignore is not read (debug.log stays); only the default exclusions apply.
    assert set(listing(tree)) == without_venv(set(IGNORING) | set(IGNORED))
    assert "debug.log" in listing(tree)
    assert tree.ignored() is None
    assert tree.ignore_note is None


DEPENDENCIES = {
    "node_modules/left-pad/index.js": "x\n",
    "apps/web/node_modules/react/index.js": "x\n",
    ".venv/lib/site.py": "x\n",
    "services/api/venv/bin/activate": "x\n",
    "vendor/github.com/x/y.go": "x\n",
    "dist/app.js": "x\n",
    "apps/web/build/static/main.js": "x\n",
}
OWN = {
    "app.py": "x\n",
    "apps/web/src/index.js": "x\n",
    "docs/build": "a file named build is kept\n",
    "src/distribution.py": "x\n",
    "src/vendors/list.py": "x\n",
}


def test_a_plain_folder_leaves_out_dependency_and_build_folders_at_any_depth(tmp_path):
    write(tmp_path, {**DEPENDENCIES, **OWN})

    assert set(listing(WorkingTree(tmp_path))) == set(OWN)
    assert WorkingTree(tmp_path).excluded_names == {
        "node_modules",
        ".venv",
        "venv",
        "vendor",
        "dist",
        "build",
    }


def test_the_default_exclusions_can_be_turned_off(tmp_path):
    write(tmp_path, {**DEPENDENCIES, **OWN})

    everything = set(DEPENDENCIES) | set(OWN)
    assert set(listing(WorkingTree(tmp_path, default_exclusions=False))) == everything
    assert set(listing(WorkingTree(tmp_path, respect_gitignore=False))) == everything


def test_a_working_tree_follows_git_rather_than_the_default_exclusions(repo):
    # A committed vendor/ is the project's: git lists it, so the scan reads it.
    write(repo, {"vendor/lib.go": "x\n", "app.go": "x\n", "node_modules/x.js": "x\n"})
    git(repo, "add", "vendor/lib.go", "app.go")
    git(repo, "commit", "-q", "-m", "start")
    tree = WorkingTree(repo)

    assert sorted(listing(tree)) == ["app.go", "node_modules/x.js", "vendor/lib.go"]
    assert tree.excluded_names == frozenset()


def test_it_lists_a_subfolder_of_a_working_tree_whole(ignoring):
    # The enclosing repository's rules may have nothing to do with a folder inside it.
    tree = WorkingTree(ignoring / "src")

    assert sorted(listing(tree)) == ["notes.txt", "trace.log"]
    assert tree.ignored() is None


def test_it_lists_everything_and_says_why_when_git_cannot_tell(ignoring, monkeypatch):
    monkeypatch.setenv("PATH", "")  # no git to ask
    tree = WorkingTree(ignoring)

    # Listed as a plain folder: whole, but for the default exclusions.
    assert set(listing(tree)) == without_venv(set(IGNORING) | set(IGNORED) | {"src/notes.txt"})
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
