"""`manage.py report --project SLUG`: a readiness report in the shape of the teams'
documents (summary table, per-category scores with their change, overall score beside
the previous one, improvements with their exact contributions, TODO), every number
computed from stored data."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import translation
from django.utils.translation import gettext as _

from readiness.models import Project
from readiness.reports import FORMATS, ReportError, render_report, report_build

BAD_INPUT = 2


class Command(BaseCommand):
    help = _("Print a project's readiness report (Markdown, HTML or JSON, in French or English).")

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--project", required=True, help=_("project slug"))
        parser.add_argument("--assessment", type=int, help=_("assessment id (default: latest)"))
        parser.add_argument("--format", choices=FORMATS, default="markdown")
        parser.add_argument("--lang", choices=["fr", "en"], default="en")

    def handle(self, *args: Any, **options: Any) -> None:
        with translation.override(options["lang"]):
            project = Project.objects.filter(slug=options["project"]).first()
            if project is None:
                raise CommandError(
                    _("No project %(slug)s.") % {"slug": options["project"]}, returncode=BAD_INPUT
                )
            try:
                report = report_build(project=project, assessment_id=options["assessment"])
            except ReportError as exc:
                raise CommandError(str(exc), returncode=BAD_INPUT) from None
            self.stdout.write(render_report(report, options["format"]))
