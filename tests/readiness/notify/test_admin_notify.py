"""Notification channels in the admin: checked like `notify add`, the secret kept when left
empty and never shown back, every change audited; deliveries read-only."""

import pytest
from django.urls import reverse

from readiness.models import AuditEntry, NotificationChannel
from tests import factories

pytestmark = pytest.mark.django_db

SECRET = "whsec-admin-0123456789abcdef"


@pytest.fixture
def staff(client):
    client.force_login(factories.UserFactory(is_staff=True, is_superuser=True))
    return client


def form(project, **changes):
    data = {
        "project": project.pk,
        "kind": "webhook",
        "url": "https://hooks.example.com/readiness",
        "secret": SECRET,
        "rules": ["verdict", "missed"],
        "min_drop": "0.5",
        "expiring_days": "14",
        "language": "fr",
        "enabled": "on",
    }
    data.update(changes)
    return data


def test_a_channel_added_in_the_admin_is_audited_without_its_secret(staff):
    project = factories.ProjectFactory()

    response = staff.post(reverse("admin:readiness_notificationchannel_add"), form(project))

    assert response.status_code == 302, response.content.decode()[:2000]
    channel = NotificationChannel.objects.get()
    assert (channel.secret, channel.rules, channel.language) == (
        SECRET,
        ["verdict", "missed"],
        "fr",
    )
    entry = AuditEntry.objects.get()
    assert entry.action == "notification.add"
    assert SECRET not in str(entry.after)


def test_a_change_with_the_secret_left_empty_keeps_it_and_is_audited(staff):
    channel = factories.NotificationChannelFactory(secret=SECRET)
    url = reverse("admin:readiness_notificationchannel_change", args=[channel.pk])

    page = staff.get(url).content.decode()
    assert SECRET not in page and "…cdef" in page
    response = staff.post(url, form(channel.project, secret="", enabled=""))

    assert response.status_code == 302
    channel.refresh_from_db()
    assert (channel.secret, channel.enabled) == (SECRET, False)
    entry = AuditEntry.objects.get()
    assert entry.action == "notification.change"
    assert (entry.before["enabled"], entry.after["enabled"]) == (True, False)


def test_the_admin_refuses_what_the_command_refuses(staff):
    project = factories.ProjectFactory()

    response = staff.post(
        reverse("admin:readiness_notificationchannel_add"), form(project, secret="")
    )

    assert response.status_code == 200
    assert "a webhook needs a secret" in response.content.decode()
    assert not NotificationChannel.objects.exists()


def test_a_channel_deleted_in_the_admin_is_audited(staff):
    channel = factories.NotificationChannelFactory()
    url = reverse("admin:readiness_notificationchannel_delete", args=[channel.pk])

    assert staff.post(url, {"post": "yes"}).status_code == 302

    assert not NotificationChannel.objects.exists()
    assert AuditEntry.objects.get().action == "notification.remove"
