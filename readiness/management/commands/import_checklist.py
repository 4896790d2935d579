"""`manage.py import_checklist FILE --project SLUG`: validate a checklist file and store it as
the project's next checklist version (nothing is saved when the file has a problem)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import CommandParser
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop, ngettext

from checks.checklist import (
    MAX_CHECKLIST_BYTES,
    ChecklistError,
    decode_checklist,
    load_checklist_file,
)
from readiness.management.base import BadInput, ReadinessCommand
from readiness.services.builds import project_build, source_extends
from readiness.services.checklists import checklist_upload


class Command(ReadinessCommand):
    project_missing = gettext_noop("There is no project %(slug)s (create it with add_project).")
    help = _(
        "Validate a checklist file (format v1) and store it as the project's next checklist "
        "version. An unchanged file keeps the current version; an invalid one saves nothing."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path, metavar="FILE", help=_("Checklist YAML file."))
        parser.add_argument("--project", required=True, metavar="SLUG")

    def handle(self, *args: Any, **options: Any) -> None:
        path: Path = options["file"]
        # Validate first: an invalid file is reported in full whatever the project.
        project = None
        try:
            if _extends(path):
                # A shared checklist is read with its project's bases and campaigns.
                project = self.project(options["project"])
                source_text = decode_checklist(path.read_bytes(), filename=str(path))
                built = project_build(project=project, source=source_text, filename=str(path))
                checklist = built.checklist
            else:
                checklist, source_text = load_checklist_file(path)
        except ChecklistError as exc:
            count = len(exc.problems)
            heading = ngettext(
                "%(file)s is not a valid checklist (%(count)d problem):",
                "%(file)s is not a valid checklist (%(count)d problems):",
                count,
            ) % {"file": path, "count": count}
            raise BadInput(f"{heading}\n{exc}") from None
        project = project or self.project(options["project"])
        version, created = checklist_upload(
            project=project, source=source_text, source_name=path.name, filename=str(path)
        )
        checks = sum(1 for _check in checklist.all_checks())
        if created:
            message = _(
                "Imported %(file)s as checklist version %(number)d of %(slug)s "
                "(categories: %(categories)d, checks: %(checks)d)."
            )
        else:
            message = _("%(file)s is unchanged: %(slug)s stays at checklist version %(number)d.")
        self.stdout.write(
            message
            % {
                "file": path,
                "number": version.number,
                "slug": project.slug,
                "categories": len(checklist.categories),
                "checks": checks,
            }
        )


def _extends(path: Path) -> bool:
    try:
        text = path.read_bytes()[: MAX_CHECKLIST_BYTES + 1].decode("utf-8", errors="replace")
    except OSError:
        return False  # the loader reports it
    return bool(source_extends(checklist_source=text))
