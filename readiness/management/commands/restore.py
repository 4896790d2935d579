"""`manage.py restore --input FILE [--force]`: a backup made by `backup` put back into
this install's database, then migrated. Stop the web server, the workers and beat first."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import CommandParser
from django.db import DatabaseError
from django.utils.translation import gettext as _

from readiness.management.base import BadInput, ReadinessCommand
from readiness.services.backups import BackupError, database_restore


class Command(ReadinessCommand):
    help = _(
        "Restore a backup made by the backup command into this install's database, then "
        "migrate it. Refuses a database that already holds users, teams or projects unless "
        "--force. Stop the web server, the workers and beat first."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--input", required=True, type=Path, metavar="FILE", help=_("The backup file.")
        )
        parser.add_argument(
            "--force",
            action="store_true",
            help=_("Replace a database that already holds data."),
        )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            done = database_restore(source=options["input"], force=options["force"])
        except (BackupError, DatabaseError) as error:
            raise BadInput(_("Restore failed: %(error)s") % {"error": error}) from None
        self.stdout.write(
            _("Restored %(file)s into the %(engine)s database (%(seconds).1f s).")
            % {"file": done.path, "engine": done.engine, "seconds": done.seconds}
        )
