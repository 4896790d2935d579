"""`manage.py retention`: prune the per-check rows of points past READINESS_RETENTION_DAYS
(or --days), in batches, one transaction each (readiness/services/retention.py)."""

from __future__ import annotations

from django.conf import settings
from django.core.management.base import CommandParser
from django.utils.translation import gettext as _

from readiness.management.base import BadInput, ReadinessCommand
from readiness.services.retention import DEFAULT_BATCH_SIZE, RetentionReport, retention_apply


def _size(count: int) -> str:
    for unit in ("B", "kB", "MB", "GB"):
        if count < 1024 or unit == "GB":
            return f"{count:.0f} {unit}" if unit == "B" else f"{count:.1f} {unit}"
        count /= 1024
    return f"{count} B"


def report_text(report: RetentionReport) -> str:
    lines = [
        _(
            "Retention: points evaluated before %(cutoff)s (%(days)s days), "
            "%(series)s series of points."
        )
        % {
            "cutoff": report.cutoff.strftime("%Y-%m-%d %H:%M"),
            "days": report.days,
            "series": report.series,
        },
        (
            _(
                "Would prune %(points)s of %(examined)s points examined: %(rows)s check results "
                "(about %(size)s). Dry run: nothing changed."
            )
            if report.dry_run
            else _(
                "Pruned %(points)s of %(examined)s points examined: deleted %(rows)s check "
                "results (about %(size)s) in %(batches)s batches."
            )
        )
        % {
            "points": report.points_pruned,
            "examined": report.points_examined,
            "rows": report.rows_deleted,
            "size": _size(report.bytes_freed),
            "batches": report.batches,
        },
    ]
    return "\n".join(lines)


class Command(ReadinessCommand):
    help = (
        "Prune the per-check results of old points, keeping the rows where a check changed "
        "(scores and deltas stay exact). Resumable: run it again after an interruption."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--dry-run", action="store_true", help="Count what would go; change nothing."
        )
        parser.add_argument(
            "--batch-size",
            type=int,
            default=DEFAULT_BATCH_SIZE,
            help=f"Points per transaction (default {DEFAULT_BATCH_SIZE}).",
        )
        parser.add_argument("--project", metavar="SLUG", help="Only this project.")
        parser.add_argument(
            "--days",
            type=int,
            help="Age in days past which to prune (default: READINESS_RETENTION_DAYS).",
        )
        self.add_json_argument(parser, "Print the counts as one JSON document.")

    def handle(self, *args: object, **options: object) -> None:
        days = options["days"] if options["days"] is not None else settings.READINESS_RETENTION_DAYS
        minimum = settings.READINESS_RETENTION_MIN_DAYS
        if not days:
            if options["days"] is not None:
                raise BadInput(
                    _("--days 0: give a number of days (at least %(min)s).") % {"min": minimum}
                )
            self.stdout.write(
                _(
                    "Retention is off (READINESS_RETENTION_DAYS is 0): nothing to do. "
                    "Set it, or give --days."
                )
            )
            return
        if days < minimum:
            raise BadInput(
                _("--days %(days)s: give at least %(min)s days.") % {"days": days, "min": minimum}
            )
        if options["batch_size"] < 1:
            raise BadInput(
                _("--batch-size %(size)s: give at least 1.") % {"size": options["batch_size"]}
            )
        project = self.project(options["project"]) if options["project"] else None
        report = retention_apply(
            days=days,
            batch_size=options["batch_size"],
            project=project,
            dry_run=bool(options["dry_run"]),
            progress=None if options["json"] else lambda line: self.stderr.write(line),
        )
        data = {
            "days": report.days,
            "cutoff": report.cutoff.isoformat(),
            "dry_run": report.dry_run,
            "series": report.series,
            "points_examined": report.points_examined,
            "points_pruned": report.points_pruned,
            "rows_deleted": report.rows_deleted,
            "bytes_freed": report.bytes_freed,
            "batches": report.batches,
        }
        self.write_output(
            data, as_json=bool(options["json"]), text=lambda _data: report_text(report)
        )
