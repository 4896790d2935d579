"""A project's assessments through the API (filters, keyset pages, errors naming the
parameter), one assessment as `assess --json` prints it, and a run's progress."""

from __future__ import annotations

import datetime as dt
import json
from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import timezone

from readiness.models import AssessmentStatus, Trigger
from readiness.reports import assessment_report_data
from readiness.reports.jsontext import json_text
from tests import factories
from tests.readiness.dashboard_builders import add_history, add_results

LIST = "/api/v1/projects/payments-api/assessments/"


@pytest.fixture
def days(world) -> list:
    """Seven daily assessments at 09:00 from 2025-03-01 (the 4th by hand, the rest on
    schedule)."""
    end = dt.datetime(2025, 3, 7, 9, 0, tzinfo=dt.UTC)
    points = add_history(world.project, world.checklist, 7, end=end, categories=world.categories)
    points[3].trigger = Trigger.MANUAL
    points[3].save()
    return points


def ids(body: dict) -> list[int]:
    return [item["id"] for item in body["items"]]


def test_it_lists_oldest_first_in_the_history_json_shape(world, api, history):
    body = api().get(LIST).json()
    assert ids(body) == [a.pk for a in history]
    assert body["next"] is None and body["next_cursor"] is None
    out = StringIO()
    call_command("history", "--project", "payments-api", "--json", stdout=out)
    expected = json.loads(out.getvalue())
    for item, point in zip(body["items"], expected, strict=True):
        assert item.pop("url").endswith(f"/assessments/{point['id']}/")
        assert item.pop("api_url") == f"http://testserver/api/v1/assessments/{point['id']}/"
        assert item == point


def test_it_walks_every_page_with_the_next_link_in_either_order(world, api, days):
    client = api()
    for order, expected in (("oldest", days), ("newest", days[::-1])):
        seen, url, pages = [], f"{LIST}?order={order}&limit=3", 0
        while url:
            body = client.get(url).json()
            seen += ids(body)
            url, pages = body["next"], pages + 1
            if url:
                assert url.startswith("http://testserver" + LIST) and f"order={order}" in url
        assert seen == [a.pk for a in expected] and pages == 3


def test_an_assessment_added_between_pages_is_neither_repeated_nor_skipped(world, api, days):
    client = api()
    first = client.get(f"{LIST}?limit=4").json()
    newer = add_history(world.project, world.checklist, 1)[0]  # yesterday: after all of them
    rest = client.get(first["next"]).json()
    assert ids(first) + ids(rest) == [a.pk for a in days] + [newer.pk]


def test_it_filters_by_dates_and_trigger(world, api, days):
    client = api()
    body = client.get(f"{LIST}?since=2025-03-03&until=2025-03-05").json()
    assert ids(body) == [a.pk for a in days[2:5]]  # a date alone is the whole day
    body = client.get(f"{LIST}?since=2025-03-03T09:00:01%2B00:00&until=2025-03-05T09:00Z").json()
    assert ids(body) == [a.pk for a in days[3:5]]
    body = client.get(f"{LIST}?trigger=manual").json()
    assert ids(body) == [days[3].pk]
    body = client.get(f"{LIST}?trigger=schedule&since=2025-03-03&limit=2").json()
    assert ids(body) == [days[2].pk, days[4].pk]
    assert "trigger=schedule" in body["next"] and "since=2025-03-03" in body["next"]
    assert ids(client.get(body["next"]).json()) == [days[5].pk, days[6].pk]


@pytest.mark.parametrize(
    ("query", "where", "words"),
    [
        ("since=yesterday", "query.since", "“yesterday” is not a date"),
        ("until=2025-02-30", "query.until", "“2025-02-30” is not a date"),
        ("since=2025-03-05&until=2025-03-01", "query.until", "before"),
        ("trigger=cron", "query.trigger", "manual"),
        ("cursor=not-a-cursor", "query.cursor", "Not a cursor"),
        ("order=sideways", "query.order", "oldest"),
        ("limit=0", "query.limit", "1"),
        ("limit=1000", "query.limit", "100"),
    ],
)
def test_bad_parameters_are_422_problems_naming_the_parameter(
    world, api, days, query, where, words
):
    response = api().get(f"{LIST}?{query}")
    assert response.status_code == 422
    assert response["Content-Type"] == "application/problem+json"
    body = response.json()
    assert body["status"] == 422 and body["title"] == "Invalid request"
    [error] = body["errors"]
    assert error["where"] == where and words in error["message"]


def test_a_cursor_of_the_other_order_is_refused(world, api, days):
    client = api()
    cursor = client.get(f"{LIST}?limit=2").json()["next_cursor"]
    response = client.get(f"{LIST}?order=newest&cursor={cursor}")
    assert response.status_code == 422
    assert response.json()["errors"][0]["where"] == "query.cursor"
    assert "order=oldest" in response.json()["errors"][0]["message"]


def test_errors_are_in_french_for_a_french_client(world, api, days):
    response = api().get(f"{LIST}?since=hier", headers={"Accept-Language": "fr"})
    assert response.json()["title"] == "Requête invalide"
    assert "n’est ni une date" in response.json()["errors"][0]["message"]


def test_a_page_costs_a_fixed_number_of_queries(world, api, django_assert_num_queries):
    add_history(world.project, world.checklist, 120, categories=world.categories)
    client = api()
    client.get(f"{LIST}?limit=1")
    # The token, the project, the page, its results.
    with django_assert_num_queries(4):
        assert len(client.get(f"{LIST}?limit=100").json()["items"]) == 100


def test_one_assessment_is_the_assess_json_document(world, api, history):
    latest = history[-1]
    latest.waived = [
        {"check": "cors-whitelist", "waiver": 3, "until": "2025-04-01", "reason": "vendor fix"}
    ]
    latest.level = "bronze"
    latest.save()
    response = api().get(f"/api/v1/assessments/{latest.pk}/")
    assert response.status_code == 200
    assert response.json() == json.loads(json_text(assessment_report_data(latest)))
    checks = {c["key"]: c for c in response.json()["checks"]}
    assert checks["stripe-webhook-signature"]["evidence"][0]["path"] == "src/app.py"
    assert checks["stripe-webhook-signature"]["status"] == "fail"


def test_progress_shows_the_checks_finished_so_far_while_it_runs(world, api):
    running = factories.AssessmentFactory(
        project=world.project,
        checklist=world.checklist,
        status=AssessmentStatus.RUNNING,
        score=None,
        coverage=None,
        verdict="",
        checks_total=4,
        checks_done=1,
    )
    add_results(running, {world.checks["cors"]: "pass"})
    body = api().get(f"/api/v1/assessments/{running.pk}/progress").json()
    assert (body["status"], body["finished"], body["percent"]) == ("running", False, 25)
    assert body["results"] == [
        {
            "key": "cors-whitelist",
            "name": "CORS uses a whitelist",
            "status": "pass",
            "summary": "cors-whitelist is pass",
        }
    ]
    assert body["score"] is None


def test_progress_of_a_finished_run_gives_its_score_and_where_to_read_it(world, api, history):
    latest = history[-1]
    body = api("run").get(f"/api/v1/assessments/{latest.pk}/progress").json()
    assert (body["status"], body["finished"], body["percent"]) == ("done", True, 100)
    assert (body["score"], body["verdict"], body["results"]) == (latest.score, "not-ready", [])
    assert body["api_url"] == f"http://testserver/api/v1/assessments/{latest.pk}/"


def test_progress_of_a_failed_run_says_why(world, api):
    failed = factories.AssessmentFactory(
        project=world.project,
        checklist=world.checklist,
        status=AssessmentStatus.FAILED,
        note="git clone failed",
        finished_at=timezone.now(),
    )
    body = api().get(f"/api/v1/assessments/{failed.pk}/progress").json()
    assert (body["finished"], body["note"], body["score"]) == (True, "git clone failed", None)
