"""Every query of the dashboard's pages can use an index on the tables that grow with
time: asked to avoid sequential scans, PostgreSQL's planner still finds an index path for
each of them (EXPLAIN). On SQLite this is skipped: its planner is not the one in production."""

from __future__ import annotations

import ipaddress
import json

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from readiness.models import Assessment, CategoryScore, CheckResult, Role
from tests import factories
from tests.readiness.dashboard_builders import add_history, add_results

# The tables whose rows grow with every assessment, attestation or change.
GROWING = {
    model._meta.db_table
    for model in (
        Assessment,
        CategoryScore,
        CheckResult,
        factories.models.AuditEntry,
        factories.models.Attestation,
        factories.models.Waiver,
        factories.models.ActionItem,
    )
}


@pytest.fixture
def organisation(db):
    if connection.vendor != "postgresql":
        pytest.skip("query plans are checked on PostgreSQL, the production database")
    team = factories.TeamFactory(slug="platform")
    user = factories.UserFactory()
    factories.MembershipFactory(team=team, user=user, role=Role.ADMIN)
    projects = []
    # Enough rows that the planner's choices are those of a real history.
    for n in range(8):
        project = factories.ProjectFactory(team=team, slug=f"service-{n}")
        version = factories.ChecklistVersionFactory(project=project)
        category = factories.CategoryFactory(checklist=version, key="security")
        checks = [factories.CheckFactory(checklist=version, category=category) for _ in range(5)]
        history = add_history(project, version, 800, categories={"security": category})
        for assessment in history[-40:]:
            add_results(assessment, {check: "pass" for check in checks})
        projects.append((project, history))
    factories.AuditEntryFactory.create_batch(50, team=team)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    return user, team, projects


DISCOURAGE = "SET enable_seqscan = off; SET enable_hashjoin = off; SET enable_mergejoin = off"
RESTORE = "RESET enable_seqscan; RESET enable_hashjoin; RESET enable_mergejoin"


def _scanned_sequentially(plan: dict) -> set[str]:
    """The tables the plan reads whole: a sequential scan, or an index walked from end to
    end (no index condition) to filter its rows."""
    found = set()
    kind = plan.get("Node Type")
    if kind == "Seq Scan" or (
        kind in ("Index Scan", "Index Only Scan") and "Index Cond" not in plan
    ):
        found.add(plan["Relation Name"])
    for child in plan.get("Plans", []):
        found |= _scanned_sequentially(child)
    return found


def test_every_dashboard_query_has_an_index_path(organisation, client) -> None:
    user, team, projects = organisation
    client.force_login(user)
    project, history = projects[0]
    urls = [
        "/",
        f"/teams/{team.slug}/standup/",
        f"/teams/{team.slug}/",
        f"/teams/{team.slug}/audit/",
        f"/projects/{project.slug}/",
        f"/projects/{project.slug}/chart/?range=all",
        f"/projects/{project.slug}/history/",
        f"/assessments/{history[-1].pk}/",
        f"/compare/?a={history[-2].pk}&b={history[-1].pk}",
    ]
    with CaptureQueriesContext(connection) as captured:
        for url in urls:
            assert client.get(url).status_code == 200, url
    problems = []
    # On an empty or tiny table the planner's choice means nothing.
    populated = {model._meta.db_table for model in (Assessment, CategoryScore, CheckResult)}
    with connection.cursor() as cursor:
        # No sequential scan, and joins by nested loops: where an index exists for a
        # filter or a join key, the planner must then use it; where none does, it is
        # left with a whole-table read, which the plan shows.
        cursor.execute(DISCOURAGE)
        try:
            for query in {q["sql"] for q in captured.captured_queries}:
                if not query.lstrip().upper().startswith("SELECT"):
                    continue
                cursor.execute("EXPLAIN (FORMAT JSON) " + query)
                plan = cursor.fetchone()[0]
                plan = json.loads(plan) if isinstance(plan, str) else plan
                scanned = _scanned_sequentially(plan[0]["Plan"]) & GROWING & populated
                if scanned:
                    problems.append(f"{sorted(scanned)}: {query[:600]}\n{json.dumps(plan)[:2000]}")
        finally:
            cursor.execute(RESTORE)
    assert not problems, "queries without an index path:\n" + "\n\n".join(problems)


def test_the_check_shows_a_query_without_an_index(organisation) -> None:
    """The test above can fail: a filter on an unindexed column is caught."""
    with connection.cursor() as cursor:
        cursor.execute(DISCOURAGE)
        try:
            cursor.execute(
                "EXPLAIN (FORMAT JSON) SELECT id FROM readiness_assessment WHERE coverage > 0.5"
            )
            plan = cursor.fetchone()[0]
        finally:
            cursor.execute(RESTORE)
    plan = json.loads(plan) if isinstance(plan, str) else plan
    assert "readiness_assessment" in _scanned_sequentially(plan[0]["Plan"])


def test_a_latest_claimed_point_is_found_without_walking_the_history(organisation, client):
    """No point of these projects is claimed by a document: the overview's and the
    standup's "latest claim" lookup must find that out from the small index of claimed
    points, not by reading every point of each project's history backwards."""
    user, team, _projects = organisation
    client.force_login(user)
    with CaptureQueriesContext(connection) as captured:
        assert client.get(f"/teams/{team.slug}/standup/").status_code == 200
    claim_lookups = [q["sql"] for q in captured.captured_queries if 'U0."claimed" AND' in q["sql"]]
    assert claim_lookups
    assert_plans_use(claim_lookups, "assessment_claimed_idx")


def assert_plans_use(queries, index):
    """Each of `queries`, explained, goes through `index`."""
    with connection.cursor() as cursor:
        for query in queries:
            cursor.execute("EXPLAIN (FORMAT JSON) " + query)
            plan = cursor.fetchone()[0]
            plan = plan if isinstance(plan, str) else json.dumps(plan)
            assert index in plan, plan[:2000]


def test_a_scrape_reads_only_the_assessments_not_yet_in_the_metrics_totals(
    organisation, client, settings
):
    """After the rollup, /metrics finds what is not folded yet from the small partial
    index of such assessments, not by reading the history (or every finished result)."""
    from readiness.services.metrics_rollup import metrics_rollup

    settings.READINESS_METRICS_ALLOW = (ipaddress.ip_network("127.0.0.0/8"),)
    metrics_rollup()
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    with CaptureQueriesContext(connection) as captured:
        assert client.get("/metrics").status_code == 200
    delta = [q["sql"] for q in captured.captured_queries if "metrics_rolled_up" in q["sql"]]
    assert len(delta) == 2
    assert_plans_use(delta, "assessment_metrics_delta_idx")
