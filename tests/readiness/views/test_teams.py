from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from readiness.models import Membership, Project, Role
from tests import factories
from tests.readiness.services.test_project_add import BAD_UPLOAD


def url(name, *args):
    return reverse(f"readiness:{name}", args=args)


def test_it_shows_members_and_roles_read_only_to_viewers(world, login):
    client = login(Role.VIEWER)
    response = client.get(url("team", "payments"))
    html = response.content.decode()
    assert response.status_code == 200
    assert 'data-user="viewer-user"' in html
    assert "Only the team's admins change members and roles." in html
    assert 'data-testid="member-add-form"' not in html
    assert 'data-testid="member-remove"' not in html


def test_it_answers_404_for_a_team_the_user_is_not_in(world, login):
    client = login(Role.ADMIN)
    assert client.get(url("team", "other")).status_code == 404
    assert client.post(url("team", "other"), {"who": "x", "role": "viewer"}).status_code == 404
    assert client.get(url("project-new", "other")).status_code == 404


def test_it_forbids_editors_and_viewers_to_change_members(world, login):
    factories.UserFactory(username="newcomer")
    for role in (Role.VIEWER, Role.EDITOR):
        client = login(role)
        member = Membership.objects.get(user=client.user)
        assert (
            client.post(url("team", "payments"), {"who": "newcomer", "role": "admin"}).status_code
            == 403
        )
        assert (
            client.post(url("member-role", "payments", member.pk), {"role": "admin"}).status_code
            == 403
        )
        assert client.post(url("member-remove", "payments", member.pk)).status_code == 403
        assert client.get(url("project-new", "payments")).status_code == 403
    assert not Membership.objects.filter(user__username="newcomer").exists()
    assert not Membership.objects.filter(role=Role.ADMIN).exists()


def test_it_lets_an_admin_add_a_member_by_email(world, login):
    factories.UserFactory(username="grace", email="grace@example.com")
    client = login(Role.ADMIN)
    response = client.post(
        url("team", "payments"), {"who": "grace@example.com", "role": "editor"}, follow=True
    )
    assert "grace added as Editor." in response.content.decode()
    assert Membership.objects.get(user__username="grace").role == Role.EDITOR


def test_it_shows_why_a_member_cannot_be_added_on_the_form(world, login):
    response = login(Role.ADMIN).post(url("team", "payments"), {"who": "ghost", "role": "viewer"})
    assert response.status_code == 200
    assert "No user has the username or email ghost." in response.content.decode()


def test_it_keeps_the_last_admin_and_says_why(world, login):
    client = login(Role.ADMIN)
    me = Membership.objects.get(user=client.user)
    response = client.post(url("member-role", "payments", me.pk), {"role": "viewer"}, follow=True)
    assert "admin-user is the team&#x27;s last admin" in response.content.decode()
    response = client.post(url("member-remove", "payments", me.pk), follow=True)
    assert "cannot be removed" in response.content.decode()
    me.refresh_from_db()
    assert me.role == Role.ADMIN


def test_it_changes_a_role_and_removes_a_member(world, login):
    client = login(Role.ADMIN)
    viewer = factories.MembershipFactory(team=world.team, role=Role.VIEWER)
    response = client.post(
        url("member-role", "payments", viewer.pk), {"role": "editor"}, follow=True
    )
    assert f"{viewer.user.username} is now Editor." in response.content.decode()
    client.post(url("member-remove", "payments", viewer.pk))
    assert not Membership.objects.filter(pk=viewer.pk).exists()


def test_it_lets_a_superuser_manage_any_team(world):
    root = factories.UserFactory(username="root", is_superuser=True, is_staff=True)
    client = Client()
    client.force_login(root)
    assert 'data-testid="member-add-form"' in client.get(url("team", "other")).content.decode()
    assert client.get(url("project-new", "other")).status_code == 200


def test_it_links_admins_to_adding_a_project_from_the_overview(world, login):
    assert url("project-new", "payments") in login(Role.ADMIN).get(url("overview")).content.decode()
    assert (
        url("project-new", "payments")
        not in login(Role.EDITOR).get(url("overview")).content.decode()
    )


def test_it_lists_the_starter_checklists_by_name(world, login):
    html = login(Role.ADMIN).get(url("project-new", "payments")).content.decode()
    assert "Django service readiness (django-service.yml)" in html
    assert 'value="http-service.yml"' in html


def test_it_shows_a_missing_folder_on_the_form_and_saves_nothing(world, login, tmp_path):
    response = login(Role.ADMIN).post(
        url("project-new", "payments"),
        {
            "name": "Billing",
            "slug": "billing",
            "source": str(tmp_path / "missing"),
            "starter": "django-service.yml",
        },
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert 'data-testid="error-source"' in html
    assert f"{tmp_path / 'missing'}: no such folder on this machine" in html
    assert 'value="Billing"' in html
    assert not Project.objects.filter(slug="billing").exists()


def test_it_shows_the_lines_of_an_invalid_uploaded_checklist(world, login, tmp_path):
    bad = BAD_UPLOAD
    response = login(Role.ADMIN).post(
        url("project-new", "payments"),
        {
            "name": "Billing",
            "slug": "billing",
            "source": str(tmp_path),
            "file": SimpleUploadedFile("bad.yml", bad),
        },
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert 'data-testid="checklist-problems"' in html
    assert "line 7" in html
    assert not Project.objects.filter(slug="billing").exists()


def test_it_adds_the_project_and_opens_its_page(world, login, tmp_path):
    client = login(Role.ADMIN)
    response = client.post(
        url("project-new", "payments"),
        {
            "name": "Billing",
            "slug": "billing",
            "source": str(tmp_path),
            "starter": "http-service.yml",
            "path_prefix": "billing",
        },
        follow=True,
    )
    project = Project.objects.get(slug="billing")
    assert project.team == world.team
    assert response.redirect_chain[-1][0] == url("project", "billing")
    html = response.content.decode()
    assert "Project Billing added." in html
    assert 'data-testid="backfill-form"' in html
    assert 'data-testid="schedule-form"' in html


def test_it_shows_why_a_subfolder_cannot_be_used_on_its_field(world, login, tmp_path):
    (tmp_path / "services" / "api").mkdir(parents=True)
    client = login(Role.ADMIN)
    fields = {"name": "Billing", "slug": "billing", "source": str(tmp_path)}
    fields["starter"] = "http-service.yml"

    for subfolder, message in [
        ("../billing", "../billing: .. would leave the repository"),
        ("services/web", f"services/web: no such folder in {tmp_path}"),
    ]:
        response = client.post(url("project-new", "payments"), {**fields, "subfolder": subfolder})
        html = response.content.decode()
        assert response.status_code == 200
        assert 'data-testid="error-subfolder"' in html
        assert message in html
        assert f'value="{subfolder}"' in html
    assert not Project.objects.filter(slug="billing").exists()

    response = client.post(
        url("project-new", "payments"), {**fields, "subfolder": "services/api/"}, follow=True
    )
    assert Project.objects.get(slug="billing").subfolder == "services/api"
    assert 'data-testid="project-subfolder"' in response.content.decode()
    assert "<code>services/api</code>" in response.content.decode()


def test_it_shows_every_field_in_error_at_once(world, login, tmp_path):
    response = login(Role.ADMIN).post(
        url("project-new", "payments"),
        {"name": "", "slug": "payments-api", "source": "/no/such", "path_prefix": "../x"},
    )
    html = response.content.decode()
    for field in ("name", "slug", "source", "path_prefix", "starter"):
        assert f'data-testid="error-{field}"' in html, field
    assert "A project with the slug payments-api already exists." in html


def test_it_sends_an_admin_who_left_the_team_to_the_overview(world, login):
    client = login(Role.ADMIN)
    factories.MembershipFactory(team=world.team, role=Role.ADMIN)
    me = Membership.objects.get(user=client.user)
    response = client.post(url("member-remove", "payments", me.pk))
    assert response["Location"] == url("overview")
    assert client.get(url("team", "payments")).status_code == 404


def test_it_offers_an_admin_of_a_team_without_project_to_add_one(db, client):
    team = factories.TeamFactory(name="Platform", slug="platform")
    lead = factories.UserFactory(username="lead")
    factories.MembershipFactory(team=team, user=lead, role=Role.ADMIN)
    client.force_login(lead)
    html = client.get(url("overview")).content.decode()
    assert url("project-new", "platform") in html
    assert "Ask a team admin" not in html
