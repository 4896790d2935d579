"""`manage.py history`: a project's assessments, oldest first."""

from __future__ import annotations

from typing import Any

from django.core.management.base import CommandParser
from django.db.models import Prefetch
from django.utils.translation import gettext as _

from readiness.formatting import format_coverage, format_score
from readiness.management.base import ReadinessCommand
from readiness.models import Assessment, CheckResult, Project
from readiness.retained import carried_results
from readiness.verdicts import trigger_text, verdict_label


def history_points(project: Project) -> list[dict[str, Any]]:
    """Every assessment of `project` as a JSON-ready dict, oldest first (two queries, three
    when retention pruned some)."""
    assessments = list(
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
    carried = carried_results(assessments)

    def checks(a: Assessment) -> list[dict[str, Any]]:
        results = sorted(
            [*a.results.all(), *carried.get(a.pk, [])], key=lambda r: r.check_item.position
        )
        # A point pruned by retention: the date each deleted row's status is carried from.
        return [
            {
                "key": r.check_item.key,
                "status": r.status,
                **({"carried_from": r.carried_from.isoformat()} if r.carried_from else {}),
            }
            for r in results
        ]

    return [
        {
            "id": a.pk,
            # The commit time for a backfilled point, the run time for a live one.
            "date": a.evaluated_at.isoformat(),
            "revision": a.revision or None,
            "trigger": a.trigger,
            # A point of history measured only what a past commit can tell.
            "file_checks_only": a.file_checks_only,
            "status": a.status,
            "score": a.score,
            "coverage": a.coverage,
            "verdict": a.verdict or None,
            "level": a.level or None,
            "waived": [entry["check"] for entry in a.waived],
            "checks": checks(a),
        }
        for a in assessments
    ]


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
