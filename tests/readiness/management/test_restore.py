"""`manage.py backup` then `manage.py restore` into a fresh install gives the same history:
on SQLite while a thread goes on writing assessments, on PostgreSQL into a separate
database. Restore refuses what is not a backup of this kind, and a database that already
holds data unless --force."""

from __future__ import annotations

import datetime as dt
import json
import os
import sqlite3
import subprocess
import sys
import threading
from urllib.parse import quote

import pytest
from django.conf import settings
from django.db import close_old_connections, connection, transaction
from django.utils import timezone

from readiness import models
from tests import factories
from tests.readiness.repo_builders import (
    category,
    checklist,
    run_command,
    write_checklist,
    write_files,
)

TIMEOUT_S = 300
SLUG = "shop"
on_sqlite = pytest.mark.skipif(
    settings.DATABASES["default"]["ENGINE"] != "django.db.backends.sqlite3",
    reason="for the embedded configuration (SQLite)",
)
on_postgresql = pytest.mark.skipif(
    settings.DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql",
    reason="needs DATABASE_URL to be a PostgreSQL database",
)


@pytest.fixture
def project(transactional_db, tmp_path) -> models.Project:
    """A project with three real assessments (file checks of a small repository) and an
    attestation: committed rows, as a running install holds them."""
    repo = write_files(
        tmp_path / "repo",
        {"README.md": "# Shop\n", "src/settings.py": "DEBUG = True\n"},
    )
    path = write_checklist(
        tmp_path / "checklist.yml",
        checklist(
            category(
                "code",
                {"key": "readme", "type": "file", "paths": ["README.md"]},
                {
                    "key": "no-debug",
                    "type": "grep",
                    "paths": ["src/*.py"],
                    "pattern": "DEBUG = True",
                    "expect": "absent",
                },
            ),
            category("process", {"key": "runbook", "type": "manual", "weight": 3}),
        ),
    )
    code, _out, err = run_command(
        "add_project", SLUG, "--source", str(repo), "--checklist", str(path)
    )
    assert code == 0, err
    project = models.Project.objects.get(slug=SLUG)
    for _ in range(2):
        assert run_command("assess", "--project", SLUG)[0] in (0, 1)
    factories.AttestationFactory(project=project, check_key="runbook", status="pass")
    assert run_command("assess", "--project", SLUG)[0] in (0, 1)
    return project


def add_finished_assessment(project: models.Project, number: int) -> None:
    """One finished assessment with its results and category rows, in one transaction, as
    the workers' last write leaves it."""
    version = project.current_checklist()
    checks = list(version.checks.order_by("position"))
    statuses = ["pass" if (number + i) % 3 else "fail" for i in range(len(checks))]
    with transaction.atomic():
        assessment = models.Assessment.objects.create(
            project=project,
            checklist=version,
            trigger=models.Trigger.SCHEDULE,
            status=models.AssessmentStatus.DONE,
            evaluated_at=timezone.now() + dt.timedelta(hours=number),
            score=number % 10,
            coverage=1.0,
            verdict=models.Verdict.NOT_READY,
            checks_total=len(checks),
            checks_done=len(checks),
        )
        for position, cat in enumerate(version.categories.order_by("position")):
            factories.CategoryScoreFactory(
                assessment=assessment, key=cat.key, name=cat.name, position=position
            )
        for check, status in zip(checks, statuses, strict=True):
            factories.CheckResultFactory(assessment=assessment, check_item=check, status=status)


class Writer(threading.Thread):
    """Writes finished assessments one after the other until stopped, as workers do."""

    def __init__(self, project: models.Project) -> None:
        super().__init__(daemon=True)
        self.project = project
        self.written = 0
        self.stopping = threading.Event()
        self.error: BaseException | None = None

    def run(self) -> None:
        try:
            while not self.stopping.is_set():
                add_finished_assessment(self.project, self.written)
                self.written += 1
        except BaseException as error:  # reported by the test, not lost in the thread
            self.error = error
        finally:
            close_old_connections()
            connection.close()

    def wait_for(self, count: int, timeout_s: float = 60) -> None:
        deadline = timezone.now() + dt.timedelta(seconds=timeout_s)
        while self.written < count and self.error is None and timezone.now() < deadline:
            self.stopping.wait(0.01)
        assert self.error is None, self.error
        assert self.written >= count, f"the writer wrote {self.written} of {count}"

    def stop(self) -> None:
        self.stopping.set()
        self.join(timeout=60)
        assert self.error is None, self.error


def manage(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess:
    """manage.py in a process of its own, on the database that `env` names."""
    base = {key: value for key, value in os.environ.items() if key != "DATABASE_URL"}
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=settings.BASE_DIR,
        env={**base, **env},
        capture_output=True,
        text=True,
        timeout=TIMEOUT_S,
        check=False,
    )


def history_here() -> list[dict]:
    code, out, err = run_command("history", "--project", SLUG, "--json")
    assert code == 0, err
    return json.loads(out)


def history_there(env: dict[str, str]) -> list[dict]:
    result = manage("history", "--project", SLUG, "--json", env=env)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


@on_sqlite
def test_a_backup_taken_while_a_thread_writes_restores_into_a_fresh_install_whole(
    project, tmp_path
):
    writer = Writer(project)
    writer.start()
    try:
        writer.wait_for(5)
        before = models.Assessment.objects.count()
        code, out, err = run_command("backup", "--output", str(tmp_path / "live.sqlite3"))
        assert code == 0, err
        assert "Backed up the SQLite database to" in out
        written_at_backup = writer.written
        writer.wait_for(written_at_backup + 5)
    finally:
        writer.stop()

    fresh = {"READINESS_DATA_DIR": str(tmp_path / "fresh")}
    restored = manage("restore", "--input", str(tmp_path / "live.sqlite3"), env=fresh)
    assert restored.returncode == 0, restored.stderr
    assert "Restored" in restored.stdout

    source, copy = history_here(), history_there(fresh)
    # The copy is the database as of one instant: every assessment there before the
    # backup began, each whole (all its checks), and the source's history up to it.
    assert before <= len(copy) < len(source)
    assert copy == source[: len(copy)]
    checks = project.current_checklist().checks.count()
    assert all(len(point["checks"]) == checks for point in copy)


@on_sqlite
def test_a_quiet_round_trip_gives_the_same_history_scores_and_attestations(project, tmp_path):
    code, _out, err = run_command("backup", "--output", str(tmp_path / "quiet.sqlite3"))
    assert code == 0, err
    assert (tmp_path / "quiet.sqlite3").stat().st_mode & 0o777 == 0o600

    fresh = {"READINESS_DATA_DIR": str(tmp_path / "fresh")}
    result = manage("restore", "--input", str(tmp_path / "quiet.sqlite3"), env=fresh)
    assert result.returncode == 0, result.stderr

    assert history_there(fresh) == history_here()
    report = manage("report", "--project", SLUG, "--format", "json", env=fresh)
    assert report.returncode == 0, report.stderr
    assert json.loads(report.stdout) == json.loads(
        run_command("report", "--project", SLUG, "--format", "json")[1]
    )


@on_sqlite
def test_it_refuses_a_restore_over_data_unless_forced(project, tmp_path):
    backup = tmp_path / "b.sqlite3"
    assert run_command("backup", "--output", str(backup))[0] == 0
    fresh = {"READINESS_DATA_DIR": str(tmp_path / "fresh")}
    assert manage("restore", "--input", str(backup), env=fresh).returncode == 0
    add_finished_assessment(project, 99)
    newer = tmp_path / "newer.sqlite3"
    assert run_command("backup", "--output", str(newer))[0] == 0

    refused = manage("restore", "--input", str(newer), env=fresh)

    assert refused.returncode == 2
    assert "The database already holds" in refused.stderr
    assert "1 project" in refused.stderr
    assert "--force" in refused.stderr
    assert len(history_there(fresh)) == len(history_here()) - 1

    forced = manage("restore", "--input", str(newer), "--force", env=fresh)

    assert forced.returncode == 0, forced.stderr
    assert history_there(fresh) == history_here()


@pytest.mark.django_db
def test_it_refuses_to_restore_over_this_database_and_changes_nothing(tmp_path):
    factories.ProjectFactory(slug=SLUG)
    factories.UserFactory()
    backup = tmp_path / "b.backup"
    assert run_command("backup", "--output", str(backup))[0] == 0

    code, _out, err = run_command("restore", "--input", str(backup))

    assert code == 2
    assert "already holds 1 user, 1 team, 1 project" in err
    assert models.Project.objects.filter(slug=SLUG).exists()


@pytest.mark.django_db
def test_it_refuses_a_file_that_is_no_backup(tmp_path):
    missing = run_command("restore", "--input", str(tmp_path / "missing.dump"))
    assert missing[0] == 2
    assert "Cannot read" in missing[2]

    text = tmp_path / "notes.txt"
    text.write_text("not a backup")
    code, _out, err = run_command("restore", "--input", str(text))
    assert code == 2
    assert f"{text} is neither a SQLite backup nor a pg_dump custom-format file." in err


@pytest.mark.django_db
def test_it_refuses_a_backup_of_the_other_kind_of_database(tmp_path):
    other = tmp_path / "other.backup"
    if connection.vendor == "sqlite":
        other.write_bytes(b"PGDMP\x01\x0e\x00")
        expected = "is a PostgreSQL backup, and this install uses SQLite"
    else:
        with sqlite3.connect(other) as db:
            db.execute("CREATE TABLE t (x)")
        expected = "is a SQLite backup, and this install uses PostgreSQL"

    code, _out, err = run_command("restore", "--input", str(other))

    assert code == 2
    assert expected in err


@on_sqlite
@pytest.mark.django_db
def test_it_refuses_a_sqlite_file_that_is_no_readiness_backup(tmp_path):
    other = tmp_path / "other.sqlite3"
    with sqlite3.connect(other) as db:
        db.execute("CREATE TABLE notes (text)")

    code, _out, err = run_command("restore", "--input", str(other))

    assert code == 2
    assert "is a SQLite database but no readiness backup" in err


def postgres_url(name: str) -> str:
    db = connection.settings_dict
    user = quote(db.get("USER") or "")
    password = f":{quote(db['PASSWORD'])}" if db.get("PASSWORD") else ""
    credentials = f"{user}{password}@" if user else ""
    return f"postgres://{credentials}{db.get('HOST') or ''}:{db.get('PORT') or 5432}/{name}"


@pytest.fixture
def separate_database(transactional_db):
    """A new, empty PostgreSQL database beside the test database, dropped afterwards."""
    name = f"{connection.settings_dict['NAME']}_restore"
    with connection.cursor() as cursor:
        cursor.execute(f'DROP DATABASE IF EXISTS "{name}"')
        cursor.execute(f'CREATE DATABASE "{name}"')
    yield {"DATABASE_URL": postgres_url(name)}
    with connection.cursor() as cursor:
        cursor.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@on_postgresql
def test_a_postgresql_backup_restores_into_a_separate_database_with_the_same_history(
    project, separate_database, tmp_path
):
    backup = tmp_path / "readiness.dump"
    code, out, err = run_command("backup", "--output", str(backup))
    assert code == 0, err
    assert "Backed up the PostgreSQL database to" in out
    assert backup.read_bytes().startswith(b"PGDMP")
    assert backup.stat().st_mode & 0o777 == 0o600

    result = manage("restore", "--input", str(backup), env=separate_database)

    assert result.returncode == 0, result.stderr
    assert history_there(separate_database) == history_here()
    again = manage("restore", "--input", str(backup), env=separate_database)
    assert again.returncode == 2
    assert "already holds" in again.stderr
    forced = manage("restore", "--input", str(backup), "--force", env=separate_database)
    assert forced.returncode == 0, forced.stderr
    assert history_there(separate_database) == history_here()
