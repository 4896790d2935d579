import pytest
from django_celery_beat.models import PeriodicTask

from readiness import models
from readiness.services.projects import project_upsert
from tests import factories
from tests.readiness.repo_builders import category, checklist, run_command, write_checklist

SAVED = [models.Team, models.Project, models.ChecklistVersion, models.Check, PeriodicTask]


def row_counts() -> dict[str, int]:
    return {model.__name__: model.objects.count() for model in SAVED}


def readme_checklist(**extra) -> dict:
    return checklist(
        category("docs", {"key": "readme", "type": "file", "paths": ["README.md"], **extra})
    )


@pytest.fixture
def source(tmp_path):
    path = tmp_path / "repo"
    path.mkdir()
    return path


@pytest.fixture
def checklist_file(tmp_path):
    return write_checklist(tmp_path / "readiness.yml", readme_checklist())


@pytest.mark.django_db
def test_it_creates_the_project_its_default_team_and_the_first_checklist_version(
    source, checklist_file
):
    code, out, _err = run_command(
        "add_project", "shop", "--source", str(source), "--checklist", str(checklist_file)
    )

    project = models.Project.objects.get(slug="shop")
    version = project.current_checklist()
    assert code == 0
    assert project.team.name == "default"
    assert project.name == "shop"
    assert project.source == str(source.resolve())
    assert version.number == 1
    assert version.source_name == "readiness.yml"
    assert list(version.checks.values_list("key", flat=True)) == ["readme"]
    assert "version 1 saved" in out


@pytest.mark.django_db
def test_it_keeps_the_version_of_an_unchanged_checklist_and_adds_one_for_a_changed_file(
    source, checklist_file
):
    args = ["shop", "--source", str(source), "--checklist", str(checklist_file)]
    run_command("add_project", *args)
    first = models.ChecklistVersion.objects.get()
    assessment = factories.AssessmentFactory(checklist=first)

    _code, unchanged, _err = run_command("add_project", *args)
    write_checklist(checklist_file, readme_checklist(weight=3))
    _code, changed, _err = run_command("add_project", *args)

    project = models.Project.objects.get(slug="shop")
    assert "unchanged (version 1)" in unchanged
    assert "version 2 saved" in changed
    assert list(project.checklist_versions.order_by("number").values_list("number", flat=True)) == [
        1,
        2,
    ]
    assert project.current_checklist().checks.get().weight == 3
    # An assessment keeps pointing at the version it used.
    assessment.refresh_from_db()
    assert assessment.checklist == first


@pytest.mark.django_db
def test_it_creates_a_named_team_and_keeps_the_team_when_none_is_given_on_update(
    source, checklist_file
):
    args = ["shop", "--source", str(source), "--checklist", str(checklist_file)]

    run_command("add_project", *args, "--team", "Payments", "--name", "Shop")
    run_command("add_project", *args)

    project = models.Project.objects.get(slug="shop")
    assert project.team.name == "Payments"
    assert project.team.slug == "payments"
    assert project.name == "Shop"
    assert models.Team.objects.count() == 1


@pytest.mark.django_db
def test_it_stores_a_git_url_and_ref_as_given(checklist_file):
    code, _out, err = run_command(
        "add_project",
        "remote",
        "--source",
        "https://example.com/acme/shop.git",
        "--ref",
        "release/2026",
        "--checklist",
        str(checklist_file),
    )

    project = models.Project.objects.get(slug="remote")
    assert code == 0, err
    assert project.source == "https://example.com/acme/shop.git"
    assert project.ref == "release/2026"
    assert project.is_git_url


@pytest.mark.django_db
def test_it_schedules_the_project_in_its_time_zone(source, checklist_file):
    code, out, _err = run_command(
        "add_project",
        "shop",
        "--source",
        str(source),
        "--checklist",
        str(checklist_file),
        "--schedule",
        "30 8 * * 1-5",
        "--timezone",
        "Europe/Paris",
    )

    task = PeriodicTask.objects.get()
    assert code == 0
    assert (task.crontab.minute, task.crontab.hour, task.crontab.day_of_week) == ("30", "8", "1-5")
    assert str(task.crontab.timezone) == "Europe/Paris"
    assert "30 8 * * 1-5" in out


@pytest.mark.django_db
def test_it_saves_nothing_for_an_invalid_checklist(source, tmp_path):
    bad = tmp_path / "bad.yml"
    bad.write_text(
        "version: 1\nname: x\ncategories:\n  - key: a\n    checks:\n"
        "      - key: b\n        type: grep\n        paths: ['*.py']\n        pattern: 'a(b'\n"
    )
    before = row_counts()

    code, _out, err = run_command(
        "add_project", "shop", "--source", str(source), "--checklist", str(bad)
    )

    assert code == 2
    assert "bad.yml:9 categories[0].checks[0].pattern" in err
    assert row_counts() == before


@pytest.mark.django_db
def test_it_saves_nothing_of_a_new_version_when_the_update_is_invalid(source, checklist_file):
    args = ["shop", "--source", str(source), "--checklist", str(checklist_file)]
    run_command("add_project", *args)
    write_checklist(checklist_file, readme_checklist(weight=2))
    before = row_counts()

    code, _out, err = run_command("add_project", *args, "--schedule", "99 8 * * *")

    assert code == 2
    assert "schedule" in err
    assert row_counts() == before
    assert models.Project.objects.get().schedule == ""


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["--schedule", "30 8 * *"], "schedule"),
        (["--schedule", "30 8 * * 1-5", "--timezone", "Mars/Olympus"], "timezone"),
        (["--ref=--upload-pack=evil"], "ref"),
        (["--timezone", "Mars/Olympus"], "timezone"),
        (["--name", "x" * 201], "name: longer than 200 characters"),
    ],
    ids=["cron", "time zone", "ref", "time zone without schedule", "long name"],
)
def test_it_saves_nothing_for_a_bad_field_and_names_it(source, checklist_file, extra, message):
    before = row_counts()

    code, _out, err = run_command(
        "add_project", "shop", "--source", str(source), "--checklist", str(checklist_file), *extra
    )

    assert code == 2
    assert message in err
    assert row_counts() == before


@pytest.mark.django_db
def test_it_stores_the_subfolder_normalised_and_keeps_it_when_left_out(source, checklist_file):
    (source / "services" / "api").mkdir(parents=True)
    args = ["shop", "--source", str(source), "--checklist", str(checklist_file)]

    code, _out, err = run_command("add_project", *args, "--subfolder", "./services/api/")
    assert code == 0, err
    assert models.Project.objects.get().subfolder == "services/api"

    run_command("add_project", *args)
    assert models.Project.objects.get().subfolder == "services/api"
    run_command("add_project", *args, "--subfolder", "")
    assert models.Project.objects.get().subfolder == ""


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("subfolder", "message"),
    [
        ("../other", "subfolder: ../other: .. would leave the repository"),
        ("/srv", "subfolder: /srv: give a path relative to the repository's root"),
        ("src/**", "subfolder: src/**: one folder, without glob characters"),
        ("services/web", "subfolder: services/web: no such folder in "),
    ],
)
def test_it_refuses_a_bad_subfolder_and_saves_nothing(source, checklist_file, subfolder, message):
    before = row_counts()

    code, _out, err = run_command(
        "add_project",
        "shop",
        "--source",
        str(source),
        "--checklist",
        str(checklist_file),
        f"--subfolder={subfolder}",
    )

    assert code == 2
    assert message in err
    assert row_counts() == before


@pytest.mark.django_db
@pytest.mark.parametrize(
    "bad_source", ["/no/such/folder", "ext::sh -c touch% /tmp/pwned", "-oProxyCommand=x"]
)
def test_it_refuses_a_source_that_is_neither_a_folder_nor_an_allowed_git_url(
    checklist_file, bad_source
):
    before = row_counts()

    code, _out, err = run_command(
        "add_project", "shop", f"--source={bad_source}", "--checklist", str(checklist_file)
    )

    assert code == 2
    assert "source" in err
    assert row_counts() == before


@pytest.mark.django_db
def test_it_returns_the_project_version_and_whether_the_version_is_new(source, checklist_file):
    project, version, created = project_upsert(
        slug="shop", source=str(source), checklist_path=checklist_file
    )
    again = project_upsert(slug="shop", source=str(source), checklist_path=checklist_file)

    assert created is True
    assert version.project == project
    assert again == (project, version, False)


@pytest.mark.parametrize(
    "source", ["git@example.com:org/repo.git", "deploy@example.com:org/repo.git"]
)
def test_it_treats_every_scp_like_source_as_a_git_url(source):
    assert models.Project(source=source).is_git_url
    assert not models.Project(source="/srv/checkouts/repo").is_git_url


@pytest.mark.django_db
def test_base_url_is_stored_clean_and_kept_when_an_update_omits_it(source, checklist_file):
    code, _out, err = run_command(
        "add_project",
        "shop",
        "--source",
        str(source),
        "--checklist",
        str(checklist_file),
        "--base-url",
        " https://shop.example.com/ ",
    )
    assert code == 0, err
    assert models.Project.objects.get(slug="shop").base_url == "https://shop.example.com"

    code, _out, _err = run_command(
        "add_project", "shop", "--source", str(source), "--checklist", str(checklist_file)
    )
    assert code == 0
    assert models.Project.objects.get(slug="shop").base_url == "https://shop.example.com"

    code, _out, _err = run_command(
        "add_project",
        "shop",
        "--source",
        str(source),
        "--checklist",
        str(checklist_file),
        "--base-url",
        "",
    )
    assert code == 0
    assert models.Project.objects.get(slug="shop").base_url == ""


@pytest.mark.django_db
def test_a_bad_base_url_exits_2_naming_it_and_saves_nothing(source, checklist_file):
    code, _out, err = run_command(
        "add_project",
        "shop",
        "--source",
        str(source),
        "--checklist",
        str(checklist_file),
        "--base-url",
        "https://user:secret@shop.example.com",
    )

    assert code == 2
    assert "base URL: Give the URL without a query, fragment or credentials." in err
    assert row_counts() == {name: 0 for name in row_counts()}
