"""`manage.py init_checklist`: what it prints, where it writes, and its exit codes."""

from __future__ import annotations

import pytest

from checks.checklist import load_checklist
from readiness import models
from tests.readiness.repo_builders import run_command
from tests.starters.repos import write_files

DJANGO = {
    "manage.py": "import django\n",
    "shop/settings.py": "import os\nDEBUG = os.environ.get('DEBUG') == '1'\nLOGGING = {}\n",
    "README.md": "Run pytest.\n",
}


@pytest.fixture
def repo(tmp_path):
    path = tmp_path / "repo"
    write_files(path, DJANGO)
    return path


@pytest.mark.django_db
def test_it_prints_the_checklist_on_stdout_and_what_it_detected_on_stderr(repo):
    code, out, err = run_command("init_checklist", "--repo", str(repo))

    assert code == 0
    assert out.startswith("# Fitted by init_checklist from checklists/django-service.yml")
    assert load_checklist(out).name == "Django service readiness"
    assert "Detected: Django service in the repository's root (django-service.yml)" in err
    assert "Dry run (nothing saved): " in err
    assert "% measured" in err
    assert models.Project.objects.count() == 0
    assert models.ChecklistVersion.objects.count() == 0


@pytest.mark.django_db
def test_it_writes_the_output_file_and_refuses_to_replace_one_without_force(repo, tmp_path):
    output = tmp_path / "out.yml"

    code, out, _err = run_command("init_checklist", "--repo", str(repo), "--output", str(output))
    assert code == 0
    assert f"Checklist written to {output}." in out
    assert "Not placed, left as the starter has them:" in out
    assert "  - tests-exist: no file matches its paths" in out
    assert load_checklist(output.read_text()).name == "Django service readiness"

    output.write_text("mine")
    code, _out, err = run_command("init_checklist", "--repo", str(repo), "--output", str(output))
    assert code == 2
    assert f"--output {output}: the file exists (add --force to replace it)" in err
    assert output.read_text() == "mine"
    code, _out, _err = run_command(
        "init_checklist", "--repo", str(repo), "--output", str(output), "--force"
    )
    assert code == 0
    assert output.read_text().startswith("# Fitted by init_checklist")


@pytest.mark.django_db
def test_a_named_starter_replaces_the_detected_one(repo):
    code, out, err = run_command(
        "init_checklist", "--repo", str(repo), "--starter", "node-firebase-functions"
    )

    assert code == 0
    assert load_checklist(out).name == "Firebase functions backend readiness"
    assert "Also fits, not included: Django service in the repository's root" in err


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--repo", "/nonexistent/repo"], "--repo /nonexistent/repo: no such folder"),
        (["--starter", "rails"], "--starter rails: no such starter (one of: "),
        (["--base-url", "ftp://x"], "--base-url: "),
        (["--output", "/nonexistent/dir/x.yml"], "no folder /nonexistent/dir"),
    ],
)
def test_bad_input_exits_2_naming_what_is_wrong(repo, args, message):
    if args[0] != "--repo":
        args = ["--repo", str(repo), *args]

    code, out, err = run_command("init_checklist", *args)

    assert code == 2
    assert message in err
    assert out == ""


@pytest.mark.django_db
def test_a_repository_no_starter_fits_exits_2(tmp_path):
    write_files(tmp_path / "r", {"notes.txt": "hello\n"})

    code, _out, err = run_command("init_checklist", "--repo", str(tmp_path / "r"))

    assert code == 2
    assert "no starter fits" in err
    assert "--starter" in err
