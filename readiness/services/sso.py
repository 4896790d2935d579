"""Single sign-on's writes at each login: the user the provider's claims belong to, and their
memberships in the teams READINESS_OIDC_TEAM_MAP names, brought in line with the claims.

Who is who: a user is found by the provider's `sub` claim (SsoIdentity), which stays when
their name or address changes. At the first sign-in of a `sub`, an existing account is
linked only when the provider says the e-mail address is verified and exactly one account
has it; an account with that address and an unverified claim is refused, never taken
over. Otherwise a new account is made, without a password."""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser
from django.db import IntegrityError, transaction
from django.utils.timezone import now
from django.utils.translation import gettext as _

from readiness.models import Membership, Role, SsoIdentity, Team
from readiness.services.audit import audit_record
from readiness.sso.team_map import TeamRule, team_roles

logger = logging.getLogger(__name__)

_USERNAME_MAX = 150
_NOT_IN_USERNAME = re.compile(r"[^\w.@+-]+")


class SsoRefused(Exception):
    """A sign-in that must not go on; the message tells the user why."""


def email_verified(claims: Mapping[str, Any]) -> bool:
    """Whether the provider vouches for the `email` claim. Some providers send the
    boolean as a string."""
    return claims.get("email_verified") in (True, "true", "True")


def sso_user_resolve(*, issuer: str, claims: Mapping[str, Any]) -> AbstractBaseUser:
    """The user `claims` belong to, found, linked or created (see the module's docstring),
    their names and verified address brought up to date; SsoRefused when none may be."""
    subject = claims.get("sub")
    if not isinstance(subject, str) or not subject:
        raise SsoRefused(_("The provider did not say who you are (no sub claim)."))
    email = claims.get("email") if isinstance(claims.get("email"), str) else ""
    verified = bool(email) and email_verified(claims)
    try:
        with transaction.atomic():
            identity = (
                SsoIdentity.objects.select_for_update()
                .select_related("user")
                .filter(issuer=issuer, subject=subject)
                .first()
            )
            if identity is None:
                user = _existing_account(issuer, email, verified) or _new_account(claims, verified)
                identity = SsoIdentity.objects.create(user=user, issuer=issuer, subject=subject)
            else:
                identity.last_login_at = now()
                identity.save(update_fields=["last_login_at"])
            _update_profile(identity.user, claims, email if verified else "")
            return identity.user
    except IntegrityError:
        # Two first sign-ins of one `sub` at once: the other one linked it.
        identity = (
            SsoIdentity.objects.select_related("user")
            .filter(issuer=issuer, subject=subject)
            .first()
        )
        if identity is None:
            raise SsoRefused(_("The sign-in could not be completed: try again.")) from None
        return identity.user


def _existing_account(issuer: str, email: str, verified: bool) -> AbstractBaseUser | None:
    if not email:
        return None
    users = list(get_user_model().objects.filter(email__iexact=email).order_by("pk")[:2])
    if not users:
        return None
    if not verified:
        raise SsoRefused(
            _(
                "An account with the address %(email)s exists, and the provider does not say "
                "the address is verified, so it was not used: ask an administrator."
            )
            % {"email": email}
        )
    if len(users) > 1:
        raise SsoRefused(
            _("Several accounts have the address %(email)s: ask an administrator.")
            % {"email": email}
        )
    if SsoIdentity.objects.filter(issuer=issuer, user=users[0]).exists():
        raise SsoRefused(
            _(
                "The account with the address %(email)s is linked to another account at the "
                "provider: ask an administrator."
            )
            % {"email": email}
        )
    return users[0]


def _new_account(claims: Mapping[str, Any], verified: bool) -> AbstractBaseUser:
    model = get_user_model()
    username = _free_username(claims, verified)
    user = model(username=username)
    user.set_unusable_password()
    user.save()
    logger.info("single sign-on: account %s made for sub %s", username, claims.get("sub"))
    return user


def _free_username(claims: Mapping[str, Any], verified: bool) -> str:
    """The first of preferred_username, the verified address and sso-<sub> not taken by
    another account, cleaned to what a username may hold; with -2, -3… if all are."""
    model = get_user_model()
    candidates = [claims.get("preferred_username"), claims.get("email") if verified else None]
    candidates.append(f"sso-{claims['sub']}")
    cleaned = (
        _NOT_IN_USERNAME.sub("-", value).strip("-")[:_USERNAME_MAX]
        for value in candidates
        if isinstance(value, str)
    )
    names = [name for name in cleaned if name]
    for name in names:
        if not model.objects.filter(username=name).exists():
            return name
    base = names[-1][: _USERNAME_MAX - 6]
    number = 2
    while model.objects.filter(username=f"{base}-{number}").exists():
        number += 1
    return f"{base}-{number}"


def _update_profile(user: AbstractBaseUser, claims: Mapping[str, Any], email: str) -> None:
    values = {
        "first_name": claims.get("given_name"),
        "last_name": claims.get("family_name"),
        "email": email,
    }
    changed = []
    for field, value in values.items():
        if not isinstance(value, str) or not value.strip():
            continue
        value = value.strip()[: user._meta.get_field(field).max_length]
        if getattr(user, field) != value:
            setattr(user, field, value)
            changed.append(field)
    if changed:
        user.save(update_fields=changed)


def sso_memberships_sync(
    *,
    user: AbstractBaseUser,
    claims: Mapping[str, Any],
    rules: tuple[TeamRule, ...],
    provider: str,
) -> list[str]:
    """Give `user` the role `rules` give them in each team the rules name: add, change or
    remove their membership there (with an audit entry each), and leave every other team
    alone. A team's last admin is neither demoted nor removed (the team would have no
    admin); the skip is logged. Returns the changes made, for the log."""
    wanted = team_roles(rules, claims, email_verified=email_verified(claims))
    if not wanted:
        return []
    changes: list[str] = []
    with transaction.atomic():
        teams = {team.slug: team for team in Team.objects.filter(slug__in=wanted)}
        for slug in sorted(set(wanted) - set(teams)):
            logger.warning("READINESS_OIDC_TEAM_MAP names team %r, which does not exist", slug)
        # Admin rows first, so that two logins at once cannot both remove the last admin.
        list(Membership.objects.select_for_update().filter(team__in=teams.values(), role="admin"))
        current = {
            m.team_id: m
            for m in Membership.objects.select_for_update().filter(
                user=user, team__in=teams.values()
            )
        }
        for slug, team in sorted(teams.items()):
            role, matched = wanted[slug]
            change = _apply(user, team, current.get(team.pk), role, matched, provider)
            if change:
                changes.append(change)
    return changes


def _apply(
    user: AbstractBaseUser,
    team: Team,
    membership: Membership | None,
    role: str | None,
    matched: list[TeamRule],
    provider: str,
) -> str:
    who = user.get_username()
    given_by = ", ".join(str(rule) for rule in matched if rule.role == role)
    summary = _("single sign-on (%(provider)s): %(rules)s") % {
        "provider": provider,
        "rules": given_by or _("no rule matches any more"),
    }
    if membership is None and role is None:
        return ""
    if membership is None:
        membership = Membership.objects.create(team=team, user=user, role=role)
        audit_record(
            team=team,
            actor=None,
            action="membership.add",
            target=membership,
            after={"user": who, "role": role},
            summary=summary,
        )
        return f"{who} added to {team.slug} as {role}"
    if membership.role == role:
        return ""
    if membership.role == Role.ADMIN and not _other_admin(team, membership):
        logger.warning(
            "single sign-on: %s stays admin of %s, its last admin (the map says %s)",
            who,
            team.slug,
            role or "no role",
        )
        return ""
    before = membership.role
    if role is None:
        audit_record(
            team=team,
            actor=None,
            action="membership.remove",
            target=membership,
            before={"user": who, "role": before},
            summary=summary,
        )
        membership.delete()
        return f"{who} removed from {team.slug}"
    membership.role = role
    membership.save(update_fields=["role"])
    audit_record(
        team=team,
        actor=None,
        action="membership.role",
        target=membership,
        before={"user": who, "role": before},
        after={"user": who, "role": role},
        summary=summary,
    )
    return f"{who} made {role} of {team.slug}"


def _other_admin(team: Team, membership: Membership) -> bool:
    return Membership.objects.filter(team=team, role=Role.ADMIN).exclude(pk=membership.pk).exists()
