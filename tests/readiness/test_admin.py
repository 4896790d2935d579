"""The admin works for every model, and project schedules edited there reach beat."""

import pytest
from django.apps import apps
from django.urls import reverse
from django_celery_beat.models import PeriodicTask

from readiness.models import Attestation
from readiness.services.schedules import schedule_task_name
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff(client):
    user = factories.UserFactory(is_staff=True, is_superuser=True)
    client.force_login(user)
    return client


def test_it_lists_and_opens_every_model_of_the_app(staff):
    factories.CheckResultFactory()
    factories.CategoryScoreFactory()
    factories.AttestationFactory()
    factories.ActionItemFactory()
    factories.MembershipFactory()
    factories.BackfillRequestFactory()
    factories.AuditEntryFactory()
    factories.WaiverFactory()
    factories.BaseChecklistVersionFactory()
    factories.CampaignFactory()
    factories.ApiTokenFactory()
    factories.SsoIdentityFactory()
    factories.NotificationDeliveryFactory()
    factories.ServiceCounterFactory()
    factories.MetricsAssessmentTotalFactory()
    factories.MetricsDurationTotalFactory()
    for model in apps.get_app_config("readiness").get_models():
        meta = model._meta
        listing = staff.get(reverse(f"admin:{meta.app_label}_{meta.model_name}_changelist"))
        assert listing.status_code == 200, meta.model_name
        first = model.objects.first()
        change = staff.get(
            reverse(f"admin:{meta.app_label}_{meta.model_name}_change", args=[first.pk])
        )
        assert change.status_code == 200, meta.model_name


def project_form(project, **changes):
    data = {
        "team": project.team_id,
        "slug": project.slug,
        "name": project.name,
        "source": project.source,
        "ref": "",
        "schedule": "",
        "timezone": "UTC",
        "created_at_0": "2026-11-25",
        "created_at_1": "08:00:00",
    }
    data.update(changes)
    return data


def test_it_keeps_beat_in_step_with_a_schedule_edited_in_the_admin(staff, tmp_path):
    project = factories.ProjectFactory(source=str(tmp_path))
    url = reverse("admin:readiness_project_change", args=[project.pk])

    staff.post(url, project_form(project, schedule="30 8 * * 1-5", timezone="Europe/Paris"))

    task = PeriodicTask.objects.get(name=schedule_task_name(project))
    assert (task.crontab.hour, task.crontab.minute) == ("8", "30")
    assert str(task.crontab.timezone) == "Europe/Paris"

    staff.post(reverse("admin:readiness_project_delete", args=[project.pk]), {"post": "yes"})

    assert not PeriodicTask.objects.filter(name=schedule_task_name(project)).exists()


def test_it_rejects_a_bad_schedule_in_the_admin_and_saves_nothing(staff):
    project = factories.ProjectFactory()
    url = reverse("admin:readiness_project_change", args=[project.pk])

    response = staff.post(url, project_form(project, schedule="99 8 * * *", name="Renamed"))

    assert response.status_code == 200
    assert "schedule" in response.context["adminform"].form.errors
    project.refresh_from_db()
    assert project.name != "Renamed"
    assert not PeriodicTask.objects.filter(name=schedule_task_name(project)).exists()


def attestation_form(check, **changes):
    data = {
        "project": check.checklist.project_id,
        "check_key": check.key,
        "status": "pass",
        "note": "Reviewed with ops",
        "evidence_url": "https://wiki.example.com/quotas",
        "attested_by": "ops",
        "attested_at_0": "2026-11-25",
        "attested_at_1": "08:00:00",
    }
    data.update(changes)
    return data


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"status": ""}, "status"),
        ({"note": "  "}, "note"),
        ({"evidence_url": ""}, "evidence_url"),
        ({"check_key": "not-a-check"}, "check_key"),
    ],
)
def test_it_applies_the_dashboards_attestation_rules_in_the_admin(staff, changes, field):
    check = factories.CheckFactory(
        key="quotas", type="manual", options={"valid_days": 14, "evidence_required": True}
    )
    url = reverse("admin:readiness_attestation_add")

    response = staff.post(url, attestation_form(check, **changes))

    assert response.status_code == 200
    assert field in response.context["adminform"].form.errors
    assert not Attestation.objects.exists()
    staff.post(url, attestation_form(check))
    assert Attestation.objects.get().note == "Reviewed with ops"


@pytest.mark.parametrize(
    ("source", "message"),
    [
        ("/no/such/folder", "no such folder on this machine"),
        ("ext::sh -c id", "the git transport ext is not allowed"),
        ("ftp://example.com/repo.git", "the git transport ftp is not allowed"),
    ],
)
def test_it_rejects_a_source_that_cannot_be_read_in_the_admin(staff, tmp_path, source, message):
    project = factories.ProjectFactory(source=str(tmp_path))
    url = reverse("admin:readiness_project_change", args=[project.pk])

    response = staff.post(url, project_form(project, source=source))

    assert response.status_code == 200
    assert message in " ".join(response.context["adminform"].form.errors["source"])
    project.refresh_from_db()
    assert project.source == str(tmp_path)


def test_it_explains_the_source_field_in_the_admin(staff):
    response = staff.get(reverse("admin:readiness_project_add"))
    assert "it must answer when the project is saved" in response.content.decode()


def test_it_lets_other_fields_change_while_an_unchanged_source_is_unreachable(staff):
    project = factories.ProjectFactory(source="/gone/elsewhere")
    url = reverse("admin:readiness_project_change", args=[project.pk])

    response = staff.post(url, project_form(project, name="Renamed"))

    assert response.status_code == 302
    project.refresh_from_db()
    assert project.name == "Renamed"


def test_it_checks_and_normalises_the_subfolder_in_the_admin(staff, tmp_path):
    (tmp_path / "services" / "api").mkdir(parents=True)
    project = factories.ProjectFactory(source=str(tmp_path))
    url = reverse("admin:readiness_project_change", args=[project.pk])

    for subfolder, message in [
        ("../x", "../x: .. would leave the repository"),
        ("services/web", "services/web: no such folder in"),
    ]:
        response = staff.post(url, project_form(project, subfolder=subfolder))
        assert response.status_code == 200
        assert message in " ".join(response.context["adminform"].form.errors["subfolder"])
    project.refresh_from_db()
    assert project.subfolder == ""

    assert staff.post(url, project_form(project, subfolder="./services/api/")).status_code == 302
    project.refresh_from_db()
    assert project.subfolder == "services/api"


def test_the_audit_trail_is_read_only_in_the_admin(staff):
    entry = factories.AuditEntryFactory()

    change = staff.get(reverse("admin:readiness_auditentry_change", args=[entry.pk]))
    added = staff.get(reverse("admin:readiness_auditentry_add"))
    deleted = staff.post(
        reverse("admin:readiness_auditentry_delete", args=[entry.pk]), {"post": "yes"}
    )
    edited = staff.post(
        reverse("admin:readiness_auditentry_change", args=[entry.pk]), {"summary": "rewritten"}
    )

    assert change.status_code == 200 and b'name="summary"' not in change.content
    assert added.status_code == 403
    assert deleted.status_code == 403
    assert edited.status_code == 403
    entry.refresh_from_db()
    assert entry.summary == ""
