"""readiness/services/sources.py: where a worker finds a project's files (a plain folder as
it is, a revision of a local repository, a clone of a git URL), and the sources it refuses."""

import datetime as dt

import pytest

from readiness.services.sources import SourceError, source_prepare
from tests.factories import ProjectFactory
from tests.readiness.repo_builders import GitRepo, write_files

pytestmark = pytest.mark.django_db

WHEN = dt.datetime(2026, 2, 16, 9, 0, tzinfo=dt.UTC)


def test_it_checks_out_the_ref_of_a_local_repository_leaving_the_working_tree(tmp_path):
    git = GitRepo(tmp_path / "repo")
    release = git.commit({"app.py": "DEBUG = False\n"}, when=WHEN)
    git.branch("release")
    git.commit({"app.py": "DEBUG = True\n"}, when=WHEN + dt.timedelta(days=1))
    project = ProjectFactory(source=str(git.root), ref="release")

    state = source_prepare(project=project)

    assert state.revision == release
    assert state.path != git.root
    assert state.path.joinpath("app.py").read_text() == "DEBUG = False\n"
    assert git.root.joinpath("app.py").read_text() == "DEBUG = True\n"
    assert git.git("status", "--porcelain") == ""


def test_it_fetches_new_commits_of_a_git_url(tmp_path):
    git = GitRepo(tmp_path / "work")
    git.commit({"app.py": "DEBUG = True\n"}, when=WHEN)
    bare = tmp_path / "origin.git"
    git.git("clone", "--bare", "--quiet", str(git.root), str(bare))
    project = ProjectFactory(source=f"file://{bare}")
    assert source_prepare(project=project).path.joinpath("app.py").read_text() == "DEBUG = True\n"

    newer = git.commit({"app.py": "DEBUG = False\n"}, when=WHEN + dt.timedelta(days=1))
    git.git("push", "--quiet", str(bare), "main")

    state = source_prepare(project=project)
    assert state.revision == newer
    assert state.path.joinpath("app.py").read_text() == "DEBUG = False\n"


def test_it_uses_a_plain_folder_as_it_is_without_a_revision(tmp_path):
    repo = write_files(tmp_path / "repo", {"app/settings.py": "DEBUG = False\n"})
    project = ProjectFactory(source=str(repo))

    state = source_prepare(project=project)

    assert (state.path, state.revision) == (repo, "")


@pytest.mark.parametrize(
    ("source", "message"),
    [
        ("ftp://example.com/repo.git", "the git transport ftp is not allowed"),
        ("ext::sh -c touch% /tmp/pwned", "no such folder"),
        ("/no/such/folder", "no such folder on this machine"),
    ],
)
def test_it_refuses_a_source_it_cannot_use(source, message):
    project = ProjectFactory(source=source)

    with pytest.raises(SourceError, match=message):
        source_prepare(project=project)


def test_it_names_an_unknown_ref(tmp_path):
    git = GitRepo(tmp_path / "repo")
    git.commit({"app.py": "x\n"}, when=WHEN)
    project = ProjectFactory(source=str(git.root), ref="no-such-branch")

    with pytest.raises(SourceError, match="revision no-such-branch: not found"):
        source_prepare(project=project)
