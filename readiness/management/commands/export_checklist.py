"""`manage.py export_checklist --project SLUG [--version N] [--output FILE]`: a stored
checklist version written back as a v1 YAML file."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import CommandParser
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from checks.checklist import dump_checklist
from readiness.management.base import BadInput, ReadinessCommand
from readiness.models import ChecklistVersion, Project
from readiness.services.checklists import checklist_spec


class Command(ReadinessCommand):
    project_missing = gettext_noop("There is no project %(slug)s.")
    help = _(
        "Write a project's checklist (the current version, or --version N) as YAML to "
        "standard output or to --output FILE."
    )

    def create_parser(self, prog_name: str, subcommand: str, **kwargs: Any) -> CommandParser:
        # Our --version (a checklist version) replaces Django's --version (its own release).
        kwargs.setdefault("conflict_handler", "resolve")
        return super().create_parser(prog_name, subcommand, **kwargs)

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--project", required=True, metavar="SLUG")
        parser.add_argument(
            "--version",
            type=int,
            metavar="N",
            help=_("Checklist version number (default: the current one)."),
        )
        parser.add_argument(
            "--output", type=Path, metavar="FILE", help=_("Write here instead of to stdout.")
        )

    def handle(self, *args: Any, **options: Any) -> None:
        project = self.project(options["project"])
        version = self._version(project, options["version"])
        text = dump_checklist(checklist_spec(version))
        output: Path | None = options["output"]
        if output is None:
            self.stdout.write(text, ending="")
            return
        try:
            output.write_text(text, encoding="utf-8")
        except OSError as exc:
            raise BadInput(
                _("Cannot write %(file)s: %(error)s")
                % {"file": output, "error": exc.strerror or exc}
            ) from None
        self.stdout.write(
            _("Wrote checklist version %(number)d of %(slug)s to %(file)s.")
            % {"number": version.number, "slug": project.slug, "file": output}
        )

    def _version(self, project: Project, number: int | None) -> ChecklistVersion:
        versions = project.checklist_versions.order_by("-number")
        version = versions.first() if number is None else versions.filter(number=number).first()
        if version is not None:
            return version
        known = sorted(versions.values_list("number", flat=True))
        if not known:
            raise BadInput(
                _("Project %(slug)s has no checklist yet (import one with import_checklist).")
                % {"slug": project.slug}
            )
        raise BadInput(
            _("Project %(slug)s has no checklist version %(number)d (it has %(known)s).")
            % {
                "slug": project.slug,
                "number": number,
                "known": ", ".join(str(n) for n in known),
            }
        )
