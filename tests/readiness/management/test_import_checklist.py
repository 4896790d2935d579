"""`manage.py import_checklist`."""

from __future__ import annotations

from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from checks.checklist import load_checklist
from readiness.management.commands.import_checklist import Command as ImportCommand
from readiness.models import Category, Check, ChecklistVersion
from readiness.services.checklists import checklist_spec
from tests.factories import ProjectFactory

VALID = """\
version: 1
name: Payments
categories:
  - key: security
    weight: 2
    checks:
      - key: stripe-webhook-signature
        type: grep
        severity: critical
        paths: ["functions/src/**/*.ts"]
        pattern: 'webhooks\\.constructEvent\\('
      - key: pen-test
        type: manual
"""

INVALID = """\
version: 1
name: Payments
categories:
  - key: security
    checks:
      - key: stripe-webhook-signature
        type: grep
        paths: ["/etc/**"]
        pattern: 'constructEvent('
      - key: deploy
        type: command
        argv: firebase deploy
"""


def write(tmp_path: Path, text: str, name: str = ".readiness.yml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def run(name: str, *args: str) -> str:
    out = StringIO()
    call_command(name, *args, stdout=out)
    return out.getvalue()


def failure(name: str, *args: str) -> CommandError:
    with pytest.raises(CommandError) as caught:
        call_command(name, *args, stdout=StringIO())
    return caught.value


# import_checklist


@pytest.mark.django_db
def test_it_imports_a_valid_file_as_the_first_version(tmp_path: Path) -> None:
    project = ProjectFactory(slug="payments")

    output = run("import_checklist", str(write(tmp_path, VALID)), "--project", "payments")

    version = project.checklist_versions.get()
    assert version.number == 1
    assert version.source_text == VALID
    assert version.source_name == ".readiness.yml"
    assert list(version.checks.values_list("key", flat=True)) == [
        "stripe-webhook-signature",
        "pen-test",
    ]
    assert checklist_spec(version) == load_checklist(VALID)
    assert "as checklist version 1 of payments (categories: 1, checks: 2)" in output


@pytest.mark.django_db
def test_it_keeps_the_version_of_an_unchanged_file(tmp_path: Path) -> None:
    ProjectFactory(slug="payments")
    path = write(tmp_path, VALID)
    run("import_checklist", str(path), "--project", "payments")

    output = run("import_checklist", str(path), "--project", "payments")

    assert ChecklistVersion.objects.count() == 1
    assert "is unchanged: payments stays at checklist version 1" in output


@pytest.mark.django_db
def test_it_makes_a_new_version_of_a_changed_file(tmp_path: Path) -> None:
    project = ProjectFactory(slug="payments")
    run("import_checklist", str(write(tmp_path, VALID)), "--project", "payments")

    changed = VALID.replace("name: Payments", "name: Payments v2")
    run("import_checklist", str(write(tmp_path, changed)), "--project", "payments")

    assert list(project.checklist_versions.values_list("number", "name")) == [
        (2, "Payments v2"),
        (1, "Payments"),
    ]


@pytest.mark.django_db
def test_it_lists_every_problem_and_saves_nothing(tmp_path: Path) -> None:
    ProjectFactory(slug="payments")
    path = write(tmp_path, INVALID)

    error = failure("import_checklist", str(path), "--project", "payments")

    assert error.returncode == 2
    lines = str(error).splitlines()
    assert lines[0] == f"{path} is not a valid checklist (3 problems):"
    assert lines[1].startswith(f"{path}:8 categories[0].checks[0].paths[0]: absolute path")
    assert lines[2].startswith(f"{path}:9 categories[0].checks[0].pattern: unbalanced parenthesis")
    assert lines[3].startswith(f"{path}:12 categories[0].checks[1].argv: must be a list")
    assert (ChecklistVersion.objects.count(), Category.objects.count(), Check.objects.count()) == (
        0,
        0,
        0,
    )


@pytest.mark.django_db
def test_it_refuses_a_project_that_does_not_exist(tmp_path: Path) -> None:
    error = failure("import_checklist", str(write(tmp_path, VALID)), "--project", "nowhere")

    assert error.returncode == 2
    assert str(error) == "There is no project nowhere (create it with add_project)."
    assert not ChecklistVersion.objects.exists()


def test_it_reports_a_missing_file_as_bad_input(tmp_path: Path) -> None:
    path = tmp_path / "missing.yml"

    error = failure("import_checklist", str(path), "--project", "payments")

    assert error.returncode == 2
    assert f"{path}: cannot read the file: No such file or directory" in str(error)


def test_it_exits_with_code_2_and_the_problems_on_stderr(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = write(tmp_path, INVALID)

    with pytest.raises(SystemExit) as exited:
        ImportCommand().run_from_argv(
            ["manage.py", "import_checklist", str(path), "--project", "payments", "--skip-checks"]
        )

    captured = capsys.readouterr()
    assert exited.value.code == 2
    assert captured.out == ""
    assert f"{path}:9 categories[0].checks[0].pattern: unbalanced parenthesis" in captured.err
