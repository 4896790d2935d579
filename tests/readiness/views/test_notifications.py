"""The notifications section of the project page: editors and admins add, test and remove
channels; viewers see them without the forms and cannot post; another team's project is
404; secrets are never shown whole."""

import pytest

from readiness.models import AuditEntry, NotificationChannel, NotificationDelivery, Role
from tests import factories
from tests.readiness.notify.receiver import Receiver

SECRET = "whsec-page-0123456789abcdef"


def create_url(slug):
    return f"/projects/{slug}/notifications/"


def webhook_form(url="https://hooks.example.com/readiness", **extra):
    return {
        "kind": "webhook",
        "url": url,
        "secret": SECRET,
        "rules": ["regression", "critical"],
        "min_drop": "1",
        "expiring_days": "14",
        "language": "en",
        **extra,
    }


@pytest.mark.parametrize("role", [Role.EDITOR, Role.ADMIN])
def test_an_editor_or_admin_adds_a_webhook_and_sees_only_the_secret_s_end(world, login, role):
    client = login(role)

    response = client.post(create_url(world.project.slug), webhook_form(), HTTP_HX_REQUEST="true")

    assert response.status_code == 200
    channel = NotificationChannel.objects.get()
    assert (channel.rules, channel.min_drop, channel.secret) == (
        ["regression", "critical"],
        1.0,
        SECRET,
    )
    html = response.content.decode()
    assert 'data-testid="notify-channel"' in html
    assert SECRET not in html and "…cdef" in html
    assert AuditEntry.objects.get().action == "notification.add"
    page = client.get(f"/projects/{world.project.slug}/").content.decode()
    assert 'data-testid="notifications"' in page
    assert SECRET not in page


def test_the_messages_language_is_the_adder_s_unless_another_is_chosen(world, login):
    client = login(Role.EDITOR)
    page = client.get(f"/projects/{world.project.slug}/", HTTP_ACCEPT_LANGUAGE="fr")
    html = page.content.decode()
    select = html[html.index('data-testid="notify-language"') :]
    assert '<option value="fr" selected>' in select[: select.index("</select>")]

    response = client.post(
        create_url(world.project.slug), webhook_form(language="fr"), HTTP_HX_REQUEST="true"
    )

    assert NotificationChannel.objects.get().language == "fr"
    assert "messages: French" in response.content.decode()
    response = client.post(
        create_url(world.project.slug), webhook_form(language="xx"), HTTP_HX_REQUEST="true"
    )
    assert 'data-testid="notify-error-language"' in response.content.decode()
    assert NotificationChannel.objects.count() == 1


def test_bad_input_is_shown_on_its_field_and_nothing_is_saved(world, login):
    client = login(Role.EDITOR)

    response = client.post(
        create_url(world.project.slug), webhook_form(secret=""), HTTP_HX_REQUEST="true"
    )

    assert response.status_code == 200
    assert 'data-testid="notify-error-secret"' in response.content.decode()
    assert "a webhook needs a secret" in response.content.decode()
    response = client.post(
        create_url(world.project.slug), webhook_form(url="gopher://x/"), HTTP_HX_REQUEST="true"
    )
    assert 'data-testid="notify-error-url"' in response.content.decode()
    assert not NotificationChannel.objects.exists()
    assert not AuditEntry.objects.exists()


def test_a_viewer_sees_the_channels_but_cannot_configure_them(world, login):
    channel = factories.NotificationChannelFactory(project=world.project, secret=SECRET)
    client = login(Role.VIEWER)

    page = client.get(f"/projects/{world.project.slug}/").content.decode()
    assert 'data-testid="notify-channel"' in page
    assert 'data-testid="notify-form"' not in page and 'data-testid="notify-test"' not in page
    assert SECRET not in page

    assert client.post(create_url(world.project.slug), webhook_form()).status_code == 403
    slug = world.project.slug
    assert client.post(f"/projects/{slug}/notifications/{channel.pk}/test/").status_code == 403
    assert client.post(f"/projects/{slug}/notifications/{channel.pk}/remove/").status_code == 403
    assert NotificationChannel.objects.count() == 1
    assert not NotificationDelivery.objects.exists()


def test_another_team_s_project_and_channels_are_404(world, login):
    theirs = factories.NotificationChannelFactory(project=world.other_project)
    client = login(Role.ADMIN)
    other = world.other_project.slug

    assert client.post(create_url(other), webhook_form()).status_code == 404
    assert client.post(f"/projects/{other}/notifications/{theirs.pk}/test/").status_code == 404
    assert client.post(f"/projects/{other}/notifications/{theirs.pk}/remove/").status_code == 404
    # Their channel through our project's URL is not found either.
    mine = world.project.slug
    assert client.post(f"/projects/{mine}/notifications/{theirs.pk}/remove/").status_code == 404
    assert NotificationChannel.objects.filter(pk=theirs.pk).exists()


def test_send_test_posts_a_signed_message_and_records_the_delivery(world, login):
    client = login(Role.EDITOR)
    with Receiver() as receiver:
        channel = factories.NotificationChannelFactory(project=world.project, url=receiver.url())
        response = client.post(
            f"/projects/{world.project.slug}/notifications/{channel.pk}/test/",
            HTTP_HX_REQUEST="true",
        )

    html = response.content.decode()
    assert 'data-testid="notify-message"' in html
    assert len(receiver.received) == 1
    assert "x-readiness-signature" in receiver.received[0].headers
    assert 'data-status="sent"' in html and "HTTP 200" in html


def test_send_test_says_why_when_the_receiver_fails(world, login):
    client = login(Role.EDITOR)
    with Receiver([500]) as receiver:
        channel = factories.NotificationChannelFactory(project=world.project, url=receiver.url())
        response = client.post(
            f"/projects/{world.project.slug}/notifications/{channel.pk}/test/",
            HTTP_HX_REQUEST="true",
        )

    html = response.content.decode()
    assert 'data-testid="notify-error"' in html and "HTTP 500" in html
    assert 'data-status="failed"' in html


def test_remove_deletes_the_channel_with_an_audit_entry(world, login):
    channel = factories.NotificationChannelFactory(project=world.project)
    client = login(Role.EDITOR)

    response = client.post(
        f"/projects/{world.project.slug}/notifications/{channel.pk}/remove/",
        HTTP_HX_REQUEST="true",
    )

    assert response.status_code == 200
    assert not NotificationChannel.objects.exists()
    entry = AuditEntry.objects.get()
    assert (entry.action, entry.actor.username) == ("notification.remove", "editor-user")
