"""`manage.py history`: a project's assessments, oldest first."""

from __future__ import annotations

import json
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db.models import Prefetch
from django.utils.translation import gettext as _

from readiness.formatting import format_coverage, format_score
from readiness.models import Assessment, CheckResult, Project
from readiness.verdicts import verdict_label

BAD_INPUT = 2


def history_points(project: Project) -> list[dict[str, Any]]:
    """Every assessment of `project` as a JSON-ready dict, oldest first (two queries)."""
    assessments = (
        Assessment.objects.filter(project=project)
        .order_by("evaluated_at", "id")
        .prefetch_related(
            Prefetch(
                "results",
                queryset=CheckResult.objects.select_related("check_item").order_by(
                    "check_item__position"
                ),
            )
        )
    )
    return [
        {
            "id": a.pk,
            # The commit time for a backfilled point, the run time for a live one.
            "date": a.evaluated_at.isoformat(),
            "revision": a.revision or None,
            "trigger": a.trigger,
            "status": a.status,
            "score": a.score,
            "coverage": a.coverage,
            "verdict": a.verdict or None,
            "checks": [{"key": r.check_item.key, "status": r.status} for r in a.results.all()],
        }
        for a in assessments
    ]


class Command(BaseCommand):
    help = _("List a project's assessments, oldest first.")

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--project", required=True, metavar="SLUG")
        parser.add_argument("--json", action="store_true", help=_("Print one JSON list."))

    def handle(self, *args: Any, **options: Any) -> None:
        project = Project.objects.filter(slug=options["project"]).first()
        if project is None:
            raise CommandError(
                _("--project %(slug)s: no such project") % {"slug": options["project"]},
                returncode=BAD_INPUT,
            )
        points = history_points(project)
        if options["json"]:
            self.stdout.write(json.dumps(points, ensure_ascii=False))
            return
        if not points:
            self.stdout.write(_("No assessment yet."))
            return
        header = [_("#"), _("Date"), _("Revision"), _("Trigger"), _("Status"), _("Score")]
        header += [_("Coverage"), _("Verdict")]
        rows = [
            [
                str(p["id"]),
                p["date"][:16].replace("T", " "),
                (p["revision"] or "")[:7],
                p["trigger"],
                p["status"],
                format_score(p["score"]),
                format_coverage(p["coverage"]),
                verdict_label(p["verdict"] or ""),
            ]
            for p in points
        ]
        widths = [max(len(row[i]) for row in [header, *rows]) for i in range(len(header))]
        for row in [header, *rows]:
            self.stdout.write(
                "  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)).rstrip()
            )
