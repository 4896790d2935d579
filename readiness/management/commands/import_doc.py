"""`manage.py import_doc FILE`: turn a hand-written readiness document (Markdown) into a
checklist, attestations, claimed history points and action items.

Without --project, or with --dry-run, it prints the checklist YAML and the import report
and saves nothing. With --project it saves everything in one transaction (a new project
needs --source): the document's checklist replaces the current one, or with --merge is
added to it (new keys only); marks already expired stay claims, not attestations. With
--run it runs the new checklist at once and sets the measured score beside the claimed one."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import CommandParser
from django.utils import translation
from django.utils.translation import gettext as _

from checks.checklist import ChecklistError
from readiness.formatting import format_score
from readiness.importer import DocumentError, import_document, max_document_bytes
from readiness.management.base import BadInput, ReadinessCommand
from readiness.models import Trigger
from readiness.reports import render_import_report
from readiness.services.assessments import AssessmentError, assessment_create
from readiness.services.imports import (
    ImportSaveError,
    claim_disagreements,
    claimed_point,
    import_document_save,
)
from readiness.services.projects import ProjectError
from readiness.services.runs import assessment_run_inline


def read_document(path: Path) -> bytes:
    """The file's bytes, refusing what is not a regular file or is over the size limit
    before reading it whole."""
    limit = max_document_bytes()
    try:
        if not path.is_file():
            raise BadInput(_("%(path)s is not a file.") % {"path": path})
        if path.stat().st_size > limit:
            raise BadInput(
                _("%(path)s is larger than the %(limit)s MB limit.")
                % {"path": path, "limit": f"{limit / (1024 * 1024):g}"}
            )
        with path.open("rb") as handle:
            return handle.read(limit + 1)
    except OSError as exc:
        raise BadInput(
            _("Cannot read %(path)s: %(reason)s") % {"path": path, "reason": exc.strerror or exc}
        ) from None


class Command(ReadinessCommand):
    help = _("Import a readiness document (Markdown): checks, attestations, history, action items.")

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path, help=_("the Markdown document"))
        parser.add_argument("--project", help=_("save into this project (slug)"))
        parser.add_argument(
            "--source",
            help=_("the project's repository (folder or git URL); creates the project"),
        )
        parser.add_argument("--team", help=_("team of a new project (default: default)"))
        parser.add_argument(
            "--dry-run", action="store_true", help=_("print the checklist and the report only")
        )
        parser.add_argument(
            "--merge",
            action="store_true",
            help=_(
                "keep the project's current checklist and add the document's new checks "
                "(default: the document's checklist replaces it)"
            ),
        )
        parser.add_argument(
            "--run", action="store_true", help=_("run the new checklist at once (needs --project)")
        )
        parser.add_argument("--lang", choices=["fr", "en"], default="en")
        parser.add_argument("--format", choices=["markdown", "json"], default="markdown")

    def handle(self, *args: Any, **options: Any) -> None:
        with translation.override(options["lang"]):
            self._handle(options)

    def _handle(self, options: dict[str, Any]) -> None:
        path: Path = options["file"]
        fmt = options["format"]
        if options["run"] and not options["project"]:
            raise BadInput(_("--run needs --project."))
        data = read_document(path)
        try:
            result = import_document(data, source_name=path.name)
        except DocumentError as exc:
            raise BadInput(f"{path}: {exc.message}") from None
        if options["dry_run"] or not options["project"]:
            if fmt == "markdown":
                self.stdout.write("# " + _("Checklist (YAML)") + "\n\n```yaml")
                self.stdout.write(result.checklist_yaml or _("# no check in this document"))
                self.stdout.write("```\n")
            self.stdout.write(render_import_report(result, fmt=fmt))
            if fmt == "markdown":
                self.stdout.write(
                    _("Nothing was saved (dry run).")
                    if options["dry_run"]
                    else _("Nothing was saved: give --project SLUG to save.")
                )
            return
        try:
            summary = import_document_save(
                result=result,
                project_slug=options["project"],
                source=options["source"],
                team_name=options["team"],
                merge=options["merge"],
            )
        except (ImportSaveError, ProjectError, ChecklistError, ValueError) as exc:
            raise BadInput(str(exc)) from None
        self.stdout.write(render_import_report(result, summary, fmt=fmt))
        if options["run"]:
            self._run(summary.project)

    def _run(self, project: Any) -> None:
        try:
            assessment = assessment_create(project=project, trigger=Trigger.CLI)
        except AssessmentError as exc:
            raise BadInput(str(exc)) from None
        measured = assessment_run_inline(assessment=assessment)
        claimed = claimed_point(project=project)
        if claimed is None:
            self.stdout.write(_("Measured: %(score)s") % {"score": format_score(measured.score)})
            return
        self.stdout.write(
            _("Claimed by document: %(claimed)s · measured: %(measured)s")
            % {"claimed": format_score(claimed.score), "measured": format_score(measured.score)}
        )
        disagreements = claim_disagreements(claimed=claimed, measured=measured)
        if disagreements:
            self.stdout.write(
                _("%(count)s checks disagree with the document:") % {"count": len(disagreements)}
            )
            for item in disagreements:
                self.stdout.write(f"- {item.key}: {item.claimed} → {item.measured}")
