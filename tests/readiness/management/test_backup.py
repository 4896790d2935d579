"""`manage.py backup --output FILE`: one file readable by its owner only, put in place only
once complete; on PostgreSQL through pg_dump with the password in its environment, never
on its command line. The round trips through restore are in test_restore.py."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection

from tests import factories
from tests.readiness.management.test_restore import on_postgresql, on_sqlite
from tests.readiness.repo_builders import run_command

# Stands in for pg_dump: notes its arguments and environment, then writes a dump's first
# bytes, or fails as pg_dump does when FAKE_PG_DUMP_FAIL is set.
FAKE_PG_DUMP = """#!/bin/sh
printf '%s\\n' "$@" > "$FAKE_LOG/argv"
env > "$FAKE_LOG/env"
if [ -n "$FAKE_PG_DUMP_FAIL" ]; then
  echo 'pg_dump: error: connection to server failed: FATAL: password authentication failed' >&2
  exit 1
fi
for argument in "$@"; do
  case "$argument" in --file=*) printf 'PGDMP fake' > "${argument#--file=}" ;; esac
done
"""


@pytest.mark.django_db
def test_the_backup_is_readable_by_its_owner_only_and_leaves_no_draft(tmp_path):
    factories.ProjectFactory()
    output = tmp_path / "readiness.backup"
    output.write_text("yesterday's backup")

    code, out, err = run_command("backup", "--output", str(output))

    assert code == 0, err
    assert str(output) in out
    assert stat.S_IMODE(output.stat().st_mode) == 0o600
    assert output.read_bytes()[:5] in (b"SQLit", b"PGDMP")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["readiness.backup"]


@pytest.mark.django_db
def test_it_says_when_the_output_folder_does_not_exist(tmp_path):
    code, _out, err = run_command("backup", "--output", str(tmp_path / "missing" / "b.dump"))

    assert code == 2
    assert f"There is no folder {tmp_path / 'missing'}." in err


@on_sqlite
def test_it_says_when_there_is_no_database_yet(tmp_path):
    env = {key: value for key, value in os.environ.items() if key != "DATABASE_URL"}
    result = subprocess.run(
        [sys.executable, "manage.py", "backup", "--output", str(tmp_path / "b.sqlite3")],
        cwd=settings.BASE_DIR,
        env={**env, "READINESS_DATA_DIR": str(tmp_path / "fresh")},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )

    assert result.returncode == 2
    assert "There is no database at" in result.stderr
    assert not (tmp_path / "fresh" / "readiness.sqlite3").exists()
    assert not (tmp_path / "b.sqlite3").exists()


@pytest.fixture
def fake_pg_dump(tmp_path, monkeypatch) -> Path:
    """pg_dump replaced by FAKE_PG_DUMP, and the database given a password; the folder
    where the fake notes what it got."""
    tools = tmp_path / "bin"
    tools.mkdir()
    script = tools / "pg_dump"
    script.write_text(FAKE_PG_DUMP)
    script.chmod(0o755)
    log = tmp_path / "log"
    log.mkdir()
    monkeypatch.setenv("PATH", f"{tools}{os.pathsep}{os.environ['PATH']}")
    monkeypatch.setenv("FAKE_LOG", str(log))
    monkeypatch.setitem(connection.settings_dict, "PASSWORD", "s3cret-Pa55")
    return log


@on_postgresql
@pytest.mark.django_db
def test_pg_dump_gets_the_password_in_its_environment_never_in_its_arguments(
    fake_pg_dump, tmp_path
):
    output = tmp_path / "out" / "readiness.dump"
    output.parent.mkdir()

    code, _out, err = run_command("backup", "--output", str(output))

    assert code == 0, err
    argv = (fake_pg_dump / "argv").read_text()
    env = dict(
        line.split("=", 1)
        for line in (fake_pg_dump / "env").read_text().splitlines()
        if "=" in line
    )
    assert "s3cret-Pa55" not in argv
    assert "--format=custom" in argv.splitlines()
    assert "--no-password" in argv.splitlines()
    assert env["PGPASSWORD"] == "s3cret-Pa55"
    assert env["PGDATABASE"] == connection.settings_dict["NAME"]
    assert output.read_bytes() == b"PGDMP fake"


@on_postgresql
@pytest.mark.django_db
def test_a_failed_pg_dump_keeps_the_previous_backup_and_says_why(
    fake_pg_dump, tmp_path, monkeypatch
):
    monkeypatch.setenv("FAKE_PG_DUMP_FAIL", "1")
    output = tmp_path / "out" / "readiness.dump"
    output.parent.mkdir()
    output.write_bytes(b"PGDMP yesterday")

    code, _out, err = run_command("backup", "--output", str(output))

    assert code == 2
    assert "pg_dump failed (exit 1): pg_dump: error: connection to server failed" in err
    assert output.read_bytes() == b"PGDMP yesterday"
    assert [p.name for p in output.parent.iterdir()] == ["readiness.dump"]


@on_postgresql
@pytest.mark.django_db
def test_it_says_how_to_install_pg_dump_when_it_is_missing(tmp_path, monkeypatch):
    monkeypatch.setenv("PATH", str(tmp_path))

    code, _out, err = run_command("backup", "--output", str(tmp_path / "readiness.dump"))

    assert code == 2
    assert "pg_dump is not installed" in err
    assert "apt-get install postgresql-client" in err
