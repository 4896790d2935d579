"""`manage.py import_checklist` and `manage.py export_checklist`."""

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

STARTERS = sorted((Path(__file__).resolve().parents[2] / "checklists").glob("*.yml"))

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


# export_checklist


@pytest.mark.django_db
@pytest.mark.parametrize("path", [*STARTERS, None], ids=lambda p: p.name if p else "example")
def test_it_exports_what_it_imported(tmp_path: Path, path: Path | None) -> None:
    ProjectFactory(slug="demo")
    source = path or write(tmp_path, VALID)
    run("import_checklist", str(source), "--project", "demo")

    exported = run("export_checklist", "--project", "demo")

    assert load_checklist(exported) == load_checklist(source.read_text(encoding="utf-8"))


@pytest.mark.django_db
def test_it_exports_an_earlier_version_on_request(tmp_path: Path) -> None:
    ProjectFactory(slug="payments")
    run("import_checklist", str(write(tmp_path, VALID)), "--project", "payments")
    changed = VALID.replace("weight: 2", "weight: 3")
    run("import_checklist", str(write(tmp_path, changed)), "--project", "payments")

    first = run("export_checklist", "--project", "payments", "--version", "1")
    current = run("export_checklist", "--project", "payments")

    assert load_checklist(first).categories[0].weight == 2
    assert load_checklist(current).categories[0].weight == 3


@pytest.mark.django_db
def test_it_writes_the_export_to_a_file(tmp_path: Path) -> None:
    ProjectFactory(slug="payments")
    run("import_checklist", str(write(tmp_path, VALID)), "--project", "payments")
    output = tmp_path / "out" / "exported.yml"
    output.parent.mkdir()

    message = run("export_checklist", "--project", "payments", "--output", str(output))

    assert load_checklist(output.read_bytes()) == load_checklist(VALID)
    assert message == f"Wrote checklist version 1 of payments to {output}.\n"


@pytest.mark.django_db
def test_it_refuses_an_unknown_version_naming_the_known_ones(tmp_path: Path) -> None:
    ProjectFactory(slug="payments")
    run("import_checklist", str(write(tmp_path, VALID)), "--project", "payments")

    error = failure("export_checklist", "--project", "payments", "--version", "7")

    assert error.returncode == 2
    assert str(error) == "Project payments has no checklist version 7 (it has 1)."


@pytest.mark.django_db
def test_it_refuses_a_project_without_a_checklist() -> None:
    ProjectFactory(slug="empty")

    error = failure("export_checklist", "--project", "empty")

    assert error.returncode == 2
    assert "has no checklist yet" in str(error)


@pytest.mark.django_db
def test_it_refuses_an_unknown_project_on_export() -> None:
    error = failure("export_checklist", "--project", "nowhere")

    assert error.returncode == 2
    assert str(error) == "There is no project nowhere."


@pytest.mark.django_db
def test_it_reports_an_unwritable_output_as_bad_input(tmp_path: Path) -> None:
    ProjectFactory(slug="payments")
    run("import_checklist", str(write(tmp_path, VALID)), "--project", "payments")

    error = failure(
        "export_checklist", "--project", "payments", "--output", str(tmp_path / "no" / "x.yml")
    )

    assert error.returncode == 2
    assert "No such file or directory" in str(error)
