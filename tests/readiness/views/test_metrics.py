"""GET /metrics: Prometheus text for a `metrics` token (its team's projects) or an allowed
address (every project), built per scrape in a fixed number of queries."""

import datetime as dt
import ipaddress
import os
import subprocess
import sys

import pytest
from django.conf import settings
from django.test import Client
from django.utils import timezone
from prometheus_client.parser import text_string_to_metric_families

from readiness.models import (
    Assessment,
    AssessmentStatus,
    ChecklistVersion,
    Project,
    Team,
    TokenScope,
    Trigger,
    Verdict,
)
from readiness.services.api_tokens import api_token_create, api_token_revoke
from readiness.services.counters import SWEEPER_RESENT_LEASE_EXPIRED, service_counter_add
from tests import factories

pytestmark = pytest.mark.django_db

LOOPBACK = (ipaddress.ip_network("127.0.0.0/8"),)


@pytest.fixture
def allow_loopback(settings):
    settings.READINESS_METRICS_ALLOW = LOOPBACK


def scrape(client=None, token=None, **extra):
    client = client or Client()
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return client.get("/metrics", headers=headers, **extra)


def families(response) -> dict:
    assert response.status_code == 200, response.content
    return {f.name: f for f in text_string_to_metric_families(response.content.decode())}


def samples(found, family, name=None) -> dict:
    """{labels as a sorted tuple: value} of one family's samples named `name`."""
    name = name or family
    return {
        tuple(sorted(s.labels.items())): s.value for s in found[family].samples if s.name == name
    }


def token(team, scope=TokenScope.METRICS):
    return api_token_create(team=team, scope=scope, name="prometheus", by=None)[1]


@pytest.fixture
def teams():
    payments = factories.TeamFactory(slug="payments")
    search = factories.TeamFactory(slug="search")
    return payments, search


def assessed(team, slug, **fields):
    project = factories.ProjectFactory(team=team, slug=slug)
    checklist = factories.ChecklistVersionFactory(project=project)
    assessment = factories.AssessmentFactory(project=project, checklist=checklist, **fields)
    return project, assessment


# Access.


def test_without_a_token_or_an_allowed_address_it_is_401(teams):
    response = scrape()

    assert response.status_code == 401
    assert response["WWW-Authenticate"].startswith("Bearer")
    assert "READINESS_METRICS_ALLOW" in response.content.decode()


@pytest.mark.parametrize("scope", [TokenScope.READ, TokenScope.RUN])
def test_a_token_of_another_scope_is_403(teams, scope):
    response = scrape(token=token(teams[0], scope))

    assert response.status_code == 403
    assert "needs a “metrics” token" in response.content.decode()


def test_an_unknown_or_revoked_token_is_401(teams, allow_loopback):
    secret = token(teams[0])
    api_token_revoke(token=teams[0].api_tokens.get(), by=None)

    # A token sent is always checked, even from an allowed address.
    assert scrape(token=secret).status_code == 401
    assert scrape(token="rdy_nonsense").status_code == 401


def test_a_metrics_token_sees_its_teams_projects_only(teams):
    payments, search = teams
    assessed(payments, "checkout", score=9.0)
    assessed(search, "indexer", score=4.0)

    found = families(scrape(token=token(payments)))

    assert samples(found, "readiness_score") == {
        (("project", "checkout"), ("team", "payments")): 9.0
    }


def test_an_allowed_address_sees_every_project(teams, allow_loopback):
    payments, search = teams
    assessed(payments, "checkout", score=9.0)
    assessed(search, "indexer", score=4.0)

    found = families(scrape())

    assert sorted(dict(k)["project"] for k in samples(found, "readiness_score")) == [
        "checkout",
        "indexer",
    ]


def test_a_forwarded_for_header_from_the_client_is_not_believed(teams, allow_loopback):
    response = scrape(REMOTE_ADDR="192.0.2.10", HTTP_X_FORWARDED_FOR="127.0.0.1")

    assert response.status_code == 401


def test_the_trusted_proxys_header_is_believed_when_configured(teams, settings):
    settings.READINESS_METRICS_ALLOW = (ipaddress.ip_network("10.1.0.0/16"),)
    settings.READINESS_CLIENT_IP_HEADER = "X-Real-IP"

    proxied = scrape(REMOTE_ADDR="127.0.0.1", HTTP_X_REAL_IP="10.1.2.3")
    outside = scrape(REMOTE_ADDR="127.0.0.1", HTTP_X_REAL_IP="192.0.2.10")

    assert proxied.status_code == 200
    assert outside.status_code == 401


def test_a_bad_allow_list_stops_the_start_with_a_clear_message(tmp_path):
    env = {**os.environ, "READINESS_METRICS_ALLOW": "127.0.0.1, 10.0.0.0/33"}
    env["READINESS_DATA_DIR"] = str(tmp_path)
    done = subprocess.run(
        [sys.executable, "manage.py", "check"],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )

    assert done.returncode != 0
    assert "READINESS_METRICS_ALLOW: '10.0.0.0/33' is not a network" in done.stderr


# What it says.


def test_it_exports_each_projects_state(teams, allow_loopback):
    payments, _ = teams
    project, latest = assessed(
        payments,
        "checkout",
        score=7.25,
        coverage=0.8,
        verdict=Verdict.NOT_READY,
        level="silver",
        evaluated_at=timezone.now() - dt.timedelta(hours=1),
    )
    latest.checklist.levels = ["bronze", "silver", "gold"]
    latest.checklist.save()
    for status in ("pass", "pass", "fail", "waived"):
        factories.CheckResultFactory(assessment=latest, status=status)
    now = timezone.now()
    factories.AttestationFactory(project=project, check_key="a", valid_until=now + dt.timedelta(3))
    factories.AttestationFactory(project=project, check_key="b", valid_until=now + dt.timedelta(30))
    factories.AttestationFactory(project=project, check_key="c", valid_until=now - dt.timedelta(1))
    factories.ProjectFactory(team=payments, slug="new-one")
    labels = (("project", "checkout"), ("team", "payments"))

    found = families(scrape())

    assert samples(found, "readiness_score") == {labels: 7.25}
    assert samples(found, "readiness_coverage") == {labels: 0.8}
    assert samples(found, "readiness_ready") == {labels: 0.0}
    assert samples(found, "readiness_level") == {(("level", "silver"), *labels): 2}
    checks = {dict(k)["status"]: v for k, v in samples(found, "readiness_checks").items()}
    assert checks == {"pass": 2, "fail": 1, "waived": 1, "warn": 0, "error": 0, "skip": 0}
    assert samples(found, "readiness_last_assessment_timestamp_seconds") == {
        labels: pytest.approx(latest.evaluated_at.timestamp())
    }
    assert samples(found, "readiness_attestations_expiring") == {
        labels: 1,
        (("project", "new-one"), ("team", "payments")): 0,
    }
    # Every project is listed, assessed or not.
    assert len(samples(found, "readiness_project_info")) == 2


def test_it_exports_the_services_own_numbers(teams, allow_loopback):
    payments, _ = teams
    _, done = assessed(payments, "checkout", trigger=Trigger.SCHEDULE)
    factories.AssessmentFactory(
        project=done.project,
        checklist=done.checklist,
        trigger=Trigger.SCHEDULE,
        status=AssessmentStatus.FAILED,
    )
    now = timezone.now()
    for duration_ms in (40, 700, 3000):
        factories.CheckResultFactory(
            assessment=done, duration_ms=duration_ms, finished_at=now, check_item__type="http"
        )
    service_counter_add(name=SWEEPER_RESENT_LEASE_EXPIRED, amount=2)
    service_counter_add(name=SWEEPER_RESENT_LEASE_EXPIRED, amount=1)

    found = families(scrape())

    team_schedule = (("team", "payments"), ("trigger", "schedule"))
    assert samples(
        found, "readiness_assessments_finished", "readiness_assessments_finished_total"
    ) == {team_schedule: 1}
    assert samples(found, "readiness_assessments_failed", "readiness_assessments_failed_total") == {
        team_schedule: 1
    }
    buckets = {
        dict(k)["le"]: v
        for k, v in samples(
            found, "readiness_check_duration_seconds", "readiness_check_duration_seconds_bucket"
        ).items()
    }
    assert (buckets["0.05"], buckets["1.0"], buckets["5.0"], buckets["+Inf"]) == (1, 2, 3, 3)
    assert samples(
        found, "readiness_check_duration_seconds", "readiness_check_duration_seconds_sum"
    ) == {(("type", "http"),): pytest.approx(3.74)}
    assert samples(found, "readiness_sweeper_resends", "readiness_sweeper_resends_total") == {
        (("reason", "lease_expired"),): 3,
        (("reason", "not_started"),): 0,
    }
    assert samples(found, "readiness_queue_up") == {(): 1}
    assert "readiness_queue_depth" in found


def test_a_broker_down_is_said_and_the_rest_still_served(teams, allow_loopback):
    from tests.integration.support import free_port, redis_broker, using

    assessed(teams[0], "checkout", score=9.0)
    with using(redis_broker(f"redis://127.0.0.1:{free_port()}/0")):
        found = families(scrape())

    assert samples(found, "readiness_queue_up") == {(): 0}
    assert "readiness_queue_depth" not in found
    assert len(samples(found, "readiness_score")) == 1


def bulk_projects(count: int) -> None:
    """`count` projects in two teams, each with a checklist, an assessment, results."""
    teams = Team.objects.bulk_create([Team(name=f"Bulk {n}", slug=f"bulk-{n}") for n in range(2)])
    projects = Project.objects.bulk_create(
        Project(team=teams[n % 2], slug=f"p-{n}", name=f"P {n}", source="/tmp/x")
        for n in range(count)
    )
    versions = ChecklistVersion.objects.bulk_create(
        ChecklistVersion(project=p, number=1, name="c", source_text="", digest="0" * 64)
        for p in projects
    )
    now = timezone.now()
    Assessment.objects.bulk_create(
        Assessment(
            project=p,
            checklist=v,
            trigger=Trigger.SCHEDULE,
            status=AssessmentStatus.DONE,
            evaluated_at=now - dt.timedelta(days=days),
            score=5 + days,
            coverage=1.0,
            verdict=Verdict.READY,
        )
        for p, v in zip(projects, versions, strict=True)
        for days in (2, 1)
    )


# Two for the project's state, two for its checks and attestations, five for the service
# (running totals and what is not folded yet, of assessments and durations; counters).
QUERIES = 9


@pytest.mark.parametrize("count", [10, 500])
def test_one_score_per_project_in_the_same_number_of_queries(
    count, allow_loopback, django_assert_num_queries
):
    bulk_projects(count)

    with django_assert_num_queries(QUERIES):
        response = scrape()

    scores = samples(families(response), "readiness_score")
    assert len(scores) == count
    # The latest assessment's score, one sample per project.
    assert set(scores.values()) == {6.0}
    assert {dict(k)["project"] for k in scores} == {f"p-{n}" for n in range(count)}
