"""`manage.py notify`: a project's notification channels from the command line.

    notify add --project P --on regression,verdict,critical,expiring,missed \
        (--webhook URL --secret S | --apprise URL) [--min-drop N] [--days N]
    notify list --project P [--json]
    notify remove ID
    notify test ID

`add` prints the new channel's id alone on its last line. A webhook's secret may come
from an environment variable (`--secret-env NAME`) rather than the command line, which
other users of the machine can read. Exit codes: 0 done, 1 a test message that could not
be sent, 2 bad input (the message names the flag; nothing is saved)."""

from __future__ import annotations

import os
from typing import Any

from django.conf import settings
from django.core.management.base import CommandParser
from django.utils.translation import gettext as _

from readiness.management.base import BadInput, PolicyFailure, ReadinessCommand, aligned_table
from readiness.models import NotificationChannel
from readiness.models_notify import ChannelKind, DeliveryStatus, NotifyRule
from readiness.selectors.notifications import channel_row, project_channels
from readiness.services.notify import delivery_test
from readiness.services.notify_channels import ChannelError, channel_add, channel_remove

FLAGS = {
    "on": "--on",
    "webhook": "--webhook",
    "apprise": "--apprise",
    "secret": "--secret",
    "min_drop": "--min-drop",
    "days": "--days",
    "language": "--language",
}


def channels_text(rows: list[dict[str, Any]]) -> str:
    if not rows:
        return _("No notification channel.")
    header = [_("#"), _("Kind"), _("Target"), _("Secret"), _("Rules"), _("Language"), _("Enabled")]
    lines = [
        [
            str(row["id"]),
            row["kind"],
            row["target"],
            row["secret"] or "-",
            ",".join(row["rules"]),
            row["language"],
            _("yes") if row["enabled"] else _("no"),
        ]
        for row in rows
    ]
    return aligned_table(header, lines)


class Command(ReadinessCommand):
    help = _("Add, list, remove or test a project's notification channels.")

    def add_arguments(self, parser: CommandParser) -> None:
        actions = parser.add_subparsers(dest="action", required=True, metavar="ACTION")
        add = actions.add_parser("add", help=_("Add a channel; prints its id last."))
        add.add_argument("--project", required=True, metavar="SLUG")
        add.add_argument(
            "--on",
            required=True,
            metavar="RULES",
            help=_("Comma-separated: %(rules)s") % {"rules": ",".join(NotifyRule.values)},
        )
        target = add.add_mutually_exclusive_group(required=True)
        target.add_argument("--webhook", metavar="URL", help=_("A signed webhook's URL."))
        target.add_argument("--apprise", metavar="URL", help=_("An Apprise URL (chat, e-mail)."))
        secret = add.add_mutually_exclusive_group()
        secret.add_argument("--secret", metavar="SECRET", help=_("The webhook's signing key."))
        secret.add_argument(
            "--secret-env", metavar="NAME", help=_("Read the signing key from this variable.")
        )
        add.add_argument("--min-drop", type=float, default=0.5, metavar="POINTS")
        add.add_argument("--days", type=int, default=14, metavar="DAYS")
        add.add_argument(
            "--language",
            metavar="CODE",
            help=_("The language of the channel's messages: %(codes)s (default: %(default)s).")
            % {
                "codes": ", ".join(code for code, _name in settings.LANGUAGES),
                "default": settings.LANGUAGE_CODE,
            },
        )
        listing = actions.add_parser("list", help=_("List a project's channels."))
        listing.add_argument("--project", required=True, metavar="SLUG")
        self.add_json_argument(listing, _("Print one JSON list."))
        remove = actions.add_parser("remove", help=_("Remove a channel and its deliveries."))
        remove.add_argument("id", type=int, metavar="ID")
        test = actions.add_parser("test", help=_("Send a test message to a channel now."))
        test.add_argument("id", type=int, metavar="ID")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            getattr(self, f"_{options['action']}")(options)
        except ChannelError as exc:
            flag = FLAGS.get(exc.field, exc.field)
            raise BadInput(f"{flag}: {exc}") from None

    def _add(self, options: dict[str, Any]) -> None:
        project = self.project(options["project"])
        secret = options["secret"] or ""
        if options["secret_env"]:
            secret = os.environ.get(options["secret_env"], "")
            if not secret:
                raise BadInput(
                    _("--secret-env %(name)s: the variable is not set or empty")
                    % {"name": options["secret_env"]}
                )
        webhook = options["webhook"]
        channel = channel_add(
            project=project,
            kind=ChannelKind.WEBHOOK if webhook is not None else ChannelKind.APPRISE,
            url=webhook if webhook is not None else options["apprise"],
            secret=secret,
            rules=options["on"],
            min_drop=options["min_drop"],
            expiring_days=options["days"],
            language=options["language"],
        )
        self.stdout.write(
            _("Channel #%(id)s added to %(project)s: %(target)s on %(rules)s.")
            % {
                "id": channel.pk,
                "project": project.slug,
                "target": channel.target_label,
                "rules": ",".join(channel.rules),
            }
        )
        self.stdout.write(str(channel.pk))

    def _list(self, options: dict[str, Any]) -> None:
        project = self.project(options["project"])
        rows = [channel_row(c) for c in project_channels(project=project)]
        self.write_output(rows, as_json=options["json"], text=channels_text)

    def _remove(self, options: dict[str, Any]) -> None:
        channel = self._channel(options["id"])
        channel_remove(channel=channel)
        self.stdout.write(_("Channel #%(id)s removed.") % {"id": options["id"]})

    def _test(self, options: dict[str, Any]) -> None:
        delivery = delivery_test(channel=self._channel(options["id"]))
        if delivery.status != DeliveryStatus.SENT:
            raise PolicyFailure(
                _("Test message to channel #%(id)s not sent: %(error)s")
                % {"id": options["id"], "error": delivery.error or delivery.status}
            )
        code = f" (HTTP {delivery.response_code})" if delivery.response_code else ""
        self.stdout.write(
            _("Test message sent to channel #%(id)s%(code)s.") % {"id": options["id"], "code": code}
        )

    def _channel(self, pk: int) -> NotificationChannel:
        channel = NotificationChannel.objects.select_related("project__team").filter(pk=pk).first()
        if channel is None:
            raise BadInput(_("channel %(id)s: no such notification channel") % {"id": pk})
        return channel
