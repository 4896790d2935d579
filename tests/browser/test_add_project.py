"""A team admin starts from the browser: adds a project (a missing folder is refused on
the form), picks a starter checklist under a path prefix, backfills its history on real
workers while a progress bar advances, and sees the backfilled points on the chart."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from readiness.models import Assessment, AssessmentStatus, Project, Role, Trigger
from tests import factories
from tests.readiness.repo_builders import GitRepo

pytestmark = [pytest.mark.browser]


def admin_of(team, username="lead"):
    user = factories.UserFactory(username=username)
    factories.MembershipFactory(team=team, user=user, role=Role.ADMIN)
    return user


def test_it_shows_a_missing_folder_on_the_form_and_adds_nothing(
    live_server, page, log_in, tmp_path, transactional_db
):
    team = factories.TeamFactory(name="Checkout", slug="checkout")
    log_in(page, admin_of(team))
    page.goto(live_server.url + reverse("readiness:overview"))
    page.get_by_test_id("add-project-link").click()
    page.wait_for_load_state("load")
    page.get_by_label("Name").fill("Checkout API")
    # The slug follows the name.
    expect(page.get_by_label("Slug")).to_have_value("checkout-api")
    page.get_by_label("Source").fill(str(tmp_path / "missing"))
    page.get_by_label("Starter checklist").select_option("django-service.yml")
    page.get_by_test_id("project-new-submit").click()

    error = page.get_by_test_id("error-source")
    expect(error).to_have_text(f"{tmp_path / 'missing'}: no such folder on this machine")
    # What was typed is still there, and nothing was saved.
    expect(page.get_by_label("Name")).to_have_value("Checkout API")
    expect(page.get_by_label("Starter checklist")).to_have_value("django-service.yml")
    assert not Project.objects.exists()


@pytest.mark.worker
def test_it_adds_a_project_backfills_its_history_and_charts_it(
    live_server, page, log_in, worker, tmp_path
):
    repo = GitRepo(tmp_path / "repo")
    today = dt.date.today()
    settings_files = [
        "DEBUG = True\n",
        "import os\nDEBUG = os.environ.get('DEBUG') == '1'\n",
        "import os\nDEBUG = os.environ.get('DEBUG') == '1'\nLOGGING = {}\n",
    ]
    for days_ago, text in zip((6, 4, 2), settings_files, strict=True):
        when = dt.datetime.combine(today - dt.timedelta(days=days_ago), dt.time(10), dt.UTC)
        repo.commit({"services/api/shop/settings.py": text, "README.md": "# Shop\n"}, when=when)
        # A second commit the same day: "every day" evaluates only the day's last one.
        repo.commit({"notes.txt": f"{days_ago}\n"}, when=when + dt.timedelta(hours=1))
    team = factories.TeamFactory(name="Checkout", slug="checkout")
    log_in(page, admin_of(team))

    page.goto(live_server.url + reverse("readiness:team", args=["checkout"]))
    page.get_by_test_id("add-project-link").click()
    page.get_by_label("Name").fill("Shop")
    page.get_by_label("Source").fill(str(repo.root))
    page.get_by_label("Starter checklist").select_option("django-service.yml")
    page.get_by_label("Path prefix").fill("services/api")
    page.get_by_test_id("project-new-submit").click()

    expect(page).to_have_url(live_server.url + reverse("readiness:project", args=["shop"]))
    expect(page.get_by_role("status").first).to_contain_text("Project Shop added.")
    project = Project.objects.get(slug="shop")
    check = project.current_checklist().checks.get(key="debug-from-environment")
    assert check.options["paths"][:2] == [
        "services/api/**/settings.py",
        "services/api/**/settings/__init__.py",
    ]

    page.wait_for_load_state("load")
    page.get_by_label("Since").fill((today - dt.timedelta(days=10)).isoformat())
    page.get_by_label("Points").select_option("day")
    page.get_by_test_id("backfill-submit").click()
    progress = page.get_by_test_id("backfill-progress")
    expect(progress).to_have_attribute("max", "3")
    # The finished poll reloads the page once: the chart and the score show the history.
    expect(page.get_by_test_id("backfill-finished")).to_contain_text("3 commits")
    expect(page.get_by_test_id("score-chart")).to_be_visible()
    expect(page.locator("#score-chart .scatterlayer .point")).not_to_have_count(0)
    expect(page.get_by_test_id("backfill-progress")).to_have_count(0)

    points = Assessment.objects.filter(project=project, trigger=Trigger.BACKFILL).order_by(
        "evaluated_at"
    )
    assert [p.status for p in points] == [AssessmentStatus.DONE] * 3
    assert [p.revision for p in points] == [repo.git("rev-parse", f"HEAD~{n}") for n in (4, 2, 0)]
    debug = [p.results.get(check_item__key="debug-from-environment").status for p in points]
    assert debug == ["fail", "pass", "pass"]
    # The backfilled score is the one the project page shows.
    expect(page.get_by_test_id("project-score")).to_have_text(f"{points.last().score:.1f}/10")
