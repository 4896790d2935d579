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


# Several patterns over the same files, one with a forbid, one per file, one over text that
# includes binary and non-UTF-8 files, and evidence longer than a result keeps.
RICH_CHECKLIST = checklist(
    category(
        "code",
        {"key": "todo", "type": "grep", "paths": ["**/*.py"], "pattern": "TODO", "max_count": 40},
        {
            "key": "calls",
            "type": "grep",
            "paths": ["**/*.py", "**/*.txt"],
            "pattern": r"call\(\d+\)",
            "min_count": 2,
        },
        {
            "key": "debug",
            "type": "grep",
            "paths": ["**/*.py"],
            "pattern": "DEBUG = ",
            "forbid": "DEBUG = True",
        },
        {
            "key": "headers",
            "type": "grep",
            "paths": ["app/*.py"],
            "pattern": "^# header",
            "each_file": True,
        },
        {
            "key": "secrets",
            "type": "grep",
            "paths": ["**"],
            "pattern": "secret",
            "expect": "absent",
        },
        {"key": "readme", "type": "file", "paths": ["README.md"]},
    ),
)
RICH_LINES = [
    "# header",
    "# TODO later",
    "call(1); call(22)",
    "DEBUG = False",
    "DEBUG = True",
    "x = 'secret'",
    "y = 2",
    "caf\xe9 = call(3)",
]


@pytest.fixture
def rich_git(tmp_path):
    """A history with edits, new files, deletions, renames, binary and non-UTF-8 files."""
    repo = GitRepo(tmp_path / "rich")
    rng = random.Random(23)
    start = dt.datetime(2026, 3, 1, 9, tzinfo=dt.UTC)
    current: dict[str, str | bytes] = {}
    repo.shas = []
    serial = 0
    for number in range(30):
        files: dict[str, str | bytes | None] = {}
        if number == 0:
            files["README.md"] = "readme\n"
        for _ in range(rng.randint(1, 4)):
            roll = rng.random()
            names = sorted(set(current) - {"README.md"})
            if names and roll < 0.15:
                files[rng.choice(names)] = None
            elif names and roll < 0.3:
                # A rename: the same content under a new name.
                old = rng.choice(names)
                serial += 1
                files[old] = None
                files[f"app/moved_{serial}" + old[old.rfind(".") :]] = current[old]
            elif roll < 0.4:
                serial += 1
                lines = "\n".join(rng.choice(RICH_LINES) for _ in range(6))
                files[f"lib/blob_{serial}.txt"] = b"\x00binary\n" + lines.encode()
            elif roll < 0.45:
                serial += 1
                files[f"lib/latin_{serial}.py"] = b"call(7) secret TODO \xe9\xff\n"
            else:
                serial += 1
                name = rng.choice(names) if names and rng.random() < 0.6 else f"app/m{serial}.py"
                count = rng.choice([3, 8, 30])
                files[name] = "\n".join(rng.choice(RICH_LINES) for _ in range(count)) + "\n"
        if number == 17:
            files["README.md"] = None
        if number == 21:
            files["README.md"] = "back\n"
        for name, content in files.items():
            if content is None:
                current.pop(name, None)
            else:
                current[name] = content
        repo.shas.append(repo.commit(files, when=start + dt.timedelta(hours=3 * number)))
    return repo


@pytest.mark.django_db
def test_a_whole_backfill_equals_the_points_evaluated_one_by_one(tmp_path, rich_git):
    def rich_project(slug):
        path = write_checklist(tmp_path / f"{slug}.yml", RICH_CHECKLIST)
        project, _version, _created = project_upsert(
            slug=slug, source=str(rich_git.root), checklist_path=path
        )
        return project

    walked = rich_project("walked")
    backfill_run(project=walked, since=SINCE, every="commit")
    single = rich_project("single")

    for sha in rich_git.shas:
        backfill.backfill_point(project_id=single.pk, revision=sha)

    points = stored_points(walked)
    assert len(points) == 30
    assert points == stored_points(single)
    statuses = {status for point in points for _key, status, *_ in point[6]}
    assert {"pass", "fail"} <= statuses
    assert any(len(evidence) == 20 for point in points for *_, evidence, _ in point[6])
    details = [details for point in points for *_, details in point[6]]
    assert any("skipped_files" in item for item in details), "binary files are skipped"
    assert any("non_utf8_files" in item for item in details)
