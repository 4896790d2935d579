"""A team admin adds a project that is one folder of a larger repository: a subfolder that
leaves the repository is refused on its field, and the project page says which folder its
checks run in."""

from __future__ import annotations

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from readiness.models import Project, Role
from tests import factories
from tests.readiness.repo_builders import write_files

pytestmark = [pytest.mark.browser]


def test_it_refuses_a_subfolder_outside_the_repository_then_shows_the_one_kept(
    live_server, new_page, log_in, tmp_path, transactional_db, screenshot
):
    source = write_files(tmp_path / "monorepo", {"services/api/README.md": "# API\n"})
    team = factories.TeamFactory(name="Checkout", slug="checkout")
    user = factories.UserFactory(username="lead")
    factories.MembershipFactory(team=team, user=user, role=Role.ADMIN)

    for locale, label, error_text in [
        ("en-US", "Subfolder", "../api: .. would leave the repository"),
        ("fr-FR", "Sous-dossier", "../api : .. sortirait du dépôt"),
    ]:
        page = new_page(width=1366, height=900, locale=locale)
        log_in(page, user)
        page.goto(live_server.url + reverse("readiness:project-new", args=["checkout"]))
        page.locator("#id_name").fill(f"Checkout API {locale}")
        page.locator("#id_source").fill(str(source))
        page.get_by_label(label).fill("../api")
        page.locator("#id_starter").select_option("http-service.yml")
        page.get_by_test_id("project-new-submit").click()

        expect(page.get_by_test_id("error-subfolder")).to_have_text(error_text)
        expect(page.get_by_label(label)).to_have_value("../api")
        assert not Project.objects.exists()
        screenshot(f"subfolder-form-{locale}", of=page)

        page.get_by_label(label).fill("services/api/")
        page.get_by_test_id("project-new-submit").click()

        expect(page.get_by_test_id("project-subfolder")).to_contain_text("services/api")
        assert Project.objects.get().subfolder == "services/api"
        screenshot(f"subfolder-project-{locale}", of=page)
        Project.objects.all().delete()
