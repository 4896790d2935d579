"""`manage.py report --project SLUG`: a readiness report in the shape of the teams'
documents (summary table, per-category scores with their change, overall score beside
the previous one, improvements with their exact contributions, TODO), every number
computed from stored data."""

from __future__ import annotations

from typing import Any

from django.core.management.base import CommandParser
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from readiness.management.base import BadInput, ReadinessCommand
from readiness.reports import FORMATS, ReportError, render_report, report_build


class Command(ReadinessCommand):
    project_missing = gettext_noop("No project %(slug)s.")
    help = _("Print a project's readiness report (Markdown, HTML or JSON, in French or English).")

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--project", required=True, help=_("project slug"))
        parser.add_argument("--assessment", type=int, help=_("assessment id (default: latest)"))
        parser.add_argument("--format", choices=FORMATS, default="markdown")
        parser.add_argument("--lang", choices=["fr", "en"], default="en")

    def handle(self, *args: Any, **options: Any) -> None:
        with translation.override(options["lang"]):
            project = self.project(options["project"])
            try:
                report = report_build(project=project, assessment_id=options["assessment"])
            except ReportError as exc:
                raise BadInput(str(exc)) from None
            self.stdout.write(render_report(report, options["format"]))
