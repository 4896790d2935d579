"""Backups of the database and their restore: SQLite through its online backup API,
PostgreSQL through pg_dump and pg_restore.

A backup is one file, readable by its owner only (it holds password hashes and sessions),
written aside and renamed into place, so a failed backup never replaces a good one. A
restore goes into a fresh install: it refuses a database that already holds users, teams or
projects unless forced, and migrates what it restored, so an older backup comes up to date."""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
import time
from collections.abc import Iterator
from contextlib import closing, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.db import connection
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from readiness.models import Project, Team

SQLITE = "sqlite"
POSTGRESQL = "postgresql"
# The first bytes of each kind of file, to say what a file is before using it.
_MAGIC = {SQLITE: b"SQLite format 3\x00", POSTGRESQL: b"PGDMP"}
_NAMES = {SQLITE: "SQLite", POSTGRESQL: "PostgreSQL"}
# Tables every readiness database has: a SQLite file without them is no readiness backup.
_SQLITE_REQUIRED_TABLES = {"django_migrations", "readiness_project"}
# libpq reads these from the environment; DATABASES' OPTIONS may carry them.
_LIBPQ_OPTIONS = {
    "sslmode": "PGSSLMODE",
    "sslrootcert": "PGSSLROOTCERT",
    "sslcert": "PGSSLCERT",
    "sslkey": "PGSSLKEY",
    "connect_timeout": "PGCONNECT_TIMEOUT",
}


class BackupError(Exception):
    """The backup or restore cannot be done; the message says why, and nothing changed."""


@dataclass(frozen=True)
class BackupDone:
    engine: str
    path: Path
    size: int
    seconds: float


def database_engine() -> str:
    """`sqlite` or `postgresql`: the kind of database this install uses."""
    vendor = connection.vendor
    if vendor not in _NAMES:
        raise BackupError(
            _("Backups support SQLite and PostgreSQL databases, not %(vendor)s.")
            % {"vendor": vendor}
        )
    return vendor


def database_backup(*, output: Path) -> BackupDone:
    """Copy the whole database into `output`, consistent as of one instant, while the web
    server and the workers go on writing."""
    engine = database_engine()
    started = time.monotonic()
    with _draft_beside(output) as draft:
        if engine == SQLITE:
            _sqlite_backup(Path(connection.settings_dict["NAME"]), draft)
        else:
            _run(_tool("pg_dump"), "--format=custom", f"--file={draft}")
        size = draft.stat().st_size
        draft.replace(output)
    return BackupDone(_NAMES[engine], output, size, time.monotonic() - started)


def database_restore(*, source: Path, force: bool) -> BackupDone:
    """Replace the database's content with the backup `source`, then migrate."""
    engine = database_engine()
    started = time.monotonic()
    _check_backup_file(source, engine)
    if not force:
        held = database_contents()
        if held:
            raise BackupError(
                _(
                    "The database already holds %(contents)s: a restore replaces all of it. "
                    "Restore into a fresh install, or add --force to replace it."
                )
                % {"contents": held}
            )
    connection.close()
    if engine == SQLITE:
        _sqlite_restore(source, Path(connection.settings_dict["NAME"]))
    else:
        _run(
            _tool("pg_restore"),
            "--clean",
            "--if-exists",
            "--no-owner",
            "--no-acl",
            "--single-transaction",
            "--exit-on-error",
            f"--dbname={connection.settings_dict['NAME']}",
            str(source),
        )
    call_command("migrate", interactive=False, verbosity=0)
    return BackupDone(_NAMES[engine], source, source.stat().st_size, time.monotonic() - started)


def database_contents() -> str:
    """What the database holds that a restore would replace, in words ("2 users, 1
    project"); empty when it holds none of them (a fresh install, migrated or not)."""
    tables = set(connection.introspection.table_names())
    counts = []
    for model, words in (
        (get_user_model(), lambda n: ngettext("%(n)d user", "%(n)d users", n)),
        (Team, lambda n: ngettext("%(n)d team", "%(n)d teams", n)),
        (Project, lambda n: ngettext("%(n)d project", "%(n)d projects", n)),
    ):
        if model._meta.db_table in tables:
            count = model.objects.count()
            if count:
                counts.append(words(count) % {"n": count})
    return ", ".join(counts)


def _sqlite_backup(database: Path, draft: Path) -> None:
    if not database.is_file():
        raise BackupError(_("There is no database at %(path)s yet.") % {"path": database})
    # One step (pages=-1) under one read transaction: the copy is the database as of
    # that instant; WAL lets the writers go on meanwhile.
    with (
        closing(sqlite3.connect(database, timeout=30)) as live,
        closing(sqlite3.connect(draft)) as copy,
    ):
        try:
            live.backup(copy)
            # One self-contained file, without a -wal beside it.
            copy.execute("PRAGMA journal_mode=DELETE")
        except sqlite3.Error as error:
            raise BackupError(
                _("Cannot copy the database at %(path)s: %(error)s")
                % {"path": database, "error": error}
            ) from None
        _sqlite_check(copy, draft)


def _sqlite_restore(source: Path, database: Path) -> None:
    with closing(sqlite3.connect(f"{source.resolve().as_uri()}?mode=ro", uri=True)) as backup:
        _sqlite_check(backup, source)
        missing = _SQLITE_REQUIRED_TABLES - {
            row[0] for row in backup.execute("SELECT name FROM sqlite_master WHERE type='table'")
        }
        if missing:
            raise BackupError(
                _("%(file)s is a SQLite database but no readiness backup (no table %(table)s).")
                % {"file": source, "table": ", ".join(sorted(missing))}
            )
        database.parent.mkdir(parents=True, exist_ok=True)
        # The backup API in reverse: the live file is rewritten through SQLite's own
        # locking and journal, so a -wal beside it stays consistent.
        with closing(sqlite3.connect(database, timeout=30)) as live:
            try:
                backup.backup(live)
            except sqlite3.Error as error:
                # "database is locked": a process still uses it (stop them first).
                raise BackupError(
                    _("Cannot write the database at %(path)s: %(error)s")
                    % {"path": database, "error": error}
                ) from None


def _sqlite_check(db: sqlite3.Connection, path: Path) -> None:
    try:
        verdict = db.execute("PRAGMA quick_check").fetchone()[0]
    except sqlite3.DatabaseError as error:
        raise BackupError(
            _("%(file)s is not a usable SQLite database: %(error)s")
            % {"file": path, "error": error}
        ) from None
    if verdict != "ok":
        raise BackupError(_("%(file)s is damaged: %(error)s") % {"file": path, "error": verdict})


def _check_backup_file(source: Path, engine: str) -> None:
    try:
        with source.open("rb") as handle:
            head = handle.read(16)
    except OSError as error:
        raise BackupError(
            _("Cannot read %(file)s: %(error)s")
            % {"file": source, "error": error.strerror or error}
        ) from None
    kind = next((name for name, magic in _MAGIC.items() if head.startswith(magic)), None)
    if kind is None:
        raise BackupError(
            _("%(file)s is neither a SQLite backup nor a pg_dump custom-format file.")
            % {"file": source}
        )
    if kind != engine:
        raise BackupError(
            _(
                "%(file)s is a %(kind)s backup, and this install uses %(engine)s: restore it "
                "into an install on %(kind)s."
            )
            % {"file": source, "kind": _NAMES[kind], "engine": _NAMES[engine]}
        )


@contextmanager
def _draft_beside(output: Path) -> Iterator[Path]:
    """A new file beside `output`, readable by its owner only, removed unless renamed."""
    if not output.parent.is_dir():
        raise BackupError(_("There is no folder %(folder)s.") % {"folder": output.parent})
    draft = output.with_name(f".{output.name}.{os.getpid()}.partial")
    try:
        os.close(os.open(draft, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600))
    except OSError as error:
        raise BackupError(
            _("Cannot write %(file)s: %(error)s")
            % {"file": output, "error": error.strerror or error}
        ) from None
    try:
        yield draft
    finally:
        draft.unlink(missing_ok=True)


def _tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        raise BackupError(
            _(
                "%(tool)s is not installed: install PostgreSQL's client tools, of the "
                "server's major version or newer (Debian: apt-get install postgresql-client)."
            )
            % {"tool": name}
        )
    return path


def _run(*argv: str) -> None:
    """Run a PostgreSQL client tool on this install's database. The connection comes
    through libpq's environment variables, so the password is never on a command line."""
    result = subprocess.run(
        [argv[0], "--no-password", *argv[1:]],
        env=_libpq_environment(connection.settings_dict),
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode != 0:
        raise BackupError(
            _("%(tool)s failed (exit %(code)d): %(error)s")
            % {
                "tool": Path(argv[0]).name,
                "code": result.returncode,
                "error": result.stderr.strip() or result.stdout.strip(),
            }
        )


def _libpq_environment(db: dict[str, Any]) -> dict[str, str]:
    # The rest of libpq's variables (PGPASSFILE for a .pgpass, …) pass through.
    env = dict(os.environ)
    values = {
        "PGHOST": db.get("HOST"),
        "PGPORT": db.get("PORT"),
        "PGUSER": db.get("USER"),
        "PGPASSWORD": db.get("PASSWORD"),
        "PGDATABASE": db.get("NAME"),
    }
    options = db.get("OPTIONS") or {}
    values.update({variable: options.get(name) for name, variable in _LIBPQ_OPTIONS.items()})
    env.update({key: str(value) for key, value in values.items() if value not in (None, "")})
    return env
