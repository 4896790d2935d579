"""`manage.py waiver`: ask for, approve, deny and list the waivers of a project's checks.

`--base TEAM/CHECKLIST` instead of `--project` asks for (or lists) a waiver of every project
extending a team's base checklist. `waiver request` prints the new waiver's id alone on its
last line, for scripts. Exit
codes: 0 done, 1 refused by the rules (the requester approving their own request, a role
that may not), 2 bad input (an unknown project, check, user or waiver, a date)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser
from django.core.management.base import CommandParser
from django.utils.translation import gettext as _

from readiness.management.base import BadInput, PolicyFailure, ReadinessCommand, aligned_table
from readiness.models import BaseChecklist, Waiver
from readiness.selectors.waivers import waiver_rows
from readiness.services.waivers import (
    WaiverError,
    WaiverRefused,
    waiver_approve,
    waiver_deny,
    waiver_request,
)


def _date(value: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise BadInput(
            _("--until %(value)s: give a date as YYYY-MM-DD") % {"value": value}
        ) from None


def waivers_text(rows: list[dict[str, Any]]) -> str:
    """The waivers as an aligned table, or a line saying there are none."""
    if not rows:
        return _("No waiver.")
    header = [_("#"), _("Check"), _("Status"), _("Until"), _("Asked by"), _("Decided by")]
    header.append(_("Reason"))
    lines = [
        [
            str(row["id"]),
            f"{row['check']} ({row['base']})" if row.get("base") else row["check"],
            row["status"],
            row["until"],
            row["requested_by"],
            row["decided_by"] or "",
            row["reason"].splitlines()[0][:60] if row["reason"] else "",
        ]
        for row in rows
    ]
    return aligned_table(header, lines)


class Command(ReadinessCommand):
    help = _(
        "Ask for a waiver of a project's check, approve or deny one, or list a project's waivers."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        actions = parser.add_subparsers(dest="action", required=True, metavar="ACTION")
        request = actions.add_parser("request", help=_("Ask for a waiver; prints its id last."))
        scope = request.add_mutually_exclusive_group(required=True)
        scope.add_argument("--project", metavar="SLUG")
        scope.add_argument(
            "--base",
            metavar="TEAM/CHECKLIST",
            help=_("A team's base checklist: the waiver covers every project extending it."),
        )
        request.add_argument("--check", required=True, metavar="KEY")
        request.add_argument("--until", required=True, metavar="YYYY-MM-DD")
        request.add_argument("--reason", required=True, metavar="TEXT")
        request.add_argument("--by", required=True, metavar="USERNAME")
        approve = actions.add_parser("approve", help=_("Approve a waiver asked for."))
        approve.add_argument("id", type=int, metavar="ID")
        approve.add_argument("--by", required=True, metavar="USERNAME")
        approve.add_argument("--note", default="", metavar="TEXT")
        deny = actions.add_parser("deny", help=_("Deny a waiver asked for, saying why."))
        deny.add_argument("id", type=int, metavar="ID")
        deny.add_argument("--by", required=True, metavar="USERNAME")
        deny.add_argument("--note", required=True, metavar="TEXT")
        listing = actions.add_parser("list", help=_("List a project's waivers, newest first."))
        listed = listing.add_mutually_exclusive_group(required=True)
        listed.add_argument("--project", metavar="SLUG")
        listed.add_argument("--base", metavar="TEAM/CHECKLIST")
        self.add_json_argument(listing, _("Print one JSON list."))

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            getattr(self, f"_{options['action']}")(options)
        except WaiverRefused as exc:
            raise PolicyFailure(str(exc)) from None
        except WaiverError as exc:
            raise BadInput(str(exc)) from None

    def _request(self, options: dict[str, Any]) -> None:
        project = self.project(options["project"]) if options["project"] else None
        base = self._base(options["base"]) if options["base"] else None
        waiver = waiver_request(
            project=project,
            base=base,
            check_key=options["check"],
            until=_date(options["until"]),
            reason=options["reason"],
            user=self._user(options["by"]),
        )
        self.stdout.write(
            _("Waiver #%(id)s asked for %(project)s/%(check)s until %(until)s.")
            % {
                "id": waiver.pk,
                "project": project.slug if project else base.ref,
                "check": waiver.check_key,
                "until": waiver.until.isoformat(),
            }
        )
        self.stdout.write(str(waiver.pk))

    def _approve(self, options: dict[str, Any]) -> None:
        waiver = waiver_approve(
            waiver=self._waiver(options["id"]), user=self._user(options["by"]), note=options["note"]
        )
        self.stdout.write(
            _("Waiver #%(id)s approved: %(check)s is waived through %(until)s.")
            % {"id": waiver.pk, "check": waiver.check_key, "until": waiver.until.isoformat()}
        )

    def _deny(self, options: dict[str, Any]) -> None:
        waiver = waiver_deny(
            waiver=self._waiver(options["id"]), user=self._user(options["by"]), note=options["note"]
        )
        self.stdout.write(_("Waiver #%(id)s denied.") % {"id": waiver.pk})

    def _list(self, options: dict[str, Any]) -> None:
        if options["base"]:
            rows = waiver_rows(base=self._base(options["base"]))
        else:
            rows = waiver_rows(project=self.project(options["project"]))
        self.write_output(rows, as_json=options["json"], text=waivers_text)

    def _base(self, ref: str) -> BaseChecklist:
        team, _sep, slug = ref.partition("/")
        base = BaseChecklist.objects.select_related("team").filter(team__slug=team, slug=slug)
        found = base.first()
        if found is None:
            raise BadInput(
                _("--base %(ref)s: no such base checklist (write TEAM/CHECKLIST)") % {"ref": ref}
            )
        return found

    def _user(self, username: str) -> AbstractBaseUser:
        user = get_user_model().objects.filter(username=username, is_active=True).first()
        if user is None:
            raise BadInput(_("--by %(user)s: no such active user") % {"user": username})
        return user

    def _waiver(self, pk: int) -> Waiver:
        waiver = Waiver.objects.select_related("team").filter(pk=pk).first()
        if waiver is None:
            raise BadInput(_("waiver %(id)s: no such waiver") % {"id": pk})
        return waiver
