import datetime as dt

import pytest
from django.contrib.auth import get_user_model

from readiness import models
from tests.readiness.repo_builders import (
    GitRepo,
    category,
    checklist,
    run_command,
    write_checklist,
    write_files,
)

STARTER = checklist(
    category(
        "security",
        {
            "key": "debug-from-environment",
            "type": "grep",
            "paths": ["*/settings.py"],
            "pattern": r"^DEBUG = env",
        },
    ),
    category("operations", {"key": "runbook", "type": "manual"}),
)


@pytest.fixture
def site(settings, tmp_path):
    """A stand-in for this repository: its own git history and starter checklist."""
    root = tmp_path / "site"
    settings.BASE_DIR = root
    git = GitRepo(root)
    write_checklist(root / "checklists" / "django-service.yml", STARTER)
    git.commit(
        {"app/settings.py": "DEBUG = True\n"}, when=dt.datetime(2026, 2, 14, 9, tzinfo=dt.UTC)
    )
    git.commit(
        {"app/settings.py": "DEBUG = env('DEBUG')\n"},
        when=dt.datetime(2026, 2, 15, 9, tzinfo=dt.UTC),
    )
    return git


def counts() -> dict[str, int]:
    tracked = [
        models.Team,
        models.Project,
        models.ChecklistVersion,
        models.Membership,
        models.Assessment,
        get_user_model(),
    ]
    return {model.__name__: model.objects.count() for model in tracked}


@pytest.mark.django_db
def test_it_sets_up_a_demo_user_and_project_with_history_and_a_live_score(site):
    code, out, err = run_command("demo")

    project = models.Project.objects.get(slug="readiness")
    user = get_user_model().objects.get(username="demo")
    history = list(project.assessments.order_by("evaluated_at", "id"))
    assert code == 0, err
    assert project.source == str(site.root.resolve())
    assert project.current_checklist().source_name == "django-service.yml"
    assert user.is_staff
    assert user.check_password("readiness-demo")
    assert models.Membership.objects.get(user=user, team=project.team).role == models.Role.ADMIN
    assert [a.trigger for a in history] == ["backfill", "backfill", "cli"]
    # The backfilled points evaluate the grep at each commit; the live run at HEAD.
    assert [a.score for a in history] == [0.0, 10.0, 10.0]
    assert all(a.status == models.AssessmentStatus.DONE for a in history)
    assert "Log in at http://127.0.0.1:8000/ as demo / readiness-demo" in out


@pytest.mark.django_db
def test_it_changes_nothing_when_run_again(site):
    run_command("demo")
    before = counts()

    code, out, _err = run_command("demo")

    assert code == 0
    assert counts() == before
    assert "unchanged" in out


@pytest.mark.django_db
def test_it_backfills_only_the_new_commits_on_a_later_run(site):
    run_command("demo")
    site.commit({"README.md": "# Site\n"}, when=dt.datetime(2026, 2, 16, 9, tzinfo=dt.UTC))

    run_command("demo")

    project = models.Project.objects.get(slug="readiness")
    assert project.assessments.filter(trigger=models.Trigger.BACKFILL).count() == 3
    assert project.assessments.filter(trigger=models.Trigger.CLI).count() == 2


@pytest.mark.django_db
def test_it_runs_without_a_backfill_on_a_folder_that_is_not_a_git_repository(settings, tmp_path):
    settings.BASE_DIR = tmp_path / "plain"
    write_checklist(tmp_path / "plain" / "checklists" / "django-service.yml", STARTER)
    write_files(tmp_path / "plain", {"app/settings.py": "DEBUG = env('DEBUG')\n"})

    code, out, err = run_command("demo")

    project = models.Project.objects.get(slug="readiness")
    assert code == 0, err
    assert "No backfill" in out
    assert [a.trigger for a in project.assessments.all()] == ["cli"]


@pytest.mark.django_db
def test_it_fails_clearly_without_the_starter_checklist(settings, tmp_path):
    settings.BASE_DIR = tmp_path
    before = counts()

    code, _out, err = run_command("demo")

    assert code == 2
    assert "django-service.yml is missing" in err
    assert counts() == before
