"""checks.starters: which starters fit a repository, and how their paths are placed."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from checks.starters import STARTERS, FitError, available, common_folder, detect, fit
from tests.starters.repos import CHECKLISTS, write_files

DOCKERFILE = """
version: 1
name: Dockerfile readiness
categories:
  - key: security
    checks:
      - key: non-root-user
        type: grep
        paths: ["**/Dockerfile"]
        pattern: '^USER\\s+(?!root)'
      - key: tests-exist
        type: file
        paths: ["**/Dockerfile"]
"""
ACTIONS = """
version: 1
name: GitHub Actions readiness
levels: [bronze, gold]
categories:
  - key: security
    checks:
      - key: actions-pinned
        type: grep
        level: gold
        paths: [".github/workflows/*.yml"]
        pattern: 'uses:\\s*\\S+@[0-9a-f]{40}'
"""


@pytest.fixture
def folder(tmp_path):
    """A starters folder with the Django starter and two small infrastructure starters."""
    path = tmp_path / "checklists"
    path.mkdir()
    shutil.copy(CHECKLISTS / "django-service.yml", path)
    (path / "dockerfile.yml").write_text(DOCKERFILE.replace("(?!root)", "[a-z]"))
    (path / "github-actions.yml").write_text(ACTIONS)
    return path


def repo_with(tmp_path: Path, files: dict[str, str]) -> Path:
    repo = tmp_path / "repo"
    write_files(repo, files)
    return repo


def paths(checklist, key):
    return list(checklist.check(key).options["paths"])


def test_it_lists_only_the_starters_whose_file_exists(folder):
    assert [s.name for s in available(folder)] == [
        "django-service",
        "dockerfile",
        "github-actions",
    ]
    assert {s.name for s in available(CHECKLISTS)} >= {"django-service", "node-firebase-functions"}
    assert len({s.name for s in STARTERS}) == len(STARTERS)


def test_the_common_folder_of_several_roots_is_their_deepest_shared_parent():
    assert common_folder(["services/api", "services/web"]) == "services"
    assert common_folder(["sos"]) == "sos"
    assert common_folder(["sos", ""]) == ""
    assert common_folder(["apps/a", "apps-b"]) == ""


def test_it_detects_a_stack_by_its_marker_files_and_their_contents(folder, tmp_path):
    repo = repo_with(
        tmp_path,
        {
            "services/api/manage.py": "from django.core.management import execute\n",
            "tools/manage.py": "print('a script')\n",
            "services/api/Dockerfile": "FROM python:3.12\n",
        },
    )

    found = {d.starter.name: d for d in detect(repo, available(folder))}

    assert found["django-service"].roots == ("services/api",)
    assert found["django-service"].files == ("services/api/manage.py",)
    assert found["dockerfile"].root == "services/api"
    assert "github-actions" not in found


def test_it_places_globs_in_the_service_folder_or_the_nearest_parent_that_has_the_files(
    folder, tmp_path
):
    repo = repo_with(
        tmp_path,
        {
            "README.md": "make test\n",
            ".github/workflows/ci.yml": "on: push\n",
            "requirements.txt": "Django==5.2\n",
            "sos/manage.py": "import django\n",
            "sos/app/settings.py": "DEBUG = False\n",
            "web/settings.py": "DEBUG = True\n",
        },
    )

    result = fit(repo, folder, extras=False)
    checklist = result.checklist

    assert result.main.root == "sos"
    assert paths(checklist, "debug-never-hardcoded-true")[0] == "sos/**/settings.py"
    # A parent's `**/x` means x there: web/settings.py is another stack's.
    assert paths(checklist, "requirements-pinned")[0] == "requirements.txt"
    assert ".github/workflows/*.yml" in paths(checklist, "ci-configured")
    assert paths(checklist, "readme-explains-tests")[0] == "README.md"


def test_a_check_whose_globs_match_nowhere_stays_as_the_starter_has_it(folder, tmp_path):
    repo = repo_with(tmp_path, {"sos/manage.py": "import django\n"})

    result = fit(repo, folder, extras=False)

    not_placed = {p.check for p in result.not_placed}
    assert "python-version-consistent" in not_placed
    assert "tests-exist" in not_placed
    starter = fit(repo_with(tmp_path, {"manage.py": "django"}), folder, extras=False)
    assert paths(result.checklist, "tests-exist") == paths(starter.checklist, "tests-exist")


def test_it_adds_the_infrastructure_starters_that_fit_as_one_category_each(folder, tmp_path):
    repo = repo_with(
        tmp_path,
        {
            ".github/workflows/ci.yml": "on: push\n",
            "sos/manage.py": "import django\n",
            "sos/Dockerfile": "FROM python:3.12\nUSER app\n",
        },
    )

    result = fit(repo, folder)
    categories = {c.key: c for c in result.checklist.categories}

    assert [d.starter.name for d in result.extras] == ["dockerfile", "github-actions"]
    assert categories["dockerfile"].name == "Dockerfile"
    assert categories["github-actions"].name == "GitHub Actions"
    assert paths(result.checklist, "non-root-user") == ["sos/**/Dockerfile"]
    # A key the service starter has already is renamed, and said.
    assert result.checklist.check("dockerfile-tests-exist").category == "dockerfile"
    assert ("dockerfile", "tests-exist", "dockerfile-tests-exist") in result.renamed
    # Levels the checklist does not have are dropped, and said.
    assert result.checklist.check("actions-pinned").level is None
    assert result.levels_dropped == ["github-actions"]
    assert [d.starter.name for d in fit(repo, folder, extras=False).extras] == []


def test_infrastructure_inside_another_service_folder_is_left_to_that_service(folder, tmp_path):
    (folder / "node-express-service.yml").write_text(
        (CHECKLISTS / "django-service.yml").read_text().replace("Django", "Express")
    )
    repo = repo_with(
        tmp_path,
        {
            "api/manage.py": "import django\n",
            "web/package.json": '{"dependencies": {"express": "4.21.0"}}\n',
            "web/Dockerfile": "FROM node:22\n",
        },
    )

    result = fit(repo, folder)

    assert result.main.starter.name == "django-service"
    assert [d.starter.name for d in result.others] == ["node-express-service"]
    assert result.extras == []


def test_a_named_starter_is_fitted_even_when_another_is_detected(folder, tmp_path):
    repo = repo_with(tmp_path, {"manage.py": "import django\n"})
    shutil.copy(CHECKLISTS / "node-firebase-functions.yml", folder)

    result = fit(repo, folder, starter="node-firebase-functions")

    assert result.main.starter.name == "node-firebase-functions"
    assert result.main.root == ""


def test_it_names_what_is_wrong(folder, tmp_path):
    with pytest.raises(FitError, match="no such folder"):
        fit(tmp_path / "missing", folder)
    repo = repo_with(tmp_path, {"notes.txt": "hello\n"})
    with pytest.raises(FitError, match=r"no starter fits.*--starter"):
        fit(repo, folder)
    with pytest.raises(FitError, match=r"--starter rails: no such starter .*django-service"):
        fit(repo, folder, starter="rails")
