"""READINESS_OIDC_TEAM_MAP: rules that turn a provider's claims into team roles. Parsed at
startup (a bad entry stops the server with a message naming it); applied at each login.

    entry[, entry ...]          (commas or new lines between entries)
    entry = <claim>:<value>=<team slug>:<role>

<claim> is the name of a claim holding a string or a list of strings (groups, roles, …),
or `domain`: the domain of the e-mail address, only when the provider says it is
verified. <value> is matched exactly (a domain without regard to case; its subdomains do
not match). <role> is viewer, editor or admin; when several rules give one team a role,
the highest wins. A comma, equals sign or percent sign in a claim or a value, and a colon
in a claim name, are written %2C, %3D, %25 and %3A. This module does not import Django."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote

DOMAIN = "domain"
ROLES = ("viewer", "editor", "admin")  # lowest first: the highest matching role wins
_SLUG = re.compile(r"^[-a-zA-Z0-9_]+$")
_BAD_ESCAPE = re.compile(r"%(?![0-9A-Fa-f]{2})")
_SHAPE = "<claim>:<value>=<team slug>:<role>"


class TeamMapError(ValueError):
    """An entry of the map that cannot be read; the message names it."""


@dataclass(frozen=True)
class TeamRule:
    claim: str
    value: str
    team: str
    role: str

    def __str__(self) -> str:
        return f"{self.claim}:{self.value}"


def team_map_parse(text: str) -> tuple[TeamRule, ...]:
    """The rules written in `text` (empty: none), or TeamMapError naming the first bad entry
    by its position and its text."""
    entries = [entry.strip() for entry in re.split(r"[,\n]", text) if entry.strip()]
    rules: list[TeamRule] = []
    seen: dict[tuple[str, str, str], TeamRule] = {}
    for position, entry in enumerate(entries, start=1):
        rule = _rule(entry, f"entry {position} ({entry!r})")
        key = (rule.claim, rule.value.lower() if rule.claim == DOMAIN else rule.value, rule.team)
        if key in seen:
            raise TeamMapError(
                f"entry {position} ({entry!r}): {rule} is already mapped to team "
                f"{rule.team!r} (as {seen[key].role}); give each claim value one role per team"
            )
        seen[key] = rule
        rules.append(rule)
    return tuple(rules)


def _rule(entry: str, where: str) -> TeamRule:
    if entry.count("=") != 1:
        raise TeamMapError(
            f"{where}: expected {_SHAPE}, with one '=' (write an '=' in a value as %3D)"
        )
    source, target = entry.split("=")
    claim, colon, value = source.partition(":")
    team, colon_2, role = target.partition(":")
    if not colon or not colon_2:
        raise TeamMapError(f"{where}: expected {_SHAPE}")
    claim, value, team, role = claim.strip(), value.strip(), team.strip(), role.strip()
    for part, name in ((claim, "claim"), (value, "value")):
        if not part:
            raise TeamMapError(f"{where}: the {name} is empty; expected {_SHAPE}")
        if _BAD_ESCAPE.search(part):
            raise TeamMapError(
                f"{where}: {part!r} has a '%' that is not an escape like %2C (write '%' as %25)"
            )
    if not _SLUG.match(team):
        raise TeamMapError(
            f"{where}: {team!r} is not a team slug (letters, digits, '-' and '_'; see the "
            "team's address, /teams/<slug>/)"
        )
    if role not in ROLES:
        raise TeamMapError(f"{where}: role {role!r} is not one of {', '.join(ROLES)}")
    return TeamRule(claim=unquote(claim), value=unquote(value), team=team, role=role)


def team_roles(
    rules: tuple[TeamRule, ...], claims: Mapping[str, Any], *, email_verified: bool
) -> dict[str, tuple[str | None, list[TeamRule]]]:
    """For every team the rules name: the role `claims` give in it (None: no rule matches)
    and the rules that gave it."""
    found: dict[str, tuple[str | None, list[TeamRule]]] = {}
    domain = _email_domain(claims) if email_verified else None
    for rule in rules:
        role, matched = found.get(rule.team, (None, []))
        if rule.claim == DOMAIN:
            hit = domain is not None and domain == rule.value.lower()
        else:
            hit = rule.value in _strings(claims.get(rule.claim))
        if hit:
            matched = [*matched, rule]
            if role is None or ROLES.index(rule.role) > ROLES.index(role):
                role = rule.role
        found[rule.team] = (role, matched)
    return found


def _strings(value: Any) -> list[str]:
    """A claim as a list of strings: a string is one value, a list its string items."""
    if isinstance(value, str):
        return [value]
    if isinstance(value, list | tuple):
        return [item for item in value if isinstance(item, str)]
    return []


def _email_domain(claims: Mapping[str, Any]) -> str | None:
    email = claims.get("email")
    if not isinstance(email, str) or "@" not in email:
        return None
    return email.rpartition("@")[2].strip().lower() or None
