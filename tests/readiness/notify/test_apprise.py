"""Apprise channels: a message reaches a local target (json://127.0.0.1:port) and is
recorded; a target the outbound policy refuses is not reached, is not retried, and the
delivery says why."""

import ipaddress
import json

import pytest

from checks.outbound import OutboundPolicy
from readiness.notifiers import apprise_send
from readiness.services.notify import delivery_attempt, delivery_test
from tests import factories
from tests.readiness.notify.receiver import Receiver

pytestmark = pytest.mark.django_db


@pytest.fixture
def receiver():
    with Receiver() as running:
        yield running


def apprise_url(receiver):
    return receiver.url("/apprise").replace("http://", "json://")


def test_a_test_message_reaches_a_local_apprise_target(receiver):
    channel = factories.NotificationChannelFactory(
        kind="apprise", url=apprise_url(receiver), secret="", project__name="Shop"
    )

    delivery = delivery_test(channel=channel)

    assert (delivery.status, delivery.attempts) == ("sent", 1)
    message = json.loads(receiver.received[0].body)
    assert message["title"] == "Readiness: Shop"
    assert message["message"].startswith("Shop: a test notification from readiness.")


def test_a_french_channel_gets_its_title_and_test_message_in_french(receiver):
    channel = factories.NotificationChannelFactory(
        kind="apprise", url=apprise_url(receiver), secret="", project__name="Shop", language="fr"
    )

    delivery = delivery_test(channel=channel)

    assert delivery.status == "sent"
    message = json.loads(receiver.received[0].body)
    assert message["title"] == "Readiness : Shop"
    assert message["message"].startswith("Shop : une notification de test de readiness.")


def test_an_event_delivery_is_sent_through_apprise_and_retried_when_it_fails(receiver):
    receiver.statuses = [500]
    channel = factories.NotificationChannelFactory(
        kind="apprise", url=apprise_url(receiver), secret=""
    )
    delivery = factories.NotificationDeliveryFactory(
        channel=channel,
        payload={"summary": "Shop: the verdict changed.", "project": {"name": "Shop"}},
    )

    first = delivery_attempt(delivery_id=delivery.pk)
    assert (first.status, first.retry_in) == ("pending", 30)
    delivery.refresh_from_db()
    assert delivery.attempts == 1 and delivery.error

    assert delivery_attempt(delivery_id=delivery.pk).status == "sent"
    assert len(receiver.received) == 2
    assert json.loads(receiver.received[1].body)["message"] == "Shop: the verdict changed."


def test_a_target_the_policy_refuses_is_not_reached_nor_retried(receiver, settings):
    settings.READINESS_OUTBOUND_DENY = (ipaddress.ip_network("127.0.0.0/8"),)
    channel = factories.NotificationChannelFactory(
        kind="apprise", url=apprise_url(receiver), secret=""
    )
    delivery = factories.NotificationDeliveryFactory(channel=channel)

    attempt = delivery_attempt(delivery_id=delivery.pk)

    assert attempt.status == "failed"
    assert receiver.received == []
    delivery.refresh_from_db()
    assert "127.0.0.1 resolves to 127.0.0.1, which is refused" in delivery.error
    assert "READINESS_OUTBOUND_DENY" in delivery.error


def test_a_webhook_the_policy_refuses_is_not_reached_nor_retried(receiver, settings):
    settings.READINESS_OUTBOUND_DENY = (ipaddress.ip_network("127.0.0.0/8"),)
    channel = factories.NotificationChannelFactory(url=receiver.url())
    delivery = factories.NotificationDeliveryFactory(channel=channel)

    assert delivery_attempt(delivery_id=delivery.pk).status == "failed"
    assert receiver.received == []
    delivery.refresh_from_db()
    assert "127.0.0.1 is refused" in delivery.error


def test_the_guard_judges_lookups_only_in_the_sending_thread(receiver):
    deny_loopback = OutboundPolicy.configured(deny=[ipaddress.ip_network("127.0.0.0/8")])

    sent = apprise_send(apprise_url(receiver), title="t", body="b", policy=deny_loopback)

    assert not sent.ok and not sent.retry
    # Outside a send, lookups are as they were: the server is still reached.
    assert apprise_send(apprise_url(receiver), title="t", body="b", policy=OutboundPolicy()).ok
    assert len(receiver.received) == 1
