"""A revision read from git's objects: files, links, submodules, the shared cat-file."""

import datetime as dt
from pathlib import Path

import pytest

from checks.gitrevision import _POOL, GitRevision
from checks.tree import UNKNOWN_SIZE, FileEntry, MissingObject, TreeError
from tests.checks.repos import commit, drop_object, git, listing, write


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    path = tmp_path / "repo"
    path.mkdir()
    git(path, "init", "-q", "-b", "main")
    return path


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


def test_it_explains_that_a_plain_directory_is_not_a_git_repository(tmp_path):
    with pytest.raises(TreeError, match="not a git repository"):
        GitRevision(tmp_path, "HEAD")


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


def test_it_names_a_git_symlink_loop(repo):
    write(repo, {"a.txt": "a"})
    (repo / "a").symlink_to("b")
    (repo / "b").symlink_to("a")
    sha = commit(repo, {}, "2026-01-05T09:00:00Z")

    with GitRevision(repo, sha) as tree:
        assert listing(tree) == {"a.txt": 1}
        assert {(item.path, item.reason) for item in tree.skipped} == {
            ("a", "symlink loop"),
            ("b", "symlink loop"),
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
        assert isinstance(results[0][1], TreeError)
        assert results[1][1] == b"a"
        with pytest.raises(TreeError, match="missing"):
            tree.read(missing)


def test_it_lists_a_file_whose_blob_the_repository_lacks_and_reads_it_as_missing(repo):
    sha = commit(repo, {"a": "a", "big.bin": "lost"}, "2026-01-05T09:00:00Z")
    blob = drop_object(repo, "HEAD:big.bin")

    with GitRevision(repo, sha) as tree:
        entries = {entry.path: entry for entry in tree.files()}
        assert {path: entry.size for path, entry in entries.items()} == {
            "a": 1,
            "big.bin": UNKNOWN_SIZE,
        }
        (_, lost), (_, found) = tree.read_many([entries["big.bin"], entries["a"]])

    assert isinstance(lost, MissingObject)
    assert (lost.path, lost.revision, lost.blob) == ("big.bin", sha, blob)
    assert found == b"a"


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


def test_it_lists_a_subfolder_as_the_root_and_hands_its_process_on_when_it_is_missing(repo):
    without = commit(repo, {"app.py": "root"}, "2026-01-05T09:00:00Z")
    sha = commit(
        repo, {"services/api/app.py": "api", "services/web/app.py": "web"}, "2026-01-06T09:00:00Z"
    )

    with GitRevision(repo, sha, subfolder="services/api") as tree:
        entries = list(tree.files())
        assert [entry.path for entry in entries] == ["app.py"]
        assert tree.read(entries[0]) == b"api"
        process = tree._batch._proc

    for rev, subfolder in ((without, "services/api"), (sha, "services/api/app.py")):
        with pytest.raises(TreeError) as raised:
            GitRevision(repo, rev, subfolder=subfolder)
        assert str(raised.value) == f"no folder {subfolder} at revision {rev}"
    with GitRevision(repo, sha) as tree:
        assert tree._batch._proc is process
        assert sorted(entry.path for entry in tree.files()) == [
            "app.py",
            "services/api/app.py",
            "services/web/app.py",
        ]
