import datetime as dt
import json
import zoneinfo

import pytest
from django.contrib.staticfiles import finders
from django.urls import reverse
from django.utils import timezone

from readiness.middleware import TIME_ZONE_COOKIE
from readiness.models import (
    ActionItem,
    ActionItemStatus,
    Assessment,
    AssessmentStatus,
    Attestation,
    Role,
)
from tests import factories
from tests.integration.support import filesystem_broker, redis_broker, sent_tasks, using
from tests.readiness.dashboard_builders import add_history, add_results

HTMX = {"HX-Request": "true"}


def url(name, *args):
    return reverse(f"readiness:{name}", args=args)


@pytest.fixture
def latest(world):
    """Two finished assessments; the latest has a result for every check."""
    _, latest = add_history(world.project, world.checklist, 2, categories=world.categories)
    latest.score, latest.coverage = 9.8, 0.92
    latest.verdict_reasons = [
        {"code": "critical", "check": "stripe-webhook-signature", "status": "fail"}
    ]
    latest.save()
    c = world.checks
    add_results(
        latest, {c["webhook"]: "fail", c["cors"]: "pass", c["logger"]: "pass", c["quotas"]: "error"}
    )
    return latest


def test_it_shows_score_coverage_verdict_reasons_and_category_cards(world, login, latest):
    response = login().get(url("project", "payments-api"))
    html = response.content.decode()
    assert response.status_code == 200
    assert 'data-testid="project-score">9.8/10' in html
    assert "92% measured" in html
    assert "Critical check stripe-webhook-signature failed." in html
    assert html.count('data-testid="category-card"') == 2


def test_it_lists_latest_results_by_category_failing_first_with_evidence(world, login, latest):
    html = login().get(url("project", "payments-api")).content.decode()
    security = html.split('data-category="security"')[2]
    assert security.index("stripe-webhook-signature") < security.index("cors-whitelist")
    assert "src/app.py:12" in html
    assert "verify_signature(payload)" in html
    assert "HTTP status" in html
    assert "42 ms" in html


def test_it_embeds_the_chart_figure_with_assessment_ids_and_revisions(world, login, latest):
    html = login().get(url("project", "payments-api")).content.decode()
    assert 'data-testid="score-chart"' in html
    figure = json.loads(
        html.split('<script id="chart-data" type="application/json">')[1].split("</script>")[0]
    )
    overall = figure["data"][0]
    assert [point[0] for point in overall["customdata"]][-1] == latest.pk
    assert overall["customdata"][-1][1] == latest.revision[:12]
    assert [trace["name"] for trace in figure["data"]] == ["Overall", "Security", "Monitoring"]
    assert "%{customdata[1]}" in overall["hovertemplate"]


@pytest.fixture
def browser_time_zone():
    """The zone a request activates must not outlive the test in this thread."""
    yield "Asia/Tokyo"
    timezone.deactivate()


def test_it_shows_times_in_the_browsers_time_zone(world, login, latest, browser_time_zone):
    client = login()
    client.cookies[TIME_ZONE_COOKIE] = browser_time_zone
    html = client.get(url("project", "payments-api")).content.decode()
    latest.refresh_from_db()
    local = latest.evaluated_at.astimezone(zoneinfo.ZoneInfo(browser_time_zone))
    assert local.utcoffset() != dt.timedelta(0)
    assert f'<time datetime="{local.isoformat()}">' in html
    figure = json.loads(html.split('type="application/json">')[1].split("</script>")[0])
    assert figure["data"][0]["x"][-1] == local.strftime("%Y-%m-%d %H:%M:%S")


def test_it_renders_the_chart_fragment_for_another_range(world, login, latest):
    response = login().get(url("project-chart", "payments-api") + "?range=all", headers=HTMX)
    html = response.content.decode()
    assert response.status_code == 200
    assert html.lstrip().startswith('<section id="chart"')
    assert 'aria-current="true">All' in html


def test_it_limits_the_default_chart_to_the_last_90_days(world, login):
    add_history(world.project, world.checklist, 200)
    html = login().get(url("project", "payments-api")).content.decode()
    figure = json.loads(html.split('type="application/json">')[1].split("</script>")[0])
    assert len(figure["data"][0]["x"]) == 91


def test_it_shows_run_now_to_editors_only(world, login, latest):
    assert (
        'data-testid="run-button"'
        not in login(Role.VIEWER).get(url("project", "payments-api")).content.decode()
    )
    assert (
        'data-testid="run-button"'
        in login(Role.EDITOR).get(url("project", "payments-api")).content.decode()
    )


def test_it_starts_an_assessment_and_shows_the_progress_bar(
    world, login, tmp_path, django_capture_on_commit_callbacks
):
    client = login(Role.EDITOR)
    with using(filesystem_broker(tmp_path)) as broker:
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post(url("project-run", "payments-api"), headers=HTMX)
        sent = sent_tasks(broker)
    html = response.content.decode()
    assert response.status_code == 200
    run = Assessment.objects.get(project=world.project, trigger="manual")
    assert run.requested_by == client.user
    assert ("readiness.tasks.run_file_checks_task", (run.pk,)) in sent
    assert 'data-testid="progress-bar"' in html
    assert f'hx-get="{url("assessment-progress", run.pk)}"' in html
    assert 'hx-trigger="every 1s"' in html


def test_it_tells_the_user_when_the_queue_is_unavailable(world, login):
    with using(redis_broker("redis://127.0.0.1:1/0")):
        response = login(Role.EDITOR).post(url("project-run", "payments-api"), headers=HTMX)
    assert response.status_code == 200
    assert "The queue is unavailable" in response.content.decode()
    assert 'data-testid="run-button"' in response.content.decode()


def test_it_forbids_viewers_to_run_an_assessment(world, login):
    response = login(Role.VIEWER).post(url("project-run", "payments-api"), headers=HTMX)
    assert response.status_code == 403
    assert not Assessment.objects.filter(project=world.project, trigger="manual").exists()


def test_it_polls_progress_with_results_as_checks_finish(world, login):
    run = factories.AssessmentFactory(
        project=world.project,
        checklist=world.checklist,
        status=AssessmentStatus.RUNNING,
        checks_total=4,
        checks_done=1,
        score=None,
    )
    add_results(run, {world.checks["cors"]: "pass"})
    response = login().get(url("assessment-progress", run.pk), headers=HTMX)
    html = response.content.decode()
    assert 'max="4" value="1"' in html
    assert "1 of 4 checks done" in html
    assert "CORS uses a whitelist" in html
    assert 'hx-trigger="every 1s"' in html


def test_it_stops_polling_and_shows_the_new_score_when_the_run_is_done(world, login, latest):
    run = factories.AssessmentFactory(
        project=world.project,
        checklist=world.checklist,
        status=AssessmentStatus.DONE,
        checks_total=4,
        checks_done=4,
        score=9.9,
        evaluated_at=timezone.now(),
    )
    html = login().get(url("assessment-progress", run.pk), headers=HTMX).content.decode()
    assert 'data-testid="final-score">9.9/10' in html
    assert 'hx-trigger="every 1s"' not in html
    # The score, chart and results above refresh out of band.
    assert html.count('hx-swap-oob="true"') == 3
    assert 'data-testid="project-score">9.9/10' in html


def test_it_cancels_a_running_assessment(world, login):
    run = factories.AssessmentFactory(
        project=world.project,
        checklist=world.checklist,
        status=AssessmentStatus.RUNNING,
        score=None,
    )
    response = login(Role.EDITOR).post(url("assessment-cancel", run.pk), headers=HTMX)
    assert response.status_code == 200
    run.refresh_from_db()
    assert run.status == AssessmentStatus.CANCELLED
    assert 'data-testid="run-cancelled"' in response.content.decode()


def test_it_forbids_viewers_to_cancel(world, login):
    run = factories.AssessmentFactory(
        project=world.project, checklist=world.checklist, status=AssessmentStatus.RUNNING
    )
    assert login().post(url("assessment-cancel", run.pk), headers=HTMX).status_code == 403
    run.refresh_from_db()
    assert run.status == AssessmentStatus.RUNNING


def test_it_records_an_attestation_with_who_when_and_expiry(world, login):
    client = login(Role.EDITOR)
    before = timezone.now()
    response = client.post(
        url("attestation-create", "payments-api"),
        {
            "check_key": "cpu-quotas-reviewed",
            "status": "pass",
            "note": "7-12 of 30 vCPU",
            "evidence_url": "https://grafana.example.com/d/cpu",
        },
        headers=HTMX,
    )
    html = response.content.decode()
    assert response.status_code == 200
    attestation = Attestation.objects.get(project=world.project)
    assert attestation.user == client.user
    assert attestation.attested_by == client.user.username
    assert before <= attestation.attested_at <= timezone.now()
    assert attestation.valid_until == attestation.attested_at + dt.timedelta(days=30)
    assert "Attestation recorded." in html
    assert "Valid until" in html


def test_it_requires_the_evidence_link_when_the_check_says_so(world, login):
    response = login(Role.EDITOR).post(
        url("attestation-create", "payments-api"),
        {"check_key": "cpu-quotas-reviewed", "status": "pass", "note": "fine"},
        headers=HTMX,
    )
    assert response.status_code == 200
    assert 'data-testid="attestation-error"' in response.content.decode()
    assert not Attestation.objects.exists()


def test_it_refuses_to_attest_a_check_that_is_not_manual(world, login):
    response = login(Role.EDITOR).post(
        url("attestation-create", "payments-api"),
        {"check_key": "cors-whitelist", "status": "pass"},
        headers=HTMX,
    )
    assert response.status_code == 404
    assert not Attestation.objects.exists()


def test_it_forbids_viewers_to_attest(world, login):
    response = login(Role.VIEWER).post(
        url("attestation-create", "payments-api"),
        {"check_key": "cpu-quotas-reviewed", "status": "pass", "evidence_url": "https://x.example"},
        headers=HTMX,
    )
    assert response.status_code == 403
    assert not Attestation.objects.exists()


def test_it_shows_an_expired_attestation_as_expired(world, login):
    factories.AttestationFactory(
        project=world.project,
        check_key="cpu-quotas-reviewed",
        attested_at=timezone.now() - dt.timedelta(days=40),
        valid_until=timezone.now() - dt.timedelta(days=10),
    )
    html = login().get(url("project", "payments-api")).content.decode()
    assert "Expired on" in html


def test_it_adds_and_completes_action_items(world, login):
    client = login(Role.EDITOR)
    response = client.post(
        url("action-item-create", "payments-api"),
        {"title": "Deploy stripeWebhook", "owner": "alice", "due_date": "2026-03-01"},
        headers=HTMX,
    )
    assert response.status_code == 200
    item = ActionItem.objects.get(project=world.project)
    assert (item.title, item.owner, item.due_date) == (
        "Deploy stripeWebhook",
        "alice",
        dt.date(2026, 3, 1),
    )
    assert "Deploy stripeWebhook" in response.content.decode()
    response = client.post(url("action-item-complete", "payments-api", item.pk), headers=HTMX)
    assert response.status_code == 200
    item.refresh_from_db()
    assert item.status == ActionItemStatus.DONE
    assert item.done_at is not None


def test_it_shows_action_item_errors_and_saves_nothing(world, login):
    response = login(Role.EDITOR).post(
        url("action-item-create", "payments-api"), {"title": ""}, headers=HTMX
    )
    assert response.status_code == 200
    assert "form-error" in response.content.decode()
    assert not ActionItem.objects.exists()


def test_it_forbids_viewers_to_manage_action_items(world, login):
    item = factories.ActionItemFactory(project=world.project)
    client = login(Role.VIEWER)
    assert client.post(url("action-item-create", "payments-api"), {"title": "x"}).status_code == 403
    assert client.post(url("action-item-complete", "payments-api", item.pk)).status_code == 403
    item.refresh_from_db()
    assert item.status == ActionItemStatus.OPEN


def test_it_does_not_complete_another_projects_action_item(world, login):
    item = factories.ActionItemFactory(project=world.other_project)
    response = login(Role.EDITOR).post(url("action-item-complete", "payments-api", item.pk))
    assert response.status_code == 404


def test_it_lets_admins_set_the_schedule(world, login):
    response = login(Role.ADMIN).post(
        url("project-schedule", "payments-api"),
        {"schedule": "30 8 * * 1-5", "timezone": "Europe/Paris"},
        headers=HTMX,
    )
    assert response.status_code == 200
    world.project.refresh_from_db()
    assert (world.project.schedule, world.project.timezone) == ("30 8 * * 1-5", "Europe/Paris")
    assert "Schedule saved." in response.content.decode()


def test_it_names_the_bad_schedule_field_and_keeps_the_old_schedule(world, login):
    response = login(Role.ADMIN).post(
        url("project-schedule", "payments-api"),
        {"schedule": "30 8 * * 1-5", "timezone": "Mars/Olympus"},
        headers=HTMX,
    )
    assert response.status_code == 200
    assert "Mars/Olympus" in response.content.decode()
    world.project.refresh_from_db()
    assert (world.project.schedule, world.project.timezone) == ("", "UTC")


def test_it_forbids_editors_to_change_the_schedule(world, login):
    response = login(Role.EDITOR).post(
        url("project-schedule", "payments-api"), {"schedule": "0 * * * *", "timezone": "UTC"}
    )
    assert response.status_code == 403


def test_it_formats_the_project_page_in_french(world, login, latest):
    html = (
        login()
        .get(url("project", "payments-api"), headers={"Accept-Language": "fr"})
        .content.decode()
    )
    assert 'data-testid="project-score">9,8/10' in html
    figure = json.loads(html.split('type="application/json">')[1].split("</script>")[0])
    assert figure["layout"]["separators"].startswith(",")


@pytest.mark.parametrize("count", [10, 200])
def test_it_runs_a_bounded_number_of_queries_whatever_the_history(
    world, login, django_assert_max_num_queries, count
):
    client = login(Role.ADMIN)
    history = add_history(world.project, world.checklist, count, categories=world.categories)
    c = world.checks
    add_results(
        history[-1],
        {c["webhook"]: "fail", c["cors"]: "pass", c["logger"]: "pass", c["quotas"]: "error"},
    )
    factories.AttestationFactory(project=world.project, check_key="cpu-quotas-reviewed")
    factories.ActionItemFactory(project=world.project)
    with django_assert_max_num_queries(16):
        response = client.get(url("project", "payments-api"))
    assert response.status_code == 200


def test_it_renders_a_project_never_assessed(world, login):
    html = login(Role.EDITOR).get(url("project", "payments-api")).content.decode()
    assert "This project has not been assessed yet." in html
    assert 'data-testid="score-chart"' not in html
    assert 'data-testid="run-button"' in html


def test_it_explains_that_a_project_without_checklist_cannot_run(world, login):
    bare = factories.ProjectFactory(team=world.team, slug="bare")
    response = login(Role.EDITOR).post(url("project-run", bare.slug), headers=HTMX)
    assert response.status_code == 200
    assert "no checklist yet" in response.content.decode()
    assert not Assessment.objects.filter(project=bare).exists()


def test_it_serves_plotly_and_htmx_from_this_apps_static_files(world, login):
    html = login().get(url("project", "payments-api")).content.decode()
    assert "/static/plotly/plotly.min.js" in html
    assert "/static/django_htmx/htmx-2.min.js" in html
    assert finders.find("plotly/plotly.min.js")
    assert finders.find("django_htmx/htmx-2.min.js")
    assert "cdn" not in html.lower()
