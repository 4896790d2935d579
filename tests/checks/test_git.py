"""Running git: revisions resolved or explained, HEAD of a working tree."""

from pathlib import Path

import pytest

from checks.git import git_head, git_resolve
from checks.gitrevision import GitRevision
from checks.tree import TreeError
from tests.checks.repos import commit, git


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    path = tmp_path / "repo"
    path.mkdir()
    git(path, "init", "-q", "-b", "main")
    return path


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

    with pytest.raises(TreeError, match=message):
        git_resolve(repo, rev)
    with pytest.raises(TreeError, match=message):
        GitRevision(repo, rev)


def test_it_gives_head_for_a_working_tree_and_none_for_a_plain_directory(repo, tmp_path):
    plain = tmp_path / "plain"
    plain.mkdir()
    assert git_head(repo) is None  # no commit yet
    sha = commit(repo, {"a": "a"}, "2026-01-05T09:00:00Z")

    assert git_head(repo) == sha
    assert git_head(plain) is None


def test_it_says_that_a_revision_lies_beyond_a_shallow_clones_history(repo, tmp_path):
    old = commit(repo, {"a": "a"}, "2026-01-05T09:00:00Z")
    commit(repo, {"a": "b"}, "2026-01-06T09:00:00Z")
    shallow = tmp_path / "shallow"
    git(tmp_path, "clone", "-q", "--depth", "1", repo.as_uri(), str(shallow))

    with pytest.raises(TreeError) as raised:
        GitRevision(shallow, old)

    assert str(raised.value) == (
        f"{old!r} is not a commit of the repository {shallow}, a shallow clone: its history "
        "stops at the shallow boundary (git fetch --deepen=N or --unshallow brings older "
        "commits)"
    )
    assert [entry.path for entry in GitRevision(shallow, "HEAD").files()] == ["a"]
