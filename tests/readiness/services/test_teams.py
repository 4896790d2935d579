import pytest

from readiness.models import Membership, Role
from readiness.services.teams import (
    MembershipError,
    membership_add,
    membership_remove,
    membership_set_role,
)
from tests import factories


@pytest.fixture
def team(db):
    team = factories.TeamFactory(name="Payments", slug="payments")
    factories.MembershipFactory(
        team=team, user=factories.UserFactory(username="ada"), role=Role.ADMIN
    )
    return team


def admin_of(team):
    return Membership.objects.get(team=team, user__username="ada")


def test_it_adds_an_existing_user_by_username_or_email(team):
    factories.UserFactory(username="bob", email="Bob@Example.com")
    factories.UserFactory(username="cy")
    assert (
        membership_add(team=team, identifier="bob@example.com", role=Role.EDITOR).role == "editor"
    )
    assert membership_add(team=team, identifier=" cy ", role=Role.VIEWER).user.username == "cy"
    assert set(team.memberships.values_list("user__username", "role")) == {
        ("ada", "admin"),
        ("bob", "editor"),
        ("cy", "viewer"),
    }


def test_it_names_an_unknown_user_and_adds_nobody(team):
    with pytest.raises(MembershipError, match="No user has the username or email nobody"):
        membership_add(team=team, identifier="nobody", role=Role.VIEWER)
    assert team.memberships.count() == 1


def test_it_refuses_a_member_twice_and_an_unknown_role(team):
    with pytest.raises(MembershipError, match="ada is already a member of Payments"):
        membership_add(team=team, identifier="ada", role=Role.VIEWER)
    factories.UserFactory(username="bob")
    with pytest.raises(MembershipError, match="owner is not a role"):
        membership_add(team=team, identifier="bob", role="owner")
    assert team.memberships.count() == 1


def test_it_asks_for_the_username_when_an_email_is_shared(team):
    factories.UserFactory(username="bob", email="ops@example.com")
    factories.UserFactory(username="bea", email="ops@example.com")
    with pytest.raises(MembershipError, match="give the username"):
        membership_add(team=team, identifier="ops@example.com", role=Role.VIEWER)


def test_it_never_demotes_nor_removes_the_last_admin(team):
    with pytest.raises(MembershipError, match="ada is the team's last admin"):
        membership_set_role(team=team, membership_id=admin_of(team).pk, role=Role.EDITOR)
    with pytest.raises(MembershipError, match="ada is the team's last admin and cannot be removed"):
        membership_remove(team=team, membership_id=admin_of(team).pk)
    assert admin_of(team).role == Role.ADMIN


def test_it_demotes_or_removes_an_admin_once_another_admin_exists(team):
    other = factories.MembershipFactory(team=team, role=Role.EDITOR)
    membership_set_role(team=team, membership_id=other.pk, role=Role.ADMIN)
    membership_set_role(team=team, membership_id=admin_of(team).pk, role=Role.VIEWER)
    assert admin_of(team).role == Role.VIEWER
    membership_remove(team=team, membership_id=admin_of(team).pk)
    assert list(team.memberships.values_list("role", flat=True)) == [Role.ADMIN]


def test_it_changes_nothing_in_another_team(team):
    elsewhere = factories.MembershipFactory(role=Role.EDITOR)
    with pytest.raises(MembershipError, match="no longer in the team"):
        membership_remove(team=team, membership_id=elsewhere.pk)
    with pytest.raises(MembershipError, match="no longer in the team"):
        membership_set_role(team=team, membership_id=elsewhere.pk, role=Role.VIEWER)
    assert Membership.objects.filter(pk=elsewhere.pk, role=Role.EDITOR).exists()
