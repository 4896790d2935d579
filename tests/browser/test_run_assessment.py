"""Log in through the form, press "Run now", and watch a real worker process run the
assessment: the progress bar appears, advances as checks finish, and gives way to the
new score."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from readiness.models import Assessment, AssessmentStatus
from tests.browser.conftest import PASSWORD, editor_of, expected_score, project_with_checklist
from tests.factories import AttestationFactory, TeamFactory
from tests.integration.support import SlowServer
from tests.readiness.repo_builders import GitRepo, category, checklist

pytestmark = [pytest.mark.browser, pytest.mark.worker]

WHEN = dt.datetime(2026, 2, 16, 9, 0, tzinfo=dt.UTC)


def http(key: str, url: str) -> dict:
    return {"key": key, "type": "http", "url": url, "timeout_s": 20}


def test_it_shows_the_progress_of_a_run_then_the_score_the_formula_gives(
    live_server, page, worker, gates, tmp_path
):
    repo = GitRepo(tmp_path / "repo")
    repo.commit({"app/settings.py": "DEBUG = False\n"}, when=WHEN)
    team = TeamFactory(name="Checkout", slug="checkout")
    user = editor_of(team)
    with SlowServer() as slow:
        project = project_with_checklist(
            team,
            checklist(
                category(
                    "security",
                    {"key": "no-debug", "type": "grep", "paths": ["**/*.py"], "pattern": "DEBUG"},
                    {"key": "csp", "type": "grep", "paths": ["**/*.py"], "pattern": "CSP_"},
                    weight=2,
                ),
                category(
                    "operations",
                    # ~1 s, as a real health endpoint under load.
                    http("health", slow.url(1000, "health")),
                    # Running until the test opens their gates, one after the other.
                    http("ready", gates.url("ready")),
                    http("metrics", gates.url("metrics")),
                    {"key": "runbook", "type": "manual"},
                ),
            ),
            slug="checkout",
            name="Checkout",
            source=str(repo.root),
        )
        AttestationFactory(project=project, check_key="runbook", status="pass")
        project_url = live_server.url + reverse("readiness:project", args=[project.slug])

        page.goto(project_url)
        page.get_by_label("User name").fill(user.username)
        page.get_by_label("Password").fill(PASSWORD)
        page.get_by_test_id("login-submit").click()
        expect(page).to_have_url(project_url)
        # htmx binds "Run now" once the deferred scripts have run.
        page.wait_for_load_state("load")
        page.evaluate("window.sameDocument = true")

        page.get_by_test_id("run-button").click()
        progress = page.get_by_test_id("progress-bar")
        expect(progress).to_be_visible()
        expect(progress).to_have_attribute("max", "6")
        # Everything but the two gated checks: the grep scan, the slow health check and
        # the attested manual check.
        expect(progress).to_have_attribute("value", "4")
        expect(page.get_by_test_id("progress-label")).to_have_text("4 of 6 checks done")
        expect(page.get_by_test_id("run-results").locator("li")).to_have_count(4)

        gates.open("ready")
        expect(progress).to_have_attribute("value", "5")
        expect(page.get_by_test_id("run-results").locator("li")).to_have_count(5)

        gates.open("metrics")
        final = page.get_by_test_id("final-score")
        expect(final).to_be_visible()
        expect(progress).to_have_count(0)

    assessment = Assessment.objects.get(project=project)
    statuses = dict(assessment.results.values_list("check_item__key", "status"))
    assert assessment.status == AssessmentStatus.DONE
    assert statuses == {
        "no-debug": "pass",
        "csp": "fail",
        "health": "pass",
        "ready": "pass",
        "metrics": "pass",
        "runbook": "pass",
    }
    score, _coverage, _categories = expected_score(assessment.checklist, statuses)
    assert assessment.score == pytest.approx(score, abs=1e-9)
    expect(final).to_have_text(f"{score:.1f}/10")
    # The finished poll refreshed the headline score too, without a reload.
    expect(page.get_by_test_id("project-score")).to_have_text(f"{score:.1f}/10")
    assert page.url == project_url
    assert page.evaluate("window.sameDocument") is True
