"""`manage.py backfill`: evaluate a project's file checks at past commits."""

from __future__ import annotations

import datetime as dt
import zoneinfo
from typing import Any

from django.core.management.base import CommandParser
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.translation import gettext as _

from readiness.formatting import score_line
from readiness.management.base import BadInput, ReadinessCommand
from readiness.models import Assessment, Project
from readiness.queue import QueueUnavailable
from readiness.services.backfill import (
    EVERY,
    EVERY_DAY,
    BackfillError,
    BackfillPoint,
    Progress,
    backfill_enqueue,
    backfill_plan,
    backfill_run,
)


def parse_moment(value: str, option: str) -> dt.date | dt.datetime:
    """A date (YYYY-MM-DD: the whole day) or an ISO 8601 date and time."""
    moment = parse_date(value) if len(value) <= 10 else None
    if moment is None:
        try:
            moment = parse_datetime(value)
        except ValueError:
            moment = None
    if moment is None:
        raise BadInput(
            _("%(option)s %(value)s: not a date (YYYY-MM-DD) or an ISO 8601 date and time")
            % {"option": option, "value": value}
        )
    return moment


class Command(ReadinessCommand):
    help = _(
        "Evaluate a project's file checks (grep, file, consistency) at past commits, read "
        "from git objects, and store one assessment per point dated at its commit time."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--project", required=True, metavar="SLUG")
        parser.add_argument("--since", required=True, metavar="DATE")
        parser.add_argument("--until", metavar="DATE", help=_("Last day included (default: now)."))
        parser.add_argument(
            "--every",
            choices=EVERY,
            default=EVERY_DAY,
            help=_("day: the last commit of each day; commit: every commit."),
        )
        parser.add_argument(
            "--queue",
            action="store_true",
            help=_(
                "Send the points to the workers: one task per point, or for a long range "
                "one task per chunk of consecutive points."
            ),
        )

    def handle(self, *args: Any, **options: Any) -> None:
        project = self.project(options["project"])
        since = parse_moment(options["since"], "--since")
        until = parse_moment(options["until"], "--until") if options["until"] else None
        try:
            if options["queue"]:
                plan = backfill_plan(
                    project=project, since=since, until=until, every=options["every"]
                )
                self._enqueue(project, plan)
                return
            created = 0
            report = self._progress(project)

            def progress(done: int, total: int, assessment: Assessment) -> None:
                nonlocal created
                created += 1
                report(done, total, assessment)

            # The points are reported as they are stored, not kept: a long history then
            # needs no more memory than a short one.
            backfill_run(
                project=project,
                since=since,
                until=until,
                every=options["every"],
                progress=progress,
                announce=self._announce,
                collect=False,
            )
        except BackfillError as exc:
            raise BadInput(str(exc)) from None
        self.stdout.write(_("Backfilled %(count)s points.") % {"count": created})

    def _announce(self, total: int, pending: int) -> None:
        self.stdout.write(
            _("%(total)s points in range, %(stored)s already stored, %(pending)s to evaluate.")
            % {"total": total, "stored": total - pending, "pending": pending}
        )

    def _enqueue(self, project: Project, plan: list[BackfillPoint]) -> None:
        try:
            revisions = backfill_enqueue(project=project, plan=plan)
        except QueueUnavailable as exc:
            raise BadInput(_("queue unavailable: %(error)s") % {"error": exc}) from None
        self.stdout.write(
            _("Enqueued %(count)s of %(total)s points (the others are already stored).")
            % {"count": len(revisions), "total": len(plan)}
        )

    def _progress(self, project: Project) -> Progress:
        zone = zoneinfo.ZoneInfo(project.timezone or "UTC")

        def report(done: int, total: int, assessment: Assessment) -> None:
            self.stdout.write(
                f"[{done}/{total}] {assessment.evaluated_at.astimezone(zone):%Y-%m-%d} "
                f"{assessment.revision[:7]} {score_line(assessment.score, assessment.coverage)}"
            )
            self.stdout.flush()

        return report
