import datetime as dt
import json

import pytest

from readiness import models
from readiness.services.backfill import backfill_run
from readiness.services.projects import project_upsert
from tests.readiness.repo_builders import (
    GitRepo,
    category,
    celery_conf,
    checklist,
    formula,
    free_port,
    run_command,
    write_checklist,
    write_files,
)

UTC = dt.UTC


def at(day: int, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime(2026, 2, day, hour, minute, tzinfo=UTC)


HISTORY_CHECKLIST = checklist(
    category(
        "code",
        {
            "key": "no-debug",
            "type": "grep",
            "paths": ["*.py"],
            "pattern": "DEBUG = True",
            "expect": "absent",
        },
        {"key": "signature", "type": "grep", "paths": ["*.py"], "pattern": r"verify_signature\("},
        {"key": "readme", "type": "file", "paths": ["README.md"]},
    ),
    category(
        "ops",
        {"key": "health", "type": "http", "url": "http://127.0.0.1:9/health"},
        {"key": "runbook", "type": "manual"},
    ),
)


def statuses_shape(no_debug: str, signature: str, readme: str) -> list:
    # The http check is not evaluable on history and the manual one has no attestation:
    # both are error (not measured), so ops has no score and coverage is below 100%.
    return [(1, [(1, no_debug), (1, signature), (1, readme)]), (1, [(1, "error"), (1, "error")])]


@pytest.fixture
def git(tmp_path):
    repo = GitRepo(tmp_path / "repo")
    repo.shas = [
        repo.commit({"app.py": "DEBUG = True\n", "README.md": "# Shop\n"}, when=at(10, 8)),
        repo.commit({"app.py": "DEBUG = False\n"}, when=at(10, 17)),
        repo.commit({"hooks.py": "verify_signature(event)\n"}, when=at(12, 9)),
        repo.commit({"README.md": None}, when=at(13, 9)),
    ]
    return repo


@pytest.fixture
def project(tmp_path, git):
    path = write_checklist(tmp_path / "readiness.yml", HISTORY_CHECKLIST)
    project, _version, _created = project_upsert(
        slug="shop", source=str(git.root), checklist_path=path
    )
    return project


def backfilled(project):
    return list(
        models.Assessment.objects.filter(project=project, trigger=models.Trigger.BACKFILL).order_by(
            "evaluated_at", "id"
        )
    )


@pytest.mark.django_db
def test_it_prints_progress_and_a_summary(project, git):
    code, out, _err = run_command("backfill", "--project", "shop", "--since", "2026-02-10")

    lines = out.splitlines()
    score, coverage, _ = formula(statuses_shape("pass", "fail", "pass"))
    assert code == 0
    assert lines[0] == "3 points in range, 0 already stored, 3 to evaluate."
    assert lines[1] == (
        f"[1/3] 2026-02-10 {git.shas[1][:7]} {score:.1f}/10 · {int(coverage * 100)}% measured"
    )
    assert lines[3].startswith(f"[3/3] 2026-02-13 {git.shas[3][:7]} ")
    assert lines[-1] == "Backfilled 3 points."


@pytest.mark.django_db
def test_it_reports_points_already_stored_on_a_second_run(project):
    run_command("backfill", "--project", "shop", "--since", "2026-02-10")

    code, out, _err = run_command(
        "backfill", "--project", "shop", "--since", "2026-02-10", "--every", "commit"
    )

    assert code == 0
    assert out.splitlines()[0] == "4 points in range, 3 already stored, 1 to evaluate."
    assert len(backfilled(project)) == 4


@pytest.mark.django_db
def test_it_dates_history_points_at_the_commit_time(project, git):
    run_command("backfill", "--project", "shop", "--since", "2026-02-12", "--until", "2026-02-12")

    _code, out, _err = run_command("history", "--project", "shop", "--json")

    [point] = json.loads(out)
    assert point["date"] == "2026-02-12T09:00:00+00:00"
    assert point["revision"] == git.shas[2]
    assert point["trigger"] == "backfill"


@pytest.mark.django_db
def test_it_shows_history_coverage_below_1_when_an_http_check_was_not_measured(project):
    run_command("backfill", "--project", "shop", "--since", "2026-02-12", "--until", "2026-02-12")

    _code, out, _err = run_command("history", "--project", "shop", "--json")
    _code, text, _err = run_command("history", "--project", "shop")

    [point] = json.loads(out)
    assert point["coverage"] < 1
    assert point["file_checks_only"] is True
    assert {"key": "health", "status": "error"} in point["checks"]
    assert "file checks only" in text


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--project", "nope", "--since", "2026-02-10"], "no such project"),
        (["--project", "shop", "--since", "10/02/2026"], "--since 10/02/2026"),
        (["--project", "shop", "--since", "2026-02-12", "--until", "2026-02-10"], "--until"),
    ],
    ids=["project", "date", "range"],
)
def test_it_exits_2_for_bad_arguments(project, args, message):
    code, _out, err = run_command("backfill", *args)

    assert code == 2
    assert message in err
    assert backfilled(project) == []


@pytest.mark.django_db
def test_it_exits_2_for_a_source_without_git_history(tmp_path):
    folder = write_files(tmp_path / "plain", {"README.md": "# Plain\n"})
    path = write_checklist(tmp_path / "readiness.yml", HISTORY_CHECKLIST)
    project_upsert(slug="plain", source=str(folder), checklist_path=path)

    code, _out, err = run_command("backfill", "--project", "plain", "--since", "2026-01-01")

    assert code == 2
    assert "not a git repository" in err


@pytest.mark.django_db
def test_it_enqueues_one_task_per_pending_point_with_queue(project, git):
    backfill_run(project=project, since=dt.date(2026, 2, 13), every="day")

    with celery_conf(task_always_eager=True):
        code, out, _err = run_command(
            "backfill", "--project", "shop", "--since", "2026-02-10", "--queue"
        )

    # Eager: each task ran as it was sent, through backfill_point.
    assert code == 0
    assert out == "Enqueued 2 of 3 points (the others are already stored).\n"
    assert [(a.revision, a.evaluated_at) for a in backfilled(project)] == [
        (git.shas[1], at(10, 17)),
        (git.shas[2], at(12, 9)),
        (git.shas[3], at(13, 9)),
    ]


@pytest.mark.django_db
def test_it_exits_2_and_enqueues_nothing_when_the_queue_is_unavailable(project):
    with celery_conf(broker_url=f"redis://127.0.0.1:{free_port()}/0"):
        code, out, err = run_command(
            "backfill", "--project", "shop", "--since", "2026-02-10", "--queue"
        )

    assert code == 2
    assert out == ""
    assert "queue unavailable" in err
    assert backfilled(project) == []
