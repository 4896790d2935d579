"""`manage.py backup --output FILE`: the whole database in one file, taken while the web
server and the workers run (SQLite's backup API, or pg_dump's custom format)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import CommandParser
from django.db import DatabaseError
from django.utils.translation import gettext as _

from readiness.management.base import BadInput, ReadinessCommand
from readiness.services.backups import BackupError, database_backup


class Command(ReadinessCommand):
    help = _(
        "Back up the whole database to FILE while the product runs: SQLite through its "
        "backup API, PostgreSQL with pg_dump (custom format). Restore it with restore."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--output",
            required=True,
            type=Path,
            metavar="FILE",
            help=_("The backup file (replaced once the new backup is complete)."),
        )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            done = database_backup(output=options["output"])
        except (BackupError, DatabaseError) as error:
            raise BadInput(_("Backup failed: %(error)s") % {"error": error}) from None
        self.stdout.write(
            _("Backed up the %(engine)s database to %(file)s (%(size)d bytes, %(seconds).1f s).")
            % {
                "engine": done.engine,
                "file": done.path,
                "size": done.size,
                "seconds": done.seconds,
            }
        )
