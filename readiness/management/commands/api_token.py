"""`manage.py api_token`: make, list and revoke a team's API tokens.

`api_token create` prints the secret once, alone on its last line, for scripts: it is
never shown again (only its hash is stored). Exit codes: 0 done, 2 bad input (an unknown
team, scope, user or token)."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.management.base import CommandParser
from django.utils.translation import gettext as _

from readiness.management.base import BadInput, ReadinessCommand, aligned_table
from readiness.models import ApiToken, Team, TokenScope
from readiness.services.api_tokens import api_token_create, api_token_revoke


def token_rows(team: Team) -> list[dict[str, Any]]:
    return [
        {
            "id": token.pk,
            "name": token.name,
            "scope": token.scope,
            "prefix": token.prefix,
            "created_at": token.created_at.isoformat(),
            "last_used_at": token.last_used_at.isoformat() if token.last_used_at else None,
            "revoked_at": token.revoked_at.isoformat() if token.revoked_at else None,
        }
        for token in ApiToken.objects.filter(team=team).order_by("-created_at", "-id")
    ]


def tokens_text(rows: list[dict[str, Any]]) -> str:
    if not rows:
        return _("No API token.")
    header = [_("#"), _("Name"), _("Scope"), _("Prefix"), _("Last used"), _("State")]
    lines = [
        [
            str(row["id"]),
            row["name"],
            row["scope"],
            row["prefix"] + "…",
            (row["last_used_at"] or _("never"))[:16],
            _("revoked") if row["revoked_at"] else _("active"),
        ]
        for row in rows
    ]
    return aligned_table(header, lines)


class Command(ReadinessCommand):
    help = _("Create, list or revoke a team's API tokens.")

    def add_arguments(self, parser: CommandParser) -> None:
        actions = parser.add_subparsers(dest="action", required=True, metavar="ACTION")
        create = actions.add_parser(
            "create", help=_("Create a token; prints its secret once, alone on the last line.")
        )
        create.add_argument("--team", required=True, metavar="SLUG")
        create.add_argument("--scope", required=True, choices=TokenScope.values)
        create.add_argument("--name", default="", metavar="NAME")
        create.add_argument("--by", default="", metavar="USERNAME")
        listing = actions.add_parser("list", help=_("List a team's tokens, newest first."))
        listing.add_argument("--team", required=True, metavar="SLUG")
        self.add_json_argument(listing, _("Print one JSON list."))
        revoke = actions.add_parser("revoke", help=_("Revoke a token: it stops working at once."))
        revoke.add_argument("id", type=int, metavar="ID")
        revoke.add_argument("--by", default="", metavar="USERNAME")

    def handle(self, *args: Any, **options: Any) -> None:
        getattr(self, f"_{options['action']}")(options)

    def _create(self, options: dict[str, Any]) -> None:
        team = self._team(options["team"])
        name = options["name"] or _("%(scope)s token") % {"scope": options["scope"]}
        try:
            token, secret = api_token_create(
                team=team, scope=options["scope"], name=name, by=self._user(options["by"])
            )
        except ValidationError as exc:
            raise BadInput(
                "; ".join(f"--{k}: {' '.join(v)}" for k, v in exc.message_dict.items())
            ) from None
        self.stdout.write(
            _(
                "Token #%(id)s “%(name)s” (%(scope)s) created for team %(team)s. "
                "Keep the secret below: it is not shown again."
            )
            % {"id": token.pk, "name": token.name, "scope": token.scope, "team": team.slug}
        )
        self.stdout.write(secret)

    def _list(self, options: dict[str, Any]) -> None:
        team = self._team(options["team"])
        self.write_output(token_rows(team), as_json=options["json"], text=tokens_text)

    def _revoke(self, options: dict[str, Any]) -> None:
        token = ApiToken.objects.select_related("team").filter(pk=options["id"]).first()
        if token is None:
            raise BadInput(_("%(id)s: no such API token") % {"id": options["id"]})
        api_token_revoke(token=token, by=self._user(options["by"]))
        self.stdout.write(_("Token #%(id)s revoked.") % {"id": token.pk})

    def _team(self, slug: str) -> Team:
        team = Team.objects.filter(slug=slug).first()
        if team is None:
            raise BadInput(_("--team %(slug)s: no such team") % {"slug": slug})
        return team

    def _user(self, username: str):
        if not username:
            return None
        user = get_user_model().objects.filter(username=username, is_active=True).first()
        if user is None:
            raise BadInput(_("--by %(user)s: no such active user") % {"user": username})
        return user
