"""`manage.py history`: a project's assessments, oldest first."""

from __future__ import annotations

from typing import Any

from django.core.management.base import CommandParser
from django.utils.translation import gettext as _

from readiness.formatting import format_coverage, format_score
from readiness.management.base import ReadinessCommand
from readiness.models import Assessment, Project
from readiness.reports import history_points as history_documents
from readiness.verdicts import trigger_text, verdict_label


def history_points(project: Project) -> list[dict[str, Any]]:
    """Every assessment of `project` as a JSON-ready dict, oldest first (two queries, three
    when retention pruned some)."""
    return history_documents(
        Assessment.objects.filter(project=project).order_by("evaluated_at", "id")
    )


def history_text(points: list[dict[str, Any]]) -> str:
    """The points as an aligned table, or a line saying there are none."""
    if not points:
        return _("No assessment yet.")
    header = [_("#"), _("Date"), _("Revision"), _("Trigger"), _("Status"), _("Score")]
    header += [_("Coverage"), _("Verdict")]
    # The level column only for a project that has reached a level at some point.
    leveled = any(p.get("level") for p in points)
    if leveled:
        header.append(_("Level"))
    rows = [
        [
            str(p["id"]),
            p["date"][:16].replace("T", " "),
            (p["revision"] or "")[:7],
            trigger_text(p["trigger"], file_checks_only=p["file_checks_only"]),
            p["status"],
            format_score(p["score"]),
            format_coverage(p["coverage"]),
            verdict_label(p["verdict"] or ""),
            *([p["level"] or "–"] if leveled else []),
        ]
        for p in points
    ]
    widths = [max(len(row[i]) for row in [header, *rows]) for i in range(len(header))]
    return "\n".join(
        "  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)).rstrip()
        for row in [header, *rows]
    )


class Command(ReadinessCommand):
    help = _("List a project's assessments, oldest first.")

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--project", required=True, metavar="SLUG")
        self.add_json_argument(parser, _("Print one JSON list."))

    def handle(self, *args: Any, **options: Any) -> None:
        project = self.project(options["project"])
        self.write_output(history_points(project), as_json=options["json"], text=history_text)
