import datetime as dt
import json
import zoneinfo

import pytest
from django.contrib.staticfiles import finders
from django.urls import reverse
from django.utils import timezone

from readiness.middleware import TIME_ZONE_COOKIE
from readiness.models import Role
from tests import factories
from tests.readiness.dashboard_builders import add_history, add_results

HTMX = {"HX-Request": "true"}


def url(name, *args):
    return reverse(f"readiness:{name}", args=args)


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
    assert [trace["name"] for trace in figure["data"]] == [
        "Overall (measured)",
        "Security",
        "Monitoring",
    ]
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


def _figure(html):
    return json.loads(html.split('type="application/json">')[1].split("</script>")[0])


def test_a_ten_year_chart_draws_about_a_thousand_points_and_says_how_to_see_them_all(world, login):
    add_history(world.project, world.checklist, 3650)
    html = login().get(url("project-chart", "payments-api") + "?range=all", headers=HTMX)
    html = html.content.decode()
    overall = _figure(html)["data"][0]
    assert 1000 <= len(overall["x"]) <= 1010  # plus the line's gap markers, if any
    assert 'data-downsampled="true"' in html
    assert "Drawing 1,000 of 3,650 points" in html


def test_a_zoom_into_a_downsampled_chart_draws_every_point_of_its_window(world, login):
    history = add_history(world.project, world.checklist, 3650)
    start = timezone.localtime(history[2000].evaluated_at).strftime("%Y-%m-%d %H:%M:%S.%f")
    end = timezone.localtime(history[2030].evaluated_at).strftime("%Y-%m-%d %H:%M:%S.%f")
    response = login().get(
        url("project-chart", "payments-api"),
        {"range": "all", "from": start, "to": end},
        headers=HTMX,
    )
    html = response.content.decode()
    ids = [point[0] for point in _figure(html)["data"][0]["customdata"] if point]
    assert ids == [a.pk for a in history[2000:2031]]
    assert "Zoomed in:" in html and "Show the whole range" in html
    assert "data-downsampled" not in html and 'data-windowed="true"' in html


@pytest.mark.parametrize(
    "window", [{"from": "nope", "to": "2026-01-01"}, {"from": "2026-02-01", "to": "2026-01-01"}]
)
def test_a_bad_zoom_window_shows_the_whole_range(world, login, latest, window):
    response = login().get(url("project-chart", "payments-api"), {"range": "all", **window})
    assert response.status_code == 200 and "Zoomed in:" not in response.content.decode()


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


def test_it_shows_an_expired_attestation_as_expired(world, login):
    factories.AttestationFactory(
        project=world.project,
        check_key="cpu-quotas-reviewed",
        attested_at=timezone.now() - dt.timedelta(days=40),
        valid_until=timezone.now() - dt.timedelta(days=10),
    )
    html = login().get(url("project", "payments-api")).content.decode()
    assert "Expired on" in html


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
    factories.WaiverFactory(project=world.project, check_key="cors-whitelist")
    # The waivers card adds two: the project's waivers and the checks one may ask for; the
    # notifications card two: the project's channels and their latest deliveries.
    with django_assert_max_num_queries(20):
        response = client.get(url("project", "payments-api"))
    assert response.status_code == 200


def test_it_renders_a_project_never_assessed(world, login):
    html = login(Role.EDITOR).get(url("project", "payments-api")).content.decode()
    assert "This project has not been assessed yet." in html
    assert 'data-testid="score-chart"' not in html
    assert 'data-testid="run-button"' in html


def test_it_serves_plotly_and_htmx_from_this_apps_static_files(world, login):
    html = login().get(url("project", "payments-api")).content.decode()
    assert "/static/plotly/plotly.min.js" in html
    assert "/static/django_htmx/htmx-2.min.js" in html
    assert finders.find("plotly/plotly.min.js")
    assert finders.find("django_htmx/htmx-2.min.js")
    assert "cdn" not in html.lower()
