"""Backfill in batches: an interrupted run resumed stores what an uninterrupted one does,
and chunks sent to the workers store the same points as a run in one process."""

import datetime as dt
import random

import pytest

from readiness import models
from readiness.services import backfill
from readiness.services.backfill import backfill_chunk, backfill_plan, backfill_run
from readiness.services.backfill_store import BatchWriter
from readiness.services.projects import project_upsert
from tests.readiness.repo_builders import (
    GitRepo,
    category,
    celery_conf,
    checklist,
    run_command,
    write_checklist,
)

CHECKLIST = checklist(
    category(
        "code",
        {
            "key": "no-debug",
            "type": "grep",
            "paths": ["**/*.py"],
            "pattern": "DEBUG = True",
            "expect": "absent",
        },
        {"key": "todo", "type": "grep", "paths": ["**/*.py"], "pattern": "TODO", "max_count": 3},
        {"key": "readme", "type": "file", "paths": ["README.md"]},
    ),
    category(
        "ops",
        {
            "key": "region",
            "type": "consistency",
            "sources": [
                {"paths": ["deploy/*.yml"], "pattern": r"region: (\S+)"},
                {"paths": ["app/*.py"], "pattern": r'REGION = "(\S+)"'},
            ],
        },
        {"key": "health", "type": "http", "url": "http://127.0.0.1:9/health"},
        {"key": "runbook", "type": "manual"},
    ),
)
LINES = ["DEBUG = True", "DEBUG = False", "# TODO", 'REGION = "eu"', 'REGION = "us"', "x = 1"]
NAMES = ["app/a.py", "app/b.py", "lib/c.py", "README.md", "deploy/prod.yml", "deploy/dev.yml"]


@pytest.fixture
def git(tmp_path):
    repo = GitRepo(tmp_path / "repo")
    rng = random.Random(11)
    start = dt.datetime(2026, 3, 1, 9, tzinfo=dt.UTC)
    repo.shas = []
    for number in range(23):
        files = {}
        for name in rng.sample(NAMES, rng.randint(1, 3)):
            if name.endswith(".yml"):
                files[name] = f"region: {rng.choice(['eu', 'us'])}\n"
            elif rng.random() < 0.15:
                files[name] = None  # deleted
            else:
                files[name] = "\n".join(rng.choice(LINES) for _ in range(4)) + "\n"
        repo.shas.append(repo.commit(files, when=start + dt.timedelta(hours=5 * number)))
    return repo


def make_project(tmp_path, git, slug):
    path = write_checklist(tmp_path / f"{slug}.yml", CHECKLIST)
    project, _version, _created = project_upsert(
        slug=slug, source=str(git.root), checklist_path=path
    )
    return project


def stored_points(project):
    points = []
    for assessment in models.Assessment.objects.filter(
        project=project, trigger=models.Trigger.BACKFILL
    ).order_by("evaluated_at", "id"):
        points.append(
            (
                assessment.revision,
                assessment.evaluated_at,
                assessment.status,
                assessment.score,
                assessment.coverage,
                assessment.verdict,
                [
                    (r.check_item.key, r.status, r.summary, r.evidence, r.details)
                    for r in assessment.results.select_related("check_item")
                ],
                [(c.key, c.score, c.coverage) for c in assessment.category_scores.all()],
            )
        )
    return points


SINCE = dt.date(2026, 3, 1)


@pytest.mark.django_db
def test_it_resumes_an_interrupted_backfill_with_the_same_points(tmp_path, git, monkeypatch):
    reference = make_project(tmp_path, git, "reference")
    backfill_run(project=reference, since=SINCE, every="commit")
    project = make_project(tmp_path, git, "interrupted")
    monkeypatch.setattr(backfill, "BATCH_POINTS", 5)
    write = BatchWriter.write
    calls = []

    def crash_on_the_third_batch(self, points):
        calls.append(len(points))
        if len(calls) == 3:
            raise KeyboardInterrupt  # as if the process were stopped mid-batch
        return write(self, points)

    monkeypatch.setattr(BatchWriter, "write", crash_on_the_third_batch)
    with pytest.raises(KeyboardInterrupt):
        backfill_run(project=project, since=SINCE, every="commit")
    # Two whole batches are kept, nothing of the third.
    assert len(stored_points(project)) == 10
    monkeypatch.setattr(BatchWriter, "write", write)

    again = backfill_run(project=project, since=SINCE, every="commit")

    assert len(again) == 13
    assert len(stored_points(reference)) == 23
    assert stored_points(project) == stored_points(reference)


@pytest.mark.django_db
def test_it_stores_the_points_of_the_one_point_path(tmp_path, git):
    walked = make_project(tmp_path, git, "walked")
    backfill_run(project=walked, since=SINCE, every="commit")
    single = make_project(tmp_path, git, "single")

    for sha in git.shas:
        backfill.backfill_point(project_id=single.pk, revision=sha)

    assert stored_points(single) == stored_points(walked)


@pytest.mark.django_db
def test_it_stores_chunks_as_a_run_in_one_process_does(tmp_path, git):
    whole = make_project(tmp_path, git, "whole")
    backfill_run(project=whole, since=SINCE, every="commit")
    chunked = make_project(tmp_path, git, "chunked")
    plan = backfill_plan(project=chunked, since=SINCE, every="commit")

    counts = [
        backfill_chunk(project_id=chunked.pk, revisions=[p.sha for p in plan[start : start + 8]])
        for start in range(0, len(plan), 8)
    ]
    again = backfill_chunk(project_id=chunked.pk, revisions=[p.sha for p in plan[:8]])

    assert counts == [8, 8, 7]
    assert again == 0
    assert stored_points(chunked) == stored_points(whole)


@pytest.mark.django_db
def test_it_sends_long_ranges_in_chunks_with_queue(tmp_path, git, monkeypatch):
    make_project(tmp_path, git, "queued")
    monkeypatch.setattr(backfill, "CHUNK_POINTS", 10)
    monkeypatch.setattr(backfill, "CHUNK_ABOVE", 4)
    sent = []
    monkeypatch.setattr(backfill, "queue_send", lambda *, calls: sent.extend(calls))

    code, out, _err = run_command(
        "backfill", "--project", "queued", "--since", "2026-03-01", "--every", "commit", "--queue"
    )

    assert code == 0
    assert out == "Enqueued 23 of 23 points (the others are already stored).\n"
    assert [call.name for call in sent] == ["readiness.tasks.backfill_chunk_task"] * 3
    assert [len(call.kwargs["revisions"]) for call in sent] == [10, 10, 3]
    assert [r for call in sent for r in call.kwargs["revisions"]] == git.shas


@pytest.mark.django_db
def test_it_runs_chunk_tasks_through_the_queue(tmp_path, git, monkeypatch):
    project = make_project(tmp_path, git, "eager")
    monkeypatch.setattr(backfill, "CHUNK_POINTS", 10)
    monkeypatch.setattr(backfill, "CHUNK_ABOVE", 4)

    with celery_conf(task_always_eager=True):
        code, _out, _err = run_command(
            "backfill",
            "--project",
            "eager",
            "--since",
            "2026-03-01",
            "--every",
            "commit",
            "--queue",
        )

    assert code == 0
    assert [p[0] for p in stored_points(project)] == git.shas
