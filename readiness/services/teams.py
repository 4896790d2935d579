"""Team membership changed by a team's admins: adding a user, changing a role, removing a
member; a team always keeps at least one admin. Every change is in the audit trail."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.db.models import Q
from django.utils.translation import gettext as _

from readiness.models import Membership, Role, Team
from readiness.services.audit import audit_record


class MembershipError(ValueError):
    """A membership change that cannot be made; the message says why."""


def membership_add(
    *, team: Team, identifier: str, role: str, actor: AbstractBaseUser | None = None
) -> Membership:
    """Add the existing user whose username or email is `identifier` to `team`."""
    identifier = identifier.strip()
    _check_role(role)
    if not identifier:
        raise MembershipError(_("Give a username or an email address."))
    users = list(
        get_user_model()
        .objects.filter(Q(username=identifier) | Q(email__iexact=identifier), is_active=True)
        .order_by("id")[:2]
    )
    if not users:
        raise MembershipError(_("No user has the username or email %(who)s.") % {"who": identifier})
    if len(users) > 1:
        exact = [user for user in users if user.username == identifier]
        if len(exact) != 1:
            raise MembershipError(
                _("Several users have the email %(who)s: give the username.") % {"who": identifier}
            )
        users = exact
    user = users[0]
    with transaction.atomic():
        if Membership.objects.filter(team=team, user=user).exists():
            raise MembershipError(
                _("%(user)s is already a member of %(team)s.")
                % {"user": user.get_username(), "team": team.name}
            )
        membership = Membership.objects.create(team=team, user=user, role=role)
        audit_record(
            team=team,
            actor=actor,
            action="membership.add",
            target=membership,
            after={"user": user.get_username(), "role": role},
        )
    return membership


def membership_set_role(
    *, team: Team, membership_id: int, role: str, actor: AbstractBaseUser | None = None
) -> Membership:
    """Give a member another role; the last admin keeps theirs."""
    _check_role(role)
    with transaction.atomic():
        membership = _locked(team, membership_id)
        if membership.role == Role.ADMIN and role != Role.ADMIN:
            _keep_an_admin(
                team,
                membership,
                _("%(user)s is the team's last admin: make another member admin first."),
            )
        before = membership.role
        membership.role = role
        membership.save(update_fields=["role"])
        if before != role:
            audit_record(
                team=team,
                actor=actor,
                action="membership.role",
                target=membership,
                before={"user": membership.user.get_username(), "role": before},
                after={"user": membership.user.get_username(), "role": role},
            )
    return membership


def membership_remove(
    *, team: Team, membership_id: int, actor: AbstractBaseUser | None = None
) -> Membership:
    """Remove a member from the team; the last admin stays."""
    with transaction.atomic():
        membership = _locked(team, membership_id)
        if membership.role == Role.ADMIN:
            _keep_an_admin(
                team, membership, _("%(user)s is the team's last admin and cannot be removed.")
            )
        audit_record(
            team=team,
            actor=actor,
            action="membership.remove",
            target=membership,
            before={"user": membership.user.get_username(), "role": membership.role},
        )
        membership.delete()
    return membership


def _check_role(role: str) -> None:
    if role not in Role.values:
        raise MembershipError(_("%(role)s is not a role.") % {"role": role})


def _locked(team: Team, membership_id: int) -> Membership:
    # Every admin row of the team is locked, so two admins demoting each other at once
    # cannot leave the team without one.
    list(Membership.objects.select_for_update().filter(team=team, role=Role.ADMIN))
    membership = (
        Membership.objects.select_for_update()
        .select_related("user")
        .filter(team=team, pk=membership_id)
        .first()
    )
    if membership is None:
        raise MembershipError(_("This member is no longer in the team."))
    return membership


def _keep_an_admin(team: Team, membership: Membership, message: str) -> None:
    others = Membership.objects.filter(team=team, role=Role.ADMIN).exclude(pk=membership.pk)
    if not others.exists():
        raise MembershipError(message % {"user": membership.user.get_username()})
