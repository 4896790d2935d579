"""`manage.py export_checklist`."""

from __future__ import annotations

from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from checks.checklist import load_checklist
from tests.factories import ProjectFactory

STARTERS = sorted((Path(__file__).resolve().parents[3] / "checklists").glob("*.yml"))

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
