"""`manage.py add_project`: register or update a project and its checklist."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import CommandParser
from django.utils.translation import gettext as _

from readiness.management.base import BadInput, ReadinessCommand
from readiness.services.projects import project_upsert


class Command(ReadinessCommand):
    help = _(
        "Create or update a project. A changed checklist file becomes a new checklist "
        "version; an invalid one saves nothing."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("slug", metavar="SLUG")
        parser.add_argument(
            "--source", required=True, metavar="PATH_OR_GIT_URL", help=_("Folder or git URL.")
        )
        parser.add_argument("--ref", help=_("Git branch, tag or commit to assess."))
        parser.add_argument(
            "--subfolder",
            metavar="PATH",
            help=_(
                "Folder inside the repository that the checks see as its root, e.g. "
                "services/api (empty: the root)."
            ),
        )
        parser.add_argument(
            "--base-url",
            metavar="URL",
            help=_(
                "Where the running service answers, e.g. https://api.example.com: fills "
                "${base_url} in runtime checks (empty: they are skipped)."
            ),
        )
        parser.add_argument("--checklist", required=True, type=Path, metavar="FILE")
        parser.add_argument(
            "--team", metavar="NAME", help=_('Team (created if missing; "default").')
        )
        parser.add_argument("--name", help=_("Display name (default: the slug)."))
        parser.add_argument(
            "--schedule", metavar="CRON", help=_("Cron expression, e.g. '30 8 * * 1-5'.")
        )
        parser.add_argument("--timezone", metavar="TZ", help=_("Time zone, e.g. Europe/Paris."))

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            project, version, created = project_upsert(
                slug=options["slug"],
                source=options["source"],
                ref=options["ref"],
                subfolder=options["subfolder"],
                base_url=options["base_url"],
                checklist_path=options["checklist"],
                team_name=options["team"],
                name=options["name"],
                schedule=options["schedule"],
                timezone=options["timezone"],
            )
        except ValueError as exc:
            # ChecklistError (file:line keypath lines), a bad source or ref, or a schedule
            # field: each message names the place.
            raise BadInput(str(exc)) from None
        if created:
            message = _("Project %(slug)s: checklist version %(number)s saved.")
        else:
            message = _("Project %(slug)s: checklist unchanged (version %(number)s).")
        self.stdout.write(message % {"slug": project.slug, "number": version.number})
        if project.schedule:
            self.stdout.write(
                _("Scheduled: %(cron)s (%(zone)s).")
                % {"cron": project.schedule, "zone": project.timezone}
            )
