"""A small chaos run (bench/bench_chaos.py is the large one): assessments through two real
workers while workers are SIGKILLed and started again; every assessment finishes with one
result per check and the score of the same checklist evaluated in this process."""

from __future__ import annotations

import random
import time

import pytest
from django.utils import timezone

from checks.checklist import load_checklist
from checks.runner import run_checklist
from checks.spec import RunContext
from readiness.models import Assessment, Trigger
from readiness.scored import checklist_scorecard
from readiness.services.assessments import assessment_start
from readiness.services.sweeper import assessment_sweep
from tests.integration.conftest import LEASE_S
from tests.integration.support import SlowServer
from tests.integration.test_worker import assert_complete, category, http, make_project

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]

ASSESSMENTS = 20
KILLS = 2


@pytest.fixture
def server():
    with SlowServer() as running:
        yield running


def test_assessments_survive_killed_workers_with_the_in_process_scores(
    workers, settings, server, tmp_path
):
    settings.READINESS_LEASE_SECONDS = LEASE_S  # this process sweeps with the workers' lease
    (tmp_path / "README.md").write_text("hello\n")
    (tmp_path / "app.py").write_text("DEBUG = False\n")
    project = make_project(
        tmp_path,
        category(
            "files",
            {"key": "readme", "type": "file", "paths": ["README.md"]},
            {"key": "license", "type": "file", "paths": ["LICENSE"]},
            {"key": "debug", "type": "grep", "paths": ["*.py"], "pattern": "DEBUG = True"},
            weight=2,
        ),
        category(
            "service",
            http("health", server.url(300, "health")),
            http("slow", server.url(1000, "slow")),
            {**http("created", server.url(100, "created")), "expect_status": 201},
        ),
    )
    checklist = load_checklist(project.current_checklist().source_text)
    context = RunContext(repo=tmp_path, now=timezone.now())
    outcomes = run_checklist(checklist, context)
    expected = {key: str(outcome.status) for key, outcome in outcomes.items()}
    card = checklist_scorecard(checklist, outcomes)

    live = [workers.start(), workers.start()]
    started = [assessment_start(project=project, trigger=Trigger.MANUAL)]
    kills_at = sorted(random.sample(range(2, ASSESSMENTS - 2), KILLS))
    kills = 0
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        if len(started) < ASSESSMENTS:
            started.append(assessment_start(project=project, trigger=Trigger.MANUAL))
            if len(started) in kills_at:
                random.choice([w for w in live if w.alive]).kill()
                kills += 1
        for index, worker in enumerate(live):
            if not worker.alive:  # a supervisor's round
                live[index] = workers.start()
        assessment_sweep()
        if not Assessment.objects.filter(project=project).exclude(status="done").exists():
            break
        time.sleep(0.2)
    for worker in live:
        worker.stop()

    assessments = list(Assessment.objects.filter(project=project))
    assert (len(assessments), kills) == (ASSESSMENTS, KILLS)
    for assessment in assessments:
        assert_complete(assessment)
        statuses = dict(assessment.results.values_list("check_item__key", "status"))
        assert statuses == expected, f"#{assessment.pk}"
        assert (assessment.score, assessment.coverage) == (card.score, card.coverage)
