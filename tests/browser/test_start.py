"""Starting out: the demo's first screen tells the truth, and a superuser sees every team."""

from __future__ import annotations

import datetime as dt
import shutil
import urllib.request
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from playwright.sync_api import Page, expect

from readiness.management.commands.demo import DEMO_PASSWORD, DEMO_USERNAME
from readiness.models import Assessment, ResultStatus, Trigger
from tests.readiness.repo_builders import GitRepo, category, checklist, run_command, write_checklist

pytestmark = pytest.mark.browser

STARTER = Path(django_settings.BASE_DIR) / "checklists" / "django-service.yml"


def log_in_with_the_form(page: Page, base_url: str, username: str, password: str) -> None:
    page.goto(base_url + "/")
    page.get_by_label("User name").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_label("Password").press("Enter")
    expect(page.get_by_role("heading", name="Projects", exact=True)).to_be_visible()


@pytest.fixture
def site(settings, tmp_path):
    """A stand-in for this repository (two commits) with the real starter checklist."""
    root = tmp_path / "site"
    settings.BASE_DIR = root
    settings.DATA_DIR = tmp_path / "var"
    git = GitRepo(root)
    (root / "checklists").mkdir(parents=True)
    shutil.copy(STARTER, root / "checklists" / STARTER.name)
    git.commit(
        {"app/settings.py": "DEBUG = True\n"}, when=dt.datetime(2026, 2, 14, 9, tzinfo=dt.UTC)
    )
    git.commit(
        {"app/settings.py": "import os\nDEBUG = os.environ.get('DEBUG') == '1'\n"},
        when=dt.datetime(2026, 2, 15, 9, tzinfo=dt.UTC),
    )
    return git


def test_the_demos_first_screen_shows_no_failure_caused_by_the_demo(
    live_server, transactional_db, settings, site, page, screenshot
):
    # bin/run's web server is the live server: READINESS_BIND names its address.
    settings.READINESS_BIND = live_server.url.removeprefix("http://")
    settings.READINESS_LOCAL_URL = f"{live_server.url}/"
    # What a browser does first: the page's templates are loaded before the check times it.
    urllib.request.urlopen(f"{live_server.url}/admin/login/", timeout=10).close()

    code, out, err = run_command("demo")

    assert code == 0, err
    assert f"Log in at {live_server.url}/ as demo / readiness-demo" in out
    live = Assessment.objects.get(trigger=Trigger.CLI)
    results = {r.check_item.key: r for r in live.results.select_related("check_item")}
    assert not [key for key, r in results.items() if "refused" in r.summary.lower()]
    login_page = results["admin-login-answers"]
    assert login_page.status == ResultStatus.PASS, login_page.summary

    log_in_with_the_form(page, live_server.url, DEMO_USERNAME, DEMO_PASSWORD)
    page.get_by_role("link", name="readiness (this repository)").click()
    expect(page.get_by_test_id("project-score")).to_be_visible()
    screenshot("start-demo-first-screen")
    main = page.locator("main")
    expect(main).not_to_contain_text("refused")
    expect(main).not_to_contain_text("does not answer")


def test_a_superuser_sees_the_projects_of_teams_they_are_not_in_with_the_teams_name(
    live_server, transactional_db, tmp_path, monkeypatch, page, screenshot
):
    monkeypatch.setenv("DJANGO_SUPERUSER_PASSWORD", "a long superuser password")
    code, _out, err = run_command(
        "createsuperuser", "--noinput", "--username", "root", "--email", "root@example.com"
    )
    assert code == 0, err
    document = tmp_path / "readiness.yml"
    write_checklist(
        document,
        checklist(category("security", {"key": "readme", "type": "file", "paths": ["README*"]})),
    )
    for slug, team in [("payments", "Payments"), ("search", "Search")]:
        source = tmp_path / slug
        source.mkdir()
        code, _out, err = run_command(
            "add_project", slug, "--source", str(source), "--checklist", str(document),
            "--team", team,
        )  # fmt: skip
        assert code == 0, err

    log_in_with_the_form(page, live_server.url, "root", "a long superuser password")

    cards = page.get_by_test_id("project-card")
    expect(cards).to_have_count(2)
    payments = page.locator('[data-testid="project-card"][data-project="payments"]')
    expect(payments.get_by_test_id("card-team")).to_have_text("Team Payments")
    expect(page.locator('[data-project="search"]').get_by_test_id("card-team")).to_have_text(
        "Team Search"
    )
    screenshot("start-superuser-overview")
    payments.get_by_role("link", name="payments").click()
    expect(page.get_by_role("heading", name="payments", exact=True)).to_be_visible()
    expect(page.get_by_role("button", name="Run now")).to_be_visible()
