import datetime as dt
import os

import pytest

from checks.checklist import ChecklistError, load_checklist_file
from readiness.models import ChecklistVersion, Project
from readiness.services.projects import ProjectError, project_add
from readiness.services.sources import SourceError, source_check
from tests import factories
from tests.readiness.repo_builders import GitRepo

# An unknown check type on line 7.
BAD_UPLOAD = b"""version: 1
name: Bad
categories:
  - key: ops
    checks:
      - key: x
        type: grepp
"""
WHEN = dt.datetime(2026, 2, 16, 9, 0, tzinfo=dt.UTC)


@pytest.fixture
def team(db):
    return factories.TeamFactory(name="Payments", slug="payments")


@pytest.fixture
def repo(tmp_path):
    repo = GitRepo(tmp_path / "repo")
    repo.commit({"api/app/settings.py": "DEBUG = False\n"}, when=WHEN)
    repo.git("tag", "v1")
    return repo


def add(team, **fields):
    values = {"name": "Payments API", "slug": "payments-api", "source": "", "ref": ""}
    values.update(fields)
    return project_add(team=team, **values)


def test_it_adds_a_project_with_a_starter_whose_file_globs_are_prefixed(team, repo, settings):
    project = add(team, source=str(repo.root), starter="django-service.yml", path_prefix="/api/")
    version = project.current_checklist()
    assert (project.team, project.source, version.number) == (team, str(repo.root), 1)
    checks = {check.key: check for check in version.checks.all()}
    starter = load_checklist_file(settings.READINESS_STARTERS_DIR / "django-service.yml")[0]
    settings_globs = starter.check("debug-from-environment").options["paths"]
    assert checks["debug-from-environment"].options["paths"] == [
        f"api/{glob}" for glob in settings_globs
    ]
    assert checks["debug-from-environment"].options["paths"][0] == "api/**/settings.py"
    sources = checks["python-version-consistent"].options["sources"]
    assert sources[1]["paths"] == ["api/pyproject.toml"]
    # Checks that read no file are as the starter has them.
    assert checks["no-missing-migrations"].options["argv"][0] == ".venv/bin/python"
    assert version.source_name == "django-service.yml"
    assert "api/**/settings.py" in version.source_text


def test_it_keeps_the_starter_file_as_it_is_without_a_prefix(team, repo, settings):
    project = add(team, source=str(repo.root), starter="http-service.yml")
    text = (settings.READINESS_STARTERS_DIR / "http-service.yml").read_text()
    assert project.current_checklist().source_text == text


def test_it_takes_an_uploaded_checklist(team, repo):
    upload = BAD_UPLOAD.decode().replace("Bad", "Mine").replace("type: grepp", "type: file")
    upload += "        paths: [README.md]\n"
    project = add(team, source=str(repo.root), ref="v1", upload=upload, upload_name="mine.yml")
    assert project.ref == "v1"
    assert project.current_checklist().name == "Mine"


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        ({"source": "/no/such/folder"}, "source", "/no/such/folder: no such folder"),
        ({"source": "relative/path"}, "source", "give the folder's absolute path"),
        ({"source": "ext::sh -c touch% /tmp/pwned"}, "source", "transport ext is not allowed"),
        ({"source": "-oProxyCommand=x"}, "source", "cannot start with -"),
        ({"slug": "no spaces"}, "slug", "letters, digits"),
        ({"name": "  "}, "name", "Give the project a name"),
        ({"ref": "no-such-branch"}, "source", "no-such-branch is not a branch, tag or commit"),
        ({"ref": "../etc"}, "ref", "not a valid git ref"),
        ({"path_prefix": "../outside"}, "path_prefix", "give a folder inside the repository"),
        ({"path_prefix": "src/*"}, "path_prefix", "give a folder inside the repository"),
        ({"starter": "../../etc/passwd"}, "starter", "is not a starter checklist"),
        ({"starter": ""}, "starter", "Pick a starter checklist or upload one"),
    ],
)
def test_it_names_the_field_in_error_and_saves_nothing(team, repo, fields, field, message):
    values = {"source": str(repo.root), "starter": "django-service.yml", **fields}
    with pytest.raises(ProjectError, match=message) as caught:
        add(team, **values)
    assert caught.value.field == field
    assert not Project.objects.exists()
    assert not ChecklistVersion.objects.exists()


def test_it_refuses_a_slug_already_taken_without_touching_that_project(team, repo):
    other = factories.ProjectFactory(slug="payments-api", source="/elsewhere")
    with pytest.raises(ProjectError, match="already exists") as caught:
        add(team, source=str(repo.root), starter="django-service.yml")
    assert caught.value.field == "slug"
    other.refresh_from_db()
    assert (other.source, other.team) != (str(repo.root), team)
    assert not ChecklistVersion.objects.exists()


def test_it_lists_every_problem_of_an_invalid_upload_and_saves_nothing(team, repo):
    upload = BAD_UPLOAD
    with pytest.raises(ChecklistError) as caught:
        add(team, source=str(repo.root), upload=upload, upload_name="bad.yml")
    assert [(p.file, p.line) for p in caught.value.problems] == [("bad.yml", 7)]
    assert not Project.objects.exists()


def test_it_checks_a_git_url_with_ls_remote(repo):
    source_check(source=f"file://{repo.root}", ref="main")
    source_check(source=f"file://{repo.root}", ref="v1")
    with pytest.raises(SourceError, match="nope is not a branch or tag"):
        source_check(source=f"file://{repo.root}", ref="nope")
    with pytest.raises(SourceError, match="does not answer as a git repository"):
        source_check(source=f"file://{repo.root}/missing")


def test_it_says_when_a_folder_cannot_be_read(tmp_path):
    if os.geteuid() == 0:
        pytest.skip("root reads every folder")
    locked = tmp_path / "locked"
    locked.mkdir(mode=0)
    try:
        with pytest.raises(SourceError, match="the folder cannot be read"):
            source_check(source=str(locked))
    finally:
        locked.chmod(0o755)


def test_it_gives_up_on_a_remote_that_never_answers(monkeypatch):
    import socket
    import time

    from readiness.services import sources

    monkeypatch.setattr(sources, "LS_REMOTE_TIMEOUT_S", 1)
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen()  # accepts connections, never answers
        port = silent.getsockname()[1]
        started = time.monotonic()
        with pytest.raises(SourceError, match="timed out after 1 s"):
            source_check(source=f"http://127.0.0.1:{port}/repo.git")
    assert time.monotonic() - started < 10
