"""Migration 0010 gives every existing project a badge key of its own."""

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

BEFORE = [("readiness", "0011_notifications")]
AFTER = [("readiness", "0012_badge_key_and_service_counters")]


@pytest.mark.django_db(transaction=True)
def test_existing_projects_get_distinct_keys():
    executor = MigrationExecutor(connection)
    executor.migrate(BEFORE)
    old = executor.loader.project_state(BEFORE).apps
    team = old.get_model("readiness", "Team").objects.create(name="T", slug="t")
    Project = old.get_model("readiness", "Project")
    for n in range(3):
        Project.objects.create(team=team, slug=f"p{n}", name=f"P{n}", source="/tmp/x")

    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(AFTER)
    new = executor.loader.project_state(AFTER).apps
    keys = list(new.get_model("readiness", "Project").objects.values_list("badge_key", flat=True))

    assert len(keys) == 3
    assert len(set(keys)) == 3
    assert all(len(key) >= 24 for key in keys)
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(executor.loader.graph.leaf_nodes())
