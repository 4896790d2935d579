"""The add-project form's "Detect" step and the starter "Detected from the source"."""

from django.urls import reverse

from checks.starters import MAX_MARKER_READS
from readiness.models import ChecklistVersion, Project, Role
from tests.starters.repos import git, write_files

HTMX = {"HX-Request": "true"}
MONOREPO = {
    "README.md": "Run pytest.\n",
    "apps/web/package.json": '{"dependencies": {"react": "19.0.0"}}\n',
    "sos/manage.py": "import django\n",
    "sos/sos/settings.py": "import os\nDEBUG = os.environ.get('DEBUG') == '1'\nLOGGING = {}\n",
    "sos/orders/tests/test_orders.py": "def test_it(): pass\n",
}


def url(name, *args):
    return reverse(f"readiness:{name}", args=args)


def test_detect_shows_the_starter_its_folder_and_the_dry_run_and_saves_nothing(
    world, login, tmp_path
):
    write_files(tmp_path / "repo", MONOREPO)
    before = ChecklistVersion.objects.count()

    response = login(Role.ADMIN).post(
        url("project-detect", "payments"), {"source": str(tmp_path / "repo")}, headers=HTMX
    )

    html = response.content.decode()
    assert response.status_code == 200
    assert "<strong>Django service</strong> in <code>sos/</code>" in html
    assert "sos/manage.py" in html
    assert 'data-testid="detection-score"' in html
    assert "% measured" in html
    assert "python-version-consistent" in html  # not placed: no pyproject.toml
    # The starter field comes back out of band with the fitted choice selected.
    assert 'hx-swap-oob="true"' in html
    assert '<option value="detect" selected>' in html
    assert ChecklistVersion.objects.count() == before
    assert not Project.objects.filter(source=str(tmp_path / "repo")).exists()


def test_detect_says_why_it_cannot_read_the_source(world, login, tmp_path):
    client = login(Role.ADMIN)

    missing = client.post(
        url("project-detect", "payments"), {"source": str(tmp_path / "nope")}, headers=HTMX
    ).content.decode()
    remote = client.post(
        url("project-detect", "payments"),
        {"source": f"file://{tmp_path / 'no-repo.git'}"},
        headers=HTMX,
    ).content.decode()
    blank = client.post(
        url("project-detect", "payments"), {"source": " "}, headers=HTMX
    ).content.decode()
    empty = client.post(
        url("project-detect", "payments"), {"source": str(tmp_path)}, headers=HTMX
    ).content.decode()

    assert f"{tmp_path / 'nope'} is not a folder" in missing
    assert f"file://{tmp_path / 'no-repo.git'}: git fetch" in remote
    assert "Give the source to detect from" in blank
    assert "no starter fits" in empty


def test_detect_reads_a_git_url_without_a_checkout(world, login, tmp_path):
    repo = tmp_path / "repo"
    write_files(repo, MONOREPO)
    git(repo, "init", "-q", "-b", "main")
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "m")

    response = login(Role.ADMIN).post(
        url("project-detect", "payments"), {"source": f"file://{repo}"}, headers=HTMX
    )

    html = response.content.decode()
    assert "<strong>Django service</strong> in <code>sos/</code>" in html
    assert 'data-testid="detection-score"' in html
    assert not Project.objects.filter(source=f"file://{repo}").exists()


def test_the_detected_starter_of_a_git_url_saves_the_fitted_checklist(world, login, tmp_path):
    repo = tmp_path / "repo"
    write_files(repo, MONOREPO)
    git(repo, "init", "-q", "-b", "main")
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "m")

    response = login(Role.ADMIN).post(
        url("project-new", "payments"),
        {"name": "Orders", "slug": "orders", "source": f"file://{repo}", "starter": "detect"},
    )

    assert response.status_code == 302
    version = Project.objects.get(slug="orders").current_checklist()
    assert version.source_text.startswith("# Fitted by init_checklist")
    assert version.checks.get(key="debug-from-environment").options["paths"][0] == (
        "sos/**/settings.py"
    )


def test_detect_is_in_french_for_a_french_reader(world, login, tmp_path):
    write_files(tmp_path / "repo", MONOREPO)

    html = (
        login(Role.ADMIN)
        .post(
            url("project-detect", "payments"),
            {"source": str(tmp_path / "repo")},
            headers={**HTMX, "Accept-Language": "fr"},
        )
        .content.decode()
    )

    assert "Détecté" in html
    assert "Essai à blanc" in html


def test_detect_is_for_team_admins(world, login, tmp_path):
    response = login(Role.EDITOR).post(
        url("project-detect", "payments"), {"source": str(tmp_path)}, headers=HTMX
    )

    assert response.status_code == 403


def test_the_detected_starter_saves_the_checklist_fitted_to_the_layout(world, login, tmp_path):
    write_files(tmp_path / "repo", MONOREPO)

    response = login(Role.ADMIN).post(
        url("project-new", "payments"),
        {"name": "Orders", "slug": "orders", "source": str(tmp_path / "repo"), "starter": "detect"},
    )

    assert response.status_code == 302
    version = Project.objects.get(slug="orders").current_checklist()
    assert version.source_name == "django-service.yml"
    assert version.source_text.startswith("# Fitted by init_checklist")
    assert version.checks.get(key="debug-from-environment").options["paths"][0] == (
        "sos/**/settings.py"
    )


def test_the_detected_starter_refuses_a_path_prefix(world, login, tmp_path):
    write_files(tmp_path / "repo", MONOREPO)
    client = login(Role.ADMIN)

    response = client.post(
        url("project-new", "payments"),
        {
            "name": "Orders",
            "slug": "orders",
            "source": str(tmp_path / "repo"),
            "starter": "detect",
            "path_prefix": "sos",
        },
    )

    html = response.content.decode()
    assert "Leave the path prefix empty: detection places the paths itself." in html
    assert not Project.objects.filter(slug="orders").exists()


def test_detect_says_when_it_left_candidate_files_unread(world, login, tmp_path):
    manifest = "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: app\n"
    files = {f"deploy/app{index:04}.yaml": manifest for index in range(MAX_MARKER_READS + 3)}
    write_files(tmp_path / "repo", files)

    response = login(Role.ADMIN).post(
        url("project-detect", "payments"), {"source": str(tmp_path / "repo")}, headers=HTMX
    )

    html = response.content.decode()
    assert 'data-testid="detection-unread"' in html
    assert "3 candidate files not read (detection reads at most 1,000 per starter)" in html


def test_detect_says_nothing_of_unread_files_when_it_read_them_all(world, login, tmp_path):
    write_files(tmp_path / "repo", MONOREPO)

    response = login(Role.ADMIN).post(
        url("project-detect", "payments"), {"source": str(tmp_path / "repo")}, headers=HTMX
    )

    assert 'data-testid="detection-unread"' not in response.content.decode()
