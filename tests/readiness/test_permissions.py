import pytest
from django.core.exceptions import PermissionDenied
from django.http import Http404

from readiness.models import Role
from readiness.permissions import (
    assessment_for_user,
    project_for_user,
    role_allows,
    team_for_user,
    visible_projects,
)
from tests import factories


@pytest.fixture
def member(db):
    membership = factories.MembershipFactory(role=Role.EDITOR)
    project = factories.ProjectFactory(team=membership.team)
    return membership.user, project


def test_it_ranks_roles():
    assert role_allows(Role.ADMIN, Role.EDITOR)
    assert role_allows(Role.EDITOR, Role.EDITOR)
    assert not role_allows(Role.VIEWER, Role.EDITOR)
    assert not role_allows(None, Role.VIEWER)


def test_it_returns_a_project_of_the_users_team_with_the_role(member):
    user, project = member
    found = project_for_user(user, project.slug)
    assert found == project
    assert found.user_role == Role.EDITOR


def test_it_answers_404_for_a_project_of_another_team(member):
    user, _ = member
    other = factories.ProjectFactory()
    with pytest.raises(Http404):
        project_for_user(user, other.slug)
    with pytest.raises(Http404):
        assessment_for_user(user, factories.AssessmentFactory(project=other).pk)
    with pytest.raises(Http404):
        team_for_user(user, other.team.slug)


def test_it_answers_403_when_the_role_is_too_low(member):
    user, project = member
    with pytest.raises(PermissionDenied):
        project_for_user(user, project.slug, role=Role.ADMIN)


def test_it_lists_only_the_projects_of_the_users_teams(member):
    user, project = member
    factories.ProjectFactory()
    assert list(visible_projects(user)) == [project]


def test_it_makes_a_superuser_an_admin_of_every_team(member):
    _, project = member
    other = factories.ProjectFactory()
    superuser = factories.UserFactory(is_superuser=True, is_staff=True)
    assert set(visible_projects(superuser)) == {project, other}
    assert project_for_user(superuser, other.slug, role=Role.ADMIN).user_role == Role.ADMIN
    assessment = factories.AssessmentFactory(project=other)
    assert assessment_for_user(superuser, assessment.pk, role=Role.ADMIN) == assessment
    assert team_for_user(superuser, other.team.slug) == other.team


def test_it_gives_an_inactive_superuser_nothing(member):
    superuser = factories.UserFactory(is_superuser=True, is_active=False)
    assert list(visible_projects(superuser)) == []
