"""docs/grafana-readiness.json: a dashboard that asks Prometheus only for metrics that
/metrics exports, through a datasource variable."""

import datetime as dt
import json
import re
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client
from django.utils import timezone
from prometheus_client.parser import text_string_to_metric_families

from readiness.models import AssessmentStatus
from readiness.services.counters import SWEEPER_RESENT_LEASE_EXPIRED, service_counter_add
from tests import factories

DASHBOARD = Path(settings.BASE_DIR) / "docs" / "grafana-readiness.json"
METRIC = re.compile(r"\breadiness_[a-z_]+\b")


def exprs(node) -> list[str]:
    """Every PromQL expression of the dashboard: panel targets and variable queries."""
    found = []
    if isinstance(node, dict):
        for key, value in node.items():
            if key in ("expr", "definition") and isinstance(value, str):
                found.append(value)
            else:
                found.extend(exprs(value))
    elif isinstance(node, list):
        for item in node:
            found.extend(exprs(item))
    return found


@pytest.fixture
def exported(db, settings) -> set[str]:
    """The names of every sample /metrics gives for a project with every kind of data."""
    import ipaddress

    settings.READINESS_METRICS_ALLOW = (ipaddress.ip_network("127.0.0.0/8"),)
    checklist = factories.ChecklistVersionFactory(levels=["bronze", "silver"])
    assessment = factories.AssessmentFactory(checklist=checklist, level="bronze")
    factories.AssessmentFactory(checklist=checklist, status=AssessmentStatus.FAILED)
    factories.CheckResultFactory(assessment=assessment, finished_at=timezone.now())
    factories.AttestationFactory(
        project=checklist.project, valid_until=timezone.now() + dt.timedelta(days=2)
    )
    service_counter_add(name=SWEEPER_RESENT_LEASE_EXPIRED)
    text = Client().get("/metrics").content.decode()
    return {s.name for f in text_string_to_metric_families(text) for s in f.samples}


def test_every_expression_names_metrics_that_are_exported(exported):
    dashboard = json.loads(DASHBOARD.read_text())

    expressions = exprs(dashboard)

    assert len(expressions) >= 10
    for expression in expressions:
        names = set(METRIC.findall(expression))
        assert names, expression
        assert names <= exported, (expression, names - exported)


def test_it_shows_what_the_issue_asks_for():
    text = DASHBOARD.read_text()

    for metric in (
        "readiness_score",
        "readiness_ready",
        "readiness_checks",
        "readiness_assessments_failed_total",
        "readiness_check_duration_seconds_bucket",
        "readiness_queue_depth",
    ):
        assert metric in text


def test_every_panel_uses_the_datasource_variable():
    dashboard = json.loads(DASHBOARD.read_text())
    variables = {v["name"]: v for v in dashboard["templating"]["list"]}

    assert variables["datasource"]["type"] == "datasource"
    assert variables["datasource"]["query"] == "prometheus"
    for panel in dashboard["panels"]:
        assert panel["datasource"]["uid"] == "${datasource}", panel["title"]
        for target in panel["targets"]:
            assert target["datasource"]["uid"] == "${datasource}", panel["title"]
